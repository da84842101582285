//! The csms role end to end on the emulated rigs: the emulated charger
//! dials the harness's central system over the emulated network (a real
//! WebSocket handshake and OCPP-J frames), and the plans check what it
//! says and does.

mod cli_common;
use cli_common::v2x;
use std::process::Output;

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn journal_frames(dir: &std::path::Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(dir.join("journal.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|r| r["kind"] == "ocpp_frame")
        .map(|r| r["data"].clone())
        .collect()
}

#[test]
fn the_dispatch_plan_passes_on_a_201_and_a_21_charger() {
    for rig in ["rigs/emulated-ocpp.yaml", "rigs/emulated-ocpp21.yaml"] {
        let out = v2x(&["run", "test-plans/v2g-dispatch-ocpp.yaml", "--rig", rig]);
        assert_eq!(out.status.code(), Some(0), "{rig}:\n{}", text(&out));
        assert!(text(&out).contains("5 passed, 0 failed"), "{}", text(&out));
    }
}

#[test]
fn a_central_setpoint_needs_an_ocpp_21_charger() {
    let out = v2x(&[
        "run",
        "test-plans/v2x-setpoint-ocpp21.yaml",
        "--rig",
        "rigs/emulated-ocpp21.yaml",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    // A 2.0.1 charger has no V2X controller and the setpoint cannot be sent.
    let out = v2x(&[
        "run",
        "test-plans/v2x-setpoint-ocpp21.yaml",
        "--rig",
        "rigs/emulated-ocpp.yaml",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let t = text(&out);
    assert!(
        t.contains("V2XChargingCtrlr.Enabled: UnknownComponent"),
        "{t}"
    );
    assert!(t.contains("needs an OCPP 2.1 connection"), "{t}");
}

#[test]
fn a_charger_with_another_serial_fails_its_boot_check() {
    let out = v2x(&[
        "run",
        "fixtures/plans/ocpp-wrong-identity.yaml",
        "--rig",
        "rigs/emulated-ocpp.yaml",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains(r#"serialNumber is "EMU-0001", the plan says "EP11-WRONG-0001""#),
        "{}",
        text(&out)
    );
}

#[test]
fn the_safe_state_clears_a_dispatched_profile() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("run");
    let out = v2x(&[
        "run",
        "fixtures/plans/ocpp-safe-state.yaml",
        "--rig",
        "rigs/emulated-ocpp.yaml",
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    // The first test fails on purpose; the second finds the charger at 0 W
    // although the profile had 590 s to go.
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("1 passed, 1 failed"), "{}", text(&out));
    let frames = journal_frames(&out_dir);
    let clear = frames
        .iter()
        .find(|f| {
            f["direction"] == "tx"
                && f["frame"]
                    .as_str()
                    .unwrap()
                    .contains("\"ClearChargingProfile\"")
        })
        .expect("a ClearChargingProfile was sent");
    assert!(clear["frame"]
        .as_str()
        .unwrap()
        .contains("\"chargingProfileId\":1"));
}

#[test]
fn every_frame_both_ways_is_in_the_journal_and_the_report() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("run");
    let out = v2x(&[
        "run",
        "test-plans/v2g-dispatch-ocpp.yaml",
        "--rig",
        "rigs/emulated-ocpp.yaml",
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let frames = journal_frames(&out_dir);
    let has = |dir: &str, needle: &str| {
        frames
            .iter()
            .any(|f| f["direction"] == dir && f["frame"].as_str().unwrap().contains(needle))
    };
    assert!(has("rx", "\"BootNotification\""));
    assert!(has("tx", "\"interval\":60"));
    assert!(has("tx", "\"SetChargingProfile\""));
    assert!(has("rx", "\"TransactionEvent\""));
    // Every CALL the charger sent was answered: as many CALLRESULTs out as CALLs in.
    let count = |dir: &str, prefix: &str| {
        frames
            .iter()
            .filter(|f| f["direction"] == dir && f["frame"].as_str().unwrap().starts_with(prefix))
            .count()
    };
    assert_eq!(count("rx", "[2,"), count("tx", "[3,"));
    assert_eq!(count("tx", "[2,"), count("rx", "[3,"));
    // The report carries each OCPP step's outcome.
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out_dir.join("report.json")).unwrap()).unwrap();
    let checks: Vec<&serde_json::Value> = report["tests"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|t| t["ocpp"].as_array().into_iter().flatten())
        .collect();
    assert!(checks.len() >= 15, "{}", checks.len());
    assert!(checks.iter().all(|c| c["verdict"] == "pass"));
    let html = std::fs::read_to_string(out_dir.join("report.html")).unwrap();
    assert!(html.contains("OCPP SetChargingProfile"));
}

#[test]
fn plan_check_refuses_ocpp_steps_on_a_rig_without_a_csms() {
    let out = v2x(&["plan", "check", "test-plans/v2g-dispatch-ocpp.yaml"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let t = text(&out);
    assert!(t.contains("steps[0].boot_notification.device"), "{t}");
    assert!(t.contains("no device `csms`"), "{t}");
}

#[test]
fn a_real_central_system_needs_its_security_settings() {
    let dir = tempfile::tempdir().unwrap();
    let rig = |csms: &str| {
        format!(
            "rig: site\nkind: site\nnominal: {{ voltage_v: 240, frequency_hz: 60 }}\n\
             safety_limits: {{ max_charger_power_w: 11500 }}\ndevices:\n  \
             charger:\n    role: charger\n    driver: sunspec\n    transport: {{ tcp: \"192.0.2.50:502\" }}\n  \
             csms:\n    role: csms\n    driver: ocpp\n{csms}"
        )
    };
    let cases = [
        (
            "    transport: { tcp: \"0.0.0.0:9000\" }\n",
            "a real central system needs its security settings",
        ),
        (
            "    transport: { tcp: \"0.0.0.0:9000\" }\n    csms: { security_profile: 2, station_id: CP1, password_env: X }\n",
            "security profile 2 runs over TLS",
        ),
        (
            "    transport: { tcp: \"0.0.0.0:9000\" }\n    csms: { security_profile: 1, station_id: CP1, password: hunter2 }\n",
            "password is not kept in the rig file",
        ),
        (
            "    transport: { tcp: \"0.0.0.0:9000\" }\n    csms: { security_profile: 1, password_env: X }\n",
            "its id is the Basic-auth user",
        ),
        (
            "    transport: { serial: /dev/ttyUSB0, baud: 9600 }\n    csms: { security_profile: 1, station_id: CP1, password_env: X }\n",
            "listens on a TCP port",
        ),
    ];
    for (i, (csms, want)) in cases.iter().enumerate() {
        let path = dir.path().join(format!("rig-{i}.yaml"));
        std::fs::write(&path, rig(csms)).unwrap();
        let out = v2x(&["rig", "check", path.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(2), "case {i}: {}", text(&out));
        assert!(text(&out).contains(want), "case {i}: {}", text(&out));
        assert!(
            text(&out).contains(&format!("rig-{i}.yaml:")),
            "located: {}",
            text(&out)
        );
    }
}

/// `emulate --csms URL`: the emulated charger, served on real TCP ports,
/// dials the central system a wall-clock `run` plays, over a real socket.
#[test]
fn an_emulated_charger_dials_a_real_central_system() {
    use std::process::Command;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("ws://127.0.0.1:{port}/ocpp/EP11-2026-000731");
    let served = cli_common::Emulate::start_with(
        &["--rig", "rigs/emulated-site-home.yaml", "--csms", &url],
        2,
        0,
    );
    let charger = served.tcp["charger"].clone();
    let dir = tempfile::tempdir().unwrap();
    let rig = dir.path().join("rig.yaml");
    std::fs::write(
        &rig,
        format!(
            "rig: bench\nkind: site\nnominal: {{ voltage_v: 240, frequency_hz: 60 }}\n\
             safety_limits: {{ max_charger_power_w: 11500 }}\ndevices:\n  \
             charger:\n    role: charger\n    driver: sunspec\n    transport: {{ tcp: \"{charger}\" }}\n  \
             csms:\n    role: csms\n    driver: ocpp\n    transport: {{ tcp: \"127.0.0.1:{port}\" }}\n    \
             csms: {{ security_profile: 1, station_id: EP11-2026-000731, password_env: V2X_HIL_TEST_CSMS_PASSWORD }}\n"
        ),
    )
    .unwrap();
    let plan = dir.path().join("plan.yaml");
    std::fs::write(
        &plan,
        "plan: dial-in\ntests:\n  - name: boot\n    steps:\n      \
         - boot_notification: { device: csms, within_s: 20, expect: { vendor: Example Power, serial: EP11-2026-000731 } }\n      \
         - get_variables: { device: csms, variables: [ { component: OCPPCommCtrlr, variable: HeartbeatInterval, expect: \"60\" } ] }\n      \
         - trigger_message: { device: csms, message: StatusNotification, within_s: 5 }\n",
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_v2x-hil"))
        .args([
            "run",
            plan.to_str().unwrap(),
            "--rig",
            rig.to_str().unwrap(),
        ])
        .env("NO_COLOR", "1")
        .env("V2X_HIL_TEST_CSMS_PASSWORD", "emulated-only-secret")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        text(&out).contains(&format!("listening on ws://127.0.0.1:{port}/ocpp")),
        "{}",
        text(&out)
    );
}
