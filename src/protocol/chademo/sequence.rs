//! The charging / discharging sequence as pure transitions, shared by the EV
//! simulator and the charger emulator. No timers: the caller measures time
//! (e.g. [`super::VEHICLE_SILENCE_TIMEOUT`]) and reports it in the
//! [`Observation`].
//!
//! Order and thresholds follow the IEEE 2030.1.1 charger control flow as
//! coded in furdog/chademo `chademo_se_step` (charge start → CAN exchange →
//! compatibility → lock → EV contactors open < 10 V → insulation test →
//! < 20 V → d2, > 50 V → current), osexpert `RunStateMachine` (stop: current
//! <= 5 A → contactors open / welding detection → unlock) and
//! Battery-Emulator `handle_chademo_sequence`.

use super::{
    ChargerCapability, ChargerStatus, DischargeLimits, ProtocolNumber, VehicleLimits, VehicleStatus,
};

/// Vehicle contactors are taken as open below this output voltage
/// (furdog `out_terminals_voltage_V >= 10u`; osexpert "<= 10V").
pub const CONTACTORS_OPEN_MAX_V: u16 = 10;
/// The insulation test has ended below this voltage (furdog `>= 20u`); the
/// charger reports [`Observation::insulation_test_passed`] only after its
/// output has fallen below it.
pub const INSULATION_TEST_END_MAX_V: u16 = 20;
/// Battery voltage is on the output once it passes this (furdog `< 50u`);
/// used for protocol < 2 vehicles, which lack H'102.5.3.
pub const BATTERY_PRESENT_MIN_V: u16 = 50;
/// Stop control ends current output at or below this (osexpert
/// `OutputCurrent <= 5`, H'109.5.0 description).
pub const CURRENT_STOPPED_MAX_A: u16 = 5;

/// Direction of energy transfer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub enum Direction {
    /// Charger → vehicle.
    #[default]
    Charge,
    /// Vehicle → charger (V2H / V2G).
    Discharge,
}

/// Phases in their documented order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub enum Phase {
    /// Not plugged in.
    #[default]
    Idle,
    /// Plugged in, charge start given; waiting for both sides' frames.
    Connected,
    /// Both sides' parameters known: protocol numbers, voltage limits.
    CompatibilityCheck,
    /// Vehicle permits (H'102.5.0, switch k) and the charger has locked
    /// the connector (H'109.5.2).
    ConnectorLocked,
    /// EV contactors seen open; the charger tests the DC insulation.
    InsulationTest,
    /// Insulation test over; vehicle contactors closed on the DC link.
    ContactorsClosed,
    /// Current flows.
    EnergyTransfer(Direction),
    /// Stop: current brought to 0.
    CurrentRampDown,
    /// Vehicle opens its contactors and checks for welding.
    WeldingDetection,
    /// Connector unlocked; the session is over until unplugged.
    Unlocked,
}

/// Why a session stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopCause {
    /// No vehicle frame for [`super::VEHICLE_SILENCE_TIMEOUT`].
    VehicleSilent,
    /// Plug removed before the session ended.
    Unplugged,
    /// A battery fault in H'102.4.
    VehicleFault,
    /// H'102.5.2 charging system fault.
    VehicleSystemFault,
    /// H'102.5.1 shift lever left "parking".
    NotParked,
    /// H'102.5.4 normal stop request before charging.
    VehicleStopRequest,
    /// H'102.5.0 went to 0: the vehicle ends charging / discharging.
    VehicleDisabled,
    /// H'109.5.1, .3 or .4 set by the charger.
    ChargerFault,
    /// H'109.5.5 set by the charger during energy transfer.
    ChargerStop,
    /// Parameters do not fit.
    Incompatible(Incompatibility),
}

/// Compatibility failures judged before locking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Incompatibility {
    /// H'102.0 is not a known protocol number.
    UnknownProtocol(u8),
    /// H'102.1-2 target above H'108.1-2 available output voltage (109.5.3
    /// rule in chademo-rs docs, Battery-Emulator, osexpert).
    TargetAboveAvailableVoltage,
    /// H'108.4-5 threshold above H'100.4-5 max battery voltage
    /// (Battery-Emulator `update_evse_status`).
    ThresholdAboveBatteryMax,
}

/// Compatibility check of the charging parameters.
pub fn check_compatibility(
    limits: &VehicleLimits,
    vehicle: &VehicleStatus,
    capability: &ChargerCapability,
) -> Result<(), Incompatibility> {
    if ProtocolNumber::from_u8(vehicle.protocol_number).is_none() {
        return Err(Incompatibility::UnknownProtocol(vehicle.protocol_number));
    }
    if vehicle.target_battery_voltage_v > capability.available_output_voltage_v {
        return Err(Incompatibility::TargetAboveAvailableVoltage);
    }
    if capability.threshold_voltage_v > limits.max_battery_voltage_v {
        return Err(Incompatibility::ThresholdAboveBatteryMax);
    }
    Ok(())
}

/// What one side knows at one instant: the last frames of both sides and
/// the physical signals it can see.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Observation {
    /// Connector inserted (proximity).
    pub plugged_in: bool,
    /// The caller's timer says the vehicle has been silent too long.
    pub vehicle_silent: bool,
    /// Last H'100.
    pub vehicle_limits: Option<VehicleLimits>,
    /// Last H'102.
    pub vehicle: Option<VehicleStatus>,
    /// Last H'200 (V2H vehicles).
    pub discharge_limits: Option<DischargeLimits>,
    /// Last H'108.
    pub charger_capability: Option<ChargerCapability>,
    /// Last H'109.
    pub charger: Option<ChargerStatus>,
    /// The charger's insulation test has passed.
    pub insulation_test_passed: bool,
    /// Measured DC output-circuit voltage.
    pub output_voltage_v: u16,
    /// Measured DC current magnitude (either direction).
    pub output_current_a: u16,
    /// Direction the plan asks for.
    pub requested: Direction,
}

impl Observation {
    /// Discharge is possible: both sides declare it (H'102.5.7, H'109.4.0)
    /// and the vehicle permits a current above 0 in H'200.0.
    pub fn discharge_possible(&self) -> bool {
        let vehicle = self.vehicle.is_some_and(|v| v.flags.discharge_compatible);
        let charger = self.charger.is_some_and(|c| c.discharge_compatible);
        let limit = self
            .discharge_limits
            .is_some_and(|d| d.max_discharge_current_a > 0);
        vehicle && charger && limit
    }

    fn contactors_closed(&self, v: &VehicleStatus) -> bool {
        if v.protocol_number >= ProtocolNumber::V1_0 as u8 {
            !v.flags.contactor_open
        } else {
            self.output_voltage_v >= BATTERY_PRESENT_MIN_V
        }
    }

    fn contactors_open(&self, v: &VehicleStatus) -> bool {
        let flag = v.protocol_number < ProtocolNumber::V1_0 as u8 || v.flags.contactor_open;
        flag && self.output_voltage_v <= CONTACTORS_OPEN_MAX_V
    }

    fn transfer_allowed(&self, direction: Direction) -> bool {
        let charger_on = self
            .charger
            .is_some_and(|c| c.flags.energy_transfer && !c.flags.stop_control);
        let want = match direction {
            Direction::Charge => self
                .vehicle
                .is_some_and(|v| v.charging_current_request_a > 0),
            Direction::Discharge => self.discharge_possible(),
        };
        charger_on && want
    }
}

/// The sequence position plus the first reason it stopped, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Sequence {
    /// Current phase.
    pub phase: Phase,
    /// First stop cause of this session.
    pub stop_cause: Option<StopCause>,
}

impl Sequence {
    /// A fresh, unplugged session.
    pub fn new() -> Self {
        Self::default()
    }

    /// The next position given what is observed now. Moves at most one
    /// phase forward per call, or jumps to the stop phases.
    pub fn next(self, obs: &Observation) -> Sequence {
        if !obs.plugged_in {
            let cause = match self.phase {
                Phase::Idle | Phase::Unlocked => self.stop_cause,
                _ => self.stop_cause.or(Some(StopCause::Unplugged)),
            };
            return Sequence {
                phase: Phase::Idle,
                stop_cause: cause,
            };
        }
        if let Some(cause) = self.stop_check(obs) {
            return self.stop(cause);
        }
        let phase = match self.phase {
            Phase::Idle => Phase::Connected,
            Phase::Connected => {
                let both = obs.vehicle_limits.is_some()
                    && obs.vehicle.is_some()
                    && obs.charger_capability.is_some()
                    && obs.charger.is_some();
                if both {
                    Phase::CompatibilityCheck
                } else {
                    Phase::Connected
                }
            }
            Phase::CompatibilityCheck => {
                let (Some(l), Some(v), Some(cap), Some(c)) = (
                    obs.vehicle_limits,
                    obs.vehicle,
                    obs.charger_capability,
                    obs.charger,
                ) else {
                    return self;
                };
                if let Err(e) = check_compatibility(&l, &v, &cap) {
                    return self.stop(StopCause::Incompatible(e));
                }
                if v.flags.charging_enabled && c.flags.connector_locked {
                    Phase::ConnectorLocked
                } else {
                    Phase::CompatibilityCheck
                }
            }
            Phase::ConnectorLocked => match obs.vehicle {
                Some(v) if obs.contactors_open(&v) => Phase::InsulationTest,
                _ => Phase::ConnectorLocked,
            },
            Phase::InsulationTest => match obs.vehicle {
                Some(v) if obs.insulation_test_passed && obs.contactors_closed(&v) => {
                    Phase::ContactorsClosed
                }
                _ => Phase::InsulationTest,
            },
            Phase::ContactorsClosed => {
                if obs.transfer_allowed(obs.requested) {
                    Phase::EnergyTransfer(obs.requested)
                } else {
                    Phase::ContactorsClosed
                }
            }
            Phase::EnergyTransfer(d) => {
                if d != obs.requested && obs.transfer_allowed(obs.requested) {
                    Phase::EnergyTransfer(obs.requested)
                } else {
                    Phase::EnergyTransfer(d)
                }
            }
            Phase::CurrentRampDown => {
                let charger_idle = obs.charger.is_none_or(|c| !c.flags.energy_transfer);
                if obs.output_current_a <= CURRENT_STOPPED_MAX_A && charger_idle {
                    Phase::WeldingDetection
                } else {
                    Phase::CurrentRampDown
                }
            }
            Phase::WeldingDetection => {
                let open = obs.vehicle.is_none_or(|v| obs.contactors_open(&v));
                let unlocked = obs.charger.is_none_or(|c| !c.flags.connector_locked);
                if open && unlocked {
                    Phase::Unlocked
                } else {
                    Phase::WeldingDetection
                }
            }
            Phase::Unlocked => Phase::Unlocked,
        };
        Sequence { phase, ..self }
    }

    /// Whether the phase allows energy to flow (the charger emulator may
    /// only drive current in `EnergyTransfer`).
    pub fn energy_allowed(&self) -> Option<Direction> {
        match self.phase {
            Phase::EnergyTransfer(d) => Some(d),
            _ => None,
        }
    }

    fn stop(self, cause: StopCause) -> Sequence {
        let phase = match self.phase {
            Phase::Idle | Phase::Connected | Phase::CompatibilityCheck => Phase::Unlocked,
            Phase::ConnectorLocked | Phase::InsulationTest => Phase::WeldingDetection,
            Phase::ContactorsClosed | Phase::EnergyTransfer(_) => Phase::CurrentRampDown,
            p => p,
        };
        Sequence {
            phase,
            stop_cause: self.stop_cause.or(Some(cause)),
        }
    }

    /// Stop orders that apply while a session is being set up or running.
    fn stop_check(&self, obs: &Observation) -> Option<StopCause> {
        let active = matches!(
            self.phase,
            Phase::CompatibilityCheck
                | Phase::ConnectorLocked
                | Phase::InsulationTest
                | Phase::ContactorsClosed
                | Phase::EnergyTransfer(_)
        );
        if !active {
            return None;
        }
        if obs.vehicle_silent {
            return Some(StopCause::VehicleSilent);
        }
        if let Some(v) = obs.vehicle {
            if v.faults.any() {
                return Some(StopCause::VehicleFault);
            }
            if v.flags.charging_system_fault {
                return Some(StopCause::VehicleSystemFault);
            }
            let permitted = self.phase >= Phase::ConnectorLocked;
            if permitted && v.flags.shift_not_parked {
                return Some(StopCause::NotParked);
            }
            // 102.5.4 applies only before charging starts (osexpert).
            if v.flags.normal_stop_request && self.phase < Phase::ContactorsClosed {
                return Some(StopCause::VehicleStopRequest);
            }
            if permitted && !v.flags.charging_enabled {
                return Some(StopCause::VehicleDisabled);
            }
        }
        if let Some(c) = obs.charger {
            if c.flags.fault() {
                return Some(StopCause::ChargerFault);
            }
            if matches!(self.phase, Phase::EnergyTransfer(_)) && c.flags.stop_control {
                return Some(StopCause::ChargerStop);
            }
        }
        None
    }
}
