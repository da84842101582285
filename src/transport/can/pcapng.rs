//! CAN traces as pcapng (draft-ietf-opsawg-pcapng) with the SocketCAN link
//! type, so Wireshark and tshark open what `run --out` records.
//!
//! A file is one Section Header Block, one Interface Description Block per
//! bus (LINKTYPE_CAN_SOCKETCAN = 227, `if_name`, `if_tsresol` = 9 so
//! nanosecond simulated time survives), then one Enhanced Packet Block per
//! frame. Each packet is the 16-byte Linux `struct can_frame` as the tcpdump
//! page <https://www.tcpdump.org/linktypes/LINKTYPE_CAN_SOCKETCAN.html>
//! defines it: CAN ID + EFF/RTR/ERR flags big-endian, payload length, FD
//! flags (0), two reserved bytes, 8 data bytes zero-padded.
//!
//! The encoders are pure; [`PcapngWriter`] does the I/O. [`parse_capture`]
//! is a checked reader (never panics) used to round-trip in tests.

use super::candump::Direction;
use super::frame::{CanFrame, CanId};
use std::io::{self, Write};
use std::time::Duration;
use thiserror::Error;

/// tcpdump LINKTYPE_CAN_SOCKETCAN.
pub const LINKTYPE_CAN_SOCKETCAN: u16 = 227;
/// Linux `CAN_MTU` (sizeof struct can_frame): header 8 + data 8.
pub const CAN_MTU: usize = 16;
/// draft-ietf-opsawg-pcapng §4.1: SHB type, palindromic so any byte order reads it.
pub const BLOCK_SHB: u32 = 0x0A0D_0D0A;
/// §4.2 Interface Description Block.
pub const BLOCK_IDB: u32 = 0x0000_0001;
/// §4.3 Enhanced Packet Block.
pub const BLOCK_EPB: u32 = 0x0000_0006;
/// §4.1 Byte-Order Magic as written in the writer's (little-endian) order.
const BYTE_ORDER_MAGIC: u32 = 0x1A2B_3C4D;
/// §3.5 opt_endofopt; §4.2 if_name (2), if_tsresol (9); §4.3 epb_flags (2).
const OPT_ENDOFOPT: u16 = 0;
const OPT_IF_NAME: u16 = 2;
const OPT_IF_TSRESOL: u16 = 9;
const OPT_EPB_FLAGS: u16 = 2;
/// if_tsresol: bit 7 clear, 10^-9 s per tick.
const TSRESOL_NANOS: u8 = 9;
/// §4.3.1 flags word bits 0-1: 01 inbound, 10 outbound.
const EPB_INBOUND: u32 = 0b01;
const EPB_OUTBOUND: u32 = 0b10;
/// LINKTYPE_CAN_SOCKETCAN flag bits in the big-endian id word.
const CAN_EFF_FLAG: u32 = 0x8000_0000;
const CAN_RTR_FLAG: u32 = 0x4000_0000;
const CAN_ERR_FLAG: u32 = 0x2000_0000;
const CAN_EFF_MASK: u32 = 0x1FFF_FFFF;
/// FD flags byte: CANFD_FDF marks a CAN FD frame; byte 4 bit 7 marks CAN XL.
const CANFD_FDF: u8 = 0x04;
const CANXL_XLF: u8 = 0x80;

/// Errors of the pcapng encoder and reader. Reader offsets are from the
/// start of the file.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PcapngError {
    #[error("interface name is {0} bytes; an option holds at most 65535")]
    NameTooLong(usize),
    #[error("byte {offset}: {reason}")]
    Malformed { offset: usize, reason: String },
    #[error("byte {offset}: {reason}")]
    Unsupported { offset: usize, reason: String },
}

fn malformed(offset: usize, reason: impl Into<String>) -> PcapngError {
    PcapngError::Malformed {
        offset,
        reason: reason.into(),
    }
}

fn unsupported(offset: usize, reason: impl Into<String>) -> PcapngError {
    PcapngError::Unsupported {
        offset,
        reason: reason.into(),
    }
}

/// Bytes needed to pad `len` to 32 bits (§3.1: bodies and option values are padded).
fn pad4(len: usize) -> usize {
    (4 - len % 4) % 4
}

/// Appends one option (§3.5): code, length, value, zero padding.
fn push_option(buf: &mut Vec<u8>, code: u16, value: &[u8]) -> Result<(), PcapngError> {
    let len = u16::try_from(value.len()).map_err(|_| PcapngError::NameTooLong(value.len()))?;
    buf.extend_from_slice(&code.to_le_bytes());
    buf.extend_from_slice(&len.to_le_bytes());
    buf.extend_from_slice(value);
    buf.resize(buf.len() + pad4(value.len()), 0);
    Ok(())
}

/// Wraps a body in type + total length ... total length (§3.1).
fn block(block_type: u32, body: &[u8]) -> Vec<u8> {
    let total = 12 + body.len() + pad4(body.len());
    // Bodies here stay far below 4 GiB (an option value is at most 64 KiB).
    let total32 = u32::try_from(total).unwrap_or(u32::MAX);
    let mut out = Vec::with_capacity(total);
    out.extend_from_slice(&block_type.to_le_bytes());
    out.extend_from_slice(&total32.to_le_bytes());
    out.extend_from_slice(body);
    out.resize(8 + body.len() + pad4(body.len()), 0);
    out.extend_from_slice(&total32.to_le_bytes());
    out
}

/// §4.1 Section Header Block: little-endian, version 1.0, section length
/// -1 (unknown, since the file grows frame by frame), no options.
pub fn section_header_block() -> Vec<u8> {
    let mut body = Vec::with_capacity(16);
    body.extend_from_slice(&BYTE_ORDER_MAGIC.to_le_bytes());
    body.extend_from_slice(&1u16.to_le_bytes());
    body.extend_from_slice(&0u16.to_le_bytes());
    body.extend_from_slice(&(-1i64).to_le_bytes());
    block(BLOCK_SHB, &body)
}

/// §4.2 Interface Description Block for a SocketCAN bus named `if_name`,
/// snaplen CAN_MTU, timestamps in nanoseconds.
pub fn interface_description_block(if_name: &str) -> Result<Vec<u8>, PcapngError> {
    let mut body = Vec::with_capacity(32 + if_name.len());
    body.extend_from_slice(&LINKTYPE_CAN_SOCKETCAN.to_le_bytes());
    body.extend_from_slice(&0u16.to_le_bytes());
    body.extend_from_slice(&(CAN_MTU as u32).to_le_bytes());
    push_option(&mut body, OPT_IF_NAME, if_name.as_bytes())?;
    push_option(&mut body, OPT_IF_TSRESOL, &[TSRESOL_NANOS])?;
    push_option(&mut body, OPT_ENDOFOPT, &[])?;
    Ok(block(BLOCK_IDB, &body))
}

/// §4.2 Interface Description Block for any link type (`linktype` from
/// the tcpdump LINKTYPE registry), nanosecond timestamps.
pub fn interface_block(linktype: u16, snaplen: u32, if_name: &str) -> Result<Vec<u8>, PcapngError> {
    let mut body = Vec::with_capacity(32 + if_name.len());
    body.extend_from_slice(&linktype.to_le_bytes());
    body.extend_from_slice(&0u16.to_le_bytes());
    body.extend_from_slice(&snaplen.to_le_bytes());
    push_option(&mut body, OPT_IF_NAME, if_name.as_bytes())?;
    push_option(&mut body, OPT_IF_TSRESOL, &[TSRESOL_NANOS])?;
    push_option(&mut body, OPT_ENDOFOPT, &[])?;
    Ok(block(BLOCK_IDB, &body))
}

/// §4.3 Enhanced Packet Block of any packet on interface 0 (nanoseconds).
pub fn packet_block(timestamp: Duration, packet: &[u8]) -> Vec<u8> {
    let ticks = nanos_u64(timestamp);
    let len = u32::try_from(packet.len()).unwrap_or(u32::MAX);
    let mut body = Vec::with_capacity(20 + packet.len() + 4);
    body.extend_from_slice(&0u32.to_le_bytes());
    body.extend_from_slice(&((ticks >> 32) as u32).to_le_bytes());
    body.extend_from_slice(&(ticks as u32).to_le_bytes());
    body.extend_from_slice(&len.to_le_bytes());
    body.extend_from_slice(&len.to_le_bytes());
    body.extend_from_slice(packet);
    body.resize(body.len() + pad4(packet.len()), 0);
    block(BLOCK_EPB, &body)
}

/// The 16-byte `struct can_frame` of LINKTYPE_CAN_SOCKETCAN. A remote
/// frame carries its requested DLC in the length byte and no data, as Linux does.
pub fn socketcan_frame(frame: &CanFrame) -> [u8; CAN_MTU] {
    let mut word = match frame.id() {
        CanId::Standard(id) => u32::from(id) & 0x7FF,
        CanId::Extended(id) => (id & CAN_EFF_MASK) | CAN_EFF_FLAG,
    };
    if frame.is_remote() {
        word |= CAN_RTR_FLAG;
    }
    let mut out = [0u8; CAN_MTU];
    let (head, data) = out.split_at_mut(8);
    head[..4].copy_from_slice(&word.to_be_bytes());
    head[4] = frame.dlc().min(8);
    let payload = frame.data();
    data[..payload.len()].copy_from_slice(payload);
    out
}

/// Ticks of 10^-9 s; saturates after the year 2554.
fn nanos_u64(t: Duration) -> u64 {
    u64::try_from(t.as_nanos()).unwrap_or(u64::MAX)
}

/// §4.3 Enhanced Packet Block on interface 0 with a nanosecond timestamp,
/// and §4.3.1 epb_flags when the direction is known.
pub fn enhanced_packet_block(
    timestamp: Duration,
    frame: &CanFrame,
    direction: Option<Direction>,
) -> Vec<u8> {
    let ticks = nanos_u64(timestamp);
    let packet = socketcan_frame(frame);
    let mut body = Vec::with_capacity(20 + CAN_MTU + 12);
    body.extend_from_slice(&0u32.to_le_bytes());
    body.extend_from_slice(&((ticks >> 32) as u32).to_le_bytes());
    body.extend_from_slice(&(ticks as u32).to_le_bytes());
    body.extend_from_slice(&(CAN_MTU as u32).to_le_bytes());
    body.extend_from_slice(&(CAN_MTU as u32).to_le_bytes());
    body.extend_from_slice(&packet);
    if let Some(d) = direction {
        let flags = match d {
            Direction::Rx => EPB_INBOUND,
            Direction::Tx => EPB_OUTBOUND,
        };
        // Four bytes of value and an empty end marker never exceed a u16 length.
        let _ = push_option(&mut body, OPT_EPB_FLAGS, &flags.to_le_bytes());
        let _ = push_option(&mut body, OPT_ENDOFOPT, &[]);
    }
    block(BLOCK_EPB, &body)
}

/// Writes SHB + IDB on creation and one EPB per frame, flushing each so a
/// killed process keeps every frame already written (like the candump log).
pub struct PcapngWriter<W: Write> {
    out: W,
}

impl<W: Write> PcapngWriter<W> {
    pub fn new(mut out: W, if_name: &str) -> io::Result<Self> {
        let idb = interface_description_block(if_name)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
        out.write_all(&section_header_block())?;
        out.write_all(&idb)?;
        out.flush()?;
        Ok(PcapngWriter { out })
    }

    /// `direction` is `None` for a whole-wire monitor (no epb_flags).
    pub fn write(
        &mut self,
        timestamp: Duration,
        frame: &CanFrame,
        direction: Option<Direction>,
    ) -> io::Result<()> {
        self.out
            .write_all(&enhanced_packet_block(timestamp, frame, direction))?;
        self.out.flush()
    }

    pub fn into_inner(self) -> W {
        self.out
    }
}

mod read;
pub use read::{decode_socketcan, parse_capture, CanPacket, Capture, InterfaceInfo};

#[cfg(test)]
mod tests {
    use super::*;

    fn ext_frame() -> CanFrame {
        CanFrame::new(CanId::Extended(0x18DA_F110), &[0x11, 0x22, 0x33]).unwrap()
    }

    #[test]
    fn section_header_bytes() {
        #[rustfmt::skip]
        let want = [
            0x0A, 0x0D, 0x0D, 0x0A, 0x1C, 0, 0, 0, // type, total length 28
            0x4D, 0x3C, 0x2B, 0x1A, 1, 0, 0, 0, // magic, version 1.0
            0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, // section length -1
            0x1C, 0, 0, 0,
        ];
        assert_eq!(section_header_block(), want);
    }

    #[test]
    fn interface_description_bytes() {
        #[rustfmt::skip]
        let want = [
            1, 0, 0, 0, 0x28, 0, 0, 0, // IDB, 40 bytes
            0xE3, 0, 0, 0, 0x10, 0, 0, 0, // link type 227, reserved, snaplen 16
            2, 0, 4, 0, b'c', b'a', b'n', b'0', // if_name "can0"
            9, 0, 1, 0, 9, 0, 0, 0, // if_tsresol 9, padded
            0, 0, 0, 0, // opt_endofopt
            0x28, 0, 0, 0,
        ];
        assert_eq!(interface_description_block("can0").unwrap(), want);
        // An odd-length name is padded to 32 bits.
        let ev = interface_description_block("ev").unwrap();
        assert_eq!(ev.len(), 40);
        assert_eq!(&ev[16..24], &[2, 0, 2, 0, b'e', b'v', 0, 0]);
        let long = "x".repeat(70_000);
        assert_eq!(
            interface_description_block(&long),
            Err(PcapngError::NameTooLong(70_000))
        );
    }

    #[test]
    fn enhanced_packet_bytes_with_direction() {
        let epb = enhanced_packet_block(
            Duration::from_millis(1500),
            &ext_frame(),
            Some(Direction::Tx),
        );
        #[rustfmt::skip]
        let want = [
            6, 0, 0, 0, 0x3C, 0, 0, 0, // EPB, 60 bytes
            0, 0, 0, 0, // interface 0
            0, 0, 0, 0, 0x00, 0x2F, 0x68, 0x59, // 1.5e9 ns: high, low
            0x10, 0, 0, 0, 0x10, 0, 0, 0, // captured 16, original 16
            0x98, 0xDA, 0xF1, 0x10, // id | EFF, big-endian
            3, 0, 0, 0, // length, FD flags, reserved
            0x11, 0x22, 0x33, 0, 0, 0, 0, 0,
            2, 0, 4, 0, 2, 0, 0, 0, // epb_flags: outbound
            0, 0, 0, 0,
            0x3C, 0, 0, 0,
        ];
        assert_eq!(epb, want);
    }

    #[test]
    fn remote_frame_without_direction() {
        let rtr = CanFrame::remote(CanId::Standard(0x123), 4).unwrap();
        let t = Duration::new(1_700_000_000, 123_456_789);
        let epb = enhanced_packet_block(t, &rtr, None);
        assert_eq!(epb.len(), 48);
        // 1700000000123456789 ns = 0x17979CFE_3D85CD15
        assert_eq!(
            &epb[12..20],
            &[0xFE, 0x9C, 0x97, 0x17, 0x15, 0xCD, 0x85, 0x3D]
        );
        assert_eq!(
            &epb[28..44],
            &[0x40, 0, 0x01, 0x23, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
        );
        assert_eq!(&epb[44..], &[48, 0, 0, 0]);
    }
}
