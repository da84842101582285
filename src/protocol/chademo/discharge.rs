//! V2H / bidirectional frames: vehicle H'200, H'201; charger H'208, H'209.
//!
//! Sources: rand12345/chademo-rs `X200`/`X208`/`X209` (tested with a Leaf
//! ZE0), Battery-Emulator `process_vehicle_charging_limits`,
//! `update_evse_discharge_capabilities`, `update_evse_discharge_estimate`,
//! osexpert `msg200`/`msg201`/`msg208`/`msg209`, bocarknt
//! CHAdeMO-2.0-Charge-V2G-Simulator `send_0x200`/`send_0x201`/
//! `process_0x208`/`process_0x209`, and the Nissan Leaf V2H log in
//! rand12345/chademo-rs `CanLogs/nissan-leaf-chademo-start-stop.csv`.

use std::time::Duration;

use super::field::{
    decode_inverted_current, encode_inverted_current, frame_view, put_u16_le, DATA_LEN,
};
use super::ChademoError;

frame_view!(
    /// H'200 vehicle discharge limits.
    Frame200,
    0x200
);
frame_view!(
    /// H'201 vehicle discharge estimate.
    Frame201,
    0x201
);
frame_view!(
    /// H'208 charger discharge capability.
    Frame208,
    0x208
);
frame_view!(
    /// H'209 charger discharge estimate.
    Frame209,
    0x209
);

impl<T: AsRef<[u8]>> Frame200<T> {
    /// 200.0, sent as 0xFF − A.
    pub fn max_discharge_current_a(&self) -> u8 {
        decode_inverted_current(self.byte(0))
    }
    /// 200.4-5, 1 V/bit.
    pub fn min_discharge_voltage_v(&self) -> u16 {
        self.u16_le(4)
    }
    /// 200.6, raw.
    pub fn min_discharge_level(&self) -> u8 {
        self.byte(6)
    }
    /// 200.7, raw.
    pub fn max_charge_level(&self) -> u8 {
        self.byte(7)
    }
}

impl<T: AsRef<[u8]>> Frame201<T> {
    /// 201.0.
    pub fn sequence_control_number(&self) -> u8 {
        self.byte(0)
    }
    /// 201.1-2.
    pub fn approx_discharge_completion_time_min(&self) -> u16 {
        self.u16_le(1)
    }
    /// 201.3-4.
    pub fn available_vehicle_energy_100wh(&self) -> u16 {
        self.u16_le(3)
    }
}

impl<T: AsRef<[u8]>> Frame208<T> {
    /// 208.0, sent as 0xFF − A.
    pub fn present_discharge_current_a(&self) -> u8 {
        decode_inverted_current(self.byte(0))
    }
    /// 208.1-2, 1 V/bit.
    pub fn available_input_voltage_v(&self) -> u16 {
        self.u16_le(1)
    }
    /// 208.3, sent as 0xFF − A.
    pub fn available_input_current_a(&self) -> u8 {
        decode_inverted_current(self.byte(3))
    }
    /// 208.6-7, 1 V/bit.
    pub fn lower_threshold_voltage_v(&self) -> u16 {
        self.u16_le(6)
    }
}

impl<T: AsRef<[u8]>> Frame209<T> {
    /// 209.0.
    pub fn sequence_control_number(&self) -> u8 {
        self.byte(0)
    }
    /// 209.1-2.
    pub fn remaining_discharge_time_min(&self) -> u16 {
        self.u16_le(1)
    }
}

/// How H'200.6/.7 are scaled. V2H guideline >= 1.0: percent of capacity;
/// before 1.0: an amount of energy (chademo-rs doc, Battery-Emulator TODO).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LevelUnit {
    /// 1 %/bit (bocarknt `min_soc`/`max_soc`; V2H guideline >= 1.0).
    Percent,
    /// 0.1 kWh/bit. chademo-rs only says "kWh"; we infer 0.1 kWh from the
    /// Leaf log (0x43 = 6.7 kWh and 0xB2 = 17.8 kWh of 22.2 kWh in H'101 are
    /// 30 % and 80 %; whole kWh would exceed the battery).
    Energy100Wh,
}

/// Converts a H'200.6/.7 level to percent of capacity; `None` for 0 ("not
/// used", chademo-rs doc) or when the capacity is unknown. Pre-1.0 energy
/// is converted as chademo-rs documents: kWh ÷ total kWh × 100, truncated.
pub fn level_percent(raw: u8, unit: LevelUnit, total_capacity_100wh: u16) -> Option<u8> {
    if raw == 0 {
        return None;
    }
    match unit {
        LevelUnit::Percent => Some(raw),
        LevelUnit::Energy100Wh if total_capacity_100wh == 0 => None,
        LevelUnit::Energy100Wh => {
            let pct = u32::from(raw) * 100 / u32::from(total_capacity_100wh);
            Some(pct.min(100) as u8)
        }
    }
}

/// H'200: the vehicle's discharge limits.
///
/// | byte | field | unit |
/// |---|---|---|
/// | 0 | maximum discharge current | 0xFF − A |
/// | 1-3 | reserved | |
/// | 4-5 | minimum discharge voltage | 1 V, LE |
/// | 6 | minimum battery discharge level | [`LevelUnit`] |
/// | 7 | maximum remaining capacity for charging | [`LevelUnit`] |
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DischargeLimits {
    /// Largest discharge current the vehicle permits; initial value 0.
    /// Sent as 0xFF − A by chademo-rs, osexpert (`MaxDischargeCurrentInverted`)
    /// and bocarknt; the Leaf log starts at 0xFF (= 0 A, the specified
    /// initial value). Disagreement: Battery-Emulator stores byte 0 raw
    /// (`MaximumDischargeCurrent = data[0]`, then power = raw × voltage)
    /// yet sends `0xFF − MaximumDischargeCurrent` in H'208.3, which only
    /// makes sense if byte 0 were a plain current; we follow the three
    /// implementations and the log that agree on the offset.
    pub max_discharge_current_a: u8,
    /// Lowest battery voltage at which the vehicle may discharge.
    pub min_discharge_voltage_v: u16,
    /// Level below which the charger must stop discharging (may still
    /// charge). Disagreement: chademo-rs decodes `255 − byte 6`;
    /// Battery-Emulator, osexpert and bocarknt read it plain. The Leaf log
    /// (0x43) reads as 30 % plain but 188 inverted, so we read it plain.
    pub min_discharge_level: u8,
    /// Level above which the charger must stop charging (may still
    /// discharge); 0 = not used. Plain in every implementation.
    pub max_charge_level: u8,
}

impl DischargeLimits {
    /// Validates a checked view (every 8-byte payload is representable).
    pub fn parse<T: AsRef<[u8]>>(frame: &Frame200<T>) -> Result<Self, ChademoError> {
        Ok(Self {
            max_discharge_current_a: frame.max_discharge_current_a(),
            min_discharge_voltage_v: frame.min_discharge_voltage_v(),
            min_discharge_level: frame.min_discharge_level(),
            max_charge_level: frame.max_charge_level(),
        })
    }

    /// Writes the eight data bytes (reserved bytes 0).
    pub fn emit(&self, out: &mut [u8; DATA_LEN]) {
        *out = [0; DATA_LEN];
        out[0] = encode_inverted_current(self.max_discharge_current_a);
        put_u16_le(out, 4, self.min_discharge_voltage_v);
        out[6] = self.min_discharge_level;
        out[7] = self.max_charge_level;
    }
}

/// H'201: the vehicle's discharge estimate (V2H guideline >= 1.1).
///
/// | byte | field | unit |
/// |---|---|---|
/// | 0 | charge/discharge sequence control number | |
/// | 1-2 | approximate discharge completion time | 1 min, LE (assumed) |
/// | 3-4 | available vehicle energy | 0.1 kWh, LE (assumed) |
/// | 5-7 | reserved | |
///
/// No open log contains H'201 (Battery-Emulator, osexpert). Layout from
/// Battery-Emulator, osexpert and bocarknt, which agree; none states units.
/// We assume minutes because Battery-Emulator copies this field into its
/// `remaining_discharge_time_1m`, and 0.1 kWh like H'101.5-6.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DischargeEstimate {
    /// 0 = V2H guideline 1.0 and earlier, 1 = 2.0 appendix A, 2 = 2.0
    /// appendix B (Battery-Emulator). osexpert calls it `ProtocolNumber`.
    pub sequence_control_number: u8,
    /// Approximate time to discharge completion.
    pub approx_discharge_completion_time_min: u16,
    /// Energy the vehicle can still deliver.
    pub available_vehicle_energy_100wh: u16,
}

impl DischargeEstimate {
    /// Validates a checked view (every 8-byte payload is representable).
    pub fn parse<T: AsRef<[u8]>>(frame: &Frame201<T>) -> Result<Self, ChademoError> {
        Ok(Self {
            sequence_control_number: frame.sequence_control_number(),
            approx_discharge_completion_time_min: frame.approx_discharge_completion_time_min(),
            available_vehicle_energy_100wh: frame.available_vehicle_energy_100wh(),
        })
    }

    /// Writes the eight data bytes (reserved bytes 0).
    pub fn emit(&self, out: &mut [u8; DATA_LEN]) {
        *out = [0; DATA_LEN];
        out[0] = self.sequence_control_number;
        put_u16_le(out, 1, self.approx_discharge_completion_time_min);
        put_u16_le(out, 3, self.available_vehicle_energy_100wh);
    }
}

/// H'208: what the charger can take in discharge.
///
/// | byte | field | unit |
/// |---|---|---|
/// | 0 | present discharge current | 0xFF − A |
/// | 1-2 | available input voltage | 1 V, LE |
/// | 3 | available input current | 0xFF − A |
/// | 4-5 | reserved | |
/// | 6-7 | lower threshold voltage | 1 V, LE |
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ChargerDischargeCapability {
    /// Measured discharge current (Battery-Emulator: `0xFF − measured`).
    pub present_discharge_current_a: u8,
    /// Disagreement: chademo-rs documents it as "the minimum voltage with
    /// which the EVSE can operate"; Battery-Emulator fills it with the
    /// vehicle's minimum discharge voltage; osexpert names it
    /// `MaxDischargeVoltage` and sends 500. The Leaf log's charger sends
    /// 500 V here, equal to its H'108 available output voltage and above the
    /// vehicle's 435 V maximum, so we treat it as the charger's input
    /// voltage rating (upper bound), as osexpert does.
    pub available_input_voltage_v: u16,
    /// Discharge current the charger can take now (all implementations
    /// send 0xFF − A; Leaf log 0xF0 = 15 A, matching H'108.3 = 15 A).
    pub available_input_current_a: u8,
    /// Voltage at which the charger stops discharging if the vehicle fails
    /// to stop at its minimum discharge voltage. Leaf log: 250 V, equal to
    /// H'200.4-5 (osexpert hard-codes 250; Battery-Emulator adds 2 %).
    pub lower_threshold_voltage_v: u16,
}

impl ChargerDischargeCapability {
    /// Validates a checked view (every 8-byte payload is representable).
    pub fn parse<T: AsRef<[u8]>>(frame: &Frame208<T>) -> Result<Self, ChademoError> {
        Ok(Self {
            present_discharge_current_a: frame.present_discharge_current_a(),
            available_input_voltage_v: frame.available_input_voltage_v(),
            available_input_current_a: frame.available_input_current_a(),
            lower_threshold_voltage_v: frame.lower_threshold_voltage_v(),
        })
    }

    /// Writes the eight data bytes (reserved bytes 0).
    pub fn emit(&self, out: &mut [u8; DATA_LEN]) {
        *out = [0; DATA_LEN];
        out[0] = encode_inverted_current(self.present_discharge_current_a);
        put_u16_le(out, 1, self.available_input_voltage_v);
        out[3] = encode_inverted_current(self.available_input_current_a);
        put_u16_le(out, 6, self.lower_threshold_voltage_v);
    }
}

/// H'209: the charger's discharge estimate.
///
/// | byte | field | unit |
/// |---|---|---|
/// | 0 | charge/discharge sequence control number | as H'201.0 |
/// | 1-2 | remaining discharge time | 1 min, LE |
/// | 3-7 | reserved | |
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ChargerDischargeEstimate {
    /// Echo of the agreed sequence number (bocarknt stops on a mismatch with
    /// H'201.0); the Leaf-log charger sends 2.
    pub sequence_control_number: u8,
    /// Minutes: bocarknt `remaining_min`, Battery-Emulator
    /// `remaining_discharge_time_1m`; osexpert sends 5 and asks "seconds?".
    /// 0 = unused (Battery-Emulator).
    pub remaining_discharge_time_min: u16,
}

impl ChargerDischargeEstimate {
    /// Validates a checked view (every 8-byte payload is representable).
    pub fn parse<T: AsRef<[u8]>>(frame: &Frame209<T>) -> Result<Self, ChademoError> {
        Ok(Self {
            sequence_control_number: frame.sequence_control_number(),
            remaining_discharge_time_min: frame.remaining_discharge_time_min(),
        })
    }

    /// Writes the eight data bytes (reserved bytes 0).
    pub fn emit(&self, out: &mut [u8; DATA_LEN]) {
        *out = [0; DATA_LEN];
        out[0] = self.sequence_control_number;
        put_u16_le(out, 1, self.remaining_discharge_time_min);
    }

    /// Remaining discharge time; `None` for 0 ("unused").
    pub fn remaining_discharge_time(&self) -> Option<Duration> {
        (self.remaining_discharge_time_min != 0)
            .then(|| Duration::from_secs(u64::from(self.remaining_discharge_time_min) * 60))
    }
}
