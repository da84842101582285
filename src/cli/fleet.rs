//! `v2x-hil fleet add|status|report`: the program administrator's roll-up
//! of verified run folders (the work is in `crate::fleet`).

use super::{output, ExitCode};
use crate::fleet::dashboard;
use crate::fleet::index::{add_dirs, Outcome, Refused, TrustedKeys};
use crate::fleet::record::Stage;
use crate::fleet::status::{self, Filter, Policy};
use crate::fleet::store::Added;
use crate::fleet::{Db, Store};
use crate::report::keystore::{self, KeyHalf};
use std::path::{Path, PathBuf};

#[derive(Debug, clap::Args)]
pub struct FleetArgs {
    /// The store: a SQLite file (created when missing) or a PostgreSQL URL
    /// (postgres://USER[:PASSWORD]@HOST[:PORT]/DB). Default: $V2X_HIL_FLEET_DB,
    /// else fleet.db in the current folder.
    #[arg(long, global = true, value_name = "PATH|URL")]
    pub db: Option<String>,
    #[command(subcommand)]
    pub command: FleetCommand,
}

#[derive(Debug, clap::Subcommand)]
pub enum FleetCommand {
    /// Verify run folders as `report verify` does and index those that
    /// verify; a folder that does not is refused with the reason (exit 4).
    Add {
        /// Run folders (`run --out`, `commission --out`), each signed.
        #[arg(required = true, value_name = "DIR")]
        dirs: Vec<PathBuf>,
        /// A trusted installer public key: a file, a name in the keys
        /// folder, or a folder whose *.pub.pem files are each one. Repeat
        /// for more.
        #[arg(long = "key", required = true, value_name = "PUB|DIR")]
        keys: Vec<PathBuf>,
        /// Verifying threads (0: one per core).
        #[arg(long, default_value_t = 0)]
        jobs: usize,
    },
    /// Every site's stage, from its current run.
    Status {
        #[command(flatten)]
        view: View,
        /// One JSON document: {"stages": [...], "sites": [...]}.
        #[arg(long, conflicts_with = "csv")]
        json: bool,
        /// RFC 4180 CSV with a header row.
        #[arg(long)]
        csv: bool,
    },
    /// Write the HTML dashboard, fleet.csv and fleet.json into DIR.
    Report {
        /// The folder for index.html, fleet.csv and fleet.json (created).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// The program's flexible-capacity target, kW (e.g. 1500).
        #[arg(long, value_name = "KW")]
        target_kw: Option<f64>,
        #[command(flatten)]
        view: View,
    },
}

#[derive(Debug, clap::Args)]
pub struct View {
    /// Only this utility's sites (case ignored).
    #[arg(long)]
    pub utility: Option<String>,
    /// Only this segment: home, commercial or depot.
    #[arg(long)]
    pub segment: Option<String>,
    /// Only sites at this stage: installed, firmware_approved,
    /// settings_compliant, functional_test, backup_test, signed.
    #[arg(long, value_parser = parse_stage)]
    pub stage: Option<Stage>,
    /// Count runs on an emulated rig as field records (a program's dry
    /// run); otherwise an emulated run stops short of `signed`.
    #[arg(long)]
    pub include_emulated: bool,
}

fn parse_stage(s: &str) -> Result<Stage, String> {
    Stage::parse(s).ok_or_else(|| {
        format!(
            "not a stage; one of {}",
            Stage::ALL.map(Stage::key).join(", ")
        )
    })
}

impl View {
    fn policy(&self) -> Policy {
        Policy {
            include_emulated: self.include_emulated,
        }
    }
    fn filter(&self) -> Filter {
        Filter {
            utility: self.utility.clone(),
            segment: self.segment.clone(),
            stage: self.stage,
        }
    }
}

pub fn run(args: FleetArgs) -> ExitCode {
    let db = Db::choose(args.db.as_deref());
    let mut store = match db.open() {
        Ok(s) => s,
        Err(e) => {
            output::error(&e.to_string());
            return ExitCode::BadInput;
        }
    };
    match args.command {
        FleetCommand::Add { dirs, keys, jobs } => add(store.as_mut(), &dirs, &keys, jobs),
        FleetCommand::Status { view, json, csv } => {
            let sites = match sites(store.as_mut(), &view) {
                Ok(s) => s,
                Err(code) => return code,
            };
            if json {
                print!("{}", status::json(&sites));
            } else if csv {
                print!("{}", status::csv(&sites));
            } else if sites.is_empty() {
                println!("no site in {} matches", db.shown());
            } else {
                print!("{}", status::table(&sites));
            }
            ExitCode::Pass
        }
        FleetCommand::Report {
            out,
            target_kw,
            view,
        } => {
            let sites = match sites(store.as_mut(), &view) {
                Ok(s) => s,
                Err(code) => return code,
            };
            match dashboard::write(&out, &sites, target_kw, &db.shown()) {
                Ok(files) => {
                    for f in files {
                        println!("{}", f.display());
                    }
                    ExitCode::Pass
                }
                Err(e) => {
                    output::error(&e.to_string());
                    ExitCode::BadInput
                }
            }
        }
    }
}

fn sites(store: &mut dyn Store, view: &View) -> Result<Vec<status::SiteStatus>, ExitCode> {
    match store.sites() {
        Ok(rows) => Ok(status::select(rows, view.policy(), &view.filter())),
        Err(e) => {
            output::error(&e.to_string());
            Err(ExitCode::BadInput)
        }
    }
}

/// `--key` arguments as files or folders: a bare name that is neither is
/// looked up in the keys folder.
fn key_paths(keys: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    keys.iter()
        .map(|k| {
            if k.is_dir() {
                Ok(k.clone())
            } else {
                keystore::resolve(k, KeyHalf::Public).map_err(|e| e.to_string())
            }
        })
        .collect()
}

fn add(store: &mut dyn Store, dirs: &[PathBuf], keys: &[PathBuf], jobs: usize) -> ExitCode {
    let trusted =
        match key_paths(keys).and_then(|p| TrustedKeys::load(&p).map_err(|e| e.to_string())) {
            Ok(t) => t,
            Err(e) => {
                output::error(&e);
                return ExitCode::BadInput;
            }
        };
    let mut refused: Vec<(PathBuf, Refused)> = Vec::new();
    let (mut added, mut again) = (0usize, 0usize);
    let said = add_dirs(
        store,
        dirs,
        &trusted,
        jobs,
        |dir: &Path, o: &Outcome| match o {
            Outcome::Added { site_id, added: a } => {
                let what = match a {
                    Added::Current { superseded: None } => "its current run".to_string(),
                    Added::Current {
                        superseded: Some(old),
                    } => format!("its current run; supersedes {old} (kept)"),
                    Added::Older { current } => {
                        format!("kept; not current: {current} started later")
                    }
                    Added::AlreadyIndexed { folder } => {
                        format!("already indexed (as {folder}); nothing changed")
                    }
                };
                if matches!(a, Added::AlreadyIndexed { .. }) {
                    again += 1;
                } else {
                    added += 1;
                }
                println!("added {}: site {site_id}, {what}", dir.display());
            }
            Outcome::Refused(r) => {
                println!("REFUSED {}: {r}", dir.display());
                refused.push((dir.to_path_buf(), r.clone()));
            }
        },
    );
    if let Err(e) = said {
        output::error(&e.to_string());
        return ExitCode::BadInput;
    }
    println!(
        "{added} added, {again} already indexed, {} refused",
        refused.len()
    );
    if refused.is_empty() {
        return ExitCode::Pass;
    }
    output::error(&format!("{} folder(s) refused:", refused.len()));
    for (dir, r) in &refused {
        eprintln!("  {}: {r}", dir.display());
    }
    if refused
        .iter()
        .any(|(_, r)| matches!(r, Refused::Verify(_) | Refused::Untrusted { .. }))
    {
        ExitCode::VerificationFailed
    } else {
        ExitCode::BadInput
    }
}
