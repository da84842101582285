//! ISO 15765-2 (ISO-TP) transport over classic CAN with normal addressing,
//! as pure state machines: no I/O, no clocks (callers pass `now`), no panic
//! on any frame.
//!
//! A [`Sender`] segments one message into single / first / consecutive
//! frames and obeys the peer's flow control (block size, STmin, WAIT,
//! OVERFLOW); a [`Receiver`] reassembles and answers with flow control.
//! Timers are those of ISO 15765-2:2016 network layer timing: N_As/N_Ar (frame
//! handed to the data link layer), N_Bs (sender waits for a flow control),
//! N_Cr (receiver waits for a consecutive frame); all default to 1000 ms.
//! Sources: ISO 15765-2:2016; the Linux kernel `net/can/isotp.c`;
//! pylessard/python-can-isotp (docs and tests).

mod pdu;
mod receiver;
mod sender;

pub use pdu::{
    decode_st_min, encode_st_min, parse, FlowStatus, Pdu, PduError, CAN_DL, CF_DATA_LEN,
    FF_DATA_LEN, FF_DL_12BIT_MAX, FF_ESCAPE_DATA_LEN, SF_MAX_DL, ST_MIN_RESERVED,
};
pub use receiver::{Receiver, RxEvent};
pub use sender::{Sender, SenderStep};

use crate::protocol::can::timing::frame_bits_worst_case;
use crate::protocol::can::{CanFrame, CanId};
use std::time::Duration;
use thiserror::Error;

/// ISO 15765-2:2016 network layer timing: every N_x timeout value is 1000 ms.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_millis(1000);

/// One ISO-TP link: the ids both ways and this node's flow-control wishes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IsoTpConfig {
    /// Id our frames (data and flow control) go out on.
    pub tx_id: CanId,
    /// Id the peer's frames come in on.
    pub rx_id: CanId,
    /// Block size we ask the peer to use (0 = no further FC).
    pub block_size: u8,
    /// Separation time we ask the peer to keep between consecutive frames.
    pub st_min: Duration,
    /// Pad every frame to 8 bytes with this byte (e.g. 0xCC, 0xAA); `None`
    /// sends frames only as long as their content.
    pub padding: Option<u8>,
    /// N_As/N_Ar: longest time the bus may take to accept one frame.
    pub n_as: Duration,
    /// N_Bs: longest wait for a flow control (after FF, a block, or WAIT).
    pub n_bs: Duration,
    /// N_Cr: longest wait for the next consecutive frame.
    pub n_cr: Duration,
    /// N_WFTmax: consecutive WAIT frames accepted; one more aborts (0 = none).
    pub max_wait_frames: u16,
    /// Longest message we accept; a longer first frame gets FC OVERFLOW.
    pub max_receive_len: u32,
}

impl IsoTpConfig {
    /// Defaults: BS 0, STmin 0, no padding, 1000 ms timers, 10 WAITs, 1 MiB.
    pub fn new(tx_id: CanId, rx_id: CanId) -> Self {
        IsoTpConfig {
            tx_id,
            rx_id,
            block_size: 0,
            st_min: Duration::ZERO,
            padding: None,
            n_as: DEFAULT_TIMEOUT,
            n_bs: DEFAULT_TIMEOUT,
            n_cr: DEFAULT_TIMEOUT,
            max_wait_frames: 10,
            max_receive_len: 1 << 20,
        }
    }

    /// The same link seen from the peer (ids swapped).
    pub fn reversed(&self) -> Self {
        IsoTpConfig {
            tx_id: self.rx_id,
            rx_id: self.tx_id,
            ..self.clone()
        }
    }

    /// A frame on `tx_id` carrying `pci ++ data`, padded as configured.
    pub(crate) fn frame(&self, pci: &[u8], data: &[u8]) -> Result<CanFrame, IsoTpError> {
        let (bytes, len) = pdu::assemble(pci, data, self.padding);
        CanFrame::new(self.tx_id, bytes.get(..len).unwrap_or(&bytes))
            .map_err(|e| IsoTpError::Can(e.to_string()))
    }
}

/// Which ISO 15765-2 timer ran out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timer {
    /// N_As / N_Ar: the bus did not take a frame in time.
    NAs,
    /// N_Bs: no flow control in time.
    NBs,
    /// N_Cr: no consecutive frame in time.
    NCr,
}

impl std::fmt::Display for Timer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Timer::NAs => "N_As",
            Timer::NBs => "N_Bs",
            Timer::NCr => "N_Cr",
        })
    }
}

/// Errors of the ISO-TP layer (ISO 15765-2:2016 N_Result values
/// where one applies).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum IsoTpError {
    /// N_TIMEOUT_A / N_TIMEOUT_Bs / N_TIMEOUT_Cr.
    #[error("ISO-TP {timer} timeout after {after:?}")]
    Timeout { timer: Timer, after: Duration },
    /// No message started within the caller's wait.
    #[error("no ISO-TP message within {after:?}")]
    NoMessage { after: Duration },
    /// N_BUFFER_OVFLW: the peer answered our first frame with OVERFLOW.
    #[error("the receiver reported overflow (message too long for it)")]
    Overflow,
    /// N_WFT_OVRN: more WAIT flow controls than N_WFTmax.
    #[error("{waits} consecutive WAIT flow controls exceed N_WFTmax = {max}")]
    TooManyWaits { waits: u32, max: u16 },
    /// N_INVALID_FS.
    #[error("flow control with reserved flow status {0}")]
    InvalidFlowStatus(u8),
    /// N_WRONG_SN.
    #[error("consecutive frame with sequence number {got}, expected {expected}")]
    WrongSequenceNumber { expected: u8, got: u8 },
    /// N_UNEXP_PDU: a new SF/FF arrived while a message was being received.
    #[error("a new message started before the previous one completed")]
    Interrupted,
    /// A first frame announced more than `max_receive_len` (we sent OVERFLOW).
    #[error("incoming message of {len} bytes exceeds the {max}-byte limit")]
    IncomingTooLong { len: u32, max: u32 },
    /// A consecutive frame that cannot be complete (too short and not last).
    #[error("malformed ISO-TP frame: {0}")]
    Malformed(String),
    /// Messages are 1..=4 294 967 295 bytes (escape-form FF_DL is 32 bits).
    #[error("cannot send a message of {0} bytes")]
    BadLength(usize),
    /// `start` while a message is still being sent.
    #[error("a message is already being sent")]
    Busy,
    /// The CAN layer failed.
    #[error("CAN: {0}")]
    Can(String),
}

/// Payload bits per second ISO-TP carries at most at `bit_rate_bps` on
/// 8-byte classic frames with 11-bit ids, BS = 0 and STmin = 0: one
/// consecutive frame moves 7 payload bytes in `frame_bits_worst_case` = 135
/// bits (Davis et al. 2007, see `transport::can::timing`), so the rate is
/// `56 / 135 · bit_rate` (≈ 207 407 bit/s = 25 926 B/s at 500 kbit/s). The
/// first frame and the flow control are ignored (they vanish for long
/// messages). Divide by 8 for bytes per second.
pub fn max_payload_rate_bps(bit_rate_bps: u32) -> f64 {
    max_payload_rate_bps_for(CanId::Standard(0), bit_rate_bps)
}

/// As [`max_payload_rate_bps`] for the id format of `id` (29-bit ids take
/// 160 bits per frame: 56 / 160 · bit_rate).
pub fn max_payload_rate_bps_for(id: CanId, bit_rate_bps: u32) -> f64 {
    let cf = CanFrame::new(id, &[0x55; CAN_DL])
        .or_else(|_| CanFrame::new(CanId::Standard(0), &[0x55; CAN_DL]));
    let bits = cf.map(|f| frame_bits_worst_case(&f)).unwrap_or(135);
    (CF_DATA_LEN * 8) as f64 / f64::from(bits) * f64::from(bit_rate_bps)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payload_rate_at_500k() {
        let r = max_payload_rate_bps(500_000);
        assert!((r - 56.0 / 135.0 * 500_000.0).abs() < 1e-6);
        assert!((r / 8.0 - 25_925.9).abs() < 0.1);
        let e = max_payload_rate_bps_for(CanId::Extended(0x18DA_F110), 500_000);
        assert!((e - 56.0 / 160.0 * 500_000.0).abs() < 1e-6);
    }
}
