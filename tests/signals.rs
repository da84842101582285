//! SIGTERM (CI timeouts, container stops) and SIGHUP (a closed terminal)
//! are handled like Ctrl-C: the runner drives the rig to its safe state,
//! finishes the journal and exits 3; the report says the run was aborted
//! and why, and the signed folder verifies.

#![cfg(unix)]

use serde_json::Value;
use std::time::Duration;
use v2x_hil::evidence::journal::verify;

mod cli_common;
use cli_common::{ok, report_verify, spawn_v2x, v2x, wait_bounded, wait_for_record};

/// `run long-wait --out DIR [extra]`, signalled once the charger exports.
fn signalled_run(signal: i32, dir: &std::path::Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["run", "fixtures/plans/long-wait.yaml", "--out"];
    args.push(dir.to_str().unwrap());
    args.extend_from_slice(extra);
    let child = spawn_v2x(&args);
    wait_for_record(&dir.join("journal.jsonl"), "power", Duration::from_secs(60));
    // SAFETY: kill(2) on the pid of a child we spawned and have not reaped.
    unsafe {
        libc::kill(child.id() as i32, signal);
    }
    wait_bounded(child, Duration::from_secs(60))
}

fn report(dir: &std::path::Path) -> Value {
    serde_json::from_slice(&std::fs::read(dir.join("report.json")).unwrap()).unwrap()
}

#[test]
fn sigterm_drives_the_rig_safe_finishes_the_journal_and_exits_3() {
    let keys = tempfile::tempdir().unwrap();
    let key = keys.path().join("k");
    ok(&v2x(&["keys", "new", key.to_str().unwrap()]));
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    let pem = keys.path().join("k.pem");
    let out = signalled_run(libc::SIGTERM, &run, &["--sign-key", pem.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("SIGTERM"), "{stderr}");

    let v = verify(&run.join("journal.jsonl")).unwrap();
    assert!(!v.torn_tail);
    let kinds: Vec<&str> = v.records.iter().map(|r| r.kind.as_str()).collect();
    assert!(kinds.contains(&"safe_state"), "{kinds:?}");
    assert_eq!(kinds.last(), Some(&"run_finished"));
    let finished = &v.records.last().unwrap().data;
    assert_eq!(finished["signal"], "SIGTERM");

    let r = report(&run);
    assert_eq!(r["status"], "aborted");
    assert_eq!(r["verdict"], "aborted");
    assert!(
        r["aborted"].as_str().unwrap().contains("interrupted"),
        "{r}"
    );
    assert_eq!(r["incomplete_reason"], Value::Null);

    let public = keys.path().join("k.pub.pem");
    let verified = report_verify(&run, &public);
    ok(&verified);
    let said = String::from_utf8_lossy(&verified.stdout);
    assert!(said.contains("the report says: aborted"), "{said}");
    assert!(said.contains("interrupted"), "{said}");
}

#[test]
fn sighup_is_handled_like_ctrl_c() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    let out = signalled_run(libc::SIGHUP, &run, &[]);
    assert_eq!(out.status.code(), Some(3));
    let kinds: Vec<String> = verify(&run.join("journal.jsonl"))
        .unwrap()
        .records
        .into_iter()
        .map(|r| r.kind)
        .collect();
    assert!(kinds.iter().any(|k| k == "safe_state"), "{kinds:?}");
    assert_eq!(kinds.last().map(String::as_str), Some("run_finished"));
    assert_eq!(report(&run)["status"], "aborted");
}
