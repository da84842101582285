//! Small helpers over the `iso15118` crate's ISO 15118-20 types, shared by
//! the CCS vehicle (`device::ccs_ev`) and the emulated SECC
//! (`emulator::ccs_secc`): physical values as `RationalNumber`s, headers.

use iso15118::iso20::common::{MessageHeader, RationalNumber};

/// The DC_BPT energy transfer service (ISO 15118-20 Table 204: id 6).
pub const DC_BPT_SERVICE: u16 = 6;

/// `value × 10^exponent` as an `f64`.
pub fn to_f64(r: &RationalNumber) -> f64 {
    f64::from(r.value) * 10f64.powi(i32::from(r.exponent))
}

/// The closest `RationalNumber` with two decimals where it fits, fewer
/// (or a positive exponent) where it does not; non-finite values are 0.
pub fn rational(x: f64) -> RationalNumber {
    if !x.is_finite() {
        return RationalNumber {
            exponent: 0,
            value: 0,
        };
    }
    for exponent in -2i8..=6 {
        let scaled = (x / 10f64.powi(i32::from(exponent))).round();
        if scaled.abs() <= f64::from(i16::MAX) {
            return RationalNumber {
                exponent,
                value: scaled as i16,
            };
        }
    }
    RationalNumber {
        exponent: 6,
        value: if x < 0.0 { i16::MIN + 1 } else { i16::MAX },
    }
}

/// A header with no session id (the engines stamp the real one in).
pub fn header(unix_s: u64) -> MessageHeader {
    MessageHeader {
        session_id: Vec::new(),
        time_stamp: unix_s,
        signature: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rationals_round_trip_within_their_resolution() {
        for x in [0.0, 1.5, -40.0, 365.27, 11_500.0, -7_000.0, 62_000.0, 1e9] {
            let r = rational(x);
            let back = to_f64(&r);
            let tol = 10f64.powi(i32::from(r.exponent)) / 2.0 + 1e-9;
            assert!((back - x).abs() <= tol.max(x.abs() * 1e-3), "{x} -> {r:?}");
        }
    }
}
