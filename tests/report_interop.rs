//! Tools people already use read the report: junitparser (what CI test
//! reporters build on) reads junit.xml with the failed test as a failure,
//! and html5lib parses report.html strictly (no parse error) with its plots
//! as inline SVG and nothing fetched from elsewhere. Needs python3 with
//! both modules (.ci/python-requirements.txt): without them the test skips
//! through `common::skip`, which fails it under CI=true.

mod common;

use std::path::PathBuf;
use std::process::Command;

#[test]
fn junitparser_and_html5lib_read_the_report() {
    let test = "junitparser_and_html5lib_read_the_report";
    let Some(python) = common::python(test, &["junitparser", "html5lib"]) else {
        return;
    };
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    // The charger's anti-islanding is off on this rig: the island test fails.
    let out = Command::new(env!("CARGO_BIN_EXE_v2x-hil"))
        .args([
            "run",
            "fixtures/plans/commissioning-small.yaml",
            "--rig",
            "rigs/emulated-no-anti-islanding.yaml",
            "--out",
        ])
        .arg(&run)
        .current_dir(&root)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let script = root.join("tests/python/read_report.py");
    let py = Command::new(&python)
        .arg(script)
        .arg(run.join("junit.xml"))
        .arg(run.join("report.html"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&py.stdout);
    if py.status.code() == Some(3) {
        common::skip(test, stdout.trim());
        return;
    }
    assert!(
        py.status.success(),
        "python: {}{}",
        stdout,
        String::from_utf8_lossy(&py.stderr)
    );
    let s: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(s["tests"], 3, "{s}");
    assert_eq!(s["failures"], 1, "{s}");
    assert_eq!(s["errors"], 0, "{s}");
    let island = s["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "one island")
        .unwrap();
    assert_eq!(island["result"][0], "failure", "{island}");
    assert!(island["message"][0]
        .as_str()
        .unwrap()
        .contains("island point"));
    assert_eq!(s["svg_count"], 2, "{s}");
    assert_eq!(s["external"], serde_json::json!([]));
}
