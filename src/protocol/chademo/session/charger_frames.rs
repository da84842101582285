//! The charger's frames H'108, H'109, H'208, H'209 and the DC limits it
//! hands the plant, built from the session state.

use std::time::Duration;

use super::super::{
    ChargerCapability, ChargerDischargeCapability, ChargerDischargeEstimate, ChargerStatus,
    Message, Phase,
};
use super::charger::ChargerSession;
use super::charger_types::DcSideView;
use super::{amps_u8, since, to_can, volts_u16, STOP_RAMP_DOWN};
use crate::plant::DcLimits;
use crate::protocol::can::CanFrame;

impl ChargerSession {
    /// H'108. The threshold is the lower of the configured one and the
    /// vehicle's H'100.4-5 (osexpert `min(AvailableOutputVoltage,
    /// MaxVoltage)`; chademo-rs doc).
    pub(super) fn capability_108(&self) -> ChargerCapability {
        let mut threshold_v = self.config.threshold_voltage_v;
        if let Some(l) = self.v100.filter(|l| l.max_battery_voltage_v > 0) {
            threshold_v = threshold_v.min(f64::from(l.max_battery_voltage_v));
        }
        ChargerCapability {
            welding_detection: u8::from(self.config.welding_detection),
            available_output_voltage_v: volts_u16(self.config.available_voltage_v),
            available_output_current_a: amps_u8(self.config.available_current_a),
            threshold_voltage_v: volts_u16(threshold_v),
        }
    }

    /// H'109: measured output, flags, remaining time (the vehicle's H'101
    /// maximum less the time spent charging; "not computed" before H'101).
    pub(super) fn status_109(&self, now: Duration, dc: DcSideView) -> ChargerStatus {
        let charge_a = if self.contactor_closed() {
            amps_u8(-dc.dc_current_a)
        } else {
            0
        };
        let mut status = ChargerStatus {
            protocol_number: self.config.protocol_number,
            present_output_voltage_v: volts_u16(self.output_voltage_v(now, dc)),
            present_output_current_a: charge_a,
            discharge_compatible: self.config.max_discharge_current_a >= 0.5,
            flags: self.flags,
            remaining_charging_time_10s: 0xFF,
            remaining_charging_time_min: 0xFF,
        };
        if let Some(t) = self.v101 {
            status.set_remaining_charging_time(
                t.max_charging_time().saturating_sub(self.charged_for),
            );
        }
        status
    }

    /// H'208: measured discharge current and input ratings; the lower
    /// threshold is the vehicle's H'200.4-5 (as in the Leaf log).
    fn discharge_208(&self, dc: DcSideView) -> ChargerDischargeCapability {
        let discharge_a = if self.contactor_closed() {
            amps_u8(dc.dc_current_a)
        } else {
            0
        };
        ChargerDischargeCapability {
            present_discharge_current_a: discharge_a,
            available_input_voltage_v: volts_u16(self.config.available_voltage_v),
            available_input_current_a: amps_u8(self.config.max_discharge_current_a),
            lower_threshold_voltage_v: self.v200.map_or(0, |d| d.min_discharge_voltage_v),
        }
    }

    /// H'209: echoes H'201.0; remaining time from H'201.3-4 at the present
    /// discharge power (0 = unused when not discharging).
    fn estimate_209(&self, dc: DcSideView) -> ChargerDischargeEstimate {
        let power_w = dc.battery_voltage_v * dc.dc_current_a;
        let energy_wh = self
            .v201
            .map_or(0.0, |e| f64::from(e.available_vehicle_energy_100wh) * 100.0);
        let minutes = energy_wh / power_w * 60.0;
        let remaining = if self.contactor_closed() && minutes.is_finite() && minutes > 0.0 {
            minutes.min(f64::from(u16::MAX)).round() as u16
        } else {
            0
        };
        ChargerDischargeEstimate {
            sequence_control_number: self.v201.map_or(0, |e| e.sequence_control_number),
            remaining_discharge_time_min: remaining,
        }
    }

    /// This cycle's frames: none before a session.
    pub(super) fn frames(&self, now: Duration, dc: DcSideView) -> Vec<CanFrame> {
        if self.phase() == Phase::Idle {
            return Vec::new();
        }
        let mut messages = vec![
            Message::ChargerCapability(self.capability_108()),
            Message::ChargerStatus(self.status_109(now, dc)),
        ];
        if self.config.max_discharge_current_a >= 0.5 {
            messages.push(Message::ChargerDischargeCapability(self.discharge_208(dc)));
            messages.push(Message::ChargerDischargeEstimate(self.estimate_209(dc)));
        }
        messages.iter().filter_map(to_can).collect()
    }

    /// The vehicle's limits as the plant must honour them: in energy
    /// transfer the smaller of the vehicle's and the charger's currents, the
    /// vehicle's floors and ceilings; during an orderly stop a linear ramp
    /// to 0 over [`STOP_RAMP_DOWN`]; otherwise [`DcLimits::NONE`].
    pub(super) fn compute_limits(&self, now: Duration) -> DcLimits {
        if !self.contactor_closed() {
            return DcLimits::NONE;
        }
        match self.phase() {
            Phase::EnergyTransfer(_) => self.transfer_limits(),
            Phase::CurrentRampDown => {
                let Some(ramp) = self.ramp else {
                    return DcLimits::NONE;
                };
                let left =
                    1.0 - since(now, ramp.started).as_secs_f64() / STOP_RAMP_DOWN.as_secs_f64();
                if left <= 0.0 {
                    return DcLimits::NONE;
                }
                DcLimits {
                    max_charge_current_a: ramp.from.max_charge_current_a * left,
                    max_discharge_current_a: ramp.from.max_discharge_current_a * left,
                    ..ramp.from
                }
            }
            _ => DcLimits::NONE,
        }
    }

    fn transfer_limits(&self) -> DcLimits {
        let view = self.vehicle_view();
        let mut charge_a = view
            .charge_current_request_a
            .min(self.config.available_current_a);
        if let Some(l) = self.v100.filter(|l| l.max_charge_current_a > 0) {
            charge_a = charge_a.min(f64::from(l.max_charge_current_a));
        }
        let mut discharge_a = if view.discharge_permitted {
            view.max_discharge_current_a
                .min(self.config.max_discharge_current_a)
        } else {
            0.0
        };
        let min_soc = view.min_discharge_soc.unwrap_or(0.0);
        let max_soc = view.max_charge_soc.unwrap_or(1.0);
        if let Some(soc) = self.vehicle_soc() {
            if soc <= min_soc {
                discharge_a = 0.0;
            }
            if soc >= max_soc {
                charge_a = 0.0;
            }
        }
        DcLimits {
            max_discharge_current_a: discharge_a.max(0.0),
            max_charge_current_a: charge_a.max(0.0),
            min_discharge_voltage_v: view.min_discharge_voltage_v.unwrap_or(f64::INFINITY),
            min_discharge_soc: min_soc,
            max_charge_soc: max_soc,
        }
    }
}
