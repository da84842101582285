//! Modbus application protocol (PDU) with RTU and TCP framings.
//!
//! References: MODBUS Application Protocol Specification V1.1b3 (PDU,
//! function codes, exceptions) and MODBUS over Serial Line V1.02 (RTU framing,
//! CRC-16), MODBUS Messaging on TCP/IP Implementation Guide V1.0b (MBAP).
//! Pure encode/decode: no I/O, never panics on any input.

pub mod crc;
pub mod pdu;
pub mod rtu;
pub mod tcp;

pub use pdu::{ExceptionCode, PduError, Request, Response};

/// How Modbus PDUs travel on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// RTU over a serial line, addressed to one unit (slave) id 1–247.
    Rtu { unit_id: u8 },
    /// Modbus TCP: MBAP header, transaction ids; unit id 1 is used.
    Tcp,
}

#[cfg(test)]
mod fuzz {
    use super::*;

    fn xorshift(s: &mut u64) -> u64 {
        *s ^= *s << 13;
        *s ^= *s >> 7;
        *s ^= *s << 17;
        *s
    }

    #[test]
    fn random_bytes_never_panic() {
        let mut seed = 0x9E37_79B9_7F4A_7C15u64;
        let mut rs = rtu::RtuSplitter::new(rtu::Side::Requests);
        let mut rr = rtu::RtuSplitter::new(rtu::Side::Responses);
        let mut ts = tcp::TcpSplitter::new();
        for _ in 0..600 {
            let len = (xorshift(&mut seed) % 300) as usize;
            let mut bytes: Vec<u8> = (0..len).map(|_| xorshift(&mut seed) as u8).collect();
            if len > 0 && xorshift(&mut seed).is_multiple_of(2) {
                // Bias towards the function codes this module knows.
                bytes[0] = [0x03, 0x06, 0x10, 0x83, 0x90][len % 5];
            }
            let _ = Request::decode(&bytes);
            let _ = Response::decode(&bytes);
            let _ = rtu::decode_adu(&bytes);
            let _ = tcp::decode_adu(&bytes);
            for s in [&mut rs, &mut rr] {
                s.push(&bytes);
                while let Some(f) = s.next_frame() {
                    if let Ok(f) = f {
                        let _ = Request::decode(&f.pdu);
                    }
                }
            }
            ts.push(&bytes);
            while ts.next_frame().is_some() {}
        }
    }
}
