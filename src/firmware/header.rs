//! Version header that the emulated charger's firmware carries at the very
//! start of its application image, so the bootloader can check the image
//! (ISO 14229 routine 0xFF01, check programming dependencies) and report the
//! version after reset (ISO 14229-1 DID 0xF189, ECU software version number).
//!
//! Layout, 64 bytes, little-endian, at the image's lowest address:
//!
//! | offset | size | field                                                   |
//! |-------:|-----:|---------------------------------------------------------|
//! |      0 |    4 | magic `"V2XF"`                                          |
//! |      4 |    2 | header format version, 1                                |
//! |      6 |    2 | header length in bytes, 64                              |
//! |      8 |   16 | software version, ASCII, NUL-padded (e.g. `1.1.0`)      |
//! |     24 |    4 | payload length: bytes that follow the header            |
//! |     28 |    4 | CRC-32 of the payload                                   |
//! |     32 |   28 | reserved, zero                                          |
//! |     60 |    4 | CRC-32 of header bytes 0..60                            |
//!
//! The payload is the `payload length` bytes right after the header, read as
//! flash reads them (gaps between segments are erased 0xFF). CRC-32 is the
//! ISO-HDLC / IEEE 802.3 one (reflected polynomial 0xEDB88320, init and
//! final XOR 0xFFFFFFFF; check value 0xCBF43926 for "123456789"), the CRC
//! that zlib, Ethernet and most bootloaders use.

use thiserror::Error;

use super::image::{Image, ImageError, ERASED_BYTE};

pub const HEADER_MAGIC: [u8; 4] = *b"V2XF";
pub const HEADER_FORMAT_VERSION: u16 = 1;
pub const HEADER_LEN: usize = 64;
/// Room for the version string (DID 0xF189 is reported from these bytes).
pub const VERSION_LEN: usize = 16;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum HeaderError {
    #[error("image shorter than the {HEADER_LEN}-byte firmware header ({0} bytes)")]
    TooShort(usize),
    #[error("no V2XF firmware header (magic {0:02x?})")]
    BadMagic([u8; 4]),
    #[error("firmware header format {0} is not supported (expected 1)")]
    UnsupportedFormat(u16),
    #[error("firmware header length {0}, expected {HEADER_LEN}")]
    BadLength(u16),
    #[error("firmware header CRC-32 {found:#010x}, computed {computed:#010x}")]
    HeaderCrc { found: u32, computed: u32 },
    #[error("version must be 1..=16 printable ASCII characters, got {0:?}")]
    BadVersion(String),
    #[error("payload is {actual} bytes, header says {declared}")]
    PayloadLength { declared: u32, actual: usize },
    #[error("payload CRC-32 {computed:#010x}, header says {declared:#010x}")]
    PayloadCrc { declared: u32, computed: u32 },
    #[error("{0}")]
    Image(ImageError),
}

const fn crc_table() -> [u32; 256] {
    let mut table = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 {
                0xEDB8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
            k += 1;
        }
        table[i] = c;
        i += 1;
    }
    table
}

static CRC_TABLE: [u32; 256] = crc_table();

/// Incremental CRC-32 (ISO-HDLC); start from 0, feed chunks, result is final.
pub fn crc32_update(crc: u32, bytes: &[u8]) -> u32 {
    let mut c = !crc;
    for &b in bytes {
        c = CRC_TABLE[((c ^ u32::from(b)) & 0xFF) as usize] ^ (c >> 8);
    }
    !c
}

/// CRC-32 (ISO-HDLC) of `bytes`.
pub fn crc32(bytes: &[u8]) -> u32 {
    crc32_update(0, bytes)
}

/// Parsed firmware header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FirmwareHeader {
    /// Software version string as DID 0xF189 reports it.
    pub version: String,
    pub payload_length: u32,
    pub payload_crc32: u32,
}

fn check_version(version: &str) -> Result<(), HeaderError> {
    let ok = !version.is_empty()
        && version.len() <= VERSION_LEN
        && version.bytes().all(|b| b.is_ascii_graphic());
    if ok {
        Ok(())
    } else {
        Err(HeaderError::BadVersion(version.to_string()))
    }
}

fn le32(bytes: &[u8], at: usize) -> u32 {
    match bytes.get(at..at + 4) {
        Some(&[a, b, c, d]) => u32::from_le_bytes([a, b, c, d]),
        _ => 0,
    }
}

fn le16(bytes: &[u8], at: usize) -> u16 {
    match bytes.get(at..at + 2) {
        Some(&[a, b]) => u16::from_le_bytes([a, b]),
        _ => 0,
    }
}

impl FirmwareHeader {
    /// Header describing `payload` with `version`.
    pub fn for_payload(version: &str, payload: &[u8]) -> Result<FirmwareHeader, HeaderError> {
        check_version(version)?;
        let payload_length =
            u32::try_from(payload.len()).map_err(|_| HeaderError::PayloadLength {
                declared: u32::MAX,
                actual: payload.len(),
            })?;
        Ok(FirmwareHeader {
            version: version.to_string(),
            payload_length,
            payload_crc32: crc32(payload),
        })
    }

    /// The 64 header bytes (layout in the module docs).
    pub fn encode(&self) -> Result<[u8; HEADER_LEN], HeaderError> {
        check_version(&self.version)?;
        let mut h = [0u8; HEADER_LEN];
        h[0..4].copy_from_slice(&HEADER_MAGIC);
        h[4..6].copy_from_slice(&HEADER_FORMAT_VERSION.to_le_bytes());
        h[6..8].copy_from_slice(&(HEADER_LEN as u16).to_le_bytes());
        h[8..8 + self.version.len()].copy_from_slice(self.version.as_bytes());
        h[24..28].copy_from_slice(&self.payload_length.to_le_bytes());
        h[28..32].copy_from_slice(&self.payload_crc32.to_le_bytes());
        let crc = crc32(&h[..60]);
        h[60..64].copy_from_slice(&crc.to_le_bytes());
        Ok(h)
    }

    /// Parses the header at the start of `bytes` (more bytes may follow).
    pub fn parse(bytes: &[u8]) -> Result<FirmwareHeader, HeaderError> {
        let h = bytes
            .get(..HEADER_LEN)
            .ok_or(HeaderError::TooShort(bytes.len()))?;
        let magic = [h[0], h[1], h[2], h[3]];
        if magic != HEADER_MAGIC {
            return Err(HeaderError::BadMagic(magic));
        }
        let format = le16(h, 4);
        if format != HEADER_FORMAT_VERSION {
            return Err(HeaderError::UnsupportedFormat(format));
        }
        let len = le16(h, 6);
        if usize::from(len) != HEADER_LEN {
            return Err(HeaderError::BadLength(len));
        }
        let found = le32(h, 60);
        let computed = crc32(h.get(..60).unwrap_or(&[]));
        if found != computed {
            return Err(HeaderError::HeaderCrc { found, computed });
        }
        let field = h.get(8..8 + VERSION_LEN).unwrap_or(&[]);
        let end = field.iter().position(|&b| b == 0).unwrap_or(field.len());
        let version = String::from_utf8_lossy(field.get(..end).unwrap_or(&[])).into_owned();
        check_version(&version)?;
        Ok(FirmwareHeader {
            version,
            payload_length: le32(h, 24),
            payload_crc32: le32(h, 28),
        })
    }

    /// Checks `payload` (the bytes after the header) against length and CRC.
    pub fn check_payload(&self, payload: &[u8]) -> Result<(), HeaderError> {
        if payload.len() as u64 != u64::from(self.payload_length) {
            return Err(HeaderError::PayloadLength {
                declared: self.payload_length,
                actual: payload.len(),
            });
        }
        let computed = crc32(payload);
        if computed != self.payload_crc32 {
            return Err(HeaderError::PayloadCrc {
                declared: self.payload_crc32,
                computed,
            });
        }
        Ok(())
    }
}

/// Reads and checks the header at `image`'s lowest address and its payload
/// as flash would hold it (gaps read as erased 0xFF).
pub fn check_image(image: &Image) -> Result<FirmwareHeader, HeaderError> {
    let start = u64::from(image.start_address());
    let head = image
        .bytes_at(start..start + HEADER_LEN as u64, Some(ERASED_BYTE))
        .map_err(HeaderError::Image)?;
    let header = FirmwareHeader::parse(&head)?;
    let body_start = start + HEADER_LEN as u64;
    let body_end = body_start + u64::from(header.payload_length);
    if body_end > image.end_address() {
        return Err(HeaderError::PayloadLength {
            declared: header.payload_length,
            actual: image.end_address().saturating_sub(body_start) as usize,
        });
    }
    // A chunk at a time: a header declaring 4 GiB over a sparse image (a
    // few bytes at each end of the address space) reads 64 KiB at once,
    // not 4 GiB of erased flash.
    let mut computed = 0;
    let mut at = body_start;
    while at < body_end {
        let end = body_end.min(at + CRC_CHUNK);
        let chunk = image
            .bytes_at(at..end, Some(ERASED_BYTE))
            .map_err(HeaderError::Image)?;
        computed = crc32_update(computed, &chunk);
        at = end;
    }
    if computed != header.payload_crc32 {
        return Err(HeaderError::PayloadCrc {
            declared: header.payload_crc32,
            computed,
        });
    }
    Ok(header)
}

/// Bytes of the image [`check_image`] holds in memory at once.
const CRC_CHUNK: u64 = 64 * 1024;

/// A valid emulated-charger image of exactly `size` bytes (header included):
/// header for `version`, then a readable banner, then deterministic
/// pseudo-random bytes seeded from the version, so two versions differ
/// everywhere. For benchmarks (e.g. 512 KiB) without committing big files.
pub fn synthetic(version: &str, size: usize) -> Result<Vec<u8>, HeaderError> {
    check_version(version)?;
    if size < HEADER_LEN {
        return Err(HeaderError::TooShort(size));
    }
    let mut payload = format!("v2x-hil emulated charger firmware {version}\n").into_bytes();
    payload.truncate(size - HEADER_LEN);
    // xorshift32 (Marsaglia 2003); the seed must be non-zero.
    let mut x = crc32(version.as_bytes()) | 1;
    while payload.len() < size - HEADER_LEN {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        payload.push((x >> 24) as u8);
    }
    let header = FirmwareHeader::for_payload(version, &payload)?.encode()?;
    let mut out = header.to_vec();
    out.extend_from_slice(&payload);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32_check_value() {
        // Catalogue of parametrised CRC algorithms, CRC-32/ISO-HDLC: check = 0xCBF43926.
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32_update(crc32(b"1234"), b"56789"), 0xCBF4_3926);
        assert_eq!(crc32(b""), 0);
    }

    #[test]
    fn header_round_trip_and_layout() {
        let img = synthetic("1.1.0", 300).unwrap();
        assert_eq!(img.len(), 300);
        assert_eq!(&img[0..4], b"V2XF");
        assert_eq!(&img[4..8], &[1, 0, 64, 0]);
        assert_eq!(&img[8..13], b"1.1.0");
        assert!(img[13..24].iter().all(|&b| b == 0));
        assert_eq!(u32::from_le_bytes(img[24..28].try_into().unwrap()), 236);
        let h = FirmwareHeader::parse(&img).unwrap();
        assert_eq!(h.version, "1.1.0");
        assert_eq!(h.payload_length, 236);
        h.check_payload(&img[64..]).unwrap();
    }

    #[test]
    fn sparse_payload_is_checked_a_chunk_at_a_time() {
        // Header at 0, a few payload bytes, a gap of erased flash crossing
        // several 64 KiB chunks, three bytes at the far end.
        let tail_at: u32 = 0x0012_3457;
        let payload_len = tail_at + 3 - HEADER_LEN as u32;
        let mut flat = vec![ERASED_BYTE; (tail_at + 3) as usize];
        flat[64..68].copy_from_slice(b"code");
        flat[tail_at as usize..].copy_from_slice(b"end");
        let h = FirmwareHeader {
            version: "2.0.0".into(),
            payload_length: payload_len,
            payload_crc32: crc32(&flat[64..]),
        };
        flat[..64].copy_from_slice(&h.encode().unwrap());
        let seg = |address: u32, data: &[u8]| crate::firmware::Segment {
            address,
            data: data.to_vec(),
        };
        let sparse = vec![seg(0, &flat[..68]), seg(tail_at, b"end")];
        let img = Image::new(sparse, None, crate::firmware::ImageFormat::Bin).unwrap();
        assert_eq!(check_image(&img), Ok(h));
        let bad = vec![seg(0, &flat[..68]), seg(tail_at, b"enD")];
        let img = Image::new(bad, None, crate::firmware::ImageFormat::Bin).unwrap();
        assert!(matches!(
            check_image(&img),
            Err(HeaderError::PayloadCrc { .. })
        ));
    }

    #[test]
    fn header_rejects_damage() {
        let mut img = synthetic("1.0.0", 128).unwrap();
        let h = FirmwareHeader::parse(&img).unwrap();
        img[100] ^= 1;
        assert!(matches!(
            h.check_payload(&img[64..]),
            Err(HeaderError::PayloadCrc { .. })
        ));
        img[10] ^= 1;
        assert!(matches!(
            FirmwareHeader::parse(&img),
            Err(HeaderError::HeaderCrc { .. })
        ));
        assert!(matches!(
            FirmwareHeader::parse(&img[..10]),
            Err(HeaderError::TooShort(10))
        ));
        assert!(matches!(
            FirmwareHeader::parse(&[0u8; 64]),
            Err(HeaderError::BadMagic(_))
        ));
    }

    #[test]
    fn versions_differ_and_bad_inputs_refused() {
        let a = synthetic("1.0.0", 4096).unwrap();
        let b = synthetic("1.1.0", 4096).unwrap();
        assert_ne!(a[64..], b[64..]);
        assert_eq!(synthetic("1.0.0", 4096).unwrap(), a);
        assert!(synthetic("", 100).is_err());
        assert!(synthetic("12345678901234567", 100).is_err());
        assert!(synthetic("1 0", 100).is_err());
        assert!(synthetic("1.0.0", 63).is_err());
        assert_eq!(synthetic("1.0.0", 64).unwrap().len(), 64);
    }
}
