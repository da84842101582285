//! The V2G plan end to end on the emulated rig, the vehicle-limit variant,
//! and the CAN trace `--out` writes (every shipped plan passing on its rig,
//! V2H included, is in evidence_observer.rs).

use v2x_hil::transport::can::candump::parse_log;
use v2x_hil::transport::can::CanId;

mod cli_common;
use cli_common::v2x;

fn run_json(args: &[&str]) -> (Option<i32>, serde_json::Value) {
    let out = v2x(args);
    let doc = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code(), doc)
}

#[test]
fn v2g_dispatch_passes_and_writes_the_can_trace() {
    let dir = tempfile::tempdir().unwrap();
    let (code, doc) = run_json(&[
        "run",
        "test-plans/v2g-dispatch.yaml",
        "--json",
        "--out",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(code, Some(0), "{doc:#}");
    let log = std::fs::read(dir.path().join("can0.log")).expect("can0.log written");
    let records: Vec<_> = parse_log(&log)
        .collect::<Result<_, _>>()
        .expect("valid candump");
    assert!(records.len() > 100, "{} frames", records.len());
    for id in [0x100u16, 0x102, 0x108, 0x109, 0x200, 0x208] {
        assert!(
            records.iter().any(|r| r.frame.id() == CanId::Standard(id)),
            "no 0x{id:03X} on the bus"
        );
    }
    // The vehicle's 0x102 keeps its 100 ms cadence while the plan ramps and waits.
    let t102: Vec<f64> = records
        .iter()
        .filter(|r| r.frame.id() == CanId::Standard(0x102))
        .map(|r| r.timestamp.as_secs_f64())
        .collect();
    let gaps: Vec<f64> = t102.windows(2).map(|w| w[1] - w[0]).collect();
    let regular = gaps.iter().filter(|g| (**g - 0.1).abs() < 0.002).count();
    assert!(
        regular * 10 >= gaps.len() * 9,
        "{regular} of {} gaps at 100 ms",
        gaps.len()
    );
}

#[test]
fn a_vehicle_below_the_setpoints_is_honoured() {
    let (code, doc) = run_json(&[
        "run",
        "test-plans/v2g-vehicle-limits.yaml",
        "--rig",
        "rigs/emulated-low-limit-ev.yaml",
        "--json",
    ]);
    assert_eq!(code, Some(0), "{doc:#}");
    // The same plan on the ordinary rig gets what it asks for, so it fails.
    let (code, _) = run_json(&["run", "test-plans/v2g-vehicle-limits.yaml", "--json"]);
    assert_eq!(code, Some(1));
}
