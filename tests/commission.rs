//! `v2x-hil commission` on the emulated site twins, walked as an installer
//! would: the whole flow passes and verifies; a charger that is not the one
//! the site file names, or that keeps its own grid settings, fails for that
//! reason; a run killed mid-way resumes to the end in the same journal;
//! lab steps on a site rig are refused before anything is sent.

mod cli_common;
use cli_common::{ok, report_verify, root, spawn_v2x, v2x, wait_for_record};
use std::path::{Path, PathBuf};
use std::time::Duration;

fn text(out: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// A fresh key pair in `dir`: (private, public).
fn keys(dir: &Path) -> (PathBuf, PathBuf) {
    let name = dir.join("installer");
    ok(&v2x(&["keys", "new", name.to_str().unwrap()]));
    (dir.join("installer.pem"), dir.join("installer.pub.pem"))
}

/// The example home site with `from` replaced by `to`, written into `dir`
/// (its grid profile and firmware catalog still found: the paths are made
/// absolute).
fn site_with(dir: &Path, from: &str, to: &str) -> PathBuf {
    let text = std::fs::read_to_string(root().join("sites/example-home.yaml")).unwrap();
    let profile = root().join("test-plans/profiles/iso-ne-srd.yaml");
    let catalog = root().join("programs/ma-v2x-pilot-2026/firmware.yaml");
    let text = text
        .replace(
            "../test-plans/profiles/iso-ne-srd.yaml",
            profile.to_str().unwrap(),
        )
        .replace(
            "../programs/ma-v2x-pilot-2026/firmware.yaml",
            catalog.to_str().unwrap(),
        )
        .replace(from, to);
    let path = dir.join("site.yaml");
    std::fs::write(&path, text).unwrap();
    path
}

/// A copy of the emulated home twin with `from` replaced by `to`.
fn rig_with(dir: &Path, from: &str, to: &str) -> PathBuf {
    let text = std::fs::read_to_string(root().join("rigs/emulated-site-home.yaml")).unwrap();
    assert!(text.contains(from), "{from}");
    let path = dir.join("rig.yaml");
    std::fs::write(&path, text.replace(from, to)).unwrap();
    path
}

fn commission(site: &Path, rig: &Path, out: &Path, key: &Path) -> std::process::Output {
    v2x(&[
        "commission",
        "--site",
        site.to_str().unwrap(),
        "--rig",
        rig.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--sign-key",
        key.to_str().unwrap(),
        "--yes",
    ])
}

/// Waits until `file` contains `needle` (or fails after `bound`).
fn wait_for_text(file: &Path, needle: &str, bound: Duration) {
    let start = std::time::Instant::now();
    while start.elapsed() < bound {
        if std::fs::read_to_string(file)
            .unwrap_or_default()
            .contains(needle)
        {
            return;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    panic!("no `{needle}` in {} after {bound:?}", file.display());
}

fn report(out: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(out.join("report.json")).unwrap()).unwrap()
}

/// The report's test named `name` (tests are found by name: the plans
/// grow).
fn test_named<'a>(r: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    r["tests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == name)
        .unwrap_or_else(|| panic!("no test `{name}` in the report"))
}

#[test]
fn the_emulated_home_commissions_end_to_end_and_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let (key, public) = keys(dir.path());
    let out = dir.path().join("run");
    let run = commission(
        &root().join("sites/example-home.yaml"),
        &root().join("rigs/emulated-site-home.yaml"),
        &out,
        &key,
    );
    ok(&run);
    let said = text(&run);
    assert!(said.contains("step 7 of 7"), "{said}");
    assert!(said.contains("INSTALLER: Open the main breaker"), "{said}");
    // The twin's charger comes on 1.0.0, below the program's minimum: it is
    // updated, and the screen says to what.
    assert!(
        said.contains("firmware 1.0.0 → 1.1.0 (approved minimum 1.1.0)"),
        "{said}"
    );
    ok(&report_verify(&out, &public));
    let r = report(&out);
    assert_eq!(r["verdict"], "pass");
    let tests = r["tests"].as_array().unwrap();
    assert_eq!(tests.len(), 7);
    // The report names the firmware the charger runs after the update,
    // and the image that put it there.
    assert_eq!(r["firmware"]["version"], "1.1.0");
    assert_eq!(
        r["firmware"]["image_sha256"],
        "1c3f3aae17a80a47f6d80fa2ea0975e5d4257b25a7383cb5ab2d0fd366d50e33"
    );
    let gate = test_named(&r, "the charger runs approved firmware");
    assert_eq!(gate["verdict"], "pass");
    let g = &gate["firmware_gates"][0];
    assert_eq!(g["decision"], "update", "{g}");
    assert_eq!(
        (g["version_before"].as_str(), g["version_after"].as_str()),
        (Some("1.0.0"), Some("1.1.0"))
    );
    assert_eq!(gate["flashes"][0]["version_after"], "1.1.0");
    // After its update the charger rebooted and told its central system
    // who it is, on the new firmware (OCPP BootNotification).
    let csms = test_named(&r, "the charger is connected to its central system");
    assert_eq!(csms["verdict"], "pass", "{csms}");
    let boot = &csms["ocpp"][0]["observed"];
    assert_eq!(boot["serial"], "EP11-2026-000731", "{boot}");
    assert_eq!(boot["firmware"], "1.1.0", "{boot}");
    assert_eq!(boot["reason"], "FirmwareUpdate", "{boot}");
    // The V2G test exported the site's permitted 7.6 kW.
    let journal = std::fs::read_to_string(out.join("journal.jsonl")).unwrap();
    assert!(journal.contains("\"power_w\":7600.0"), "no 7600 W setpoint");
    // V2H backup: the gap, the home carried near nominal, and the
    // reconnection only after the profile's 300 s enter-service delay.
    let b = &test_named(&r, "V2H backup on loss of the utility")["backups"][0];
    assert_eq!(b["verdict"], "pass", "{b}");
    assert!(b["transfer_gap_s"].as_f64().unwrap() < 5.0, "{b}");
    assert!((b["home_voltage_min_v"].as_f64().unwrap() - 240.0).abs() < 12.0);
    assert!(
        (b["home_load_w"].as_f64().unwrap() - 2500.0).abs() < 250.0,
        "{b}"
    );
    let delay = b["reconnect_delay_s"].as_f64().unwrap();
    assert!((300.0..310.0).contains(&delay), "{delay}");
}

#[test]
fn a_charger_that_is_not_the_one_the_site_names_fails_commissioning() {
    let dir = tempfile::tempdir().unwrap();
    let (key, public) = keys(dir.path());
    let site = site_with(dir.path(), "EP11-2026-000731", "EP11-2026-000999");
    let out = dir.path().join("run");
    let run = commission(
        &site,
        &root().join("rigs/emulated-site-home.yaml"),
        &out,
        &key,
    );
    assert_eq!(run.status.code(), Some(1), "{}", text(&run));
    ok(&report_verify(&out, &public));
    let r = report(&out);
    assert_eq!(r["verdict"], "fail");
    let first = &r["tests"][0];
    assert_eq!(first["verdict"], "fail");
    let reason = first["reason"].as_str().unwrap();
    assert!(
        reason.contains("EP11-2026-000731")
            && reason.contains("not the charger the site file names"),
        "{reason}"
    );
}

#[test]
fn a_charger_that_keeps_its_own_settings_fails_commissioning() {
    let dir = tempfile::tempdir().unwrap();
    let (key, _) = keys(dir.path());
    let rig = rig_with(
        dir.path(),
        "anti_islanding: { enabled: true }\n      backup",
        "anti_islanding: { enabled: true }\n      settings_locked: true\n      backup",
    );
    let out = dir.path().join("run");
    let run = commission(&root().join("sites/example-home.yaml"), &rig, &out, &key);
    assert_eq!(run.status.code(), Some(1), "{}", text(&run));
    let r = report(&out);
    let settings = test_named(&r, "the utility's grid profile is written and reads back");
    // A failed test, not an aborted run: the charger answers, it just
    // did not take the utility's settings.
    assert_eq!(settings["verdict"], "fail", "{settings}");
    assert!(
        settings["reason"]
            .as_str()
            .unwrap()
            .contains("the setting did not take"),
        "{settings}"
    );
    // The rest of the commissioning still ran; the report says the site
    // does not comply (its settings are the charger's own, not the profile).
    assert_eq!(r["tests"].as_array().unwrap().len(), 7);
    assert_eq!(r["verdict"], "fail");
    assert_eq!(r["compliance"]["holds"], false, "{}", r["compliance"]);
}

#[test]
fn a_commissioning_killed_mid_run_resumes_to_the_end_in_the_same_journal() {
    let dir = tempfile::tempdir().unwrap();
    let (key, public) = keys(dir.path());
    let out = dir.path().join("run");
    let child = spawn_v2x(&[
        "commission",
        "--site",
        "sites/example-home.yaml",
        "--rig",
        "rigs/emulated-site-home.yaml",
        "--out",
        out.to_str().unwrap(),
        "--sign-key",
        key.to_str().unwrap(),
        "--yes",
    ]);
    let journal = out.join("journal.jsonl");
    // Killed once the V2H test has asked for the main breaker: five tests
    // are finished.
    wait_for_text(
        &journal,
        "\"action\":\"open_main_breaker\"",
        Duration::from_secs(240),
    );
    let mut child = child;
    child.kill().unwrap();
    let _ = child.wait();
    let before = std::fs::read_to_string(&journal).unwrap();
    assert!(!before.contains("\"kind\":\"run_finished\""));

    let resumed = v2x(&[
        "commission",
        "--resume",
        out.to_str().unwrap(),
        "--sign-key",
        key.to_str().unwrap(),
        "--yes",
    ]);
    ok(&resumed);
    let said = text(&resumed);
    assert!(said.contains("6 of 7 step(s) finished, 1 to go"), "{said}");
    ok(&report_verify(&out, &public));
    let r = report(&out);
    assert_eq!(r["verdict"], "pass");
    assert_eq!(r["status"], "complete");
    assert_eq!(r["tests"].as_array().unwrap().len(), 7);
    let after = std::fs::read_to_string(&journal).unwrap();
    assert!(after.contains("\"kind\":\"resumed\""));
    // The first session's records are all still there, first.
    let kept = before.rfind('\n').map_or(0, |i| i + 1);
    assert!(after.starts_with(&before[..kept]));
    // A finished run has nothing to resume.
    let again = v2x(&[
        "commission",
        "--resume",
        out.to_str().unwrap(),
        "--sign-key",
        key.to_str().unwrap(),
    ]);
    assert_eq!(again.status.code(), Some(2), "{}", text(&again));
    assert!(text(&again).contains("nothing to resume"));
}

#[test]
fn a_resume_with_a_changed_site_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (key, _) = keys(dir.path());
    let site = site_with(dir.path(), "Jordan Rivera", "Jordan Rivera");
    let out = dir.path().join("run");
    let child = spawn_v2x(&[
        "commission",
        "--site",
        site.to_str().unwrap(),
        "--rig",
        "rigs/emulated-site-home.yaml",
        "--out",
        out.to_str().unwrap(),
        "--sign-key",
        key.to_str().unwrap(),
        "--yes",
    ]);
    wait_for_record(
        &out.join("journal.jsonl"),
        "test_finished",
        Duration::from_secs(240),
    );
    let mut child = child;
    child.kill().unwrap();
    let _ = child.wait();
    site_with(dir.path(), "Jordan Rivera", "Someone Else");
    let resumed = v2x(&[
        "commission",
        "--resume",
        out.to_str().unwrap(),
        "--sign-key",
        key.to_str().unwrap(),
        "--yes",
    ]);
    assert_eq!(resumed.status.code(), Some(2), "{}", text(&resumed));
    assert!(text(&resumed).contains("is not the one the run began with"));
}

#[test]
fn lab_steps_on_a_site_rig_are_refused_before_anything_is_sent() {
    let out = v2x(&[
        "plan",
        "check",
        "test-plans/v2h-islanding.yaml",
        "--rig",
        "rigs/emulated-site-home.yaml",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let said = text(&out);
    assert!(
        said.contains("is a site rig: the grid there is the utility's and is never commanded"),
        "{said}"
    );
    // And the commissioning plan on a lab rig: its steps are a site's.
    let dir = tempfile::tempdir().unwrap();
    let (key, _) = keys(dir.path());
    let out = v2x(&[
        "commission",
        "--site",
        "sites/example-home.yaml",
        "--rig",
        "rigs/emulated.yaml",
        "--out",
        "/nonexistent/never-created",
        "--sign-key",
        key.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("commissioning runs on a site rig"));
}

#[test]
fn a_site_rig_cannot_have_a_grid_simulator() {
    let dir = tempfile::tempdir().unwrap();
    let rig = rig_with(
        dir.path(),
        "devices:\n",
        "devices:\n  grid:\n    role: grid_simulator\n    driver: ametek-asterion\n    transport: { emulated: tcp }\n",
    );
    let out = v2x(&["rig", "check", rig.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let said = text(&out);
    assert!(said.contains("devices.grid.role"), "{said}");
    assert!(said.contains("a site rig has no grid_simulator"), "{said}");
}

#[test]
fn a_site_meter_with_a_reversed_ct_fails_commissioning_and_says_which() {
    let dir = tempfile::tempdir().unwrap();
    let (key, _) = keys(dir.path());
    let rig = rig_with(
        dir.path(),
        "    identity: { manufacturer: Example Metering",
        "    emulation: { ct_reversed: l1 }\n    identity: { manufacturer: Example Metering",
    );
    let out = dir.path().join("run");
    let run = commission(&root().join("sites/example-home.yaml"), &rig, &out, &key);
    assert_eq!(run.status.code(), Some(1), "{}", text(&run));
    let r = report(&out);
    let meter = r["tests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["meter_checks"].is_array())
        .expect("a meter check");
    assert_eq!(meter["verdict"], "fail");
    let reason = meter["reason"].as_str().unwrap();
    assert!(
        reason.contains("one current transformer reversed"),
        "{reason}"
    );
    assert!(reason.contains("L1 reads"), "{reason}");
    // The rest of the commissioning still ran and passed.
    assert_eq!(r["tests"].as_array().unwrap().len(), 7);

    // Both CTs reversed: every export reads as import.
    let dir = tempfile::tempdir().unwrap();
    let (key, _) = keys(dir.path());
    let rig = rig_with(
        dir.path(),
        "    identity: { manufacturer: Example Metering",
        "    emulation: { ct_reversed: both }\n    identity: { manufacturer: Example Metering",
    );
    let out = dir.path().join("run");
    let run = commission(&root().join("sites/example-home.yaml"), &rig, &out, &key);
    assert_eq!(run.status.code(), Some(1), "{}", text(&run));
    assert!(text(&run).contains("installed backwards"), "{}", text(&run));
}

#[test]
fn a_depot_commissions_with_its_own_plan() {
    let dir = tempfile::tempdir().unwrap();
    // The installer's key by name, from the per-user keys folder.
    let v2x_with_keys = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_v2x-hil"))
            .args(args)
            .current_dir(root())
            .env("NO_COLOR", "1")
            .env("V2X_HIL_CONFIG_DIR", dir.path())
            .output()
            .unwrap()
    };
    ok(&v2x_with_keys(&["keys", "new", "installer"]));
    let public = dir.path().join("keys/installer.pub.pem");
    let out = dir.path().join("run");
    // No --plan: the site's segment picks the depot plan; no --rig: the
    // emulated twin, and the run says so.
    let run = v2x_with_keys(&[
        "commission",
        "--site",
        "sites/example-depot.yaml",
        "--out",
        out.to_str().unwrap(),
        "--sign-key",
        "installer",
        "--yes",
    ]);
    ok(&run);
    assert!(text(&run).contains("no --rig: commissioning the emulated twin"));
    ok(&report_verify(&out, &public));
    let r = report(&out);
    assert_eq!(r["verdict"], "pass");
    let names: Vec<&str> = r["tests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert!(!names.iter().any(|n| n.contains("V2H")), "{names:?}");
    // Both chargers identified: the site complies as a whole.
    assert_eq!(r["compliance"]["holds"], true, "{}", r["compliance"]);
    assert_eq!(r["compliance"]["serial"]["site"], "000418, 000419");
    let journal = std::fs::read_to_string(out.join("journal.jsonl")).unwrap();
    // The depot's permitted export, 10 kW.
    assert!(journal.contains("\"power_w\":10000.0"));
    // Both chargers came on 1.0.0: each was updated to the approved 1.1.0.
    assert_eq!(journal.matches("\"kind\":\"flash\"").count(), 2);
    let gates: Vec<&serde_json::Value> = r["tests"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|t| t["firmware_gates"].as_array().into_iter().flatten())
        .collect();
    assert_eq!(gates.len(), 2);
    for g in gates {
        assert_eq!(g["version_after"], "1.1.0", "{g}");
        assert_eq!(g["model"], "DepotLink 11.5 kW DC", "{g}");
    }
}

#[test]
fn plan_check_with_the_site_checks_every_charger_as_commission_runs_it() {
    for (plan, rig, site) in [
        (
            "test-plans/commissioning-depot.yaml",
            "rigs/emulated-site-depot.yaml",
            "sites/example-depot.yaml",
        ),
        (
            "test-plans/commissioning-home.yaml",
            "rigs/emulated-site-home.yaml",
            "sites/example-home.yaml",
        ),
    ] {
        let out = v2x(&["plan", "check", plan, "--rig", rig, "--site", site]);
        ok(&out);
        assert!(text(&out).contains("valid for rig"), "{}", text(&out));
    }
    // Without the site, the site's values are asked for.
    let out = v2x(&[
        "plan",
        "check",
        "test-plans/commissioning-home.yaml",
        "--rig",
        "rigs/emulated-site-home.yaml",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).contains("`serial: site` takes the value from the run's site file"));
}
