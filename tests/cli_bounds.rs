//! Bad input at the command line (issue 9, defects 8–10): exit 2 with a
//! located message, at once, and nothing sent to any device.

mod cli_common;

use cli_common::{ok, root, v2x};
use std::process::Output;

/// Writes `text` to `dir/name` and returns the path, as an argument.
fn file_in(dir: &tempfile::TempDir, name: &str, text: &str) -> String {
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_string()
}

/// Asserts exit 2 and returns stderr.
fn bad_input(out: &Output) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}{stderr}",
        String::from_utf8_lossy(&out.stdout)
    );
    stderr
}

#[cfg(target_os = "linux")]
#[test]
fn devices_given_as_files_are_refused_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let profile_plan = file_in(
        &dir,
        "profile-dev-zero.yaml",
        "plan: p\ntests:\n  - name: a\n    steps:\n      - write_settings: { device: charger, profile: /dev/zero }\n",
    );
    let plan = "test-plans/v2g-dispatch.yaml";
    for args in [
        &["plan", "check", "/dev/zero"][..],
        &["run", "/dev/urandom"],
        &["plan", "check", plan, "--rig", "/dev/zero"],
        &["run", plan, "--rig", "/dev/urandom"],
        &["site", "check", "/dev/zero"],
        &["flash", "/dev/zero"],
        &["plan", "check", &profile_plan],
    ] {
        let started = std::time::Instant::now();
        let err = bad_input(&v2x(args));
        assert!(started.elapsed().as_secs() < 20, "{args:?}");
        assert!(
            err.contains("a character device, not a file"),
            "{args:?}: {err}"
        );
    }
}

#[test]
fn plan_check_prints_how_long_the_plan_takes() {
    let out = v2x(&["plan", "check", "test-plans/v2h-islanding.yaml"]);
    ok(&out);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("duration  about 5 min 36 s of simulated time"),
        "{stdout}"
    );
    assert!(stdout.contains("at most 7 d"), "{stdout}");
}

#[test]
fn a_plan_that_runs_for_ever_is_refused_before_it_runs() {
    let dir = tempfile::tempdir().unwrap();
    let p = file_in(
        &dir,
        "forever.yaml",
        "plan: forever\ntests:\n  - name: a\n    steps:\n      - wait: { s: 1e12 }\n      - ramp: { device: grid, frequency_hz: 61, step_s: 1e-9, over_s: 1e9 }\n",
    );
    let err = bad_input(&v2x(&["run", &p]));
    assert!(
        err.contains("forever.yaml:5:17: tests[0].steps[0].wait.s"),
        "{err}"
    );
    assert!(
        err.contains("forever.yaml:6:63: tests[0].steps[1].ramp.over_s"),
        "{err}"
    );
    assert!(err.contains("tests[0].steps[1].ramp.step_s"), "{err}");
}

#[test]
fn run_refuses_a_quality_factor_the_island_load_cannot_reach() {
    // The shipped anti-islanding plan at Qf 1.5: 17 250 var of L and C at
    // 11.5 kW; the emulated load takes 15 000 (it answered −222 mid-run).
    let profiles = root().join("test-plans/profiles/");
    let text = std::fs::read_to_string(root().join("test-plans/anti-islanding-ieee1547.yaml"))
        .unwrap()
        .replace("quality_factor: 1.0", "quality_factor: 1.5")
        .replace("profiles/", profiles.to_str().unwrap());
    let dir = tempfile::tempdir().unwrap();
    let out = v2x(&["run", &file_in(&dir, "qf.yaml", &text), "--json"]);
    let err = bad_input(&out);
    assert!(out.stdout.is_empty(), "nothing ran");
    assert!(
        err.contains("qf.yaml:43:39: tests[1].steps[2].balance_load.quality_factor"),
        "{err}"
    );
    assert!(err.contains("17250 var"), "{err}");
    assert!(
        err.contains("declared at rigs/emulated.yaml (built in):32:16"),
        "{err}"
    );
}

#[test]
fn a_byte_order_mark_is_fine_and_control_characters_never_reach_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let plan = "plan: p\ntests:\n  - name: a\n    steps: [{ wait: { s: 1 } }]\n";
    let bom = file_in(&dir, "bom.yaml", &format!("\u{feff}{plan}"));
    ok(&v2x(&["plan", "check", &bom]));

    let esc = plan.replace("plan: p", "plan: \"p\\e]0;owned\\a\"");
    let err = bad_input(&v2x(&["plan", "check", &file_in(&dir, "esc.yaml", &esc)]));
    assert!(
        err.contains("esc.yaml:1:7: plan: control character U+001B (ESC)"),
        "{err}"
    );
    assert!(!err.contains(['\u{1b}', '\u{7}']), "{err:?}");
}
