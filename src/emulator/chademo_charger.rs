//! The emulated charger's CHAdeMO side: a node on the emulated CAN bus that
//! runs the charger's session (`protocol::chademo::session::ChargerSession`)
//! every 100 ms, and applies what it decides to the plant — the vehicle's
//! limits on the DC side and the contactor — as a real charger's firmware
//! would. If the vehicle goes silent the session stops energy transfer.

use crate::model::VehicleSpec;
use crate::plant::{Agent, Plant};
use crate::protocol::chademo::session::{ChargerConfig, ChargerSession, DcSideView};
use crate::protocol::chademo::CYCLE;
use crate::transport::can::emulated::EmulatedCanPort;
use crate::transport::can::CanBus;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Offset of the charger's cycle from the vehicle's, so the two do not
/// contend for the bus at the same instant every time.
const PHASE: Duration = Duration::from_millis(50);

/// The charger's CHAdeMO capability for an inverter of `rating_w`: a 500 V
/// DC stage whose currents cover the rating at the vehicle's lowest
/// discharge voltage.
pub fn charger_session_config(rating_w: f64, vehicle: &VehicleSpec) -> ChargerConfig {
    let floor_v = vehicle.min_discharge_voltage_v.max(100.0);
    let current_a = (rating_w / floor_v).ceil().clamp(1.0, 255.0);
    ChargerConfig {
        available_current_a: current_a,
        max_discharge_current_a: current_a,
        ..ChargerConfig::typical_v2h()
    }
}

pub struct ChargerCanAgent {
    port: EmulatedCanPort,
    session: Arc<Mutex<ChargerSession>>,
    next: Duration,
}

impl ChargerCanAgent {
    pub fn new(port: EmulatedCanPort, config: ChargerConfig) -> Self {
        ChargerCanAgent {
            port,
            session: Arc::new(Mutex::new(ChargerSession::new(config))),
            next: PHASE,
        }
    }

    /// The session, for status reporting (SunSpec alarms, tests).
    pub fn session(&self) -> Arc<Mutex<ChargerSession>> {
        self.session.clone()
    }
}

impl Agent for ChargerCanAgent {
    fn next_wake(&self) -> Duration {
        self.next
    }

    fn wake(&mut self, plant: &mut Plant) {
        let now = plant.now();
        let mut session = self.session.lock().unwrap_or_else(|p| p.into_inner());
        // Inside an agent the bus is polled, never waited on.
        while let Ok(Some(r)) = self.port.recv(Duration::ZERO) {
            session.on_frame(r.timestamp, &r.frame);
        }
        let battery = plant.ev_battery();
        let view = DcSideView {
            battery_voltage_v: battery.map_or(0.0, |b| b.terminal_voltage_v),
            dc_current_a: battery.map_or(0.0, |b| b.current_a),
            ac_power_setpoint_w: plant.inverter_status().power_setpoint_w,
        };
        let tick = session.tick(now, view);
        plant.set_dc_limits(tick.limits);
        plant.set_dc_contactor(tick.contactor_closed);
        for frame in &tick.frames {
            // The emulated bus accepts every frame; nothing to report.
            let _ = self.port.send(frame);
        }
        self.next += CYCLE;
    }
}
