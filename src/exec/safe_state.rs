//! Drives the rig to the safe state its file declares: the OCPP charging
//! profiles the run set are cleared, then charger power,
//! then the vehicle's session, then the grid simulator, then S3 — so the
//! switch never closes onto a grid at an off-nominal setting.
//!
//! Each device's actions run on a worker thread under a deadline of their
//! own ([`DEVICE_DEADLINE`]), so one dead device cannot keep the others from
//! their safe state: a device that does not answer is not asked for its
//! remaining actions, one that does not finish in time is given up on (its
//! worker is left behind and a stand-in that fails at once takes its role),
//! and either is reported rather than waited on.

use super::lost::Lost;
use super::rig::{ConnectedRig, Role};
use crate::device::{
    CentralSystem, Charger, DeviceError, EvCommand, EvSimulator, GridSimulator, IslandSwitch,
};
use crate::model::{GridSafeState, SwitchState};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

/// How long one device's safe-state actions may take in all. A healthy
/// instrument takes milliseconds; a dead one fails its first exchange on
/// its link's own timeout (SCPI 2 s, or 4 s for a query whose error queue
/// is read after it; Modbus 1 s) and is then not asked again. The deadline
/// is the backstop for a driver blocked where no timeout reaches.
pub const DEVICE_DEADLINE: Duration = Duration::from_secs(5);

/// One safe action: what it is called in messages, and what it does.
type Action<D> = (
    &'static str,
    Box<dyn FnOnce(&mut D) -> Result<(), DeviceError> + Send>,
);

/// One thing that did not go as asked, and the device whose failure it is.
#[derive(Debug, Clone, PartialEq)]
pub struct SafeStateProblem {
    /// The device's rig-file name (S3 left open because the grid
    /// simulator did not confirm its setting counts against the grid).
    pub device: String,
    pub message: String,
}

/// Returns the problems met; empty when the rig reached its safe state.
/// `end_ev_session`: also stop the vehicle's charging session (on an abort
/// and at the end of a run; after a failed test the session stays up at 0 W
/// so the next test can go on).
pub fn drive_to_safe_state(rig: &mut ConnectedRig, end_ev_session: bool) -> Vec<String> {
    drive_to_safe_state_by_device(rig, end_ev_session)
        .into_iter()
        .map(|p| p.message)
        .collect()
}

/// [`drive_to_safe_state`], each problem with its device (an expected
/// abort checks that only the faulted device fell short).
pub fn drive_to_safe_state_by_device(
    rig: &mut ConnectedRig,
    end_ev_session: bool,
) -> Vec<SafeStateProblem> {
    let deadline = DEVICE_DEADLINE;
    let safe = rig.facts.safe_state;
    let (v, f) = (rig.facts.nominal_voltage_v, rig.facts.nominal_frequency_hz);
    let name = |role: Role| {
        rig.facts
            .roles
            .iter()
            .find(|(_, r)| **r == role)
            .map(|(n, _)| n.clone())
            .unwrap_or_else(|| role.name().to_string())
    };
    let (charger, ev, grid, s3) = (
        name(Role::Charger),
        name(Role::EvSimulator),
        name(Role::GridSimulator),
        name(Role::IslandSwitch),
    );
    let csms = name(Role::Csms);
    let d = &mut rig.devices;
    let mut errors = Vec::new();

    // A discharge the plan dispatched over OCPP would outlive a SunSpec
    // setpoint: the profiles this run set are cleared first.
    if let Some(slot) = d.csms.as_mut() {
        let actions: Vec<Action<dyn CentralSystem>> = vec![(
            "OCPP charging profiles cleared",
            Box::new(|c| c.clear_charging_profile(None).map(|_| ())),
        )];
        act(
            slot,
            Box::new(Lost::new(&csms)),
            &csms,
            actions,
            deadline,
            &mut errors,
        );
    }

    let p = safe.charger_power_w;
    let actions: Vec<Action<dyn Charger>> =
        vec![("charger power", Box::new(move |c| c.set_power_w(p)))];
    let lost = Box::new(Lost::new(&charger));
    act(
        &mut d.charger,
        lost,
        &charger,
        actions,
        deadline,
        &mut errors,
    );

    if let (Some(slot), true) = (d.ev.as_mut(), end_ev_session) {
        // Resume first: a silent vehicle cannot ask for the stop.
        let actions: Vec<Action<dyn EvSimulator>> = vec![
            ("EV resume", Box::new(|e| e.command(EvCommand::Resume))),
            ("EV stop", Box::new(|e| e.command(EvCommand::Stop))),
        ];
        act(
            slot,
            Box::new(Lost::new(&ev)),
            &ev,
            actions,
            deadline,
            &mut errors,
        );
    }

    // A site rig has no grid simulator and no S3: the utility's grid is
    // never commanded, so the charger's power is its whole safe state.
    let Some(grid_slot) = d.grid.as_mut() else {
        return errors;
    };
    let actions: Vec<Action<dyn GridSimulator>> = match safe.grid {
        GridSafeState::Nominal => vec![
            ("grid voltage", Box::new(move |g| g.set_voltage_v(v))),
            ("grid frequency", Box::new(move |g| g.set_frequency_hz(f))),
            ("grid output on", Box::new(|g| g.set_output(true))),
        ],
        GridSafeState::Off => vec![("grid output off", Box::new(|g| g.set_output(false)))],
    };
    let lost = Box::new(Lost::new(&grid));
    let before = errors.len();
    act(grid_slot, lost, &grid, actions, deadline, &mut errors);
    let grid_confirmed = errors.len() == before;

    let Some(switch_slot) = d.island_switch.as_mut() else {
        return errors;
    };
    let actions: Vec<Action<dyn IslandSwitch>> = match safe.island_switch {
        // Never close S3 onto a grid simulator that did not confirm its
        // safe setting: it may be at an abnormal voltage or frequency.
        SwitchState::Closed if !grid_confirmed => {
            // The grid's failure, not the switch's: it counts against the grid.
            errors.push(SafeStateProblem {
                device: grid.clone(),
                message: format!(
                    "safe state: device `{s3}`: left as it was, not closed: the grid simulator `{grid}` did not confirm its safe setting, and S3 must not close onto a grid at an unknown setting"
                ),
            });
            return errors;
        }
        SwitchState::Closed => vec![("close S3", Box::new(|s| s.close()))],
        SwitchState::Open => vec![("open S3", Box::new(|s| s.open()))],
    };
    let lost = Box::new(Lost::new(&s3));
    act(switch_slot, lost, &s3, actions, deadline, &mut errors);
    errors
}

/// What a device's worker tells the safe state.
enum Report<D: ?Sized> {
    Done(&'static str, Result<(), DeviceError>),
    /// The worker is finished with the device.
    Back(Box<D>),
}

/// Runs one device's actions in order on a worker, for at most `deadline`.
/// `stand_in` ([`Lost`]) holds the slot while the worker has the device,
/// and keeps it if the device is given up on.
fn act<D: ?Sized + Send + 'static>(
    slot: &mut Box<D>,
    stand_in: Box<D>,
    device: &str,
    actions: Vec<Action<D>>,
    deadline: Duration,
    problems: &mut Vec<SafeStateProblem>,
) {
    let mut errors = Problems { device, problems };
    let names: Vec<&'static str> = actions.iter().map(|(what, _)| *what).collect();
    let mut taken = std::mem::replace(slot, stand_in);
    let (tx, rx) = mpsc::channel::<Report<D>>();
    let worker = std::thread::Builder::new()
        .name(format!("safe state {device}"))
        .spawn(move || {
            for (what, action) in actions {
                let result = action(&mut *taken);
                let silent = result.as_ref().is_err_and(DeviceError::is_unresponsive);
                let _ = tx.send(Report::Done(what, result));
                if silent {
                    break;
                }
            }
            let _ = tx.send(Report::Back(taken));
        });
    if let Err(e) = worker {
        errors.push(format!(
            "safe state: device `{device}`: cannot start its worker ({e}); {} not done",
            names.join(", ")
        ));
        return;
    }
    let end = Instant::now() + deadline;
    let mut done = 0;
    let unfinished = loop {
        match rx.recv_timeout(end.saturating_duration_since(Instant::now())) {
            Ok(Report::Done(what, result)) => {
                done += 1;
                if let Err(e) = result {
                    errors.push(format!("safe state: {what}: {e}"));
                }
            }
            Ok(Report::Back(device)) => {
                *slot = device;
                break None;
            }
            Err(RecvTimeoutError::Timeout) => {
                break Some(format!(
                    "did not finish within {} s and is given up on (not used again this run)",
                    deadline.as_secs_f64()
                ))
            }
            Err(RecvTimeoutError::Disconnected) => {
                break Some("its driver failed and is given up on".to_string())
            }
        }
    };
    let left = names.get(done..).unwrap_or_default();
    match (unfinished, left) {
        (None, []) => {}
        (None, left) => errors.push(format!(
            "safe state: {}: not tried: device `{device}` did not answer",
            left.join(", ")
        )),
        (Some(why), left) => errors.push(format!(
            "safe state: {}: device `{device}` {why}",
            left.join(", ")
        )),
    }
}

/// One device's problems, as they are found.
struct Problems<'a> {
    device: &'a str,
    problems: &'a mut Vec<SafeStateProblem>,
}

impl Problems<'_> {
    fn push(&mut self, message: String) {
        self.problems.push(SafeStateProblem {
            device: self.device.to_string(),
            message,
        });
    }
}
