//! JSON Schema of the files a user writes, derived (schemars) from the same
//! `Raw*` types the loaders deserialize, so the schema cannot drift from
//! what `v2x-hil` reads. Editors take it through the yaml-language-server
//! modeline the shipped files carry:
//!
//! ```yaml
//! # yaml-language-server: $schema=../schemas/rig.schema.json
//! ```
//!
//! The schema checks shape (keys, types, enumerations); what needs more than
//! one key or another file (device roles, limits, profiles) is checked by
//! `plan check` / `rig check` / `site check` with located errors.

use schemars::generate::SchemaSettings;

/// A kind of file `v2x-hil` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Rig,
    Plan,
    Site,
    Profile,
    Catalog,
}

impl FileKind {
    pub const ALL: [FileKind; 5] = [
        FileKind::Rig,
        FileKind::Plan,
        FileKind::Site,
        FileKind::Profile,
        FileKind::Catalog,
    ];

    /// The word the CLI takes and the schema file's stem (`schemas/rig.schema.json`).
    pub fn name(self) -> &'static str {
        match self {
            FileKind::Rig => "rig",
            FileKind::Plan => "plan",
            FileKind::Site => "site",
            FileKind::Profile => "profile",
            FileKind::Catalog => "catalog",
        }
    }

    fn title(self) -> &'static str {
        match self {
            FileKind::Rig => "v2x-hil rig",
            FileKind::Plan => "v2x-hil test plan",
            FileKind::Site => "v2x-hil site file",
            FileKind::Profile => "v2x-hil grid profile",
            FileKind::Catalog => "v2x-hil firmware catalog",
        }
    }
}

/// The kind's JSON Schema (draft-07: what yaml-language-server and most
/// validators read), as pretty JSON with a final newline.
pub fn json_schema(kind: FileKind) -> String {
    let generator = SchemaSettings::draft07().into_generator();
    let mut schema = match kind {
        FileKind::Rig => super::rig_load::schema(generator),
        FileKind::Plan => super::plan_load::schema(generator),
        FileKind::Site => super::site_load::schema(generator),
        FileKind::Profile => super::profile::schema(generator),
        FileKind::Catalog => super::catalog_load::schema(generator),
    };
    schema.insert("title".into(), kind.title().into());
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}
