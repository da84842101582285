//! Writes fixtures/firmware/ and fixtures/keys/ (the emulated charger's test
//! images, their detached signatures and the TEST signing key pair).
//!
//!     cargo run --example make_firmware_fixtures
//!
//! Everything is deterministic (the key comes from a fixed seed and Ed25519
//! signatures are deterministic, RFC 8032 §5.1.6), so tests/firmware_fixtures.rs
//! checks the committed files are exactly what this produces.

use std::path::Path;

use ed25519_dalek::{Signer, SigningKey};
use sha2::{Digest, Sha256};
use v2x_hil::firmware::elf::{write_elf, ElfLoad, EM_ARM};
use v2x_hil::firmware::ihex::write_ihex;
use v2x_hil::firmware::key::encode_base64;
use v2x_hil::firmware::verify::EMULATED_CHARGER_APP_START as APP;
use v2x_hil::firmware::{sha256_hex, synthetic, Image, ImageFormat, Segment, HEADER_LEN};

/// Seed of the test key: public knowledge, so the key signs nothing real.
pub const TEST_KEY_SEED_TEXT: &str = "v2x-hil firmware-signing TEST key; never sign real firmware";

const TEST_ONLY_NOTE: &str =
    "TEST KEY ONLY - published in the v2x-hil repository; never trust it for real firmware.\n";

/// The test signing key (Ed25519 secret derived from a fixed seed).
pub fn test_signing_key() -> SigningKey {
    let seed: [u8; 32] = Sha256::digest(TEST_KEY_SEED_TEXT.as_bytes()).into();
    SigningKey::from_bytes(&seed)
}

fn pem(label: &str, der: &[u8]) -> String {
    let b64 = encode_base64(der);
    let mut out = format!("{TEST_ONLY_NOTE}-----BEGIN {label}-----\n");
    for line in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(line).unwrap_or_default());
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

/// PKCS#8 v1 PrivateKeyInfo (RFC 8410 §7): the fixed DER prefix for
/// id-Ed25519 (OID 1.3.101.112) followed by the 32-byte seed.
pub fn private_pem(key: &SigningKey) -> String {
    let mut der = vec![
        0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04,
        0x20,
    ];
    der.extend_from_slice(&key.to_bytes());
    pem("PRIVATE KEY", &der)
}

/// SubjectPublicKeyInfo (RFC 8410 §4): fixed DER prefix, then the 32-byte key.
pub fn public_pem(key: &SigningKey) -> String {
    let mut der = vec![
        0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
    ];
    der.extend_from_slice(key.verifying_key().as_bytes());
    pem("PUBLIC KEY", &der)
}

fn image_at(address: u32, bytes: Vec<u8>) -> Image {
    let entry = address + HEADER_LEN as u32 + 1; // Thumb reset handler after the header
    Image::new(
        vec![Segment {
            address,
            data: bytes,
        }],
        Some(entry),
        ImageFormat::IntelHex,
    )
    .expect("one non-empty segment")
}

/// The 1.1.0 ELF: text at its flash address, .data whose run-time address
/// (p_vaddr) is RAM but whose initial value is stored in flash right after
/// the text (p_paddr), and a .bss with no file bytes.
fn elf_1_1_0(bytes: &[u8]) -> Vec<u8> {
    let split = 5000;
    let (text, data) = bytes.split_at(split);
    let ram = 0x2000_0000u64;
    write_elf(
        false,
        EM_ARM,
        u64::from(APP) + HEADER_LEN as u64 + 1,
        &[
            ElfLoad {
                vaddr: u64::from(APP),
                paddr: u64::from(APP),
                data: text.to_vec(),
                memsz: text.len() as u64,
            },
            ElfLoad {
                vaddr: ram,
                paddr: u64::from(APP) + split as u64,
                data: data.to_vec(),
                memsz: data.len() as u64,
            },
            ElfLoad {
                vaddr: ram + data.len() as u64,
                paddr: ram + data.len() as u64,
                data: Vec::new(),
                memsz: 0x800,
            },
        ],
    )
}

/// Every fixture file, as (path relative to the repository root, bytes).
pub fn build() -> Vec<(String, Vec<u8>)> {
    let key = test_signing_key();
    let v100 = synthetic("1.0.0", 6144).expect("valid version");
    let v110 = synthetic("1.1.0", 7000).expect("valid version");
    // Linked without the bootloader offset: lands on the bootloader.
    let misplaced = synthetic("1.2.0", 4096).expect("valid version");

    let elf110 = elf_1_1_0(&v110);
    let mut tampered = elf110.clone();
    let last = tampered.len() - 100;
    tampered[last] ^= 0x01;

    let images: Vec<(&str, Vec<u8>)> = vec![
        (
            "v2x-charger-1.0.0.hex",
            write_ihex(&image_at(APP, v100.clone()), 16).into_bytes(),
        ),
        ("v2x-charger-1.0.0.bin", v100),
        ("v2x-charger-1.1.0.elf", elf110.clone()),
        (
            "v2x-charger-1.1.0.hex",
            write_ihex(&image_at(APP, v110), 16).into_bytes(),
        ),
        (
            "v2x-charger-outside-map.hex",
            write_ihex(&image_at(0x0800_0000, misplaced), 16).into_bytes(),
        ),
    ];
    let mut out = Vec::new();
    let mut sums = String::new();
    for (name, bytes) in &images {
        let sig = key.sign(bytes).to_bytes().to_vec();
        sums.push_str(&format!("{}  {name}\n", sha256_hex(bytes)));
        out.push((format!("fixtures/firmware/{name}"), bytes.clone()));
        out.push((format!("fixtures/firmware/{name}.sig"), sig));
    }
    // One byte changed after signing: carries the genuine 1.1.0 signature.
    let genuine_sig = key.sign(&elf110).to_bytes().to_vec();
    out.push((
        "fixtures/firmware/v2x-charger-1.1.0-tampered.elf".into(),
        tampered,
    ));
    out.push((
        "fixtures/firmware/v2x-charger-1.1.0-tampered.elf.sig".into(),
        genuine_sig,
    ));
    out.push(("fixtures/firmware/SHA256SUMS".into(), sums.into_bytes()));
    out.push((
        "fixtures/keys/firmware-signing-test.pem".into(),
        private_pem(&key).into_bytes(),
    ));
    out.push((
        "fixtures/keys/firmware-signing-test.pub.pem".into(),
        public_pem(&key).into_bytes(),
    ));
    out
}

#[allow(dead_code)] // also compiled into tests/firmware_fixtures.rs, which has its own main
fn main() -> std::io::Result<()> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for (rel, bytes) in build() {
        let path = root.join(&rel);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(&path, &bytes)?;
        println!("{rel} ({} bytes)", bytes.len());
    }
    Ok(())
}
