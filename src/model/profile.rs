//! Grid profiles (`test-plans/profiles/*.yaml`): the trip and enter-service
//! settings a utility requires (IEEE 1547-2018 defaults, ISO-NE SRD, …).

use super::check::{show, Checker};
use super::error::{ModelError, ModelErrors};
use super::load::{parse_doc, read_text};
use super::rig::Nominal;
use super::spans::Spans;
use super::text::one_line;
use crate::der::{EnterService, TripFunction, TripSettings};
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// A validated grid profile.
#[derive(Debug, Clone, PartialEq)]
pub struct GridProfile {
    /// `profile:` — a human name.
    pub name: String,
    /// `source:` — the document and tables the values come from.
    pub source_note: String,
    /// Optional nominal the profile was written for (not in the schema's
    /// Rust sketch; kept because the YAML allows it).
    pub nominal: Option<Nominal>,
    pub trip: TripSettings,
    pub enter_service: Option<EnterService>,
    /// Key paths (e.g. `uv2.clearing_time_s`) not confirmed against the source.
    pub unconfirmed: Vec<String>,
    pub path: PathBuf,
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename = "profile")]
struct RawProfile {
    profile: String,
    source: String,
    nominal: Option<Nominal>,
    trip: TripSettings,
    enter_service: Option<EnterService>,
    #[serde(default)]
    unconfirmed: Vec<String>,
}

/// The JSON Schema of a grid profile file ([`super::schema`]).
pub(super) fn schema(generator: schemars::SchemaGenerator) -> schemars::Schema {
    generator.into_root_schema_for::<RawProfile>()
}

const PROFILE_KEYS: &str =
    "a grid profile: a mapping with keys profile, source, nominal, trip, enter_service, unconfirmed";

/// Loads and validates a grid profile.
pub fn load_profile(path: &Path) -> Result<GridProfile, ModelErrors> {
    let text = read_text(path)?;
    parse_profile(path, &text)
}

/// Parses a profile held in memory; `source_name` names it in errors.
pub fn parse_profile(source_name: &Path, text: &str) -> Result<GridProfile, ModelErrors> {
    let (raw, spans): (RawProfile, Spans) = parse_doc(source_name, text, PROFILE_KEYS)?;
    let mut c = Checker::new(&spans);
    if raw.profile.trim().is_empty() {
        c.invalid(
            "profile",
            "the profile name is empty",
            "name it, e.g. `IEEE 1547-2018 Category II defaults`",
        );
    } else {
        one_line(&mut c, "profile", &raw.profile);
    }
    if raw.source.trim().is_empty() {
        c.invalid(
            "source",
            "the source is empty",
            "cite the document and tables the values come from",
        );
    } else {
        one_line(&mut c, "source", &raw.source);
    }
    if let Some(n) = raw.nominal {
        c.within("nominal.voltage_v", n.voltage_v, 100.0, 480.0, " V");
        if n.frequency_hz != 50.0 && n.frequency_hz != 60.0 {
            c.invalid(
                "nominal.frequency_hz",
                format!("{} Hz", show(n.frequency_hz)),
                "expected 50 or 60",
            );
        }
    }
    validate_trip(&mut c, &raw.trip, raw.nominal.map(|n| n.frequency_hz));
    if let Some(es) = raw.enter_service {
        validate_enter_service(&mut c, &es);
    }
    for (i, u) in raw.unconfirmed.iter().enumerate() {
        if !spans.contains(u) && !spans.contains(&format!("trip.{u}")) {
            c.invalid(
                &format!("unconfirmed[{i}]"),
                format!("`{u}` names no value in this profile"),
                "expected a key path written in this file, e.g. `uv2.clearing_time_s` or `enter_service.delay_s`",
            );
        }
    }
    c.finish()?;
    Ok(GridProfile {
        name: raw.profile,
        source_note: raw.source,
        nominal: raw.nominal,
        trip: raw.trip,
        enter_service: raw.enter_service,
        unconfirmed: raw.unconfirmed,
        path: source_name.to_path_buf(),
    })
}

fn key(f: TripFunction) -> String {
    format!("trip.{}", f.name().to_ascii_lowercase())
}

/// IEEE 1547-2018 §6.4.1/§6.5.1: OV pickups above 1 pu, UV below; stage 2
/// is the fast, wider stage (OV2 ≥ OV1, UV2 ≤ UV1, OF2 ≥ OF1, UF2 ≤ UF1).
fn validate_trip(c: &mut Checker, t: &TripSettings, nominal_hz: Option<f64>) {
    for f in TripFunction::ALL {
        let Some(s) = t.get(f) else { continue };
        let k = key(f);
        c.non_negative(&format!("{k}.clearing_time_s"), s.clearing_time_s);
        let pk = format!("{k}.pickup");
        if !s.pickup.is_finite() {
            c.finite(&pk, s.pickup);
            continue;
        }
        let (ok, hint) = match f {
            TripFunction::Ov1 | TripFunction::Ov2 => (
                s.pickup > 1.0 && s.pickup <= 2.0,
                "expected per-unit above 1.0 (e.g. 1.10), at most 2.0".to_string(),
            ),
            TripFunction::Uv1 | TripFunction::Uv2 => (
                s.pickup >= 0.0 && s.pickup < 1.0,
                "expected per-unit from 0 (disabled) to below 1.0 (e.g. 0.88)".to_string(),
            ),
            TripFunction::Of1 | TripFunction::Of2 => {
                let lo = nominal_hz.unwrap_or(50.0);
                (
                    s.pickup > lo && s.pickup <= 100.0,
                    format!("expected hertz above {lo} (nominal)"),
                )
            }
            TripFunction::Uf1 | TripFunction::Uf2 => {
                let hi = nominal_hz.unwrap_or(60.0);
                (
                    s.pickup > 0.0 && s.pickup < hi,
                    format!("expected hertz below {hi} (nominal)"),
                )
            }
        };
        if !ok {
            c.invalid(
                &pk,
                format!("{} pickup {} is out of range", f.name(), s.pickup),
                hint,
            );
        }
    }
    let pairs = [
        (TripFunction::Ov1, TripFunction::Ov2, true),
        (TripFunction::Uv1, TripFunction::Uv2, false),
        (TripFunction::Of1, TripFunction::Of2, true),
        (TripFunction::Uf1, TripFunction::Uf2, false),
    ];
    for (one, two, over) in pairs {
        if let (Some(a), Some(b)) = (t.get(one), t.get(two)) {
            let bad = if over {
                b.pickup < a.pickup
            } else {
                b.pickup > a.pickup
            };
            if bad {
                let rel = if over { "at or above" } else { "at or below" };
                c.invalid(
                    &format!("{}.pickup", key(two)),
                    format!(
                        "{} pickup {} is not {rel} {} pickup {}",
                        two.name(),
                        b.pickup,
                        one.name(),
                        a.pickup
                    ),
                    format!(
                        "stage 2 is the wider, faster stage: {} must be {rel} {}",
                        two.name(),
                        one.name()
                    ),
                );
            }
        }
    }
}

/// IEEE 1547-2018 §4.10.3 Table 4 ranges for the enter-service window.
fn validate_enter_service(c: &mut Checker, es: &EnterService) {
    let k = "enter_service";
    c.within(
        &format!("{k}.voltage_min_pu"),
        es.voltage_min_pu,
        0.5,
        1.0,
        " pu",
    );
    c.within(
        &format!("{k}.voltage_max_pu"),
        es.voltage_max_pu,
        1.0,
        1.5,
        " pu",
    );
    c.within(
        &format!("{k}.frequency_min_hz"),
        es.frequency_min_hz,
        40.0,
        70.0,
        " Hz",
    );
    c.within(
        &format!("{k}.frequency_max_hz"),
        es.frequency_max_hz,
        40.0,
        70.0,
        " Hz",
    );
    if es.frequency_min_hz.is_finite()
        && es.frequency_max_hz.is_finite()
        && es.frequency_min_hz >= es.frequency_max_hz
    {
        c.invalid(
            &format!("{k}.frequency_max_hz"),
            "frequency_max_hz is not above frequency_min_hz",
            "expected frequency_min_hz < frequency_max_hz",
        );
    }
    let max_delay_s = super::plan_bounds::MAX_ENTER_SERVICE_DELAY_S;
    c.within(&format!("{k}.delay_s"), es.delay_s, 0.0, max_delay_s, " s");
}

/// Resolves and loads a profile referenced from another file. A missing file
/// is an error at `key`; a broken profile adds its own located errors to
/// `nested` plus one at `key` pointing to them.
pub(crate) fn check_profile_ref(
    c: &mut Checker,
    nested: &mut Vec<ModelError>,
    key: &str,
    path: &Path,
    relative_to: &str,
) -> Option<GridProfile> {
    match load_profile(path) {
        Ok(p) => Some(p),
        Err(errs) => {
            let io = errs.0.iter().find_map(|e| match e {
                ModelError::Io { source, .. } => Some(source.to_string()),
                _ => None,
            });
            match io {
                Some(msg) => c.invalid(
                    key,
                    format!("cannot read profile {}: {msg}", path.display()),
                    format!("the path is relative to {relative_to}'s folder; profiles ship in test-plans/profiles/"),
                ),
                None => {
                    c.invalid(key, format!("profile {} is invalid", path.display()), "see the errors reported in that file");
                    nested.extend(errs.0);
                }
            }
            None
        }
    }
}
