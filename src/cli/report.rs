//! `v2x-hil report build DIR`, `report sign DIR --key KEY` and
//! `report verify DIR --key PUB`.

use super::{output, ExitCode};
use crate::evidence::journal::JournalError;
use crate::report::build::{build_dir, ReportError};
use crate::report::keystore::{self, KeyHalf};
use crate::report::model::Status;
use crate::report::sign::{sign_dir, verify_dir, SignError};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// A `--key` argument as a file: the path, or a bare name in the keys folder.
fn key_file(name: &Path, half: KeyHalf) -> Result<PathBuf, ExitCode> {
    keystore::resolve(name, half).map_err(|e| {
        output::error(&e.to_string());
        ExitCode::BadInput
    })
}

/// Exit 0 when the report was written (complete or not: an incomplete
/// report is still the right report for that journal), 4 when the journal's
/// chain or a file it binds does not hold, 2 when there is no journal.
pub fn build(dir: &Path) -> ExitCode {
    match build_dir(dir) {
        Ok(built) => {
            let r = &built.report;
            let status = match r.status {
                Status::Complete => "complete".to_string(),
                Status::Aborted => format!("ABORTED: {}", r.aborted.as_deref().unwrap_or("")),
                Status::Incomplete => format!(
                    "INCOMPLETE: {}",
                    r.incomplete_reason.as_deref().unwrap_or("")
                ),
            };
            println!(
                "{}: {} test(s), verdict {}, {status}\n  {}\n  {}\n  {}",
                dir.display(),
                r.tests.len(),
                r.verdict.as_str(),
                built.json.display(),
                built.html.display(),
                built.junit.display()
            );
            ExitCode::Pass
        }
        Err(
            e @ (ReportError::Journal(JournalError::Broken { .. }) | ReportError::Evidence { .. }),
        ) => {
            output::error(&e.to_string());
            ExitCode::VerificationFailed
        }
        Err(e) => {
            output::error(&e.to_string());
            ExitCode::BadInput
        }
    }
}

pub fn sign(dir: &Path, key: &Path) -> ExitCode {
    let key = match key_file(key, KeyHalf::Private) {
        Ok(k) => k,
        Err(code) => return code,
    };
    match sign_dir(dir, &key) {
        Ok(path) => {
            println!("signed {}", path.display());
            if crate::report::sign::named_signer(dir).is_none() {
                println!(
                    "note: the report names no signer (its run had no --sign-key), so report.html does not show this key's id; report verify prints it"
                );
            }
            ExitCode::Pass
        }
        Err(e) => {
            output::error(&e.to_string());
            ExitCode::BadInput
        }
    }
}

pub fn verify(dir: &Path, public_key: &Path) -> ExitCode {
    let public_key = match key_file(public_key, KeyHalf::Public) {
        Ok(k) => k,
        Err(code) => return code,
    };
    let pem = match std::fs::read(&public_key) {
        Ok(p) => p,
        Err(e) => {
            output::error(&format!("{}: {e}", public_key.display()));
            return ExitCode::BadInput;
        }
    };
    match verify_dir(dir, &pem) {
        Ok(v) => {
            println!(
                "{}: signature, {} file digest(s){}{} verified",
                dir.display(),
                v.subjects,
                v.journal_records
                    .map(|n| format!(", the journal's chain of {n} record(s)"))
                    .unwrap_or_default(),
                if v.report_rebuilt {
                    " and the report files against the journal"
                } else {
                    ""
                }
            );
            println!("signed by key id {} ({})", v.keyid, public_key.display());
            // What was verified is what the report says: say it, so an
            // incomplete, failed or emulated run is not mistaken for a good
            // field record.
            let report = std::fs::read(dir.join(crate::report::build::REPORT_JSON))
                .ok()
                .and_then(|b| serde_json::from_slice::<Value>(&b).ok());
            if let Some(r) = report {
                say_what_the_report_says(&r);
            }
            ExitCode::Pass
        }
        Err(SignError::Verify(what)) => {
            output::error(&what);
            ExitCode::VerificationFailed
        }
        Err(e @ SignError::WrongKey { .. }) => {
            output::error(&format!("{e} ({})", public_key.display()));
            ExitCode::VerificationFailed
        }
        Err(e) => {
            output::error(&e.to_string());
            ExitCode::BadInput
        }
    }
}

fn say_what_the_report_says(r: &Value) {
    let status = r["status"].as_str().unwrap_or("?");
    let why = match status {
        "aborted" => r["aborted"].as_str(),
        _ => r["incomplete_reason"]
            .as_str()
            .or(r["verdict_reason"].as_str()),
    };
    println!(
        "the report says: {status}, verdict {}{}",
        r["verdict"].as_str().unwrap_or("?"),
        why.map(|w| format!(" ({w})")).unwrap_or_default()
    );
    if r["rig_kind"] == "emulated" {
        println!(
            "the run was on an EMULATED rig (simulated time): a test record, not a field record of an installation"
        );
    }
    if let Some(c) = r.get("compliance").filter(|c| c.is_object()) {
        if c["holds"] == true {
            println!("site compliance holds: serial and grid-profile settings match the site file");
        } else {
            let reasons: Vec<&str> = c["reasons"]
                .as_array()
                .map(|a| a.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            println!("site compliance does NOT hold: {}", reasons.join("; "));
        }
    }
}
