//! Public types of the charger session: configuration, DC view, tick
//! result, fault and status.

use std::time::Duration;

use super::super::{Direction, Incompatibility, LevelUnit, Phase, ProtocolNumber, StopCause};
use crate::plant::DcLimits;
use crate::protocol::can::CanFrame;

/// The emulated charger's ratings. Each field names the frame field it feeds.
#[derive(Debug, Clone, PartialEq)]
pub struct ChargerConfig {
    /// H'108.1-2 available output voltage and H'208.1-2 available input
    /// voltage; a vehicle target above it is incompatible (H'109.5.3).
    pub available_voltage_v: f64,
    /// H'108.3 available output current; caps the charge limit.
    pub available_current_a: f64,
    /// Cap of H'108.4-5: sent as min(this, vehicle H'100.4-5), as osexpert
    /// computes `min(AvailableOutputVoltage, MaxVoltage)`.
    pub threshold_voltage_v: f64,
    /// H'208.3 available input current; caps the discharge limit. 0 makes
    /// the charger charge-only (H'109.4.0 = 0, no H'208/H'209).
    pub max_discharge_current_a: f64,
    /// H'109.0.
    pub protocol_number: u8,
    /// How H'200.6/.7 are read (percent for V2H guideline >= 1.0).
    pub level_unit: LevelUnit,
    /// H'108.0 welding detection supported.
    pub welding_detection: bool,
}

impl ChargerConfig {
    /// A 500 V V2H unit like the charger in the rand12345/chademo-rs Leaf
    /// log, with currents for a ~10 kW bidirectional charger.
    pub fn typical_v2h() -> Self {
        ChargerConfig {
            available_voltage_v: 500.0,
            available_current_a: 30.0,
            threshold_voltage_v: 500.0,
            max_discharge_current_a: 30.0,
            protocol_number: ProtocolNumber::V1_0 as u8,
            level_unit: LevelUnit::Percent,
            welding_detection: true,
        }
    }

    pub(super) fn discharge_capable(&self) -> bool {
        self.max_discharge_current_a >= 0.5
    }
}

/// What the charger measures on its DC side this cycle.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct DcSideView {
    /// Battery (DC link) voltage, V.
    pub battery_voltage_v: f64,
    /// DC current, discharge positive, A.
    pub dc_current_a: f64,
    /// The inverter's AC power setpoint, export (discharge) positive, W.
    /// Picks the reported transfer direction when the vehicle permits both.
    pub ac_power_setpoint_w: f64,
}

/// Why the charger faulted a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChargerFault {
    /// No H'102 for more than [`super::super::VEHICLE_SILENCE_TIMEOUT`].
    VehicleSilent,
    /// H'102.4 battery fault.
    VehicleFault,
    /// H'102.5.2 charging system fault.
    VehicleSystemFault,
    /// Parameters do not fit (H'109.5.3 sent).
    Incompatible(Incompatibility),
    /// The vehicle did not take the next step in time, in this phase.
    Timeout(Phase),
}

/// One cycle's result.
#[derive(Debug, Clone, PartialEq)]
pub struct ChargerTick {
    /// H'108, H'109 and, V2H-capable, H'208, H'209 (none without a session).
    pub frames: Vec<CanFrame>,
    /// What the plant must honour now; [`DcLimits::NONE`] unless in energy
    /// transfer (or the stop ramp) with the contactor closed.
    pub limits: DcLimits,
    /// The charger's output contactor.
    pub contactor_closed: bool,
    /// The session's fault, if any.
    pub fault: Option<ChargerFault>,
}

/// The vehicle's declared state as the charger decodes it.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct VehicleView {
    /// H'102.5.0.
    pub charging_enabled: bool,
    /// H'102.5.3 = 0 (protocol >= 2).
    pub contactors_closed: bool,
    /// H'102.3, A.
    pub charge_current_request_a: f64,
    /// H'200.0, A (0 without H'200).
    pub max_discharge_current_a: f64,
    /// H'200.4-5, V.
    pub min_discharge_voltage_v: Option<f64>,
    /// H'200.6 as a 0..1 fraction; `None` = not used.
    pub min_discharge_soc: Option<f64>,
    /// H'200.7 as a 0..1 fraction; `None` = not used.
    pub max_charge_soc: Option<f64>,
    /// H'102.1-2, V.
    pub target_voltage_v: f64,
    /// H'100.4-5, V.
    pub max_battery_voltage_v: f64,
    /// H'101.5-6, kWh.
    pub capacity_kwh: f64,
    /// H'102.5.7 and H'109.4.0 and H'200.0 > 0.
    pub discharge_permitted: bool,
}

/// Snapshot of the charger's session.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChargerSessionStatus {
    /// Sequence position.
    pub phase: Phase,
    /// Direction while in energy transfer.
    pub energy_transfer: Option<Direction>,
    /// Fault of the current (or last) session.
    pub fault: Option<ChargerFault>,
    /// First stop cause of the current (or last) session.
    pub stop_cause: Option<StopCause>,
    /// H'102.6 against H'100.6, 0..1.
    pub vehicle_soc: Option<f64>,
    /// The vehicle's declared limits and flags.
    pub vehicle: VehicleView,
    /// Limits of the last tick.
    pub limits: DcLimits,
    /// The charger's output contactor.
    pub contactor_closed: bool,
    /// When the last H'102 arrived.
    pub last_vehicle_frame_at: Option<Duration>,
}
