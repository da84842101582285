//! The journal's hash-chain verifier. Odd first byte: on arbitrary bytes it
//! never panics, and whatever it accepts really is a chain (checked here
//! independently: seq from 0, each `prev` the SHA-256 of the line before,
//! the head the hash of the last complete line). Even first byte: a journal
//! chained here from the input, then changed in one fuzz-chosen byte, is
//! never accepted as the same journal: it fails, loses records, or its head
//! (which the signed report carries) moves.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::{json, Value};
use std::path::Path;
use v2x_hil::evidence::journal::{verify_bytes, GENESIS};
use v2x_hil::firmware::verify::sha256_hex;

fn check_accepted(bytes: &[u8]) {
    let Ok(v) = verify_bytes(Path::new("journal.jsonl"), bytes) else {
        return;
    };
    let mut lines: Vec<&[u8]> = bytes.split(|&c| c == b'\n').collect();
    // After the last newline: empty, or a torn tail.
    let tail = lines.pop().unwrap_or_default();
    assert_eq!(v.torn_tail, !tail.is_empty());
    assert_eq!(v.records.len(), lines.len());
    let mut prev = GENESIS.to_string();
    for (i, line) in lines.iter().enumerate() {
        let rec: Value = serde_json::from_slice(line).expect("an accepted line is JSON");
        assert_eq!(rec["seq"].as_u64(), Some(i as u64));
        assert_eq!(rec["prev"].as_str(), Some(prev.as_str()));
        prev = sha256_hex(line);
    }
    assert_eq!(v.head, prev);
}

/// Lines chained as `JournalWriter` chains them, one per piece of input.
fn chain(pieces: &[&[u8]]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut prev = GENESIS.to_string();
    for (seq, piece) in pieces.iter().enumerate() {
        let line = serde_json::to_string(&json!({
            "seq": seq,
            "prev": prev,
            "t_s": seq as f64 * 0.25,
            "clock": "simulated",
            "kind": "measurement",
            "data": { "text": String::from_utf8_lossy(piece) },
        }))
        .expect("a JSON value serialises");
        prev = sha256_hex(line.as_bytes());
        out.extend_from_slice(line.as_bytes());
        out.push(b'\n');
    }
    out
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    if mode & 1 == 1 {
        check_accepted(rest);
        return;
    }
    let [p0, p1, flip, body @ ..] = rest else {
        return;
    };
    let pieces: Vec<&[u8]> = body.split(|&c| c == 0).take(8).collect();
    let good = chain(&pieces);
    let path = Path::new("journal.jsonl");
    let v = verify_bytes(path, &good).expect("a journal chained here verifies");
    assert_eq!(v.records.len(), pieces.len());
    let at = usize::from(u16::from_be_bytes([*p0, *p1])) % good.len();
    let mut bad = good.clone();
    bad[at] ^= if *flip == 0 { 1 } else { *flip };
    if let Ok(w) = verify_bytes(path, &bad) {
        assert!(
            w.torn_tail || w.head != v.head || w.records.len() != v.records.len(),
            "byte {at} changed and the journal still verifies as the same"
        );
    }
    check_accepted(&bad);
});
