//! ISO 15765-2 network protocol data units for classic CAN (8-byte frames)
//! with normal addressing: the protocol control information (PCI) in the
//! first data bytes, ISO 15765-2:2016 §9.6 (N_PCI).
//!
//! | PCI byte 0 | frame | rest |
//! |---|---|---|
//! | `0x0L` | single frame, SF_DL = L (1..=7) | L data bytes |
//! | `0x1H LL` | first frame, FF_DL = 0xHLL (8..=4095) | 6 data bytes |
//! | `0x10 00 LL LL LL LL` | first frame, escape form (FF_DL > 4095, §9.6.3.1) | 2 data bytes |
//! | `0x2N` | consecutive frame, SN = N | up to 7 data bytes |
//! | `0x3S BS ST` | flow control, FS = S (0 CTS, 1 WAIT, 2 OVFLW) | — |

use std::time::Duration;

/// Data bytes of a classic CAN frame (ISO 11898-1).
pub const CAN_DL: usize = 8;
/// Largest single-frame payload with normal addressing on classic CAN.
pub const SF_MAX_DL: usize = 7;
/// Data bytes carried by a first frame in the 12-bit length form.
pub const FF_DATA_LEN: usize = 6;
/// Data bytes carried by a first frame in the escape (32-bit length) form.
pub const FF_ESCAPE_DATA_LEN: usize = 2;
/// Data bytes carried by a full consecutive frame.
pub const CF_DATA_LEN: usize = 7;
/// Largest FF_DL of the 12-bit form; longer messages use the escape form.
pub const FF_DL_12BIT_MAX: usize = 4095;

/// Flow status of a flow-control frame (ISO 15765-2:2016 §9.6.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlowStatus {
    /// ContinueToSend.
    ClearToSend,
    /// Wait: the receiver needs time; a new FC follows.
    Wait,
    /// Overflow: the message is longer than the receiver can buffer.
    Overflow,
    /// 3..=15: reserved; the sender aborts (§9.6.5).
    Reserved(u8),
}

impl FlowStatus {
    pub fn from_nibble(n: u8) -> Self {
        match n & 0x0F {
            0 => FlowStatus::ClearToSend,
            1 => FlowStatus::Wait,
            2 => FlowStatus::Overflow,
            other => FlowStatus::Reserved(other),
        }
    }

    pub fn nibble(self) -> u8 {
        match self {
            FlowStatus::ClearToSend => 0,
            FlowStatus::Wait => 1,
            FlowStatus::Overflow => 2,
            FlowStatus::Reserved(n) => n & 0x0F,
        }
    }
}

/// One decoded N_PDU, borrowing its data from the CAN frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pdu<'a> {
    Single {
        data: &'a [u8],
    },
    First {
        /// FF_DL: the length of the whole message.
        len: u32,
        data: &'a [u8],
    },
    Consecutive {
        /// Sequence number, 0..=15.
        sn: u8,
        /// Everything after the PCI byte (may include padding).
        data: &'a [u8],
    },
    FlowControl {
        status: FlowStatus,
        block_size: u8,
        /// Raw STmin byte; decode with [`decode_st_min`].
        st_min: u8,
    },
}

/// Why a frame is not a valid N_PDU. The receiver ignores such frames
/// (ISO 15765-2:2016 §9.6.2 SF_DL = 0 or too long, §9.6.3 FF_DL below
/// the minimum; unknown N_PCI types are ignored too).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PduError {
    Empty,
    /// Type nibble 4..=15 (reserved N_PCItype).
    UnknownType(u8),
    /// SF_DL of 0 (CAN FD escape, not for classic CAN) or above 7, or more
    /// than the frame carries.
    BadSingleLength,
    /// A first frame must fill the CAN frame (§9.6.3) and announce more
    /// than a single frame can carry.
    BadFirstFrame,
    /// A flow control needs its three PCI bytes.
    ShortFlowControl,
}

/// Parses the data bytes of a frame addressed to us.
pub fn parse(data: &[u8]) -> Result<Pdu<'_>, PduError> {
    let (&b0, rest) = data.split_first().ok_or(PduError::Empty)?;
    match b0 >> 4 {
        0 => {
            let len = usize::from(b0 & 0x0F);
            if len == 0 || len > SF_MAX_DL {
                return Err(PduError::BadSingleLength);
            }
            let data = rest.get(..len).ok_or(PduError::BadSingleLength)?;
            Ok(Pdu::Single { data })
        }
        1 => {
            if data.len() < CAN_DL {
                return Err(PduError::BadFirstFrame);
            }
            let short = (u32::from(b0 & 0x0F) << 8) | u32::from(*rest.first().unwrap_or(&0));
            let (len, payload) = if short == 0 {
                // Escape form: FF_DL = 0, then a 32-bit big-endian length (§9.6.3).
                let b: [u8; 4] = rest
                    .get(1..5)
                    .and_then(|b| b.try_into().ok())
                    .ok_or(PduError::BadFirstFrame)?;
                let len = u32::from_be_bytes(b);
                (len, rest.get(5..).unwrap_or(&[]))
            } else {
                (short, rest.get(1..).unwrap_or(&[]))
            };
            if (len as usize) <= SF_MAX_DL {
                return Err(PduError::BadFirstFrame);
            }
            Ok(Pdu::First { len, data: payload })
        }
        2 => Ok(Pdu::Consecutive {
            sn: b0 & 0x0F,
            data: rest,
        }),
        3 => match rest {
            [bs, st, ..] => Ok(Pdu::FlowControl {
                status: FlowStatus::from_nibble(b0),
                block_size: *bs,
                st_min: *st,
            }),
            _ => Err(PduError::ShortFlowControl),
        },
        other => Err(PduError::UnknownType(other)),
    }
}

/// The longest separation time ISO 15765-2 allows, used in place of a
/// reserved STmin code (§9.6.5.4: "the sending network entity shall use the
/// longest STmin value specified by this part of ISO 15765 (7F16 → 127 ms)").
pub const ST_MIN_RESERVED: Duration = Duration::from_millis(127);

/// STmin byte → separation time (ISO 15765-2:2016 §9.6.5.4):
/// 0x00–0x7F = 0–127 ms, 0xF1–0xF9 = 100–900 µs, everything else reserved.
pub fn decode_st_min(raw: u8) -> Duration {
    match raw {
        0x00..=0x7F => Duration::from_millis(u64::from(raw)),
        0xF1..=0xF9 => Duration::from_micros(100 * u64::from(raw - 0xF0)),
        _ => ST_MIN_RESERVED,
    }
}

/// Separation time → STmin byte, rounding up to the next code so the peer
/// never sends faster than asked: 1..=100 µs → 0xF1, 150 µs → 0xF2,
/// 950 µs → 1 ms, and anything above 127 ms saturates at 0x7F.
pub fn encode_st_min(st_min: Duration) -> u8 {
    let us = st_min.as_micros();
    if us == 0 {
        0
    } else if us < 1000 {
        let hundreds = us.div_ceil(100);
        if hundreds >= 10 {
            1
        } else {
            0xF0 + hundreds as u8
        }
    } else {
        us.div_ceil(1000).min(0x7F) as u8
    }
}

/// Builds one frame's data: `pci ++ data`, padded to 8 bytes with `padding`
/// when given (ISO 15765-2:2016 CAN frame data padding), else as
/// short as the content (CAN_DL optimisation).
pub(crate) fn assemble(pci: &[u8], data: &[u8], padding: Option<u8>) -> ([u8; CAN_DL], usize) {
    let mut out = [padding.unwrap_or(0); CAN_DL];
    let mut n = 0;
    for (slot, b) in out.iter_mut().zip(pci.iter().chain(data.iter())) {
        *slot = *b;
        n += 1;
    }
    let len = if padding.is_some() { CAN_DL } else { n };
    (out, len)
}
