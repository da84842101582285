//! The `island` step: for each reactive-load point, open S3 with the
//! recorder armed, measure the clearing time from the capture, close S3 and
//! wait for the charger to return to service. Optionally extends the sweep
//! while clearing time still rises at its ends and reruns the longest points,
//! as Sandia's IEEE 1547.1 scripts do.

use super::analysis::{analyse_capture, ClearingThresholds};
use super::results::{Drift, IslandMeasurement, Verdict};
use super::runner::{RunEvent, Runner, StepError, POLL};
use crate::device::RlcSetting;
use crate::model::{IslandStep, EXTEND_LIMIT_PCT};
use std::time::Duration;

/// Captured before the trigger, for the pre-island frequency.
pub(crate) const PRE_TRIGGER: Duration =
    Duration::from_millis((crate::model::RECORDER_PRE_TRIGGER_S * 1000.0) as u64);
/// Frequency drift smaller than this is reported as none.
const DRIFT_DEADBAND_HZ: f64 = 0.05;

pub(crate) struct IslandRun<'a, 'r> {
    r: &'a mut Runner<'r>,
    step: &'a IslandStep,
    balanced: Option<RlcSetting>,
}

impl<'a, 'r> IslandRun<'a, 'r> {
    pub(crate) fn new(r: &'a mut Runner<'r>, step: &'a IslandStep) -> Self {
        let balanced = r.balanced_load;
        IslandRun { r, step, balanced }
    }

    pub(crate) fn run(mut self, out: &mut Vec<IslandMeasurement>) -> Result<(), StepError> {
        let mut points: Vec<f64> = if self.step.reactive_load_pct.is_empty() {
            vec![100.0]
        } else {
            self.step.reactive_load_pct.clone()
        };
        let mut measured: Vec<IslandMeasurement> = Vec::new();
        for &pct in &points {
            let m = self.point(pct, false)?;
            measured.push(m);
        }
        if self.step.extend_while_rising && points.len() >= 2 {
            self.extend(&mut points, &mut measured)?;
        }
        let reruns = self.step.rerun_longest as usize;
        if reruns > 0 {
            let mut order: Vec<&IslandMeasurement> = measured.iter().collect();
            order.sort_by(|a, b| sort_key(b).total_cmp(&sort_key(a)));
            let longest: Vec<f64> = order
                .iter()
                .take(reruns)
                .map(|m| m.reactive_load_pct)
                .collect();
            for pct in longest {
                for _ in 0..2 {
                    let m = self.point(pct, true)?;
                    measured.push(m);
                }
            }
        }
        // Leave the load balanced as the step found it.
        if let (Some(b), Some(load), true) = (
            self.balanced,
            self.r.rig.devices.load.as_mut(),
            self.step.reclose,
        ) {
            load.set_load(b)?;
        }
        out.extend(measured);
        Ok(())
    }

    /// Extends each end of the sweep by 1 % while the clearing time keeps rising.
    fn extend(
        &mut self,
        points: &mut Vec<f64>,
        measured: &mut Vec<IslandMeasurement>,
    ) -> Result<(), StepError> {
        let lo = points.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = points.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        for (end, dir) in [(lo, -1.0), (hi, 1.0)] {
            let key = |ms: &[IslandMeasurement], pct: f64| {
                ms.iter()
                    .find(|m| (m.reactive_load_pct - pct).abs() < 1e-9)
                    .map(sort_key)
            };
            let mut edge = end;
            loop {
                let inner = key(measured, edge - dir);
                let outer = key(measured, edge);
                let rising = matches!((outer, inner), (Some(o), Some(i)) if o > i);
                let next = edge + dir;
                if !rising || (next - 100.0).abs() > 5.0 + EXTEND_LIMIT_PCT {
                    break;
                }
                let m = self.point(next, false)?;
                measured.push(m);
                points.push(next);
                edge = next;
            }
        }
        Ok(())
    }

    fn point(
        &mut self,
        reactive_load_pct: f64,
        rerun: bool,
    ) -> Result<IslandMeasurement, StepError> {
        let r = &mut *self.r;
        let facts = r.rig.facts.clone();
        let rated_current_a = facts.charger_rating_w / facts.nominal_voltage_v;
        if let Some(b) = self.balanced {
            let load = r
                .rig
                .devices
                .load
                .as_mut()
                .ok_or_else(|| StepError::Abort("the rig has no island load".into()))?;
            // The reactive point scales the inductive branch; C stays balanced.
            load.set_load(RlcSetting {
                ql_var: b.ql_var * reactive_load_pct / 100.0,
                ..b
            })?;
        } else if (reactive_load_pct - 100.0).abs() > 1e-9 {
            return Err(StepError::Fail(
                "reactive load points other than 100 % need a balance_load step first".into(),
            ));
        }
        r.sleep(Duration::from_secs_f64(self.step.settle_s))?;
        wait_energized(r)?;
        let through_s3 = r.rig.devices.grid()?.measure()?;
        let recorder = r.rig.devices.recorder.as_mut().ok_or_else(|| {
            StepError::Abort("the island step needs a waveform recorder on the rig".into())
        })?;
        let watch = Duration::from_secs_f64(self.step.watch_s);
        recorder.arm(PRE_TRIGGER, watch)?;
        r.rig.devices.island_switch()?.open()?;
        r.sleep(watch)?;
        let capture = match wait_for_capture(r) {
            Ok(c) => c,
            Err(e) => {
                // Do not leave the island standing on a recorder fault.
                r.rig.devices.island_switch()?.close()?;
                return Err(e);
            }
        };
        if self.step.reclose {
            r.rig.devices.island_switch()?.close()?;
        }
        let analysis = analyse_capture(
            &capture,
            ClearingThresholds::per_unit_005(facts.nominal_voltage_v, rated_current_a),
            facts.nominal_frequency_hz,
        );
        let drift_hz = analysis.frequency_drift_hz();
        let drift = match drift_hz {
            Some(d) if d > DRIFT_DEADBAND_HZ => Drift::Up,
            Some(d) if d < -DRIFT_DEADBAND_HZ => Drift::Down,
            _ => Drift::None,
        };
        let pass =
            matches!(analysis.clearing_time_s, Some(t) if t <= self.step.max_clearing_time_s);
        let m = IslandMeasurement {
            power_w: r.charger_setpoint_w,
            power_pct: 100.0 * r.charger_setpoint_w / facts.charger_rating_w,
            reactive_load_pct,
            residual_p_pu: Some(through_s3.power_w / facts.charger_rating_w),
            residual_q_pu: Some(through_s3.reactive_var / facts.charger_rating_w),
            clearing_time_s: analysis.clearing_time_s,
            frequency_before_hz: analysis.frequency_before_hz,
            frequency_last_hz: analysis.frequency_last_hz,
            frequency_drift_hz: drift_hz,
            drift,
            rerun,
            verdict: if pass { Verdict::Pass } else { Verdict::Fail },
        };
        r.emit(RunEvent::Island {
            measurement: &m,
            capture: &capture,
        });
        Ok(m)
    }
}

/// How long the recorder may take to finish its capture after the watch.
const CAPTURE_DEADLINE: Duration = Duration::from_secs(5);

/// Waits for the armed recorder's capture to complete and fetches it.
pub(crate) fn wait_for_capture(r: &mut Runner) -> Result<crate::device::Capture, StepError> {
    let deadline = r.rig.clock.now() + CAPTURE_DEADLINE;
    loop {
        let rec = r
            .rig
            .devices
            .recorder
            .as_mut()
            .ok_or_else(|| StepError::Abort("the rig has no waveform recorder".into()))?;
        if rec.is_complete()? {
            return Ok(rec.fetch()?);
        }
        if r.rig.clock.now() >= deadline {
            return Err(StepError::Abort(
                "the recorder did not complete its capture".into(),
            ));
        }
        r.sleep(POLL)?;
    }
}

/// Not-cleared points sort as the longest.
fn sort_key(m: &IslandMeasurement) -> f64 {
    m.clearing_time_s.unwrap_or(f64::INFINITY)
}

/// Waits for the charger to energise the grid again (it may be in its
/// enter-service delay after the previous island, or a V2H charger still
/// forming its home island before it resynchronises), bounded by its delay
/// plus a margin.
pub(crate) fn wait_energized(r: &mut Runner) -> Result<(), StepError> {
    let on_grid = |s: crate::device::ChargerStatus| s.energized && s.connected;
    if on_grid(r.rig.devices.charger.status()?) {
        return Ok(());
    }
    let delay_s = r.rig.devices.charger.read_enter_service()?.delay_s;
    let limit = Duration::from_secs_f64(delay_s + 10.0);
    let start = r.rig.clock.now();
    loop {
        r.sleep(POLL)?;
        if on_grid(r.rig.devices.charger.status()?) {
            // Let the power loop reach the setpoint before measuring.
            return r.sleep(Duration::from_millis(500));
        }
        if r.rig.clock.now() - start > limit {
            return Err(StepError::Abort(format!(
                "the charger did not return to service within {:.0} s (enter-service delay {delay_s} s)",
                limit.as_secs_f64()
            )));
        }
    }
}
