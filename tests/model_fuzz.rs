//! Deterministic robustness: random bytes and random mutations of valid
//! files never panic; every failure is a located error.

use std::path::Path;
use v2x_hil::model::*;

/// xorshift64*: small, deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const RIG: &str = include_str!("../fixtures/model/rig.yaml");
const PLAN: &str = include_str!("../fixtures/model/plan.yaml");
const PROFILE: &str = include_str!("../test-plans/profiles/iso-ne-srd.yaml");

/// Bytes YAML cares about, to make mutations interesting.
const TOKENS: &[&str] = &[
    "[",
    "]",
    "{",
    "}",
    ":",
    "- ",
    "\n",
    "  ",
    "#",
    "&a ",
    "*a",
    "!!str ",
    "'",
    "\"",
    ",",
    "?",
    "|",
    ">",
    "---\n",
    "...\n",
    "1e400",
    "-1e400",
    ".nan",
    ".inf",
    "99999999999999999999999",
    "-0",
    "0x1F",
    "~",
    "null",
    "true",
    "on",
    "\t",
    "\u{feff}",
    "%YAML 1.2\n",
    "<<: *a\n",
    "\\",
    "\u{0}",
    "é",
    "devices",
    "tests",
    "set",
    "device: grid",
    "voltage_v: 300",
];

fn check(result: Result<(), ModelErrors>) {
    if let Err(e) = result {
        assert!(!e.is_empty());
        for err in e.iter() {
            let at = err.location();
            assert!(at.line >= 1 && at.column >= 1, "{err}");
            assert!(!err.to_string().is_empty());
        }
    }
}

fn run_all(text: &str) {
    let rig = parse_rig(Path::new("fixtures/model/rig.yaml"), text);
    let plan = parse_plan(Path::new("fixtures/model/plan.yaml"), text);
    if let (Ok(r), Ok(p)) = (&rig, &plan) {
        check(check_plan_against_rig(p, r));
    }
    check(rig.map(|_| ()));
    check(plan.map(|_| ()));
    check(parse_profile(Path::new("p.yaml"), text).map(|_| ()));
}

#[test]
fn random_bytes_never_panic() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for _ in 0..3000 {
        let len = rng.below(200);
        let bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        // Invalid UTF-8 goes through the file path; valid through the parsers.
        let text = String::from_utf8_lossy(&bytes);
        run_all(&text);
    }
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("f.yaml");
    for _ in 0..200 {
        let len = rng.below(100);
        let bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        std::fs::write(&p, &bytes).unwrap();
        check(load_rig(&p).map(|_| ()));
        check(load_plan(&p).map(|_| ()));
        check(load_profile(&p).map(|_| ()));
    }
}

#[test]
fn random_token_soup_never_panics() {
    let mut rng = Rng(42);
    for _ in 0..3000 {
        let n = rng.below(60);
        let text: String = (0..n).map(|_| TOKENS[rng.below(TOKENS.len())]).collect();
        run_all(&text);
    }
}

#[test]
fn mutations_of_valid_files_never_panic() {
    let mut rng = Rng(7);
    let mut errors = 0;
    for i in 0..3000 {
        let base = [RIG, PLAN, PROFILE][i % 3];
        let mut text: Vec<char> = base.chars().collect();
        for _ in 0..1 + rng.below(4) {
            let at = rng.below(text.len() + 1);
            match rng.below(4) {
                0 if at < text.len() => {
                    text.remove(at);
                }
                1 => {
                    let tok = TOKENS[rng.below(TOKENS.len())];
                    for (k, c) in tok.chars().enumerate() {
                        text.insert(at + k, c);
                    }
                }
                2 if at < text.len() => text[at] = char::from(rng.next() as u8 & 0x7f),
                _ => {
                    // Duplicate a line: duplicate keys, repeated steps.
                    let s: String = text.iter().collect();
                    let lines: Vec<&str> = s.lines().collect();
                    let l = rng.below(lines.len());
                    let mut out: Vec<&str> = lines.clone();
                    if let Some(line) = lines.get(l) {
                        out.insert(l, line);
                    }
                    text = out.join("\n").chars().collect();
                }
            }
        }
        let text: String = text.into_iter().collect();
        let r = parse_rig(Path::new("fixtures/model/rig.yaml"), &text);
        let p = parse_plan(Path::new("fixtures/model/plan.yaml"), &text);
        let f = parse_profile(Path::new("p.yaml"), &text);
        errors += usize::from(r.is_err()) + usize::from(p.is_err()) + usize::from(f.is_err());
        check(r.map(|_| ()));
        check(p.map(|_| ()));
        check(f.map(|_| ()));
    }
    // Most mutants are wrong for at least two of the three schemas.
    assert!(errors > 6000, "{errors}");
}
