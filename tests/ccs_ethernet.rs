//! The CCS vehicle's hardware path end to end: `v2x-hil emulate` serves the
//! emulated charger's SECC on a real network interface (SDP on UDP 15118,
//! V2GTP over TLS 1.3 on its link-local address) and its instruments on
//! TCP; `v2x-hil run` plays the vehicle with `transport: { ethernet: IFACE }`,
//! trusting the V2G root `emulate` wrote, in wall-clock time. Needs an IPv6
//! multicast interface with a link-local address (not loopback); skipped
//! with the reason where the machine has none.

mod cli_common;
mod common;
use cli_common::{ok, v2x, Emulate};
use std::path::Path;

/// The first interface whose link-local address a socket can bind.
fn link_local_interface() -> Option<String> {
    let text = std::fs::read_to_string("/proc/net/if_inet6").ok()?;
    text.lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (f.len() == 6 && f[3] == "20" && f[5] != "lo").then(|| f[5].to_string())
        })
        .find(|name| v2x_hil::transport::v2g::link_local_address(name).is_ok())
}

fn write_rig(dir: &Path, emulate: &Emulate, interface: &str, root: &Path) -> String {
    let rig = format!(
        r#"rig: CCS vehicle over Ethernet
nominal: {{ voltage_v: 240, frequency_hz: 60 }}
safety_limits: {{ max_grid_voltage_v: 276, max_frequency_deviation_hz: 3.0, max_charger_power_w: 11500 }}
safe_state: {{ charger_power_w: 0, island_switch: closed, grid: nominal }}
devices:
  grid: {{ role: grid_simulator, driver: ametek-asterion, transport: {{ tcp: "{grid}" }}, ratings: {{ voltage_max_v: 300, power_w: 15000 }} }}
  s3: {{ role: island_switch, driver: keysight-34980a, transport: {{ tcp: "{s3}" }}, options: {{ channel: "1001" }} }}
  charger: {{ role: charger, driver: sunspec, transport: {{ tcp: "{charger}" }}, ratings: {{ power_w: 11500 }} }}
  ev:
    role: ev_simulator
    driver: ccs
    protocol: iso15118-20
    transport: {{ ethernet: {interface} }}
    v2g_root: {root}
    vehicle: {{ capacity_kwh: 62, initial_soc_pct: 60, max_charge_current_a: 125, max_discharge_current_a: 40, min_discharge_voltage_v: 310, min_discharge_soc_pct: 20, max_battery_voltage_v: 410 }}
"#,
        grid = emulate.tcp["grid"],
        s3 = emulate.tcp["s3"],
        charger = emulate.tcp["charger"],
        root = root.display(),
    );
    let path = dir.join("rig.yaml");
    std::fs::write(&path, rig).unwrap();
    path.to_str().unwrap().to_string()
}

const PLAN: &str = r#"plan: a discharge session with a CCS vehicle over Ethernet
tests:
  - name: export from the vehicle's battery
    steps:
      - set: { device: grid, voltage_v: 240, frequency_hz: 60, output: on }
      - close: { device: s3 }
      - set: { device: charger, power_w: 0 }
      - ev: { device: ev, action: plug }
      - ev: { device: ev, action: start_discharge }
      - expect: { device: ev, quantity: energy_transfer, equals: true, within_s: 20 }
      - set: { device: charger, power_w: 3000 }
      - expect: { device: charger, quantity: power_w, value: 3000, tolerance: 230, within_s: 5 }
      - expect: { device: ev, quantity: dc_current_a, value: 8, tolerance: 1.5, within_s: 3 }
      - set: { device: charger, power_w: 0 }
      - ev: { device: ev, action: stop }
      - expect: { device: ev, quantity: energy_transfer, equals: false, within_s: 10 }
      # Welding detection and SessionStop before the plug comes out.
      - wait: { s: 2 }
      - ev: { device: ev, action: unplug }
"#;

/// One test, so that no two `emulate`s answer SDP on the same link at once.
#[test]
fn a_ccs_vehicle_over_ethernet_finds_no_secc_then_discharges_through_one() {
    let Some(interface) = link_local_interface() else {
        return common::expected_skip(
            "a_ccs_vehicle_over_ethernet_finds_no_secc_then_discharges_through_one",
            "no interface with an IPv6 link-local address",
        );
    };
    no_secc_on_the_link_fails_the_plug_step_by_name(&interface);
    discharges_through_an_secc_on_a_real_interface(&interface);
}

fn discharges_through_an_secc_on_a_real_interface(interface: &str) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("v2g-root.pem");
    let emulate = Emulate::start_with(
        &[
            "--rig",
            "rigs/emulated-ccs.yaml",
            "--v2g-interface",
            interface,
            "--v2g-root",
            root.to_str().unwrap(),
        ],
        6,
        0,
    );
    // Written before `emulate` printed its endpoints.
    let pem = std::fs::read_to_string(&root).unwrap();
    assert!(pem.starts_with("-----BEGIN CERTIFICATE-----\n"), "{pem}");
    let rig = write_rig(dir.path(), &emulate, interface, &root);
    let plan = dir.path().join("plan.yaml");
    std::fs::write(&plan, PLAN).unwrap();
    let run = dir.path().join("run");
    let out = v2x(&[
        "run",
        plan.to_str().unwrap(),
        "--rig",
        &rig,
        "--out",
        run.to_str().unwrap(),
    ]);
    ok(&out);
    // The journal has the real exchange: SDP asking for TLS, the answer
    // naming the interface's link-local address, then -20 over TLS.
    let journal = std::fs::read_to_string(run.join("journal.jsonl")).unwrap();
    let names: Vec<String> = journal
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|r| r["kind"] == "v2g_message")
        .map(|r| r["data"]["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        names[..3],
        [
            "SECCDiscoveryReq",
            "SECCDiscoveryRes",
            "supportedAppProtocolReq"
        ]
    );
    assert!(names.iter().any(|n| n == "DC_ChargeLoopRes"), "{names:?}");
    assert!(names.iter().any(|n| n == "SessionStopRes"), "{names:?}");
    let _ = emulate.stop();
}

/// No SECC on the link: the plug step aborts the run after SDP's whole schedule
/// (50 requests 250 ms apart), naming the interface and the attempts.
fn no_secc_on_the_link_fails_the_plug_step_by_name(interface: &str) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("v2g-root.pem");
    // The instruments, but the SECC not served.
    let emulate = Emulate::start_with(&["--rig", "rigs/emulated-ccs.yaml"], 6, 0);
    std::fs::write(
        &root,
        v2x_hil::emulator::v2g_pki::pem(
            "CERTIFICATE",
            &v2x_hil::emulator::v2g_pki::EmulatedV2gPki::generate()
                .unwrap()
                .root,
        ),
    )
    .unwrap();
    let rig = write_rig(dir.path(), &emulate, interface, &root);
    let plan = dir.path().join("plan.yaml");
    std::fs::write(
        &plan,
        "plan: plug in\ntests:\n  - name: plug\n    steps:\n      - ev: { device: ev, action: plug }\n",
    )
    .unwrap();
    let out = v2x(&["run", plan.to_str().unwrap(), "--rig", &rig, "--json"]);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let text = doc.to_string();
    // A device that cannot do what the plan asks aborts the run, which ends
    // in the safe state.
    assert_eq!(doc["verdict"], "aborted", "{text}");
    assert_eq!(doc["safe_state_errors"], serde_json::json!([]), "{text}");
    assert!(
        text.contains(&format!("no SECC answered on {interface}"))
            && text.contains("50 SDP request"),
        "{text}"
    );
    let _ = emulate.stop();
}
