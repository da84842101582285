//! ISO 14229-1 (UDS) messages a flashing session needs, both directions:
//! a client encodes [`Request`]s and decodes [`Response`]s, a server decodes
//! requests and encodes responses. Pure byte encode/decode, no I/O, no
//! panic on any input.
//!
//! Sources: ISO 14229-1:2013 (service and NRC tables, cited per item);
//! ISO 14229-2:2013 session timing (P2/P2* resolutions); the byte examples in
//! pylessard/python-udsoncan `test/client/*`.

mod memory;
mod nrc;
mod request;
mod response;

pub use memory::MemoryLocation;
pub use nrc::Nrc;
pub use request::Request;
pub use response::{Positive, Response, SessionTiming};

use thiserror::Error;

/// Service identifiers (ISO 14229-1:2013).
pub mod sid {
    pub const DIAGNOSTIC_SESSION_CONTROL: u8 = 0x10;
    pub const ECU_RESET: u8 = 0x11;
    pub const READ_DATA_BY_IDENTIFIER: u8 = 0x22;
    pub const SECURITY_ACCESS: u8 = 0x27;
    pub const ROUTINE_CONTROL: u8 = 0x31;
    pub const REQUEST_DOWNLOAD: u8 = 0x34;
    pub const TRANSFER_DATA: u8 = 0x36;
    pub const REQUEST_TRANSFER_EXIT: u8 = 0x37;
    pub const TESTER_PRESENT: u8 = 0x3E;
    /// First byte of a negative response.
    pub const NEGATIVE_RESPONSE: u8 = 0x7F;
    /// A positive response's SID is the request's plus 0x40.
    pub const POSITIVE_OFFSET: u8 = 0x40;
}

/// Diagnostic session types (ISO 14229-1:2013 §9.2).
pub mod session {
    pub const DEFAULT: u8 = 0x01;
    pub const PROGRAMMING: u8 = 0x02;
    pub const EXTENDED: u8 = 0x03;
}

/// ECU reset types (ISO 14229-1:2013 §9.3).
pub mod reset {
    pub const HARD: u8 = 0x01;
    pub const KEY_OFF_ON: u8 = 0x02;
    pub const SOFT: u8 = 0x03;
    /// The response carries powerDownTime for this one.
    pub const ENABLE_RAPID_POWER_SHUTDOWN: u8 = 0x04;
}

/// Routine control types and the flashing routine ids (ISO 14229-1:2013
/// §13.2; Annex F reserves 0xFF00 eraseMemory and 0xFF01
/// checkProgrammingDependencies).
pub mod routine {
    pub const START: u8 = 0x01;
    pub const STOP: u8 = 0x02;
    pub const REQUEST_RESULTS: u8 = 0x03;
    pub const ERASE_MEMORY: u16 = 0xFF00;
    pub const CHECK_PROGRAMMING_DEPENDENCIES: u16 = 0xFF01;
}

/// Data identifiers (ISO 14229-1:2013 Annex C).
pub mod did {
    /// vehicleManufacturerECUSoftwareVersionNumberDataIdentifier.
    pub const SOFTWARE_VERSION: u16 = 0xF189;
    /// ECUSerialNumberDataIdentifier.
    pub const SERIAL_NUMBER: u16 = 0xF18C;
}

/// suppressPosRspMsgIndicationBit: bit 7 of the sub-function byte
/// (ISO 14229-1:2013).
pub const SUPPRESS_POSITIVE_RESPONSE: u8 = 0x80;

/// Why bytes are not a valid UDS message. A server answers each with the
/// NRC of [`UdsCodecError::nrc`].
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum UdsCodecError {
    #[error("empty UDS message")]
    Empty,
    #[error("service 0x{0:02X} is not supported")]
    UnknownService(u8),
    #[error("service 0x{service:02X}: wrong length: {detail}")]
    Length { service: u8, detail: String },
    #[error("service 0x{service:02X}: sub-function 0x{sub:02X} not supported")]
    SubFunction { service: u8, sub: u8 },
    #[error("service 0x{service:02X}: {detail}")]
    OutOfRange { service: u8, detail: String },
}

impl UdsCodecError {
    /// The NRC a server sends for this error (ISO 14229-1:2013 Annex A.1): 0x11, 0x13, 0x12 or 0x31.
    pub fn nrc(&self) -> Nrc {
        match self {
            UdsCodecError::Empty | UdsCodecError::Length { .. } => Nrc::IncorrectMessageLength,
            UdsCodecError::UnknownService(_) => Nrc::ServiceNotSupported,
            UdsCodecError::SubFunction { .. } => Nrc::SubFunctionNotSupported,
            UdsCodecError::OutOfRange { .. } => Nrc::RequestOutOfRange,
        }
    }
}

pub(crate) fn length(service: u8, detail: impl Into<String>) -> UdsCodecError {
    UdsCodecError::Length {
        service,
        detail: detail.into(),
    }
}

/// Big-endian u16 at `i`.
pub(crate) fn be16(b: &[u8], i: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*b.get(i)?, *b.get(i + 1)?]))
}

/// Big-endian unsigned of 1..=8 bytes.
pub(crate) fn be_uint(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b))
}

/// The low `n` bytes of `v`, big-endian.
pub(crate) fn put_be(out: &mut Vec<u8>, v: u64, n: usize) {
    for i in (0..n.min(8)).rev() {
        out.push((v >> (8 * i)) as u8);
    }
}

/// Bytes needed for `v` (at least one).
pub(crate) fn min_len(v: u64) -> usize {
    (8 - (v.leading_zeros() as usize) / 8).max(1)
}
