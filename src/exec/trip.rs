//! The `trip` step: the grid steps to an abnormal voltage or frequency with
//! the recorder armed, and the charger's clearing time is read from the
//! capture (IEEE 1547.1-2020 §5.4.2/§5.4.3, §5.5.2/§5.5.3; Annex A.3: "the
//! clearing time shall be measured from the time t0 to tc"), to one sample
//! of the recorder instead of the 100 ms poll of `expect … within_s`.
//!
//! A grid simulator's step has no contact to wire to the scope's trigger
//! input, as S3's auxiliary contact is for an island, so the capture is
//! triggered by command just before the grid is: t0 lies between the
//! trigger and the grid's acknowledgement, and is taken at the middle, ±
//! half that interval (0.65 ms on the emulated rig, its instruments' reply
//! latency; a LAN round trip, well under a cycle, on hardware).

use super::analysis::cessation_after;
use super::island::{wait_energized, wait_for_capture, PRE_TRIGGER};
use super::results::{TripMeasurement, Verdict};
use super::runner::{RunEvent, Runner, StepError};
use crate::model::TripStep;
use std::time::Duration;

pub(crate) fn run_trip(r: &mut Runner, s: &TripStep) -> Result<TripMeasurement, StepError> {
    let facts = r.rig.facts.clone();
    let rated_current_a = facts.charger_rating_w / facts.nominal_voltage_v;
    wait_energized(r)?;
    let watch = Duration::from_secs_f64(s.watch_s());
    r.rig
        .devices
        .recorder
        .as_mut()
        .ok_or_else(|| StepError::Abort("the trip step needs a waveform recorder".into()))?
        .arm(PRE_TRIGGER, watch)?;
    let (quantity, from, to) = match (s.voltage_v, s.frequency_hz) {
        (Some(v), _) => ("voltage_v", r.grid_voltage_v, v),
        (None, Some(f)) => ("frequency_hz", r.grid_frequency_hz, f),
        (None, None) => return Err(StepError::Abort("a trip step needs a grid quantity".into())),
    };
    let t_trigger = r.rig.clock.now();
    if let Some(rec) = r.rig.devices.recorder.as_mut() {
        rec.force_trigger()?;
    }
    let t_between = r.rig.clock.now();
    step_grid(r, quantity, to)?;
    let t_acknowledged = r.rig.clock.now();
    // t0 ≈ middle of [trigger sent, grid acknowledged] after the trigger's
    // own middle: half the whole interval, ± the same.
    let span_s = (t_acknowledged - t_trigger).as_secs_f64();
    let t0_after_trigger_s =
        ((t_acknowledged + t_between).as_secs_f64() - (t_between + t_trigger).as_secs_f64()) / 2.0;
    r.sleep(watch)?;
    let capture = wait_for_capture(r)?;
    if s.restore {
        step_grid(r, quantity, from)?;
    }
    let cessation = cessation_after(
        &capture,
        0.05 * std::f64::consts::SQRT_2 * rated_current_a,
        t0_after_trigger_s,
        facts.nominal_frequency_hz,
    );
    if !cessation.energised_before {
        return Err(StepError::Fail(
            "the charger was not energising when the grid stepped: nothing to time".into(),
        ));
    }
    let pass = cessation
        .clearing_time_s
        .is_some_and(|t| t >= s.min_clearing_time_s && t <= s.max_clearing_time_s);
    let m = TripMeasurement {
        quantity: quantity.to_string(),
        from,
        to,
        clearing_time_s: cessation.clearing_time_s,
        t0_uncertainty_s: span_s / 2.0,
        min_clearing_time_s: s.min_clearing_time_s,
        max_clearing_time_s: s.max_clearing_time_s,
        verdict: if pass { Verdict::Pass } else { Verdict::Fail },
    };
    r.emit(RunEvent::Trip {
        measurement: &m,
        capture: &capture,
        t0_s: t0_after_trigger_s,
    });
    Ok(m)
}

fn step_grid(r: &mut Runner, quantity: &str, value: f64) -> Result<(), StepError> {
    if quantity == "voltage_v" {
        r.rig.devices.grid()?.set_voltage_v(value)?;
        r.grid_voltage_v = value;
    } else {
        r.rig.devices.grid()?.set_frequency_hz(value)?;
        r.grid_frequency_hz = value;
    }
    Ok(())
}
