//! SunSpec information models over Modbus (SunSpec Modbus Specification,
//! SunSpec Information Model Specification; model layouts from the official
//! definitions at github.com/sunspec/models, `json/model_<id>.json`).
//!
//! A SunSpec map starts with the marker 'SunS' (0x5375 0x6E53) at base 0,
//! 40000 or 50000, followed by models, each `ID`, `L` (registers after L) and
//! its points, ending with the end model `0xFFFF`, `L = 0`.

pub mod curve;
pub mod defs;
pub mod meter;
pub mod point;

pub use point::{Point, PointType};

/// 'SunS' as two registers.
pub const SUNS_MARKER: [u16; 2] = [0x5375, 0x6E53];
/// Base addresses probed in discovery, in order (SunSpec Modbus Spec §4.1).
pub const BASE_ADDRESSES: [u16; 3] = [0, 40000, 50000];
/// The end model's ID; its L is 0.
pub const END_MODEL_ID: u16 = 0xFFFF;

/// The models a DER (the charger) carries, in map order.
pub const DER_MODEL_IDS: [u16; 9] = [1, 701, 702, 703, 704, 707, 708, 709, 710];

/// Not-implemented register values (SunSpec Information Model Spec, and
/// pysunspec2 `mb.py` `SUNS_UNIMPL_*`).
pub mod ni {
    pub const UINT16: u16 = 0xFFFF;
    pub const INT16: u16 = 0x8000;
    pub const ENUM16: u16 = 0xFFFF;
    pub const BITFIELD16: u16 = 0xFFFF;
    pub const SUNSSF: u16 = 0x8000;
    pub const UINT32: u32 = 0xFFFF_FFFF;
    pub const INT32: u32 = 0x8000_0000;
    pub const BITFIELD32: u32 = 0xFFFF_FFFF;
    pub const UINT64: u64 = u64::MAX;
    /// An accumulator that is not accumulating (pysunspec2 `SUNS_UNIMPL_ACC32`).
    pub const ACC32: u32 = 0;
    pub const PAD: u16 = 0x8000;
}

/// `raw · 10^sf`.
pub fn scaled(raw: f64, sf: i16) -> f64 {
    raw * 10f64.powi(i32::from(sf))
}

/// The integer that represents `value` at scale factor `sf`, rounded to the
/// nearest step; `None` if it is not finite.
pub fn unscaled(value: f64, sf: i16) -> Option<i64> {
    let raw = (value / 10f64.powi(i32::from(sf))).round();
    if raw.is_finite() && raw.abs() < 9.0e18 {
        Some(raw as i64)
    } else {
        None
    }
}

/// Packs `s` into `regs` registers, two bytes per register, NUL padded
/// (SunSpec `string`); longer strings are cut.
pub fn encode_string(s: &str, regs: usize) -> Vec<u16> {
    let mut bytes: Vec<u8> = s.bytes().take(regs * 2).collect();
    bytes.resize(regs * 2, 0);
    bytes
        .chunks_exact(2)
        .map(|c| u16::from_be_bytes([c[0], c[1]]))
        .collect()
}

/// Unpacks a SunSpec string up to its first NUL; invalid UTF-8 is replaced.
pub fn decode_string(regs: &[u16]) -> String {
    let bytes: Vec<u8> = regs.iter().flat_map(|r| r.to_be_bytes()).collect();
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    String::from_utf8_lossy(bytes.get(..end).unwrap_or(&[]))
        .trim_end()
        .to_string()
}

/// Two registers, high word first (SunSpec 32-bit types).
pub fn u32_regs(v: u32) -> [u16; 2] {
    [(v >> 16) as u16, v as u16]
}

pub fn regs_u32(regs: &[u16]) -> Option<u32> {
    match regs {
        [h, l, ..] => Some((u32::from(*h) << 16) | u32::from(*l)),
        _ => None,
    }
}

/// A sunssf register as a scale factor; `None` when not implemented.
pub fn sunssf(reg: u16) -> Option<i16> {
    (reg != ni::SUNSSF).then_some(reg as i16)
}

#[cfg(test)]
mod tests;
