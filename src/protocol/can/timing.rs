//! How long a classic CAN frame occupies the bus.
//!
//! Worst-case frame length, after Davis, Burns, Bril, Lukkien, "Controller
//! Area Network (CAN) schedulability analysis: Refuted, revisited and
//! revised", Real-Time Systems 35(3), 2007, eq. (1):
//!
//! `C = (g + 8n + 13 + ⌊(g + 8n − 1) / 4⌋) · τ_bit`
//!
//! with `g` = 34 control bits subject to stuffing for 11-bit ids and 54 for
//! 29-bit ids, `n` data bytes, 13 = the bits not subject to stuffing (CRC
//! delimiter, ACK slot and delimiter, 7-bit EOF) plus the 3-bit interframe
//! space; ⌊(g + 8n − 1)/4⌋ is the worst-case number of stuff bits (one after
//! the first 5 equal bits, then one every 4). A standard 8-byte frame is thus
//! 47 + 64 + ⌊97/4⌋ = 135 bits and an extended one 67 + 64 + ⌊117/4⌋ = 160
//! bits (the same standard-frame sum, "64+47+[(34+64-1)/4]", is the one
//! quoted in Stack Overflow question 35227664 on CAN 2.0A stuff bits).

use super::{CanFrame, CanId};
use std::time::Duration;

/// Bits of a standard-format frame subject to stuffing, without data (Davis et al. g = 34).
const STUFFED_CONTROL_BITS_STANDARD: u32 = 34;
/// Same for the extended format (g = 54).
const STUFFED_CONTROL_BITS_EXTENDED: u32 = 54;
/// CRC delimiter + ACK slot + ACK delimiter + EOF (7) + interframe space (3).
const UNSTUFFED_TAIL_BITS: u32 = 13;

/// Bits the frame takes on the wire including worst-case bit stuffing and the
/// 3-bit interframe space. Remote frames carry no data field whatever their DLC.
pub fn frame_bits_worst_case(frame: &CanFrame) -> u32 {
    let g = match frame.id() {
        CanId::Standard(_) => STUFFED_CONTROL_BITS_STANDARD,
        CanId::Extended(_) => STUFFED_CONTROL_BITS_EXTENDED,
    };
    let data_bits = 8 * frame.data().len() as u32;
    let stuffed = g + data_bits;
    stuffed + UNSTUFFED_TAIL_BITS + (stuffed - 1) / 4
}

/// Wire time of the frame at `bit_rate_bps`, rounded up to the nanosecond.
/// A zero bit rate never transmits: `Duration::MAX`.
pub fn frame_time(frame: &CanFrame, bit_rate_bps: u32) -> Duration {
    if bit_rate_bps == 0 {
        return Duration::MAX;
    }
    let bits = u64::from(frame_bits_worst_case(frame));
    let rate = u64::from(bit_rate_bps);
    Duration::from_nanos((bits * 1_000_000_000).div_ceil(rate))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn std_frame(n: usize) -> CanFrame {
        CanFrame::new(CanId::Standard(0x123), &[0x55; 8][..n]).unwrap()
    }
    fn ext_frame(n: usize) -> CanFrame {
        CanFrame::new(CanId::Extended(0x1234_5678), &[0x55; 8][..n]).unwrap()
    }

    #[test]
    fn davis_burns_bril_figures() {
        // Davis et al. 2007 eq. (1): 135 bits for 8 bytes / 11-bit id, 160 for 29-bit.
        assert_eq!(frame_bits_worst_case(&std_frame(8)), 135);
        assert_eq!(frame_bits_worst_case(&ext_frame(8)), 160);
        // n = 0: 34 + 13 + ⌊33/4⌋ = 55; 54 + 13 + ⌊53/4⌋ = 80.
        assert_eq!(frame_bits_worst_case(&std_frame(0)), 55);
        assert_eq!(frame_bits_worst_case(&ext_frame(0)), 80);
        // Stuffing grows by 2 bits per byte: 47 + 8n + ⌊(33 + 8n)/4⌋.
        for n in 0..=8u32 {
            let expect = 47 + 8 * n + (33 + 8 * n) / 4;
            assert_eq!(frame_bits_worst_case(&std_frame(n as usize)), expect);
            let expect = 67 + 8 * n + (53 + 8 * n) / 4;
            assert_eq!(frame_bits_worst_case(&ext_frame(n as usize)), expect);
        }
    }

    #[test]
    fn remote_frames_have_no_data_field() {
        let r = CanFrame::remote(CanId::Standard(0x100), 8).unwrap();
        assert_eq!(frame_bits_worst_case(&r), 55);
    }

    #[test]
    fn times_at_common_rates() {
        // 135 bits at 500 kbit/s = 270 µs; at 1 Mbit/s = 135 µs; 160 bits at 250k = 640 µs.
        assert_eq!(
            frame_time(&std_frame(8), 500_000),
            Duration::from_micros(270)
        );
        assert_eq!(
            frame_time(&std_frame(8), 1_000_000),
            Duration::from_micros(135)
        );
        assert_eq!(
            frame_time(&ext_frame(8), 250_000),
            Duration::from_micros(640)
        );
        // 55 bits at 800 kbit/s = 68.75 µs exactly.
        assert_eq!(
            frame_time(&std_frame(0), 800_000),
            Duration::from_nanos(68_750)
        );
        // Rounds up: 135 bits at 83 333 bit/s = 1 620 006.48 ns.
        assert_eq!(
            frame_time(&std_frame(8), 83_333),
            Duration::from_nanos(1_620_007)
        );
        assert_eq!(frame_time(&std_frame(8), 0), Duration::MAX);
    }
}
