//! Fault injection (README "Faults"): every fault kind, scheduled by the
//! rig's `faults:` block at three instants of a short plan — while the
//! vehicle's session starts, during a ramp of the charger's power, during a
//! wait — run in-process so the plant's ground truth shows where the rig
//! was left: S3 closed, the grid on at nominal unless it is the faulted
//! device, the charger's setpoint 0 unless it is the faulted device, the
//! vehicle's session over. Then the CLI: exit codes, the journal and the
//! report's status; and what is refused before a run.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::mpsc;
use std::time::Duration;
use v2x_hil::emulator::lock_plant;
use v2x_hil::evidence::journal::{verify, Verified};
use v2x_hil::evidence::record::RunRecorder;
use v2x_hil::evidence::Evidence;
use v2x_hil::exec::clock::ClockKind;
use v2x_hil::exec::results::{RunResult, Verdict};
use v2x_hil::exec::{RunEvent, Runner};
use v2x_hil::model::{check_plan_against_rig, parse_plan, parse_rig};
use v2x_hil::rig::{connect_with, ConnectOptions};

mod cli_common;
use cli_common::{root, spawn_v2x, wait_bounded};

/// Energy transfer by ~1.7 s; the charger ramps 2–6 s and holds 6–10 s;
/// then the grid's frequency is ramped, S3 and the grid are read, and the
/// charger ramps down: every instrument is touched after every instant.
const PLAN: &str = "\
plan: fault matrix
tests:
  - name: drive
    steps:
      - set: { device: grid, voltage_v: 240, frequency_hz: 60, output: on }
      - close: { device: s3 }
      - set: { device: charger, power_w: 0 }
      - ev: { device: ev, action: plug }
      - ev: { device: ev, action: start_discharge }
      - expect: { device: ev, quantity: energy_transfer, equals: true, within_s: 15 }
      - ramp: { device: charger, power_w: 4000, over_s: 4, step_s: 0.5 }
      - wait: { s: 4 }
      - ramp: { device: grid, frequency_hz: 60.5, over_s: 2, step_s: 0.25 }
      - ramp: { device: grid, frequency_hz: 60, over_s: 2, step_s: 0.25 }
      - expect: { device: s3, quantity: closed, equals: true }
      - expect: { device: grid, quantity: voltage_v, value: 240, tolerance: 5 }
      - expect: { device: charger, quantity: power_w, value: 4000, tolerance: 300 }
      - ramp: { device: charger, power_w: 0, over_s: 2, step_s: 0.5 }
";

/// While the session starts, during the charger's ramp, during the wait.
const INSTANTS_S: [f64; 3] = [1.0, 4.0, 8.0];
/// The device a link fault hits at each instant: each is touched later.
const LINK_DEVICES: [&str; 3] = ["charger", "grid", "s3"];
/// Far beyond a debug build's few seconds: a run that takes this long hung.
const BOUND: Duration = Duration::from_secs(120);

/// The shipped faults rig without its own faults, plus `faults` (YAML
/// flow mappings, one per line).
fn rig_text(faults: &[String]) -> String {
    let shipped = std::fs::read_to_string(root().join("rigs/emulated-faults.yaml")).unwrap();
    let base = shipped.split("\nfaults:").next().unwrap().to_string();
    let mut text = base + "\n";
    if !faults.is_empty() {
        text.push_str("faults:\n");
        for f in faults {
            text.push_str(&format!("  - {f}\n"));
        }
    }
    text
}

/// What a run left: its result, the plant as it was 5 s after the run
/// ended (so the vehicle's contactors had time to open), and the journal.
struct Outcome {
    result: RunResult,
    s3_closed: bool,
    grid: (bool, f64, f64),
    charger_setpoint_w: f64,
    dc_contactor_closed: bool,
    journal: Option<Verified>,
}

fn run_in_process(faults: Vec<String>, keep_evidence: bool) -> Outcome {
    run_plan_in_process(PLAN, faults, keep_evidence)
}

fn run_plan_in_process(plan: &'static str, faults: Vec<String>, keep_evidence: bool) -> Outcome {
    let (tx, rx) = mpsc::channel();
    // A thread of its own, so a hang fails the test instead of stalling it.
    std::thread::spawn(move || {
        let _ = tx.send(run_now(plan, &faults, keep_evidence));
    });
    rx.recv_timeout(BOUND).expect("the run did not end")
}

fn run_now(plan: &str, faults: &[String], keep_evidence: bool) -> Outcome {
    let dir = tempfile::tempdir().unwrap();
    let rig = parse_rig(&dir.path().join("rig.yaml"), &rig_text(faults)).unwrap();
    let plan = parse_plan(Path::new("plan.yaml"), plan).unwrap();
    check_plan_against_rig(&plan, &rig).unwrap();
    let evidence =
        keep_evidence.then(|| Evidence::create(dir.path(), ClockKind::Simulated).unwrap());
    let options = ConnectOptions {
        evidence: evidence.clone(),
        ..ConnectOptions::default()
    };
    let mut connection = connect_with(&rig, &options).unwrap();
    let plant = connection.plant.clone().unwrap();
    let mut recorder = evidence.clone().map(|e| RunRecorder::new(e, 60.0));
    let interrupt = AtomicBool::new(false);
    let mut observe = |event: RunEvent| {
        if let Some(r) = recorder.as_mut() {
            r.on_event(&event);
        }
    };
    let result = Runner::new(&mut connection.rig, &interrupt, &mut observe).run(&plan);
    if let Some(e) = &evidence {
        e.record(
            "run_finished",
            serde_json::json!({
                "verdict": result.verdict().as_str(),
                "aborted": result.aborted,
                "safe_state_errors": result.safe_state_errors,
            }),
        );
    }
    let mut p = lock_plant(&plant);
    p.advance(Duration::from_secs(5));
    Outcome {
        s3_closed: p.s3_closed(),
        grid: (p.grid_output(), p.grid_voltage_v(), p.grid_frequency_hz()),
        charger_setpoint_w: p.inverter_status().power_setpoint_w,
        dc_contactor_closed: p.dc_contactor(),
        result,
        journal: keep_evidence.then(|| verify(&dir.path().join("journal.jsonl")).unwrap()),
    }
}

/// Where the rig must be after any fault; `faulted` is exempt.
fn assert_safe(o: &Outcome, faulted: Option<&str>, what: &str) {
    assert!(o.s3_closed, "{what}: S3 open");
    if faulted != Some("grid") {
        assert_eq!(o.grid, (true, 240.0, 60.0), "{what}: grid not at nominal");
    }
    if faulted != Some("charger") {
        assert_eq!(o.charger_setpoint_w, 0.0, "{what}: charger setpoint");
    }
    assert!(
        !o.dc_contactor_closed,
        "{what}: the vehicle's session went on"
    );
}

fn aborted_on(o: &Outcome, device: &str, what: &str) {
    assert_eq!(
        o.result.verdict(),
        Verdict::Aborted,
        "{what}: {:?}",
        o.result
    );
    let reason = o.result.aborted.as_deref().unwrap_or_default();
    assert!(
        reason.contains(&format!("device `{device}`")),
        "{what}: {reason}"
    );
    for e in &o.result.safe_state_errors {
        assert!(
            e.contains(&format!("`{device}`")),
            "{what}: another device: {e}"
        );
    }
}

fn link_fault_at_every_instant(kind: &str) {
    for (i, at_s) in INSTANTS_S.iter().enumerate() {
        let device = LINK_DEVICES[i];
        let what = format!("{kind} on {device} at {at_s} s");
        let o = run_in_process(
            vec![format!(
                "{{ at_s: {at_s}, kind: {kind}, device: {device} }}"
            )],
            false,
        );
        aborted_on(&o, device, &what);
        assert_safe(&o, Some(device), &what);
    }
}

#[test]
fn a_silent_link_aborts_the_step_that_touches_it() {
    link_fault_at_every_instant("link_silent");
}

#[test]
fn a_closed_link_aborts_the_step_that_touches_it() {
    link_fault_at_every_instant("link_closed");
}

#[test]
fn a_link_that_answers_with_errors_aborts_the_step_that_touches_it() {
    link_fault_at_every_instant("link_errors");
}

#[test]
fn tolerable_can_loss_and_corruption_leave_the_session_running() {
    for kind in ["can_loss", "can_corrupt"] {
        for at_s in INSTANTS_S {
            let what = format!("{kind} 5 % at {at_s} s");
            let fault = format!("{{ at_s: {at_s}, kind: {kind}, bus: can0, rate: 0.05 }}");
            let o = run_in_process(vec![fault], false);
            assert_eq!(o.result.verdict(), Verdict::Pass, "{what}: {:?}", o.result);
            assert_safe(&o, None, &what);
        }
    }
}

#[test]
fn a_bus_that_loses_everything_stops_the_charger_without_an_abort() {
    for (kind, at_s) in [("can_loss", 4.0), ("can_corrupt", 8.0)] {
        let what = format!("{kind} 100 % at {at_s} s");
        let fault = format!("{{ at_s: {at_s}, kind: {kind}, bus: can0, rate: 1.0, for_s: 3 }}");
        let o = run_in_process(vec![fault], false);
        // The charger saw no vehicle for 1 s and stopped: 0 W, not 4000.
        assert_eq!(o.result.verdict(), Verdict::Fail, "{what}: {:?}", o.result);
        assert!(o.result.aborted.is_none(), "{what}");
        assert_safe(&o, None, &what);
    }
}

#[test]
fn a_silent_vehicle_makes_the_charger_stop() {
    for at_s in INSTANTS_S {
        let what = format!("ev_silent at {at_s} s");
        let o = run_in_process(vec![format!("{{ at_s: {at_s}, kind: ev_silent }}")], false);
        assert_eq!(o.result.verdict(), Verdict::Fail, "{what}: {:?}", o.result);
        let power = o.result.tests[0]
            .expectations
            .iter()
            .find(|e| e.quantity == "power_w")
            .unwrap();
        assert_eq!(power.verdict, Verdict::Fail, "{what}: the charger went on");
        assert_safe(&o, None, &what);
    }
}

#[test]
fn a_tripped_grid_simulator_aborts_the_step_that_sets_it() {
    for at_s in INSTANTS_S {
        let what = format!("grid_fault at {at_s} s");
        let o = run_in_process(vec![format!("{{ at_s: {at_s}, kind: grid_fault }}")], false);
        aborted_on(&o, "grid", &what);
        let reason = o.result.aborted.clone().unwrap();
        assert!(
            reason.contains("output protection tripped"),
            "{what}: {reason}"
        );
        assert!(!o.grid.0, "{what}: a tripped output came back on by itself");
        assert_safe(&o, Some("grid"), &what);
    }
}

#[test]
fn a_full_evidence_disk_stops_the_run_with_the_journal_a_verifiable_prefix() {
    for at_s in INSTANTS_S {
        let what = format!("disk_full at {at_s} s");
        let o = run_in_process(vec![format!("{{ at_s: {at_s}, kind: disk_full }}")], true);
        assert_eq!(o.result.verdict(), Verdict::Aborted, "{what}");
        let reason = o.result.aborted.clone().unwrap();
        assert!(
            reason.contains("No space left on device"),
            "{what}: {reason}"
        );
        // Every device reached its safe state; none was faulted.
        assert!(o.result.safe_state_errors.is_empty(), "{what}");
        assert_safe(&o, None, &what);
        let journal = o.journal.unwrap();
        let last = journal.records.last().unwrap();
        assert_eq!(last.kind, "fault", "{what}: written after the disk filled");
        assert_eq!(last.data["fault"]["kind"], "disk_full");
        assert!((last.t_s - at_s).abs() < 1e-9, "{what}: {}", last.t_s);
    }
    // Without evidence there is no disk to fill: the run goes on.
    let o = run_in_process(vec!["{ at_s: 4, kind: disk_full }".into()], false);
    assert_eq!(o.result.verdict(), Verdict::Pass);
}

/// Every test passes, but S3 stops answering after its last step: the
/// run's own safe state cannot close it, and a run that leaves its rig
/// short of the safe state is not a pass (exit 3, verdict aborted).
#[test]
fn a_passing_run_whose_final_safe_state_fails_is_not_a_pass() {
    const SHORT: &str = "\
plan: short
tests:
  - name: up
    steps:
      - set: { device: grid, voltage_v: 240, frequency_hz: 60, output: on }
      - close: { device: s3 }
      - wait: { s: 2 }
";
    let o = run_plan_in_process(
        SHORT,
        vec!["{ at_s: 1, kind: link_silent, device: s3 }".into()],
        false,
    );
    assert!(o.result.tests.iter().all(|t| t.verdict == Verdict::Pass));
    assert!(o.result.aborted.is_none());
    let errors = o.result.safe_state_errors.join("\n");
    assert!(errors.contains("device `s3`"), "{errors}");
    assert_eq!(o.result.verdict(), Verdict::Aborted);
}

#[test]
fn the_same_faulted_run_gives_the_same_result() {
    let faults = || {
        vec![
            "{ at_s: 0, kind: can_corrupt, bus: can0, rate: 0.2 }".to_string(),
            "{ at_s: 2, kind: can_loss, bus: can0, rate: 0.3, for_s: 0.5 }".to_string(),
        ]
    };
    let a = run_in_process(faults(), false);
    let b = run_in_process(faults(), false);
    assert_eq!(
        serde_json::to_value(&a.result).unwrap(),
        serde_json::to_value(&b.result).unwrap()
    );
}

/// `v2x-hil ARGS` with a bound on how long it may take.
fn v2x_bounded(args: &[&str]) -> std::process::Output {
    wait_bounded(spawn_v2x(args), BOUND)
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// `v2x-hil run PLAN --rig RIG ARGS…` with the rig's `faults:` in a temp
/// folder; `{run}` in `args` is the run folder.
fn cli_run(fault: &str, args: &[&str]) -> (tempfile::TempDir, PathBuf, std::process::Output) {
    let dir = tempfile::tempdir().unwrap();
    let rig = write(dir.path(), "rig.yaml", &rig_text(&[fault.to_string()]));
    let plan = write(dir.path(), "plan.yaml", PLAN);
    let run = dir.path().join("run");
    let run_arg = run.to_str().unwrap();
    let mut all = vec![
        "run",
        plan.to_str().unwrap(),
        "--rig",
        rig.to_str().unwrap(),
    ];
    all.extend(args.iter().map(|a| if *a == "{run}" { run_arg } else { a }));
    let out = v2x_bounded(&all);
    (dir, run, out)
}

#[test]
fn the_cli_exits_3_with_the_journal_intact_and_the_report_aborted() {
    let fault = "{ at_s: 4, kind: link_silent, device: grid }";
    let (_dir, run, out) = cli_run(fault, &["--json", "--out", "{run}"]);
    assert_eq!(out.status.code(), Some(3), "{out:?}");
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let aborted = doc["aborted"].as_str().unwrap();
    assert!(
        aborted.contains("steps[8] (ramp): device `grid`"),
        "{aborted}"
    );
    let journal = verify(&run.join("journal.jsonl")).unwrap();
    let kinds: Vec<&str> = journal.records.iter().map(|r| r.kind.as_str()).collect();
    for k in ["fault", "aborted", "safe_state", "run_finished"] {
        assert!(kinds.contains(&k), "no `{k}` record");
    }
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(run.join("report.json")).unwrap()).unwrap();
    assert_eq!(report["status"], "aborted");
}

#[test]
fn the_cli_stops_a_run_whose_disk_fills() {
    let fault = "{ at_s: 4, kind: disk_full }";
    let (_dir, run, out) = cli_run(fault, &["--out", "{run}"]);
    assert_eq!(out.status.code(), Some(3), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("No space left on device"), "{stderr}");
    let journal = verify(&run.join("journal.jsonl")).unwrap();
    assert_eq!(journal.records.last().unwrap().kind, "fault");
    let build = v2x_bounded(&["report", "build", run.to_str().unwrap()]);
    let said = String::from_utf8_lossy(&build.stdout);
    assert!(said.contains("evidence disk filled"), "{said}");
    // Without --out the same rig runs through, and says why.
    let (_dir, _, out) = cli_run(fault, &[]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("no evidence disk to fill"));
}

#[test]
fn faults_are_refused_on_real_hardware_and_checked_against_the_rig() {
    let dir = tempfile::tempdir().unwrap();
    let s = |p: &Path| p.to_str().unwrap().to_string();
    let real = rig_text(&[])
        .replace("{ emulated: tcp }", "{ tcp: \"192.0.2.10:5025\" }")
        .replace(
            "{ emulated: serial, baud: 115200 }",
            "{ serial: /dev/ttyUSB0, baud: 115200 }",
        )
        .replace("{ emulated: can, bit_rate: 500000 }", "{ socketcan: can0 }")
        .replace("    identity: {", "    # identity: {")
        .replace(
            "    emulation:\n      anti_islanding: { enabled: true }\n",
            "",
        );
    let real_rig = write(dir.path(), "real.yaml", &real);
    let plan = root().join("test-plans/faults.yaml");
    let out = cli_common::v2x(&["plan", "check", &s(&plan), "--rig", &s(&real_rig)]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("faults can only be injected on an emulated rig"),
        "{stderr}"
    );

    let with_faults = real + "faults:\n  - { at_s: 1, kind: link_silent, device: grid }\n";
    let real_rig = write(dir.path(), "real-faults.yaml", &with_faults);
    let out = cli_common::v2x(&["rig", "check", &s(&real_rig)]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("only an emulated rig can inject"));

    // Against an emulated rig: names, kinds and fields.
    let rig = parse_rig(Path::new("rig.yaml"), &rig_text(&[])).unwrap();
    let bad = |steps: &str, expect_abort: bool| {
        let text = format!(
            "plan: p\ntests:\n  - name: t\n    expect_abort: {expect_abort}\n    steps:\n{steps}"
        );
        let errors = match parse_plan(Path::new("plan.yaml"), &text) {
            Err(e) => e.render(),
            Ok(plan) => check_plan_against_rig(&plan, &rig).unwrap_err().render(),
        };
        errors
    };
    let cases = [
        ("      - wait: { s: 1 }\n", true, "injects no fault"),
        (
            "      - fault: { kind: disk_full }\n",
            true,
            "never expected",
        ),
        (
            "      - fault: { kind: can_loss, bus: can0 }\n",
            false,
            "needs `rate`",
        ),
        (
            "      - fault: { kind: can_loss, bus: can0, rate: 1.5 }\n",
            false,
            "out of range",
        ),
        (
            "      - fault: { kind: can_loss, bus: can1, rate: 0.1 }\n",
            false,
            "no emulated bus `can1`",
        ),
        (
            "      - fault: { kind: link_silent, device: ev }\n",
            false,
            "cannot take link_silent",
        ),
        (
            "      - fault: { kind: link_closed }\n",
            false,
            "needs `device`",
        ),
        (
            "      - fault: { kind: grid_fault, device: s3 }\n",
            false,
            "cannot take grid_fault",
        ),
        (
            "      - clear: { device: nobody }\n",
            false,
            "no device `nobody`",
        ),
    ];
    for (steps, expect_abort, says) in cases {
        let errors = bad(steps, expect_abort);
        assert!(errors.contains(says), "{steps}: {errors}");
    }
}
