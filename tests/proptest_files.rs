//! Property tests of the file formats (issue 9): firmware images written as
//! Intel HEX and ELF read back the same; the readers never panic on
//! arbitrary bytes; a journal chained by the writer's rules verifies and no
//! single changed byte goes unnoticed; a DSSE envelope verifies with its
//! key only and only for the body that was signed.

mod proptest_common;

use base64::Engine;
use ed25519_dalek::{Signer, SigningKey};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest_common::config;
use serde_json::json;
use std::path::Path;
use v2x_hil::evidence::journal::{verify_bytes, GENESIS};
use v2x_hil::firmware::elf::{read_elf, write_elf, ElfLoad};
use v2x_hil::firmware::ihex::{read_ihex, write_ihex};
use v2x_hil::firmware::verify::{hex_lower, sha256_hex};
use v2x_hil::firmware::{
    check_image, read_image, FirmwareHeader, Image, ImageFormat, ReadOptions, Segment,
};
use v2x_hil::report::sign::{pae, verify_envelope, PAYLOAD_TYPE};

/// Up to four non-overlapping segments anywhere in the 32-bit space.
fn image() -> impl Strategy<Value = Image> {
    (
        vec((any::<u32>(), vec(any::<u8>(), 1..300)), 1..5),
        prop::option::of(any::<u32>()),
    )
        .prop_filter_map("segments overlap", |(segs, entry)| {
            let segs = segs
                .into_iter()
                .map(|(address, data)| Segment { address, data })
                .collect();
            Image::new(segs, entry, ImageFormat::IntelHex).ok()
        })
}

/// Segments with touching ones joined: how a reader that merges
/// contiguous records sees them.
fn merged(segments: &[Segment]) -> Vec<Segment> {
    let mut out: Vec<Segment> = Vec::new();
    for s in segments {
        match out.last_mut() {
            Some(last) if last.end() == u64::from(s.address) => {
                last.data.extend_from_slice(&s.data)
            }
            _ => out.push(s.clone()),
        }
    }
    out
}

fn chain(texts: &[String]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut prev = GENESIS.to_string();
    for (seq, text) in texts.iter().enumerate() {
        let line = json!({
            "seq": seq, "prev": prev, "t_s": seq as f64 * 0.5, "clock": "simulated",
            "kind": "measurement", "data": { "text": text },
        })
        .to_string();
        prev = sha256_hex(line.as_bytes());
        out.extend_from_slice(line.as_bytes());
        out.push(b'\n');
    }
    out
}

fn envelope(key: &SigningKey, keyid: &str, body: &[u8]) -> Vec<u8> {
    let b64 = base64::engine::general_purpose::STANDARD;
    let sig = key.sign(&pae(PAYLOAD_TYPE, body));
    json!({
        "payloadType": PAYLOAD_TYPE,
        "payload": b64.encode(body),
        "signatures": [{ "keyid": keyid, "sig": b64.encode(sig.to_bytes()) }],
    })
    .to_string()
    .into_bytes()
}

fn public(key: &SigningKey) -> v2x_hil::firmware::SigningPublicKey {
    v2x_hil::firmware::SigningPublicKey::parse(hex_lower(key.verifying_key().as_bytes()).as_bytes())
        .expect("hex key parses")
}

proptest! {
    #![proptest_config(config(128))]

    #[test]
    fn intel_hex_round_trips(img in image(), per_record in 1usize..=255) {
        let again = read_ihex(write_ihex(&img, per_record).as_bytes()).expect("own HEX reads");
        prop_assert_eq!(merged(again.segments()), merged(img.segments()));
        prop_assert_eq!(again.entry(), img.entry());
    }

    #[test]
    fn elf_round_trips(img in image(), wide in any::<bool>()) {
        let loads: Vec<ElfLoad> = img
            .segments()
            .iter()
            .map(|s| ElfLoad {
                vaddr: u64::from(s.address),
                paddr: u64::from(s.address),
                data: s.data.clone(),
                memsz: s.data.len() as u64 + 16,
            })
            .collect();
        let entry = img.entry().unwrap_or(0);
        let again = read_elf(&write_elf(wide, 40, u64::from(entry), &loads)).expect("own ELF reads");
        prop_assert_eq!(merged(again.segments()), merged(img.segments()));
    }

    #[test]
    fn firmware_readers_never_panic(bytes in vec(any::<u8>(), 0..400), elf_magic in any::<bool>()) {
        let mut bytes = bytes;
        if elf_magic && bytes.len() >= 4 {
            bytes[..4].copy_from_slice(b"\x7fELF");
        }
        for name in ["fw.elf", "fw.hex", "fw.bin"] {
            let opts = ReadOptions { format: None, base_address: Some(0x0800_0000) };
            if let Ok(img) = read_image(name, &bytes, &opts) {
                prop_assert!(img.total_size() <= bytes.len() as u64);
                let _ = check_image(&img);
            }
        }
        if let Ok(h) = FirmwareHeader::parse(&bytes) {
            let again = h.encode().expect("parsed header encodes");
            prop_assert_eq!(FirmwareHeader::parse(&again), Ok(h));
        }
    }

    #[test]
    fn journals_verify_and_every_byte_change_shows(
        texts in vec("[ -~]{0,20}", 1..6),
        at in any::<prop::sample::Index>(),
        flip in 1u8..=255,
    ) {
        let good = chain(&texts);
        let path = Path::new("journal.jsonl");
        let v = verify_bytes(path, &good).expect("a chained journal verifies");
        prop_assert_eq!(v.records.len(), texts.len());
        prop_assert!(!v.torn_tail);
        let mut bad = good.clone();
        let i = at.index(bad.len());
        bad[i] ^= flip;
        if let Ok(w) = verify_bytes(path, &bad) {
            prop_assert!(w.torn_tail || w.head != v.head || w.records.len() != v.records.len());
        }
    }

    #[test]
    fn journal_verifier_on_any_bytes(bytes in vec(any::<u8>(), 0..300)) {
        // Random bytes are never a chain: at most a torn tail and no records.
        if let Ok(v) = verify_bytes(Path::new("journal.jsonl"), &bytes) {
            prop_assert!(v.records.is_empty());
        }
    }
}

proptest! {
    // Ed25519 signing and verifying per case.
    #![proptest_config(config(48))]

    #[test]
    fn dsse_envelopes_verify_only_with_their_key_and_body(
        body in vec(any::<u8>(), 0..200),
        at in any::<prop::sample::Index>(),
        flip in 1u8..=255,
    ) {
        let key = SigningKey::from_bytes(&[7; 32]);
        let other = SigningKey::from_bytes(&[9; 32]);
        let (pk, other_pk) = (public(&key), public(&other));
        let env = envelope(&key, &pk.fingerprint(), &body);
        prop_assert_eq!(verify_envelope(&env, &pk).ok(), Some(body.clone()));
        prop_assert!(verify_envelope(&env, &other_pk).is_err());
        // Signed by the other key but naming ours: refused.
        let forged = envelope(&other, &pk.fingerprint(), &body);
        prop_assert!(verify_envelope(&forged, &pk).is_err());
        let mut bad = env.clone();
        let i = at.index(bad.len());
        bad[i] ^= flip;
        if let Ok(got) = verify_envelope(&bad, &pk) {
            prop_assert_eq!(got, body);
        }
    }
}
