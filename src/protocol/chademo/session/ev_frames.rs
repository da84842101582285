//! The vehicle's frames H'100, H'101, H'102, H'200, H'201 built from the
//! session state (layouts in `vehicle.rs` / `discharge.rs`).

use super::super::{
    DischargeEstimate, DischargeLimits, Message, VehicleChargingTime, VehicleFaults, VehicleFlags,
    VehicleLimits, VehicleStatus,
};
use super::ev::{finite_or, EvSession};
use super::{amps_u8, to_can, volts_u16};
use crate::protocol::can::CanFrame;

/// H'100.6: SoC is sent in percent (0x64 = 100, the Leaf log and most
/// implementations).
const CHARGED_RATE_REFERENCE: u8 = 100;

/// Percent of a 0..1 fraction for H'102.6 / H'200.6-7, clamped to 0..=100.
fn percent(fraction: f64) -> u8 {
    (finite_or(fraction, 0.0).clamp(0.0, 1.0) * 100.0).round() as u8
}

/// Whole minutes, saturating at `max`.
fn minutes(hours: f64, max: u16) -> u16 {
    let min = hours * 60.0;
    if !min.is_finite() || min <= 0.0 {
        0
    } else {
        min.min(f64::from(max)).round() as u16
    }
}

impl EvSession {
    /// H'100 from the configuration.
    pub(super) fn limits_100(&self) -> VehicleLimits {
        VehicleLimits {
            min_charge_current_a: 0,
            max_charge_current_a: amps_u8(self.limits.max_charge_current_a),
            min_battery_voltage_v: volts_u16(self.config.min_battery_voltage_v),
            max_battery_voltage_v: volts_u16(self.config.max_battery_voltage_v),
            charged_rate_reference: CHARGED_RATE_REFERENCE,
        }
    }

    fn target_voltage_v(&self) -> f64 {
        self.config
            .target_voltage_v
            .unwrap_or(self.config.max_battery_voltage_v)
    }

    /// H'101: maximum time from the configuration, estimate from the
    /// energy missing to the charge ceiling at the current request.
    fn charging_time_101(&self) -> VehicleChargingTime {
        let mut t = VehicleChargingTime {
            total_battery_capacity_100wh: (finite_or(self.config.capacity_kwh, 0.0) * 10.0)
                .clamp(0.0, f64::from(u16::MAX))
                .round() as u16,
            ..VehicleChargingTime::default()
        };
        t.set_max_charging_time(self.config.max_charging_time);
        let power_w = self.target_voltage_v() * f64::from(self.out.request_a);
        let missing_wh =
            (self.config.max_charge_soc - self.soc).max(0.0) * self.config.capacity_kwh * 1000.0;
        t.estimated_charging_time_min = minutes(missing_wh / power_w, 254) as u8;
        t
    }

    /// H'102: the live request and status.
    pub(super) fn status_102(&self) -> VehicleStatus {
        VehicleStatus {
            protocol_number: self.config.protocol_number,
            target_battery_voltage_v: volts_u16(self.target_voltage_v()),
            charging_current_request_a: self.out.request_a,
            faults: VehicleFaults::default(),
            flags: VehicleFlags {
                charging_enabled: self.out.charging_enabled,
                shift_not_parked: false,
                charging_system_fault: false,
                contactor_open: self.out.contactor_open,
                normal_stop_request: self.out.normal_stop_request,
                discharge_compatible: self.config.discharge_capable(),
                reserved_bits: 0,
            },
            charged_rate: percent(self.soc),
        }
    }

    /// H'200: discharge permission and floors (levels in percent, the V2H
    /// guideline >= 1.0 unit).
    pub(super) fn limits_200(&self) -> DischargeLimits {
        DischargeLimits {
            max_discharge_current_a: self.out.discharge_a,
            min_discharge_voltage_v: volts_u16(self.limits.min_discharge_voltage_v),
            // At least 1: 0 means "not used" (chademo-rs doc).
            min_discharge_level: percent(self.limits.min_discharge_soc).max(1),
            max_charge_level: percent(self.config.max_charge_soc),
        }
    }

    /// H'201: energy above the discharge floor and the time it lasts at the
    /// current permission. Sequence control number 0 (V2H guideline 1.0,
    /// Battery-Emulator).
    fn estimate_201(&self) -> DischargeEstimate {
        let usable_wh = (self.soc - self.limits.min_discharge_soc).max(0.0)
            * finite_or(self.config.capacity_kwh, 0.0)
            * 1000.0;
        let power_w = self.target_voltage_v() * f64::from(self.out.discharge_a);
        DischargeEstimate {
            sequence_control_number: 0,
            approx_discharge_completion_time_min: minutes(usable_wh / power_w, u16::MAX),
            available_vehicle_energy_100wh: (usable_wh / 100.0)
                .clamp(0.0, f64::from(u16::MAX))
                .round() as u16,
        }
    }

    /// This cycle's frames in id order.
    pub(super) fn frames(&self) -> Vec<CanFrame> {
        let mut messages = vec![
            Message::VehicleLimits(self.limits_100()),
            Message::VehicleChargingTime(self.charging_time_101()),
            Message::VehicleStatus(self.status_102()),
        ];
        if self.config.discharge_capable() {
            messages.push(Message::DischargeLimits(self.limits_200()));
            messages.push(Message::DischargeEstimate(self.estimate_201()));
        }
        messages.iter().filter_map(to_can).collect()
    }
}
