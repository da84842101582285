//! Firmware images (issue 4 §1): ELF, Intel HEX and raw binary read into one
//! memory-segment model, and the checks that must pass before anything on a
//! device is erased (memory map, SHA-256, Ed25519 signature).
//!
//! Pure over bytes except [`ImageFile::load`], which reads the image and its
//! detached `IMAGE.sig` from disk.

pub mod elf;
pub mod header;
pub mod ihex;
pub mod image;
pub mod key;
pub mod read;
pub mod verify;
pub mod version;

pub use header::{check_image, crc32, synthetic, FirmwareHeader, HeaderError, HEADER_LEN};
pub use image::{Image, ImageError, ImageFormat, Segment, ERASED_BYTE};
pub use key::{parse_signature, KeyError, SigningPublicKey};
pub use read::{read_image, ReadError, ReadErrorKind, ReadOptions};
pub use verify::{
    sha256_hex, verify, Check, Checks, EraseRange, FlashRegion, ImageFile, MemoryMap,
    VerifiedImage, VerifyError, VerifyPolicy,
};
pub use version::{DottedVersion, VersionError};
