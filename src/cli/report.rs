//! `v2x-hil report sign DIR --key KEY` and `report verify DIR --key PUB`.

use super::{output, ExitCode};
use crate::report::sign::{sign_dir, verify_dir, SignError};
use std::path::Path;

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
                "{}: signature, {} file digest(s){} verified",
                dir.display(),
                v.subjects,
                v.journal_records
                    .map(|n| format!(" and the journal's chain of {n} record(s)"))
                    .unwrap_or_default()
            );
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
