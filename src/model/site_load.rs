//! Loading a site file and validating it; the grid profile it names is
//! loaded too (errors in the profile come back located in the profile file).

use super::check::Checker;
use super::error::{ModelError, ModelErrors};
use super::load::{parse_doc, read_text};
use super::profile::check_profile_ref;
use super::site::*;
use super::spans::Spans;
use serde::Deserialize;
use std::path::{Path, PathBuf};

const SITE_KEYS: &str =
    "a site: a mapping with keys site, charger (or chargers), ev, installer, commissioned_on";

/// Most chargers one site file lists (a large depot).
pub const MAX_CHARGERS: usize = 64;

/// Longest free-text value: the one-line limit of every file ([`super::text`]).
pub const MAX_TEXT_CHARS: usize = super::text::MAX_LINE_CHARS;

/// Longest site id (the id names the report and its files).
pub const MAX_SITE_ID_CHARS: usize = 64;

/// ISO 3779: a VIN is 17 characters.
pub const VIN_CHARS: usize = 17;

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename = "site_file")]
struct RawSite {
    site: RawInstallation,
    charger: Option<ChargerUnit>,
    chargers: Option<Vec<ChargerUnit>>,
    ev: Vehicle,
    installer: Installer,
    /// Read as text so a bad date is a collected, located semantic error.
    #[schemars(
        with = "Option<super::site::IsoDate>",
        description = "The day the installation was commissioned, YYYY-MM-DD."
    )]
    commissioned_on: Option<String>,
}

/// The JSON Schema of a site file ([`super::schema`]).
pub(super) fn schema(generator: schemars::SchemaGenerator) -> schemars::Schema {
    generator.into_root_schema_for::<RawSite>()
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename = "site")]
struct RawInstallation {
    id: String,
    address: String,
    utility: String,
    program: Option<String>,
    grid_profile: PathBuf,
    segment: Option<Segment>,
    export_limit_w: Option<f64>,
    firmware_catalog: Option<PathBuf>,
}

/// Loads a site file and the grid profile it names (path relative to the
/// site file), validating both.
pub fn load_site(path: &Path) -> Result<Site, ModelErrors> {
    let text = read_text(path)?;
    parse_site(path, &text)
}

/// Like [`load_site`] for text in memory; `site.grid_profile` resolves
/// relative to `source_name`'s folder.
pub fn parse_site(source_name: &Path, text: &str) -> Result<Site, ModelErrors> {
    let (raw, spans): (RawSite, Spans) = parse_doc(source_name, text, SITE_KEYS)?;
    let base = source_name.parent().unwrap_or(Path::new(""));
    let mut c = Checker::new(&spans);
    let mut nested: Vec<ModelError> = Vec::new();

    check_site_id(&mut c, "site.id", &raw.site.id);
    text_field(&mut c, "site.address", &raw.site.address);
    text_field(&mut c, "site.utility", &raw.site.utility);
    if let Some(p) = &raw.site.program {
        text_field(&mut c, "site.program", p);
    }
    if let Some(w) = raw.site.export_limit_w {
        // Up to 10 MW: a large depot's interconnection.
        c.within("site.export_limit_w", w, 1.0, 10_000_000.0, " W");
    }
    let profile_path = base.join(&raw.site.grid_profile);
    let written = raw.site.grid_profile.to_string_lossy();
    let profile = if written.trim().is_empty() || is_yaml_null(&written) {
        c.invalid(
            "site.grid_profile",
            "no grid profile path",
            "give the profile file relative to the site file, e.g. ../test-plans/profiles/iso-ne-srd.yaml",
        );
        None
    } else {
        check_profile_ref(
            &mut c,
            &mut nested,
            "site.grid_profile",
            &profile_path,
            "the site file",
        )
    };

    let catalog = raw.site.firmware_catalog.as_ref().and_then(|p| {
        let written = p.to_string_lossy();
        if written.trim().is_empty() || is_yaml_null(&written) {
            c.invalid(
                "site.firmware_catalog",
                "no firmware catalog path",
                "give the program's catalog relative to the site file, e.g. ../programs/ma-v2x-pilot-2026/firmware.yaml, or leave the key out",
            );
            return None;
        }
        super::catalog_load::check_catalog_ref(
            &mut c,
            &mut nested,
            "site.firmware_catalog",
            &base.join(p),
        )
    });
    let units = check_chargers(&mut c, raw.charger, raw.chargers);
    for (k, v) in [
        ("ev.make", &raw.ev.make),
        ("ev.model", &raw.ev.model),
        ("installer.name", &raw.installer.name),
        ("installer.company", &raw.installer.company),
    ] {
        text_field(&mut c, k, v);
    }
    if let Some(l) = &raw.installer.licence {
        text_field(&mut c, "installer.licence", l);
    }
    if let Some(vin) = &raw.ev.vin {
        check_vin(&mut c, "ev.vin", vin);
    }
    let commissioned_on = raw
        .commissioned_on
        .as_deref()
        .and_then(|d| match IsoDate::parse(d) {
            Ok(date) => Some(date),
            Err(e) => {
                c.invalid(
                    "commissioned_on",
                    e.to_string(),
                    "expected an ISO 8601 calendar date YYYY-MM-DD, e.g. 2026-11-26",
                );
                None
            }
        });

    c.errors.extend(nested);
    c.finish()?;
    let Some(profile) = profile else {
        // Unreachable in practice: a profile that did not load added an error.
        return Err(ModelError::Invalid {
            at: spans.location("site.grid_profile"),
            key_path: "site.grid_profile".into(),
            message: "the grid profile did not load".into(),
            hint: "see the errors above".into(),
        }
        .into());
    };
    Ok(Site {
        site: Installation {
            id: raw.site.id,
            address: raw.site.address,
            utility: raw.site.utility,
            program: raw.site.program,
            grid_profile: ProfileRef {
                name: profile.name.clone(),
                path: profile_path,
            },
            segment: raw.site.segment,
            export_limit_w: raw.site.export_limit_w,
            firmware_catalog: catalog.as_ref().map(|c| c.reference()),
        },
        charger: units.first().cloned().unwrap_or(ChargerUnit {
            make: String::new(),
            model: String::new(),
            serial: String::new(),
            device: None,
        }),
        chargers: if units.len() > 1 { units } else { Vec::new() },
        ev: raw.ev,
        installer: raw.installer,
        commissioned_on,
        catalog,
        profile: Some(profile),
    })
}

/// `charger:` (one) or `chargers:` (several, each naming its rig device,
/// serials and devices unique); every text one line.
fn check_chargers(
    c: &mut Checker,
    one: Option<ChargerUnit>,
    several: Option<Vec<ChargerUnit>>,
) -> Vec<ChargerUnit> {
    let (units, key) = match (one, several) {
        (Some(u), None) => (vec![u], None),
        (None, Some(list)) => (list, Some("chargers")),
        (Some(_), Some(_)) => {
            c.invalid(
                "chargers",
                "both `charger` and `chargers`",
                "one charger: `charger:`; several behind one service: `chargers:` (a list)",
            );
            return Vec::new();
        }
        (None, None) => {
            c.invalid(
                "charger",
                "the site names no charger",
                "add `charger: { make, model, serial }` (or `chargers:` for several)",
            );
            return Vec::new();
        }
    };
    if key.is_some() && (units.is_empty() || units.len() > MAX_CHARGERS) {
        c.invalid(
            "chargers",
            format!("{} chargers", units.len()),
            format!("list 1 to {MAX_CHARGERS} chargers"),
        );
    }
    let mut serials = std::collections::BTreeSet::new();
    let mut devices = std::collections::BTreeSet::new();
    for (i, u) in units.iter().enumerate() {
        let at = match key {
            Some(k) => format!("{k}[{i}]"),
            None => "charger".to_string(),
        };
        text_field(c, &format!("{at}.make"), &u.make);
        text_field(c, &format!("{at}.model"), &u.model);
        if text_field(c, &format!("{at}.serial"), &u.serial) && !serials.insert(u.serial.trim()) {
            c.invalid(
                &format!("{at}.serial"),
                format!("serial {} is listed twice", u.serial),
                "each charger has its own serial",
            );
        }
        match (&u.device, units.len() > 1) {
            (Some(d), _) => {
                if text_field(c, &format!("{at}.device"), d) && !devices.insert(d.trim()) {
                    c.invalid(
                        &format!("{at}.device"),
                        format!("device `{d}` is named twice"),
                        "each charger is its own device of the site's rig",
                    );
                }
            }
            (None, true) => c.invalid(
                &at,
                "which rig device reaches this charger?",
                "with several chargers, give each `device:` (its name in the site's rig file)",
            ),
            (None, false) => {}
        }
    }
    units
}

/// serde_yaml hands a plain `~` or `null` to a `String` field as that text;
/// for a required value it means the value was left out.
fn is_yaml_null(value: &str) -> bool {
    matches!(value, "~" | "null" | "Null" | "NULL")
}

/// Free text printed in the report: one line, not blank, bounded.
fn text_field(c: &mut Checker, key: &str, value: &str) -> bool {
    if value.trim().is_empty() || is_yaml_null(value) {
        c.invalid(
            key,
            "the value is empty",
            format!("expected one line of text, 1 to {MAX_TEXT_CHARS} characters"),
        );
        false
    } else {
        super::text::one_line(c, key, value)
    }
}

/// `[A-Za-z0-9._-]{1,64}`, starting with a letter or digit: the id names the
/// report and its files, so it must be safe as a file name (no `..`, no
/// leading `-` that reads as a command-line option).
fn check_site_id(c: &mut Checker, key: &str, id: &str) {
    let hint = format!(
        "expected 1 to {MAX_SITE_ID_CHARS} of A-Z a-z 0-9 . _ -, starting with a letter or digit, e.g. NE-V2X-0042"
    );
    let n = id.chars().count();
    if id.is_empty() || is_yaml_null(id) {
        c.invalid(key, "the site id is empty", hint);
    } else if n > MAX_SITE_ID_CHARS {
        c.invalid(key, format!("the site id has {n} characters"), hint);
    } else if let Some((i, ch)) = id
        .chars()
        .enumerate()
        .find(|&(_, ch)| !(ch.is_ascii_alphanumeric() || matches!(ch, '.' | '_' | '-')))
    {
        c.invalid(
            key,
            format!("character {ch:?} at position {} is not allowed", i + 1),
            hint,
        );
    } else if !id.starts_with(|ch: char| ch.is_ascii_alphanumeric()) {
        c.invalid(
            key,
            format!("the site id `{id}` starts with a punctuation mark"),
            hint,
        );
    }
}

/// ISO 3779 VIN: 17 characters, digits and capital Latin letters except I,
/// O and Q (they read as 1 and 0). The position-9 check digit is NOT
/// checked: it is a North American rule (49 CFR 565.15(c)), and VINs of
/// vehicles built for other markets legitimately fail it.
fn check_vin(c: &mut Checker, key: &str, vin: &str) {
    const HINT: &str =
        "ISO 3779: 17 characters, digits 0-9 and capital letters A-Z except I, O and Q";
    let n = vin.chars().count();
    if n != VIN_CHARS {
        c.invalid(
            key,
            format!("the VIN `{vin}` has {n} characters, not {VIN_CHARS}"),
            HINT,
        );
        return;
    }
    for (i, ch) in vin.chars().enumerate() {
        let pos = i + 1;
        let upper = ch.to_ascii_uppercase();
        if !upper.is_ascii_alphanumeric() {
            c.invalid(
                key,
                format!("character {ch:?} at position {pos} is not allowed in a VIN"),
                HINT,
            );
            return;
        }
        if matches!(upper, 'I' | 'O' | 'Q') {
            let digit = if upper == 'I' { '1' } else { '0' };
            c.invalid(
                key,
                format!("`{ch}` at position {pos} is not used in VINs"),
                format!("{HINT}; probably the digit {digit}"),
            );
            return;
        }
    }
    if vin.chars().any(|ch| ch.is_ascii_lowercase()) {
        c.invalid(
            key,
            format!("the VIN `{vin}` has lower-case letters"),
            format!("write it in capitals: {}", vin.to_ascii_uppercase()),
        );
    }
}

#[cfg(test)]
#[path = "site_tests.rs"]
mod tests;
