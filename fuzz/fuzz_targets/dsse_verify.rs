//! DSSE envelope verification never accepts what the key did not sign.
//! Odd first byte: the rest is an envelope; no fuzzer can sign, so it must
//! be refused. Even first byte: the harness signs the input's body with its
//! key, changes one fuzz-chosen byte of the envelope (or none), and checks
//! that verification either fails or returns exactly the signed body, and
//! that another key never verifies it.
#![no_main]

use base64::Engine;
use ed25519_dalek::{Signer, SigningKey};
use libfuzzer_sys::fuzz_target;
use serde_json::json;
use std::sync::OnceLock;
use v2x_hil::firmware::verify::hex_lower;
use v2x_hil::firmware::SigningPublicKey;
use v2x_hil::report::sign::{pae, verify_envelope, PAYLOAD_TYPE};

struct Keys {
    signer: SigningKey,
    public: SigningPublicKey,
    other: SigningPublicKey,
}

fn keys() -> &'static Keys {
    static KEYS: OnceLock<Keys> = OnceLock::new();
    KEYS.get_or_init(|| {
        let public_of = |k: &SigningKey| {
            SigningPublicKey::parse(hex_lower(k.verifying_key().as_bytes()).as_bytes())
                .expect("a raw key in hex parses")
        };
        let signer = SigningKey::from_bytes(&[7; 32]);
        let other = SigningKey::from_bytes(&[9; 32]);
        Keys {
            public: public_of(&signer),
            other: public_of(&other),
            signer,
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let k = keys();
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    if mode & 1 == 1 {
        assert!(
            verify_envelope(rest, &k.public).is_err(),
            "accepted an envelope nobody signed"
        );
        return;
    }
    let [p0, p1, flip, body @ ..] = rest else {
        return;
    };
    let b64 = base64::engine::general_purpose::STANDARD;
    let sig = k.signer.sign(&pae(PAYLOAD_TYPE, body));
    let envelope = serde_json::to_vec(&json!({
        "payloadType": PAYLOAD_TYPE,
        "payload": b64.encode(body),
        "signatures": [{ "keyid": k.public.fingerprint(), "sig": b64.encode(sig.to_bytes()) }],
    }))
    .expect("JSON serialises");
    assert_eq!(
        verify_envelope(&envelope, &k.public).ok().as_deref(),
        Some(body)
    );
    assert!(verify_envelope(&envelope, &k.other).is_err());
    let mut changed = envelope.clone();
    let at = usize::from(u16::from_be_bytes([*p0, *p1])) % changed.len();
    changed[at] ^= *flip;
    if let Ok(got) = verify_envelope(&changed, &k.public) {
        assert_eq!(got, body, "byte {at} changed and a different body verified");
    }
    assert!(verify_envelope(&changed, &k.other).is_err());
});
