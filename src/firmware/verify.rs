//! Checks that run before anything touches a device (issue 4 §1). Integrity
//! first (SHA-256, then signature, both over the file's exact bytes), so a
//! tampered file is named as tampered rather than as malformed; then the
//! format; then the memory map. Only [`verify`] makes a [`VerifiedImage`],
//! so flashing code that takes one cannot be handed an unchecked image.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use thiserror::Error;

use super::header::{check_image, FirmwareHeader};
use super::image::Image;
use super::key::{decode_hex, parse_signature, SignatureFormatError, SigningPublicKey};
use super::read::{read_image, ReadError, ReadOptions, MAX_IMAGE_BYTES, MAX_KEY_FILE_BYTES};
use crate::input::read_bounded;

/// One programmable flash region of the target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlashRegion {
    pub name: String,
    pub start: u32,
    pub length: u32,
    /// Smallest erasable unit; `start` and `length` are multiples of it.
    pub sector_size: u32,
}

impl FlashRegion {
    pub fn end(&self) -> u64 {
        u64::from(self.start) + u64::from(self.length)
    }
}

/// The target's programmable flash, from the rig.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemoryMap {
    pub regions: Vec<FlashRegion>,
}

/// Sector-aligned range to erase before programming.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EraseRange {
    pub region: String,
    pub start: u32,
    pub length: u32,
}

/// Application flash of the emulated charger: 992 KiB after a 32 KiB
/// bootloader at 0x0800_0000 (a common Cortex-M layout), 4 KiB sectors.
/// The bootloader itself is not in the map, so an image linked over it
/// (at 0x0800_0000) is refused.
pub const EMULATED_CHARGER_APP_START: u32 = 0x0800_8000;
pub const EMULATED_CHARGER_APP_LENGTH: u32 = 0x000F_8000;
pub const EMULATED_CHARGER_SECTOR_SIZE: u32 = 0x1000;

impl MemoryMap {
    pub fn emulated_charger() -> MemoryMap {
        MemoryMap {
            regions: vec![FlashRegion {
                name: "app".into(),
                start: EMULATED_CHARGER_APP_START,
                length: EMULATED_CHARGER_APP_LENGTH,
                sector_size: EMULATED_CHARGER_SECTOR_SIZE,
            }],
        }
    }

    /// Regions non-empty, sector-aligned, inside 4 GiB and not overlapping.
    pub fn validate(&self) -> Result<(), String> {
        if self.regions.is_empty() {
            return Err("memory map has no flash regions".into());
        }
        let mut sorted: Vec<&FlashRegion> = self.regions.iter().collect();
        sorted.sort_by_key(|r| r.start);
        for r in &sorted {
            if r.length == 0 || r.sector_size == 0 {
                return Err(format!("region {}: zero length or sector size", r.name));
            }
            if r.start % r.sector_size != 0 || r.length % r.sector_size != 0 {
                return Err(format!(
                    "region {}: start {:#x} / length {:#x} not multiples of the {:#x} sector",
                    r.name, r.start, r.length, r.sector_size
                ));
            }
            if r.end() > 1 << 32 {
                return Err(format!("region {} ends past 4 GiB", r.name));
            }
        }
        for pair in sorted.windows(2) {
            if let [a, b] = pair {
                if a.end() > u64::from(b.start) {
                    return Err(format!("regions {} and {} overlap", a.name, b.name));
                }
            }
        }
        Ok(())
    }

    /// Region holding `address`.
    pub fn region_at(&self, address: u64) -> Option<&FlashRegion> {
        self.regions
            .iter()
            .find(|r| u64::from(r.start) <= address && address < r.end())
    }

    /// Every byte of every segment lies in some region (a segment may run
    /// on from one region into an adjacent one).
    pub fn check_fits(&self, image: &Image) -> Result<(), VerifyError> {
        self.validate().map_err(VerifyError::InvalidMap)?;
        for seg in image.segments() {
            let mut pos = u64::from(seg.address);
            while pos < seg.end() {
                let region = self.region_at(pos).ok_or(VerifyError::OutsideMap {
                    segment_start: seg.address,
                    segment_end: seg.end(),
                    first_outside: pos,
                    regions: self.describe(),
                })?;
                pos = region.end().min(seg.end());
            }
        }
        Ok(())
    }

    fn describe(&self) -> String {
        self.regions
            .iter()
            .map(|r| format!("{} [{:#010x}..{:#010x})", r.name, r.start, r.end()))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Sectors the image touches, merged into ranges per region: what the
    /// erase routine must clear. Bytes outside the map are ignored (call
    /// [`MemoryMap::check_fits`] first).
    pub fn erase_ranges(&self, image: &Image) -> Vec<EraseRange> {
        let mut out: Vec<EraseRange> = Vec::new();
        let mut regions: Vec<&FlashRegion> = self.regions.iter().collect();
        regions.sort_by_key(|r| r.start);
        for seg in image.segments() {
            for r in &regions {
                let lo = u64::from(seg.address).max(u64::from(r.start));
                let hi = seg.end().min(r.end());
                if lo >= hi || r.sector_size == 0 {
                    continue;
                }
                let s = u64::from(r.sector_size);
                let start = lo / s * s;
                let end = hi.div_ceil(s) * s;
                match out.last_mut() {
                    Some(last)
                        if last.region == r.name
                            && u64::from(last.start) + u64::from(last.length) >= start =>
                    {
                        let new_end = end.max(u64::from(last.start) + u64::from(last.length));
                        last.length = (new_end - u64::from(last.start)) as u32;
                    }
                    _ => out.push(EraseRange {
                        region: r.name.clone(),
                        start: start as u32,
                        length: (end - start) as u32,
                    }),
                }
            }
        }
        out
    }
}

/// Lower-case hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex_lower(&Sha256::digest(bytes))
}

/// Lower-case hex of `bytes`: digests, key ids, binary payloads in
/// evidence. A table, not `format!` per byte: a waveform block in a
/// transcript is hundreds of kilobytes.
pub fn hex_lower(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(2 * bytes.len());
    for &b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    out
}

/// Which check refused an image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    Sha256,
    Signature,
    Format,
    MemoryMap,
}

impl fmt::Display for Check {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Check::Sha256 => "SHA-256",
            Check::Signature => "signature",
            Check::Format => "format",
            Check::MemoryMap => "memory map",
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum VerifyError {
    #[error("SHA-256 check failed: --expect-sha256 {0:?} is not 64 hex digits")]
    BadExpectedDigest(String),
    #[error("SHA-256 check failed: {file} has SHA-256 {actual}, expected {expected}")]
    Sha256Mismatch {
        file: String,
        expected: String,
        actual: String,
    },
    #[error("signature check failed: a firmware-signing key is set but {file} has no detached signature ({file}.sig)")]
    SignatureMissing { file: String },
    #[error("signature check failed: {file}.sig: {error}")]
    SignatureMalformed {
        file: String,
        error: SignatureFormatError,
    },
    #[error("signature check failed: {file}.sig does not verify over {file} with key {key_fingerprint} (tampered image or wrong key)")]
    SignatureInvalid {
        file: String,
        key_fingerprint: String,
    },
    #[error("format check failed: {0}")]
    Format(ReadError),
    #[error("memory map check failed: {0}")]
    InvalidMap(String),
    #[error("memory map check failed: segment [{segment_start:#010x}..{segment_end:#010x}) has byte {first_outside:#010x} outside every flash region ({regions})")]
    OutsideMap {
        segment_start: u32,
        segment_end: u64,
        first_outside: u64,
        regions: String,
    },
}

impl VerifyError {
    /// The check that failed, for the message and the exit code (2).
    pub fn check(&self) -> Check {
        match self {
            VerifyError::BadExpectedDigest(_) | VerifyError::Sha256Mismatch { .. } => Check::Sha256,
            VerifyError::SignatureMissing { .. }
            | VerifyError::SignatureMalformed { .. }
            | VerifyError::SignatureInvalid { .. } => Check::Signature,
            VerifyError::Format(_) => Check::Format,
            VerifyError::InvalidMap(_) | VerifyError::OutsideMap { .. } => Check::MemoryMap,
        }
    }
}

/// An image file's bytes and its detached signature, if one sits beside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageFile {
    /// Shown in messages; its extension is a format hint.
    pub name: String,
    pub bytes: Vec<u8>,
    pub signature: Option<Vec<u8>>,
}

impl ImageFile {
    /// `IMAGE.sig` beside `IMAGE` (the suffix is appended, e.g. `fw.hex.sig`).
    pub fn signature_path(path: &Path) -> PathBuf {
        let mut s = path.as_os_str().to_owned();
        s.push(".sig");
        PathBuf::from(s)
    }

    /// Reads the image and, when present, `IMAGE.sig`.
    pub fn load(path: &Path) -> std::io::Result<ImageFile> {
        let with_path = |e: std::io::Error, p: &Path| {
            std::io::Error::new(e.kind(), format!("{}: {e}", p.display()))
        };
        let bytes = read_bounded(path, MAX_IMAGE_BYTES, "firmware images")
            .map_err(|e| with_path(e, path))?;
        let sig_path = Self::signature_path(path);
        let signature = match read_bounded(&sig_path, MAX_KEY_FILE_BYTES, "signature files") {
            Ok(b) => Some(b),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(with_path(e, &sig_path)),
        };
        Ok(ImageFile {
            name: path.display().to_string(),
            bytes,
            signature,
        })
    }
}

/// What the rig and the command line require of an image.
#[derive(Debug, Clone)]
pub struct VerifyPolicy {
    pub memory_map: MemoryMap,
    /// `--expect-sha256`: hex digest of the file's bytes.
    pub expect_sha256: Option<String>,
    /// The rig's firmware-signing key; when set, a valid `IMAGE.sig` is required.
    pub signing_key: Option<SigningPublicKey>,
    pub read: ReadOptions,
}

/// Which checks ran (and passed) for a [`VerifiedImage`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Checks {
    pub sha256: bool,
    pub signature: bool,
    /// Always true: format and memory map are always checked.
    pub memory_map: bool,
}

/// An image that passed [`verify`]; only that function constructs one.
#[derive(Debug, Clone)]
pub struct VerifiedImage {
    name: String,
    image: Image,
    sha256: [u8; 32],
    checks: Checks,
    header: Option<FirmwareHeader>,
}

impl VerifiedImage {
    pub fn name(&self) -> &str {
        &self.name
    }
    pub fn image(&self) -> &Image {
        &self.image
    }
    /// SHA-256 of the file's bytes (computed whether or not one was expected).
    pub fn sha256(&self) -> [u8; 32] {
        self.sha256
    }
    pub fn sha256_hex(&self) -> String {
        hex_lower(&self.sha256)
    }
    pub fn checks(&self) -> Checks {
        self.checks
    }
    /// The V2XF header when the image carries a valid one (emulated charger
    /// firmware): the version the device should report after reset.
    pub fn header(&self) -> Option<&FirmwareHeader> {
        self.header.as_ref()
    }
}

/// Runs every check `policy` asks for over `file`; the first failure refuses.
pub fn verify(file: &ImageFile, policy: &VerifyPolicy) -> Result<VerifiedImage, VerifyError> {
    let digest: [u8; 32] = Sha256::digest(&file.bytes).into();
    let actual = hex_lower(&digest);
    if let Some(expected) = &policy.expect_sha256 {
        let want = expected.trim();
        let parsed = decode_hex(want).filter(|d| d.len() == 32);
        let Some(want_bytes) = parsed else {
            return Err(VerifyError::BadExpectedDigest(expected.clone()));
        };
        if want_bytes != digest {
            return Err(VerifyError::Sha256Mismatch {
                file: file.name.clone(),
                expected: want.to_ascii_lowercase(),
                actual,
            });
        }
    }
    if let Some(key) = &policy.signing_key {
        let raw = file
            .signature
            .as_deref()
            .ok_or_else(|| VerifyError::SignatureMissing {
                file: file.name.clone(),
            })?;
        let sig = parse_signature(raw).map_err(|error| VerifyError::SignatureMalformed {
            file: file.name.clone(),
            error,
        })?;
        if !key.verify(&file.bytes, &sig) {
            return Err(VerifyError::SignatureInvalid {
                file: file.name.clone(),
                key_fingerprint: key.fingerprint(),
            });
        }
    }
    let image = read_image(&file.name, &file.bytes, &policy.read).map_err(VerifyError::Format)?;
    policy.memory_map.check_fits(&image)?;
    let header = check_image(&image).ok();
    Ok(VerifiedImage {
        name: file.name.clone(),
        image,
        sha256: digest,
        checks: Checks {
            sha256: policy.expect_sha256.is_some(),
            signature: policy.signing_key.is_some(),
            memory_map: true,
        },
        header,
    })
}
