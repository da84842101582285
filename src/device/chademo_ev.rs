//! The EV simulator driver: plays the vehicle's side of CHAdeMO on any CAN
//! bus (SocketCAN, SLCAN, the emulated bus). Its frames go out every 100 ms
//! from a periodic task on the rig's clock — a thread on hardware, an agent in
//! simulated time — so the cadence holds while the plan does other things.

use super::{DeviceError, EvCommand, EvLimitsUpdate, EvReading, EvSimulator, Identity};
use crate::exec::clock::{Clock, Periodic};
use crate::model::VehicleSpec;
use crate::protocol::chademo::session::{Direction, EvSession, VehicleConfig};
use crate::protocol::chademo::CYCLE;
use crate::transport::can::CanBus;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

pub struct ChademoEv {
    session: Arc<Mutex<EvSession>>,
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
        ..VehicleConfig::default()
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
        let session = Arc::new(Mutex::new(EvSession::new(vehicle_config(&vehicle))));
        let shared = session.clone();
        let cadence = clock.every(
            Duration::ZERO,
            CYCLE,
            Box::new(move |now| {
                let mut s = shared.lock().unwrap_or_else(|p| p.into_inner());
                // Poll, never wait: in simulated time this runs inside the plant.
                while let Ok(Some(r)) = bus.recv(Duration::ZERO) {
                    s.on_frame(r.timestamp, &r.frame);
                }
                for frame in s.tick(now) {
                    // A send error (adapter unplugged) shows as charger silence.
                    let _ = bus.send(&frame);
                }
            }),
        );
        ChademoEv {
            session,
            _cadence: cadence,
            describe,
            name: name.to_string(),
        }
    }

    fn session(&self) -> MutexGuard<'_, EvSession> {
        self.session.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl EvSimulator for ChademoEv {
    fn identify(&mut self) -> Result<Identity, DeviceError> {
        Ok(Identity {
            manufacturer: "v2x-hil".into(),
            model: format!("CHAdeMO EV simulator `{}`", self.name),
            serial: self.describe.clone(),
            firmware: env!("CARGO_PKG_VERSION").into(),
        })
    }

    fn command(&mut self, command: EvCommand) -> Result<(), DeviceError> {
        let mut s = self.session();
        match command {
            EvCommand::Plug => s.plug(),
            EvCommand::StartCharge { current_a } => s.start(Direction::Charge {
                current_a: current_a.unwrap_or(f64::INFINITY),
            }),
            EvCommand::StartDischarge => s.start(Direction::Discharge),
            EvCommand::Stop => s.stop(),
            EvCommand::Unplug => s.unplug(),
            EvCommand::GoSilent => s.go_silent(true),
            EvCommand::Resume => s.go_silent(false),
        }
        Ok(())
    }

    fn set_limits(&mut self, l: EvLimitsUpdate) -> Result<(), DeviceError> {
        let mut s = self.session();
        s.set_limits(
            l.max_charge_current_a,
            l.max_discharge_current_a,
            l.min_discharge_soc_pct.map(|p| p / 100.0),
            l.min_discharge_voltage_v,
        );
        Ok(())
    }

    fn status(&mut self) -> Result<EvReading, DeviceError> {
        let st = self.session().status();
        Ok(EvReading {
            phase: format!("{:?}", st.phase),
            soc_pct: st.soc * 100.0,
            dc_current_a: st.charger_reported_current_a,
            dc_voltage_v: st.charger_reported_voltage_v,
            energy_transfer: st.energy_transfer,
            charger_stopped: st.charger_stopped,
            peak_discharge_current_a: st.peak_discharge_current_a,
            stop_cause: st.stop_cause.map(|c| format!("{c:?}")),
        })
    }
}
