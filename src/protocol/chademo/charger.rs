//! Charger → vehicle charging frames H'108 and H'109.
//!
//! Layouts agree across rand12345/chademo-rs `X108`/`X109`, Battery-Emulator
//! `update_evse_capabilities`/`update_evse_status`, furdog/chademo
//! `_chademo_se_vcan_tx_pack_frames`, osexpert `msg108`/`msg109`,
//! jamiejones85 `handleCANFrame` and OpenInverter `Process108/109Message`.

use std::time::Duration;

use super::field::{frame_view, put_u16_le, DATA_LEN};
use super::flags::ChargerFlags;
use super::ChademoError;

frame_view!(
    /// H'108 charger capability.
    Frame108,
    0x108
);
frame_view!(
    /// H'109 charger status.
    Frame109,
    0x109
);

impl<T: AsRef<[u8]>> Frame108<T> {
    /// 108.0.
    pub fn welding_detection(&self) -> u8 {
        self.byte(0)
    }
    /// 108.1-2, 1 V/bit.
    pub fn available_output_voltage_v(&self) -> u16 {
        self.u16_le(1)
    }
    /// 108.3, 1 A/bit.
    pub fn available_output_current_a(&self) -> u8 {
        self.byte(3)
    }
    /// 108.4-5, 1 V/bit.
    pub fn threshold_voltage_v(&self) -> u16 {
        self.u16_le(4)
    }
}

impl<T: AsRef<[u8]>> Frame109<T> {
    /// 109.0.
    pub fn protocol_number(&self) -> u8 {
        self.byte(0)
    }
    /// 109.1-2, 1 V/bit.
    pub fn present_output_voltage_v(&self) -> u16 {
        self.u16_le(1)
    }
    /// 109.3, 1 A/bit.
    pub fn present_output_current_a(&self) -> u8 {
        self.byte(3)
    }
    /// 109.4.0.
    pub fn discharge_compatible(&self) -> bool {
        self.byte(4) & 0x01 != 0
    }
    /// 109.5.
    pub fn flags(&self) -> ChargerFlags {
        ChargerFlags::from_bits(self.byte(5))
    }
    /// 109.6, 10 s/bit, 0xFF = use 109.7.
    pub fn remaining_charging_time_10s(&self) -> u8 {
        self.byte(6)
    }
    /// 109.7, 1 min/bit.
    pub fn remaining_charging_time_min(&self) -> u8 {
        self.byte(7)
    }
}

/// H'108: what the charger can deliver.
///
/// | byte | field | unit |
/// |---|---|---|
/// | 0 | welding detection identifier | 0 = none, 1 = supported |
/// | 1-2 | available output voltage | 1 V, LE |
/// | 3 | available output current | 1 A |
/// | 4-5 | threshold voltage | 1 V, LE |
/// | 6-7 | reserved | |
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ChargerCapability {
    /// Identifier of the output circuit's support for EV contactor welding
    /// detection (chademo-rs keeps it as a `u8` identifier; furdog, Battery-
    /// Emulator and osexpert treat it as a bool). Kept as the raw byte so a
    /// non-0/1 identifier round-trips; see [`Self::supports_welding_detection`].
    pub welding_detection: u8,
    /// Maximum output voltage; set once. A target above it is "battery
    /// incompatible" (109.5.3).
    pub available_output_voltage_v: u16,
    /// Current the charger can output now; the target current is the
    /// smaller of this and the vehicle's request.
    pub available_output_current_a: u8,
    /// Voltage at which the charger stops to protect the battery: the lower
    /// of H'100.4-5 and the available output voltage (chademo-rs doc,
    /// osexpert `min(...)`; Battery-Emulator subtracts a further 2 %).
    pub threshold_voltage_v: u16,
}

impl ChargerCapability {
    /// Validates a checked view (every 8-byte payload is representable).
    pub fn parse<T: AsRef<[u8]>>(frame: &Frame108<T>) -> Result<Self, ChademoError> {
        Ok(Self {
            welding_detection: frame.welding_detection(),
            available_output_voltage_v: frame.available_output_voltage_v(),
            available_output_current_a: frame.available_output_current_a(),
            threshold_voltage_v: frame.threshold_voltage_v(),
        })
    }

    /// Writes the eight data bytes (reserved bytes 0).
    pub fn emit(&self, out: &mut [u8; DATA_LEN]) {
        *out = [0; DATA_LEN];
        out[0] = self.welding_detection;
        put_u16_le(out, 1, self.available_output_voltage_v);
        out[3] = self.available_output_current_a;
        put_u16_le(out, 4, self.threshold_voltage_v);
    }

    /// Whether the charger supports EV welding detection.
    pub fn supports_welding_detection(&self) -> bool {
        self.welding_detection != 0
    }
}

/// H'109: the charger's live output and status.
///
/// | byte | field | unit |
/// |---|---|---|
/// | 0 | control protocol number | as H'102.0 |
/// | 1-2 | present output voltage | 1 V, LE |
/// | 3 | present output current | 1 A |
/// | 4 | bit 0: discharge compatible; bits 1-7 reserved | |
/// | 5 | status ([`ChargerFlags`]) | bits |
/// | 6 | remaining charging time | 10 s; 0xFF = use byte 7 |
/// | 7 | remaining charging time | 1 min |
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ChargerStatus {
    /// Protocol number, see [`super::ProtocolNumber`].
    pub protocol_number: u8,
    /// Measured output voltage.
    pub present_output_voltage_v: u16,
    /// Measured output current (charging direction).
    pub present_output_current_a: u8,
    /// 109.4.0: the charger supports discharge (V2H). Battery-Emulator and
    /// chademo-rs write the whole byte as 0/1; chademo-rs decodes `== 1`
    /// while bocarknt and osexpert read bit 0. We read and write bit 0,
    /// which is the same for every value the others send.
    pub discharge_compatible: bool,
    /// H'109.5.
    pub flags: ChargerFlags,
    /// 10 s/bit; 0xFF = given in minutes (jamiejones85: `data[6] < 0xFF`
    /// picks seconds; osexpert sends 10 s units below 60 s, else 0xFF).
    pub remaining_charging_time_10s: u8,
    /// 1 min/bit, used when the 10 s byte is 0xFF.
    pub remaining_charging_time_min: u8,
}

impl ChargerStatus {
    /// Validates a checked view (every 8-byte payload is representable;
    /// undefined bits of byte 5 are kept, of byte 4 dropped).
    pub fn parse<T: AsRef<[u8]>>(frame: &Frame109<T>) -> Result<Self, ChademoError> {
        Ok(Self {
            protocol_number: frame.protocol_number(),
            present_output_voltage_v: frame.present_output_voltage_v(),
            present_output_current_a: frame.present_output_current_a(),
            discharge_compatible: frame.discharge_compatible(),
            flags: frame.flags(),
            remaining_charging_time_10s: frame.remaining_charging_time_10s(),
            remaining_charging_time_min: frame.remaining_charging_time_min(),
        })
    }

    /// Writes the eight data bytes.
    pub fn emit(&self, out: &mut [u8; DATA_LEN]) {
        *out = [0; DATA_LEN];
        out[0] = self.protocol_number;
        put_u16_le(out, 1, self.present_output_voltage_v);
        out[3] = self.present_output_current_a;
        out[4] = u8::from(self.discharge_compatible);
        out[5] = self.flags.bits();
        out[6] = self.remaining_charging_time_10s;
        out[7] = self.remaining_charging_time_min;
    }

    /// Remaining charging time; `None` when both bytes are 0xFF (the
    /// initial "not computed" value in the Leaf log, furdog and
    /// Battery-Emulator).
    pub fn remaining_charging_time(&self) -> Option<Duration> {
        match (
            self.remaining_charging_time_10s,
            self.remaining_charging_time_min,
        ) {
            (0xFF, 0xFF) => None,
            (0xFF, min) => Some(Duration::from_secs(u64::from(min) * 60)),
            (s10, _) => Some(Duration::from_secs(u64::from(s10) * 10)),
        }
    }

    /// Sets the remaining time as osexpert does: 10 s units below one
    /// minute, whole minutes (saturating at 254 min) above.
    pub fn set_remaining_charging_time(&mut self, time: Duration) {
        let s = time.as_secs();
        if s < 60 {
            self.remaining_charging_time_10s = (s / 10) as u8;
            self.remaining_charging_time_min = 0;
        } else {
            self.remaining_charging_time_10s = 0xFF;
            self.remaining_charging_time_min = (s / 60).min(254) as u8;
        }
    }
}
