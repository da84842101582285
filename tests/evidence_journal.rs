//! The run journal in `--out DIR`: a finished run's journal verifies and
//! holds every event; a run killed with SIGKILL leaves a journal whose
//! records up to the last completed write all verify.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use v2x_hil::evidence::journal::verify;

mod cli_common;
use cli_common::{ok, report_verify, root, v2x};

#[test]
fn a_finished_run_leaves_a_verified_journal() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().to_str().unwrap();
    ok(&v2x(&[
        "run",
        "fixtures/plans/of2-trip.yaml",
        "--out",
        out_dir,
    ]));
    let v = verify(&dir.path().join("journal.jsonl")).unwrap();
    assert!(!v.torn_tail);
    let kinds: Vec<&str> = v.records.iter().map(|r| r.kind.as_str()).collect();
    assert_eq!(kinds.first(), Some(&"run_started"));
    assert_eq!(kinds.last(), Some(&"run_finished"));
    assert!(kinds.contains(&"expectation") && kinds.contains(&"test_finished"));
    assert!(v.records.iter().all(|r| r.clock == "simulated"));
    // A second run into the same folder is refused: evidence is not overwritten.
    let again = v2x(&["run", "fixtures/plans/of2-trip.yaml", "--out", out_dir]);
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
    // Wait until the first island event is on disk, then pull the plug.
    let start = Instant::now();
    loop {
        let text = std::fs::read_to_string(&journal).unwrap_or_default();
        if text.contains("\"kind\":\"island\"") || start.elapsed() > Duration::from_secs(120) {
            break;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    unsafe {
        libc::kill(child.id() as i32, libc::SIGKILL);
    }
    let _ = child.wait();
    let v = verify(&journal).unwrap();
    assert_eq!(v.records[0].kind, "run_started");
    assert!(v.records.iter().any(|r| r.kind == "island"));
    assert!(v.records.iter().all(|r| r.kind != "run_finished"));

    // The report is rebuilt from what the journal holds and says why it
    // is incomplete; the measured island and its waveform are in it.
    let run = dir.path().to_str().unwrap();
    let out = v2x(&["report", "build", run]);
    ok(&out);
    assert!(String::from_utf8_lossy(&out.stdout).contains("INCOMPLETE"));
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("report.json")).unwrap()).unwrap();
    assert_eq!(report["status"], "incomplete");
    assert_eq!(report["verdict"], "incomplete");
    let reason = report["incomplete_reason"].as_str().unwrap();
    assert!(reason.contains("killed"), "{reason}");
    let last = report["tests"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["verdict"], "incomplete");
    let island = &last["islands"][0];
    assert!(
        island["clearing_time_s"].as_f64().unwrap() < 2.0,
        "{island}"
    );
    let csv = island["waveform"]["file"].as_str().unwrap();
    assert!(dir.path().join(csv).is_file());
    let junit = std::fs::read_to_string(dir.path().join("junit.xml")).unwrap();
    assert!(junit.contains("<skipped message="), "{junit}");
    let html = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
    assert!(html.contains("Incomplete report."));

    // What a killed run left can still be signed and verified, and the
    // verification says the report is incomplete.
    let keys = tempfile::tempdir().unwrap();
    let key = keys.path().join("k");
    ok(&v2x(&["keys", "new", key.to_str().unwrap()]));
    let pem = keys.path().join("k.pem");
    let public = keys.path().join("k.pub.pem");
    ok(&v2x(&[
        "report",
        "sign",
        run,
        "--key",
        pem.to_str().unwrap(),
    ]));
    let verified = report_verify(dir.path(), &public);
    ok(&verified);
    assert!(String::from_utf8_lossy(&verified.stdout).contains("the report says: incomplete"));
}
