//! What keeping evidence costs: the anti-islanding plan run by the release
//! binary without and with `--out` (journal synced in groups, transcripts,
//! CAN traces, one waveform CSV per island, the report), then `report
//! build`, `report sign` and `report verify` on that folder alone. Prints
//! figures and ratios; asserts nothing about time.
//!
//! `cargo bench --bench evidence`

use std::path::Path;
use std::process::Command;
use std::time::Instant;

fn v2x(args: &[&str]) -> f64 {
    let start = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_v2x-hil"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("the binary runs");
    let wall = start.elapsed().as_secs_f64();
    assert!(
        out.status.code().is_some_and(|c| c <= 1),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    wall
}

fn folder_bytes(dir: &Path) -> (u64, usize) {
    let mut total = (0, 0);
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            let (b, n) = folder_bytes(&p);
            total = (total.0 + b, total.1 + n);
        } else {
            total = (total.0 + e.metadata().unwrap().len(), total.1 + 1);
        }
    }
    total
}

fn main() {
    if std::env::args().any(|a| a == "--test" || a == "--list") {
        return;
    }
    let plan = "test-plans/anti-islanding-ieee1547.yaml";
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("run");
    let d = dir.to_str().unwrap();
    let key = tmp.path().join("k");
    v2x(&["keys", "new", key.to_str().unwrap()]);
    // Alternating runs, the best of each: the machine's other load moves
    // single runs by more than the difference being measured.
    let (mut bare, mut kept) = (f64::INFINITY, f64::INFINITY);
    for i in 0..3 {
        bare = bare.min(v2x(&["run", plan, "--json"]));
        let out = tmp.path().join(format!("run-{i}"));
        kept = kept.min(v2x(&[
            "run",
            plan,
            "--json",
            "--out",
            out.to_str().unwrap(),
        ]));
        if i == 0 {
            std::fs::rename(&out, &dir).unwrap();
        }
    }
    let journal = std::fs::read_to_string(dir.join("journal.jsonl")).unwrap();
    let records = journal.lines().count();
    let (bytes, files) = folder_bytes(&dir);
    println!(
        "anti-islanding plan, release binary, best of 3: {bare:.3} s wall without evidence, {kept:.3} s with --out \
         ({:.2}×, +{:.3} s); {records} journal records (synced in groups) = {:.1} µs of run per record; \
         {files} files, {:.1} MB",
        kept / bare,
        kept - bare,
        (kept - bare) * 1e6 / records as f64,
        bytes as f64 / 1e6
    );
    let build = v2x(&["report", "build", d]);
    let sign = v2x(&[
        "report",
        "sign",
        d,
        "--key",
        &format!("{}.pem", key.display()),
    ]);
    let verify = v2x(&[
        "report",
        "verify",
        d,
        "--key",
        &format!("{}.pub.pem", key.display()),
    ]);
    println!(
        "report build {build:.3} s, report sign {sign:.3} s, report verify {verify:.3} s \
         ({:.0} MB/s hashed by verify, which also rebuilds the report files)",
        bytes as f64 / 1e6 / verify
    );
}
