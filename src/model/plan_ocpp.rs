//! Plan steps that talk to the charger through the harness's OCPP central
//! system (the rig's `csms`): what the charger says of itself, its device
//! model, triggered messages, dispatch by charging profile, and what it
//! reports back. Message names are OCPP 2.0.1's (Part 2 §1).

use super::check::Checker;
use super::plan::Step;
use super::plan_bounds;
use serde::Deserialize;

/// `boot_notification`: waits for the charger to connect and boot, and
/// checks what it says it is (OCPP 2.0.1 B01).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct BootNotificationStep {
    pub device: String,
    pub within_s: f64,
    /// Each field given must equal the charger's.
    pub expect: BootExpect,
    /// The plan asked for the site file's charger (`expect: site`).
    #[serde(skip)]
    pub expect_from_site: bool,
    /// With `expect: site` and a site firmware catalog: the versions the
    /// program approves for this charger's model (any of them passes).
    #[serde(skip)]
    pub approved_firmware: Option<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Default, Deserialize, serde::Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BootExpect {
    pub vendor: Option<String>,
    pub model: Option<String>,
    pub serial: Option<String>,
    pub firmware: Option<String>,
}

/// One device-model variable to read (and optionally check) or write.
#[derive(Debug, Clone, PartialEq, Deserialize, serde::Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct VariableSpec {
    pub component: String,
    pub variable: String,
    /// get_variables: the value it must read.
    pub expect: Option<String>,
    /// set_variables: the value written.
    pub value: Option<String>,
}

/// `get_variables` / `set_variables` (OCPP 2.0.1 B06 / B05): each result
/// must be Accepted (and read `expect` where given).
#[derive(Debug, Clone, PartialEq, Deserialize, serde::Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct VariablesStep {
    pub device: String,
    pub variables: Vec<VariableSpec>,
}

/// `trigger_message` (F06): Accepted, and the message arrives in time.
#[derive(Debug, Clone, PartialEq, Deserialize, serde::Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename = "trigger_message")]
pub struct TriggerMessageStep {
    pub device: String,
    /// BootNotification, Heartbeat, StatusNotification, MeterValues, TransactionEvent.
    pub message: String,
    #[serde(default = "default_trigger_within_s")]
    pub within_s: f64,
}

fn default_trigger_within_s() -> f64 {
    10.0
}

/// `charging_profile` (K01 SetChargingProfile): the charger must accept a
/// schedule of `power_w` (export positive, the harness's sign) for
/// `duration_s` from now.
#[derive(Debug, Clone, PartialEq, Deserialize, serde::Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename = "charging_profile")]
pub struct ChargingProfileStep {
    pub device: String,
    pub power_w: Option<f64>,
    /// Percent of the site's permitted export, bound to `power_w`.
    pub site_export_pct: Option<f64>,
    pub duration_s: f64,
    /// OCPP 2.1's V2X operation mode CentralSetpoint instead of a limit.
    #[serde(default)]
    pub setpoint: bool,
    #[serde(default = "default_profile_id")]
    pub profile_id: i32,
    #[serde(default = "default_evse_id")]
    pub evse_id: i32,
}

fn default_profile_id() -> i32 {
    1
}

fn default_evse_id() -> i32 {
    1
}

/// `clear_charging_profile` (K10): one profile, or every one this run set.
#[derive(Debug, Clone, PartialEq, Deserialize, serde::Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename = "clear_charging_profile")]
pub struct ClearChargingProfileStep {
    pub device: String,
    pub profile_id: Option<i32>,
}

/// `ocpp_expect`: a message the charger sent since the test began (or
/// sends within `within_s`) matches: its action, a TransactionEvent's
/// eventType, and a sampled measurand's value.
#[derive(Debug, Clone, PartialEq, Deserialize, serde::Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename = "ocpp_expect")]
pub struct OcppExpectStep {
    pub device: String,
    pub message: String,
    pub event_type: Option<String>,
    #[serde(default)]
    pub within_s: f64,
    /// E.g. Power.Active.Export, SoC, Energy.Active.Export.Register.
    pub measurand: Option<String>,
    pub value: Option<f64>,
    pub tolerance: Option<f64>,
    /// Only messages that arrive after this step began.
    #[serde(default)]
    pub new: bool,
}

/// `boot_notification` as written: `expect: site` or the fields.
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename = "boot_notification")]
pub(super) struct RawBootNotification {
    device: String,
    #[serde(default = "default_boot_within_s")]
    within_s: f64,
    expect: Option<RawBootExpect>,
}

fn default_boot_within_s() -> f64 {
    120.0
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(untagged)]
enum RawBootExpect {
    Site(String),
    Fields(BootExpect),
}

impl RawBootNotification {
    pub(super) fn into_step(self, c: &mut Checker, key: &str) -> Step {
        let (expect, from_site) = match self.expect {
            None => (BootExpect::default(), false),
            Some(RawBootExpect::Fields(f)) => (f, false),
            Some(RawBootExpect::Site(s)) if s == super::plan_load::FROM_SITE => {
                (BootExpect::default(), true)
            }
            Some(RawBootExpect::Site(s)) => {
                c.invalid(
                    &format!("{key}.expect"),
                    format!("`{s}`"),
                    "expected `site` (the site file's charger) or { vendor, model, serial, firmware }",
                );
                (BootExpect::default(), false)
            }
        };
        Step::BootNotification(BootNotificationStep {
            device: self.device,
            within_s: self.within_s,
            expect,
            expect_from_site: from_site,
            approved_firmware: None,
        })
    }
}

/// Messages a trigger_message may ask for (F06, MessageTriggerEnumType).
pub const TRIGGERABLE: [&str; 5] = [
    "BootNotification",
    "Heartbeat",
    "StatusNotification",
    "MeterValues",
    "TransactionEvent",
];

/// Messages a charger sends a central system (OCPP 2.0.1 Part 2 §1, and
/// 2.1's DER notifications) that `ocpp_expect` can wait for.
pub const FROM_CHARGER: [&str; 13] = [
    "BootNotification",
    "Heartbeat",
    "StatusNotification",
    "TransactionEvent",
    "MeterValues",
    "Authorize",
    "NotifyReport",
    "NotifyEvent",
    "SecurityEventNotification",
    "FirmwareStatusNotification",
    "NotifyEVChargingNeeds",
    "NotifyDERAlarm",
    "NotifyDERStartStop",
];

/// Rig-free checks of the OCPP steps.
pub(super) fn validate(c: &mut Checker, k: &dyn Fn(&str) -> String, step: &Step) {
    match step {
        Step::BootNotification(b) => {
            if c.positive(&k("within_s"), b.within_s) {
                plan_bounds::duration(c, &k("within_s"), b.within_s);
            }
            for (f, v) in [
                ("vendor", &b.expect.vendor),
                ("model", &b.expect.model),
                ("serial", &b.expect.serial),
                ("firmware", &b.expect.firmware),
            ] {
                if let Some(v) = v {
                    super::text::one_line(c, &k(&format!("expect.{f}")), v);
                }
            }
        }
        Step::GetVariables(v) | Step::SetVariables(v) => {
            let set = matches!(step, Step::SetVariables(_));
            if v.variables.is_empty() {
                c.invalid(
                    &k("variables"),
                    "no variable",
                    "list { component, variable } entries",
                );
            }
            // OCPP 2.0.1 Part 2 §2: component and variable names are ≤ 50 characters.
            for (i, var) in v.variables.iter().enumerate() {
                let vk = k(&format!("variables[{i}]"));
                for (f, s) in [("component", &var.component), ("variable", &var.variable)] {
                    if s.is_empty() || s.len() > 50 || !s.is_ascii() {
                        c.invalid(&format!("{vk}.{f}"), format!("`{}`", s.escape_debug()), "expected a device-model name of 1 to 50 ASCII characters, e.g. OCPPCommCtrlr");
                    }
                }
                match (set, &var.value, &var.expect) {
                    (true, None, _) => c.invalid(
                        &vk,
                        "set_variables without a value",
                        "give `value:` (as text, e.g. \"10\")",
                    ),
                    (true, _, Some(_)) => c.invalid(
                        &format!("{vk}.expect"),
                        "`expect` is for get_variables",
                        "read it back with a get_variables step",
                    ),
                    (false, Some(_), _) => c.invalid(
                        &format!("{vk}.value"),
                        "`value` is for set_variables",
                        "use `expect:` to check a value read",
                    ),
                    _ => {}
                }
                // AttributeValue is at most 2500 characters (B05).
                if var.value.as_ref().is_some_and(|v| v.len() > 2500) {
                    c.invalid(
                        &format!("{vk}.value"),
                        "longer than 2500 characters",
                        "OCPP 2.0.1 SetVariableData.attributeValue is at most 2500",
                    );
                }
            }
        }
        Step::TriggerMessage(t) => {
            if !TRIGGERABLE.contains(&t.message.as_str()) {
                c.invalid(
                    &k("message"),
                    format!("`{}` cannot be triggered here", t.message.escape_debug()),
                    format!("expected one of {}", TRIGGERABLE.join(", ")),
                );
            }
            if c.positive(&k("within_s"), t.within_s) {
                plan_bounds::duration(c, &k("within_s"), t.within_s);
            }
        }
        Step::ChargingProfile(p) => {
            match (p.power_w, p.site_export_pct) {
                (Some(w), None) => {
                    c.finite(&k("power_w"), w);
                }
                (None, Some(pct)) => {
                    c.within(&k("site_export_pct"), pct, -100.0, 100.0, " %");
                }
                _ => c.invalid(
                    &k("power_w"),
                    "give exactly one of power_w, site_export_pct",
                    "e.g. `power_w: 7000` to export 7 kW",
                ),
            }
            if c.positive(&k("duration_s"), p.duration_s) {
                plan_bounds::duration(c, &k("duration_s"), p.duration_s);
            }
            if p.profile_id < 1 {
                c.invalid(
                    &k("profile_id"),
                    format!("{}", p.profile_id),
                    "expected a positive profile id",
                );
            }
            if p.evse_id < 0 {
                c.invalid(
                    &k("evse_id"),
                    format!("{}", p.evse_id),
                    "expected 0 (the whole station) or an EVSE number",
                );
            }
        }
        Step::ClearChargingProfile(p) if p.profile_id.is_some_and(|id| id < 1) => {
            c.invalid(&k("profile_id"), "not a profile id", "expected a positive profile id, or leave it out to clear every profile this run set");
        }
        Step::OcppExpect(e) => {
            if !FROM_CHARGER.contains(&e.message.as_str()) {
                c.invalid(
                    &k("message"),
                    format!(
                        "`{}` is not a message a charger sends",
                        e.message.escape_debug()
                    ),
                    format!("expected one of {}", FROM_CHARGER.join(", ")),
                );
            }
            if let Some(t) = &e.event_type {
                if e.message != "TransactionEvent"
                    || !["Started", "Updated", "Ended"].contains(&t.as_str())
                {
                    c.invalid(
                        &k("event_type"),
                        format!("`{}`", t.escape_debug()),
                        "event_type is a TransactionEvent's: Started, Updated or Ended",
                    );
                }
            }
            if c.non_negative(&k("within_s"), e.within_s) {
                plan_bounds::duration(c, &k("within_s"), e.within_s);
            }
            match (&e.measurand, e.value) {
                (Some(_), Some(v)) => {
                    c.finite(&k("value"), v);
                }
                (None, None) => {}
                _ => c.invalid(
                    &k("measurand"),
                    "measurand and value go together",
                    "e.g. measurand: Power.Active.Export, value: 7000, tolerance: 230",
                ),
            }
            if let Some(t) = e.tolerance {
                c.non_negative(&k("tolerance"), t);
            }
        }
        _ => {}
    }
}
