//! Loading a program's firmware catalog and validating it, every error
//! located in the catalog file; and the site file's reference to it.

use super::catalog::{ApprovedImage, ApprovedModel, FirmwareCatalog};
use super::check::Checker;
use super::error::{ModelError, ModelErrors};
use super::load::{parse_doc, read_text};
use super::spans::Spans;
use super::text::one_line;
use crate::firmware::version::DottedVersion;
use serde::Deserialize;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

const CATALOG_KEYS: &str = "a firmware catalog: a mapping with keys catalog, chargers";

/// Most charger models one catalog lists (a program's whole approved list).
pub const MAX_CATALOG_MODELS: usize = 256;
/// Most approved images per model.
pub const MAX_APPROVED_IMAGES: usize = 64;
/// A SHA-256 digest in hex.
const SHA256_HEX_CHARS: usize = 64;

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename = "firmware_catalog")]
struct RawCatalog {
    catalog: String,
    chargers: Vec<RawModel>,
}

/// The JSON Schema of a firmware catalog file ([`super::schema`]).
pub(super) fn schema(generator: schemars::SchemaGenerator) -> schemars::Schema {
    generator.into_root_schema_for::<RawCatalog>()
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename = "catalog_charger")]
struct RawModel {
    make: String,
    model: String,
    minimum_version: String,
    approved: Vec<RawImage>,
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename = "approved_image")]
struct RawImage {
    version: String,
    image: PathBuf,
    sha256: String,
}

/// Loads a firmware catalog; image paths resolve relative to its folder.
pub fn load_catalog(path: &Path) -> Result<FirmwareCatalog, ModelErrors> {
    let text = read_text(path)?;
    parse_catalog(path, &text)
}

/// Like [`load_catalog`] for text in memory.
pub fn parse_catalog(source_name: &Path, text: &str) -> Result<FirmwareCatalog, ModelErrors> {
    let (raw, spans): (RawCatalog, Spans) = parse_doc(source_name, text, CATALOG_KEYS)?;
    let base = source_name.parent().unwrap_or(Path::new(""));
    let mut c = Checker::new(&spans);
    text_field(&mut c, "catalog", &raw.catalog);
    if raw.chargers.is_empty() || raw.chargers.len() > MAX_CATALOG_MODELS {
        c.invalid(
            "chargers",
            format!("{} charger models", raw.chargers.len()),
            format!("list 1 to {MAX_CATALOG_MODELS} models, each with make, model, minimum_version, approved"),
        );
    }
    let mut seen = BTreeSet::new();
    let mut models = Vec::new();
    for (i, m) in raw.chargers.into_iter().enumerate() {
        let k = format!("chargers[{i}]");
        let named = text_field(&mut c, &format!("{k}.make"), &m.make)
            & text_field(&mut c, &format!("{k}.model"), &m.model);
        let key = (
            m.make.trim().to_ascii_lowercase(),
            m.model.trim().to_ascii_lowercase(),
        );
        if named && !seen.insert(key) {
            c.invalid(
                &format!("{k}.model"),
                format!("{} {} is listed twice", m.make, m.model),
                "one entry per make and model, with all its approved images",
            );
        }
        if let Some(model) = check_model(&mut c, base, &k, m) {
            models.push(model);
        }
    }
    c.finish()?;
    Ok(FirmwareCatalog {
        name: raw.catalog,
        source: source_name.to_path_buf(),
        models,
    })
}

/// One model's minimum and images; `None` when any of it is wrong (the
/// errors are in `c`).
fn check_model(c: &mut Checker, base: &Path, k: &str, m: RawModel) -> Option<ApprovedModel> {
    let minimum = version(c, &format!("{k}.minimum_version"), &m.minimum_version);
    if m.approved.is_empty() || m.approved.len() > MAX_APPROVED_IMAGES {
        c.invalid(
            &format!("{k}.approved"),
            format!("{} approved images", m.approved.len()),
            format!("list 1 to {MAX_APPROVED_IMAGES} images, each with version, image, sha256"),
        );
    }
    let mut images = Vec::new();
    let mut all_ok = minimum.is_some();
    for (j, raw) in m.approved.into_iter().enumerate() {
        let ik = format!("{k}.approved[{j}]");
        match check_image(c, base, &ik, raw) {
            Some(image) => {
                if images
                    .iter()
                    .any(|i: &ApprovedImage| i.version == image.version)
                {
                    c.invalid(
                        &format!("{ik}.version"),
                        format!("version {} is listed twice", image.version),
                        "one image per approved version",
                    );
                    all_ok = false;
                }
                images.push(image);
            }
            None => all_ok = false,
        }
    }
    let minimum = minimum?;
    if all_ok && !images.is_empty() && !images.iter().any(|i| i.version == minimum) {
        let listed: Vec<String> = images.iter().map(|i| i.version.to_string()).collect();
        c.invalid(
            &format!("{k}.minimum_version"),
            format!(
                "the minimum {minimum} is none of the approved versions ({})",
                listed.join(", ")
            ),
            "the minimum must be an approved version with its image, so that a charger below it can be brought up to it",
        );
        return None;
    }
    all_ok.then_some(ApprovedModel {
        make: m.make,
        model: m.model,
        minimum_version: minimum,
        approved: images,
    })
}

fn check_image(c: &mut Checker, base: &Path, ik: &str, raw: RawImage) -> Option<ApprovedImage> {
    let version = version(c, &format!("{ik}.version"), &raw.version);
    let sha256 = digest(c, &format!("{ik}.sha256"), &raw.sha256);
    let written = raw.image.to_string_lossy();
    let image = if written.trim().is_empty() {
        c.invalid(
            &format!("{ik}.image"),
            "no image file",
            "give the image file relative to the catalog file",
        );
        None
    } else {
        let path = base.join(&raw.image);
        if path.is_file() {
            Some(path)
        } else {
            c.invalid(
                &format!("{ik}.image"),
                format!("no image file {}", path.display()),
                "give the image file (ELF or Intel HEX) relative to the catalog file",
            );
            None
        }
    };
    Some(ApprovedImage {
        version: version?,
        image: image?,
        sha256: sha256?,
        at: c.spans.location(ik),
    })
}

fn version(c: &mut Checker, key: &str, text: &str) -> Option<DottedVersion> {
    match DottedVersion::parse(text) {
        Ok(v) => Some(v),
        Err(e) => {
            c.invalid(
                key,
                e.to_string(),
                "write it as the charger reports it: numbers and dots, e.g. 1.1.0",
            );
            None
        }
    }
}

/// 64 hex digits; kept lower case.
fn digest(c: &mut Checker, key: &str, text: &str) -> Option<String> {
    let t = text.trim();
    let n = t.chars().count();
    let hint = "64 hex digits: the image file's SHA-256, as `sha256sum IMAGE` prints it";
    if n != SHA256_HEX_CHARS {
        c.invalid(key, format!("{n} characters, not {SHA256_HEX_CHARS}"), hint);
        None
    } else if let Some((pos, ch)) = t
        .chars()
        .enumerate()
        .find(|(_, ch)| !ch.is_ascii_hexdigit())
    {
        c.invalid(
            key,
            format!("{ch:?} at position {} is not a hex digit", pos + 1),
            hint,
        );
        None
    } else {
        Some(t.to_ascii_lowercase())
    }
}

/// One line, not blank.
fn text_field(c: &mut Checker, key: &str, value: &str) -> bool {
    if value.trim().is_empty() {
        c.invalid(
            key,
            "the value is empty",
            format!(
                "expected one line of text, 1 to {} characters",
                super::text::MAX_LINE_CHARS
            ),
        );
        false
    } else {
        one_line(c, key, value)
    }
}

/// Loads the catalog a site file names at `key`: its own errors are kept
/// (located in the catalog file) and the site's key says to look there.
pub(crate) fn check_catalog_ref(
    c: &mut Checker,
    nested: &mut Vec<ModelError>,
    key: &str,
    path: &Path,
) -> Option<FirmwareCatalog> {
    match load_catalog(path) {
        Ok(catalog) => Some(catalog),
        Err(errs) => {
            let io = errs.0.iter().find_map(|e| match e {
                ModelError::Io { source, .. } => Some(source.to_string()),
                _ => None,
            });
            match io {
                Some(msg) => c.invalid(
                    key,
                    format!("cannot read the firmware catalog {}: {msg}", path.display()),
                    "the path is relative to the site file's folder, e.g. ../programs/ma-v2x-pilot-2026/firmware.yaml",
                ),
                None => {
                    c.invalid(
                        key,
                        format!("firmware catalog {} is invalid", path.display()),
                        "see the errors reported in that file",
                    );
                    nested.extend(errs.0);
                }
            }
            None
        }
    }
}

#[cfg(test)]
#[path = "catalog_tests.rs"]
mod tests;
