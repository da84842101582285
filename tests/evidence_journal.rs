//! The run journal in `--out DIR`: a finished run's journal verifies and
//! holds every event; a run killed with SIGKILL leaves a journal whose
//! records up to the last completed write all verify.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use v2x_hil::evidence::journal::verify;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn a_finished_run_leaves_a_verified_journal() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_v2x-hil"))
        .args(["run", "fixtures/plans/of2-trip.yaml", "--out"])
        .arg(dir.path())
        .current_dir(root())
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = verify(&dir.path().join("journal.jsonl")).unwrap();
    assert!(!v.torn_tail);
    let kinds: Vec<&str> = v.records.iter().map(|r| r.kind.as_str()).collect();
    assert_eq!(kinds.first(), Some(&"run_started"));
    assert_eq!(kinds.last(), Some(&"run_finished"));
    assert!(kinds.contains(&"expectation") && kinds.contains(&"test_finished"));
    assert!(v.records.iter().all(|r| r.clock == "simulated"));
    // A second run into the same folder is refused: evidence is not overwritten.
    let again = Command::new(env!("CARGO_BIN_EXE_v2x-hil"))
        .args(["run", "fixtures/plans/of2-trip.yaml", "--out"])
        .arg(dir.path())
        .current_dir(root())
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(2));
}

#[cfg(unix)]
#[test]
fn a_killed_run_keeps_a_journal_that_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal.jsonl");
    let mut child = Command::new(env!("CARGO_BIN_EXE_v2x-hil"))
        .args(["run", "test-plans/anti-islanding-ieee1547.yaml", "--out"])
        .arg(dir.path())
        .current_dir(root())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Wait until a few records are on disk, then pull the plug.
    let start = Instant::now();
    loop {
        let n = std::fs::read(&journal)
            .map(|b| b.iter().filter(|&&c| c == b'\n').count())
            .unwrap_or(0);
        if n >= 8 || start.elapsed() > Duration::from_secs(60) {
            break;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    unsafe {
        libc::kill(child.id() as i32, libc::SIGKILL);
    }
    let _ = child.wait();
    let v = verify(&journal).unwrap();
    assert!(v.records.len() >= 8, "{} records", v.records.len());
    assert_eq!(v.records[0].kind, "run_started");
}
