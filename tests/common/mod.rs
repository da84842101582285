//! How a test skips when an outside tool or hardware is missing (issue 15).
//!
//! Interop tests run real third-party tools (python-can, pysunspec2,
//! junitparser, html5lib, the Python `ocpp` package, check-jsonschema,
//! yaml-language-server on node, tshark, OpenSSL,
//! binutils' objcopy, coreutils' sha256sum). Where one is missing the test
//! skips through [`skip`], which
//! - appends a line to the file named by `V2X_HIL_SKIP_LOG` (`.ci/run` sets
//!   it, empties it first and prints it at the end), and
//! - under `CI=true` panics instead: CI installs every tool, so a missing
//!   one is a failure, not a pass.
//!
//! [`expected_skip`] is for what no machine of this project has and no
//! install brings (a `vcan0` interface, whose kernel module is missing; a
//! debug probe on USB): recorded as expected, never a failure.
#![allow(dead_code)] // each test file uses a part

use std::io::Write;
use std::process::{Command, Output};

/// Whether CI asked for every tool (`CI=true`, as CI and GitHub set it).
pub fn required() -> bool {
    std::env::var("CI").is_ok_and(|v| v.eq_ignore_ascii_case("true") || v == "1")
}

fn record(kind: &str, test: &str, why: &str) {
    let line = format!(
        "{kind}\t{}::{test}\t{}\n",
        env!("CARGO_CRATE_NAME"),
        why.replace(['\n', '\t'], " ")
    );
    if let Ok(path) = std::env::var("V2X_HIL_SKIP_LOG") {
        // One write of one short line with O_APPEND: lines from tests
        // running in parallel do not interleave.
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .unwrap_or_else(|e| panic!("V2X_HIL_SKIP_LOG={path}: {e}"));
        f.write_all(line.as_bytes())
            .unwrap_or_else(|e| panic!("V2X_HIL_SKIP_LOG={path}: {e}"));
    }
}

/// `test` cannot run here because `why`: recorded, and under `CI=true` a
/// failure.
#[track_caller]
pub fn skip(test: &str, why: &str) {
    record("SKIPPED", test, why);
    if required() {
        panic!("{test}: {why}; CI=true requires it (.ci/run installs it)");
    }
    println!("SKIPPED {test}: {why}");
    eprintln!("SKIPPED {test}: {why}");
}

/// `test` needs what no machine of this project has (hardware, a kernel
/// module): recorded as an expected skip, never a failure.
pub fn expected_skip(test: &str, why: &str) {
    record("EXPECTED", test, why);
    println!("SKIPPED (expected) {test}: {why}");
    eprintln!("SKIPPED (expected) {test}: {why}");
}

/// Runs `cmd`. `None`, after [`skip`], when its program is not installed;
/// a program that exists but cannot be started fails the test.
#[track_caller]
pub fn run_tool(test: &str, cmd: &mut Command) -> Option<Output> {
    let program = cmd.get_program().to_string_lossy().into_owned();
    match cmd.output() {
        Ok(out) => Some(out),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            skip(test, &format!("{program} is not installed ({e})"));
            None
        }
        Err(e) => panic!("{test}: {program} could not be run: {e}"),
    }
}

/// Whether `program --version` (or the given arguments) runs and succeeds;
/// [`skip`]s otherwise.
#[track_caller]
pub fn tool(test: &str, program: &str, args: &[&str]) -> bool {
    let Some(out) = run_tool(test, Command::new(program).args(args)) else {
        return false;
    };
    if !out.status.success() {
        skip(
            test,
            &format!(
                "`{program} {}` failed ({}): {}",
                args.join(" "),
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            ),
        );
        return false;
    }
    true
}

/// Whether tshark is here to read a capture.
#[track_caller]
pub fn tshark(test: &str) -> bool {
    tool(test, "tshark", &["--version"])
}

/// The Python to run (`$PYTHON`, else `python3`) if it imports every one of
/// `modules`; `None` after [`skip`] otherwise.
#[track_caller]
pub fn python(test: &str, modules: &[&str]) -> Option<String> {
    let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".to_string());
    let import = format!("import {}", modules.join(", "));
    let out = run_tool(test, Command::new(&python).args(["-c", &import]))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        skip(
            test,
            &format!(
                "`{import}` fails for {python} (.ci/run installs .ci/python-requirements.txt): {}",
                err.trim().lines().last().unwrap_or("")
            ),
        );
        return None;
    }
    Some(python)
}
