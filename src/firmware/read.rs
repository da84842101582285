//! Picks the reader for a file: by content first (ELF magic, ':' records),
//! the file extension as a hint, raw binary only with a caller's base address.

use std::path::Path;

use thiserror::Error;

/// Largest image file read: far beyond a charger controller's flash (a few
/// MiB), with room for an ELF's debug sections and Intel HEX's text (2.8×
/// its data). Read through [`crate::input::read_bounded`], so `/dev/zero` stops.
pub const MAX_IMAGE_BYTES: u64 = 64 << 20;

/// Largest detached signature (`IMAGE.sig`) or signing-key file read: an
/// Ed25519 signature is 64 bytes raw, 88 in base64; a PEM key about 113.
pub const MAX_KEY_FILE_BYTES: u64 = 64 << 10;

use super::elf::{read_elf, ElfError};
use super::ihex::{read_ihex, HexError};
use super::image::{Image, ImageError, ImageFormat, Segment};

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ReadErrorKind {
    #[error("ELF {0}")]
    Elf(ElfError),
    #[error("Intel HEX {0}")]
    Hex(HexError),
    #[error("raw binary: {0}")]
    Bin(ImageError),
    #[error("format not recognised (not ELF, not Intel HEX); a raw binary needs a base address")]
    Unknown,
}

/// A reader error naming the file.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{file}: {kind}")]
pub struct ReadError {
    pub file: String,
    pub kind: ReadErrorKind,
}

/// What the caller knows about the file besides its bytes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReadOptions {
    /// Force a format instead of detecting it.
    pub format: Option<ImageFormat>,
    /// Where a raw binary's first byte goes in flash.
    pub base_address: Option<u32>,
}

/// Format from the file name's extension, if it names one.
pub fn format_from_extension(name: &str) -> Option<ImageFormat> {
    let ext = Path::new(name).extension()?.to_str()?.to_ascii_lowercase();
    match ext.as_str() {
        "elf" | "axf" | "out" => Some(ImageFormat::Elf),
        "hex" | "ihex" | "ihx" | "h86" => Some(ImageFormat::IntelHex),
        "bin" => Some(ImageFormat::Bin),
        _ => None,
    }
}

/// Decides the format: ELF magic or a leading ':' record win; otherwise
/// the extension; otherwise raw binary when a base address is given.
/// A raw binary has no signature, so `.bin` with a base address is trusted.
pub fn detect_format(name: &str, bytes: &[u8], base_address: Option<u32>) -> Option<ImageFormat> {
    let hint = format_from_extension(name);
    if hint == Some(ImageFormat::Bin) && base_address.is_some() {
        return Some(ImageFormat::Bin);
    }
    if bytes.starts_with(b"\x7fELF") {
        return Some(ImageFormat::Elf);
    }
    if bytes.trim_ascii_start().first() == Some(&b':') {
        return Some(ImageFormat::IntelHex);
    }
    match hint {
        Some(ImageFormat::Bin) | None => base_address.map(|_| ImageFormat::Bin),
        other => other,
    }
}

/// Places `bytes` at `base`.
pub fn read_bin(bytes: &[u8], base: u32) -> Result<Image, ImageError> {
    Image::new(
        vec![Segment {
            address: base,
            data: bytes.to_vec(),
        }],
        None,
        ImageFormat::Bin,
    )
}

/// Reads `bytes` (the contents of the file `name`) into an [`Image`].
pub fn read_image(name: &str, bytes: &[u8], opts: &ReadOptions) -> Result<Image, ReadError> {
    let err = |kind| ReadError {
        file: name.to_string(),
        kind,
    };
    let format = opts
        .format
        .or_else(|| detect_format(name, bytes, opts.base_address))
        .ok_or(err(ReadErrorKind::Unknown))?;
    match format {
        ImageFormat::Elf => read_elf(bytes).map_err(|e| err(ReadErrorKind::Elf(e))),
        ImageFormat::IntelHex => read_ihex(bytes).map_err(|e| err(ReadErrorKind::Hex(e))),
        ImageFormat::Bin => {
            let base = opts.base_address.ok_or(err(ReadErrorKind::Unknown))?;
            read_bin(bytes, base).map_err(|e| err(ReadErrorKind::Bin(e)))
        }
    }
}
