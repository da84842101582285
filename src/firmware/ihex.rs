//! Intel HEX reader and writer, per the Intel Hexadecimal Object File Format
//! Specification, Revision A (1988): records `:LLAAAATT<data>CC`, where the
//! checksum makes the sum of all record bytes 0 modulo 256.

use thiserror::Error;

use super::image::{Image, ImageError, ImageFormat, Segment};

/// Why a line failed; the line number is in [`HexError`].
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum HexErrorKind {
    #[error("record does not start with ':'")]
    MissingColon,
    #[error("character {column} is not a hex digit")]
    NotHex { column: usize },
    #[error("odd number of hex digits")]
    OddDigits,
    #[error("record shorter than the 5 header/checksum bytes")]
    TooShort,
    #[error("length byte says {declared} data bytes, record has {actual}")]
    LengthMismatch { declared: usize, actual: usize },
    #[error("checksum {found:#04x}, the record's bytes need {expected:#04x}")]
    Checksum { expected: u8, found: u8 },
    #[error("record type {0:#04x} is not one of 00..05")]
    UnknownType(u8),
    #[error("record type {record_type:#04x} needs {expected} data bytes, has {actual}")]
    BadTypeLength {
        record_type: u8,
        expected: usize,
        actual: usize,
    },
    #[error("a second start address record disagrees with the first ({first:#010x})")]
    ConflictingStart { first: u32 },
    #[error("record after the end-of-file record")]
    AfterEof,
    #[error("no end-of-file record (type 01)")]
    MissingEof,
    #[error("no data records")]
    NoData,
    #[error("{0}")]
    Image(ImageError),
}

/// A located Intel HEX error: 1-based line number.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("line {line}: {kind}")]
pub struct HexError {
    pub line: usize,
    pub kind: HexErrorKind,
}

/// How record addresses are extended (spec §2: 8-bit, 16-bit segmented, 32-bit linear).
#[derive(Clone, Copy)]
enum Base {
    /// Type 02: USBA × 16 + (offset mod 64 KiB) — the offset wraps inside the segment.
    Segment(u32),
    /// Type 04: (ULBA << 16) + offset, modulo 4 GiB.
    Linear(u32),
}

fn hex_val(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

fn decode_record(line: &[u8]) -> Result<Vec<u8>, HexErrorKind> {
    let body = line.strip_prefix(b":").ok_or(HexErrorKind::MissingColon)?;
    if body.len() % 2 != 0 {
        // Report a bad digit before blaming the length.
        if let Some(i) = body.iter().position(|&c| hex_val(c).is_none()) {
            return Err(HexErrorKind::NotHex { column: i + 2 });
        }
        return Err(HexErrorKind::OddDigits);
    }
    let mut bytes = Vec::with_capacity(body.len() / 2);
    for (i, pair) in body.chunks_exact(2).enumerate() {
        let (Some(&h), Some(&l)) = (pair.first(), pair.get(1)) else {
            return Err(HexErrorKind::OddDigits);
        };
        let hi = hex_val(h).ok_or(HexErrorKind::NotHex { column: 2 * i + 2 })?;
        let lo = hex_val(l).ok_or(HexErrorKind::NotHex { column: 2 * i + 3 })?;
        bytes.push(hi << 4 | lo);
    }
    Ok(bytes)
}

/// Parses Intel HEX text into an [`Image`]. Lines may end in LF, CRLF or
/// CR; blank lines are ignored; everything after the EOF record must be blank.
pub fn read_ihex(text: &[u8]) -> Result<Image, HexError> {
    let mut base = Base::Linear(0);
    let mut entry: Option<u32> = None;
    // Runs of contiguous data, each tagged with the line that started it.
    let mut runs: Vec<(Segment, String)> = Vec::new();
    let mut eof_line: Option<usize> = None;
    let mut last_line = 0;
    // Records end in CR LF per the spec; accept LF alone, or CR alone when
    // the file has no LF at all.
    let sep = if text.contains(&b'\n') { b'\n' } else { b'\r' };
    for (idx, raw) in text.split(|&b| b == sep).enumerate() {
        let line_no = idx + 1;
        let line = raw.trim_ascii();
        if line.is_empty() {
            continue;
        }
        last_line = line_no;
        let err = |kind| HexError {
            line: line_no,
            kind,
        };
        if eof_line.is_some() {
            return Err(err(HexErrorKind::AfterEof));
        }
        let rec = decode_record(line).map_err(err)?;
        let [len, addr_hi, addr_lo, rtype, ref data @ .., _checksum] = rec[..] else {
            return Err(err(HexErrorKind::TooShort));
        };
        if data.len() != usize::from(len) {
            return Err(err(HexErrorKind::LengthMismatch {
                declared: usize::from(len),
                actual: data.len(),
            }));
        }
        let sum = rec.iter().fold(0u8, |a, &b| a.wrapping_add(b));
        if sum != 0 {
            let found = rec.last().copied().unwrap_or(0);
            return Err(err(HexErrorKind::Checksum {
                expected: found.wrapping_sub(sum),
                found,
            }));
        }
        let need = |n: usize| {
            if data.len() == n {
                Ok(())
            } else {
                Err(err(HexErrorKind::BadTypeLength {
                    record_type: rtype,
                    expected: n,
                    actual: data.len(),
                }))
            }
        };
        let offset = u16::from_be_bytes([addr_hi, addr_lo]);
        match rtype {
            0x00 => add_data(&mut runs, base, offset, data, line_no),
            0x01 => {
                need(0)?;
                eof_line = Some(line_no);
            }
            0x02 | 0x04 => {
                need(2)?;
                let v = u32::from(be16(data, 0));
                base = if rtype == 0x02 {
                    Base::Segment(v << 4)
                } else {
                    Base::Linear(v << 16)
                };
            }
            0x03 | 0x05 => {
                need(4)?;
                let start = if rtype == 0x03 {
                    // CS:IP, 8086 real mode: CS × 16 + IP.
                    (u32::from(be16(data, 0)) << 4) + u32::from(be16(data, 2))
                } else {
                    u32::from(be16(data, 0)) << 16 | u32::from(be16(data, 2))
                };
                match entry {
                    Some(first) if first != start => {
                        return Err(err(HexErrorKind::ConflictingStart { first }))
                    }
                    _ => entry = Some(start),
                }
            }
            other => return Err(err(HexErrorKind::UnknownType(other))),
        }
    }
    let Some(eof_line) = eof_line else {
        return Err(HexError {
            line: last_line,
            kind: HexErrorKind::MissingEof,
        });
    };
    Image::from_tagged(runs, entry, ImageFormat::IntelHex).map_err(|e| HexError {
        line: eof_line,
        kind: match e {
            ImageError::Empty => HexErrorKind::NoData,
            other => HexErrorKind::Image(other),
        },
    })
}

/// Big-endian u16 at `at`; 0 when out of range (callers check lengths first).
fn be16(data: &[u8], at: usize) -> u16 {
    match data.get(at..at + 2) {
        Some(&[h, l]) => u16::from_be_bytes([h, l]),
        _ => 0,
    }
}

fn add_data(runs: &mut Vec<(Segment, String)>, base: Base, offset: u16, data: &[u8], line: usize) {
    // Split where the address wraps (64 KiB inside a segment, 4 GiB linear).
    let mut rest = data;
    let mut off = u32::from(offset);
    while !rest.is_empty() {
        let (address, room) = match base {
            Base::Segment(b) => (b + (off & 0xFFFF), 0x1_0000 - u64::from(off & 0xFFFF)),
            Base::Linear(b) => {
                let a = b.wrapping_add(off & 0xFFFF);
                (a, (1u64 << 32) - u64::from(a))
            }
        };
        let n = rest.len().min(usize::try_from(room).unwrap_or(usize::MAX));
        let (now, later) = rest.split_at(n);
        match runs.last_mut() {
            Some((seg, _)) if seg.end() == u64::from(address) => seg.data.extend_from_slice(now),
            _ => runs.push((
                Segment {
                    address,
                    data: now.to_vec(),
                },
                format!("line {line}"),
            )),
        }
        rest = later;
        off = off.wrapping_add(n as u32);
    }
}

fn record(out: &mut String, rtype: u8, offset: u16, data: &[u8]) {
    let mut bytes = vec![data.len() as u8];
    bytes.extend_from_slice(&offset.to_be_bytes());
    bytes.push(rtype);
    bytes.extend_from_slice(data);
    let sum = bytes.iter().fold(0u8, |a, &b| a.wrapping_add(b));
    bytes.push(sum.wrapping_neg());
    out.push(':');
    for b in bytes {
        out.push_str(&format!("{b:02X}"));
    }
    out.push('\n');
}

/// Writes `image` as Intel HEX with 32-bit linear addressing (types 04/00,
/// type 05 for the entry point, type 01 last), `per_record` data bytes per
/// line (16 is customary; clamped to 1..=255).
pub fn write_ihex(image: &Image, per_record: usize) -> String {
    let per_record = per_record.clamp(1, 255);
    let mut out = String::new();
    let mut upper: Option<u32> = None;
    for seg in image.segments() {
        let mut addr = seg.address;
        let mut rest = &seg.data[..];
        while !rest.is_empty() {
            if upper != Some(addr >> 16) {
                upper = Some(addr >> 16);
                record(&mut out, 0x04, 0, &((addr >> 16) as u16).to_be_bytes());
            }
            // Do not cross a 64 KiB boundary inside one record.
            let room = 0x1_0000 - (addr & 0xFFFF) as usize;
            let n = rest.len().min(per_record).min(room);
            let (now, later) = rest.split_at(n);
            record(&mut out, 0x00, (addr & 0xFFFF) as u16, now);
            rest = later;
            addr = addr.wrapping_add(n as u32);
        }
    }
    if let Some(e) = image.entry() {
        record(&mut out, 0x05, 0, &e.to_be_bytes());
    }
    record(&mut out, 0x01, 0, &[]);
    out
}
