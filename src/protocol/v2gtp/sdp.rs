//! SECC Discovery Protocol (ISO 15118-2:2014 §7.10.1, DIN SPEC 70121
//! §8.7.3; unchanged for wired links in ISO 15118-20): the EVCC multicasts
//! a request to ff02::1 UDP port 15118, the SECC answers with the address
//! and port of its TCP (or TLS) server. Each is one whole V2GTP message in
//! one UDP datagram.
//!
//! ```text
//! request  (0x9000, 2 bytes):  security(8) transport(9)
//! response (0x9001, 20 bytes): IPv6 address(8..24) port BE(24..26) security(26) transport(27)
//! ```
//!
//! Field values: security 0x00 = TLS, 0x10 = no TLS; transport 0x00 = TCP,
//! 0x10 = reserved for UDP (as in Josev, EcoG-io/iso15118
//! `iso15118/shared/messages/sdp.py`, and EVerest's `sdp.hpp`). All other
//! values are reserved and refused here. ISO 15118-20's wireless SDP
//! (0x9002/0x9003) carries more fields and is not decoded by this module.

use super::{Limits, Message, PayloadType, V2gtpError, HEADER_LEN};
use std::net::Ipv6Addr;
use thiserror::Error;

/// The UDP port an SECC listens on for SDP requests.
pub const SDP_SERVER_PORT: u16 = 15118;
/// Payload length of an SDP request.
pub const REQUEST_PAYLOAD_LEN: usize = 2;
/// Payload length of an SDP response.
pub const RESPONSE_PAYLOAD_LEN: usize = 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Security {
    /// 0x00: secured with TLS.
    Tls,
    /// 0x10: no transport layer security.
    NoTls,
}

impl Security {
    pub fn from_u8(v: u8) -> Option<Self> {
        match v {
            0x00 => Some(Self::Tls),
            0x10 => Some(Self::NoTls),
            _ => None,
        }
    }

    pub fn to_u8(self) -> u8 {
        match self {
            Self::Tls => 0x00,
            Self::NoTls => 0x10,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Transport {
    /// 0x00: TCP, the only transport V2G messages use.
    Tcp,
    /// 0x10: "reserved for UDP" in the standards' table; decoded so that a
    /// caller can refuse it by name.
    Udp,
}

impl Transport {
    pub fn from_u8(v: u8) -> Option<Self> {
        match v {
            0x00 => Some(Self::Tcp),
            0x10 => Some(Self::Udp),
            _ => None,
        }
    }

    pub fn to_u8(self) -> u8 {
        match self {
            Self::Tcp => 0x00,
            Self::Udp => 0x10,
        }
    }
}

/// Why a datagram is not the SDP message expected. Offsets count from the
/// first byte of the V2GTP header.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SdpError {
    #[error(transparent)]
    Header(#[from] V2gtpError),
    #[error("bytes 2..4: payload type {found:#06x}, expected {expected:#06x}")]
    PayloadType { found: u16, expected: u16 },
    #[error("bytes 4..8: payload length {found}, expected {expected} for this SDP message")]
    PayloadLength { found: u32, expected: usize },
    #[error("byte {at}: security {found:#04x}, expected 0x00 (TLS) or 0x10 (no TLS)")]
    Security { at: usize, found: u8 },
    #[error("byte {at}: transport protocol {found:#04x}, expected 0x00 (TCP) or 0x10 (UDP)")]
    Transport { at: usize, found: u8 },
}

impl SdpError {
    /// Offset from the start of the datagram of the first offending byte.
    pub fn offset(&self) -> usize {
        match self {
            Self::Header(e) => e.offset(),
            Self::PayloadType { .. } => 2,
            Self::PayloadLength { .. } => 4,
            Self::Security { at, .. } | Self::Transport { at, .. } => *at,
        }
    }
}

/// Decodes the V2GTP frame of an SDP message and returns its payload,
/// checking the payload type and the exact length first.
fn sdp_payload(
    datagram: &[u8],
    expected_type: PayloadType,
    expected_len: usize,
) -> Result<Vec<u8>, SdpError> {
    // Any length passes the header check so that a wrong one is reported
    // as `PayloadLength` (nothing is allocated from it).
    let limits = Limits::with_max_payload_len(u32::MAX);
    let header = super::Header::parse(datagram, &limits)?;
    if header.payload_type != expected_type {
        return Err(SdpError::PayloadType {
            found: header.payload_type.to_u16(),
            expected: expected_type.to_u16(),
        });
    }
    if usize::try_from(header.payload_len).ok() != Some(expected_len) {
        return Err(SdpError::PayloadLength {
            found: header.payload_len,
            expected: expected_len,
        });
    }
    Ok(Message::decode(datagram, &limits)?.payload)
}

fn byte(payload: &[u8], i: usize) -> u8 {
    payload.get(i).copied().unwrap_or(0)
}

fn security_at(payload: &[u8], i: usize) -> Result<Security, SdpError> {
    let found = byte(payload, i);
    Security::from_u8(found).ok_or(SdpError::Security {
        at: HEADER_LEN + i,
        found,
    })
}

fn transport_at(payload: &[u8], i: usize) -> Result<Transport, SdpError> {
    let found = byte(payload, i);
    Transport::from_u8(found).ok_or(SdpError::Transport {
        at: HEADER_LEN + i,
        found,
    })
}

fn frame(payload_type: PayloadType, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(HEADER_LEN + payload.len());
    let header = super::Header {
        payload_type,
        // SDP payloads are 2 or 20 bytes.
        payload_len: u32::try_from(payload.len()).unwrap_or(u32::MAX),
    };
    out.extend_from_slice(&header.emit());
    out.extend_from_slice(payload);
    out
}

/// The EVCC's discovery request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SdpRequest {
    pub security: Security,
    pub transport: Transport,
}

impl SdpRequest {
    /// Decodes one whole datagram (V2GTP header included).
    pub fn decode(datagram: &[u8]) -> Result<Self, SdpError> {
        let p = sdp_payload(datagram, PayloadType::SdpRequest, REQUEST_PAYLOAD_LEN)?;
        Ok(Self {
            security: security_at(&p, 0)?,
            transport: transport_at(&p, 1)?,
        })
    }

    /// The whole datagram, V2GTP header included.
    pub fn encode(&self) -> Vec<u8> {
        frame(
            PayloadType::SdpRequest,
            &[self.security.to_u8(), self.transport.to_u8()],
        )
    }
}

/// The SECC's discovery response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SdpResponse {
    pub address: Ipv6Addr,
    pub port: u16,
    pub security: Security,
    pub transport: Transport,
}

impl SdpResponse {
    /// Decodes one whole datagram (V2GTP header included).
    pub fn decode(datagram: &[u8]) -> Result<Self, SdpError> {
        let p = sdp_payload(datagram, PayloadType::SdpResponse, RESPONSE_PAYLOAD_LEN)?;
        let mut addr = [0u8; 16];
        if let Some(src) = p.get(..16) {
            addr.copy_from_slice(src);
        }
        Ok(Self {
            address: Ipv6Addr::from(addr),
            port: u16::from_be_bytes([byte(&p, 16), byte(&p, 17)]),
            security: security_at(&p, 18)?,
            transport: transport_at(&p, 19)?,
        })
    }

    /// The whole datagram, V2GTP header included.
    pub fn encode(&self) -> Vec<u8> {
        let mut p = Vec::with_capacity(RESPONSE_PAYLOAD_LEN);
        p.extend_from_slice(&self.address.octets());
        p.extend_from_slice(&self.port.to_be_bytes());
        p.push(self.security.to_u8());
        p.push(self.transport.to_u8());
        frame(PayloadType::SdpResponse, &p)
    }

    /// Whether the port is in the dynamic range 49152..=65535 that
    /// ISO 15118-2 requires of the SECC's TCP server.
    pub fn port_is_dynamic(&self) -> bool {
        self.port >= 49152
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A vehicle's SDP request logged by pyPLC against an Alpitronic charger
    /// (uhi22/pyPLC `results/2022-11-17_Dehner_Alpitronic_until_SdpRequest.txt`:
    /// "V2GTP (10bytes) = 01 FE 90 00 00 00 00 02 10 00"): no TLS, TCP.
    const PYPLC_SDP_REQUEST: [u8; 10] =
        [0x01, 0xFE, 0x90, 0x00, 0x00, 0x00, 0x00, 0x02, 0x10, 0x00];

    /// A Josev SECC's SDP response as logged in a public demo (fe80::6c57:deff:fecc:1954,
    /// port 0xedcf = 60879, TLS, TCP). Its layout matches Josev's
    /// `SDPResponse.from_payload` (EcoG-io/iso15118 `iso15118/shared/messages/sdp.py`):
    /// address [0:16], port [16:18] big-endian, security [18], transport [19].
    const JOSEV_SDP_RESPONSE: [u8; 28] = [
        0x01, 0xfe, 0x90, 0x01, 0x00, 0x00, 0x00, 0x14, 0xfe, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x6c, 0x57, 0xde, 0xff, 0xfe, 0xcc, 0x19, 0x54, 0xed, 0xcf, 0x00, 0x00,
    ];

    #[test]
    fn published_request_round_trips() {
        let r = SdpRequest::decode(&PYPLC_SDP_REQUEST).unwrap();
        assert_eq!(
            r,
            SdpRequest {
                security: Security::NoTls,
                transport: Transport::Tcp
            }
        );
        assert_eq!(r.encode(), PYPLC_SDP_REQUEST);
    }

    #[test]
    fn published_response_round_trips() {
        let r = SdpResponse::decode(&JOSEV_SDP_RESPONSE).unwrap();
        assert_eq!(
            r.address,
            "fe80::6c57:deff:fecc:1954".parse::<Ipv6Addr>().unwrap()
        );
        assert_eq!(r.port, 60879);
        assert!(r.port_is_dynamic());
        assert_eq!(r.security, Security::Tls);
        assert_eq!(r.transport, Transport::Tcp);
        assert_eq!(r.encode(), JOSEV_SDP_RESPONSE);
    }

    #[test]
    fn errors_name_the_byte() {
        let mut d = PYPLC_SDP_REQUEST;
        d[8] = 0x01;
        let e = SdpRequest::decode(&d).unwrap_err();
        assert_eq!(e, SdpError::Security { at: 8, found: 1 });
        assert_eq!(e.offset(), 8);
        assert!(e.to_string().starts_with("byte 8: security 0x01"), "{e}");

        let mut d = PYPLC_SDP_REQUEST;
        d[9] = 0x11;
        assert_eq!(
            SdpRequest::decode(&d).unwrap_err(),
            SdpError::Transport { at: 9, found: 0x11 }
        );

        let mut d = JOSEV_SDP_RESPONSE;
        d[26] = 0x20;
        assert_eq!(
            SdpResponse::decode(&d).unwrap_err(),
            SdpError::Security {
                at: 26,
                found: 0x20
            }
        );
        let mut d = JOSEV_SDP_RESPONSE;
        d[27] = 0xff;
        assert_eq!(SdpResponse::decode(&d).unwrap_err().offset(), 27);

        // A response offered as a request, and the other way round.
        assert_eq!(
            SdpRequest::decode(&JOSEV_SDP_RESPONSE).unwrap_err(),
            SdpError::PayloadType {
                found: 0x9001,
                expected: 0x9000
            }
        );
        assert_eq!(
            SdpResponse::decode(&PYPLC_SDP_REQUEST)
                .unwrap_err()
                .offset(),
            2
        );

        // Wrong declared length, truncated datagram, trailing byte.
        let mut d = PYPLC_SDP_REQUEST;
        d[7] = 3;
        assert_eq!(
            SdpRequest::decode(&d).unwrap_err(),
            SdpError::PayloadLength {
                found: 3,
                expected: 2
            }
        );
        assert_eq!(
            SdpRequest::decode(&PYPLC_SDP_REQUEST[..9]).unwrap_err(),
            SdpError::Header(V2gtpError::Truncated { len: 9, needed: 10 })
        );
        let mut long = PYPLC_SDP_REQUEST.to_vec();
        long.push(0);
        assert_eq!(SdpRequest::decode(&long).unwrap_err().offset(), 10);
        let mut d = PYPLC_SDP_REQUEST;
        d[0] = 0x02;
        assert_eq!(SdpRequest::decode(&d).unwrap_err().offset(), 0);
    }

    #[test]
    fn every_field_value_round_trips() {
        for s in [Security::Tls, Security::NoTls] {
            for t in [Transport::Tcp, Transport::Udp] {
                let r = SdpRequest {
                    security: s,
                    transport: t,
                };
                assert_eq!(SdpRequest::decode(&r.encode()).unwrap(), r);
                let r = SdpResponse {
                    address: Ipv6Addr::LOCALHOST,
                    port: SDP_SERVER_PORT,
                    security: s,
                    transport: t,
                };
                assert_eq!(SdpResponse::decode(&r.encode()).unwrap(), r);
                assert!(!r.port_is_dynamic());
            }
        }
    }
}
