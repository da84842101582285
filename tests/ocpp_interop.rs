//! Third-party interop (issue 11): the Python `ocpp` package (mobilityhouse)
//! as an OCPP 2.0.1 charge point (tests/python/ocpp_charge_point.py) dials
//! the harness's central system over a real WebSocket on 127.0.0.1 and
//! passes fixtures/plans/ocpp-interop.yaml; the library validates every
//! frame we send against its own copy of the OCA JSON schemas. The rig is a
//! site rig whose SunSpec charger is `v2x-hil emulate` on a TCP port, so the
//! run is on the wall clock.
//!
//! Needs python3 with `ocpp` and `websockets` (.ci/python-requirements.txt).
//! Without them each test skips through `common::skip`, which fails it
//! under CI=true.

mod cli_common;
mod common;
use cli_common::{root, Emulate};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const STATION: &str = "PY-CP-0001";
const PASSWORD: &str = "interop-test-secret";
const PASSWORD_ENV: &str = "V2X_HIL_CSMS_PASSWORD";

/// The Python to run, or `None` after recording the skip (a failure under CI).
fn python_or_skip(test: &str) -> Option<String> {
    common::python(test, &["ocpp.v201", "websockets"])
}

/// A child process killed when dropped (a failed assertion leaves nothing running).
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Killed {
    /// Waits up to `limit` for it to exit; kills it and panics if it does not.
    fn wait_for(&mut self, what: &str, limit: Duration) -> ExitStatus {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(status) = self.0.try_wait().unwrap() {
                return status;
            }
            if Instant::now() >= deadline {
                let _ = self.0.kill();
                panic!("{what} did not finish within {limit:?}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// `v2x-hil emulate`: the emulated home site's charger on a TCP port.
fn serve_charger() -> (Emulate, String) {
    let served = Emulate::start_with(&["--rig", "rigs/emulated-site-home.yaml"], 2, 0);
    let charger = served.tcp["charger"].clone();
    (served, charger)
}

/// A site rig: the served charger, and the central system listening on an
/// ephemeral port of 127.0.0.1 (security profile 1, or 2 with the fixture
/// certificate).
fn write_rig(dir: &Path, charger: &str, tls: bool) -> PathBuf {
    let security = if tls {
        let t = root().join("fixtures/tls");
        format!(
            "security_profile: 2, tls: {{ cert: \"{}\", key: \"{}\" }}",
            t.join("csms-cert.pem").display(),
            t.join("csms-key.pem").display()
        )
    } else {
        "security_profile: 1".to_string()
    };
    let rig = dir.join("interop-rig.yaml");
    std::fs::write(
        &rig,
        format!(
            "rig: OCPP-INTEROP\nkind: site\nnominal: {{ voltage_v: 240, frequency_hz: 60 }}\n\
             safety_limits: {{ max_charger_power_w: 11500 }}\ndevices:\n  \
             charger:\n    role: charger\n    driver: sunspec\n    transport: {{ tcp: \"{charger}\" }}\n  \
             csms:\n    role: csms\n    driver: ocpp\n    transport: {{ tcp: \"127.0.0.1:0\" }}\n    \
             csms: {{ versions: [\"2.0.1\"], {security}, station_id: {STATION}, \
             password_env: {PASSWORD_ENV}, heartbeat_interval_s: 5 }}\n"
        ),
    )
    .unwrap();
    rig
}

/// `v2x-hil run PLAN --rig RIG --out OUT`, and the URL it says it listens on.
struct Run {
    child: Killed,
    url: String,
    stderr: std::sync::Arc<std::sync::Mutex<String>>,
    stdout: PathBuf,
}

fn start_run(plan: &Path, rig: &Path, out: &Path) -> Run {
    let stdout = out.with_extension("stdout");
    let mut child = Command::new(env!("CARGO_BIN_EXE_v2x-hil"))
        .arg("run")
        .arg(plan)
        .arg("--rig")
        .arg(rig)
        .arg("--out")
        .arg(out)
        .current_dir(root())
        .env("NO_COLOR", "1")
        .env(PASSWORD_ENV, PASSWORD)
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&stdout).unwrap())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let child = Killed(child);
    let stderr = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let (tx, rx) = mpsc::channel();
    let kept = stderr.clone();
    std::thread::spawn(move || {
        for line in lines.map_while(Result::ok) {
            if let Some(at) = line.strip_prefix("central system listening on ") {
                let _ = tx.send(at.replace("<station id>", STATION));
            }
            let mut s = kept.lock().unwrap();
            s.push_str(&line);
            s.push('\n');
        }
    });
    let url = rx
        .recv_timeout(Duration::from_secs(60))
        .unwrap_or_else(|_| {
            panic!(
                "run did not say where it listens:\n{}",
                stderr.lock().unwrap()
            )
        });
    Run {
        child,
        url,
        stderr,
        stdout,
    }
}

/// The Python charge point against `url`; its stdout goes to a file.
fn start_charge_point(python: &str, url: &str, password: &str, out: &Path) -> (Killed, PathBuf) {
    let log = out.with_extension("cp.log");
    let mut cmd = Command::new(python);
    cmd.arg(root().join("tests/python/ocpp_charge_point.py"))
        .args([url, STATION, password, "--timeout", "90"])
        .current_dir(root())
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&log).unwrap())
        .stderr(std::fs::File::create(log.with_extension("err")).unwrap());
    if url.starts_with("wss://") {
        cmd.arg("--ca").arg(root().join("fixtures/tls/ca-cert.pem"));
    }
    (Killed(cmd.spawn().unwrap()), log)
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

/// What both sides said, for a failed assertion.
fn transcript(run: &Run, cp_log: &Path) -> String {
    format!(
        "--- run stdout\n{}\n--- run stderr\n{}\n--- charge point stdout\n{}\n--- charge point stderr\n{}",
        read(&run.stdout),
        run.stderr.lock().unwrap(),
        read(cp_log),
        read(&cp_log.with_extension("err"))
    )
}

fn journal(out: &Path) -> Vec<serde_json::Value> {
    read(&out.join("journal.jsonl"))
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// The journal's OCPP frames: (direction, parsed OCPP-J frame), and refusals.
fn ocpp_frames(journal: &[serde_json::Value]) -> (Vec<(String, serde_json::Value)>, Vec<String>) {
    let mut frames = Vec::new();
    let mut refused = Vec::new();
    for r in journal.iter().filter(|r| r["kind"] == "ocpp_frame") {
        let d = &r["data"];
        if let Some(why) = d["refused"].as_str() {
            refused.push(why.to_string());
        }
        if let Ok(f) = serde_json::from_str(d["frame"].as_str().unwrap_or_default()) {
            frames.push((d["direction"].as_str().unwrap_or_default().to_string(), f));
        }
    }
    (frames, refused)
}

/// The whole plan with the Python charge point, over ws:// or wss://.
fn interop(test: &str, tls: bool) {
    let Some(python) = python_or_skip(test) else {
        return;
    };
    let started = Instant::now();
    let (_served, charger) = serve_charger();
    let dir = tempfile::tempdir().unwrap();
    let rig = write_rig(dir.path(), &charger, tls);
    let out = dir.path().join("run");
    let mut run = start_run(&root().join("fixtures/plans/ocpp-interop.yaml"), &rig, &out);
    assert!(
        run.url.starts_with(if tls {
            "wss://127.0.0.1:"
        } else {
            "ws://127.0.0.1:"
        }),
        "{}",
        run.url
    );
    assert!(
        run.url.ends_with(&format!("/ocpp/{STATION}")),
        "{}",
        run.url
    );
    let (mut cp, cp_log) = start_charge_point(&python, &run.url, PASSWORD, &out);

    let status = run.child.wait_for("v2x-hil run", Duration::from_secs(120));
    let cp_status = cp.wait_for("the Python charge point", Duration::from_secs(30));
    let said = transcript(&run, &cp_log);
    assert_eq!(status.code(), Some(0), "{said}");
    assert_eq!(cp_status.code(), Some(0), "{said}");
    eprintln!(
        "{test}: plan passed with the Python charge point in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    // What the Python side received, as its library read it.
    let cp_out = read(&cp_log);
    for call in [
        "CSMS GetVariables",
        "CSMS SetVariables",
        "CSMS TriggerMessage",
        "CSMS ClearChargingProfile",
    ] {
        assert!(cp_out.contains(call), "{call} missing\n{said}");
    }
    let profile: serde_json::Value = cp_out
        .lines()
        .find_map(|l| l.strip_prefix("CSMS SetChargingProfile "))
        .map(|j| serde_json::from_str(j).unwrap())
        .unwrap_or_else(|| panic!("no SetChargingProfile reached the charge point\n{said}"));
    let schedule = &profile["chargingProfile"]["charging_schedule"][0];
    assert_eq!(schedule["charging_rate_unit"], "W", "{profile}");
    assert_eq!(
        schedule["charging_schedule_period"][0]["limit"].as_f64(),
        Some(-3000.0),
        "{profile}"
    );
    assert!(
        cp_out.contains("CP connected subprotocol ocpp2.0.1"),
        "{said}"
    );
    // The run's end closes the WebSocket (1001 Going Away), not just the TCP connection.
    assert!(cp_out.contains("received 1001 (going away)"), "{said}");

    // The journal keeps both directions of the BootNotification.
    let (frames, refused) = ocpp_frames(&journal(&out));
    assert!(
        refused.iter().all(|r| r.starts_with("connection ended")),
        "{refused:?}"
    );
    let boot_id = frames
        .iter()
        .find(|(d, f)| d == "rx" && f[0] == 2 && f[2] == "BootNotification")
        .map(|(_, f)| f[1].clone())
        .unwrap_or_else(|| panic!("no BootNotification received in the journal\n{frames:?}"));
    assert_eq!(
        frames[0].1[2], "BootNotification",
        "the first frame is the boot"
    );
    let answer = frames
        .iter()
        .find(|(d, f)| d == "tx" && f[0] == 3 && f[1] == boot_id)
        .map(|(_, f)| f[2].clone())
        .unwrap_or_else(|| panic!("no BootNotification answer in the journal\n{frames:?}"));
    assert_eq!(answer["status"], "Accepted");
    assert_eq!(answer["interval"], 5);
    // Nothing we sent was refused by the Python library (no CALLERROR back).
    assert!(
        !frames.iter().any(|(d, f)| d == "rx" && f[0] == 4),
        "the Python charge point answered a CALLERROR: {frames:?}"
    );
}

#[test]
fn python_ocpp_charge_point_passes_the_interop_plan() {
    interop("python_ocpp_charge_point_passes_the_interop_plan", false);
}

#[test]
fn python_ocpp_charge_point_over_tls_security_profile_2() {
    interop("python_ocpp_charge_point_over_tls_security_profile_2", true);
}

#[test]
fn a_wrong_password_is_refused() {
    let test = "a_wrong_password_is_refused";
    let Some(python) = python_or_skip(test) else {
        return;
    };
    let (_served, charger) = serve_charger();
    let dir = tempfile::tempdir().unwrap();
    let rig = write_rig(dir.path(), &charger, false);
    let plan = dir.path().join("boot.yaml");
    std::fs::write(
        &plan,
        "plan: boot only\ntests:\n  - name: the charger boots\n    steps:\n      \
         - boot_notification: { device: csms, within_s: 5 }\n",
    )
    .unwrap();
    let out = dir.path().join("run");
    let mut run = start_run(&plan, &rig, &out);
    let (mut cp, cp_log) = start_charge_point(&python, &run.url, "not-the-password", &out);
    let cp_status = cp.wait_for("the Python charge point", Duration::from_secs(30));
    let status = run.child.wait_for("v2x-hil run", Duration::from_secs(60));
    let said = transcript(&run, &cp_log);
    assert_eq!(status.code(), Some(1), "{said}");
    assert!(said.contains("no charger connected and booted"), "{said}");
    assert_eq!(cp_status.code(), Some(1), "{said}");
    assert!(read(&cp_log).contains("401"), "{said}");
    let (frames, refused) = ocpp_frames(&journal(&out));
    assert!(frames.is_empty(), "{frames:?}");
    assert!(
        refused
            .iter()
            .any(|r| r.contains("401: wrong Basic auth credentials")),
        "{refused:?}"
    );
}
