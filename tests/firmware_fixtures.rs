//! The committed firmware fixtures: reproducible from the generator, listed
//! in SHA256SUMS, small, signed with the test key, and readable by OpenSSL
//! and binutils. Without coreutils, OpenSSL or binutils the tests that run
//! them skip through `common::skip`, which fails them under CI=true.

mod common;

use std::path::Path;
use std::process::Command;

use ed25519_dalek::pkcs8::DecodePrivateKey;
use ed25519_dalek::SigningKey;
use v2x_hil::firmware::verify::EMULATED_CHARGER_APP_START;
use v2x_hil::firmware::{
    check_image, read_image, sha256_hex, synthetic, verify, Check, ImageFile, MemoryMap,
    ReadOptions, SigningPublicKey, VerifyPolicy,
};

#[allow(dead_code)]
#[path = "../examples/make_firmware_fixtures.rs"]
mod generator;

const DIR: &str = "fixtures/firmware";
const PUB: &str = "fixtures/keys/firmware-signing-test.pub.pem";
const PRIV: &str = "fixtures/keys/firmware-signing-test.pem";

#[test]
fn committed_fixtures_are_exactly_what_the_generator_makes() {
    let built = generator::build();
    assert!(built.len() >= 15);
    for (rel, bytes) in built {
        let committed = std::fs::read(&rel).unwrap_or_else(|e| panic!("{rel}: {e}"));
        assert!(
            committed == bytes,
            "{rel} differs from `cargo run --example make_firmware_fixtures`"
        );
        assert!(committed.len() <= 64 * 1024, "{rel} is over 64 KiB");
    }
}

/// `sha256sum -c SHA256SUMS`, in Rust: "<64 hex>  <name>" lines (two spaces:
/// text mode in GNU coreutils' format).
#[test]
fn sha256sums_check() {
    let sums = std::fs::read_to_string(Path::new(DIR).join("SHA256SUMS")).unwrap();
    let mut listed = Vec::new();
    for line in sums.lines() {
        let (digest, name) = line.split_once("  ").expect("sha256sum line format");
        assert_eq!(digest.len(), 64);
        let bytes = std::fs::read(Path::new(DIR).join(name)).unwrap();
        assert_eq!(sha256_hex(&bytes), digest, "{name}");
        listed.push(name.to_string());
    }
    // Every image except the tampered one is listed.
    for entry in std::fs::read_dir(DIR).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        let image = [".hex", ".elf", ".bin"].iter().any(|e| name.ends_with(e));
        if image {
            assert_eq!(listed.contains(&name), !name.contains("tampered"), "{name}");
        }
    }
    assert_eq!(listed.len(), 5);
}

/// coreutils' own `sha256sum -c`: a check independent of our SHA-256, which
/// must also refuse a list naming a digest that is not the file's.
#[test]
fn coreutils_sha256sum_accepts_the_list() {
    let test = "coreutils_sha256sum_accepts_the_list";
    let Some(out) = common::run_tool(
        test,
        Command::new("sha256sum")
            .args(["-c", "--strict", "SHA256SUMS"])
            .current_dir(DIR),
    ) else {
        return;
    };
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert_eq!(stdout.matches(": OK").count(), 5, "{stdout}");
    // The tampered image under the good image's digest is refused.
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        Path::new(DIR).join("v2x-charger-1.1.0-tampered.elf"),
        dir.path().join("v2x-charger-1.1.0.elf"),
    )
    .unwrap();
    let sums = std::fs::read_to_string(Path::new(DIR).join("SHA256SUMS")).unwrap();
    let line = sums
        .lines()
        .find(|l| l.ends_with("  v2x-charger-1.1.0.elf"))
        .unwrap();
    std::fs::write(dir.path().join("SHA256SUMS"), format!("{line}\n")).unwrap();
    let out = Command::new("sha256sum")
        .args(["-c", "SHA256SUMS"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(!out.status.success(), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("FAILED"));
}

#[test]
fn test_key_pair_matches_and_says_it_is_for_tests_only() {
    let priv_pem = std::fs::read_to_string(PRIV).unwrap();
    let pub_pem = std::fs::read_to_string(PUB).unwrap();
    assert!(priv_pem.starts_with("TEST KEY ONLY"));
    assert!(pub_pem.starts_with("TEST KEY ONLY"));
    let body = &priv_pem[priv_pem.find("-----BEGIN").unwrap()..];
    let signing = SigningKey::from_pkcs8_pem(body).unwrap();
    let public = SigningPublicKey::parse(pub_pem.as_bytes()).unwrap();
    assert_eq!(public.to_bytes(), signing.verifying_key().to_bytes());
    // The raw-hex form of the same key is accepted too.
    let hex: String = public
        .to_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(SigningPublicKey::parse(hex.as_bytes()).unwrap(), public);
    // Giving the private key where the public one belongs is refused plainly.
    assert!(SigningPublicKey::parse(priv_pem.as_bytes()).is_err());
}

#[test]
fn fixtures_carry_the_versions_their_names_say() {
    for (name, version) in [
        ("v2x-charger-1.0.0.hex", "1.0.0"),
        ("v2x-charger-1.1.0.elf", "1.1.0"),
        ("v2x-charger-1.1.0.hex", "1.1.0"),
        ("v2x-charger-outside-map.hex", "1.2.0"),
    ] {
        let bytes = std::fs::read(Path::new(DIR).join(name)).unwrap();
        let img = read_image(name, &bytes, &ReadOptions::default()).unwrap();
        assert_eq!(check_image(&img).unwrap().version, version, "{name}");
    }
}

#[test]
fn openssl_accepts_our_signatures_and_rejects_the_tampered_image() {
    let test = "openssl_accepts_our_signatures_and_rejects_the_tampered_image";
    if !common::tool(test, "openssl", &["version"]) {
        return;
    }
    for name in [
        "v2x-charger-1.0.0.hex",
        "v2x-charger-1.0.0.bin",
        "v2x-charger-1.1.0.elf",
        "v2x-charger-1.1.0.hex",
        "v2x-charger-outside-map.hex",
        "v2x-charger-1.1.0-tampered.elf",
    ] {
        let image = format!("{DIR}/{name}");
        let out = Command::new("openssl")
            .args(["pkeyutl", "-verify", "-pubin", "-inkey", PUB, "-rawin"])
            .args(["-in", &image, "-sigfile", &format!("{image}.sig")])
            .output()
            .unwrap();
        let ok = out.status.success();
        assert_eq!(ok, !name.contains("tampered"), "{name}: {out:?}");
    }
}

#[test]
fn openssl_signatures_verify_with_our_code() {
    if !common::tool(
        "openssl_signatures_verify_with_our_code",
        "openssl",
        &["version"],
    ) {
        return;
    }
    let image = format!("{DIR}/v2x-charger-1.1.0.hex");
    let out = Command::new("openssl")
        .args(["pkeyutl", "-sign", "-inkey", PRIV, "-rawin", "-in", &image])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    // Ed25519 is deterministic: OpenSSL's signature is byte-identical to ours.
    assert_eq!(out.stdout, std::fs::read(format!("{image}.sig")).unwrap());
    let mut file = ImageFile::load(Path::new(&image)).unwrap();
    file.signature = Some(out.stdout);
    let policy = VerifyPolicy {
        memory_map: MemoryMap::emulated_charger(),
        expect_sha256: None,
        signing_key: Some(SigningPublicKey::parse(&std::fs::read(PUB).unwrap()).unwrap()),
        read: ReadOptions::default(),
    };
    assert!(verify(&file, &policy).is_ok());
}

#[test]
fn binutils_objcopy_reads_our_hex_as_the_same_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let out_bin = dir.path().join("out.bin");
    // Not installed: a skip (a failure under CI). Installed but refusing
    // our Intel HEX: a failure everywhere.
    let Some(out) = common::run_tool(
        "binutils_objcopy_reads_our_hex_as_the_same_bytes",
        Command::new("objcopy")
            .args(["-I", "ihex", "-O", "binary"])
            .arg(format!("{DIR}/v2x-charger-1.0.0.hex"))
            .arg(&out_bin),
    ) else {
        return;
    };
    assert!(
        out.status.success(),
        "objcopy refused our Intel HEX ({}): {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        std::fs::read(out_bin).unwrap(),
        std::fs::read(format!("{DIR}/v2x-charger-1.0.0.bin")).unwrap()
    );
}

#[test]
fn synthetic_512_kib_image_is_valid_and_fits_the_emulated_charger() {
    let bytes = synthetic("2.0.0", 512 * 1024).unwrap();
    assert_eq!(bytes.len(), 512 * 1024);
    let file = ImageFile {
        name: "bench.bin".into(),
        bytes: bytes.clone(),
        signature: None,
    };
    let policy = VerifyPolicy {
        memory_map: MemoryMap::emulated_charger(),
        // Pinned, not computed from the same bytes: coreutils' sha256sum of
        // the image this generator made when the digest was written down.
        expect_sha256: Some(SYNTHETIC_2_0_0_512K_SHA256.into()),
        signing_key: None,
        read: ReadOptions {
            format: None,
            base_address: Some(EMULATED_CHARGER_APP_START),
        },
    };
    let v = verify(&file, &policy).unwrap();
    assert_eq!(v.header().unwrap().version, "2.0.0");
    assert_eq!(v.image().total_size(), 512 * 1024);
    assert_eq!(v.sha256_hex(), SYNTHETIC_2_0_0_512K_SHA256);
    // One digit off: the SHA-256 check refuses it.
    let mut wrong = SYNTHETIC_2_0_0_512K_SHA256.to_string();
    wrong.replace_range(63.., if wrong.ends_with('0') { "1" } else { "0" });
    let e = verify(
        &file,
        &VerifyPolicy {
            expect_sha256: Some(wrong),
            ..policy
        },
    )
    .unwrap_err();
    assert_eq!(e.check(), Check::Sha256, "{e}");
}

/// `sha256sum` of `synthetic("2.0.0", 512 * 1024)` written to a file.
const SYNTHETIC_2_0_0_512K_SHA256: &str =
    "2ff34ed7c7950382a9841c39604c9ece9d4180f7c8e37ad8c0946fb33af6f57c";

/// The pinned digest is coreutils' too, not only our SHA-256's.
#[test]
fn coreutils_sha256sum_agrees_with_the_pinned_synthetic_digest() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("synthetic-2.0.0.bin");
    std::fs::write(&path, synthetic("2.0.0", 512 * 1024).unwrap()).unwrap();
    let Some(out) = common::run_tool(
        "coreutils_sha256sum_agrees_with_the_pinned_synthetic_digest",
        Command::new("sha256sum").arg(&path),
    ) else {
        return;
    };
    assert!(out.status.success(), "{out:?}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        stdout.split_whitespace().next(),
        Some(SYNTHETIC_2_0_0_512K_SHA256)
    );
}
