//! `v2x-hil commission --site SITE [--rig RIG] [--plan PLAN] --out DIR --sign-key KEY [--yes]`
//! and `v2x-hil commission --resume DIR --sign-key KEY [--yes]`: the
//! installer's guided run of the site's commissioning plan (data, shipped
//! with the tool: `test-plans/commissioning-home.yaml` for homes,
//! `commissioning-depot.yaml` for commercial sites and depots), whose
//! verdict includes the site's compliance, signed at the end. Interrupted
//! (a flat battery, Ctrl-C, a crash), it goes on from the first test it
//! had not finished, in the same journal.

use super::run::{self, Interrupt, RunArgs, Session};
use super::{output, ExitCode};
use crate::evidence::journal::Record;
use crate::evidence::record::kind;
use crate::evidence::Evidence;
use crate::firmware::verify::sha256_hex;
use crate::model::site::Segment;
use crate::model::{self, Plan, Rig, RigKind, Site};
use clap::Args;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Debug, Args)]
pub struct CommissionArgs {
    /// The installation's site file (site id, utility, grid profile,
    /// charger serial, installer).
    #[arg(long, required_unless_present = "resume", conflicts_with = "resume")]
    pub site: Option<PathBuf>,
    /// The site's rig file: how the charger and site meter are reached.
    /// Without it, the emulated twin of the site (the report says emulated).
    #[arg(long, conflicts_with = "resume")]
    pub rig: Option<PathBuf>,
    /// The commissioning plan; by default the shipped one for the site's
    /// segment (home, or commercial/depot).
    #[arg(long, conflicts_with = "resume")]
    pub plan: Option<PathBuf>,
    /// A new folder for the run's evidence and signed report.
    #[arg(long, required_unless_present = "resume", conflicts_with = "resume")]
    pub out: Option<PathBuf>,
    /// The installer's Ed25519 signing key (PKCS#8 PEM).
    #[arg(long)]
    pub sign_key: PathBuf,
    /// Agree in advance to every confirmation (unattended runs). Physical
    /// actions (the main breaker) are still asked of the person at the site.
    #[arg(long)]
    pub yes: bool,
    /// Go on with the interrupted commissioning in this folder.
    #[arg(long, value_name = "DIR")]
    pub resume: Option<PathBuf>,
}

/// The shipped commissioning plans and emulated site twins, built into the
/// binary: an installer's laptop works offline from any folder.
const HOME_PLAN: (&str, &str) = (
    "test-plans/commissioning-home.yaml (built in)",
    include_str!("../../test-plans/commissioning-home.yaml"),
);
const DEPOT_PLAN: (&str, &str) = (
    "test-plans/commissioning-depot.yaml (built in)",
    include_str!("../../test-plans/commissioning-depot.yaml"),
);
const HOME_TWIN: (&str, &str) = (
    "rigs/emulated-site-home.yaml (built in)",
    include_str!("../../rigs/emulated-site-home.yaml"),
);
const DEPOT_TWIN: (&str, &str) = (
    "rigs/emulated-site-depot.yaml (built in)",
    include_str!("../../rigs/emulated-site-depot.yaml"),
);

/// Where a plan or rig came from: a file, or the binary.
#[derive(Clone)]
enum Source {
    File(PathBuf),
    BuiltIn(&'static str, &'static str),
}

impl Source {
    fn record(&self, name: &str) -> Value {
        match self {
            Source::File(p) => {
                let mut v = json!({ "name": name, "path": p.display().to_string() });
                if let Ok(bytes) = std::fs::read(p) {
                    v["sha256"] = json!(sha256_hex(&bytes));
                }
                v
            }
            Source::BuiltIn(label, text) => {
                json!({ "name": name, "path": label, "sha256": sha256_hex(text.as_bytes()) })
            }
        }
    }

    fn load_plan(&self) -> Result<Plan, ExitCode> {
        match self {
            Source::File(p) => model::load_plan(p),
            Source::BuiltIn(label, text) => model::parse_plan(Path::new(label), text),
        }
        .map_err(|e| {
            output::error(&e.render());
            ExitCode::BadInput
        })
    }

    fn load_rig(&self) -> Result<Rig, ExitCode> {
        match self {
            Source::File(p) => model::load_rig_with(p, &crate::device::drivers_for),
            Source::BuiltIn(label, text) => {
                model::parse_rig_with(Path::new(label), text, &crate::device::drivers_for)
            }
        }
        .map_err(|e| {
            output::error(&e.render());
            ExitCode::BadInput
        })
    }

    /// Its path as a run's first record names it.
    fn path(&self) -> PathBuf {
        match self {
            Source::File(p) => p.clone(),
            Source::BuiltIn(label, _) => PathBuf::from(label),
        }
    }
}

pub fn run(mut args: CommissionArgs) -> ExitCode {
    let interrupt = Interrupt::default();
    let _signal_runtime = run::watch_signals(&interrupt);
    // A bare name is a key of the per-user keys folder.
    match crate::report::keystore::resolve(
        &args.sign_key,
        crate::report::keystore::KeyHalf::Private,
    ) {
        Ok(path) => args.sign_key = path,
        Err(e) => {
            output::error(&e.to_string());
            return ExitCode::BadInput;
        }
    }
    if let Err(e) = crate::report::sign::check_private_key(&args.sign_key) {
        output::error(&e.to_string());
        return ExitCode::BadInput;
    }
    match &args.resume {
        Some(dir) => resume(&args, dir, &interrupt),
        None => start(&args, &interrupt),
    }
}

fn segment_of(site: &Site, path: &Path) -> Result<Segment, ExitCode> {
    site.site.segment.ok_or_else(|| {
        output::error(&format!(
            "{}: site.segment: the site does not say what it is; write `segment: home`, `commercial` or `depot` (it picks the commissioning plan), or give --plan",
            path.display()
        ));
        ExitCode::BadInput
    })
}

fn start(args: &CommissionArgs, interrupt: &Interrupt) -> ExitCode {
    let (Some(site_path), Some(out)) = (&args.site, &args.out) else {
        output::error("commission needs --site SITE and --out DIR (or --resume DIR)");
        return ExitCode::BadInput;
    };
    let site_only = match model::load_site(site_path) {
        Ok(s) => s,
        Err(e) => {
            output::error(&e.render());
            return ExitCode::BadInput;
        }
    };
    let plan_source = match &args.plan {
        Some(p) => Source::File(p.clone()),
        None => match segment_of(&site_only, site_path) {
            Ok(Segment::Home) => Source::BuiltIn(HOME_PLAN.0, HOME_PLAN.1),
            Ok(_) => Source::BuiltIn(DEPOT_PLAN.0, DEPOT_PLAN.1),
            Err(code) => return code,
        },
    };
    let rig_source = match &args.rig {
        Some(p) => Source::File(p.clone()),
        None => {
            let twin = match site_only.site.segment {
                Some(Segment::Home) | None => HOME_TWIN,
                Some(_) => DEPOT_TWIN,
            };
            output::warning(&format!(
                "no --rig: commissioning the emulated twin of the site ({}); the report is marked emulated. At a real site give the site's rig file.",
                twin.0
            ));
            Source::BuiltIn(twin.0, twin.1)
        }
    };
    let rig = match rig_source.load_rig() {
        Ok(r) => r,
        Err(code) => return code,
    };
    if rig.kind != RigKind::Site {
        output::error(&format!(
            "{}: commissioning runs on a site rig (`kind: site`): a lab rig's grid simulator and switch have no place at an installation",
            rig.source.display()
        ));
        return ExitCode::BadInput;
    }
    let site = match run::load_site_for(site_path, &rig) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let units = match plan_source
        .load_plan()
        .and_then(|p| units(&p, &rig, &site, site_path))
    {
        Ok(u) => u,
        Err(code) => return code,
    };
    // The whole commissioning, every charger's tests, as the run's record.
    let mut plan = units[0].plan.clone();
    plan.tests = units.iter().flat_map(|u| u.plan.tests.clone()).collect();
    let run_args = run_args(args, &plan_source, &rig_source, Some(site_path), out);
    let site_pair = (site_path.clone(), site);
    let extra = json!({
        "command": "commission",
        "plan": plan_source.record(&plan.name),
        "rig": rig_source.record(&rig.name),
    });
    let evidence =
        match run::start_evidence_with(out, &run_args, &plan, &rig, Some(&site_pair), extra) {
            Ok(e) => e,
            Err(message) => {
                output::error(&message);
                return ExitCode::BadInput;
            }
        };
    println!(
        "commissioning {} ({}) with plan `{}`: {} step(s){}",
        site_pair.1.site.id,
        site_pair.1.site.utility,
        plan.name,
        plan.tests.len(),
        if units.len() > 1 {
            format!(", {} chargers one after another", units.len())
        } else {
            String::new()
        }
    );
    run_units(args, &run_args, units, evidence, interrupt)
}

/// What commissioning plans call the charger they commission.
pub const PLAN_CHARGER: &str = "charger";

/// One charger's commissioning: the rig as it sees it (that charger, the
/// site meter), the site naming that charger, the plan bound to both.
pub(super) struct Unit {
    /// Its serial, at a site with several chargers.
    label: Option<String>,
    rig: Rig,
    pub(super) plan: Plan,
}

/// One unit per charger the site lists; at a site with several, each
/// test's name starts with the charger's serial, so every test of the run
/// has its own name (a resumption counts on that).
pub(super) fn units(
    plan: &Plan,
    rig: &Rig,
    site: &Site,
    site_path: &Path,
) -> Result<Vec<Unit>, ExitCode> {
    let rig_chargers = rig.devices_with_role(model::Role::Charger).len();
    let listed: Vec<model::site::ChargerUnit> = if site.chargers.is_empty() {
        vec![site.charger.clone()]
    } else {
        site.chargers.clone()
    };
    let several = listed.len() > 1;
    let mut out = Vec::new();
    for (i, unit) in listed.iter().enumerate() {
        let unit_rig = match (&unit.device, rig_chargers) {
            (None, 1) => rig.clone(),
            (None, _) => {
                output::error(&format!(
                    "{}: charger: rig {} has {rig_chargers} chargers; say which is this one with `device:`",
                    site_path.display(),
                    rig.source.display()
                ));
                return Err(ExitCode::BadInput);
            }
            (Some(device), _) => match rig.for_unit(device, PLAN_CHARGER) {
                Some(r) => r,
                None => {
                    let key = if site.chargers.is_empty() {
                        "charger.device".to_string()
                    } else {
                        format!("chargers[{i}].device")
                    };
                    output::error(&format!(
                        "{}: {key}: `{device}` is not a charger of rig {}",
                        site_path.display(),
                        rig.source.display()
                    ));
                    return Err(ExitCode::BadInput);
                }
            },
        };
        let mut unit_site = site.clone();
        unit_site.charger = unit.clone();
        let mut unit_plan = plan.clone();
        if several {
            for t in &mut unit_plan.tests {
                t.name = format!("{} · {}", unit.serial, t.name);
            }
        }
        let unit_plan = super::plan_check::check_bound(unit_plan, &unit_rig, Some(&unit_site))?;
        out.push(Unit {
            label: several.then(|| unit.serial.clone()),
            rig: unit_rig,
            plan: unit_plan,
        });
    }
    Ok(out)
}

/// Runs each unit's tests in turn into the same folder: the first with
/// `evidence`, each next one as a new session of it. Stops at an abort;
/// the exit code is the worst of them.
fn run_units(
    args: &CommissionArgs,
    run_args: &RunArgs,
    units: Vec<Unit>,
    evidence: Evidence,
    interrupt: &Interrupt,
) -> ExitCode {
    let dir = run_args.out.clone().unwrap_or_default();
    let last = units.len().saturating_sub(1);
    let mut worst = ExitCode::Pass;
    let mut first = Some(evidence);
    for (i, unit) in units.into_iter().enumerate() {
        let evidence = match first.take() {
            Some(e) => e,
            None => match Evidence::resume(&dir) {
                Ok((e, _)) => e,
                Err(e) => {
                    output::error(&format!("{}: {e}", dir.display()));
                    return ExitCode::Aborted;
                }
            },
        };
        if let Some(label) = &unit.label {
            println!("charger {label} ({} of {})", i + 1, last + 1);
            if i > 0 {
                evidence.record(
                    kind::RESUMED,
                    json!({ "session": evidence.session(), "unit": label, "next_charger": true }),
                );
            }
        }
        let code = run::execute(Session {
            args: run_args,
            plan: &unit.plan,
            rig: &unit.rig,
            interrupt,
            evidence: Some(evidence),
            operator: operator_for(&unit.rig, args.yes),
            progress: true,
            more_to_come: i < last,
        });
        worst = worse(worst, code);
        if code == ExitCode::Aborted || code == ExitCode::BadInput {
            break;
        }
    }
    worst
}

fn worse(a: ExitCode, b: ExitCode) -> ExitCode {
    let rank = |c: ExitCode| match c {
        ExitCode::Pass => 0,
        ExitCode::TestFailed => 1,
        ExitCode::VerificationFailed => 2,
        ExitCode::BadInput => 3,
        ExitCode::Aborted => 4,
    };
    if rank(b) > rank(a) {
        b
    } else {
        a
    }
}

/// A person at the terminal for a real site; an emulated site brings its
/// own installer.
fn operator_for(rig: &Rig, yes: bool) -> Option<Box<dyn crate::exec::operator::Operator>> {
    (!rig.any_emulated()).then(|| {
        Box::new(super::terminal_operator::TerminalOperator { yes })
            as Box<dyn crate::exec::operator::Operator>
    })
}

/// The `run` arguments this commissioning amounts to (for the evidence
/// and the report).
fn run_args(
    args: &CommissionArgs,
    plan: &Source,
    rig: &Source,
    site: Option<&PathBuf>,
    out: &Path,
) -> RunArgs {
    RunArgs {
        plan: plan.path(),
        rig: Some(rig.path()),
        site: site.cloned(),
        json: false,
        sign_key: Some(args.sign_key.clone()),
        out: Some(out.to_path_buf()),
        junit: None,
    }
}

/// What the interrupted run's journal says it was doing.
struct Interrupted {
    plan: Source,
    rig: Source,
    site: PathBuf,
    /// Tests that finished (pass or fail): not run again.
    finished: Vec<String>,
}

fn refuse(dir: &Path, why: impl std::fmt::Display) -> ExitCode {
    output::error(&format!("{}: cannot resume: {why}", dir.display()));
    ExitCode::BadInput
}

/// An input as the first session recorded it must be the same now: the
/// rest of the run is evidence for those inputs only.
fn same_input(dir: &Path, recorded: &Value, what: &str) -> Result<Source, ExitCode> {
    let path = recorded["path"].as_str().unwrap_or_default();
    let want = recorded["sha256"].as_str().unwrap_or_default();
    let source = [HOME_PLAN, DEPOT_PLAN, HOME_TWIN, DEPOT_TWIN]
        .into_iter()
        .find(|(label, _)| *label == path)
        .map(|(label, text)| Source::BuiltIn(label, text))
        .unwrap_or_else(|| Source::File(PathBuf::from(path)));
    let now = source.record("")["sha256"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    if path.is_empty() || want.is_empty() {
        return Err(refuse(dir, format!("its journal does not name the {what}")));
    }
    if now != want {
        return Err(refuse(
            dir,
            format!(
                "the {what} {path} is not the one the run began with (SHA-256 {want}, now {}): finish with the same inputs, or commission again into a new folder",
                if now.is_empty() { "unreadable".to_string() } else { now }
            ),
        ));
    }
    Ok(source)
}

fn interrupted(dir: &Path, records: &[Record]) -> Result<Interrupted, ExitCode> {
    let Some(started) = records.iter().find(|r| r.kind == kind::RUN_STARTED) else {
        return Err(refuse(dir, "its journal has no run_started record"));
    };
    let d = &started.data;
    if d["command"].as_str() != Some("commission") {
        return Err(refuse(
            dir,
            "it is not a commissioning run (only `commission` runs resume)",
        ));
    }
    let plan = same_input(dir, &d["plan"], "plan")?;
    let rig = same_input(dir, &d["rig"], "rig")?;
    let site = match same_input(dir, &d["site_file"], "site file")? {
        Source::File(p) => p,
        Source::BuiltIn(label, _) => PathBuf::from(label),
    };
    if d["site_firmware_catalog"].is_object() {
        same_input(dir, &d["site_firmware_catalog"], "firmware catalog")?;
    }
    // The last word on each test counts.
    let mut last: BTreeMap<String, String> = BTreeMap::new();
    for r in records {
        if r.kind == kind::TEST_FINISHED {
            if let (Some(name), Some(verdict)) =
                (r.data["name"].as_str(), r.data["verdict"].as_str())
            {
                last.insert(name.to_string(), verdict.to_string());
            }
        }
    }
    let finished = last
        .into_iter()
        .filter(|(_, v)| v == "pass" || v == "fail")
        .map(|(n, _)| n)
        .collect();
    Ok(Interrupted {
        plan,
        rig,
        site,
        finished,
    })
}

fn resume(args: &CommissionArgs, dir: &Path, interrupt: &Interrupt) -> ExitCode {
    // Read (and verified) before anything is cut or appended.
    let records =
        match crate::evidence::journal::verify(&dir.join(crate::evidence::sink::JOURNAL_FILE)) {
            Ok(v) => v.records,
            Err(e) => return refuse(dir, e),
        };
    let was = match interrupted(dir, &records) {
        Ok(w) => w,
        Err(code) => return code,
    };
    let rig = match was.rig.load_rig() {
        Ok(r) => r,
        Err(code) => return code,
    };
    let site = match run::load_site_for(&was.site, &rig) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let mut units = match was
        .plan
        .load_plan()
        .and_then(|p| units(&p, &rig, &site, &was.site))
    {
        Ok(u) => u,
        Err(code) => return code,
    };
    let all: usize = units.iter().map(|u| u.plan.tests.len()).sum();
    for u in &mut units {
        u.plan.tests.retain(|t| !was.finished.contains(&t.name));
    }
    units.retain(|u| !u.plan.tests.is_empty());
    let to_go: usize = units.iter().map(|u| u.plan.tests.len()).sum();
    if to_go == 0 {
        return refuse(
            dir,
            "every step has finished; there is nothing to resume (`report verify` checks it)",
        );
    }
    let (evidence, reopened) = match Evidence::resume(dir) {
        Ok(x) => x,
        Err(e) => return refuse(dir, e),
    };
    let remaining: Vec<&str> = units
        .iter()
        .flat_map(|u| u.plan.tests.iter().map(|t| t.name.as_str()))
        .collect();
    evidence.record(
        kind::RESUMED,
        json!({
            "session": evidence.session(),
            "resumed_utc": crate::report::time::utc_now_rfc3339(),
            "finished": was.finished,
            "remaining": remaining,
            "torn_tail": reopened.torn_tail,
        }),
    );
    println!(
        "resuming {}: {} of {all} step(s) finished, {to_go} to go",
        dir.display(),
        all - to_go,
    );
    let run_args = run_args(args, &was.plan, &was.rig, Some(&was.site), dir);
    run_units(args, &run_args, units, evidence, interrupt)
}
