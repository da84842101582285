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

    /// Random bytes (biased to the known function codes): whatever decodes
    /// re-encodes to exactly the input (each function has one wire form),
    /// and the stream splitters yield only frames that decode, hold at most
    /// one ADU beyond what they were just given, and never yield more bytes
    /// than they were fed.
    #[test]
    fn random_bytes_decode_only_to_their_own_encoding() {
        let mut seed = 0x9E37_79B9_7F4A_7C15u64;
        let mut rs = rtu::RtuSplitter::new(rtu::Side::Requests);
        let mut rr = rtu::RtuSplitter::new(rtu::Side::Responses);
        let mut ts = tcp::TcpSplitter::new();
        let (mut fed, mut taken) = (0usize, 0usize);
        let (mut decoded, mut framed) = (0, 0);
        for _ in 0..600 {
            let len = (xorshift(&mut seed) % 300) as usize;
            let mut bytes: Vec<u8> = (0..len).map(|_| xorshift(&mut seed) as u8).collect();
            if len > 0 && xorshift(&mut seed).is_multiple_of(2) {
                // Bias towards the function codes this module knows.
                bytes[0] = [0x03, 0x06, 0x10, 0x83, 0x90][len % 5];
            }
            match xorshift(&mut seed) % 8 {
                // A write of one register: always a PDU, both ways.
                0 => bytes = [&[0x06], &seed.to_be_bytes()[..4]].concat(),
                // Whatever it is, in an RTU frame with a good CRC.
                1 => bytes = rtu::encode_adu(len as u8, &bytes[..len.min(200)]),
                _ => {}
            }
            if let Ok(r) = Request::decode(&bytes) {
                assert_eq!(r.to_bytes(), bytes, "{r:?}");
                decoded += 1;
            }
            if let Ok(r) = Response::decode(&bytes) {
                assert_eq!(r.to_bytes(), bytes, "{r:?}");
                decoded += 1;
            }
            if let Ok((unit, pdu)) = rtu::decode_adu(&bytes) {
                assert_eq!(rtu::encode_adu(unit, pdu), bytes);
                framed += 1;
            }
            if let Ok(f) = tcp::decode_adu(&bytes) {
                assert_eq!(tcp::encode_adu(f.transaction_id, f.unit_id, &f.pdu), bytes);
            }
            for s in [&mut rs, &mut rr] {
                s.push(&bytes);
                while let Some(f) = s.next_frame() {
                    if let Ok(f) = f {
                        let adu = rtu::encode_adu(f.unit_id, &f.pdu);
                        assert!(adu.len() <= rtu::MAX_ADU_LEN);
                        assert_eq!(rtu::decode_adu(&adu), Ok((f.unit_id, &f.pdu[..])));
                    }
                }
                assert!(s.buffered() < rtu::MAX_ADU_LEN + bytes.len().max(1));
            }
            ts.push(&bytes);
            fed += bytes.len();
            while let Some(f) = ts.next_frame() {
                if let Ok(f) = f {
                    taken += tcp::MBAP_LEN + f.pdu.len();
                    assert!(taken <= fed, "{taken} bytes of frames from {fed}");
                }
            }
        }
        // The bias makes some inputs real PDUs and frames: the round trips ran.
        assert!(
            decoded > 50 && framed > 30,
            "{decoded} PDUs, {framed} frames"
        );
    }
}
