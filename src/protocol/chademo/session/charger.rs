//! The charger's side of a CHAdeMO session (what the emulated charger runs;
//! real chargers do this in firmware).

use std::time::Duration;

use super::super::{
    check_compatibility, ChargerFlags, Direction, DischargeEstimate, DischargeLimits,
    Incompatibility, Message, Observation, Phase, ProtocolNumber, Sender, Sequence, StopCause,
    VehicleChargingTime, VehicleLimits, VehicleStatus, CURRENT_STOPPED_MAX_A,
    VEHICLE_SILENCE_TIMEOUT,
};
use super::charger_types::{
    ChargerConfig, ChargerFault, ChargerSessionStatus, ChargerTick, DcSideView, VehicleView,
};
use super::{
    from_can, since, CONTACTOR_CLOSE_TIMEOUT, CURRENT_REQUEST_TIMEOUT, INSULATION_TEST_DURATION,
    INSULATION_TEST_MAX, STOP_CURRENT_TIMEOUT, UNLOCK_DELAY, WELDING_DETECTION_TIMEOUT,
};
use crate::plant::DcLimits;
use crate::protocol::can::CanFrame;

/// Compliance time a protocol < 2 vehicle (no H'102.5.3) takes to close or
/// open its contactors: osexpert waits 2 s after d2 ("spec: compliance time
/// 2 seconds") and 4 s for opening (`HasElapsedSec(4)`).
const LEGACY_CONTACTOR_CLOSE: Duration = Duration::from_secs(2);
const LEGACY_CONTACTOR_OPEN: Duration = Duration::from_secs(4);

/// The charger's session core. Drive it with [`ChargerSession::on_frame`]
/// for every received frame and [`ChargerSession::tick`] every 100 ms.
///
/// A session begins with the first vehicle frame (the charge-start button
/// is taken as pressed) and ends when the vehicle has been silent for
/// [`VEHICLE_SILENCE_TIMEOUT`] outside energy transfer (unplugged). The
/// charger waits for switch k without a time limit, since the plan decides
/// when the vehicle starts; later steps have osexpert's T-times.
#[derive(Debug, Clone)]
pub struct ChargerSession {
    pub(super) config: ChargerConfig,
    seq: Sequence,
    session: bool,
    pub(super) v100: Option<VehicleLimits>,
    pub(super) v101: Option<VehicleChargingTime>,
    pub(super) v102: Option<VehicleStatus>,
    pub(super) v200: Option<DischargeLimits>,
    pub(super) v201: Option<DischargeEstimate>,
    last_102_at: Option<Duration>,
    pub(super) flags: ChargerFlags,
    vehicle_silent: bool,
    test_started_at: Option<Duration>,
    passed_at: Option<Duration>,
    phase_since: Duration,
    pub(super) ramp: Option<Ramp>,
    contactors_open_at: Option<Duration>,
    current_forced_off: bool,
    fault: Option<ChargerFault>,
    pub(super) limits: DcLimits,
    pub(super) charged_for: Duration,
    last_tick: Option<Duration>,
}

/// Linear ramp of the limits to 0 after an orderly stop.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Ramp {
    pub started: Duration,
    pub from: DcLimits,
}

impl ChargerSession {
    /// A charger without a vehicle.
    pub fn new(config: ChargerConfig) -> Self {
        ChargerSession {
            config,
            seq: Sequence::new(),
            session: false,
            v100: None,
            v101: None,
            v102: None,
            v200: None,
            v201: None,
            last_102_at: None,
            flags: idle_flags(),
            vehicle_silent: false,
            test_started_at: None,
            passed_at: None,
            phase_since: Duration::ZERO,
            ramp: None,
            contactors_open_at: None,
            current_forced_off: false,
            fault: None,
            limits: DcLimits::NONE,
            charged_for: Duration::ZERO,
            last_tick: None,
        }
    }

    /// Takes one received frame; anything but the vehicle's frames (or
    /// undecodable) is ignored. The first H'102 starts a session.
    pub fn on_frame(&mut self, now: Duration, frame: &CanFrame) {
        let Ok(message) = from_can(frame) else {
            return;
        };
        if message.sender() == Sender::Vehicle && !self.session {
            self.begin(now);
        }
        match message {
            Message::VehicleLimits(m) => self.v100 = Some(m),
            Message::VehicleChargingTime(m) => self.v101 = Some(m),
            Message::VehicleStatus(m) => {
                self.v102 = Some(m);
                self.last_102_at = Some(now);
            }
            Message::DischargeLimits(m) => self.v200 = Some(m),
            Message::DischargeEstimate(m) => self.v201 = Some(m),
            _ => {}
        }
    }

    /// Advances the session to `now` with the DC side's measurements.
    pub fn tick(&mut self, now: Duration, dc: DcSideView) -> ChargerTick {
        let dt = self.last_tick.map_or(Duration::ZERO, |t| since(now, t));
        self.last_tick = Some(now);
        if !self.session {
            return self.idle_tick();
        }
        let silent = self
            .last_102_at
            .is_none_or(|t| since(now, t) > VEHICLE_SILENCE_TIMEOUT);
        if silent {
            if matches!(
                self.seq.phase,
                Phase::Idle | Phase::Connected | Phase::Unlocked
            ) {
                self.end();
                return self.idle_tick();
            }
            self.on_vehicle_silent();
        }
        if self.contactor_closed() && dc.dc_current_a < 0.0 {
            self.charged_for = self.charged_for.saturating_add(dt);
        }
        self.check_timeouts(now);
        self.update_flags(now, dc);
        let before = self.seq.phase;
        self.seq = self.seq.next(&self.observation(now, dc));
        if self.seq.phase != before {
            self.enter(now, before, dc);
        }
        if self.fault.is_none() {
            self.fault = self.seq.stop_cause.and_then(fault_of);
        }
        self.update_flags(now, dc);
        self.limits = self.compute_limits(now);
        ChargerTick {
            frames: self.frames(now, dc),
            limits: self.limits,
            contactor_closed: self.contactor_closed(),
            fault: self.fault,
        }
    }

    /// The current (or last) session's fault.
    pub fn fault(&self) -> Option<ChargerFault> {
        self.fault
    }

    /// Snapshot of the session.
    pub fn status(&self) -> ChargerSessionStatus {
        ChargerSessionStatus {
            phase: self.seq.phase,
            energy_transfer: self.seq.energy_allowed(),
            fault: self.fault,
            stop_cause: self.seq.stop_cause,
            vehicle_soc: self.vehicle_soc(),
            vehicle: self.vehicle_view(),
            limits: self.limits,
            contactor_closed: self.contactor_closed(),
            last_vehicle_frame_at: self.last_102_at,
        }
    }

    /// The configuration.
    pub fn config(&self) -> &ChargerConfig {
        &self.config
    }

    /// Sequence position.
    pub fn phase(&self) -> Phase {
        self.seq.phase
    }

    fn begin(&mut self, now: Duration) {
        *self = ChargerSession {
            phase_since: now,
            last_tick: self.last_tick,
            session: true,
            ..ChargerSession::new(self.config.clone())
        };
    }

    /// Back to no session; the last fault and stop cause stay visible.
    fn end(&mut self) {
        let (fault, seq, last) = (self.fault, self.seq, self.last_102_at);
        *self = ChargerSession {
            fault,
            last_tick: self.last_tick,
            last_102_at: last,
            ..ChargerSession::new(self.config.clone())
        };
        self.seq = Sequence {
            phase: Phase::Idle,
            stop_cause: seq.stop_cause,
        };
    }

    fn idle_tick(&mut self) -> ChargerTick {
        self.limits = DcLimits::NONE;
        ChargerTick {
            frames: Vec::new(),
            limits: DcLimits::NONE,
            contactor_closed: false,
            fault: self.fault,
        }
    }

    /// Silence in an active phase: stop at once (limits NONE, contactor
    /// open) and report the fault (H'109.5.4 charging system malfunction,
    /// H'109.5.5 stop control).
    fn on_vehicle_silent(&mut self) {
        if self.vehicle_silent {
            return;
        }
        self.vehicle_silent = true;
        if self.seq.stop_cause.is_none() {
            self.fault.get_or_insert(ChargerFault::VehicleSilent);
            self.flags.charging_system_malfunction = true;
        }
        self.flags.energy_transfer = false;
        self.flags.stop_control = true;
        self.ramp = None;
    }

    /// Setup steps the vehicle must take in time (osexpert T-times): the
    /// charger sets H'109.5.4 and the sequence stops on it.
    fn check_timeouts(&mut self, now: Duration) {
        let in_phase = since(now, self.phase_since);
        let late = match self.seq.phase {
            Phase::InsulationTest => in_phase > INSULATION_TEST_MAX + CONTACTOR_CLOSE_TIMEOUT,
            Phase::ContactorsClosed => in_phase > CURRENT_REQUEST_TIMEOUT,
            _ => false,
        };
        if late && self.fault.is_none() {
            self.fault = Some(ChargerFault::Timeout(self.seq.phase));
            self.flags.charging_system_malfunction = true;
            self.flags.stop_control = true;
        }
    }

    fn enter(&mut self, now: Duration, from: Phase, dc: DcSideView) {
        self.phase_since = now;
        match self.seq.phase {
            Phase::InsulationTest => {
                self.test_started_at = Some(now);
                self.passed_at = None;
            }
            Phase::CurrentRampDown => {
                let orderly = matches!(
                    self.seq.stop_cause,
                    Some(
                        StopCause::VehicleDisabled | StopCause::NotParked | StopCause::ChargerStop
                    )
                );
                if orderly && matches!(from, Phase::EnergyTransfer(_)) && !self.vehicle_silent {
                    let charge_a = (-dc.dc_current_a).max(0.0);
                    let discharge_a = dc.dc_current_a.max(0.0);
                    let mut from_limits = self.limits;
                    from_limits.max_charge_current_a =
                        from_limits.max_charge_current_a.min(charge_a);
                    from_limits.max_discharge_current_a =
                        from_limits.max_discharge_current_a.min(discharge_a);
                    self.ramp = Some(Ramp {
                        started: now,
                        from: from_limits,
                    });
                }
            }
            _ => {}
        }
    }

    /// The charger's H'109.5 flags for the phase.
    fn update_flags(&mut self, now: Duration, dc: DcSideView) {
        let phase = self.seq.phase;
        if matches!(self.seq.stop_cause, Some(StopCause::Incompatible(_))) {
            self.flags.battery_incompatible = true;
        }
        let faulted = self.flags.fault();
        match phase {
            Phase::Idle | Phase::Connected => {
                self.flags.connector_locked = false;
                self.flags.stop_control = true;
                self.flags.energy_transfer = false;
            }
            Phase::CompatibilityCheck => {
                // The sequence judges compatibility; H'109.5.3 follows its stop.
                let compatible = self.incompatibility().is_none();
                let enabled = self.v102.is_some_and(|v| v.flags.charging_enabled);
                self.flags.connector_locked = enabled && compatible && !faulted;
            }
            Phase::ConnectorLocked | Phase::InsulationTest => {
                if let (Some(started), None) = (self.test_started_at, self.passed_at) {
                    // The output is discharged at once after the test (emulation).
                    if since(now, started) >= INSULATION_TEST_DURATION {
                        self.passed_at = Some(now);
                    }
                }
            }
            Phase::ContactorsClosed => {
                let wants = self.vehicle_view().charge_current_request_a > 0.0
                    || self.vehicle_view().discharge_permitted;
                if wants && !faulted && !self.vehicle_silent {
                    self.flags.energy_transfer = true;
                    self.flags.stop_control = false;
                }
            }
            Phase::EnergyTransfer(_) => {}
            Phase::CurrentRampDown => {
                self.flags.stop_control = true;
                let low = dc.dc_current_a.abs() <= f64::from(CURRENT_STOPPED_MAX_A);
                let too_long = since(now, self.phase_since) > STOP_CURRENT_TIMEOUT;
                if too_long {
                    self.current_forced_off = true;
                }
                if low || too_long || !self.contactor_closed() {
                    self.flags.energy_transfer = false;
                }
            }
            Phase::WeldingDetection => {
                self.flags.energy_transfer = false;
                self.flags.stop_control = true;
                let open = !self.vehicle_contactors_closed(now);
                if open {
                    self.contactors_open_at.get_or_insert(now);
                }
                let unlock_due = self
                    .contactors_open_at
                    .is_some_and(|t| since(now, t) >= UNLOCK_DELAY);
                let too_long = since(now, self.phase_since) > WELDING_DETECTION_TIMEOUT;
                if unlock_due || self.vehicle_silent || too_long {
                    self.flags.connector_locked = false;
                }
            }
            Phase::Unlocked => {
                self.flags.connector_locked = false;
                self.flags.energy_transfer = false;
                self.flags.stop_control = true;
            }
        }
    }

    fn incompatibility(&self) -> Option<Incompatibility> {
        match (self.v100, self.v102) {
            (Some(l), Some(v)) => check_compatibility(&l, &v, &self.capability_108()).err(),
            _ => None,
        }
    }

    /// The vehicle's contactors: H'102.5.3 for protocol >= 2, else the
    /// compliance times after d2 / during welding detection.
    pub(super) fn vehicle_contactors_closed(&self, now: Duration) -> bool {
        if self.vehicle_silent {
            return false;
        }
        match self.v102 {
            Some(v) if v.protocol_number >= ProtocolNumber::V1_0 as u8 => {
                !v.flags.contactor_open && self.seq.phase >= Phase::InsulationTest
            }
            Some(_) => match self.seq.phase {
                Phase::InsulationTest => self
                    .passed_at
                    .is_some_and(|t| since(now, t) >= LEGACY_CONTACTOR_CLOSE),
                Phase::ContactorsClosed | Phase::EnergyTransfer(_) | Phase::CurrentRampDown => true,
                Phase::WeldingDetection => since(now, self.phase_since) < LEGACY_CONTACTOR_OPEN,
                _ => false,
            },
            None => false,
        }
    }

    /// The charger's output contactor: closed from the vehicle's contactors
    /// closing until the current is off (osexpert adapter contactor).
    pub(super) fn contactor_closed(&self) -> bool {
        !self.vehicle_silent
            && !self.current_forced_off
            && matches!(
                self.seq.phase,
                Phase::ContactorsClosed | Phase::EnergyTransfer(_) | Phase::CurrentRampDown
            )
    }

    /// Voltage at the charger's output: the battery while the vehicle's
    /// contactors are closed, the test voltage during the insulation test.
    pub(super) fn output_voltage_v(&self, now: Duration, dc: DcSideView) -> f64 {
        if self.vehicle_contactors_closed(now) {
            return dc.battery_voltage_v;
        }
        match (self.test_started_at, self.passed_at) {
            (Some(_), None) if self.seq.phase == Phase::InsulationTest => {
                let vehicle_max = self
                    .v100
                    .map_or(0.0, |l| f64::from(l.max_battery_voltage_v));
                if vehicle_max > 0.0 {
                    vehicle_max.min(self.config.available_voltage_v)
                } else {
                    self.config.available_voltage_v
                }
            }
            _ => 0.0,
        }
    }

    fn observation(&self, now: Duration, dc: DcSideView) -> Observation {
        let view = self.vehicle_view();
        let requested = if dc.ac_power_setpoint_w > 0.0 && view.discharge_permitted {
            Direction::Discharge
        } else if dc.ac_power_setpoint_w < 0.0 && view.charge_current_request_a > 0.0 {
            Direction::Charge
        } else if view.discharge_permitted {
            Direction::Discharge
        } else {
            Direction::Charge
        };
        let current_a = if self.contactor_closed() {
            dc.dc_current_a.abs()
        } else {
            0.0
        };
        let heard = !self.vehicle_silent;
        Observation {
            plugged_in: true,
            vehicle_silent: self.vehicle_silent,
            vehicle_limits: self.v100.filter(|_| heard),
            vehicle: self.v102.filter(|_| heard),
            discharge_limits: self.v200.filter(|_| heard),
            charger_capability: Some(self.capability_108()),
            charger: Some(self.status_109(now, dc)),
            insulation_test_passed: self.passed_at.is_some(),
            output_voltage_v: super::volts_u16(self.output_voltage_v(now, dc)),
            output_current_a: super::volts_u16(current_a),
            requested,
        }
    }

    /// The vehicle's SoC from H'102.6 / H'100.6.
    pub(super) fn vehicle_soc(&self) -> Option<f64> {
        let reference = self.v100.map_or(100, |l| l.charged_rate_reference);
        self.v102
            .and_then(|v| v.soc_percent(reference))
            .map(|p| (p / 100.0).clamp(0.0, 1.0))
    }

    pub(super) fn vehicle_view(&self) -> VehicleView {
        let capacity_100wh = self.v101.map_or(0, |t| t.total_battery_capacity_100wh);
        let level = |raw: u8| {
            super::super::level_percent(raw, self.config.level_unit, capacity_100wh)
                .map(|p| f64::from(p) / 100.0)
        };
        let v = self.v102.unwrap_or_default();
        let discharge_a = self.v200.map_or(0, |d| d.max_discharge_current_a);
        VehicleView {
            charging_enabled: v.flags.charging_enabled,
            contactors_closed: self.v102.is_some() && !v.flags.contactor_open,
            charge_current_request_a: f64::from(v.charging_current_request_a),
            max_discharge_current_a: f64::from(discharge_a),
            min_discharge_voltage_v: self.v200.map(|d| f64::from(d.min_discharge_voltage_v)),
            min_discharge_soc: self.v200.and_then(|d| level(d.min_discharge_level)),
            max_charge_soc: self.v200.and_then(|d| level(d.max_charge_level)),
            target_voltage_v: f64::from(v.target_battery_voltage_v),
            max_battery_voltage_v: self
                .v100
                .map_or(0.0, |l| f64::from(l.max_battery_voltage_v)),
            capacity_kwh: f64::from(capacity_100wh) / 10.0,
            discharge_permitted: self.config.discharge_capable()
                && v.flags.discharge_compatible
                && discharge_a > 0,
        }
    }
}

/// Flags before a session: stop control set (H'109.5.5 "1 before start").
fn idle_flags() -> ChargerFlags {
    ChargerFlags {
        stop_control: true,
        ..ChargerFlags::default()
    }
}

/// The charger fault a stop cause amounts to (orderly stops are none).
fn fault_of(cause: StopCause) -> Option<ChargerFault> {
    match cause {
        StopCause::VehicleSilent => Some(ChargerFault::VehicleSilent),
        StopCause::VehicleFault => Some(ChargerFault::VehicleFault),
        StopCause::VehicleSystemFault => Some(ChargerFault::VehicleSystemFault),
        StopCause::Incompatible(e) => Some(ChargerFault::Incompatible(e)),
        _ => None,
    }
}
