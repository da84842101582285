//! Pre-flash verification: every way an image is refused names its check,
//! and a good image comes back as a VerifiedImage with what ran.

use std::path::Path;

use v2x_hil::firmware::key::encode_base64;
use v2x_hil::firmware::verify::{EraseRange, EMULATED_CHARGER_APP_START};
use v2x_hil::firmware::{
    sha256_hex, synthetic, verify, Check, FlashRegion, Image, ImageFile, ImageFormat, MemoryMap,
    ReadOptions, Segment, SigningPublicKey, VerifyError, VerifyPolicy,
};

const DIR: &str = "fixtures/firmware";

fn load(name: &str) -> ImageFile {
    ImageFile::load(&Path::new(DIR).join(name)).unwrap()
}

fn test_key() -> SigningPublicKey {
    SigningPublicKey::parse(&std::fs::read("fixtures/keys/firmware-signing-test.pub.pem").unwrap())
        .unwrap()
}

fn expected_digest(name: &str) -> String {
    let sums = std::fs::read_to_string(Path::new(DIR).join("SHA256SUMS")).unwrap();
    sums.lines()
        .find_map(|l| l.strip_suffix(name)?.strip_suffix("  ").map(str::to_string))
        .unwrap()
}

fn policy() -> VerifyPolicy {
    VerifyPolicy {
        memory_map: MemoryMap::emulated_charger(),
        expect_sha256: None,
        signing_key: Some(test_key()),
        read: ReadOptions {
            format: None,
            base_address: Some(EMULATED_CHARGER_APP_START),
        },
    }
}

#[test]
fn good_images_pass_every_check() {
    for (name, version) in [
        ("v2x-charger-1.0.0.hex", "1.0.0"),
        ("v2x-charger-1.0.0.bin", "1.0.0"),
        ("v2x-charger-1.1.0.elf", "1.1.0"),
        ("v2x-charger-1.1.0.hex", "1.1.0"),
    ] {
        let file = load(name);
        let p = VerifyPolicy {
            expect_sha256: Some(expected_digest(name).to_uppercase()),
            ..policy()
        };
        let v = verify(&file, &p).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(v.checks().sha256 && v.checks().signature && v.checks().memory_map);
        assert_eq!(v.sha256_hex(), expected_digest(name));
        assert_eq!(v.header().map(|h| h.version.as_str()), Some(version));
        assert_eq!(v.image().start_address(), EMULATED_CHARGER_APP_START);
    }
}

#[test]
fn the_same_firmware_in_every_format_is_the_same_flash_content() {
    let p = policy();
    let flat = |n: &str| verify(&load(n), &p).unwrap().image().flat();
    assert_eq!(flat("v2x-charger-1.0.0.hex"), flat("v2x-charger-1.0.0.bin"));
    assert_eq!(flat("v2x-charger-1.1.0.hex"), flat("v2x-charger-1.1.0.elf"));
    assert_eq!(
        flat("v2x-charger-1.1.0.elf"),
        synthetic("1.1.0", 7000).unwrap()
    );
}

#[test]
fn checks_that_were_not_asked_for_are_reported_as_not_run() {
    let p = VerifyPolicy {
        signing_key: None,
        ..policy()
    };
    let v = verify(&load("v2x-charger-1.1.0-tampered.elf"), &p).unwrap();
    assert!(!v.checks().sha256 && !v.checks().signature && v.checks().memory_map);
    // The tampered byte is in the payload, so the V2XF header check finds it.
    assert!(v.header().is_none());
}

#[test]
fn wrong_digest_is_refused_by_the_sha256_check() {
    let file = load("v2x-charger-1.1.0-tampered.elf");
    let want = expected_digest("v2x-charger-1.1.0.elf");
    let p = VerifyPolicy {
        expect_sha256: Some(want.clone()),
        signing_key: None,
        ..policy()
    };
    let e = verify(&file, &p).unwrap_err();
    assert_eq!(e.check(), Check::Sha256);
    let msg = e.to_string();
    assert!(msg.starts_with("SHA-256 check failed:"), "{msg}");
    assert!(
        msg.contains(&want) && msg.contains(&sha256_hex(&file.bytes)),
        "{msg}"
    );
    let p = VerifyPolicy {
        expect_sha256: Some("abc".into()),
        ..policy()
    };
    let e = verify(&load("v2x-charger-1.1.0.elf"), &p).unwrap_err();
    assert_eq!(e, VerifyError::BadExpectedDigest("abc".into()));
    assert_eq!(e.check(), Check::Sha256);
}

#[test]
fn tampered_image_fails_the_signature_check() {
    let e = verify(&load("v2x-charger-1.1.0-tampered.elf"), &policy()).unwrap_err();
    assert_eq!(e.check(), Check::Signature);
    assert!(matches!(e, VerifyError::SignatureInvalid { .. }));
    assert!(e.to_string().starts_with("signature check failed:"), "{e}");
}

#[test]
fn wrong_key_fails_the_signature_check() {
    // RFC 8032 §7.1 TEST 1 public key: a valid key that did not sign our images.
    let other = SigningPublicKey::parse(
        b"d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
    )
    .unwrap();
    let p = VerifyPolicy {
        signing_key: Some(other.clone()),
        ..policy()
    };
    let e = verify(&load("v2x-charger-1.1.0.elf"), &p).unwrap_err();
    assert_eq!(
        e,
        VerifyError::SignatureInvalid {
            file: format!("{DIR}/v2x-charger-1.1.0.elf"),
            key_fingerprint: other.fingerprint(),
        }
    );
}

#[test]
fn bad_signature_forms_fail_the_signature_check() {
    let mut file = load("v2x-charger-1.1.0.elf");
    let genuine = file.signature.clone().unwrap();

    // Base64 form of the genuine signature is accepted.
    file.signature = Some(format!("{}\n", encode_base64(&genuine)).into_bytes());
    assert!(verify(&file, &policy()).is_ok());

    // One flipped bit in the signature.
    let mut flipped = genuine.clone();
    flipped[10] ^= 0x80;
    file.signature = Some(flipped);
    let e = verify(&file, &policy()).unwrap_err();
    assert!(matches!(e, VerifyError::SignatureInvalid { .. }));

    // Truncated and missing.
    file.signature = Some(genuine[..40].to_vec());
    let e = verify(&file, &policy()).unwrap_err();
    assert!(matches!(e, VerifyError::SignatureMalformed { .. }), "{e}");
    assert_eq!(e.check(), Check::Signature);
    file.signature = None;
    let e = verify(&file, &policy()).unwrap_err();
    assert!(matches!(e, VerifyError::SignatureMissing { .. }));
    assert!(e.to_string().contains("v2x-charger-1.1.0.elf.sig"), "{e}");
}

#[test]
fn signature_of_another_image_does_not_transfer() {
    let mut file = load("v2x-charger-1.1.0.hex");
    file.signature = load("v2x-charger-1.1.0.elf").signature;
    let e = verify(&file, &policy()).unwrap_err();
    assert_eq!(e.check(), Check::Signature);
}

#[test]
fn image_over_the_bootloader_fails_the_memory_map_check() {
    // Correctly signed, but linked at 0x0800_0000 where the bootloader lives.
    let e = verify(&load("v2x-charger-outside-map.hex"), &policy()).unwrap_err();
    assert_eq!(e.check(), Check::MemoryMap);
    assert_eq!(
        e.to_string(),
        "memory map check failed: segment [0x08000000..0x08001000) has byte 0x08000000 \
         outside every flash region (app [0x08008000..0x08100000))"
    );
}

fn raw_file(name: &str, bytes: Vec<u8>) -> ImageFile {
    ImageFile {
        name: name.into(),
        bytes,
        signature: None,
    }
}

#[test]
fn image_running_off_the_end_of_flash_names_the_first_byte_outside() {
    let end = 0x0810_0000u32;
    let p = VerifyPolicy {
        signing_key: None,
        read: ReadOptions {
            format: None,
            base_address: Some(end - 0x10),
        },
        ..policy()
    };
    let e = verify(&raw_file("big.bin", vec![0; 0x20]), &p).unwrap_err();
    assert!(matches!(
        e,
        VerifyError::OutsideMap {
            first_outside: 0x0810_0000,
            ..
        }
    ));
}

#[test]
fn segments_may_span_adjacent_regions_but_not_a_hole() {
    // STM32F4-like: 16 KiB sectors, then a 64 KiB sector, then a hole.
    let map = MemoryMap {
        regions: vec![
            FlashRegion {
                name: "small".into(),
                start: 0x0800_0000,
                length: 0x1_0000,
                sector_size: 0x4000,
            },
            FlashRegion {
                name: "big".into(),
                start: 0x0801_0000,
                length: 0x1_0000,
                sector_size: 0x1_0000,
            },
        ],
    };
    let img = |addr: u32, len: usize| {
        Image::new(
            vec![Segment {
                address: addr,
                data: vec![0; len],
            }],
            None,
            ImageFormat::Bin,
        )
        .unwrap()
    };
    assert!(map.check_fits(&img(0x0800_F000, 0x2000)).is_ok());
    assert!(map.check_fits(&img(0x0801_F000, 0x2000)).is_err());
    assert_eq!(
        map.erase_ranges(&img(0x0800_3000, 0xE000)),
        vec![
            EraseRange {
                region: "small".into(),
                start: 0x0800_0000,
                length: 0x1_0000
            },
            EraseRange {
                region: "big".into(),
                start: 0x0801_0000,
                length: 0x1_0000
            },
        ]
    );
}

#[test]
fn erase_ranges_cover_whole_sectors_and_merge_neighbours() {
    let map = MemoryMap::emulated_charger();
    let v = verify(&load("v2x-charger-1.1.0.elf"), &policy()).unwrap();
    // 7000 bytes from the region start: two 4 KiB sectors, in one range.
    assert_eq!(
        map.erase_ranges(v.image()),
        vec![EraseRange {
            region: "app".into(),
            start: EMULATED_CHARGER_APP_START,
            length: 0x2000
        }]
    );
}

#[test]
fn invalid_memory_maps_are_refused() {
    let file = raw_file("x.bin", vec![1]);
    for regions in [
        vec![],
        vec![FlashRegion {
            name: "a".into(),
            start: 0x100,
            length: 0x80,
            sector_size: 0x100,
        }],
        vec![
            FlashRegion {
                name: "a".into(),
                start: 0,
                length: 0x200,
                sector_size: 0x100,
            },
            FlashRegion {
                name: "b".into(),
                start: 0x100,
                length: 0x100,
                sector_size: 0x100,
            },
        ],
    ] {
        let p = VerifyPolicy {
            memory_map: MemoryMap { regions },
            signing_key: None,
            read: ReadOptions {
                format: None,
                base_address: Some(0x100),
            },
            expect_sha256: None,
        };
        let e = verify(&file, &p).unwrap_err();
        assert!(matches!(e, VerifyError::InvalidMap(_)), "{e}");
        assert_eq!(e.check(), Check::MemoryMap);
    }
}

#[test]
fn overlapping_segments_fail_the_format_check() {
    let text = ":0400000001020304F2\n:020002000505F2\n:00000001FF\n";
    let p = VerifyPolicy {
        signing_key: None,
        ..policy()
    };
    let e = verify(&raw_file("overlap.hex", text.as_bytes().to_vec()), &p).unwrap_err();
    assert_eq!(e.check(), Check::Format);
    assert_eq!(
        e.to_string(),
        "format check failed: overlap.hex: Intel HEX line 3: segments overlap: \
         line 1 [0x00000000..0x00000004) and line 2 [0x00000002..0x00000004)"
    );
}

#[test]
fn integrity_is_checked_before_the_format() {
    // A signed-looking HEX file that does not even parse: the signature check speaks first.
    let file = ImageFile {
        name: "junk.hex".into(),
        bytes: b"not hex".to_vec(),
        signature: Some(vec![0; 64]),
    };
    assert_eq!(
        verify(&file, &policy()).unwrap_err().check(),
        Check::Signature
    );
    let p = VerifyPolicy {
        signing_key: None,
        ..policy()
    };
    assert_eq!(verify(&file, &p).unwrap_err().check(), Check::Format);
}

#[test]
fn memory_map_reads_from_rig_yaml() {
    let yaml = "regions:\n  - name: app\n    start: 0x08008000\n    length: 0xF8000\n    sector_size: 4096\n";
    let map: MemoryMap = serde_yaml::from_str(yaml).unwrap();
    assert_eq!(map, MemoryMap::emulated_charger());
}

#[test]
fn load_reads_the_detached_signature_beside_the_image() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fw.bin");
    std::fs::write(&path, [1, 2, 3]).unwrap();
    assert_eq!(ImageFile::load(&path).unwrap().signature, None);
    std::fs::write(dir.path().join("fw.bin.sig"), [7; 64]).unwrap();
    let f = ImageFile::load(&path).unwrap();
    assert_eq!(f.signature, Some(vec![7; 64]));
    assert_eq!(f.bytes, [1, 2, 3]);
    let e = ImageFile::load(&dir.path().join("missing.hex")).unwrap_err();
    assert!(e.to_string().contains("missing.hex"), "{e}");
}
