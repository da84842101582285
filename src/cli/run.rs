//! `v2x-hil run PLAN [--rig RIG] [--site SITE] [--json] [--out DIR [--junit FILE] [--sign-key KEY]]`

use super::{output, ExitCode};
use crate::evidence::record::{kind, RunRecorder};
use crate::evidence::Evidence;
use crate::exec::clock::ClockKind;
use crate::exec::results::{RunResult, Verdict};
use crate::exec::{RunEvent, Runner};
use crate::firmware::verify::sha256_hex;
use crate::rig::{connect_with, ConnectOptions};
use clap::Args;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

#[derive(Debug, Args)]
pub struct RunArgs {
    /// The test plan (YAML).
    pub plan: PathBuf,
    /// Rig file; the built-in emulated rig when omitted.
    #[arg(long)]
    pub rig: Option<PathBuf>,
    /// The installation (site id, utility, grid profile, charger, EV,
    /// installer): named in the report, and the charger's settings are
    /// compared with its grid profile.
    #[arg(long, requires = "out")]
    pub site: Option<PathBuf>,
    /// Print one JSON document to stdout instead of the human report.
    #[arg(long)]
    pub json: bool,
    /// Sign the output folder with this Ed25519 key (PKCS#8 PEM) after the
    /// run: a path, or a name in the keys folder (`keys new NAME`).
    #[arg(long, requires = "out")]
    pub sign_key: Option<PathBuf>,
    /// Keep the run's evidence and report in this folder (a new one per
    /// run): journal, transcripts, CAN traces, waveforms, report.json,
    /// report.html, junit.xml.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Also copy the run's junit.xml here, where a CI system looks for it.
    #[arg(long, requires = "out")]
    pub junit: Option<PathBuf>,
}

pub fn run(mut args: RunArgs) -> ExitCode {
    // Watched from the start, so a signal during loading or connecting
    // still ends in the safe state rather than killing the process.
    let interrupt = Interrupt::default();
    let _signal_runtime = watch_signals(&interrupt);
    let rig = match super::rig_source::load(args.rig.as_deref()) {
        Ok(rig) => rig,
        Err(e) => {
            output::error(&e.render());
            return ExitCode::BadInput;
        }
    };
    let site = match &args.site {
        None => None,
        Some(path) => match load_site_for(path, &rig) {
            Ok(site) => Some((path.clone(), site)),
            Err(code) => return code,
        },
    };
    let plan =
        match super::plan_check::load_checked_on(&args.plan, &rig, site.as_ref().map(|(_, s)| s)) {
            Ok(plan) => plan,
            Err(code) => return code,
        };
    if args.out.is_none() && fills_the_disk(&plan, &rig) {
        // The run goes on as it would with --out, but for this one fault.
        output::warning(
            "disk_full: this run keeps no evidence (no --out), so there is no evidence disk to fill; the fault does nothing",
        );
    }
    if let Some(key) = &args.sign_key {
        // A bare name is a key of the per-user keys folder.
        let found =
            crate::report::keystore::resolve(key, crate::report::keystore::KeyHalf::Private);
        match found {
            Ok(path) => args.sign_key = Some(path),
            Err(e) => {
                output::error(&e.to_string());
                return ExitCode::BadInput;
            }
        }
    }
    if let Some(key) = &args.sign_key {
        if let Err(e) = crate::report::sign::check_private_key(key) {
            output::error(&e.to_string());
            return ExitCode::BadInput;
        }
    }
    // The journal exists before anything is connected, so even a run that
    // cannot reach its rig leaves evidence of why.
    let evidence = match &args.out {
        None => None,
        Some(dir) => match start_evidence(dir, &args, &plan, &rig, site.as_ref()) {
            Ok(e) => Some(e),
            Err(message) => {
                output::error(&message);
                return ExitCode::BadInput;
            }
        },
    };
    execute(Session {
        args: &args,
        plan: &plan,
        rig: &rig,
        interrupt: &interrupt,
        evidence,
        operator: None,
        progress: false,
        more_to_come: false,
    })
}

/// Loads the site file, and checks its grid profile is for the rig's grid.
pub(super) fn load_site_for(
    path: &Path,
    rig: &crate::model::Rig,
) -> Result<crate::model::Site, ExitCode> {
    let site = crate::model::load_site(path).map_err(|e| {
        output::error(&e.render());
        ExitCode::BadInput
    })?;
    // Frequency pickups are absolute hertz: a 50 Hz profile says nothing
    // about a 60 Hz charger.
    let nominal = site.profile.as_ref().and_then(|p| p.nominal);
    if let Some(n) = nominal.filter(|n| n.frequency_hz != rig.nominal.frequency_hz) {
        output::error(&format!(
            "{}: site.grid_profile: the profile is for a {} Hz grid but the rig is {} Hz",
            path.display(),
            n.frequency_hz,
            rig.nominal.frequency_hz
        ));
        return Err(ExitCode::BadInput);
    }
    Ok(site)
}

/// One run (or one resumed session of it), its inputs already checked.
pub(super) struct Session<'a> {
    pub args: &'a RunArgs,
    pub plan: &'a crate::model::Plan,
    pub rig: &'a crate::model::Rig,
    pub interrupt: &'a Interrupt,
    pub evidence: Option<Evidence>,
    /// The person at a real site (`commission`); an emulated site brings
    /// its own.
    pub operator: Option<Box<dyn crate::exec::operator::Operator>>,
    /// Say which test of how many, and what each wait is for.
    pub progress: bool,
    /// Another part of the same run follows in this folder (the next
    /// charger of a depot): its end is recorded as `unit_finished`, and
    /// the report waits for the last part.
    pub more_to_come: bool,
}

/// Connects the rig, runs the plan, keeps the evidence and builds (and
/// signs) the report.
pub(super) fn execute(session: Session) -> ExitCode {
    let Session {
        args,
        plan,
        rig,
        interrupt,
        evidence,
        operator,
        progress,
        more_to_come,
    } = session;
    let plan = plan.clone();
    let rig = rig.clone();
    let options = ConnectOptions {
        can_log_dir: args.out.clone(),
        evidence: evidence.clone(),
        // A firmware gate may have to update the charger: its bootloader
        // is connected too.
        open_flasher: plan.tests.iter().any(|t| {
            t.steps.iter().any(|s| {
                matches!(
                    s,
                    crate::model::Step::Flash(_) | crate::model::Step::FirmwareGate(_)
                )
            })
        }),
    };
    let mut connected = match connect_with(&rig, &options) {
        Ok(mut c) => {
            if let Some(op) = operator {
                if c.rig.operator.is_none() {
                    c.rig.operator = Some(op);
                }
            }
            c
        }
        Err(e) => {
            output::error(&e.to_string());
            if let Some(ev) = &evidence {
                // Nothing was driven, so the run ends here, aborted.
                let reason = format!("connect: {e}");
                ev.record(kind::ABORTED, json!({ "reason": reason }));
                ev.record(
                    kind::RUN_FINISHED,
                    json!({
                        "verdict": Verdict::Aborted.as_str(),
                        "aborted": reason,
                        "safe_state_errors": [],
                        "interrupted": interrupt.flag.load(Ordering::SeqCst),
                        "signal": interrupt.signal(),
                    }),
                );
                finish_evidence(ev, args, true);
            }
            return ExitCode::Aborted;
        }
    };
    if let Some(csms) = connected.rig.devices.csms.as_mut() {
        if let Ok(at) = csms.listening() {
            // Where to point the charger (its OCPP connection URL).
            eprintln!("central system listening on {at}");
        }
    }
    // Every run identifies its devices, kept or not: what a run sends must
    // not depend on whether its evidence is kept (evidence is a pure observer).
    let equipment = equipment(&mut connected);
    if let Some(ev) = &evidence {
        ev.record(kind::EQUIPMENT, equipment);
    }
    let json = args.json;
    let mut printed_header = false;
    let mut progress = progress.then(|| super::progress::Progress::new(&plan));
    let mut recorder = evidence
        .clone()
        .map(|e| RunRecorder::new(e, connected.rig.facts.nominal_frequency_hz));
    let mut observe = |event: RunEvent| {
        if let Some(r) = recorder.as_mut() {
            r.on_event(&event);
        }
        // As it happens, also under --json (stdout keeps the document).
        if let RunEvent::SafeState { errors } = &event {
            for e in errors.iter() {
                output::warning(e);
            }
        }
        if !json {
            if let Some(p) = progress.as_mut() {
                p.on_event(&event);
            }
            print_event(&event, &mut printed_header);
        }
    };
    let result = Runner::new(&mut connected, &interrupt.flag, &mut observe).run(&plan);
    let document = json_document(&result);
    if let Some(ev) = &evidence {
        ev.record(
            if more_to_come {
                kind::UNIT_FINISHED
            } else {
                kind::RUN_FINISHED
            },
            json!({
                "verdict": result.verdict().as_str(),
                "aborted": result.aborted,
                "safe_state_errors": result.safe_state_errors,
                "interrupted": interrupt.flag.load(Ordering::SeqCst),
                "signal": interrupt.signal(),
            }),
        );
        // On disk before the summary is printed.
        ev.commit();
    }
    // Closes every link and CAN trace before the report reads the folder.
    drop(connected);
    if !json {
        println!("{}", output::summary(&result));
    }
    let report = evidence
        .as_ref()
        .filter(|_| !more_to_come)
        .and_then(|ev| finish_evidence(ev, args, json));
    let compliance = report.as_ref().and_then(|r| r.compliance.as_ref());
    if json {
        let mut document = document;
        if let Some(c) = compliance {
            document["compliance"] = serde_json::to_value(c).unwrap_or(Value::Null);
            if !c.holds && result.verdict() == Verdict::Pass {
                document["verdict"] = json!(Verdict::Fail.as_str());
            }
        }
        println!(
            "{}",
            serde_json::to_string_pretty(&document).unwrap_or_default()
        );
    } else if let Some(c) = compliance {
        println!("{}", output::compliance(c));
    }
    if interrupt.flag.load(Ordering::SeqCst) {
        return ExitCode::Aborted;
    }
    match result.verdict() {
        // The report's verdict includes the site's compliance: exit as it
        // says (no report, no compliance shown: not a pass either).
        Verdict::Pass if compliance.is_some_and(|c| !c.holds) => ExitCode::TestFailed,
        Verdict::Pass if args.site.is_some() && compliance.is_none() && !more_to_come => {
            ExitCode::TestFailed
        }
        Verdict::Pass => ExitCode::Pass,
        Verdict::Fail => ExitCode::TestFailed,
        Verdict::Aborted => ExitCode::Aborted,
    }
}

/// Whether the plan or the rig injects `disk_full`.
fn fills_the_disk(plan: &crate::model::Plan, rig: &crate::model::Rig) -> bool {
    use crate::model::{FaultKind, Step};
    let in_plan = plan
        .tests
        .iter()
        .flat_map(|t| &t.steps)
        .any(|s| matches!(s, Step::Fault(f) if f.kind == FaultKind::DiskFull));
    in_plan
        || rig
            .faults
            .iter()
            .any(|f| f.fault.kind == FaultKind::DiskFull)
}

/// Creates the folder and its journal, and records what the run is about
/// to do with which inputs (each file's digest).
pub(super) fn start_evidence(
    dir: &Path,
    args: &RunArgs,
    plan: &crate::model::Plan,
    rig: &crate::model::Rig,
    site: Option<&(PathBuf, crate::model::Site)>,
) -> Result<Evidence, String> {
    start_evidence_with(dir, args, plan, rig, site, Value::Null)
}

/// [`start_evidence`], with more keys for the run's first record
/// (`commission` says so, and names its built-in plan and rig by digest).
pub(super) fn start_evidence_with(
    dir: &Path,
    args: &RunArgs,
    plan: &crate::model::Plan,
    rig: &crate::model::Rig,
    site: Option<&(PathBuf, crate::model::Site)>,
    extra: Value,
) -> Result<Evidence, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let emulated = rig.devices.values().any(|d| d.transport.is_emulated());
    let clock = if emulated {
        ClockKind::Simulated
    } else {
        ClockKind::Wall
    };
    let evidence = Evidence::create(dir, clock)
        .map_err(|e| format!("{e} (use a new --out folder for each run)"))?;
    let input = |path: &Path, name: &str| -> Value {
        let mut v = json!({ "name": name, "path": path.display().to_string() });
        if let Ok(bytes) = std::fs::read(path) {
            v["sha256"] = json!(sha256_hex(&bytes));
        }
        v
    };
    let rig_input = match &args.rig {
        Some(p) => input(p, &rig.name),
        None => json!({
            "name": rig.name,
            "path": super::rig_source::BUILTIN_RIG_NAME,
            "sha256": sha256_hex(super::rig_source::BUILTIN_RIG.as_bytes()),
        }),
    };
    let tests: Vec<Value> = plan
        .tests
        .iter()
        .map(|t| json!({ "name": t.name, "clause": t.clause }))
        .collect();
    let mut started = json!({
        "tool": { "name": env!("CARGO_PKG_NAME"), "version": env!("CARGO_PKG_VERSION") },
        "started_utc": evidence.started_utc(),
        "clock": clock,
        "plan": input(&args.plan, &plan.name),
        "rig": rig_input,
        "tests": tests,
    });
    if let Some((path, site)) = site {
        started["site"] = serde_json::to_value(site).unwrap_or(Value::Null);
        started["site_file"] = input(path, &site.site.id);
        if let Some(p) = &site.profile {
            // The values themselves: the report compares against these.
            let mut profile = input(&p.path, &p.name);
            profile["trip"] = json!(p.trip);
            profile["enter_service"] = json!(p.enter_service);
            profile["unconfirmed"] = json!(p.unconfirmed);
            profile["source"] = json!(p.source_note);
            started["site_profile"] = profile;
        }
        if let Some(c) = &site.catalog {
            // The approved firmware the gate held the charger to.
            started["site_firmware_catalog"] = input(&c.source, &c.name);
        }
    }
    if let Some(key) = &args.sign_key {
        // Named now, so the report (a signed file) can say who signs it.
        let keyid = crate::report::sign::private_key_id(key).map_err(|e| e.to_string())?;
        started["signer"] = json!({ "keyid": keyid });
    }
    if let (Some(into), Value::Object(more)) = (started.as_object_mut(), extra) {
        into.extend(more);
    }
    evidence.record(kind::RUN_STARTED, started);
    Ok(evidence)
}

/// Every device's answer to identification, for the report's equipment table.
fn equipment(connected: &mut crate::rig::Connection) -> Value {
    let devices: Vec<Value> = crate::rig::identify_all(connected)
        .into_iter()
        .map(|a| {
            let mut d = json!({
                "name": a.device, "role": a.role, "driver": a.driver, "transport": a.transport,
            });
            match a.identity {
                Ok(id) => d["identity"] = json!(id),
                Err(e) => d["error"] = json!(e),
            }
            d
        })
        .collect();
    let facts = &connected.rig.facts;
    json!({
        "devices": devices,
        "charger_rating_w": facts.charger_rating_w,
        "nominal_voltage_v": facts.nominal_voltage_v,
        "nominal_frequency_hz": facts.nominal_frequency_hz,
    })
}

/// Builds the report files from the journal, then signs the folder when
/// asked. Problems are reported, not fatal: the evidence already on disk
/// is what matters. Returns the report when it was built.
fn finish_evidence(
    evidence: &Evidence,
    args: &RunArgs,
    quiet: bool,
) -> Option<crate::report::model::Report> {
    if let Some(e) = evidence.first_error() {
        output::error(&format!("some evidence could not be written: {e}"));
    }
    let dir = evidence.dir();
    let report = match crate::report::build::build_dir(dir) {
        Ok(built) => {
            if !quiet {
                println!("report {}", built.html.display());
            }
            if let Some(to) = &args.junit {
                if let Err(e) = std::fs::copy(&built.junit, to) {
                    output::error(&format!("cannot write {}: {e}", to.display()));
                }
            }
            Some(built.report)
        }
        Err(e) => {
            output::error(&format!("the report could not be built: {e}"));
            None
        }
    };
    if let Some(key) = &args.sign_key {
        match crate::report::sign::sign_dir(dir, key) {
            Ok(p) => {
                if !quiet {
                    println!("signed {}", p.display());
                }
            }
            Err(e) => output::error(&format!("signing failed: {e}")),
        }
    }
    report
}

fn print_event(event: &RunEvent, printed_header: &mut bool) {
    match event {
        RunEvent::TestStarted { name, .. } => {
            println!("▶ {name}");
            *printed_header = false;
        }
        RunEvent::Island { measurement, .. } => {
            if !*printed_header {
                // The columns explained once a run, above the first table.
                static LEGEND: std::sync::Once = std::sync::Once::new();
                LEGEND.call_once(|| println!("{}", output::island_legend()));
                println!("{}", output::island_header());
                *printed_header = true;
            }
            println!("{}", output::island_row(measurement));
        }
        RunEvent::Trip { measurement, .. } => println!("{}", output::trip_line(measurement)),
        RunEvent::Expectation(e) => println!(
            "  expect {}.{} = {} (measured {} after {:.2} s) {}",
            e.device,
            e.quantity,
            e.expected,
            e.measured,
            e.after_s,
            output::verdict(e.verdict)
        ),
        RunEvent::ExpectedAbort { reason, .. } => println!("  aborted as expected: {reason}"),
        RunEvent::Flash(f) => println!(
            "  flashed {} bytes in {:.1} s ({:.1} kB/s): firmware {} → {}",
            f.bytes,
            f.duration_s,
            f.transfer_rate_bps / 1000.0,
            f.version_before,
            f.version_after
        ),
        RunEvent::Ocpp(o) => println!(
            "  OCPP {} {}{}",
            o.message,
            output::verdict(o.verdict),
            o.reason
                .as_deref()
                .map(|r| format!(" — {r}"))
                .unwrap_or_default()
        ),
        RunEvent::TestFinished(t) => println!("{}\n", output::test_line(t)),
        _ => {}
    }
}

/// `{"plan", "rig", "verdict", "clock", "tests": [{"name", "verdict", ...}], ...}`
pub fn json_document(result: &RunResult) -> serde_json::Value {
    let mut v = serde_json::to_value(result).unwrap_or(serde_json::Value::Null);
    if let Some(map) = v.as_object_mut() {
        map.insert(
            "verdict".into(),
            serde_json::Value::String(result.verdict().as_str().into()),
        );
    }
    v
}

/// Set by SIGINT (Ctrl-C), SIGTERM (CI timeouts, container stops) and
/// SIGHUP (a closed terminal), with which came first.
#[derive(Default)]
pub(super) struct Interrupt {
    pub(super) flag: Arc<AtomicBool>,
    signal: Arc<OnceLock<&'static str>>,
}

impl Interrupt {
    fn signal(&self) -> Option<&'static str> {
        self.signal.get().copied()
    }
}

/// Any of the signals sets the flag; the runner sees it between steps and
/// inside waits and long steps, drives the rig to its safe state, finishes
/// the journal, and the run exits 3. Later signals are told that this is
/// under way (SIGKILL still ends the process at once, the rig as it is).
#[cfg(unix)]
pub(super) fn watch_signals(interrupt: &Interrupt) -> Option<tokio::runtime::Runtime> {
    use tokio::signal::unix::{signal, SignalKind};
    let rt = signal_runtime()?;
    // Registered here, before returning: a signal from now on is caught.
    let _entered = rt.enter();
    let mut streams = Vec::new();
    for (kind, name) in [
        (SignalKind::interrupt(), "SIGINT"),
        (SignalKind::terminate(), "SIGTERM"),
        (SignalKind::hangup(), "SIGHUP"),
    ] {
        match signal(kind) {
            Ok(s) => streams.push((s, name)),
            Err(e) => output::error(&format!("cannot watch {name}: {e}")),
        }
    }
    for (mut stream, name) in streams {
        let (flag, which) = (interrupt.flag.clone(), interrupt.signal.clone());
        rt.spawn(async move {
            while stream.recv().await.is_some() {
                if which.set(name).is_ok() {
                    flag.store(true, Ordering::SeqCst);
                    output::warning(&format!(
                        "{name}: stopping; driving the rig to its safe state"
                    ));
                } else {
                    output::warning(&format!(
                        "{name}: already stopping; the rig is being driven to its safe state"
                    ));
                }
            }
        });
    }
    Some(rt)
}

/// Elsewhere only Ctrl-C can be watched.
#[cfg(not(unix))]
pub(super) fn watch_signals(interrupt: &Interrupt) -> Option<tokio::runtime::Runtime> {
    let rt = signal_runtime()?;
    let (flag, which) = (interrupt.flag.clone(), interrupt.signal.clone());
    rt.spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            let _ = which.set("Ctrl-C");
            flag.store(true, Ordering::SeqCst);
        }
    });
    Some(rt)
}

/// One worker thread is all the signal tasks need.
fn signal_runtime() -> Option<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .ok()
}
