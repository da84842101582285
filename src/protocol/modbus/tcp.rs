//! Modbus TCP ADU (Messaging on TCP/IP Implementation Guide V1.0b §3.1.3):
//! MBAP header = transaction id, protocol id 0, length (unit id + PDU), unit id.

use thiserror::Error;

pub const MBAP_LEN: usize = 7;
/// Unit id + a PDU of at most 253 bytes.
pub const MAX_LENGTH_FIELD: u16 = 254;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TcpError {
    #[error("MBAP length field {0} is outside 2..=254; stream out of sync")]
    Length(u16),
    #[error("MBAP protocol id {0} is not 0 (Modbus)")]
    Protocol(u16),
    #[error("Modbus TCP frame of {0} bytes is too short")]
    TooShort(usize),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TcpFrame {
    pub transaction_id: u16,
    pub unit_id: u8,
    pub pdu: Vec<u8>,
}

pub fn encode_adu(transaction_id: u16, unit_id: u8, pdu: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(MBAP_LEN + pdu.len());
    out.extend_from_slice(&transaction_id.to_be_bytes());
    out.extend_from_slice(&0u16.to_be_bytes());
    out.extend_from_slice(&((pdu.len() + 1).min(usize::from(u16::MAX)) as u16).to_be_bytes());
    out.push(unit_id);
    out.extend_from_slice(pdu);
    out
}

fn be16(b: &[u8], at: usize) -> u16 {
    match (b.get(at), b.get(at + 1)) {
        (Some(&h), Some(&l)) => u16::from_be_bytes([h, l]),
        _ => 0,
    }
}

/// Decodes one whole ADU.
pub fn decode_adu(adu: &[u8]) -> Result<TcpFrame, TcpError> {
    if adu.len() < MBAP_LEN + 1 {
        return Err(TcpError::TooShort(adu.len()));
    }
    let length = be16(adu, 4);
    if !(2..=MAX_LENGTH_FIELD).contains(&length) {
        return Err(TcpError::Length(length));
    }
    if adu.len() != 6 + usize::from(length) {
        return Err(TcpError::TooShort(adu.len()));
    }
    let protocol = be16(adu, 2);
    if protocol != 0 {
        return Err(TcpError::Protocol(protocol));
    }
    Ok(TcpFrame {
        transaction_id: be16(adu, 0),
        unit_id: adu.get(6).copied().unwrap_or(0),
        pdu: adu.get(MBAP_LEN..).unwrap_or(&[]).to_vec(),
    })
}

/// Accumulates a TCP byte stream and yields whole ADUs by the MBAP length.
#[derive(Debug, Clone, Default)]
pub struct TcpSplitter {
    buf: Vec<u8>,
}

impl TcpSplitter {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    pub fn clear(&mut self) {
        self.buf.clear();
    }

    /// Next ADU, an error (the offending bytes are dropped), or `None`.
    pub fn next_frame(&mut self) -> Option<Result<TcpFrame, TcpError>> {
        if self.buf.len() < MBAP_LEN {
            return None;
        }
        let length = be16(&self.buf, 4);
        if !(2..=MAX_LENGTH_FIELD).contains(&length) {
            // A TCP stream cannot resynchronise: drop all of it.
            self.buf.clear();
            return Some(Err(TcpError::Length(length)));
        }
        let total = 6 + usize::from(length);
        if self.buf.len() < total {
            return None;
        }
        let adu: Vec<u8> = self.buf.drain(..total).collect();
        Some(decode_adu(&adu))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mbap_example() {
        // Implementation Guide §3.1.3 layout: read 1 register at 0 (tid 1, unit 0xFF).
        let adu = [
            0x00, 0x01, 0x00, 0x00, 0x00, 0x06, 0xFF, 0x03, 0x00, 0x00, 0x00, 0x01,
        ];
        let f = decode_adu(&adu).unwrap();
        assert_eq!(f.transaction_id, 1);
        assert_eq!(f.unit_id, 0xFF);
        assert_eq!(f.pdu, vec![0x03, 0, 0, 0, 1]);
        assert_eq!(encode_adu(1, 0xFF, &f.pdu), adu);
    }

    #[test]
    fn splitter() {
        let a = encode_adu(9, 1, &[0x03, 0x9C, 0x40, 0, 2]);
        let b = encode_adu(10, 1, &[0x06, 0, 1, 0, 2]);
        let mut s = TcpSplitter::new();
        s.push(&a[..3]);
        assert!(s.next_frame().is_none());
        s.push(&a[3..]);
        s.push(&b);
        assert_eq!(s.next_frame().unwrap().unwrap().transaction_id, 9);
        assert_eq!(s.next_frame().unwrap().unwrap().transaction_id, 10);
        assert!(s.next_frame().is_none());
        let mut bad = encode_adu(1, 1, &[0x03, 0, 0, 0, 1]);
        bad[3] = 1;
        s.push(&bad);
        assert_eq!(s.next_frame().unwrap(), Err(TcpError::Protocol(1)));
        s.push(&[0, 0, 0, 0, 0x01, 0x00, 1]);
        assert_eq!(s.next_frame().unwrap(), Err(TcpError::Length(256)));
    }
}
