//! The V2H backup test at a site: the installer opens the main breaker,
//! the charger must open its transfer switch and form the home's supply;
//! the installer closes it, and the charger must wait its enter-service
//! delay (IEEE 1547-2018 §4.10.3) before it resynchronises and reconnects.
//! Nothing commands the utility's grid: the installer's hands do, and the
//! harness watches through the charger and the site meter.

use super::operator::InstallerAction;
use super::results::{BackupMeasurement, Verdict};
use super::runner::{Runner, StepError};
use crate::device::ChargerStatus;
use crate::model::BackupStep;
use std::time::Duration;

/// How often the charger (and meter) are read while an instant is awaited.
pub const BACKUP_POLL: Duration = Duration::from_millis(100);
/// How often the home is sampled while it is carried.
const HOLD_SAMPLE: Duration = Duration::from_secs(1);
/// Below this fraction of nominal the service is dead (ANSI C84.1 has no
/// such range: half of nominal is far below any service condition).
const DEAD_PU: f64 = 0.5;
/// At or above this the utility is back (ANSI C84.1 range B low, 0.87 pu,
/// rounded up).
const LIVE_PU: f64 = 0.9;
/// A service that reads more than this with the breaker open is fed from
/// the site: backfeed.
const BACKFEED_PU: f64 = 0.05;

/// One poll: the charger, and the service voltage where a meter reads it.
struct Look {
    at: Duration,
    charger: ChargerStatus,
    service_v: Option<f64>,
}

impl Runner<'_> {
    fn look(&mut self, meter: Option<&str>) -> Result<Look, StepError> {
        let charger = self.rig.devices.charger.status()?;
        let service_v = match meter {
            Some(name) => Some(self.service_voltage_v(name)?),
            None => None,
        };
        Ok(Look {
            at: self.rig.clock.now(),
            charger,
            service_v,
        })
    }

    /// Polls until `done` holds, for at most `wait`; the last look before
    /// and the first look after.
    fn watch_for(
        &mut self,
        meter: Option<&str>,
        wait: Duration,
        done: &dyn Fn(&Look) -> bool,
    ) -> Result<Option<(Duration, Look)>, StepError> {
        let start = self.rig.clock.now();
        let mut last = start;
        loop {
            let look = self.look(meter)?;
            if done(&look) {
                return Ok(Some((last, look)));
            }
            last = look.at;
            if look.at.saturating_sub(start) > wait {
                return Ok(None);
            }
            self.sleep(BACKUP_POLL)?;
        }
    }

    pub(crate) fn backup(&mut self, s: &BackupStep) -> Result<BackupMeasurement, StepError> {
        let vn = self.rig.facts.nominal_voltage_v;
        let fnom = self.rig.facts.nominal_frequency_hz;
        let meter = s.meter.as_deref();
        let wait = Duration::from_secs_f64(s.wait_s);
        let es = self.rig.devices.charger.read_enter_service()?;
        let mut m = BackupMeasurement {
            poll_s: BACKUP_POLL.as_secs_f64(),
            transfer_gap_s: None,
            max_transfer_gap_s: s.max_transfer_gap_s,
            home_voltage_min_v: None,
            home_voltage_max_v: None,
            home_frequency_min_hz: None,
            home_frequency_max_hz: None,
            home_load_w: None,
            service_voltage_max_v: None,
            enter_service_delay_s: es.delay_s,
            reconnect_delay_s: None,
            verdict: Verdict::Pass,
            reason: None,
        };
        let fail = |mut m: BackupMeasurement, why: String| {
            m.verdict = Verdict::Fail;
            m.reason = Some(why);
            Ok(m)
        };
        if !self.look(meter)?.charger.connected {
            return fail(
                m,
                "the charger was not connected to the grid before the test".into(),
            );
        }
        let v_tol = vn * s.voltage_tolerance_pct / 100.0;
        let f_tol = s.frequency_tolerance_hz;
        let home_ok = move |l: &Look| {
            !l.charger.connected
                && l.charger.energized
                && (l.charger.voltage_v - vn).abs() <= v_tol
                && (l.charger.frequency_hz - fnom).abs() <= f_tol
        };

        self.ask_installer(
            InstallerAction::OpenMainBreaker,
            "Open the main breaker (the service disconnect) now. The harness watches the charger take over the home.",
        )?;
        let gone = move |l: &Look| {
            !l.charger.connected
                || l.charger.voltage_v < DEAD_PU * vn
                || l.service_v.is_some_and(|v| v < DEAD_PU * vn)
        };
        let Some((last_on, _)) = self.watch_for(meter, wait, &gone)? else {
            return fail(
                m,
                format!(
                    "the utility was not seen to go within {} s: was the main breaker opened?",
                    s.wait_s
                ),
            );
        };
        let Some((_, formed)) = self.watch_for(meter, wait, &home_ok)? else {
            return fail(m, format!(
                "the charger did not form the home's supply (within {}% and {} Hz of nominal) within {} s of losing the utility",
                s.voltage_tolerance_pct, s.frequency_tolerance_hz, s.wait_s
            ));
        };
        let gap_s = (formed.at - last_on).as_secs_f64();
        m.transfer_gap_s = Some(gap_s);

        // Carried: the home's voltage, frequency and load, and the service
        // dead on the utility's side of the transfer switch.
        let mut samples = Vec::new();
        let hold_end = self.rig.clock.now() + Duration::from_secs_f64(s.hold_s);
        loop {
            samples.push(self.look(meter)?);
            if self.rig.clock.now() >= hold_end {
                break;
            }
            self.sleep(HOLD_SAMPLE.min(hold_end - self.rig.clock.now()))?;
        }
        let fold = |f: fn(&Look) -> f64, max: bool| {
            samples.iter().map(f).fold(None, |acc: Option<f64>, x| {
                Some(acc.map_or(x, |a| if max { a.max(x) } else { a.min(x) }))
            })
        };
        m.home_voltage_min_v = fold(|l| l.charger.voltage_v, false);
        m.home_voltage_max_v = fold(|l| l.charger.voltage_v, true);
        m.home_frequency_min_hz = fold(|l| l.charger.frequency_hz, false);
        m.home_frequency_max_hz = fold(|l| l.charger.frequency_hz, true);
        m.home_load_w = Some(
            samples.iter().map(|l| l.charger.power_w).sum::<f64>() / samples.len().max(1) as f64,
        );
        m.service_voltage_max_v = samples
            .iter()
            .filter_map(|l| l.service_v)
            .fold(None, |a: Option<f64>, v| Some(a.map_or(v, |a| a.max(v))));
        let dropped = samples.iter().find(|l| !home_ok(l)).map(|l| {
            format!(
                "the home's supply left tolerance while carried: {:.1} V, {:.2} Hz, {}",
                l.charger.voltage_v,
                l.charger.frequency_hz,
                if l.charger.connected {
                    "reconnected to the grid"
                } else {
                    "islanded"
                }
            )
        });

        self.ask_installer(
            InstallerAction::CloseMainBreaker,
            "Close the main breaker now. The charger must wait its enter-service delay, then resynchronise and reconnect.",
        )?;
        let back_from = match meter {
            Some(_) => {
                let live = move |l: &Look| l.service_v.is_some_and(|v| v >= LIVE_PU * vn);
                match self.watch_for(meter, wait, &live)? {
                    Some((_, l)) => l.at,
                    None => {
                        return fail(m, format!("the site meter did not see the utility return within {} s: was the main breaker closed?", s.wait_s));
                    }
                }
            }
            // Without a meter the return is only known to have come after
            // the installer was asked: the delay is then an upper bound.
            None => self.rig.clock.now(),
        };
        let reconnect_wait = Duration::from_secs_f64(es.delay_s) + wait;
        let Some((_, reconnected)) =
            self.watch_for(meter, reconnect_wait, &|l: &Look| l.charger.connected)?
        else {
            return fail(
                m,
                format!(
                    "the charger did not reconnect within its enter-service delay ({} s) plus {} s",
                    es.delay_s, s.wait_s
                ),
            );
        };
        let delay_s = (reconnected.at - back_from).as_secs_f64();
        m.reconnect_delay_s = Some(delay_s);

        let poll_s = m.poll_s;
        let mut problems = Vec::new();
        if gap_s > s.max_transfer_gap_s {
            problems.push(format!(
                "transfer gap ≤ {gap_s:.2} s is over {} s",
                s.max_transfer_gap_s
            ));
        }
        problems.extend(dropped);
        if let Some(v) = m.service_voltage_max_v.filter(|v| *v > BACKFEED_PU * vn) {
            problems.push(format!(
                "the site meter read {v:.1} V at the service with the main breaker open: the site backfeeds the utility's side"
            ));
        }
        // Reconnecting before the delay has run is the failure §4.10.3
        // guards against; one poll of slack on each instant.
        if delay_s + 2.0 * poll_s < es.delay_s {
            problems.push(format!(
                "reconnected {delay_s:.1} s after the utility returned, before its enter-service delay of {} s",
                es.delay_s
            ));
        }
        if !problems.is_empty() {
            return fail(m, problems.join("; "));
        }
        Ok(m)
    }

    /// The service voltage as the site meter reads it.
    fn service_voltage_v(&mut self, meter: &str) -> Result<f64, StepError> {
        Ok(self.site_meter(meter)?.measure()?.voltage_v)
    }

    /// The rig's site meter (`meter` names it; plan check made sure).
    pub(crate) fn site_meter(
        &mut self,
        meter: &str,
    ) -> Result<&mut Box<dyn crate::device::SiteMeter>, StepError> {
        self.role_of(meter)?;
        self.rig
            .devices
            .site_meter
            .as_mut()
            .ok_or(StepError::Abort(format!(
                "`{meter}`: the rig has no site meter"
            )))
    }
}
