//! A rig whose devices stop answering, or whose link closes, over real
//! transports: `v2x-hil emulate` serves the instruments on TCP and the
//! vehicle's CHAdeMO bus behind an SLCAN adapter on a pty, and `run`
//! drives them from another process. A run must end — exit 3, the rig
//! driven as far to its safe state as the living devices allow, and every
//! failure named by device.

#![cfg(unix)]

use serde_json::Value;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::time::{Duration, Instant};
use v2x_hil::evidence::journal::verify;

mod cli_common;
use cli_common::{spawn_v2x, wait_bounded, wait_for_record, Emulate};

/// A rig file naming the emulated instruments where `emulate` serves them;
/// `grid` may be given another address (a proxy in front of it).
fn write_rig(dir: &Path, emulate: &Emulate, grid: &str) -> String {
    let rig = format!(
        r#"rig: emulate over real transports
nominal: {{ voltage_v: 240, frequency_hz: 60 }}
safety_limits: {{ max_grid_voltage_v: 276, max_frequency_deviation_hz: 3.0, max_charger_power_w: 11500 }}
safe_state: {{ charger_power_w: 0, island_switch: closed, grid: nominal }}
devices:
  grid: {{ role: grid_simulator, driver: ametek-asterion, transport: {{ tcp: "{grid}" }} }}
  s3: {{ role: island_switch, driver: keysight-34980a, transport: {{ tcp: "{s3}" }}, options: {{ channel: "1001" }} }}
  charger: {{ role: charger, driver: sunspec, transport: {{ tcp: "{charger}" }}, ratings: {{ power_w: 11500 }} }}
  ev: {{ role: ev_simulator, driver: chademo, transport: {{ slcan: {ev}, bit_rate: 500000 }} }}
"#,
        s3 = emulate.tcp["s3"],
        charger = emulate.tcp["charger"],
        ev = emulate.pty["ev"],
    );
    let path = dir.join("rig.yaml");
    std::fs::write(&path, rig).unwrap();
    path.to_str().unwrap().to_string()
}

fn write_plan(dir: &Path, text: &str) -> String {
    let path = dir.join("plan.yaml");
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_string()
}

/// The vehicle discharging into a charger that exports, for a long time.
const EXPORT_PLAN: &str = r#"plan: export for a while
tests:
  - name: export
    steps:
      - set: { device: grid, voltage_v: 240, frequency_hz: 60, output: on }
      - ev: { device: ev, action: plug }
      - ev: { device: ev, action: start_discharge }
      - set: { device: charger, power_w: 3000 }
      - wait: { s: 600 }
"#;

fn journal_records(run: &Path) -> Vec<v2x_hil::evidence::journal::Record> {
    verify(&run.join("journal.jsonl")).unwrap().records
}

#[test]
fn a_stopped_emulator_ends_the_run_with_the_safe_state_reported() {
    let emulate = Emulate::start();
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    let rig = write_rig(dir.path(), &emulate, &emulate.tcp["grid"]);
    let plan = write_plan(dir.path(), EXPORT_PLAN);
    let child = spawn_v2x(&["run", &plan, "--rig", &rig, "--out", run.to_str().unwrap()]);
    // Once the charger's power is being sampled in the wait, every device
    // goes quiet at once: the process serving them stops.
    wait_for_record(&run.join("journal.jsonl"), "power", Duration::from_secs(30));
    std::thread::sleep(Duration::from_millis(300));
    emulate.signal(libc::SIGSTOP);
    let stopped = Instant::now();
    let out = wait_bounded(child, Duration::from_secs(40));
    let took = stopped.elapsed();
    assert_eq!(emulate.stop(), Some(0));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(3), "{text}");
    assert!(
        took < Duration::from_secs(20),
        "ended {took:?} after the stop\n{text}"
    );

    let records = journal_records(&run);
    let safe: Vec<&Value> = records
        .iter()
        .filter(|r| r.kind == "safe_state")
        .map(|r| &r.data)
        .collect();
    let errors = safe.last().expect("a safe_state record")["errors"].to_string();
    for device in ["charger", "ev", "grid", "s3"] {
        assert!(
            errors.contains(&format!("device `{device}`")),
            "{device}: {errors}"
        );
    }
    assert!(records.last().is_some_and(|r| r.kind == "run_finished"));
    // The console says it too, as it happens.
    assert!(text.contains("safe state"), "{text}");
}

/// Forwards one connection to `to` until the client sends `cut_at`; then
/// hangs up on it without forwarding that command.
fn proxy_that_hangs_up(to: String, cut_at: &'static str) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    std::thread::spawn(move || {
        let Ok((mut client, _)) = listener.accept() else {
            return;
        };
        let mut server = TcpStream::connect(&to).unwrap();
        let mut back = server.try_clone().unwrap();
        let mut client_back = client.try_clone().unwrap();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n @ 1..) = back.read(&mut buf) {
                if client_back.write_all(&buf[..n]).is_err() {
                    break;
                }
            }
        });
        let mut buf = [0u8; 4096];
        while let Ok(n @ 1..) = client.read(&mut buf) {
            if String::from_utf8_lossy(&buf[..n]).contains(cut_at) {
                let _ = client.shutdown(std::net::Shutdown::Both);
                let _ = server.shutdown(std::net::Shutdown::Both);
                return;
            }
            if server.write_all(&buf[..n]).is_err() {
                return;
            }
        }
    });
    addr
}

#[test]
fn an_abort_names_the_test_the_step_and_the_device_whose_link_closed() {
    let emulate = Emulate::start();
    let dir = tempfile::tempdir().unwrap();
    let grid = proxy_that_hangs_up(emulate.tcp["grid"].clone(), "VOLT 250");
    let rig = write_rig(dir.path(), &emulate, &grid);
    let plan = write_plan(
        dir.path(),
        r#"plan: grid loss
tests:
  - name: grid up
    steps:
      - set: { device: grid, voltage_v: 240, frequency_hz: 60, output: on }
  - name: grid loss
    steps:
      - set: { device: grid, voltage_v: 240 }
      - wait: { s: 0.2 }
      - close: { device: s3 }
      - set: { device: grid, voltage_v: 250 }
"#,
    );
    let out = wait_bounded(
        spawn_v2x(&["run", &plan, "--rig", &rig, "--json"]),
        Duration::from_secs(60),
    );
    assert_eq!(emulate.stop(), Some(0));
    assert_eq!(out.status.code(), Some(3));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let want = format!(
        "tests[1] \"grid loss\" steps[3] (set): device `grid` (ametek-asterion over tcp {grid}): the link closed"
    );
    assert_eq!(doc["aborted"], want.as_str(), "{doc:#}");
    assert_eq!(
        doc["tests"][1]["reason"],
        format!("steps[3] (set): device `grid` (ametek-asterion over tcp {grid}): the link closed")
            .as_str()
    );
    // The grid is gone; the safe state says so, by name, and leaves S3 as
    // it was rather than close it onto a grid at an unknown setting.
    let errors = doc["safe_state_errors"].to_string();
    assert!(errors.contains("device `grid`"), "{errors}");
    assert!(errors.contains("device `s3`: left as it was"), "{errors}");
}
