//! The vehicle's side of a CHAdeMO session (what an EV simulator plays).

use std::time::Duration;

use super::super::{
    ChargerCapability, ChargerDischargeCapability, ChargerStatus, Direction, Message, Observation,
    Phase, Sequence, BATTERY_PRESENT_MIN_V, INSULATION_TEST_END_MAX_V,
};
pub use super::ev_types::{EvStatus, EvStopCause, RuntimeLimits, TransferRequest, VehicleConfig};
use super::{from_can, since, CHARGER_SILENCE_TIMEOUT, INSULATION_TEST_MAX};
use crate::protocol::can::CanFrame;

/// The vehicle's session core. Drive it with [`EvSession::on_frame`] for
/// every received frame and [`EvSession::tick`] every 100 ms.
#[derive(Debug, Clone)]
pub struct EvSession {
    pub(super) config: VehicleConfig,
    pub(super) limits: RuntimeLimits,
    plugged: bool,
    silent: bool,
    pub(super) request: Option<TransferRequest>,
    stop_requested: bool,
    seq: Sequence,
    pub(super) soc: f64,
    pub(super) last_108: Option<ChargerCapability>,
    pub(super) last_109: Option<ChargerStatus>,
    last_208: Option<ChargerDischargeCapability>,
    last_charger_frame_at: Option<Duration>,
    charger_silent: bool,
    saw_test_voltage: bool,
    insulation_passed: bool,
    phase_since: Duration,
    last_tick: Option<Duration>,
    stop_cause: Option<EvStopCause>,
    pub(super) out: Outputs,
}

/// What the vehicle currently sends in its status fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) struct Outputs {
    pub charging_enabled: bool,
    pub contactor_open: bool,
    pub normal_stop_request: bool,
    pub request_a: u8,
    pub discharge_a: u8,
}

impl EvSession {
    /// An unplugged vehicle at `config.initial_soc`.
    pub fn new(config: VehicleConfig) -> Self {
        let limits = RuntimeLimits {
            max_charge_current_a: config.max_charge_current_a,
            max_discharge_current_a: config.max_discharge_current_a,
            min_discharge_soc: config.min_discharge_soc,
            min_discharge_voltage_v: config.min_discharge_voltage_v,
        };
        let soc = finite_or(config.initial_soc, 0.0).clamp(0.0, 1.0);
        EvSession {
            config,
            limits,
            plugged: false,
            silent: false,
            request: None,
            stop_requested: false,
            seq: Sequence::new(),
            soc,
            last_108: None,
            last_109: None,
            last_208: None,
            last_charger_frame_at: None,
            charger_silent: false,
            saw_test_voltage: false,
            insulation_passed: false,
            phase_since: Duration::ZERO,
            last_tick: None,
            stop_cause: None,
            out: Outputs {
                contactor_open: true,
                ..Outputs::default()
            },
        }
    }

    /// Inserts the connector: a fresh session starts on the next tick
    /// (no-op while plugged; unplug first to start over).
    pub fn plug(&mut self) {
        if self.plugged {
            return;
        }
        self.plugged = true;
        self.seq = Sequence::new();
        self.stop_requested = false;
        self.stop_cause = None;
        self.last_108 = None;
        self.last_109 = None;
        self.last_208 = None;
        self.last_charger_frame_at = None;
        self.charger_silent = false;
        self.saw_test_voltage = false;
        self.insulation_passed = false;
    }

    /// Permits energy transfer (switch k / H'102.5.0) once the charger's
    /// parameters are known; may be called before [`Self::plug`]. Changing
    /// the request during transfer changes H'102.3 / H'200.0.
    pub fn start(&mut self, request: TransferRequest) {
        self.request = Some(request);
    }

    /// Normal stop: H'102.5.0 → 0 (or H'102.5.4 before contactors close);
    /// the charger ramps down, the vehicle opens its contactors.
    pub fn stop(&mut self) {
        if self.request.is_some() {
            self.stop_requested = true;
        }
        self.request = None;
    }

    /// Pulls the connector: frames stop and contactors open at once.
    pub fn unplug(&mut self) {
        self.plugged = false;
        self.seq = self.seq.next(&Observation::default());
        if self.stop_cause.is_none() {
            self.stop_cause = self.seq.stop_cause.map(EvStopCause::Sequence);
        }
        self.out = Outputs {
            contactor_open: true,
            ..Outputs::default()
        };
    }

    /// Changes the vehicle's limits at run time; they appear in the next
    /// frames (H'102.3, H'200.0, H'200.4-6).
    pub fn set_limits(&mut self, limits: RuntimeLimits) {
        self.limits = limits;
    }

    /// Current run-time limits.
    pub fn limits(&self) -> RuntimeLimits {
        self.limits
    }

    /// Stops (true) or resumes (false) sending frames while the session
    /// logic keeps running: the charger-side silence test.
    pub fn go_silent(&mut self, silent: bool) {
        self.silent = silent;
    }

    /// The vehicle's DC contactors (the driver ties the plant's DC
    /// contactor to this).
    pub fn contactors_closed(&self) -> bool {
        self.plugged && !self.out.contactor_open
    }

    /// Takes one received frame; anything but H'108/H'109/H'208/H'209 (or
    /// undecodable) is ignored. Nothing is heard while unplugged.
    pub fn on_frame(&mut self, now: Duration, frame: &CanFrame) {
        if !self.plugged {
            return;
        }
        let Ok(message) = from_can(frame) else {
            return;
        };
        match message {
            Message::ChargerCapability(c) => self.last_108 = Some(c),
            Message::ChargerStatus(c) => self.last_109 = Some(c),
            Message::ChargerDischargeCapability(c) => self.last_208 = Some(c),
            Message::ChargerDischargeEstimate(_) => {}
            _ => return,
        }
        self.last_charger_frame_at = Some(now);
    }

    /// Advances the session to `now` and returns the frames to send this
    /// cycle (H'100, H'101, H'102 and, V2H-capable, H'200, H'201).
    pub fn tick(&mut self, now: Duration) -> Vec<CanFrame> {
        let dt = self.last_tick.map_or(Duration::ZERO, |t| since(now, t));
        self.last_tick = Some(now);
        if !self.plugged {
            return Vec::new();
        }
        self.integrate_soc(dt);
        self.check_charger_silence(now);
        self.track_insulation_test(now);
        self.update_outputs();
        let before = self.seq.phase;
        self.seq = self.seq.next(&self.observation());
        if self.seq.phase != before {
            self.phase_since = now;
        }
        if self.stop_cause.is_none() {
            if let Some(cause) = self.seq.stop_cause {
                self.stop_cause = Some(if self.stop_requested {
                    EvStopCause::Commanded
                } else {
                    EvStopCause::Sequence(cause)
                });
            }
        }
        self.update_outputs();
        let sending = !matches!(self.seq.phase, Phase::Idle | Phase::Unlocked);
        if self.silent || !sending {
            return Vec::new();
        }
        self.frames()
    }

    /// Snapshot for the driver.
    pub fn status(&self) -> EvStatus {
        let charger = self.last_109.unwrap_or_default();
        EvStatus {
            phase: self.seq.phase,
            soc: self.soc,
            contactors_closed: self.contactors_closed(),
            charger_reported_voltage_v: f64::from(charger.present_output_voltage_v),
            charger_reported_current_a: self.reported_current_a(),
            charger_fault: charger.flags.fault(),
            charger_stopped: self.last_109.is_some() && charger.flags.stop_control,
            charger_energy_transfer: charger.flags.energy_transfer,
            last_charger_frame_at: self.last_charger_frame_at,
            stop_cause: self.stop_cause,
            charge_request_a: self.out.request_a,
            discharge_limit_a: self.out.discharge_a,
        }
    }

    /// The configuration.
    pub fn config(&self) -> &VehicleConfig {
        &self.config
    }

    /// Signed current the charger reports, discharge positive.
    fn reported_current_a(&self) -> f64 {
        let discharge = self.last_208.map_or(0, |d| d.present_discharge_current_a);
        if discharge > 0 {
            f64::from(discharge)
        } else {
            -f64::from(self.last_109.map_or(0, |c| c.present_output_current_a))
        }
    }

    /// Energy counting on the charger's reported voltage and current (the
    /// simulator has no sensors of its own): ΔSoC = −V·I·Δt / capacity.
    fn integrate_soc(&mut self, dt: Duration) {
        if !self.contactors_closed() || self.charger_silent {
            return;
        }
        let voltage_v = f64::from(self.last_109.map_or(0, |c| c.present_output_voltage_v));
        let capacity_wh = self.config.capacity_kwh * 1000.0;
        if capacity_wh.is_finite() && capacity_wh > 0.0 {
            let energy_wh = voltage_v * self.reported_current_a() * dt.as_secs_f64() / 3600.0;
            self.soc = finite_or(self.soc - energy_wh / capacity_wh, self.soc).clamp(0.0, 1.0);
        }
    }

    fn check_charger_silence(&mut self, now: Duration) {
        let watching = !matches!(
            self.seq.phase,
            Phase::Idle | Phase::Connected | Phase::Unlocked
        );
        let silent = self
            .last_charger_frame_at
            .is_none_or(|t| since(now, t) > CHARGER_SILENCE_TIMEOUT);
        if watching && silent && !self.charger_silent {
            self.charger_silent = true;
            let stopping = self.seq.stop_cause.is_some();
            if self.stop_cause.is_none() && !stopping {
                self.stop_cause = Some(EvStopCause::ChargerSilent);
            }
        }
    }

    /// Infers the end of the charger's insulation test (d2) from H'109:
    /// the test voltage seen and gone, or the 20 s C-time over. Watched from
    /// the lock on: the charger may start the test a cycle before the
    /// vehicle's sequence sees the lock.
    fn track_insulation_test(&mut self, now: Duration) {
        match self.seq.phase {
            Phase::ConnectorLocked | Phase::InsulationTest => {}
            p => {
                if p < Phase::ConnectorLocked {
                    self.saw_test_voltage = false;
                    self.insulation_passed = false;
                }
                return;
            }
        }
        let voltage_v = self.last_109.map_or(0, |c| c.present_output_voltage_v);
        if voltage_v > BATTERY_PRESENT_MIN_V {
            self.saw_test_voltage = true;
        }
        let fell = self.saw_test_voltage && voltage_v < INSULATION_TEST_END_MAX_V;
        let waited = self.seq.phase == Phase::InsulationTest
            && since(now, self.phase_since) >= INSULATION_TEST_MAX;
        if fell || waited {
            self.insulation_passed = true;
        }
    }

    /// Recomputes the status fields from the phase and the commands.
    fn update_outputs(&mut self) {
        let phase = self.seq.phase;
        let wants = self.request.is_some() && !self.stop_requested && !self.charger_silent;
        let permitting = matches!(
            phase,
            Phase::CompatibilityCheck
                | Phase::ConnectorLocked
                | Phase::InsulationTest
                | Phase::ContactorsClosed
                | Phase::EnergyTransfer(_)
        );
        let closed = !self.charger_silent
            && match phase {
                Phase::InsulationTest => self.insulation_passed && wants,
                Phase::ContactorsClosed | Phase::EnergyTransfer(_) | Phase::CurrentRampDown => true,
                _ => false,
            };
        let transfer = wants && matches!(phase, Phase::ContactorsClosed | Phase::EnergyTransfer(_));
        let available_a = self
            .last_108
            .map_or(0.0, |c| f64::from(c.available_output_current_a));
        let charge_a = match self.request {
            Some(TransferRequest::Charge { current_a }) => {
                finite_or(current_a, 0.0).min(self.limits.max_charge_current_a)
            }
            Some(TransferRequest::Discharge) => self.limits.max_charge_current_a,
            None => 0.0,
        };
        let full = self.soc >= self.config.max_charge_soc;
        let empty = self.soc <= self.limits.min_discharge_soc;
        let discharging = matches!(self.request, Some(TransferRequest::Discharge));
        self.out = Outputs {
            charging_enabled: wants && permitting,
            contactor_open: !closed,
            normal_stop_request: (self.stop_requested || self.charger_silent)
                && phase < Phase::ContactorsClosed,
            request_a: if transfer && !full {
                super::amps_u8(charge_a.min(available_a))
            } else {
                0
            },
            discharge_a: if transfer && discharging && !empty && self.config.discharge_capable() {
                super::amps_u8(self.limits.max_discharge_current_a)
            } else {
                0
            },
        };
    }

    fn observation(&self) -> Observation {
        let charger = if self.charger_silent {
            None
        } else {
            self.last_109
        };
        let discharge = self
            .last_208
            .filter(|_| !self.charger_silent)
            .map_or(0, |d| d.present_discharge_current_a);
        Observation {
            plugged_in: self.plugged,
            vehicle_silent: false,
            vehicle_limits: Some(self.limits_100()),
            vehicle: Some(self.status_102()),
            discharge_limits: self.config.discharge_capable().then(|| self.limits_200()),
            charger_capability: self.last_108.filter(|_| !self.charger_silent),
            charger,
            insulation_test_passed: self.insulation_passed,
            output_voltage_v: charger.map_or(0, |c| c.present_output_voltage_v),
            output_current_a: u16::from(
                charger
                    .map_or(0, |c| c.present_output_current_a)
                    .max(discharge),
            ),
            requested: self.request.map_or(Direction::Charge, |r| r.direction()),
        }
    }
}

pub(super) fn finite_or(value: f64, fallback: f64) -> f64 {
    if value.is_finite() {
        value
    } else {
        fallback
    }
}
