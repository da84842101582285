//! The EV simulator driver: plays the vehicle's side of CHAdeMO on any CAN
//! bus (SocketCAN, SLCAN, the emulated bus). Its frames go out every 100 ms
//! from a periodic task on the rig's clock — a thread on hardware, an agent in
//! simulated time — so the cadence holds while the plan does other things.
//!
//! The session's lock is held only to compute: frames are read from the bus
//! before it is taken and sent after it is released, so a bus that blocks
//! (an SLCAN adapter that stops acknowledging) never holds up a command or
//! the safe state. A bus that keeps failing is reported by the commands.

use super::{DeviceError, EvCommand, EvLimitsUpdate, EvReading, EvSimulator, Identity};
use crate::exec::clock::{Clock, Periodic};
use crate::model::VehicleSpec;
use crate::protocol::chademo::session::{EvSession, TransferRequest, VehicleConfig};
use crate::protocol::chademo::{Phase, CYCLE};
use crate::transport::can::CanBus;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

/// The session and what the driver tracks beside it.
struct Shared {
    session: EvSession,
    /// Largest discharge current the charger reported since plug-in.
    peak_discharge_current_a: f64,
    /// Why the last exchange on the bus failed, until a frame goes out again.
    bus_fault: Option<String>,
}

/// The state, also after a panic elsewhere left the lock poisoned.
fn lock(shared: &Mutex<Shared>) -> MutexGuard<'_, Shared> {
    shared.lock().unwrap_or_else(|p| p.into_inner())
}

pub struct ChademoEv {
    shared: Arc<Mutex<Shared>>,
    /// Stops the cadence when the driver goes away.
    _cadence: Periodic,
    describe: String,
    name: String,
}

fn vehicle_config(v: &VehicleSpec) -> VehicleConfig {
    VehicleConfig {
        max_charge_current_a: v.max_charge_current_a,
        max_discharge_current_a: v.max_discharge_current_a,
        min_discharge_voltage_v: v.min_discharge_voltage_v,
        min_discharge_soc: v.min_discharge_soc_pct / 100.0,
        max_battery_voltage_v: v.max_battery_voltage_v,
        capacity_kwh: v.capacity_kwh,
        initial_soc: v.initial_soc_pct / 100.0,
        ..VehicleConfig::typical_62kwh()
    }
}

impl ChademoEv {
    pub fn start(
        mut bus: Box<dyn CanBus>,
        clock: Arc<dyn Clock>,
        vehicle: VehicleSpec,
        name: &str,
    ) -> Self {
        let describe = bus.describe();
        let shared = Arc::new(Mutex::new(Shared {
            session: EvSession::new(vehicle_config(&vehicle)),
            peak_discharge_current_a: 0.0,
            bus_fault: None,
        }));
        let cadence_state = shared.clone();
        let cadence = clock.every(
            Duration::ZERO,
            CYCLE,
            Box::new(move |now| {
                // Poll, never wait: in simulated time this runs inside the plant.
                let mut received = Vec::new();
                let fault = loop {
                    match bus.recv(Duration::ZERO) {
                        Ok(Some(r)) => received.push(r),
                        Ok(None) => break None,
                        Err(e) => break Some(e.to_string()),
                    }
                };
                let frames = {
                    let mut guard = lock(&cadence_state);
                    let s = &mut *guard;
                    if fault.is_some() {
                        s.bus_fault = fault;
                    }
                    for r in &received {
                        s.session.on_frame(r.timestamp, &r.frame);
                        let reported = s.session.status().charger_reported_current_a;
                        s.peak_discharge_current_a = s.peak_discharge_current_a.max(reported);
                    }
                    s.session.tick(now)
                };
                for frame in &frames {
                    // The vehicle sees a failed send as charger silence; the
                    // commands see it as the bus failing, from now on.
                    let sent = bus.send(frame).map_err(|e| e.to_string());
                    lock(&cadence_state).bus_fault = sent.err();
                }
            }),
        );
        ChademoEv {
            shared,
            _cadence: cadence,
            describe,
            name: name.to_string(),
        }
    }

    fn shared(&self) -> MutexGuard<'_, Shared> {
        lock(&self.shared)
    }

    /// The bus's last failure: what the vehicle is asked to do may never
    /// reach the charger, and what it last heard may be stale.
    fn check_bus(&self, shared: &Shared) -> Result<(), DeviceError> {
        match &shared.bus_fault {
            None => Ok(()),
            Some(e) => Err(DeviceError::Unresponsive {
                device: self.name.clone(),
                detail: format!("its CAN bus is failing: {e}"),
            }),
        }
    }
}

impl EvSimulator for ChademoEv {
    fn take_messages(&mut self) -> Result<Vec<super::EvMessage>, DeviceError> {
        Ok(Vec::new())
    }

    fn identify(&mut self) -> Result<Identity, DeviceError> {
        Ok(Identity {
            manufacturer: "v2x-hil".into(),
            model: format!("CHAdeMO EV simulator `{}`", self.name),
            serial: self.describe.clone(),
            firmware: env!("CARGO_PKG_VERSION").into(),
        })
    }

    fn command(&mut self, command: EvCommand) -> Result<(), DeviceError> {
        let mut guard = self.shared();
        let shared = &mut *guard;
        let s = &mut shared.session;
        match command {
            EvCommand::Plug => {
                shared.peak_discharge_current_a = 0.0;
                s.plug()
            }
            EvCommand::StartCharge { current_a } => s.start(TransferRequest::Charge {
                current_a: current_a.unwrap_or(s.config().max_charge_current_a),
            }),
            EvCommand::StartDischarge => s.start(TransferRequest::Discharge),
            EvCommand::Stop => s.stop(),
            EvCommand::Unplug => s.unplug(),
            EvCommand::GoSilent => s.go_silent(true),
            EvCommand::Resume => s.go_silent(false),
        }
        self.check_bus(shared)
    }

    fn set_limits(&mut self, l: EvLimitsUpdate) -> Result<(), DeviceError> {
        let mut guard = self.shared();
        let s = &mut guard.session;
        let mut limits = s.limits();
        if let Some(a) = l.max_charge_current_a {
            limits.max_charge_current_a = a;
        }
        if let Some(a) = l.max_discharge_current_a {
            limits.max_discharge_current_a = a;
        }
        if let Some(p) = l.min_discharge_soc_pct {
            limits.min_discharge_soc = p / 100.0;
        }
        if let Some(v) = l.min_discharge_voltage_v {
            limits.min_discharge_voltage_v = v;
        }
        s.set_limits(limits);
        self.check_bus(&guard)
    }

    fn status(&mut self) -> Result<EvReading, DeviceError> {
        let shared = self.shared();
        self.check_bus(&shared)?;
        let st = shared.session.status();
        Ok(EvReading {
            phase: format!("{:?}", st.phase),
            soc_pct: st.soc * 100.0,
            dc_current_a: st.charger_reported_current_a,
            dc_voltage_v: st.charger_reported_voltage_v,
            energy_transfer: matches!(st.phase, Phase::EnergyTransfer(_)),
            charger_stopped: st.charger_stopped || st.charger_fault,
            peak_discharge_current_a: shared.peak_discharge_current_a,
            stop_cause: st.stop_cause.map(|c| format!("{c:?}")),
        })
    }
}
