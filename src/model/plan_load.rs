//! Loading a plan and validating what the plan alone can tell.

use super::check::Checker;
use super::error::{ModelError, ModelErrors};
use super::load::{parse_doc, read_text};
use super::plan::*;
use super::plan_bounds;
use super::plan_steps::validate_step;
use super::profile::{check_profile_ref, GridProfile};
use super::spans::Spans;
use super::text::one_line;
use serde::Deserialize;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

const PLAN_KEYS: &str = "a plan: a mapping with keys plan, description, tests";

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename = "plan")]
struct RawPlan {
    plan: String,
    description: Option<String>,
    tests: Vec<RawTest>,
}

/// The JSON Schema of a plan file ([`super::schema`]).
pub(super) fn schema(generator: schemars::SchemaGenerator) -> schemars::Schema {
    generator.into_root_schema_for::<RawPlan>()
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename = "test")]
struct RawTest {
    name: String,
    clause: Option<String>,
    #[serde(default)]
    expect_abort: bool,
    steps: Vec<RawStep>,
}

/// A step is a single-key mapping; serde_yaml 0.9 reads externally tagged
/// enums only from YAML tags, so the step kinds are optional fields and
/// validation checks exactly one is present.
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename = "step")]
#[schemars(
    description = "One step: a mapping with exactly one key, the step's kind, e.g. `- wait: { s: 2 }`.",
    extend("minProperties" = 1, "maxProperties" = 1)
)]
struct RawStep {
    set: Option<SetStep>,
    ramp: Option<RampStep>,
    wait: Option<WaitStep>,
    write_settings: Option<RawWriteSettings>,
    read_settings: Option<RawReadSettings>,
    balance_load: Option<BalanceLoadStep>,
    island: Option<IslandStep>,
    trip: Option<TripStep>,
    close: Option<SwitchStep>,
    open: Option<SwitchStep>,
    expect: Option<ExpectStep>,
    ev: Option<EvStep>,
    ev_limits: Option<EvLimitsStep>,
    flash: Option<RawFlash>,
    fault: Option<super::fault::FaultSpec>,
    clear: Option<super::fault::ClearSpec>,
    installer: Option<InstallerStep>,
    identify: Option<RawIdentify>,
    backup: Option<BackupStep>,
    meter_check: Option<MeterCheckStep>,
    firmware_gate: Option<RawFirmwareGate>,
    boot_notification: Option<super::plan_ocpp::RawBootNotification>,
    get_variables: Option<super::plan_ocpp::VariablesStep>,
    set_variables: Option<super::plan_ocpp::VariablesStep>,
    trigger_message: Option<super::plan_ocpp::TriggerMessageStep>,
    charging_profile: Option<super::plan_ocpp::ChargingProfileStep>,
    clear_charging_profile: Option<super::plan_ocpp::ClearChargingProfileStep>,
    ocpp_expect: Option<super::plan_ocpp::OcppExpectStep>,
}

/// The catalog comes from the run's site file; the plan names the charger.
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename = "firmware_gate")]
struct RawFirmwareGate {
    device: String,
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename = "identify")]
struct RawIdentify {
    device: String,
    serial: Option<String>,
}

/// What `profile:` / `compare_profile:` / `serial:` write to mean "the
/// run's site file says".
pub const FROM_SITE: &str = "site";

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename = "flash")]
struct RawFlash {
    device: String,
    image: PathBuf,
    expect_sha256: Option<String>,
}

const STEP_KINDS: &str = "set, ramp, wait, write_settings, read_settings, balance_load, island, trip, close, open, expect, ev, ev_limits, flash, fault, clear, installer, identify, backup, meter_check, firmware_gate, boot_notification, get_variables, set_variables, trigger_message, charging_profile, clear_charging_profile, ocpp_expect";

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename = "write_settings")]
struct RawWriteSettings {
    device: String,
    profile: Option<PathBuf>,
    anti_islanding: Option<bool>,
    enter_service_delay_s: Option<f64>,
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename = "read_settings")]
struct RawReadSettings {
    device: String,
    compare_profile: Option<PathBuf>,
}

/// Loads a plan, loads and validates every profile it references (paths
/// relative to the plan file), and validates what needs no rig.
pub fn load_plan(path: &Path) -> Result<Plan, ModelErrors> {
    let text = read_text(path)?;
    parse_plan(path, &text)
}

/// Like [`load_plan`] for text in memory; profile paths resolve relative to
/// `source_name`'s folder.
pub fn parse_plan(source_name: &Path, text: &str) -> Result<Plan, ModelErrors> {
    let (raw, spans): (RawPlan, Spans) = parse_doc(source_name, text, PLAN_KEYS)?;
    let base = source_name.parent().unwrap_or(Path::new(""));
    let mut c = Checker::new(&spans);
    plan_bounds::check_counts(&mut c, &raw.tests, |t| t.steps.len())?;
    let mut nested: Vec<ModelError> = Vec::new();
    let mut profiles = Profiles::new();
    if raw.plan.trim().is_empty() {
        c.invalid(
            "plan",
            "the plan name is empty",
            "name the plan, e.g. `plan: IEEE 1547.1 unintentional islanding`",
        );
    } else {
        one_line(&mut c, "plan", &raw.plan);
    }
    if raw.tests.is_empty() {
        c.invalid(
            "tests",
            "the plan has no tests",
            "add at least one test with a name and steps",
        );
    }
    let mut names: HashMap<String, usize> = HashMap::new();
    let mut tests = Vec::new();
    for (ti, t) in raw.tests.into_iter().enumerate() {
        let tk = format!("tests[{ti}]");
        if t.name.trim().is_empty() {
            c.invalid(
                &format!("{tk}.name"),
                "empty test name",
                "give every test a unique name",
            );
        } else if let Some(first) = names.get(&t.name) {
            let first_at = spans.location(&format!("tests[{first}].name"));
            c.invalid(
                &format!("{tk}.name"),
                format!(
                    "duplicate test name `{}` (also tests[{first}] at line {} column {})",
                    t.name, first_at.line, first_at.column
                ),
                "test names must be unique within a plan",
            );
        } else if one_line(&mut c, &format!("{tk}.name"), &t.name) {
            names.insert(t.name.clone(), ti);
        }
        if let Some(clause) = &t.clause {
            one_line(&mut c, &format!("{tk}.clause"), clause);
        }
        if t.steps.is_empty() {
            c.invalid(
                &format!("{tk}.steps"),
                "the test has no steps",
                format!("add steps: {STEP_KINDS}"),
            );
        }
        let mut steps = Vec::new();
        for (si, s) in t.steps.into_iter().enumerate() {
            let sk = format!("{tk}.steps[{si}]");
            if let Some(step) = convert_step(&mut c, &mut nested, &mut profiles, &sk, s, base) {
                validate_step(&mut c, &sk, &step);
                steps.push(step);
            }
        }
        if t.expect_abort {
            super::fault::check_expect_abort(&mut c, &format!("{tk}.expect_abort"), &steps);
        }
        tests.push(TestSpec {
            name: t.name,
            clause: t.clause,
            steps,
            expect_abort: t.expect_abort,
        });
    }
    plan_bounds::check_total_duration(&mut c, &tests);
    c.errors.extend(nested);
    c.finish()?;
    Ok(Plan {
        name: raw.plan,
        description: raw.description,
        tests,
        source: source_name.to_path_buf(),
        spans,
    })
}

/// Profiles the plan names, loaded once per path: a plan naming the same
/// profile in every step reads and validates it once.
type Profiles = HashMap<PathBuf, Option<GridProfile>>;

fn profile_ref(
    c: &mut Checker,
    nested: &mut Vec<ModelError>,
    profiles: &mut Profiles,
    key: &str,
    path: &Path,
) -> Option<GridProfile> {
    if let Some(loaded) = profiles.get(path) {
        if loaded.is_none() {
            c.invalid(
                key,
                format!("profile {} is invalid", path.display()),
                "see the errors reported where the plan first names it",
            );
        }
        return loaded.clone();
    }
    let loaded = check_profile_ref(c, nested, key, path, "the plan file");
    profiles.insert(path.to_path_buf(), loaded.clone());
    loaded
}

fn convert_step(
    c: &mut Checker,
    nested: &mut Vec<ModelError>,
    profiles: &mut Profiles,
    sk: &str,
    s: RawStep,
    base: &Path,
) -> Option<Step> {
    let mut found: Vec<Step> = Vec::new();
    if let Some(x) = s.set {
        found.push(Step::Set(x));
    }
    if let Some(x) = s.ramp {
        found.push(Step::Ramp(x));
    }
    if let Some(x) = s.wait {
        found.push(Step::Wait(x));
    }
    if let Some(x) = s.write_settings {
        let from_site = x.profile.as_deref() == Some(Path::new(FROM_SITE));
        let profile = x.profile.filter(|_| !from_site).and_then(|p| {
            let key = format!("{sk}.write_settings.profile");
            profile_ref(c, nested, profiles, &key, &base.join(p))
        });
        found.push(Step::WriteSettings(WriteSettingsStep {
            device: x.device,
            profile,
            profile_from_site: from_site,
            anti_islanding: x.anti_islanding,
            enter_service_delay_s: x.enter_service_delay_s,
        }));
    }
    if let Some(x) = s.read_settings {
        let from_site = x.compare_profile.as_deref() == Some(Path::new(FROM_SITE));
        let compare_profile = x.compare_profile.filter(|_| !from_site).and_then(|p| {
            let key = format!("{sk}.read_settings.compare_profile");
            profile_ref(c, nested, profiles, &key, &base.join(p))
        });
        found.push(Step::ReadSettings(ReadSettingsStep {
            device: x.device,
            compare_profile,
            profile_from_site: from_site,
        }));
    }
    if let Some(x) = s.balance_load {
        found.push(Step::BalanceLoad(x));
    }
    if let Some(x) = s.island {
        found.push(Step::Island(x));
    }
    if let Some(x) = s.trip {
        found.push(Step::Trip(x));
    }
    if let Some(x) = s.close {
        found.push(Step::Close(x));
    }
    if let Some(x) = s.open {
        found.push(Step::Open(x));
    }
    if let Some(x) = s.expect {
        found.push(Step::Expect(x));
    }
    if let Some(x) = s.ev {
        found.push(Step::Ev(x));
    }
    if let Some(x) = s.flash {
        let image = base.join(&x.image);
        if !image.is_file() {
            c.invalid(
                &format!("{sk}.flash.image"),
                format!("no image file {}", image.display()),
                "give a path relative to the plan file",
            );
        }
        found.push(Step::Flash(FlashStep {
            device: x.device,
            image,
            expect_sha256: x.expect_sha256,
        }));
    }
    if let Some(x) = s.ev_limits {
        found.push(Step::EvLimits(x));
    }
    if let Some(x) = s.fault {
        found.push(Step::Fault(x));
    }
    if let Some(x) = s.clear {
        found.push(Step::Clear(x));
    }
    if let Some(x) = s.installer {
        found.push(Step::Installer(x));
    }
    if let Some(x) = s.identify {
        let from_site = x.serial.as_deref() == Some(FROM_SITE);
        found.push(Step::Identify(IdentifyStep {
            device: x.device,
            serial: x.serial.filter(|_| !from_site),
            serial_from_site: from_site,
        }));
    }
    if let Some(x) = s.backup {
        found.push(Step::Backup(x));
    }
    if let Some(x) = s.meter_check {
        found.push(Step::MeterCheck(x));
    }
    if let Some(x) = s.firmware_gate {
        found.push(Step::FirmwareGate(FirmwareGateStep {
            device: x.device,
            catalog: None,
            site_charger: None,
        }));
    }
    if let Some(x) = s.boot_notification {
        found.push(x.into_step(c, &format!("{sk}.boot_notification")));
    }
    if let Some(x) = s.get_variables {
        found.push(Step::GetVariables(x));
    }
    if let Some(x) = s.set_variables {
        found.push(Step::SetVariables(x));
    }
    if let Some(x) = s.trigger_message {
        found.push(Step::TriggerMessage(x));
    }
    if let Some(x) = s.charging_profile {
        found.push(Step::ChargingProfile(x));
    }
    if let Some(x) = s.clear_charging_profile {
        found.push(Step::ClearChargingProfile(x));
    }
    if let Some(x) = s.ocpp_expect {
        found.push(Step::OcppExpect(x));
    }
    if found.len() != 1 {
        let kinds: Vec<&str> = found.iter().map(|s| s.kind()).collect();
        let msg = if found.is_empty() {
            "the step is empty".to_string()
        } else {
            format!("one step has several kinds: {}", kinds.join(", "))
        };
        c.invalid(sk, msg, format!("each step is one of: {STEP_KINDS}"));
        return None;
    }
    found.pop()
}
