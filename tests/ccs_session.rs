//! The CCS vehicle (issue 12): ISO 15118-20 DC BPT between the `ccs` EV
//! simulator and the emulated charger's SECC, on the same plant as CHAdeMO.

mod cli_common;
mod common;

use cli_common::{ok, v2x};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use v2x_hil::device::{EvCommand, EvLimitsUpdate, EvSimulator};
use v2x_hil::model::load_rig_with;
use v2x_hil::protocol::din70121;
use v2x_hil::rig::connect;

const RIG: &str = "rigs/emulated-ccs.yaml";

fn run_plan(plan: &str) {
    let started = Instant::now();
    let out = v2x(&["run", plan, "--rig", RIG, "--json"]);
    ok(&out);
    eprintln!("{plan} on {RIG}: {:.1} s", started.elapsed().as_secs_f64());
}

#[test]
fn v2g_dispatch_passes_with_a_ccs_vehicle() {
    run_plan("test-plans/v2g-dispatch.yaml");
}

/// With `--out`, every V2G message is a journal record with its own V2GTP
/// frame: each request is followed by the answer of the same name.
#[test]
fn every_v2g_message_is_journalled_with_its_frame() {
    let (_dir, out_dir, messages) = run_journalled("test-plans/v2h-islanding.yaml", RIG);
    assert!(messages.len() > 100, "{}", messages.len());
    // SECC discovery (SDP, 0x9000/0x9001: TLS 0x00, TCP 0x00, as -20
    // requires; the SECC's TLS server at fe80::1 port 64109 = 0xfa6d), the
    // handshake (0x8001) inside TLS, then -20 common messages (0x8002).
    assert_eq!(messages[0]["name"], "SECCDiscoveryReq");
    assert_eq!(messages[0]["frame_hex"], "01fe9000000000020000");
    assert_eq!(messages[1]["name"], "SECCDiscoveryRes");
    assert_eq!(
        messages[1]["frame_hex"],
        "01fe900100000014fe800000000000000000000000000001fa6d0000"
    );
    assert_eq!(messages[2]["name"], "supportedAppProtocolReq");
    let frame = |i: usize| messages[i]["frame_hex"].as_str().unwrap().to_string();
    assert!(frame(2).starts_with("01fe8001"));
    assert_eq!(messages[3]["name"], "supportedAppProtocolRes");
    assert!(frame(4).starts_with("01fe8002"));
    let name = |i: usize| messages[i]["name"].as_str().unwrap().to_string();
    let mut pairs = 0;
    for i in 0..messages.len() - 1 {
        if messages[i]["direction"] == "tx" && messages[i + 1]["direction"] == "rx" {
            assert_eq!(
                name(i).trim_end_matches("Req"),
                name(i + 1).trim_end_matches("Res"),
                "message {i}"
            );
            pairs += 1;
        }
        // A frame's length field is what follows its 8-byte header.
        let hex = messages[i]["frame_hex"].as_str().unwrap();
        let len = usize::from_str_radix(&hex[8..16], 16).unwrap();
        assert_eq!(hex.len(), 2 * (8 + len), "message {i}");
    }
    assert!(pairs > 50, "{pairs}");
    assert!(messages.iter().any(|m| m["name"] == "DC_ChargeLoopReq"));
    assert!(messages.iter().any(|m| m["name"] == "PowerDeliveryRes"));
    capture_reads_in_tshark(
        &out_dir.join("v2g.pcapng"),
        &messages,
        "64109",
        "every_v2g_message_is_journalled_with_its_frame",
    );
}

/// Runs `plan` on `rig` with `--out` (it must pass); the `v2g_message`
/// records of its journal.
fn run_journalled(
    plan: &str,
    rig: &str,
) -> (
    tempfile::TempDir,
    std::path::PathBuf,
    Vec<serde_json::Value>,
) {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("run");
    let out = v2x(&[
        "run",
        plan,
        "--rig",
        rig,
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    ok(&out);
    let journal = std::fs::read_to_string(out_dir.join("journal.jsonl")).unwrap();
    let messages = journal
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|r| r["kind"] == "v2g_message")
        .map(|r| r["data"].clone())
        .collect();
    (dir, out_dir, messages)
}

/// tshark (an independent reader) takes `v2g.pcapng` as SDP over UDP to
/// ff02::1 port 15118, then one IPv6 TCP connection to the port SDP offered
/// (`secc_port`: the TLS server's for -20, 15118 for DIN), every
/// checksum good, its datagrams and segments carrying exactly the
/// journal's V2GTP frames, in order. Without tshark it skips through
/// `common::skip` (a failure under CI=true), naming `test`.
fn capture_reads_in_tshark(
    pcap: &Path,
    messages: &[serde_json::Value],
    tcp_port: &str,
    test: &str,
) {
    if !common::tshark(test) {
        return;
    }
    let out = std::process::Command::new("tshark")
        .args([
            "-r",
            pcap.to_str().unwrap(),
            "-o",
            "tcp.check_checksum:TRUE",
        ])
        .args(["-o", "udp.check_checksum:TRUE", "-T", "fields"])
        .args([
            "-e",
            "tcp.dstport",
            "-e",
            "tcp.srcport",
            "-e",
            "tcp.checksum.status",
        ])
        .args([
            "-e",
            "tcp.payload",
            "-e",
            "udp.dstport",
            "-e",
            "udp.srcport",
        ])
        .args(["-e", "udp.checksum.status", "-e", "udp.payload"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Each row as (to port, from port, checksum status, payload), TCP or UDP.
    let rows: Vec<[String; 4]> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| {
            let f: Vec<String> = l.split('\t').map(|f| f.replace(':', "")).collect();
            let field = |i: usize| f.get(i).cloned().unwrap_or_default();
            if field(0).is_empty() {
                [field(4), field(5), field(6), field(7)]
            } else {
                [field(0), field(1), field(2), field(3)]
            }
        })
        .collect();
    assert!(
        rows.iter().all(|r| r[2] == "1"),
        "a checksum tshark finds bad"
    );
    // SDP on UDP 15118; V2GTP on the TCP port the SECC offered.
    let secc_port = |r: &[String; 4]| {
        if r[3].starts_with("01fe900") {
            "15118"
        } else {
            tcp_port
        }
    };
    assert!(rows
        .iter()
        .all(|r| r[0] == secc_port(r) || r[1] == secc_port(r)));
    // Every message is one datagram or segment with exactly its frame; the
    // rest are the TCP handshake (SYN, SYN-ACK, ACK), which carry nothing.
    let carrying: Vec<&[String; 4]> = rows.iter().filter(|r| !r[3].is_empty()).collect();
    assert_eq!(rows.len() - carrying.len(), 3);
    assert_eq!(carrying.len(), messages.len());
    for (m, row) in messages.iter().zip(carrying) {
        assert_eq!(row[3], m["frame_hex"].as_str().unwrap());
        let to_charger = row[0] == secc_port(row);
        assert_eq!(to_charger, m["direction"] == "tx");
    }
}

#[test]
fn v2h_islanding_passes_with_a_ccs_vehicle() {
    run_plan("test-plans/v2h-islanding.yaml");
}

#[test]
fn the_anti_islanding_sweep_passes_with_a_ccs_vehicle() {
    run_plan("test-plans/anti-islanding-ieee1547.yaml");
}

#[test]
fn a_bpt_session_reaches_the_charge_loop_and_stops() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let rig = load_rig_with(&root.join(RIG), &v2x_hil::device::drivers_for).unwrap();
    let mut c = connect(&rig).unwrap();
    let clock = c.rig.clock.clone();
    let plant = c.plant.clone().unwrap();
    let contactor = || plant.lock().unwrap().dc_contactor();
    let ev = c.rig.devices.ev.as_mut().unwrap();

    ev.command(EvCommand::Plug).unwrap();
    clock.sleep(Duration::from_secs(2));
    let s = ev.status().unwrap();
    assert_eq!(s.phase, "Ready", "set up, waiting to be told: {s:?}");
    assert!(!s.energy_transfer && !contactor());

    ev.command(EvCommand::StartDischarge).unwrap();
    clock.sleep(Duration::from_secs(3));
    let s = ev.status().unwrap();
    assert_eq!(s.phase, "ChargeLoop", "{s:?}");
    assert!(s.energy_transfer, "{s:?}");
    assert!(contactor(), "PowerDelivery(Start) closed the DC contactor");
    assert!(
        s.dc_voltage_v > 300.0,
        "the SECC reports the battery: {s:?}"
    );
    let limits = plant.lock().unwrap().dc_limits();
    // The vehicle allows 40 A; the charger's DC stage gives 11.5 kW at the
    // vehicle's 310 V floor, 38 A: the lower of the two bounds the plant.
    assert_eq!(limits.max_discharge_current_a, 38.0);

    ev.set_limits(EvLimitsUpdate {
        max_discharge_current_a: Some(12.0),
        ..EvLimitsUpdate::default()
    })
    .unwrap();
    clock.sleep(Duration::from_millis(500));
    let limits = plant.lock().unwrap().dc_limits();
    assert_eq!(
        limits.max_discharge_current_a, 12.0,
        "a charge loop carried it"
    );

    ev.command(EvCommand::Stop).unwrap();
    clock.sleep(Duration::from_secs(2));
    let s = ev.status().unwrap();
    assert_eq!(
        s.phase, "Ended",
        "PowerDelivery(Stop), welding, SessionStop: {s:?}"
    );
    assert!(!s.energy_transfer && !s.charger_stopped, "{s:?}");
    assert_eq!(s.stop_cause, None);
    assert!(!contactor(), "the contactor opened");

    // Plugging in again opens a new connection and a new session.
    ev.command(EvCommand::Plug).unwrap();
    ev.command(EvCommand::StartCharge {
        current_a: Some(20.0),
    })
    .unwrap();
    clock.sleep(Duration::from_secs(3));
    let s = ev.status().unwrap();
    assert!(s.energy_transfer, "{s:?}");
    let limits = plant.lock().unwrap().dc_limits();
    assert_eq!(limits.max_charge_current_a, 20.0);
    assert_eq!(limits.max_discharge_current_a, 0.0, "charge only");
}

#[test]
fn rig_check_accepts_the_ccs_rigs_din_included() {
    ok(&v2x(&["rig", "check", RIG]));
    ok(&v2x(&["rig", "check", DIN_RIG]));
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(RIG))
        .unwrap()
        .replace("protocol: iso15118-20", "protocol: iso15118-2");
    let path = dir.path().join("iso2.yaml");
    std::fs::write(&path, text).unwrap();
    let out = v2x(&["rig", "check", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("devices.ev.protocol") && err.contains("iso15118-20, din70121"),
        "{err}"
    );
}

#[test]
fn an_ethernet_vehicle_needs_the_v2g_root_it_trusts() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(root.join(RIG)).unwrap().replace(
        "protocol: iso15118-20\n    transport: { emulated: tcp }",
        "protocol: iso15118-20\n    transport: { ethernet: eth1 }",
    );
    let dir = tempfile::tempdir().unwrap();
    let load = |text: &str| {
        let path = dir.path().join("rig.yaml");
        std::fs::write(&path, text).unwrap();
        load_rig_with(&path, &v2x_hil::device::drivers_for)
    };
    let err = load(&text).unwrap_err().render();
    assert!(
        err.contains("devices.ev") && err.contains("v2g_root"),
        "{err}"
    );
    let with_root = text.replace(
        "transport: { ethernet: eth1 }",
        "transport: { ethernet: eth1 }\n    v2g_root: certs/v2g-root-ca.pem",
    );
    let rig = load(&with_root).unwrap();
    let ev = &rig.devices["ev"];
    assert_eq!(
        ev.transport,
        v2x_hil::model::TransportSpec::Ethernet {
            interface: "eth1".into()
        }
    );
    assert_eq!(
        ev.v2g_root.as_deref(),
        Some(dir.path().join("certs/v2g-root-ca.pem").as_path())
    );
    let grid_on_ethernet = with_root.replacen(
        "driver: ametek-asterion\n    transport: { emulated: tcp }",
        "driver: ametek-asterion\n    transport: { ethernet: eth1 }",
        1,
    );
    let err = load(&grid_on_ethernet).unwrap_err().render();
    assert!(
        err.contains("devices.grid.transport") && err.contains("CCS vehicle's link"),
        "{err}"
    );
    let emulated_with_root = std::fs::read_to_string(root.join(RIG)).unwrap().replace(
        "protocol: iso15118-20\n",
        "protocol: iso15118-20\n    v2g_root: certs/v2g-root-ca.pem\n",
    );
    let err = load(&emulated_with_root).unwrap_err().render();
    assert!(err.contains("devices.ev.v2g_root"), "{err}");
    // DIN 70121 has no TLS: on Ethernet it needs no root, and takes none.
    let din = text.replace("protocol: iso15118-20", "protocol: din70121");
    let rig = load(&din).unwrap();
    assert_eq!(rig.devices["ev"].v2g_root, None);
    let din_with_root = with_root.replace("protocol: iso15118-20", "protocol: din70121");
    let err = load(&din_with_root).unwrap_err().render();
    assert!(
        err.contains("devices.ev.v2g_root") && err.contains("no TLS"),
        "{err}"
    );
}

/// A -20 vehicle asks SDP for TLS; an SECC that offers only plain TCP is
/// refused at plug-in, with the reason, before any V2G message.
#[test]
fn a_vehicle_refuses_an_secc_without_tls() {
    use v2x_hil::transport::v2g::link::EmulatedLink;
    use v2x_hil::transport::v2g::EmulatedV2gNet;
    let clock: std::sync::Arc<dyn v2x_hil::exec::clock::Clock> =
        std::sync::Arc::new(v2x_hil::exec::clock::WallClock::new());
    let link = Box::new(EmulatedLink::new(EmulatedV2gNet::new()));
    let mut ev = v2x_hil::device::ccs_ev::CcsEv::start(link, clock, Default::default(), "ev");
    let e = ev.command(EvCommand::Plug).unwrap_err().to_string();
    assert!(
        e.contains("the SECC offers no TLS but the vehicle asked for TLS"),
        "{e}"
    );
    let names: Vec<String> = ev
        .take_messages()
        .unwrap()
        .into_iter()
        .map(|m| m.name)
        .collect();
    assert_eq!(names, ["SECCDiscoveryReq", "SECCDiscoveryRes"]);
}

/// `rig` (a shipped rig file) with its vehicle swapped for the CCS rig's,
/// written into `dir`; `limits` replaces the vehicle's current limits.
fn with_ccs_vehicle(rig: &str, dir: &Path, limits: Option<(f64, f64)>) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let ccs = std::fs::read_to_string(root.join(RIG)).unwrap();
    // The `ev:` device block: from its key to the next two-space key.
    let block = |text: &str| {
        let start = text.find("\n  ev:\n").expect("an `ev` device") + 1;
        let mut end = start;
        for line in text[start..].split_inclusive('\n').skip(1) {
            if line.starts_with("  ") && !line.starts_with("   ") {
                break;
            }
            end += line.len();
        }
        (start, end + "  ev:\n".len())
    };
    let (a, b) = block(&ccs);
    let mut vehicle = ccs[a..b].to_string();
    if let Some((charge_a, discharge_a)) = limits {
        vehicle = vehicle
            .replace(
                "max_charge_current_a: 125",
                &format!("max_charge_current_a: {charge_a}"),
            )
            .replace(
                "max_discharge_current_a: 40",
                &format!("max_discharge_current_a: {discharge_a}"),
            );
    }
    let text = std::fs::read_to_string(root.join(rig)).unwrap();
    let (a, b) = block(&text);
    let out = dir.join(Path::new(rig).file_name().unwrap());
    std::fs::write(&out, format!("{}{vehicle}{}", &text[..a], &text[b..])).unwrap();
    out
}

/// The rest of the shipped lab plans with a CCS vehicle, each on its own
/// rig with the vehicle swapped (the faults plan aside: its faults are on
/// the CHAdeMO CAN bus).
#[test]
fn the_other_lab_plans_pass_with_a_ccs_vehicle() {
    let dir = tempfile::tempdir().unwrap();
    let runs = [
        ("test-plans/trip-ieee1547.yaml", RIG.to_string()),
        ("test-plans/firmware-update.yaml", RIG.to_string()),
        (
            "test-plans/v2g-vehicle-limits.yaml",
            // rigs/emulated-low-limit-ev.yaml's limits: 10 A charge, 12 A discharge.
            with_ccs_vehicle(
                "rigs/emulated-low-limit-ev.yaml",
                dir.path(),
                Some((10.0, 12.0)),
            )
            .display()
            .to_string(),
        ),
        (
            "test-plans/v2g-dispatch-ocpp.yaml",
            with_ccs_vehicle("rigs/emulated-ocpp.yaml", dir.path(), None)
                .display()
                .to_string(),
        ),
        (
            "test-plans/v2x-setpoint-ocpp21.yaml",
            with_ccs_vehicle("rigs/emulated-ocpp21.yaml", dir.path(), None)
                .display()
                .to_string(),
        ),
    ];
    for (plan, rig) in runs {
        let rig_text = std::fs::read_to_string(&rig)
            .or_else(|_| std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(&rig)))
            .unwrap();
        assert!(rig_text.contains("driver: ccs"), "{rig}");
        let out = v2x(&["run", plan, "--rig", &rig, "--json"]);
        ok(&out);
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let tests = doc["tests"].as_array().unwrap();
        assert!(!tests.is_empty(), "{plan}");
        assert!(
            tests.iter().all(|t| t["verdict"] == "pass"),
            "{plan} on {rig}: {doc}"
        );
    }
}

#[test]
fn ride_through_passes_with_a_ccs_vehicle() {
    run_plan("test-plans/ride-through-ieee1547.yaml");
}

/// A charger whose message the vehicle cannot decode: the session ends and
/// the reason names that message by its number, payload type and place in
/// the charger's byte stream.
#[test]
fn an_undecodable_message_is_named_by_its_place_in_the_stream() {
    use v2x_hil::emulator::v2g_pki::EmulatedV2gPki;
    use v2x_hil::transport::v2g::link::EmulatedLink;
    use v2x_hil::transport::v2g::EmulatedV2gNet;
    let pki = EmulatedV2gPki::generate().unwrap();
    let net = EmulatedV2gNet::with_tls(pki.server_config.clone(), pki.root.clone());
    let link = Box::new(EmulatedLink::new(net.clone()));
    let ev = v2x_hil::device::ccs_ev::CcsEv::start(link, wall_clock(), Default::default(), "ev");
    let cause = stop_cause_after_a_bad_first_answer(Box::new(ev), &net);
    assert!(
        cause.starts_with(
            "the charger's message 1 (V2GTP payload type 0x8001, stream bytes 0..11): "
        ),
        "{cause}"
    );
}

/// The same for a DIN 70121 vehicle (no TLS).
#[test]
fn an_undecodable_message_to_a_din_vehicle_is_named_by_its_place_in_the_stream() {
    use v2x_hil::transport::v2g::link::EmulatedLink;
    use v2x_hil::transport::v2g::EmulatedV2gNet;
    let net = EmulatedV2gNet::new();
    let link = Box::new(EmulatedLink::new(net.clone()));
    let ev =
        v2x_hil::device::ccs_ev_din::CcsEvDin::start(link, wall_clock(), Default::default(), "ev");
    let cause = stop_cause_after_a_bad_first_answer(Box::new(ev), &net);
    assert!(
        cause.starts_with(
            "the charger's message 1 (V2GTP payload type 0x8001, stream bytes 0..11): supportedAppProtocolRes: "
        ),
        "{cause}"
    );
}

fn wall_clock() -> std::sync::Arc<dyn v2x_hil::exec::clock::Clock> {
    std::sync::Arc::new(v2x_hil::exec::clock::WallClock::new())
}

/// Plugs `ev` in, answers its first request with a well-framed V2GTP frame
/// whose EXI is not a supportedAppProtocolRes, and returns the stop cause.
fn stop_cause_after_a_bad_first_answer(
    mut ev: Box<dyn EvSimulator>,
    net: &v2x_hil::transport::v2g::EmulatedV2gNet,
) -> String {
    use std::io::Write;
    use v2x_hil::transport::v2g::read_available;
    ev.command(EvCommand::Plug).unwrap();
    let mut secc = net.accept().expect("the vehicle connected");
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut request = Vec::new();
    // The TLS handshake where there is one, then the vehicle's
    // supportedAppProtocolReq.
    while request.len() < 8 {
        assert!(Instant::now() < deadline, "no request from the vehicle");
        request.extend(read_available(&mut *secc).0);
        std::thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(request[..4], [0x01, 0xFE, 0x80, 0x01]);
    secc.write_all(&[0x01, 0xFE, 0x80, 0x01, 0, 0, 0, 3, 0xFF, 0xFF, 0xFF])
        .unwrap();
    loop {
        assert!(Instant::now() < deadline, "the vehicle took the bad answer");
        let _ = read_available(&mut *secc);
        if let Some(cause) = ev.status().unwrap().stop_cause {
            return cause;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

// ---- DIN SPEC 70121 -------------------------------------------------------

const DIN_RIG: &str = "rigs/emulated-ccs-din.yaml";

/// A DC charge with a DIN 70121 vehicle passes, and every message of its
/// session is journalled with its own frame: SDP asking for no TLS, the
/// handshake, then each DIN request answered by the response of its name,
/// every frame a DIN document our codec reads back to that name.
#[test]
fn a_dc_charge_passes_with_a_din_vehicle_every_message_journalled() {
    let (_dir, out_dir, messages) = run_journalled("test-plans/dc-charge.yaml", DIN_RIG);
    // SDP: no TLS (0x10), TCP (0x00); the SECC's plain server at fe80::1
    // port 15118 (0x3b0e).
    assert_eq!(messages[0]["name"], "SECCDiscoveryReq");
    assert_eq!(messages[0]["frame_hex"], "01fe9000000000021000");
    assert_eq!(
        messages[1]["frame_hex"],
        "01fe900100000014fe8000000000000000000000000000013b0e1000"
    );
    let name = |i: usize| messages[i]["name"].as_str().unwrap().to_string();
    let frame = |i: usize| {
        let h = messages[i]["frame_hex"].as_str().unwrap();
        (0..h.len() / 2)
            .map(|k| u8::from_str_radix(&h[2 * k..2 * k + 2], 16).unwrap())
            .collect::<Vec<u8>>()
    };
    assert_eq!(name(2), "supportedAppProtocolReq");
    assert_eq!(name(3), "supportedAppProtocolRes");
    let mut order: Vec<String> = Vec::new();
    for (i, message) in messages.iter().enumerate().skip(4) {
        let bytes = frame(i);
        // V2GTP 0x8001 (EXI) around a DIN document named as journalled.
        assert_eq!(&bytes[..4], &[0x01, 0xfe, 0x80, 0x01], "message {i}");
        let len = u32::from_be_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]) as usize;
        assert_eq!(bytes.len(), 8 + len, "message {i}");
        let m = din70121::decode(&bytes[8..]).unwrap_or_else(|e| panic!("message {i}: {e}"));
        assert_eq!(m.body.name(), name(i), "message {i}");
        let tx = message["direction"] == "tx";
        assert_eq!(tx, name(i).ends_with("Req"), "message {i}");
        if tx {
            assert_eq!(
                name(i + 1),
                name(i).replace("Req", "Res"),
                "message {i} is answered"
            );
            if order.last() != Some(&name(i)) {
                order.push(name(i));
            }
        }
    }
    assert_eq!(
        order,
        [
            "SessionSetupReq",
            "ServiceDiscoveryReq",
            "ServicePaymentSelectionReq",
            "ContractAuthenticationReq",
            "ChargeParameterDiscoveryReq",
            "CableCheckReq",
            "PreChargeReq",
            "PowerDeliveryReq",
            "CurrentDemandReq",
            "PowerDeliveryReq",
            "WeldingDetectionReq",
            "SessionStopReq",
        ]
    );
    let demands = messages
        .iter()
        .filter(|m| m["name"] == "CurrentDemandReq")
        .count();
    assert!(demands > 1000, "every 100 ms for over 2 min: {demands}");
    capture_reads_in_tshark(
        &out_dir.join("v2g.pcapng"),
        &messages,
        "15118",
        "a_dc_charge_passes_with_a_din_vehicle_every_message_journalled",
    );
}

/// A discharge is refused with the reason: by `plan check` (nothing is run),
/// and by the vehicle itself, with the DC side left off.
#[test]
fn a_discharge_on_a_din_vehicle_is_refused_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("discharge.yaml");
    std::fs::write(
        &plan,
        "plan: discharge a DIN vehicle\ntests:\n  - name: discharge\n    steps:\n      \
         - ev: { device: ev, action: plug }\n      \
         - ev: { device: ev, action: start_discharge }\n",
    )
    .unwrap();
    let out = v2x(&["run", plan.to_str().unwrap(), "--rig", DIN_RIG]);
    assert_eq!(out.status.code(), Some(2), "refused before the run");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("steps[1].ev.action") && err.contains("no bidirectional power transfer"),
        "{err}"
    );

    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let rig = load_rig_with(&root.join(DIN_RIG), &v2x_hil::device::drivers_for).unwrap();
    let mut c = connect(&rig).unwrap();
    let clock = c.rig.clock.clone();
    let plant = c.plant.clone().unwrap();
    let ev = c.rig.devices.ev.as_mut().unwrap();
    ev.command(EvCommand::Plug).unwrap();
    clock.sleep(Duration::from_secs(2));
    assert_eq!(ev.status().unwrap().phase, "Ready");
    let err = ev
        .command(EvCommand::StartDischarge)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("DIN SPEC 70121 has no bidirectional power transfer"),
        "{err}"
    );
    let limits = EvLimitsUpdate {
        max_discharge_current_a: Some(10.0),
        ..EvLimitsUpdate::default()
    };
    assert!(ev.set_limits(limits).is_err());
    clock.sleep(Duration::from_secs(3));
    let s = ev.status().unwrap();
    assert_eq!(s.phase, "Ready", "nothing started: {s:?}");
    assert!(!s.energy_transfer);
    let p = plant.lock().unwrap();
    assert!(!p.dc_contactor(), "the DC contactor stayed open");
    assert_eq!(p.dc_limits().max_discharge_current_a, 0.0);
}

/// The DIN session on the emulated charger: the SECC chose DIN from the
/// handshake, closes the contactor on PowerDelivery(ReadyToCharge), bounds
/// the DC side by the vehicle's target current and never allows a
/// discharge; a silent vehicle trips the same 1 s watchdog as -20.
#[test]
fn a_din_session_charges_within_the_vehicle_request_and_trips_when_silent() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let rig = load_rig_with(&root.join(DIN_RIG), &v2x_hil::device::drivers_for).unwrap();
    let mut c = connect(&rig).unwrap();
    let clock = c.rig.clock.clone();
    let plant = c.plant.clone().unwrap();
    let contactor = || plant.lock().unwrap().dc_contactor();
    let ev = c.rig.devices.ev.as_mut().unwrap();
    ev.command(EvCommand::Plug).unwrap();
    ev.command(EvCommand::StartCharge {
        current_a: Some(16.0),
    })
    .unwrap();
    clock.sleep(Duration::from_secs(3));
    let s = ev.status().unwrap();
    assert_eq!(s.phase, "CurrentDemand", "{s:?}");
    assert!(s.energy_transfer && contactor(), "{s:?}");
    let limits = plant.lock().unwrap().dc_limits();
    assert_eq!(limits.max_charge_current_a, 16.0);
    assert_eq!(limits.max_discharge_current_a, 0.0);

    ev.command(EvCommand::GoSilent).unwrap();
    clock.sleep(Duration::from_secs(2));
    assert!(!contactor(), "the watchdog opened the contactor");
    ev.command(EvCommand::Resume).unwrap();
    clock.sleep(Duration::from_secs(1));
    let s = ev.status().unwrap();
    assert!(s.charger_stopped && !s.energy_transfer, "{s:?}");
    assert!(s.stop_cause.is_some(), "{s:?}");
}

/// The DC charge plan is vehicle-neutral: it passes with the ISO 15118-20
/// vehicle too (and with CHAdeMO on the default rig, in evidence_observer).
#[test]
fn the_dc_charge_plan_passes_with_an_iso15118_20_vehicle() {
    run_plan("test-plans/dc-charge.yaml");
}
