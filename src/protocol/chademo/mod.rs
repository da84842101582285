//! CHAdeMO 1.x/2.x CAN frames with the V2H (bidirectional) extension: pure
//! encode/decode, no I/O, no panic on any bytes.
//!
//! The bus runs at 500 kbit/s with standard 11-bit ids; each side sends its
//! frames every 100 ms with eight data bytes, multi-byte values
//! little-endian. Vehicle frames: H'100, H'101, H'102 (charging), H'200,
//! H'201 (discharge). Charger frames: H'108, H'109, H'208, H'209. The
//! specification (IEEE 2030.1.1 / CHAdeMO) is not public; layouts come from
//! open implementations, cited at each field with their disagreements:
//! rand12345/chademo-rs, dalathegreat/Battery-Emulator (CHADEMO-BATTERY),
//! furdog/chademo, osexpert/ccs32clara-chademo, jamiejones85/ESP32-Chademo
//! (from collin80's JLD505), damienmaguire/Chademo-Fast-Charge-Controller
//! (OpenInverter, J. Huebner) and bocarknt/CHAdeMO-2.0-Charge-V2G-Simulator.
//!
//! Each frame has a checked view (`Frame100` …) and a representation
//! (`VehicleLimits` …) with `parse`/`emit`; [`Message`] ties them to ids.

use std::time::Duration;

pub(crate) mod field;

mod charger;
mod discharge;
mod flags;
mod sequence;
pub mod session;
mod vehicle;

pub use charger::{ChargerCapability, ChargerStatus, Frame108, Frame109};
pub use discharge::{
    level_percent, ChargerDischargeCapability, ChargerDischargeEstimate, DischargeEstimate,
    DischargeLimits, Frame200, Frame201, Frame208, Frame209, LevelUnit,
};
pub use field::{decode_inverted_current, encode_inverted_current, DATA_LEN};
pub use flags::{ChargerFlags, VehicleFaults, VehicleFlags};
pub use sequence::{
    check_compatibility, Direction, Incompatibility, Observation, Phase, Sequence, StopCause,
    BATTERY_PRESENT_MIN_V, CONTACTORS_OPEN_MAX_V, CURRENT_STOPPED_MAX_A, INSULATION_TEST_END_MAX_V,
};
pub use vehicle::{
    Frame100, Frame101, Frame102, VehicleChargingTime, VehicleLimits, VehicleStatus,
};

/// CHAdeMO CAN bit rate (every implementation; bocarknt README "500 kbps").
pub const CAN_BIT_RATE: u32 = 500_000;

/// Frame cycle of both sides (OpenInverter "Must be called every 100ms",
/// osexpert `CHA_CYCLE_MS 100`, furdog `100ms delay between messages`).
pub const CYCLE: Duration = Duration::from_millis(100);

/// Allowed jitter of the cycle (osexpert: "CAN: 100ms +-10ms").
pub const CYCLE_TOLERANCE: Duration = Duration::from_millis(10);

/// How long the charger tolerates silence from the vehicle before it must
/// stop energy transfer and report a fault. The specification's value is
/// not in any open source we found; the open implementations use 1 s on
/// both sides: osexpert's charger stops when H'102 has not arrived for
/// `LAST_REQUEST_CURRENT_TIMEOUT_CYCLES = CHA_CYCLES_PER_SEC * 1`, and
/// jamiejones85's vehicle stops on `lastCommTimeout = 1000` ms without
/// H'108/H'109 ("allow up to 1 second of comm fault"). We take 1 s: ten
/// missed cycles.
pub const VEHICLE_SILENCE_TIMEOUT: Duration = Duration::from_secs(1);

/// Errors of CHAdeMO frame decoding.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChademoError {
    /// The id is none of the nine CHAdeMO frames handled here.
    #[error("CAN id {0:#05x} is not a CHAdeMO frame")]
    UnknownId(u16),
    /// A view was built for one frame with another frame's id.
    #[error("expected CHAdeMO frame {expected:#05x}, got id {got:#05x}")]
    WrongId {
        /// Id the view is for.
        expected: u16,
        /// Id received.
        got: u16,
    },
    /// CHAdeMO frames carry exactly eight data bytes.
    #[error("CHAdeMO frame {id:#05x} has {len} data bytes, expected 8")]
    Length {
        /// Frame id.
        id: u16,
        /// Bytes received.
        len: usize,
    },
}

/// H'102.0 / H'109.0 control protocol number (furdog enum, osexpert
/// `ProtocolNumber`, Battery-Emulator: 2 covers 1.0, 1.0.1, 1.1, 1.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ProtocolNumber {
    /// 0: before CHAdeMO 0.9.
    Pre0_9 = 0,
    /// 1: CHAdeMO 0.9 – 0.9.1.
    V0_9 = 1,
    /// 2: CHAdeMO 1.0.0 – 1.2 (adds 102.5.3 and 102.5.4).
    V1_0 = 2,
    /// 3: CHAdeMO 2.0 (osexpert, bocarknt send 3).
    V2_0 = 3,
}

impl ProtocolNumber {
    /// The known protocol for a wire value.
    pub fn from_u8(value: u8) -> Option<Self> {
        match value {
            0 => Some(Self::Pre0_9),
            1 => Some(Self::V0_9),
            2 => Some(Self::V1_0),
            3 => Some(Self::V2_0),
            _ => None,
        }
    }
}

/// Which side sends a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sender {
    /// H'100, H'101, H'102, H'200, H'201.
    Vehicle,
    /// H'108, H'109, H'208, H'209.
    Charger,
}

/// Any of the nine frames.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Message {
    /// H'100.
    VehicleLimits(VehicleLimits),
    /// H'101.
    VehicleChargingTime(VehicleChargingTime),
    /// H'102.
    VehicleStatus(VehicleStatus),
    /// H'200.
    DischargeLimits(DischargeLimits),
    /// H'201.
    DischargeEstimate(DischargeEstimate),
    /// H'108.
    ChargerCapability(ChargerCapability),
    /// H'109.
    ChargerStatus(ChargerStatus),
    /// H'208.
    ChargerDischargeCapability(ChargerDischargeCapability),
    /// H'209.
    ChargerDischargeEstimate(ChargerDischargeEstimate),
}

impl Message {
    /// All ids handled, vehicle frames first.
    pub const IDS: [u16; 9] = [
        0x100, 0x101, 0x102, 0x200, 0x201, 0x108, 0x109, 0x208, 0x209,
    ];

    /// Decodes the data of a received frame.
    pub fn decode(id: u16, data: &[u8]) -> Result<Message, ChademoError> {
        Ok(match id {
            0x100 => {
                Message::VehicleLimits(VehicleLimits::parse(&Frame100::new_checked(id, data)?)?)
            }
            0x101 => Message::VehicleChargingTime(VehicleChargingTime::parse(
                &Frame101::new_checked(id, data)?,
            )?),
            0x102 => {
                Message::VehicleStatus(VehicleStatus::parse(&Frame102::new_checked(id, data)?)?)
            }
            0x200 => {
                Message::DischargeLimits(DischargeLimits::parse(&Frame200::new_checked(id, data)?)?)
            }
            0x201 => Message::DischargeEstimate(DischargeEstimate::parse(&Frame201::new_checked(
                id, data,
            )?)?),
            0x108 => Message::ChargerCapability(ChargerCapability::parse(&Frame108::new_checked(
                id, data,
            )?)?),
            0x109 => {
                Message::ChargerStatus(ChargerStatus::parse(&Frame109::new_checked(id, data)?)?)
            }
            0x208 => Message::ChargerDischargeCapability(ChargerDischargeCapability::parse(
                &Frame208::new_checked(id, data)?,
            )?),
            0x209 => Message::ChargerDischargeEstimate(ChargerDischargeEstimate::parse(
                &Frame209::new_checked(id, data)?,
            )?),
            other => return Err(ChademoError::UnknownId(other)),
        })
    }

    /// The id and eight data bytes to send.
    pub fn encode(&self) -> (u16, [u8; DATA_LEN]) {
        let mut out = [0u8; DATA_LEN];
        match self {
            Message::VehicleLimits(r) => r.emit(&mut out),
            Message::VehicleChargingTime(r) => r.emit(&mut out),
            Message::VehicleStatus(r) => r.emit(&mut out),
            Message::DischargeLimits(r) => r.emit(&mut out),
            Message::DischargeEstimate(r) => r.emit(&mut out),
            Message::ChargerCapability(r) => r.emit(&mut out),
            Message::ChargerStatus(r) => r.emit(&mut out),
            Message::ChargerDischargeCapability(r) => r.emit(&mut out),
            Message::ChargerDischargeEstimate(r) => r.emit(&mut out),
        }
        (self.id(), out)
    }

    /// The frame's CAN id.
    pub fn id(&self) -> u16 {
        match self {
            Message::VehicleLimits(_) => 0x100,
            Message::VehicleChargingTime(_) => 0x101,
            Message::VehicleStatus(_) => 0x102,
            Message::DischargeLimits(_) => 0x200,
            Message::DischargeEstimate(_) => 0x201,
            Message::ChargerCapability(_) => 0x108,
            Message::ChargerStatus(_) => 0x109,
            Message::ChargerDischargeCapability(_) => 0x208,
            Message::ChargerDischargeEstimate(_) => 0x209,
        }
    }

    /// Which side sends this frame.
    pub fn sender(&self) -> Sender {
        if matches!(self.id(), 0x108 | 0x109 | 0x208 | 0x209) {
            Sender::Charger
        } else {
            Sender::Vehicle
        }
    }
}
