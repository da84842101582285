//! The binary end to end on the emulated rig: exit codes, JSON, the island
//! table, safety-limit refusal and Ctrl-C.

use std::process::{Command, Output};

mod cli_common;
use cli_common::{root, v2x};

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

fn islands(doc: &serde_json::Value) -> Vec<serde_json::Value> {
    doc["tests"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|t| t["islands"].as_array().cloned().unwrap_or_default())
        .collect()
}

#[test]
fn anti_islanding_plan_passes_on_the_emulated_rig() {
    let out = v2x(&["run", "test-plans/anti-islanding-ieee1547.yaml", "--json"]);
    let doc = json(&out);
    assert_eq!(out.status.code(), Some(0), "{doc:#}");
    assert_eq!(doc["verdict"], "pass");
    let points = islands(&doc);
    // 3 power levels × 11 load points, plus any extensions and reruns.
    assert!(points.len() >= 33, "{} island points", points.len());
    for p in &points {
        let t = p["clearing_time_s"].as_f64().expect("every island cleared");
        assert!(t > 0.0 && t <= 2.0, "{p}");
        assert_eq!(p["verdict"], "pass");
    }
    for pct in [100.0, 66.0, 33.0] {
        let at_level = points
            .iter()
            .filter(|p| (p["power_pct"].as_f64().unwrap() - pct).abs() < 0.5)
            .count();
        assert!(at_level >= 11, "{at_level} points at {pct} %");
    }
}

#[test]
fn without_anti_islanding_the_plan_fails_and_shows_run_on() {
    let out = v2x(&[
        "run",
        "test-plans/anti-islanding-ieee1547.yaml",
        "--rig",
        "rigs/emulated-no-anti-islanding.yaml",
        "--json",
    ]);
    let doc = json(&out);
    assert_eq!(out.status.code(), Some(1), "{doc:#}");
    assert_eq!(doc["verdict"], "fail");
    let ran_on: Vec<_> = islands(&doc)
        .into_iter()
        .filter(|p| p["clearing_time_s"].is_null())
        .collect();
    assert!(!ran_on.is_empty(), "the non-detection zone must show");
    // The balanced point is inside the non-detection zone at every level.
    for p in &ran_on {
        assert_eq!(p["verdict"], "fail");
    }
    assert!(ran_on
        .iter()
        .any(|p| (p["reactive_load_pct"].as_f64().unwrap() - 100.0).abs() < 1e-9));
}

#[test]
fn human_output_prints_the_island_table() {
    let out = v2x(&[
        "run",
        "test-plans/anti-islanding-ieee1547.yaml",
        "--rig",
        "rigs/emulated-no-anti-islanding.yaml",
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("clearing time"), "{text}");
    assert!(text.contains("ran on"), "{text}");
    assert!(text.contains("FAIL"), "{text}");
}

#[test]
fn a_step_over_a_safety_limit_is_refused_before_the_run() {
    let out = v2x(&["run", "fixtures/plans/over-voltage.yaml"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("max_grid_voltage_v"), "{err}");
    assert!(err.contains("steps[1].set.voltage_v"), "{err}");
    // Nothing ran: no test lines on stdout.
    assert!(
        out.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn bad_plan_file_exits_2_with_location() {
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("bad.yaml");
    std::fs::write(
        &plan,
        "plan: x\ntests:\n  - name: a\n    steps:\n      - sett: {}\n",
    )
    .unwrap();
    let out = v2x(&["run", plan.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("bad.yaml:5:"), "{err}");
}

#[test]
fn of2_trip_plan_passes() {
    let out = v2x(&["run", "fixtures/plans/of2-trip.yaml", "--json"]);
    let doc = json(&out);
    assert_eq!(out.status.code(), Some(0), "{doc:#}");
}

#[test]
fn plan_check_and_rig_check() {
    let out = v2x(&["plan", "check", "test-plans/anti-islanding-ieee1547.yaml"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = v2x(&["plan", "check", "fixtures/plans/over-voltage.yaml"]);
    assert_eq!(out.status.code(), Some(2));
    let out = v2x(&["rig", "check", "--json"]);
    let doc = json(&out);
    assert_eq!(out.status.code(), Some(0), "{doc:#}");
    let devices = doc["devices"].as_array().unwrap();
    assert_eq!(devices.len(), 7);
    for d in devices {
        assert!(d["identity"]["model"].is_string(), "{d}");
    }
}

#[test]
fn out_dir_gets_results() {
    let dir = tempfile::tempdir().unwrap();
    let junit = tempfile::NamedTempFile::new().unwrap();
    let out = v2x(&[
        "run",
        "fixtures/plans/of2-trip.yaml",
        "--out",
        dir.path().to_str().unwrap(),
        "--junit",
        junit.path().to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        std::fs::read(junit.path()).unwrap(),
        std::fs::read(dir.path().join("junit.xml")).unwrap()
    );
    let text = std::fs::read_to_string(dir.path().join("report.json")).unwrap();
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(doc["verdict"], "pass");
    assert_eq!(doc["status"], "complete");
    for f in [
        "journal.jsonl",
        "report.html",
        "junit.xml",
        "grid.transcript",
    ] {
        assert!(dir.path().join(f).is_file(), "{f}");
    }
}

#[cfg(unix)]
#[test]
fn ctrl_c_aborts_with_exit_3_after_the_safe_state() {
    use std::time::{Duration, Instant};
    let mut child = Command::new(env!("CARGO_BIN_EXE_v2x-hil"))
        .args(["run", "fixtures/plans/long-wait.yaml", "--json"])
        .current_dir(root())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(800));
    // SIGINT, as Ctrl-C sends.
    unsafe {
        libc::kill(child.id() as i32, libc::SIGINT);
    }
    let start = Instant::now();
    let out = loop {
        if let Some(_status) = child.try_wait().unwrap() {
            break child.wait_with_output().unwrap();
        }
        assert!(start.elapsed() < Duration::from_secs(30), "did not stop");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(out.status.code(), Some(3));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["verdict"], "aborted");
    assert_eq!(doc["tests"][0]["verdict"], "aborted");
    assert!(doc["safe_state_errors"].as_array().unwrap().is_empty());
}
