//! Public types of the vehicle session: configuration, run-time limits,
//! request, stop cause and status.

use std::time::Duration;

use super::super::{Direction, Phase, ProtocolNumber, StopCause};

/// Static description of the simulated vehicle. Each field names the
/// CHAdeMO frame field it feeds.
#[derive(Debug, Clone, PartialEq)]
pub struct VehicleConfig {
    /// Ceiling of the charging current request H'102.3 and the value of
    /// H'100.1 (A). Run-time changes: [`super::EvSession::set_limits`].
    pub max_charge_current_a: f64,
    /// Discharge permission H'200.0 (sent as 0xFF − A) while discharging.
    /// 0 makes the vehicle charge-only: H'102.5.7 = 0 and no H'200/H'201.
    pub max_discharge_current_a: f64,
    /// H'200.4-5: the charger must stop discharging below this voltage.
    pub min_discharge_voltage_v: f64,
    /// 0..1. H'200.6 (in percent); the vehicle also withdraws its discharge
    /// permission (H'200.0 = 0) once its SoC is at or below it.
    pub min_discharge_soc: f64,
    /// 0..1. H'200.7 (in percent); the vehicle stops requesting charge
    /// current at or above it. 1.0 sends 100.
    pub max_charge_soc: f64,
    /// H'100.2-3 minimum battery voltage.
    pub min_battery_voltage_v: f64,
    /// H'100.4-5 maximum battery voltage.
    pub max_battery_voltage_v: f64,
    /// H'102.1-2 target battery voltage; `None` sends the maximum battery
    /// voltage (a target above the charger's H'108.1-2 is incompatible).
    pub target_voltage_v: Option<f64>,
    /// H'101.5-6 total capacity; also the SoC bookkeeping.
    pub capacity_kwh: f64,
    /// 0..1, SoC at construction; H'102.6 reports it (H'100.6 = 100).
    pub initial_soc: f64,
    /// H'102.0 control protocol number (2 = CHAdeMO 1.0–1.2, which defines
    /// H'102.5.3 contactor status; see [`ProtocolNumber`]).
    pub protocol_number: u8,
    /// H'101.1-2 maximum charging time.
    pub max_charging_time: Duration,
}

impl VehicleConfig {
    /// A 62 kWh V2H-capable vehicle in the manner of a Nissan Leaf e+ (the
    /// rand12345/chademo-rs Leaf log: 435 V max, 410 V target, protocol 2),
    /// consistent with `EvBatteryConfig::typical_62kwh`.
    pub fn typical_62kwh() -> Self {
        VehicleConfig {
            max_charge_current_a: 125.0,
            max_discharge_current_a: 100.0,
            min_discharge_voltage_v: 300.0,
            min_discharge_soc: 0.2,
            max_charge_soc: 1.0,
            min_battery_voltage_v: 250.0,
            max_battery_voltage_v: 435.0,
            target_voltage_v: Some(410.0),
            capacity_kwh: 62.0,
            initial_soc: 0.6,
            protocol_number: ProtocolNumber::V1_0 as u8,
            max_charging_time: Duration::from_secs(255 * 60),
        }
    }

    /// Whether the vehicle is bidirectional (V2H).
    pub fn discharge_capable(&self) -> bool {
        self.max_discharge_current_a >= 0.5
    }
}

/// Limits the plan may change while the session runs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RuntimeLimits {
    /// Ceiling of H'102.3 (A).
    pub max_charge_current_a: f64,
    /// H'200.0 while discharging (A).
    pub max_discharge_current_a: f64,
    /// 0..1, H'200.6 and the vehicle's own discharge floor.
    pub min_discharge_soc: f64,
    /// H'200.4-5 (V).
    pub min_discharge_voltage_v: f64,
}

/// What the plan asks the vehicle to do once the session is set up.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TransferRequest {
    /// Request this charging current (H'102.3, capped by the limits and the
    /// charger's H'108.3); no discharge permission (H'200.0 = 0).
    Charge {
        /// Requested current, A.
        current_a: f64,
    },
    /// Permit discharge up to the discharge limit (H'200.0). Bidirectional
    /// as in V2G: the vehicle keeps permitting charge up to its charge
    /// limit in H'102.3 (osexpert sets 102.3 during discharge too), so a
    /// charger may import as well.
    Discharge,
}

impl TransferRequest {
    pub(super) fn direction(&self) -> Direction {
        match self {
            TransferRequest::Charge { .. } => Direction::Charge,
            TransferRequest::Discharge => Direction::Discharge,
        }
    }
}

/// Why the vehicle's session ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EvStopCause {
    /// [`super::EvSession::stop`] was called.
    Commanded,
    /// No H'108/H'109 for [`super::CHARGER_SILENCE_TIMEOUT`]; contactors opened at
    /// once (jamiejones85: the normal cease-current procedure needs a
    /// responsive charger).
    ChargerSilent,
    /// A stop the shared sequence detected (charger fault or stop,
    /// incompatibility, unplug …).
    Sequence(StopCause),
}

/// Snapshot of the vehicle for the driver and the plan's checks.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EvStatus {
    /// Sequence position.
    pub phase: Phase,
    /// 0..1, the vehicle's own bookkeeping.
    pub soc: f64,
    /// The vehicle's DC contactors (H'102.5.3 = 0).
    pub contactors_closed: bool,
    /// H'109.1-2.
    pub charger_reported_voltage_v: f64,
    /// Signed, discharge positive: H'208.0 when > 0, else −H'109.3.
    pub charger_reported_current_a: f64,
    /// H'109.5.1, .3 or .4.
    pub charger_fault: bool,
    /// H'109.5.5 stop control.
    pub charger_stopped: bool,
    /// H'109.5.0.
    pub charger_energy_transfer: bool,
    /// When the last H'108/H'109/H'208/H'209 arrived.
    pub last_charger_frame_at: Option<Duration>,
    /// Why the session stopped, first cause.
    pub stop_cause: Option<EvStopCause>,
    /// H'102.3 being sent (A).
    pub charge_request_a: u8,
    /// H'200.0 being sent (A).
    pub discharge_limit_a: u8,
}
