//! Modbus RTU ADU (Serial Line V1.02 §2.5.1): unit id, PDU, CRC-16 low byte
//! first; at most 256 bytes. [`RtuSplitter`] finds whole frames in a byte
//! stream by function code and length, as RTU slaves do, and drops bytes to
//! resynchronise after a CRC error.

use super::crc::{crc16, Crc16};
use super::pdu::{request_len, response_len, PduLen};
use thiserror::Error;

/// §2.5.1.1: an RTU frame is at most 256 bytes.
pub const MAX_ADU_LEN: usize = 256;
/// Unit id 0 is the broadcast address (§2.2): writes only, never answered.
pub const BROADCAST: u8 = 0;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RtuError {
    #[error("RTU frame of {0} bytes is too short")]
    TooShort(usize),
    #[error("RTU frame of {0} bytes exceeds 256")]
    TooLong(usize),
    #[error("CRC mismatch: frame says {received:04X}, computed {computed:04X}")]
    Crc { received: u16, computed: u16 },
    #[error("no valid frame in {0} buffered bytes; dropped one to resynchronise")]
    Resync(usize),
}

/// Builds unit id + PDU + CRC.
pub fn encode_adu(unit_id: u8, pdu: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(pdu.len() + 3);
    out.push(unit_id);
    out.extend_from_slice(pdu);
    let crc = crc16(&out);
    out.extend_from_slice(&crc.to_le_bytes());
    out
}

/// Checks one whole frame and returns its unit id and PDU.
pub fn decode_adu(frame: &[u8]) -> Result<(u8, &[u8]), RtuError> {
    if frame.len() < 4 {
        return Err(RtuError::TooShort(frame.len()));
    }
    if frame.len() > MAX_ADU_LEN {
        return Err(RtuError::TooLong(frame.len()));
    }
    let (body, crc_bytes) = frame.split_at(frame.len() - 2);
    let received = u16::from_le_bytes([
        crc_bytes.first().copied().unwrap_or(0),
        crc_bytes.get(1).copied().unwrap_or(0),
    ]);
    let computed = crc16(body);
    if received != computed {
        return Err(RtuError::Crc { received, computed });
    }
    let (unit, pdu) = body.split_first().ok_or(RtuError::TooShort(frame.len()))?;
    Ok((*unit, pdu))
}

/// Which direction's length rules to apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// A slave reading requests.
    Requests,
    /// A master reading responses.
    Responses,
}

/// One frame found in a stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RtuFrame {
    pub unit_id: u8,
    pub pdu: Vec<u8>,
}

/// Accumulates stream bytes and yields whole frames.
#[derive(Debug, Clone)]
pub struct RtuSplitter {
    side: Side,
    buf: Vec<u8>,
}

impl RtuSplitter {
    pub fn new(side: Side) -> Self {
        RtuSplitter {
            side,
            buf: Vec::new(),
        }
    }

    pub fn push(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// Drops a partial frame (after a silent interval of 3.5 characters).
    pub fn clear(&mut self) {
        self.buf.clear();
    }

    pub fn buffered(&self) -> usize {
        self.buf.len()
    }

    /// Next whole frame, an error for bytes dropped, or `None` to wait for more.
    pub fn next_frame(&mut self) -> Option<Result<RtuFrame, RtuError>> {
        if self.buf.len() < 2 {
            return None;
        }
        let pdu_prefix = self.buf.get(1..).unwrap_or(&[]);
        let len = match self.side {
            Side::Requests => request_len(pdu_prefix),
            Side::Responses => response_len(pdu_prefix),
        };
        match len {
            PduLen::NeedMore => None,
            PduLen::Known(n) => {
                let total = n + 3;
                if total > MAX_ADU_LEN {
                    self.buf.remove(0);
                    return Some(Err(RtuError::TooLong(total)));
                }
                if self.buf.len() < total {
                    return None;
                }
                Some(self.take(total))
            }
            PduLen::Unknown => {
                // No length rule: the first prefix whose CRC checks is the frame.
                // One running CRC over the buffer keeps this linear.
                let limit = self.buf.len().min(MAX_ADU_LEN);
                let mut crc = Crc16::new();
                for covered in 1..limit.saturating_sub(1) {
                    crc.update(self.buf.get(covered - 1).copied().unwrap_or(0));
                    let tail = [
                        self.buf.get(covered).copied().unwrap_or(0),
                        self.buf.get(covered + 1).copied().unwrap_or(0),
                    ];
                    if covered >= 2 && crc.value().to_le_bytes() == tail {
                        return Some(self.take(covered + 2));
                    }
                }
                // A whole valid frame further on means the bytes before it are noise.
                if let Some(skip) = (1..self.buf.len()).find(|&i| self.valid_known_frame_at(i)) {
                    let n = self.buf.len();
                    self.buf.drain(..skip);
                    return Some(Err(RtuError::Resync(n)));
                }
                if self.buf.len() >= MAX_ADU_LEN {
                    let n = self.buf.len();
                    self.buf.remove(0);
                    return Some(Err(RtuError::Resync(n)));
                }
                None
            }
        }
    }

    /// Whether a complete frame of a known function with a good CRC starts at `i`.
    fn valid_known_frame_at(&self, i: usize) -> bool {
        let rest = self.buf.get(i..).unwrap_or(&[]);
        let pdu_prefix = rest.get(1..).unwrap_or(&[]);
        let len = match self.side {
            Side::Requests => request_len(pdu_prefix),
            Side::Responses => response_len(pdu_prefix),
        };
        match len {
            PduLen::Known(n) => rest
                .get(..n + 3)
                .is_some_and(|frame| decode_adu(frame).is_ok()),
            _ => false,
        }
    }

    fn take(&mut self, total: usize) -> Result<RtuFrame, RtuError> {
        let result =
            decode_adu(self.buf.get(..total).unwrap_or(&[])).map(|(unit_id, pdu)| RtuFrame {
                unit_id,
                pdu: pdu.to_vec(),
            });
        match result {
            Ok(_) => {
                self.buf.drain(..total.min(self.buf.len()));
            }
            // Resynchronise one byte further on.
            Err(_) => {
                self.buf.remove(0);
            }
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::modbus::pdu::{Request, Response};

    #[test]
    fn published_frame() {
        // Serial Line V1.02 / Application Protocol: read 10 registers from 0 at slave 1.
        let frame = [0x01, 0x03, 0x00, 0x00, 0x00, 0x0A, 0xC5, 0xCD];
        let req = Request::ReadHoldingRegisters {
            address: 0,
            quantity: 10,
        };
        assert_eq!(encode_adu(1, &req.to_bytes()), frame);
        let (unit, pdu) = decode_adu(&frame).unwrap();
        assert_eq!(unit, 1);
        assert_eq!(Request::decode(pdu).unwrap(), req);
        let mut bad = frame;
        bad[7] ^= 1;
        assert!(matches!(decode_adu(&bad), Err(RtuError::Crc { .. })));
    }

    #[test]
    fn splitter_finds_frames_in_stream() {
        let a = encode_adu(1, &[0x03, 0, 0, 0, 2]);
        let b = encode_adu(7, &[0x10, 0, 5, 0, 1, 2, 0xAB, 0xCD]);
        let mut s = RtuSplitter::new(Side::Requests);
        let mut stream = a.clone();
        stream.extend_from_slice(&b);
        // Byte by byte, as a slow UART delivers them.
        let mut got = Vec::new();
        for byte in stream {
            s.push(&[byte]);
            while let Some(f) = s.next_frame() {
                got.push(f.unwrap());
            }
        }
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].unit_id, 1);
        assert_eq!(got[1].pdu, vec![0x10, 0, 5, 0, 1, 2, 0xAB, 0xCD]);
        assert_eq!(s.buffered(), 0);
    }

    #[test]
    fn splitter_rejects_bad_crc_then_resyncs() {
        let mut bad = encode_adu(1, &[0x03, 0, 0, 0, 2]);
        bad[6] ^= 0xFF;
        let good = encode_adu(1, &[0x06, 0, 9, 0, 1]);
        let mut s = RtuSplitter::new(Side::Requests);
        s.push(&bad);
        s.push(&good);
        let mut frames = Vec::new();
        let mut errors = 0;
        while let Some(f) = s.next_frame() {
            match f {
                Ok(f) => frames.push(f),
                Err(_) => errors += 1,
            }
        }
        assert!(errors >= 1);
        assert_eq!(frames.last().unwrap().pdu, vec![0x06, 0, 9, 0, 1]);
    }

    #[test]
    fn splitter_responses_and_unknown_functions() {
        let resp = Response::ReadHoldingRegisters {
            values: vec![0x5375, 0x6E53],
        };
        let mut s = RtuSplitter::new(Side::Responses);
        s.push(&encode_adu(1, &resp.to_bytes()));
        let f = s.next_frame().unwrap().unwrap();
        assert_eq!(Response::decode(&f.pdu).unwrap(), resp);
        // Function 0x2B has no length rule here: found by CRC.
        let mut s = RtuSplitter::new(Side::Requests);
        s.push(&encode_adu(1, &[0x2B, 0x0E, 0x01, 0x00]));
        assert_eq!(
            s.next_frame().unwrap().unwrap().pdu,
            vec![0x2B, 0x0E, 0x01, 0x00]
        );
    }
}
