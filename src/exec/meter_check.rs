//! The site meter checked against the charger: with the charger at 0 W the
//! meter reads the site's own load; a short export of P must then read
//! about −P more (the meter reads import positive), and an import of P
//! about +P more, on every leg the same way. A current transformer
//! installed backwards (the commonest CT-meter fault) shows as a change of
//! the wrong sign, or, on one leg of a split-phase service, as the two legs
//! cancelling; a CT on the wrong conductor as a change of the wrong size.

use super::results::{MeterCheck, MeterLevel, Verdict};
use super::runner::{Runner, StepError};
use crate::device::MeterReading;
use crate::model::MeterCheckStep;
use std::time::Duration;

/// Meter readings averaged at each level (one a second): the site's own
/// loads move while the check runs.
const SAMPLES: usize = 3;
/// The meter's resolution and the site's load drift, W, on top of the
/// percentage: a check at small power must not fail on 10 W steps.
const FLOOR_W: f64 = 50.0;

impl Runner<'_> {
    fn meter_mean(&mut self, meter: &str) -> Result<(f64, Vec<f64>), StepError> {
        let mut total = 0.0;
        let mut legs: Vec<f64> = Vec::new();
        for k in 0..SAMPLES {
            if k > 0 {
                self.sleep(Duration::from_secs(1))?;
            }
            let r: MeterReading = self.site_meter(meter)?.measure()?;
            total += r.power_w;
            legs.resize(r.phases.len().max(legs.len()), 0.0);
            for (i, p) in r.phases.iter().enumerate() {
                if let (Some(sum), Some(w)) = (legs.get_mut(i), p.power_w) {
                    *sum += w;
                }
            }
        }
        let n = SAMPLES as f64;
        Ok((total / n, legs.into_iter().map(|w| w / n).collect()))
    }

    fn meter_level(
        &mut self,
        s: &MeterCheckStep,
        power_w: f64,
        baseline: &(f64, Vec<f64>),
    ) -> Result<MeterLevel, StepError> {
        self.confirm_power(power_w)?;
        self.rig.devices.charger.set_power_w(power_w)?;
        self.charger_setpoint_w = power_w;
        self.power_commanded = true;
        self.sleep(Duration::from_secs_f64(s.settle_s))?;
        let charger_w = self.rig.devices.charger.status()?.power_w;
        let (w, legs) = self.meter_mean(&s.device)?;
        Ok(MeterLevel {
            charger_w,
            meter_delta_w: w - baseline.0,
            leg_delta_w: legs
                .iter()
                .zip(baseline.1.iter())
                .map(|(a, b)| a - b)
                .collect(),
        })
    }

    pub(crate) fn meter_check(&mut self, s: &MeterCheckStep) -> Result<MeterCheck, StepError> {
        self.rig.devices.charger.set_power_w(0.0)?;
        self.charger_setpoint_w = 0.0;
        self.sleep(Duration::from_secs_f64(s.settle_s))?;
        let baseline = self.meter_mean(&s.device)?;
        // Bound before the run (plan check refuses an unbound one).
        let power_w = s.power_w.unwrap_or(0.0);
        let export = self.meter_level(s, power_w, &baseline)?;
        let import = self.meter_level(s, -power_w, &baseline)?;
        self.rig.devices.charger.set_power_w(0.0)?;
        self.charger_setpoint_w = 0.0;
        let reason = diagnose(&export, &import, s.tolerance_pct);
        Ok(MeterCheck {
            meter: s.device.clone(),
            baseline_w: baseline.0,
            export,
            import,
            tolerance_pct: s.tolerance_pct,
            verdict: if reason.is_none() {
                Verdict::Pass
            } else {
                Verdict::Fail
            },
            reason,
        })
    }
}

/// `None` when the meter saw both levels right; else what is wrong.
fn diagnose(export: &MeterLevel, import: &MeterLevel, tolerance_pct: f64) -> Option<String> {
    let tol = |level: &MeterLevel| FLOOR_W + tolerance_pct / 100.0 * level.charger_w.abs();
    // The meter should read the charger's power the other way round.
    let off = |level: &MeterLevel| (level.meter_delta_w + level.charger_w).abs();
    if off(export) <= tol(export) && off(import) <= tol(import) {
        // Legs: on a split-phase service a 240 V charger draws through both
        // legs alike; a leg whose change has the wrong sign has its CT
        // reversed even when the totals look right (it cannot here, but a
        // three-phase meter's can).
        return legs_disagree(export);
    }
    let small = |level: &MeterLevel| level.meter_delta_w.abs() <= tol(level);
    let inverted = |level: &MeterLevel| (level.meter_delta_w - level.charger_w).abs() <= tol(level);
    let legs = legs_disagree(export)
        .map(|l| format!(" ({l})"))
        .unwrap_or_default();
    Some(if inverted(export) && inverted(import) {
        format!(
            "the meter reads the charger's export of {:.0} W as an import of {:.0} W: its current transformers are installed backwards (turn them round, or the meter reads every export as import){legs}",
            export.charger_w, export.meter_delta_w
        )
    } else if small(export) && small(import) {
        format!(
            "the meter hardly sees the charger ({:+.0} W for an export of {:.0} W): on a split-phase service one current transformer reversed cancels the other{legs}; or the CTs are not on the conductors that feed the charger",
            export.meter_delta_w, export.charger_w
        )
    } else {
        format!(
            "the meter sees {:+.0} W for the charger's export of {:.0} W and {:+.0} W for its import of {:.0} W, not within {tolerance_pct} %: check the CT placement, ratio and phase{legs}",
            export.meter_delta_w, export.charger_w, import.meter_delta_w, -import.charger_w
        )
    })
}

/// Legs whose change has the other sign from the rest.
fn legs_disagree(level: &MeterLevel) -> Option<String> {
    let expected = -level.charger_w.signum();
    let wrong: Vec<String> = level
        .leg_delta_w
        .iter()
        .enumerate()
        .filter(|(_, w)| w.abs() > FLOOR_W / 2.0 && w.signum() != expected)
        .map(|(i, w)| format!("L{} reads {w:+.0} W", i + 1))
        .collect();
    (!wrong.is_empty()).then(|| {
        format!(
            "{}: that leg's current transformer is reversed",
            wrong.join(", ")
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn level(charger_w: f64, meter_delta_w: f64, legs: &[f64]) -> MeterLevel {
        MeterLevel {
            charger_w,
            meter_delta_w,
            leg_delta_w: legs.to_vec(),
        }
    }

    #[test]
    fn a_right_meter_passes() {
        let e = level(2000.0, -1990.0, &[-995.0, -995.0]);
        let i = level(-2000.0, 2010.0, &[1005.0, 1005.0]);
        assert_eq!(diagnose(&e, &i, 10.0), None);
    }

    #[test]
    fn reversed_cts_are_named() {
        let e = level(2000.0, 2000.0, &[1000.0, 1000.0]);
        let i = level(-2000.0, -2000.0, &[-1000.0, -1000.0]);
        let why = diagnose(&e, &i, 10.0).unwrap();
        assert!(why.contains("installed backwards"), "{why}");
    }

    #[test]
    fn one_reversed_leg_cancels_and_is_named() {
        let e = level(2000.0, 0.0, &[1000.0, -1000.0]);
        let i = level(-2000.0, 0.0, &[-1000.0, 1000.0]);
        let why = diagnose(&e, &i, 10.0).unwrap();
        assert!(why.contains("hardly sees"), "{why}");
        assert!(why.contains("L1 reads +1000 W"), "{why}");
    }

    #[test]
    fn a_wrong_size_is_a_placement_problem() {
        let e = level(2000.0, -1000.0, &[-1000.0, 0.0]);
        let i = level(-2000.0, 1000.0, &[1000.0, 0.0]);
        let why = diagnose(&e, &i, 10.0).unwrap();
        assert!(why.contains("not within 10 %"), "{why}");
    }
}
