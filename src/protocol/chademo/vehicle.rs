//! Vehicle → charger charging frames H'100, H'101, H'102.
//!
//! Layouts (byte: field, unit) from IEEE 2030.1.1 names as used by
//! rand12345/chademo-rs `frames.rs`, Battery-Emulator `CHADEMO-BATTERY.cpp`,
//! furdog/chademo `chademo_se.h`, osexpert ccs32clara-chademo
//! `chademoCharger.h`, jamiejones85 ESP32-Chademo and OpenInverter.

use std::time::Duration;

use super::field::{frame_view, put_u16_le, DATA_LEN};
use super::flags::{VehicleFaults, VehicleFlags};
use super::ChademoError;

frame_view!(
    /// H'100 vehicle charging limits.
    Frame100,
    0x100
);
frame_view!(
    /// H'101 vehicle charging time and battery capacity.
    Frame101,
    0x101
);
frame_view!(
    /// H'102 vehicle charging session: request, faults, status, charged rate.
    Frame102,
    0x102
);

impl<T: AsRef<[u8]>> Frame100<T> {
    /// 100.0, 1 A/bit.
    pub fn min_charge_current_a(&self) -> u8 {
        self.byte(0)
    }
    /// 100.1, 1 A/bit (see [`VehicleLimits::max_charge_current_a`]).
    pub fn max_charge_current_a(&self) -> u8 {
        self.byte(1)
    }
    /// 100.2-3, 1 V/bit.
    pub fn min_battery_voltage_v(&self) -> u16 {
        self.u16_le(2)
    }
    /// 100.4-5, 1 V/bit.
    pub fn max_battery_voltage_v(&self) -> u16 {
        self.u16_le(4)
    }
    /// 100.6, charged-rate reference constant.
    pub fn charged_rate_reference(&self) -> u8 {
        self.byte(6)
    }
}

impl<T: AsRef<[u8]>> Frame101<T> {
    /// 101.1, 10 s/bit, 0xFF = use 101.2.
    pub fn max_charging_time_10s(&self) -> u8 {
        self.byte(1)
    }
    /// 101.2, 1 min/bit.
    pub fn max_charging_time_min(&self) -> u8 {
        self.byte(2)
    }
    /// 101.3, 1 min/bit.
    pub fn estimated_charging_time_min(&self) -> u8 {
        self.byte(3)
    }
    /// 101.5-6, 0.1 kWh/bit.
    pub fn total_battery_capacity_100wh(&self) -> u16 {
        self.u16_le(5)
    }
}

impl<T: AsRef<[u8]>> Frame102<T> {
    /// 102.0.
    pub fn protocol_number(&self) -> u8 {
        self.byte(0)
    }
    /// 102.1-2, 1 V/bit.
    pub fn target_battery_voltage_v(&self) -> u16 {
        self.u16_le(1)
    }
    /// 102.3, 1 A/bit.
    pub fn charging_current_request_a(&self) -> u8 {
        self.byte(3)
    }
    /// 102.4.
    pub fn faults(&self) -> VehicleFaults {
        VehicleFaults::from_bits(self.byte(4))
    }
    /// 102.5.
    pub fn flags(&self) -> VehicleFlags {
        VehicleFlags::from_bits(self.byte(5))
    }
    /// 102.6.
    pub fn charged_rate(&self) -> u8 {
        self.byte(6)
    }
}

/// H'100: the vehicle's voltage and current limits.
///
/// | byte | field | unit |
/// |---|---|---|
/// | 0 | minimum charge current | 1 A |
/// | 1 | maximum charge current (osexpert only; others: reserved) | 1 A |
/// | 2-3 | minimum battery voltage | 1 V, LE |
/// | 4-5 | maximum battery voltage | 1 V, LE |
/// | 6 | charged-rate reference constant | 0x64 = 100 % |
/// | 7 | reserved | |
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct VehicleLimits {
    /// Lowest current the vehicle accepts. Added with CHAdeMO 1.0 (osexpert);
    /// furdog, jamiejones85 and OpenInverter send bytes 0..3 as zero.
    pub min_charge_current_a: u8,
    /// Disagreement: osexpert decodes byte 1 as `MaximumChargeCurrent`
    /// ("only seen on some cars"); chademo-rs, Battery-Emulator, furdog and
    /// bocarknt treat it as unused. We decode it (0 = not given) because the
    /// EV simulator needs somewhere to state a maximum charge current, and
    /// a charger that ignores byte 1 loses nothing.
    pub max_charge_current_a: u8,
    /// Vehicle's lower voltage limit (charger judges incompatibility).
    pub min_battery_voltage_v: u16,
    /// Voltage at which the charger must stop to protect the battery.
    pub max_battery_voltage_v: u16,
    /// Scale of H'102.6: SoC % = 102.6 / 100.6 × 100. 0x64 in the IEEE
    /// tables, the Leaf log and most code; OpenInverter sends 200 to get
    /// 0.5 % steps; osexpert divides by it when it is not 100. Disagreement:
    /// jamiejones85 puts the SoC itself here and 100 in 102.6 (inverted
    /// ratio); we follow the majority and the Leaf log.
    pub charged_rate_reference: u8,
}

impl VehicleLimits {
    /// Validates a checked view (every 8-byte payload is representable).
    pub fn parse<T: AsRef<[u8]>>(frame: &Frame100<T>) -> Result<Self, ChademoError> {
        Ok(Self {
            min_charge_current_a: frame.min_charge_current_a(),
            max_charge_current_a: frame.max_charge_current_a(),
            min_battery_voltage_v: frame.min_battery_voltage_v(),
            max_battery_voltage_v: frame.max_battery_voltage_v(),
            charged_rate_reference: frame.charged_rate_reference(),
        })
    }

    /// Writes the eight data bytes (reserved bytes 0).
    pub fn emit(&self, out: &mut [u8; DATA_LEN]) {
        *out = [0; DATA_LEN];
        out[0] = self.min_charge_current_a;
        out[1] = self.max_charge_current_a;
        put_u16_le(out, 2, self.min_battery_voltage_v);
        put_u16_le(out, 4, self.max_battery_voltage_v);
        out[6] = self.charged_rate_reference;
    }
}

/// H'101: charging time limits and battery capacity.
///
/// | byte | field | unit |
/// |---|---|---|
/// | 0 | reserved | |
/// | 1 | maximum charging time | 10 s; 0xFF = use byte 2 |
/// | 2 | maximum charging time | 1 min |
/// | 3 | estimated charging time | 1 min |
/// | 4 | reserved | |
/// | 5-6 | total battery capacity | 0.1 kWh, LE |
/// | 7 | reserved | |
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct VehicleChargingTime {
    /// 10 s/bit; 0xFF means "given in minutes" (jamiejones85 and OpenInverter
    /// send 0xFF; osexpert and jamiejones85 read minutes when it is 0xFF).
    pub max_charging_time_10s: u8,
    /// 1 min/bit, used when `max_charging_time_10s` is 0xFF.
    pub max_charging_time_min: u8,
    /// 1 min/bit, vehicle's estimate.
    pub estimated_charging_time_min: u8,
    /// 0.1 kWh/bit (furdog `total_cap_of_battery_100wh`, osexpert `* 0.1f`,
    /// Battery-Emulator `* 100` Wh). Leaf log: 0x00F0 = 24.0 kWh.
    pub total_battery_capacity_100wh: u16,
}

impl VehicleChargingTime {
    /// Validates a checked view (every 8-byte payload is representable).
    pub fn parse<T: AsRef<[u8]>>(frame: &Frame101<T>) -> Result<Self, ChademoError> {
        Ok(Self {
            max_charging_time_10s: frame.max_charging_time_10s(),
            max_charging_time_min: frame.max_charging_time_min(),
            estimated_charging_time_min: frame.estimated_charging_time_min(),
            total_battery_capacity_100wh: frame.total_battery_capacity_100wh(),
        })
    }

    /// Writes the eight data bytes (reserved bytes 0).
    pub fn emit(&self, out: &mut [u8; DATA_LEN]) {
        *out = [0; DATA_LEN];
        out[1] = self.max_charging_time_10s;
        out[2] = self.max_charging_time_min;
        out[3] = self.estimated_charging_time_min;
        put_u16_le(out, 5, self.total_battery_capacity_100wh);
    }

    /// The maximum charging time the vehicle permits.
    pub fn max_charging_time(&self) -> Duration {
        if self.max_charging_time_10s == 0xFF {
            Duration::from_secs(u64::from(self.max_charging_time_min) * 60)
        } else {
            Duration::from_secs(u64::from(self.max_charging_time_10s) * 10)
        }
    }

    /// Sets the time, in 10 s steps below 2550 s, else in whole minutes
    /// (saturating at 255 min), with the other byte as the spec wants.
    pub fn set_max_charging_time(&mut self, time: Duration) {
        let s = time.as_secs();
        if s < 0xFF * 10 {
            self.max_charging_time_10s = (s / 10) as u8;
            self.max_charging_time_min = (s / 60).min(255) as u8;
        } else {
            self.max_charging_time_10s = 0xFF;
            self.max_charging_time_min = (s / 60).min(255) as u8;
        }
    }

    /// Capacity in kWh.
    pub fn total_battery_capacity_kwh(&self) -> f64 {
        f64::from(self.total_battery_capacity_100wh) / 10.0
    }
}

/// H'102: the vehicle's live request, faults and status.
///
/// | byte | field | unit |
/// |---|---|---|
/// | 0 | control protocol number | 0 <0.9, 1 0.9, 2 1.0-1.2, 3 2.0 |
/// | 1-2 | target battery voltage | 1 V, LE |
/// | 3 | charging current request | 1 A |
/// | 4 | faults ([`VehicleFaults`]) | bits |
/// | 5 | status ([`VehicleFlags`]) | bits |
/// | 6 | charged rate (SoC against 100.6) | 1 % at 100.6 = 100 |
/// | 7 | reserved | |
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct VehicleStatus {
    /// Protocol number, see [`super::ProtocolNumber`].
    pub protocol_number: u8,
    /// Target of the charging voltage; 0 after being > 0 ends the session
    /// (Battery-Emulator).
    pub target_battery_voltage_v: u16,
    /// Charging current request. In discharge the vehicle keeps it at 0 or
    /// uses it as a hint (osexpert sets it to the discharge limit).
    pub charging_current_request_a: u8,
    /// H'102.4.
    pub faults: VehicleFaults,
    /// H'102.5.
    pub flags: VehicleFlags,
    /// State of charge relative to H'100.6 (Battery-Emulator, chademo-rs,
    /// osexpert `SocPercent`, furdog `charged_rate`). Leaf log: 0x49 = 73 %.
    /// Disagreement: jamiejones85 sends kWh here without a BMS (its DBC
    /// names the byte `Capacity`, unit kWh) and a fixed 100 with one; we
    /// follow the majority and the Leaf log.
    pub charged_rate: u8,
}

impl VehicleStatus {
    /// Validates a checked view (every 8-byte payload is representable;
    /// undefined bits are kept).
    pub fn parse<T: AsRef<[u8]>>(frame: &Frame102<T>) -> Result<Self, ChademoError> {
        Ok(Self {
            protocol_number: frame.protocol_number(),
            target_battery_voltage_v: frame.target_battery_voltage_v(),
            charging_current_request_a: frame.charging_current_request_a(),
            faults: frame.faults(),
            flags: frame.flags(),
            charged_rate: frame.charged_rate(),
        })
    }

    /// Writes the eight data bytes (reserved byte 0).
    pub fn emit(&self, out: &mut [u8; DATA_LEN]) {
        *out = [0; DATA_LEN];
        out[0] = self.protocol_number;
        put_u16_le(out, 1, self.target_battery_voltage_v);
        out[3] = self.charging_current_request_a;
        out[4] = self.faults.bits();
        out[5] = self.flags.bits();
        out[6] = self.charged_rate;
    }

    /// SoC in percent given H'100.6; `None` when the reference is 0 (Leaf
    /// sends unstable values before switch (k), osexpert).
    pub fn soc_percent(&self, charged_rate_reference: u8) -> Option<f64> {
        (charged_rate_reference != 0)
            .then(|| f64::from(self.charged_rate) * 100.0 / f64::from(charged_rate_reference))
    }
}
