//! `v2x-hil run PLAN [--rig RIG] [--json] [--out DIR]`

use super::{output, ExitCode};
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
    let mut observe = |event: RunEvent| {
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
