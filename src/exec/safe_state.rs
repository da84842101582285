//! Drives the rig to the safe state its file declares: charger power first,
//! then the grid simulator, then S3 — so the switch never closes onto a grid
//! at an off-nominal setting. Every action is tried even if one fails.

use super::rig::ConnectedRig;
use crate::model::{GridSafeState, SwitchState};

/// Returns the problems met; empty when the rig reached its safe state.
/// `end_ev_session`: also stop the vehicle's charging session (on an abort
/// and at the end of a run; after a failed test the session stays up at 0 W
/// so the next test can go on).
pub fn drive_to_safe_state(rig: &mut ConnectedRig, end_ev_session: bool) -> Vec<String> {
    let safe = rig.facts.safe_state;
    let (v, f) = (rig.facts.nominal_voltage_v, rig.facts.nominal_frequency_hz);
    let d = &mut rig.devices;
    let mut errors = Vec::new();
    let mut note = |what: &str, r: Result<(), crate::device::DeviceError>| {
        if let Err(e) = r {
            errors.push(format!("safe state: {what}: {e}"));
        }
    };
    note("charger power", d.charger.set_power_w(safe.charger_power_w));
    if let (Some(ev), true) = (d.ev.as_mut(), end_ev_session) {
        // Resume first: a silent vehicle cannot ask for the stop.
        note("EV resume", ev.command(crate::device::EvCommand::Resume));
        note("EV stop", ev.command(crate::device::EvCommand::Stop));
    }
    match safe.grid {
        GridSafeState::Nominal => {
            note("grid voltage", d.grid.set_voltage_v(v));
            note("grid frequency", d.grid.set_frequency_hz(f));
            note("grid output on", d.grid.set_output(true));
        }
        GridSafeState::Off => note("grid output off", d.grid.set_output(false)),
    }
    match safe.island_switch {
        SwitchState::Closed => note("close S3", d.island_switch.close()),
        SwitchState::Open => note("open S3", d.island_switch.open()),
    }
    errors
}
