//! V2G Transfer Protocol (ISO 15118-2:2014 §7.8.3, DIN SPEC 70121 §8.7.3,
//! ISO 15118-20 §V2GTP): the 8-byte header that frames every EXI message on
//! the TCP (or TLS) connection and every SECC Discovery Protocol datagram on
//! UDP port 15118.
//!
//! ```text
//!  byte 0    byte 1            bytes 2..4         bytes 4..8
//! +--------+-----------------+------------------+------------------+----------
//! |  0x01  | 0xFE (inverse)  | payload type BE  | payload length BE| payload…
//! +--------+-----------------+------------------+------------------+----------
//! ```
//!
//! [`Packet`] is a checked view over a byte slice, [`Header`] and
//! [`Message`] the validated representations, [`FrameSplitter`] finds whole
//! messages in a TCP byte stream, and [`sdp`] the SECC Discovery Protocol
//! request and response. Nothing here does I/O; nothing panics on any input
//! (fuzzed by `fuzz/fuzz_targets/v2gtp.rs`).
//!
//! Payload type values were checked against two independent open
//! implementations: EVerest's generated libcbv2g header
//! (EVerest/libiso15118 `include/exi/cb/exi_v2gtp.h`, `V2GTP20_*_PAYLOAD_ID`)
//! and Josev (EcoG-io/iso15118 `iso15118/shared/messages/enums.py`,
//! `DINPayloadTypes` / `ISOV2PayloadTypes` / `ISOV20PayloadTypes`, which cite
//! DIN SPEC 70121 Table 16, ISO 15118-2 Table 10 and ISO 15118-20 Table 12).

pub mod sdp;
mod stream;

pub use stream::{FrameSplitter, StreamError};

use thiserror::Error;

/// Length of the V2GTP header.
pub const HEADER_LEN: usize = 8;
/// `Protocol Version` (byte 0): 0x01 in DIN SPEC 70121, ISO 15118-2 and -20.
pub const PROTOCOL_VERSION: u8 = 0x01;
/// `Inverse Protocol Version` (byte 1): the bitwise inverse of byte 0.
pub const INVERSE_PROTOCOL_VERSION: u8 = !PROTOCOL_VERSION;
/// Default bound on the payload length a receiver accepts. The standards
/// allow up to 2^32 − 1 bytes; real messages are far smaller (the largest,
/// a CertificateInstallationRes with two chains, stays well under 16 KiB),
/// and a peer must not make us buffer gigabytes by writing a length field.
pub const DEFAULT_MAX_PAYLOAD_LEN: u32 = 64 * 1024;

/// Receiver policy: how long a payload may be before the header is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub max_payload_len: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_payload_len: DEFAULT_MAX_PAYLOAD_LEN,
        }
    }
}

impl Limits {
    pub fn with_max_payload_len(max_payload_len: u32) -> Self {
        Self { max_payload_len }
    }
}

/// A V2GTP payload type (bytes 2..4).
///
/// 0x8001 is the one EXI payload type of DIN SPEC 70121 and ISO 15118-2; in
/// ISO 15118-20 the same value carries only the SupportedAppProtocol
/// handshake ("SAP"), and each -20 message set has its own type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PayloadType {
    /// 0x8001: EXI-encoded V2G message (DIN, -2); the SAP handshake (-20).
    Exi,
    /// 0x8002: ISO 15118-20 CommonMessages ("mainstream").
    Iso20Main,
    /// 0x8003: ISO 15118-20 AC messages.
    Iso20Ac,
    /// 0x8004: ISO 15118-20 DC messages (BPT included).
    Iso20Dc,
    /// 0x8005: ISO 15118-20 ACDP (pantograph) messages.
    Iso20Acdp,
    /// 0x8006: ISO 15118-20 WPT (wireless) messages.
    Iso20Wpt,
    /// 0x8101: ISO 15118-20 schedule renegotiation.
    Iso20ScheduleRenegotiation,
    /// 0x8102: ISO 15118-20 metering confirmation.
    Iso20MeteringConfirmation,
    /// 0x8103: ISO 15118-20 ACDP system status.
    Iso20AcdpSystemStatus,
    /// 0x8104: ISO 15118-20 parking status.
    Iso20ParkingStatus,
    /// 0x9000: SECC Discovery Protocol request.
    SdpRequest,
    /// 0x9001: SECC Discovery Protocol response.
    SdpResponse,
    /// 0x9002: ISO 15118-20 SDP request over a wireless link (ACDP, WPT).
    SdpRequestWireless,
    /// 0x9003: ISO 15118-20 SDP response over a wireless link.
    SdpResponseWireless,
    /// 0xA000..=0xFFFF: manufacturer specific; uniqueness not guaranteed.
    Manufacturer(u16),
    /// Any other value: reserved by the standards. A receiver discards such a
    /// message (the length still frames it, so the stream stays in step).
    Reserved(u16),
}

impl PayloadType {
    pub fn from_u16(value: u16) -> Self {
        match value {
            0x8001 => Self::Exi,
            0x8002 => Self::Iso20Main,
            0x8003 => Self::Iso20Ac,
            0x8004 => Self::Iso20Dc,
            0x8005 => Self::Iso20Acdp,
            0x8006 => Self::Iso20Wpt,
            0x8101 => Self::Iso20ScheduleRenegotiation,
            0x8102 => Self::Iso20MeteringConfirmation,
            0x8103 => Self::Iso20AcdpSystemStatus,
            0x8104 => Self::Iso20ParkingStatus,
            0x9000 => Self::SdpRequest,
            0x9001 => Self::SdpResponse,
            0x9002 => Self::SdpRequestWireless,
            0x9003 => Self::SdpResponseWireless,
            0xA000..=0xFFFF => Self::Manufacturer(value),
            _ => Self::Reserved(value),
        }
    }

    pub fn to_u16(self) -> u16 {
        match self {
            Self::Exi => 0x8001,
            Self::Iso20Main => 0x8002,
            Self::Iso20Ac => 0x8003,
            Self::Iso20Dc => 0x8004,
            Self::Iso20Acdp => 0x8005,
            Self::Iso20Wpt => 0x8006,
            Self::Iso20ScheduleRenegotiation => 0x8101,
            Self::Iso20MeteringConfirmation => 0x8102,
            Self::Iso20AcdpSystemStatus => 0x8103,
            Self::Iso20ParkingStatus => 0x8104,
            Self::SdpRequest => 0x9000,
            Self::SdpResponse => 0x9001,
            Self::SdpRequestWireless => 0x9002,
            Self::SdpResponseWireless => 0x9003,
            Self::Manufacturer(v) | Self::Reserved(v) => v,
        }
    }

    /// Whether the value is one the standards assign (not reserved).
    pub fn is_assigned(self) -> bool {
        !matches!(self, Self::Reserved(_))
    }

    /// Whether the payload is an EXI document (a V2G message or the SAP
    /// handshake), as opposed to SDP or a vendor extension.
    pub fn is_exi(self) -> bool {
        matches!(
            self,
            Self::Exi
                | Self::Iso20Main
                | Self::Iso20Ac
                | Self::Iso20Dc
                | Self::Iso20Acdp
                | Self::Iso20Wpt
                | Self::Iso20ScheduleRenegotiation
                | Self::Iso20MeteringConfirmation
                | Self::Iso20AcdpSystemStatus
                | Self::Iso20ParkingStatus
        )
    }
}

impl From<u16> for PayloadType {
    fn from(value: u16) -> Self {
        Self::from_u16(value)
    }
}

impl From<PayloadType> for u16 {
    fn from(value: PayloadType) -> Self {
        value.to_u16()
    }
}

/// Why bytes are not a V2GTP message. Each variant names the byte (offset
/// from the start of the frame) where the fault is and what was expected.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum V2gtpError {
    #[error(
        "V2GTP frame of {len} bytes is truncated: at byte {len}, expected at least {needed} bytes"
    )]
    Truncated { len: usize, needed: usize },
    #[error("byte 0: protocol version {found:#04x}, expected 0x01")]
    Version { found: u8 },
    #[error(
        "byte 1: inverse protocol version {found:#04x}, expected 0xfe (the inverse of byte 0)"
    )]
    InverseVersion { found: u8 },
    #[error("bytes 4..8: payload length {len} exceeds the limit of {max} bytes")]
    PayloadTooLong { len: u64, max: u32 },
    #[error(
        "byte {at}: {extra} byte(s) after the payload (the header declares {declared} payload bytes)",
        at = HEADER_LEN as u64 + u64::from(*declared)
    )]
    TrailingBytes { declared: u32, extra: usize },
}

impl V2gtpError {
    /// Offset from the start of the frame of the first offending byte.
    pub fn offset(&self) -> usize {
        match self {
            Self::Truncated { len, .. } => *len,
            Self::Version { .. } => 0,
            Self::InverseVersion { .. } => 1,
            Self::PayloadTooLong { .. } => 4,
            Self::TrailingBytes { declared, .. } => {
                HEADER_LEN.saturating_add(usize::try_from(*declared).unwrap_or(usize::MAX))
            }
        }
    }
}

/// A checked view of a V2GTP frame: at least [`HEADER_LEN`] bytes. The
/// accessors read fields as they are; [`Header::parse`] validates them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// Wraps `buffer` if it holds at least a whole header.
    pub fn new_checked(buffer: T) -> Result<Self, V2gtpError> {
        let len = buffer.as_ref().len();
        if len < HEADER_LEN {
            return Err(V2gtpError::Truncated {
                len,
                needed: HEADER_LEN,
            });
        }
        Ok(Self { buffer })
    }

    fn bytes<const N: usize>(&self, at: usize) -> [u8; N] {
        let mut out = [0u8; N];
        if let Some(src) = self.buffer.as_ref().get(at..at + N) {
            out.copy_from_slice(src);
        }
        out
    }

    pub fn version(&self) -> u8 {
        self.bytes::<1>(0)[0]
    }

    pub fn inverse_version(&self) -> u8 {
        self.bytes::<1>(1)[0]
    }

    pub fn payload_type(&self) -> PayloadType {
        PayloadType::from_u16(u16::from_be_bytes(self.bytes(2)))
    }

    pub fn payload_len(&self) -> u32 {
        u32::from_be_bytes(self.bytes(4))
    }

    /// The payload bytes present in the buffer, at most `payload_len` of them.
    pub fn payload(&self) -> &[u8] {
        let buf = self.buffer.as_ref();
        let rest = buf.get(HEADER_LEN..).unwrap_or(&[]);
        let declared = usize::try_from(self.payload_len()).unwrap_or(usize::MAX);
        rest.get(..declared.min(rest.len())).unwrap_or(&[])
    }

    pub fn into_inner(self) -> T {
        self.buffer
    }
}

/// The validated representation of a V2GTP header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Header {
    pub payload_type: PayloadType,
    pub payload_len: u32,
}

impl Header {
    /// Validates the first [`HEADER_LEN`] bytes of `bytes` (anything after
    /// them is ignored): version, inverse version, and the payload length
    /// against `limits`.
    pub fn parse(bytes: &[u8], limits: &Limits) -> Result<Self, V2gtpError> {
        let packet = Packet::new_checked(bytes)?;
        Self::check_versions(bytes)?;
        let payload_len = packet.payload_len();
        if payload_len > limits.max_payload_len {
            return Err(V2gtpError::PayloadTooLong {
                len: u64::from(payload_len),
                max: limits.max_payload_len,
            });
        }
        Ok(Self {
            payload_type: packet.payload_type(),
            payload_len,
        })
    }

    /// Checks bytes 0 and 1 as far as they are present, so that a stream
    /// that is out of step is refused before a whole header has arrived.
    pub(crate) fn check_versions(bytes: &[u8]) -> Result<(), V2gtpError> {
        if let Some(&v) = bytes.first() {
            if v != PROTOCOL_VERSION {
                return Err(V2gtpError::Version { found: v });
            }
        }
        if let Some(&inv) = bytes.get(1) {
            if inv != INVERSE_PROTOCOL_VERSION {
                return Err(V2gtpError::InverseVersion { found: inv });
            }
        }
        Ok(())
    }

    /// The header's eight bytes.
    pub fn emit(&self) -> [u8; HEADER_LEN] {
        let mut out = [0u8; HEADER_LEN];
        out[0] = PROTOCOL_VERSION;
        out[1] = INVERSE_PROTOCOL_VERSION;
        out[2..4].copy_from_slice(&self.payload_type.to_u16().to_be_bytes());
        out[4..8].copy_from_slice(&self.payload_len.to_be_bytes());
        out
    }

    /// Length of the whole frame this header announces.
    pub fn frame_len(&self) -> usize {
        HEADER_LEN.saturating_add(usize::try_from(self.payload_len).unwrap_or(usize::MAX))
    }
}

/// One whole V2GTP message: payload type and payload.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Message {
    pub payload_type: PayloadType,
    pub payload: Vec<u8>,
}

impl Message {
    pub fn new(payload_type: PayloadType, payload: impl Into<Vec<u8>>) -> Self {
        Self {
            payload_type,
            payload: payload.into(),
        }
    }

    /// Decodes exactly one frame: `frame` must hold the header and exactly
    /// the payload it declares (a UDP datagram, or what the splitter cut).
    pub fn decode(frame: &[u8], limits: &Limits) -> Result<Self, V2gtpError> {
        let header = Header::parse(frame, limits)?;
        let total = header.frame_len();
        if frame.len() < total {
            return Err(V2gtpError::Truncated {
                len: frame.len(),
                needed: total,
            });
        }
        if frame.len() > total {
            return Err(V2gtpError::TrailingBytes {
                declared: header.payload_len,
                extra: frame.len() - total,
            });
        }
        Ok(Self {
            payload_type: header.payload_type,
            payload: frame.get(HEADER_LEN..).unwrap_or(&[]).to_vec(),
        })
    }

    /// The header this message is framed with, or an error if the payload is
    /// longer than a V2GTP length field can say.
    pub fn header(&self) -> Result<Header, V2gtpError> {
        let payload_len =
            u32::try_from(self.payload.len()).map_err(|_| V2gtpError::PayloadTooLong {
                len: u64::try_from(self.payload.len()).unwrap_or(u64::MAX),
                max: u32::MAX,
            })?;
        Ok(Header {
            payload_type: self.payload_type,
            payload_len,
        })
    }

    /// Header and payload as one frame.
    pub fn encode(&self) -> Result<Vec<u8>, V2gtpError> {
        let header = self.header()?;
        let mut out = Vec::with_capacity(HEADER_LEN + self.payload.len());
        out.extend_from_slice(&header.emit());
        out.extend_from_slice(&self.payload);
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A DIN SPEC 70121 SupportedAppProtocolReq as captured by Wireshark
    /// ("Copy as hex stream"), from uhi22/pyPLC `demo_V2GTP.py`: header
    /// 01 FE 80 01 00 00 00 22, then 34 bytes of EXI.
    const PYPLC_SAP_FRAME: [u8; 42] = [
        0x01, 0xfe, 0x80, 0x01, 0x00, 0x00, 0x00, 0x22, 0x80, 0x00, 0xdb, 0xab, 0x93, 0x71, 0xd3,
        0x23, 0x4b, 0x71, 0xd1, 0xb9, 0x81, 0x89, 0x91, 0x89, 0xd1, 0x91, 0x81, 0x89, 0x91, 0xd2,
        0x6b, 0x9b, 0x3a, 0x23, 0x2b, 0x30, 0x02, 0x00, 0x00, 0x04, 0x00, 0x40,
    ];

    #[test]
    fn published_exi_frame_round_trips() {
        let limits = Limits::default();
        let m = Message::decode(&PYPLC_SAP_FRAME, &limits).unwrap();
        assert_eq!(m.payload_type, PayloadType::Exi);
        assert_eq!(m.payload.len(), 0x22);
        assert_eq!(m.payload[..2], [0x80, 0x00]);
        assert_eq!(m.encode().unwrap(), PYPLC_SAP_FRAME);
        let p = Packet::new_checked(&PYPLC_SAP_FRAME[..]).unwrap();
        assert_eq!((p.version(), p.inverse_version()), (0x01, 0xfe));
        assert_eq!(p.payload_len(), 34);
        assert_eq!(p.payload(), &PYPLC_SAP_FRAME[8..]);
    }

    #[test]
    fn payload_types_match_the_tables() {
        // EVerest exi_v2gtp.h / Josev enums.py values.
        for (v, t) in [
            (0x8001, PayloadType::Exi),
            (0x8002, PayloadType::Iso20Main),
            (0x8003, PayloadType::Iso20Ac),
            (0x8004, PayloadType::Iso20Dc),
            (0x8005, PayloadType::Iso20Acdp),
            (0x8006, PayloadType::Iso20Wpt),
            (0x8101, PayloadType::Iso20ScheduleRenegotiation),
            (0x8102, PayloadType::Iso20MeteringConfirmation),
            (0x8103, PayloadType::Iso20AcdpSystemStatus),
            (0x8104, PayloadType::Iso20ParkingStatus),
            (0x9000, PayloadType::SdpRequest),
            (0x9001, PayloadType::SdpResponse),
            (0x9002, PayloadType::SdpRequestWireless),
            (0x9003, PayloadType::SdpResponseWireless),
        ] {
            assert_eq!(PayloadType::from_u16(v), t);
            assert_eq!(t.to_u16(), v);
            assert!(t.is_assigned());
        }
        assert_eq!(PayloadType::from_u16(0x8007), PayloadType::Reserved(0x8007));
        assert_eq!(PayloadType::from_u16(0x0000), PayloadType::Reserved(0));
        assert_eq!(
            PayloadType::from_u16(0xA000),
            PayloadType::Manufacturer(0xA000)
        );
        assert!(!PayloadType::Reserved(0x9004).is_assigned());
        assert!(PayloadType::Iso20Dc.is_exi() && !PayloadType::SdpRequest.is_exi());
        for v in 0..=u16::MAX {
            assert_eq!(PayloadType::from_u16(v).to_u16(), v);
        }
    }

    #[test]
    fn header_errors_are_located() {
        let limits = Limits::default();
        let e = Header::parse(&[0x01, 0xfe, 0x80], &limits).unwrap_err();
        assert_eq!(e, V2gtpError::Truncated { len: 3, needed: 8 });
        assert_eq!(e.offset(), 3);

        let mut f = PYPLC_SAP_FRAME;
        f[0] = 0x02;
        let e = Message::decode(&f, &limits).unwrap_err();
        assert_eq!(e, V2gtpError::Version { found: 2 });
        assert_eq!(e.offset(), 0);
        assert!(e.to_string().contains("byte 0"), "{e}");

        let mut f = PYPLC_SAP_FRAME;
        f[1] = 0xff;
        let e = Message::decode(&f, &limits).unwrap_err();
        assert_eq!(e, V2gtpError::InverseVersion { found: 0xff });
        assert_eq!(e.offset(), 1);

        let mut f = PYPLC_SAP_FRAME;
        f[4..8].copy_from_slice(&0x0001_0001u32.to_be_bytes());
        let e = Message::decode(&f, &limits).unwrap_err();
        assert_eq!(
            e,
            V2gtpError::PayloadTooLong {
                len: 0x1_0001,
                max: DEFAULT_MAX_PAYLOAD_LEN
            }
        );
        assert_eq!(e.offset(), 4);
        // A larger limit admits it (then the frame is merely truncated).
        let big = Limits::with_max_payload_len(1 << 20);
        assert!(matches!(
            Message::decode(&f, &big),
            Err(V2gtpError::Truncated {
                len: 42,
                needed: 0x1_0009
            })
        ));

        let e = Message::decode(&PYPLC_SAP_FRAME[..41], &limits).unwrap_err();
        assert_eq!(
            e,
            V2gtpError::Truncated {
                len: 41,
                needed: 42
            }
        );
        let mut long = PYPLC_SAP_FRAME.to_vec();
        long.push(0);
        let e = Message::decode(&long, &limits).unwrap_err();
        assert_eq!(
            e,
            V2gtpError::TrailingBytes {
                declared: 34,
                extra: 1
            }
        );
        assert_eq!(e.offset(), 42);
        assert!(e.to_string().contains("byte 42"), "{e}");
    }

    #[test]
    fn empty_payload_and_reserved_types_frame() {
        let m = Message::new(PayloadType::Reserved(0x1234), Vec::new());
        let f = m.encode().unwrap();
        assert_eq!(f, [0x01, 0xfe, 0x12, 0x34, 0, 0, 0, 0]);
        assert_eq!(Message::decode(&f, &Limits::default()).unwrap(), m);
    }
}
