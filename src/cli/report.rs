//! `v2x-hil report build DIR`, `report sign DIR --key KEY` and
//! `report verify DIR --key PUB`.

use super::{output, ExitCode};
use crate::evidence::journal::JournalError;
use crate::report::build::{build_dir, ReportError};
use crate::report::model::Status;
use crate::report::sign::{sign_dir, verify_dir, SignError};
use std::path::Path;

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
    match sign_dir(dir, key) {
        Ok(path) => {
            println!("signed {}", path.display());
            ExitCode::Pass
        }
        Err(e) => {
            output::error(&e.to_string());
            ExitCode::BadInput
        }
    }
}

pub fn verify(dir: &Path, public_key: &Path) -> ExitCode {
    let pem = match std::fs::read(public_key) {
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
                    " and report.json against the journal"
                } else {
                    ""
                }
            );
            // What was verified is what the report says: say it, so an
            // incomplete or failed run is not mistaken for a good one.
            let report = std::fs::read(dir.join(crate::report::build::REPORT_JSON))
                .ok()
                .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok());
            if let Some(r) = report {
                let status = r["status"].as_str().unwrap_or("?");
                let why = match status {
                    "aborted" => r["aborted"].as_str(),
                    _ => r["incomplete_reason"].as_str(),
                };
                println!(
                    "the report says: {status}, verdict {}{}",
                    r["verdict"].as_str().unwrap_or("?"),
                    why.map(|w| format!(" ({w})")).unwrap_or_default()
                );
            }
            ExitCode::Pass
        }
        Err(SignError::Verify(what)) => {
            output::error(&what);
            ExitCode::VerificationFailed
        }
        Err(e) => {
            output::error(&e.to_string());
            ExitCode::BadInput
        }
    }
}
