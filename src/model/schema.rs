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

/// The kind's JSON Schema (draft-07: what yaml-language-server and most
/// validators read), as pretty JSON with a final newline.
pub fn json_schema(kind: FileKind) -> String {
    let generator = SchemaSettings::draft07().into_generator();
    let (mut schema, title) = match kind {
        FileKind::Rig => (super::rig_load::schema(generator), "v2x-hil rig"),
        FileKind::Plan => (super::plan_load::schema(generator), "v2x-hil test plan"),
        FileKind::Site => (super::site_load::schema(generator), "v2x-hil site file"),
        FileKind::Profile => (super::profile::schema(generator), "v2x-hil grid profile"),
        FileKind::Catalog => (
            super::catalog_load::schema(generator),
            "v2x-hil firmware catalog",
        ),
    };
    schema.insert("title".into(), title.into());
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}
