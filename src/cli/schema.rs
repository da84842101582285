//! `v2x-hil schema rig|plan|site|profile|catalog`: the JSON Schema of a file
//! kind, for editors (yaml-language-server) and validators.

use super::ExitCode;
use crate::model::schema::{json_schema, FileKind};
use clap::ValueEnum;

/// The file kinds, as the command line spells them.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum SchemaKind {
    /// A rig file (rigs/*.yaml).
    Rig,
    /// A test plan (test-plans/*.yaml).
    Plan,
    /// A site file (sites/*.yaml).
    Site,
    /// A grid profile (test-plans/profiles/*.yaml).
    Profile,
    /// A program's firmware catalog (programs/*/firmware.yaml).
    Catalog,
}

impl From<SchemaKind> for FileKind {
    fn from(kind: SchemaKind) -> Self {
        match kind {
            SchemaKind::Rig => FileKind::Rig,
            SchemaKind::Plan => FileKind::Plan,
            SchemaKind::Site => FileKind::Site,
            SchemaKind::Profile => FileKind::Profile,
            SchemaKind::Catalog => FileKind::Catalog,
        }
    }
}

pub fn run(kind: SchemaKind) -> ExitCode {
    use std::io::Write;
    let _ = std::io::stdout().write_all(json_schema(kind.into()).as_bytes());
    ExitCode::Pass
}
