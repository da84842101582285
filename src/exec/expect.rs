//! `expect`: a measured value within a tolerance (or a flag equal to a
//! value), now or within a time.

use super::results::{Expectation, Verdict};
use super::rig::Role;
use super::runner::{Runner, StepError, POLL};
use crate::model::{ExpectStep, Quantity};
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Reading {
    Number(f64),
    Flag(bool),
}

impl std::fmt::Display for Reading {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Reading::Number(x) => write!(f, "{x:.3}"),
            Reading::Flag(b) => write!(f, "{b}"),
        }
    }
}

/// An AC instrument's reading of one quantity (the plan check has already
/// refused quantities a role does not measure).
fn ac(m: &crate::device::AcReading, quantity: Quantity) -> Option<Reading> {
    Some(Reading::Number(match quantity {
        Quantity::VoltageV => m.voltage_v,
        Quantity::FrequencyHz => m.frequency_hz,
        Quantity::PowerW => m.power_w,
        Quantity::CurrentA => m.current_a,
        _ => return None,
    }))
}

fn read(r: &mut Runner, role: Role, quantity: Quantity) -> Result<Reading, StepError> {
    let d = &mut r.rig.devices;
    let unknown = || {
        StepError::Abort(format!(
            "quantity `{}` is not measured on {}",
            quantity.name(),
            role.with_article()
        ))
    };
    Ok(match role {
        Role::GridSimulator => ac(&d.grid()?.measure()?, quantity).ok_or_else(unknown)?,
        Role::Charger => {
            let s = d.charger.status()?;
            match quantity {
                Quantity::PowerW => Reading::Number(s.power_w),
                Quantity::VoltageV => Reading::Number(s.voltage_v),
                Quantity::FrequencyHz => Reading::Number(s.frequency_hz),
                Quantity::Energized => Reading::Flag(s.energized),
                Quantity::Tripped => Reading::Flag(s.tripped),
                Quantity::Connected => Reading::Flag(s.connected),
                _ => return Err(unknown()),
            }
        }
        Role::IslandLoad => {
            let load = d
                .load
                .as_mut()
                .ok_or_else(|| StepError::Abort("the rig has no island load".into()))?;
            ac(&load.measure()?, quantity).ok_or_else(unknown)?
        }
        Role::IslandSwitch => match quantity {
            Quantity::Closed => Reading::Flag(d.island_switch()?.is_closed()?),
            _ => return Err(unknown()),
        },
        Role::EvSimulator => {
            let ev =
                d.ev.as_mut()
                    .ok_or_else(|| StepError::Abort("the rig has no EV simulator".into()))?;
            let s = ev.status()?;
            match quantity {
                Quantity::SocPct => Reading::Number(s.soc_pct),
                Quantity::DcCurrentA => Reading::Number(s.dc_current_a),
                Quantity::DcVoltageV => Reading::Number(s.dc_voltage_v),
                Quantity::PeakDischargeCurrentA => Reading::Number(s.peak_discharge_current_a),
                Quantity::EnergyTransfer => Reading::Flag(s.energy_transfer),
                Quantity::ChargerStopped => Reading::Flag(s.charger_stopped),
                _ => return Err(unknown()),
            }
        }
        Role::HomeLoad => {
            let home = d
                .home_load
                .as_mut()
                .ok_or_else(|| StepError::Abort("the rig has no home load".into()))?;
            ac(&home.measure()?, quantity).ok_or_else(unknown)?
        }
        Role::SiteMeter => {
            let meter = d
                .site_meter
                .as_mut()
                .ok_or_else(|| StepError::Abort("the rig has no site meter".into()))?;
            let m = meter.measure()?;
            Reading::Number(match quantity {
                Quantity::VoltageV => m.voltage_v,
                Quantity::FrequencyHz => m.frequency_hz,
                // Import positive (SiteMeter): what the site draws from the utility.
                Quantity::PowerW => m.power_w,
                Quantity::CurrentA => m.current_a,
                _ => return Err(unknown()),
            })
        }
        Role::WaveformRecorder | Role::Csms => return Err(unknown()),
    })
}

pub(crate) fn run_expect(
    r: &mut Runner,
    index: usize,
    s: &ExpectStep,
) -> Result<Expectation, StepError> {
    let role = *r
        .rig
        .facts
        .roles
        .get(&s.device)
        .ok_or_else(|| StepError::Abort(format!("device `{}` is not on this rig", s.device)))?;
    let quantity = s.quantity;
    let expected = match (s.value, s.equals) {
        (Some(v), _) => format!("{v} ± {}", s.tolerance.unwrap_or(0.0)),
        (None, Some(b)) => format!("{b}"),
        (None, None) => return Err(StepError::Abort("expect needs value or equals".into())),
    };
    let ok = |reading: Reading| match (reading, s.value, s.equals) {
        (Reading::Number(x), Some(v), _) => (x - v).abs() <= s.tolerance.unwrap_or(0.0),
        (Reading::Flag(b), _, Some(want)) => b == want,
        _ => false,
    };
    let start = r.rig.clock.now();
    let within = Duration::from_secs_f64(s.within_s.max(0.0));
    loop {
        let reading = read(r, role, quantity)?;
        let elapsed = r.rig.clock.now() - start;
        let pass = ok(reading);
        if pass || elapsed >= within {
            return Ok(Expectation {
                step: index,
                device: s.device.clone(),
                quantity: quantity.name().to_string(),
                expected,
                measured: reading.to_string(),
                after_s: elapsed.as_secs_f64(),
                verdict: if pass { Verdict::Pass } else { Verdict::Fail },
            });
        }
        r.sleep(POLL.min(within - elapsed))?;
    }
}
