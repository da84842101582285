//! The checked pcapng reader: SocketCAN packets back out of a file (for
//! tests and tools). Offsets in errors are from the start of the file.

use super::*;

/// One interface of a section as its IDB describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InterfaceInfo {
    pub link_type: u16,
    pub snap_len: u32,
    pub name: Option<String>,
    /// Raw if_tsresol (§4.2; 6 = microseconds when absent).
    pub ts_resolution: u8,
}

/// One CAN frame read back from an EPB.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CanPacket {
    /// Index of the IDB in its section.
    pub interface_id: u32,
    pub timestamp: Duration,
    pub frame: CanFrame,
    pub direction: Option<Direction>,
}

/// What [`parse_capture`] found: the last section's interfaces and every packet.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Capture {
    pub interfaces: Vec<InterfaceInfo>,
    pub packets: Vec<CanPacket>,
}

/// Reads fixed-size fields in the section's byte order; `None` past the end.
#[derive(Clone, Copy)]
struct View<'a> {
    bytes: &'a [u8],
    little: bool,
}

impl View<'_> {
    fn u16(&self, at: usize) -> Option<u16> {
        let b: [u8; 2] = self.bytes.get(at..at.checked_add(2)?)?.try_into().ok()?;
        Some(if self.little {
            u16::from_le_bytes(b)
        } else {
            u16::from_be_bytes(b)
        })
    }
    fn u32(&self, at: usize) -> Option<u32> {
        let b: [u8; 4] = self.bytes.get(at..at.checked_add(4)?)?.try_into().ok()?;
        Some(if self.little {
            u32::from_le_bytes(b)
        } else {
            u32::from_be_bytes(b)
        })
    }
}

/// Options (§3.5) from `body[start..]`: (code, value) until opt_endofopt or the end.
fn parse_options(
    body: View<'_>,
    start: usize,
    base: usize,
) -> Result<Vec<(u16, &[u8])>, PcapngError> {
    let mut out = Vec::new();
    let mut at = start;
    while at < body.bytes.len() {
        let (Some(code), Some(len)) = (body.u16(at), body.u16(at + 2)) else {
            return Err(malformed(base + at, "truncated option header"));
        };
        if code == OPT_ENDOFOPT {
            break;
        }
        let len = usize::from(len);
        let value = body
            .bytes
            .get(at + 4..at + 4 + len)
            .ok_or_else(|| malformed(base + at, "option value runs past its block"))?;
        out.push((code, value));
        at += 4 + len + pad4(len);
    }
    Ok(out)
}

/// Ticks at `tsresol` (§4.2: bit 7 clear 10^-n, set 2^-n) to a Duration.
fn ticks_to_duration(ticks: u64, tsresol: u8, offset: usize) -> Result<Duration, PcapngError> {
    let exp = u32::from(tsresol & 0x7F);
    let per_second: Option<u64> = if tsresol & 0x80 == 0 {
        10u64.checked_pow(exp)
    } else {
        1u64.checked_shl(exp)
    };
    let per_second = per_second
        .filter(|p| *p > 0)
        .ok_or_else(|| unsupported(offset, format!("if_tsresol {tsresol:#04X} is out of range")))?;
    let secs = ticks / per_second;
    let frac = u128::from(ticks % per_second);
    let nanos = (frac * 1_000_000_000 / u128::from(per_second)) as u32;
    Ok(Duration::new(secs, nanos))
}

/// Decodes a LINKTYPE_CAN_SOCKETCAN packet that holds a classic CAN frame.
pub fn decode_socketcan(packet: &[u8]) -> Result<CanFrame, String> {
    let head: [u8; 8] = packet
        .get(..8)
        .and_then(|h| h.try_into().ok())
        .ok_or("shorter than the 8-byte SocketCAN header")?;
    let [w0, w1, w2, w3, len, fd_flags, _, _] = head;
    if len & CANXL_XLF != 0 {
        return Err("CAN XL frames are not classic CAN".into());
    }
    if fd_flags & CANFD_FDF != 0 || len > 8 || packet.len() == 72 {
        return Err("CAN FD frames are not classic CAN".into());
    }
    let word = u32::from_be_bytes([w0, w1, w2, w3]);
    if word & CAN_ERR_FLAG != 0 {
        return Err("error frames (CAN_ERR_FLAG) are not data frames".into());
    }
    let id = if word & CAN_EFF_FLAG != 0 {
        CanId::extended(word & CAN_EFF_MASK)
    } else {
        let raw = word & CAN_EFF_MASK;
        u16::try_from(raw)
            .map_err(|_| crate::transport::can::InvalidFrame(format!("standard id 0x{raw:X}")))
            .and_then(CanId::standard)
    }
    .map_err(|e| e.to_string())?;
    let result = if word & CAN_RTR_FLAG != 0 {
        CanFrame::remote(id, len)
    } else {
        let data = packet
            .get(8..8 + usize::from(len))
            .ok_or("payload shorter than its length byte")?;
        CanFrame::new(id, data)
    };
    result.map_err(|e| e.to_string())
}

/// Reads a whole pcapng file of SocketCAN packets. Blocks other than SHB,
/// IDB and EPB are skipped; never panics on any bytes.
pub fn parse_capture(bytes: &[u8]) -> Result<Capture, PcapngError> {
    let mut capture = Capture::default();
    let mut little: Option<bool> = None;
    let mut at = 0usize;
    while at < bytes.len() {
        let rest = bytes.get(at..).unwrap_or_default();
        let raw_type = View {
            bytes: rest,
            little: true,
        }
        .u32(0)
        .ok_or_else(|| malformed(at, "truncated block header"))?;
        if raw_type == BLOCK_SHB {
            little = Some(
                match (View {
                    bytes: rest,
                    little: true,
                })
                .u32(8)
                {
                    Some(BYTE_ORDER_MAGIC) => true,
                    Some(m) if m == BYTE_ORDER_MAGIC.swap_bytes() => false,
                    _ => return Err(malformed(at + 8, "bad byte-order magic")),
                },
            );
            capture.interfaces.clear();
        }
        let Some(le) = little else {
            return Err(malformed(
                at,
                "the file does not start with a Section Header Block",
            ));
        };
        let view = View {
            bytes: rest,
            little: le,
        };
        let block_type = view.u32(0).unwrap_or(0);
        let total = view
            .u32(4)
            .map(|t| t as usize)
            .ok_or_else(|| malformed(at + 4, "truncated block header"))?;
        if total < 12 || total % 4 != 0 || total > rest.len() {
            return Err(malformed(
                at + 4,
                format!("block length {total} is invalid here"),
            ));
        }
        if view.u32(total - 4).map(|t| t as usize) != Some(total) {
            return Err(malformed(at + total - 4, "trailing block length differs"));
        }
        let body = View {
            bytes: rest.get(8..total - 4).unwrap_or_default(),
            little: le,
        };
        let base = at + 8;
        match block_type {
            BLOCK_SHB if body.u16(4) != Some(1) => {
                return Err(unsupported(base + 4, "only pcapng major version 1"));
            }
            BLOCK_IDB => capture.interfaces.push(parse_idb(body, base)?),
            BLOCK_EPB => capture
                .packets
                .push(parse_epb(body, base, &capture.interfaces)?),
            _ => {}
        }
        at += total;
    }
    Ok(capture)
}

fn parse_idb(body: View<'_>, base: usize) -> Result<InterfaceInfo, PcapngError> {
    let (Some(link_type), Some(snap_len)) = (body.u16(0), body.u32(4)) else {
        return Err(malformed(base, "IDB shorter than 8 bytes"));
    };
    let mut info = InterfaceInfo {
        link_type,
        snap_len,
        name: None,
        ts_resolution: 6,
    };
    for (code, value) in parse_options(body, 8, base)? {
        match (code, value) {
            (OPT_IF_NAME, v) => info.name = Some(String::from_utf8_lossy(v).into_owned()),
            (OPT_IF_TSRESOL, [r]) => info.ts_resolution = *r,
            _ => {}
        }
    }
    Ok(info)
}

fn parse_epb(
    body: View<'_>,
    base: usize,
    interfaces: &[InterfaceInfo],
) -> Result<CanPacket, PcapngError> {
    let fields = (body.u32(0), body.u32(4), body.u32(8), body.u32(12));
    let (Some(interface_id), Some(hi), Some(lo), Some(cap_len)) = fields else {
        return Err(malformed(base, "EPB shorter than 20 bytes"));
    };
    let iface = usize::try_from(interface_id)
        .ok()
        .and_then(|i| interfaces.get(i))
        .ok_or_else(|| {
            malformed(
                base,
                format!("EPB names interface {interface_id}, not described"),
            )
        })?;
    if iface.link_type != LINKTYPE_CAN_SOCKETCAN {
        return Err(unsupported(
            base,
            format!("link type {} is not SocketCAN", iface.link_type),
        ));
    }
    let cap_len = cap_len as usize;
    let packet = body
        .bytes
        .get(20..20usize.saturating_add(cap_len))
        .ok_or_else(|| malformed(base + 12, "captured length runs past the block"))?;
    let ticks = (u64::from(hi) << 32) | u64::from(lo);
    let timestamp = ticks_to_duration(ticks, iface.ts_resolution, base + 4)?;
    let frame = decode_socketcan(packet).map_err(|r| unsupported(base + 20, r))?;
    let mut direction = None;
    for (code, value) in parse_options(body, 20 + cap_len + pad4(cap_len), base)? {
        if code == OPT_EPB_FLAGS {
            let flags = View {
                bytes: value,
                little: body.little,
            }
            .u32(0);
            direction = match flags.map(|f| f & 0b11) {
                Some(EPB_INBOUND) => Some(Direction::Rx),
                Some(EPB_OUTBOUND) => Some(Direction::Tx),
                _ => None,
            };
        }
    }
    Ok(CanPacket {
        interface_id,
        timestamp,
        frame,
        direction,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ext_frame() -> CanFrame {
        CanFrame::new(CanId::Extended(0x18DA_F110), &[0x11, 0x22, 0x33]).unwrap()
    }

    #[test]
    fn round_trip() {
        let frames = [
            (ext_frame(), Some(Direction::Tx)),
            (
                CanFrame::new(CanId::Standard(0x7FF), &[0xAB; 8]).unwrap(),
                Some(Direction::Rx),
            ),
            (CanFrame::new(CanId::Standard(0), &[]).unwrap(), None),
            (
                CanFrame::remote(CanId::Extended(0x1FFF_FFFF), 8).unwrap(),
                None,
            ),
        ];
        let mut w = PcapngWriter::new(Vec::new(), "can0").unwrap();
        for (i, (f, d)) in frames.iter().enumerate() {
            let t = Duration::new(1_700_000_000 + i as u64, 999_999_999 - i as u32);
            w.write(t, f, *d).unwrap();
        }
        let cap = parse_capture(&w.into_inner()).unwrap();
        assert_eq!(
            cap.interfaces,
            vec![InterfaceInfo {
                link_type: LINKTYPE_CAN_SOCKETCAN,
                snap_len: 16,
                name: Some("can0".into()),
                ts_resolution: 9,
            }]
        );
        assert_eq!(cap.packets.len(), frames.len());
        for (i, (p, (f, d))) in cap.packets.iter().zip(&frames).enumerate() {
            assert_eq!(p.frame, *f);
            assert_eq!(p.direction, *d);
            assert_eq!(p.interface_id, 0);
            let t = Duration::new(1_700_000_000 + i as u64, 999_999_999 - i as u32);
            assert_eq!(p.timestamp, t);
        }
    }

    #[test]
    fn reader_refuses_what_it_cannot_trust() {
        let mut file = section_header_block();
        file.extend(interface_description_block("can0").unwrap());
        let epb = enhanced_packet_block(Duration::ZERO, &ext_frame(), None);
        // Packet before any SHB.
        assert!(matches!(
            parse_capture(&epb),
            Err(PcapngError::Malformed { .. })
        ));
        // Trailer length mismatch.
        let mut bad = file.clone();
        let mut e = epb.clone();
        let n = e.len();
        e[n - 4] = 0;
        bad.extend(e);
        assert!(parse_capture(&bad).is_err());
        // CAN FD flag set in the packet.
        let mut fd = file.clone();
        let mut e = epb.clone();
        e[33] = CANFD_FDF;
        fd.extend(e);
        assert!(matches!(
            parse_capture(&fd),
            Err(PcapngError::Unsupported { .. })
        ));
        // Error frame.
        let mut err = file.clone();
        let mut e = epb;
        e[28] |= 0x20;
        err.extend(e);
        assert!(matches!(
            parse_capture(&err),
            Err(PcapngError::Unsupported { .. })
        ));
    }

    #[test]
    fn microsecond_and_binary_resolutions() {
        assert_eq!(
            ticks_to_duration(1_500_000, 6, 0).unwrap(),
            Duration::from_millis(1500)
        );
        assert_eq!(
            ticks_to_duration(3, 0x81, 0).unwrap(),
            Duration::from_millis(1500)
        );
        assert!(ticks_to_duration(1, 20, 0).is_err());
        assert!(ticks_to_duration(1, 0xC0, 0).is_err());
    }

    #[test]
    fn reader_never_panics_on_random_bytes() {
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut valid = section_header_block();
        valid.extend(interface_description_block("can0").unwrap());
        valid.extend(enhanced_packet_block(
            Duration::ZERO,
            &ext_frame(),
            Some(Direction::Rx),
        ));
        for round in 0..20_000 {
            let bytes: Vec<u8> = if round % 2 == 0 {
                let len = (next() % 160) as usize;
                (0..len).map(|_| next() as u8).collect()
            } else {
                // Mutate a valid file so the parser gets past the first checks.
                let mut b = valid.clone();
                for _ in 0..1 + next() % 4 {
                    let i = (next() as usize) % b.len();
                    b[i] = next() as u8;
                }
                b.truncate((next() as usize) % (b.len() + 1));
                b
            };
            let _ = parse_capture(&bytes);
            let _ = decode_socketcan(&bytes);
        }
    }
}
