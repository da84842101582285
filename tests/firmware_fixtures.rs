//! The committed firmware fixtures: reproducible from the generator, listed
//! in SHA256SUMS, small, signed with the test key, and readable by OpenSSL
//! and binutils where those are installed.

use std::path::Path;
use std::process::Command;

use ed25519_dalek::pkcs8::DecodePrivateKey;
use ed25519_dalek::SigningKey;
use v2x_hil::firmware::verify::EMULATED_CHARGER_APP_START;
use v2x_hil::firmware::{
    check_image, read_image, sha256_hex, synthetic, verify, ImageFile, MemoryMap, ReadOptions,
    SigningPublicKey, VerifyPolicy,
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

#[test]
fn coreutils_sha256sum_accepts_the_list_when_installed() {
    let Ok(out) = Command::new("sha256sum")
        .args(["-c", "SHA256SUMS"])
        .current_dir(DIR)
        .output()
    else {
        eprintln!("SKIPPED: sha256sum is not installed");
        return;
    };
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
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

fn openssl() -> Option<()> {
    match Command::new("openssl").arg("version").output() {
        Ok(o) if o.status.success() => Some(()),
        _ => {
            eprintln!("SKIPPED: openssl is not installed; OpenSSL interop not checked");
            None
        }
    }
}

#[test]
fn openssl_accepts_our_signatures_and_rejects_the_tampered_image() {
    if openssl().is_none() {
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
    if openssl().is_none() {
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
    let run = Command::new("objcopy")
        .args(["-I", "ihex", "-O", "binary"])
        .arg(format!("{DIR}/v2x-charger-1.0.0.hex"))
        .arg(&out_bin)
        .output();
    match run {
        Ok(o) if o.status.success() => {}
        _ => {
            eprintln!("SKIPPED: binutils objcopy is not installed");
            return;
        }
    }
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
        expect_sha256: Some(sha256_hex(&bytes)),
        signing_key: None,
        read: ReadOptions {
            format: None,
            base_address: Some(EMULATED_CHARGER_APP_START),
        },
    };
    let v = verify(&file, &policy).unwrap();
    assert_eq!(v.header().unwrap().version, "2.0.0");
    assert_eq!(v.image().total_size(), 512 * 1024);
}
