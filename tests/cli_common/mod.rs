//! Running the built `v2x-hil` binary from the repository root, as the
//! CLI tests do.

#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Command, Output};

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `v2x-hil ARGS` in the repository root, colours off.
pub fn v2x(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_v2x-hil"))
        .args(args)
        .current_dir(root())
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

/// Asserts exit 0, showing what the binary printed when not.
pub fn ok(out: &Output) {
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
