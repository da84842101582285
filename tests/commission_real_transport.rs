//! `commission` over real transports: the emulated home site served by
//! `v2x-hil emulate` on TCP (as a charger and a CT meter on a home's LAN
//! would be), a site rig naming those ports, wall-clock time, and a person
//! at the terminal: without one and without `--yes` nothing exports.

mod cli_common;
use cli_common::{ok, report_verify, root, v2x};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

struct Served {
    child: std::process::Child,
    charger: String,
    meter: String,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve_site() -> Served {
    let mut child = Command::new(env!("CARGO_BIN_EXE_v2x-hil"))
        .args([
            "emulate",
            "--rig",
            "rigs/emulated-site-home.yaml",
            "--scpi-port",
            "0",
            "--modbus-port",
            "0",
            "--meter-port",
            "0",
        ])
        .current_dir(root())
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let (mut charger, mut meter) = (String::new(), String::new());
    while charger.is_empty() || meter.is_empty() {
        let line = lines.next().expect("emulate prints its endpoints").unwrap();
        let words: Vec<&str> = line.split_whitespace().collect();
        let at = words.iter().position(|w| *w == "tcp").map(|p| words[p + 1]);
        match (words.first(), at) {
            (Some(&"charger"), Some(a)) => charger = a.to_string(),
            (Some(&"meter"), Some(a)) => meter = a.to_string(),
            _ => {}
        }
    }
    std::thread::spawn(move || lines.for_each(drop));
    Served {
        child,
        charger,
        meter,
    }
}

fn write_inputs(dir: &Path, served: &Served) -> (String, String) {
    let rig = dir.join("site-rig.yaml");
    std::fs::write(
        &rig,
        format!(
            "rig: NE-V2X-0042\nkind: site\nnominal: {{ voltage_v: 240, frequency_hz: 60 }}\n\
             safety_limits: {{ max_charger_power_w: 11500 }}\ndevices:\n  \
             charger:\n    role: charger\n    driver: sunspec\n    transport: {{ tcp: \"{}\" }}\n  \
             meter:\n    role: site_meter\n    driver: sunspec-meter\n    transport: {{ tcp: \"{}\" }}\n",
            served.charger, served.meter
        ),
    )
    .unwrap();
    let plan = dir.join("short.yaml");
    std::fs::write(
        &plan,
        "plan: short commissioning\ntests:\n  - name: identity\n    steps:\n      \
         - identify: { device: charger, serial: site }\n  - name: settings\n    steps:\n      \
         - write_settings: { device: charger, profile: site, anti_islanding: true }\n      \
         - read_settings: { device: charger, compare_profile: site }\n  - name: meter\n    steps:\n      \
         - meter_check: { device: meter, charger: charger, power_w: 2000, settle_s: 2 }\n",
    )
    .unwrap();
    (
        rig.to_str().unwrap().to_string(),
        plan.to_str().unwrap().to_string(),
    )
}

#[test]
fn a_site_over_tcp_commissions_in_wall_clock_time_and_asks_before_exporting() {
    let served = serve_site();
    let dir = tempfile::tempdir().unwrap();
    let (rig, plan) = write_inputs(dir.path(), &served);
    let key = dir.path().join("installer");
    ok(&v2x(&["keys", "new", key.to_str().unwrap()]));
    let private = dir.path().join("installer.pem");
    let public = dir.path().join("installer.pub.pem");

    // Nobody at a terminal and no --yes: it stops before the first export,
    // in the safe state, and says how to agree in advance.
    let out = dir.path().join("asked");
    let run = Command::new(env!("CARGO_BIN_EXE_v2x-hil"))
        .args([
            "commission",
            "--site",
            "sites/example-home.yaml",
            "--rig",
            &rig,
            "--plan",
            &plan,
            "--out",
            out.to_str().unwrap(),
            "--sign-key",
            private.to_str().unwrap(),
        ])
        .current_dir(root())
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );
    assert_eq!(run.status.code(), Some(3), "{said}");
    assert!(said.contains("run with --yes"), "{said}");
    let journal = std::fs::read_to_string(out.join("journal.jsonl")).unwrap();
    assert!(!journal.contains("\"kind\":\"meter_check\""));

    // With --yes it runs to the end, on the wall clock.
    let out = dir.path().join("run");
    let run = v2x(&[
        "commission",
        "--site",
        "sites/example-home.yaml",
        "--rig",
        &rig,
        "--plan",
        &plan,
        "--out",
        out.to_str().unwrap(),
        "--sign-key",
        private.to_str().unwrap(),
        "--yes",
    ]);
    ok(&run);
    ok(&report_verify(&out, &public));
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("report.json")).unwrap()).unwrap();
    assert_eq!(report["verdict"], "pass");
    assert_eq!(report["clock"], "wall");
    let meter = &report["tests"][2]["meter_checks"][0];
    assert!(
        (meter["export"]["meter_delta_w"].as_f64().unwrap() + 2000.0).abs() < 200.0,
        "{meter}"
    );
}
