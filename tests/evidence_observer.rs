//! Evidence is a pure observer: every shipped plan, run with and without
//! `--out`, gives the same verdicts and the same measured values — the
//! `--json` documents are identical, byte for byte — and passes on the rig
//! it is written for.

use std::path::Path;
use std::process::Output;

mod cli_common;
use cli_common::{root, spawn_v2x};

/// Plans written for a rig other than the built-in emulated one.
const PLAN_RIGS: &[(&str, &str)] = &[
    ("v2g-vehicle-limits.yaml", "rigs/emulated-low-limit-ev.yaml"),
    ("faults.yaml", "rigs/emulated-faults.yaml"),
    ("v2g-dispatch-ocpp.yaml", "rigs/emulated-ocpp.yaml"),
    ("v2x-setpoint-ocpp21.yaml", "rigs/emulated-ocpp21.yaml"),
];

fn document(out: &Output, what: &str) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{what}: not JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

#[test]
fn every_shipped_plan_measures_the_same_with_and_without_out() {
    let mut plans: Vec<String> = std::fs::read_dir(root().join("test-plans"))
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".yaml"))
        // Commissioning plans run under `commission`, which always keeps
        // its evidence (there is no run of them without --out to compare).
        .filter(|n| !n.starts_with("commissioning-"))
        .collect();
    plans.sort();
    assert!(plans.len() >= 6, "{plans:?}");
    for plan in &plans {
        let mut args = vec![
            "run".to_string(),
            format!("test-plans/{plan}"),
            "--json".into(),
        ];
        if let Some((_, rig)) = PLAN_RIGS.iter().find(|(p, _)| p == plan) {
            args.extend(["--rig".to_string(), rig.to_string()]);
        }
        let dir = tempfile::tempdir().unwrap();
        let out_dir = dir.path().join("run");
        let mut kept = args.clone();
        kept.extend(["--out".to_string(), out_dir.display().to_string()]);
        // Both at once: two processes, two cores.
        let plain = spawn_v2x(&args.iter().map(String::as_str).collect::<Vec<_>>());
        let with_out = spawn_v2x(&kept.iter().map(String::as_str).collect::<Vec<_>>());
        let plain = plain.wait_with_output().unwrap();
        let with_out = with_out.wait_with_output().unwrap();
        assert_eq!(
            plain.status.code(),
            Some(0),
            "{plan} does not pass on its rig:\n{}{}",
            String::from_utf8_lossy(&plain.stdout),
            String::from_utf8_lossy(&plain.stderr)
        );
        assert_eq!(
            with_out.status.code(),
            plain.status.code(),
            "{plan}: exit code differs with --out"
        );
        assert!(
            Path::new(&out_dir).join("journal.jsonl").is_file(),
            "{plan}: no journal"
        );
        let (a, b) = (document(&plain, plan), document(&with_out, plan));
        if a != b {
            let (sa, sb) = (
                serde_json::to_string_pretty(&a).unwrap(),
                serde_json::to_string_pretty(&b).unwrap(),
            );
            let first = sa
                .lines()
                .zip(sb.lines())
                .enumerate()
                .find(|(_, (x, y))| x != y);
            panic!("{plan}: --out changed the result; first difference at line {first:?}");
        }
    }
}
