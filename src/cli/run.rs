//! `v2x-hil run PLAN [--rig RIG] [--json] [--out DIR]`

use super::{output, ExitCode};
use crate::evidence::journal::JournalWriter;
use crate::exec::connect::{connect_with, ConnectOptions};
use crate::exec::results::{RunResult, Verdict};
use crate::exec::{RunEvent, Runner};
use clap::Args;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

#[derive(Debug, Args)]
pub struct RunArgs {
    /// The test plan (YAML).
    pub plan: PathBuf,
    /// Rig file; the built-in emulated rig when omitted.
    #[arg(long)]
    pub rig: Option<PathBuf>,
    /// Print one JSON document to stdout instead of the human report.
    #[arg(long)]
    pub json: bool,
    /// Sign the output folder with this Ed25519 key (PKCS#8 PEM) after the run.
    #[arg(long, requires = "out")]
    pub sign_key: Option<PathBuf>,
    /// Write the run's results (results.json) and the CAN traffic of each bus
    /// (candump log, `<bus>.log`) into this folder.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

pub fn run(args: RunArgs) -> ExitCode {
    let (plan, rig) = match super::plan_check::load_checked(&args.plan, args.rig.as_deref()) {
        Ok(x) => x,
        Err(code) => return code,
    };
    if let Some(key) = &args.sign_key {
        if let Err(e) = crate::report::sign::check_private_key(key) {
            output::error(&e.to_string());
            return ExitCode::BadInput;
        }
    }
    if let Some(dir) = &args.out {
        if let Err(e) = std::fs::create_dir_all(dir) {
            output::error(&format!("cannot create {}: {e}", dir.display()));
            return ExitCode::BadInput;
        }
    }
    let options = ConnectOptions {
        can_log_dir: args.out.clone(),
        open_flasher: plan.tests.iter().any(|t| {
            t.steps
                .iter()
                .any(|s| matches!(s, crate::model::Step::Flash(_)))
        }),
    };
    let mut connected = match connect_with(&rig, &options) {
        Ok(c) => c,
        Err(e) => {
            output::error(&e.to_string());
            return ExitCode::Aborted;
        }
    };
    let interrupt = Arc::new(AtomicBool::new(false));
    let _signal_runtime = watch_ctrl_c(interrupt.clone());
    let json = args.json;
    let mut printed_header = false;
    // The journal: every event on disk (synced) as it happens, so a run
    // that dies halfway keeps what it measured.
    let mut journal = match &args.out {
        None => None,
        Some(dir) => match JournalWriter::create(&dir.join("journal.jsonl")) {
            Ok(j) => Some(j),
            Err(e) => {
                output::error(&format!("{e} (use a new --out folder for each run)"));
                return ExitCode::BadInput;
            }
        },
    };
    let clock = connected.rig.clock.clone();
    let clock_name = match clock.kind() {
        crate::exec::clock::ClockKind::Simulated => "simulated",
        crate::exec::clock::ClockKind::Wall => "wall",
    };
    if let Some(j) = journal.as_mut() {
        let start =
            serde_json::json!({ "plan": plan.name, "rig": rig.name, "tests": plan.tests.len() });
        if let Err(e) = j.append(clock.now().as_secs_f64(), clock_name, "run_started", start) {
            output::error(&e.to_string());
            return ExitCode::Aborted;
        }
    }
    let mut journal_error = None;
    let mut observe = |event: RunEvent| {
        if let Some(j) = journal.as_mut() {
            let (kind, data) = journal_record(&event);
            if let Err(e) = j.append(clock.now().as_secs_f64(), clock_name, kind, data) {
                journal_error.get_or_insert(e.to_string());
            }
        }
        if json {
            return;
        }
        match event {
            RunEvent::TestStarted { name } => {
                println!("▶ {name}");
                printed_header = false;
            }
            RunEvent::Island(m) => {
                if !printed_header {
                    println!("{}", output::island_header());
                    printed_header = true;
                }
                println!("{}", output::island_row(m));
            }
            RunEvent::Expectation(e) => println!(
                "  expect {}.{} = {} (measured {} after {:.2} s) {}",
                e.device,
                e.quantity,
                e.expected,
                e.measured,
                e.after_s,
                output::verdict(e.verdict)
            ),
            RunEvent::TestFinished(t) => println!("{}\n", output::test_line(t)),
        }
    };
    let result = Runner::new(&mut connected, &interrupt, &mut observe).run(&plan);
    let document = json_document(&result);
    if let Some(j) = journal.as_mut() {
        let now = connected.rig.clock.now().as_secs_f64();
        let verdict = serde_json::json!({
            "verdict": result.verdict().as_str(),
            "aborted": result.aborted,
            "safe_state_errors": result.safe_state_errors,
        });
        if let Err(e) = j.append(now, clock_name, "run_finished", verdict) {
            journal_error.get_or_insert(e.to_string());
        }
    }
    if let Some(e) = journal_error {
        output::error(&format!("the journal could not be written: {e}"));
    }
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&document).unwrap_or_default()
        );
    } else {
        println!("{}", output::summary(&result));
    }
    if let Some(dir) = &args.out {
        let path = dir.join("results.json");
        let text = serde_json::to_string_pretty(&document).unwrap_or_default();
        if let Err(e) = std::fs::write(&path, text + "\n") {
            output::error(&format!("cannot write {}: {e}", path.display()));
        }
        if let Some(key) = &args.sign_key {
            // The journal's file is closed first: every record is on disk.
            drop(journal.take());
            match crate::report::sign::sign_dir(dir, key) {
                Ok(p) => {
                    if !json {
                        println!("signed {}", p.display());
                    }
                }
                Err(e) => output::error(&format!("signing failed: {e}")),
            }
        }
    }
    if interrupt.load(Ordering::SeqCst) {
        return ExitCode::Aborted;
    }
    match result.verdict() {
        Verdict::Pass => ExitCode::Pass,
        Verdict::Fail => ExitCode::TestFailed,
        Verdict::Aborted => ExitCode::Aborted,
    }
}

/// What the journal keeps of each runner event.
fn journal_record(event: &RunEvent) -> (&'static str, serde_json::Value) {
    let value = |v: serde_json::Result<serde_json::Value>| v.unwrap_or(serde_json::Value::Null);
    match event {
        RunEvent::TestStarted { name } => ("test_started", serde_json::json!({ "name": name })),
        RunEvent::Island(m) => ("island", value(serde_json::to_value(m))),
        RunEvent::Expectation(e) => ("expectation", value(serde_json::to_value(e))),
        RunEvent::TestFinished(t) => ("test_finished", value(serde_json::to_value(t))),
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

/// Ctrl-C sets the flag; the runner sees it between steps and in waits, and
/// drives the rig to its safe state before exiting.
fn watch_ctrl_c(flag: Arc<AtomicBool>) -> Option<tokio::runtime::Runtime> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .ok()?;
    rt.spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            flag.store(true, Ordering::SeqCst);
        }
    });
    Some(rt)
}
