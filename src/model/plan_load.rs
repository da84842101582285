//! Loading a plan and validating what the plan alone can tell.

use super::check::{show, Checker};
use super::error::{ModelError, ModelErrors};
use super::load::{parse_doc, read_text};
use super::plan::*;
use super::profile::check_profile_ref;
use super::spans::Spans;
use serde::Deserialize;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

const PLAN_KEYS: &str = "a plan: a mapping with keys plan, description, tests";

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename = "plan")]
struct RawPlan {
    plan: String,
    description: Option<String>,
    tests: Vec<RawTest>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename = "test")]
struct RawTest {
    name: String,
    clause: Option<String>,
    steps: Vec<RawStep>,
}

/// A step is a single-key mapping; serde_yaml 0.9 reads externally tagged
/// enums only from YAML tags, so the step kinds are optional fields and
/// validation checks exactly one is present.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename = "step")]
struct RawStep {
    set: Option<SetStep>,
    ramp: Option<RampStep>,
    wait: Option<WaitStep>,
    write_settings: Option<RawWriteSettings>,
    read_settings: Option<RawReadSettings>,
    balance_load: Option<BalanceLoadStep>,
    island: Option<IslandStep>,
    close: Option<SwitchStep>,
    open: Option<SwitchStep>,
    expect: Option<ExpectStep>,
    ev: Option<EvStep>,
    ev_limits: Option<EvLimitsStep>,
    flash: Option<RawFlash>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename = "flash")]
struct RawFlash {
    device: String,
    image: PathBuf,
    expect_sha256: Option<String>,
}

const STEP_KINDS: &str = "set, ramp, wait, write_settings, read_settings, balance_load, island, close, open, expect, ev, ev_limits, flash";

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename = "write_settings")]
struct RawWriteSettings {
    device: String,
    profile: Option<PathBuf>,
    anti_islanding: Option<bool>,
    enter_service_delay_s: Option<f64>,
}

#[derive(Deserialize)]
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
    let mut nested: Vec<ModelError> = Vec::new();
    if raw.plan.trim().is_empty() {
        c.invalid(
            "plan",
            "the plan name is empty",
            "name the plan, e.g. `plan: IEEE 1547.1 unintentional islanding`",
        );
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
        } else {
            names.insert(t.name.clone(), ti);
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
            if let Some(step) = convert_step(&mut c, &mut nested, &sk, s, base) {
                validate_step(&mut c, &sk, &step);
                steps.push(step);
            }
        }
        tests.push(TestSpec {
            name: t.name,
            clause: t.clause,
            steps,
        });
    }
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

fn convert_step(
    c: &mut Checker,
    nested: &mut Vec<ModelError>,
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
        let profile = x.profile.and_then(|p| {
            check_profile_ref(
                c,
                nested,
                &format!("{sk}.write_settings.profile"),
                &base.join(p),
                "the plan file",
            )
        });
        found.push(Step::WriteSettings(WriteSettingsStep {
            device: x.device,
            profile,
            anti_islanding: x.anti_islanding,
            enter_service_delay_s: x.enter_service_delay_s,
        }));
    }
    if let Some(x) = s.read_settings {
        let compare_profile = x.compare_profile.and_then(|p| {
            check_profile_ref(
                c,
                nested,
                &format!("{sk}.read_settings.compare_profile"),
                &base.join(p),
                "the plan file",
            )
        });
        found.push(Step::ReadSettings(ReadSettingsStep {
            device: x.device,
            compare_profile,
        }));
    }
    if let Some(x) = s.balance_load {
        found.push(Step::BalanceLoad(x));
    }
    if let Some(x) = s.island {
        found.push(Step::Island(x));
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

fn opt_positive(c: &mut Checker, k: &str, v: Option<f64>) {
    if let Some(v) = v {
        c.positive(k, v);
    }
}

fn opt_finite(c: &mut Checker, k: &str, v: Option<f64>) {
    if let Some(v) = v {
        c.finite(k, v);
    }
}

/// Checks that need no rig: numbers finite and in range, the right key combinations.
fn validate_step(c: &mut Checker, sk: &str, step: &Step) {
    let k = |f: &str| format!("{sk}.{}.{f}", step.kind());
    if let Some(d) = step.device() {
        if d.trim().is_empty() {
            c.invalid(
                &k("device"),
                "empty device name",
                "name a device of the rig",
            );
        }
    }
    match step {
        Step::Set(s) => {
            opt_positive(c, &k("voltage_v"), s.voltage_v);
            opt_positive(c, &k("frequency_hz"), s.frequency_hz);
            opt_finite(c, &k("power_w"), s.power_w);
            if let Some(p) = s.power_pct {
                c.within(&k("power_pct"), p, -100.0, 100.0, " %");
            }
            for (n, v) in [("p_w", s.p_w), ("ql_var", s.ql_var), ("qc_var", s.qc_var)] {
                if let Some(v) = v {
                    c.non_negative(&k(n), v);
                }
            }
            if s.power_w.is_some() && s.power_pct.is_some() {
                c.invalid(
                    &k("power_pct"),
                    "both power_w and power_pct",
                    "give exactly one of power_w, power_pct",
                );
            }
            let any = s.voltage_v.is_some()
                || s.frequency_hz.is_some()
                || s.output.is_some()
                || s.power_w.is_some()
                || s.power_pct.is_some()
                || s.p_w.is_some()
                || s.ql_var.is_some()
                || s.qc_var.is_some()
                || s.input.is_some();
            if !any {
                c.invalid(&format!("{sk}.set"), "the set step sets nothing", "add a quantity: voltage_v, frequency_hz, output (grid); power_w or power_pct (charger); p_w, ql_var, qc_var, input (load)");
            }
        }
        Step::Ramp(r) => {
            let n = [r.voltage_v, r.frequency_hz, r.power_w]
                .iter()
                .filter(|v| v.is_some())
                .count();
            if n != 1 {
                c.invalid(
                    &format!("{sk}.ramp"),
                    "a ramp moves exactly one quantity",
                    "give one of voltage_v, frequency_hz (grid) or power_w (charger)",
                );
            }
            opt_positive(c, &k("voltage_v"), r.voltage_v);
            opt_positive(c, &k("frequency_hz"), r.frequency_hz);
            opt_finite(c, &k("power_w"), r.power_w);
            let over_ok = c.non_negative(&k("over_s"), r.over_s);
            if c.positive(&k("step_s"), r.step_s)
                && over_ok
                && r.over_s > 0.0
                && r.step_s > r.over_s
            {
                c.invalid(
                    &k("step_s"),
                    format!("step_s {} is longer than over_s {}", r.step_s, r.over_s),
                    "expected step_s <= over_s",
                );
            }
        }
        Step::Wait(w) => {
            c.non_negative(&k("s"), w.s);
        }
        Step::WriteSettings(w) => {
            if let Some(d) = w.enter_service_delay_s {
                c.non_negative(&k("enter_service_delay_s"), d);
            }
            if w.profile.is_none()
                && w.anti_islanding.is_none()
                && w.enter_service_delay_s.is_none()
            {
                // A profile that failed to load is already reported.
                if !c.spans.contains(&k("profile")) {
                    c.invalid(
                        &format!("{sk}.write_settings"),
                        "nothing to write",
                        "give any of profile, anti_islanding, enter_service_delay_s",
                    );
                }
            }
        }
        Step::ReadSettings(_) | Step::Close(_) | Step::Open(_) => {}
        Step::BalanceLoad(b) => {
            // IEEE 1547.1-2020 §5.10.2 uses Qf = 1.0; allow practical RLC range.
            c.within(&k("quality_factor"), b.quality_factor, 0.1, 10.0, "");
            if c.positive(&k("max_residual_pu"), b.max_residual_pu) && b.max_residual_pu >= 1.0 {
                c.invalid(
                    &k("max_residual_pu"),
                    format!("{} pu", b.max_residual_pu),
                    "expected a small fraction of rating, e.g. 0.02",
                );
            }
        }
        Step::Island(i) => {
            if !i.reclose
                && (i.reactive_load_pct.len() > 1 || i.extend_while_rising || i.rerun_longest > 0)
            {
                c.invalid(
                    &k("reclose"),
                    "`reclose: false` leaves S3 open after the first point",
                    "use a single load point without extend_while_rising or rerun_longest",
                );
            }
            if i.reactive_load_pct.is_empty() {
                c.invalid(
                    &k("reactive_load_pct"),
                    "no load points",
                    "give e.g. [95, 96, …, 105], or omit for [100]",
                );
            }
            for (n, p) in i.reactive_load_pct.iter().enumerate() {
                c.within(
                    &format!("{}[{n}]", k("reactive_load_pct")),
                    *p,
                    50.0,
                    150.0,
                    " %",
                );
            }
            if i.watch_s.is_finite() && i.watch_s < 0.5 || !i.watch_s.is_finite() {
                c.invalid(
                    &k("watch_s"),
                    format!("{} s", show(i.watch_s)),
                    "expected at least 0.5 s",
                );
            }
            if c.positive(&k("max_clearing_time_s"), i.max_clearing_time_s)
                && i.watch_s.is_finite()
                && i.max_clearing_time_s > i.watch_s
            {
                c.invalid(
                    &k("max_clearing_time_s"),
                    format!(
                        "{} s is longer than watch_s {} s",
                        i.max_clearing_time_s, i.watch_s
                    ),
                    "watch at least as long as the pass limit",
                );
            }
            c.non_negative(&k("settle_s"), i.settle_s);
            if i.rerun_longest as usize > i.reactive_load_pct.len() {
                c.invalid(
                    &k("rerun_longest"),
                    format!(
                        "{} is more than the {} load points",
                        i.rerun_longest,
                        i.reactive_load_pct.len()
                    ),
                    "expected at most the number of points (Sandia reruns 3)",
                );
            }
        }
        Step::Expect(e) => validate_expect(c, sk, e),
        Step::Ev(e) => {
            if let Some(a) = e.charge_current_a {
                // CHAdeMO 0x102 byte 3 carries the request in whole amperes.
                c.within(&format!("{sk}.ev.charge_current_a"), a, 0.0, 255.0, "");
                if e.action != super::plan::EvAction::StartCharge {
                    c.invalid(
                        &format!("{sk}.ev.charge_current_a"),
                        "`charge_current_a` only goes with `action: start_charge`",
                        "remove it, or use action: start_charge",
                    );
                }
            }
        }
        Step::Flash(_) => {}
        Step::EvLimits(l) => {
            let k = |key: &str| format!("{sk}.ev_limits.{key}");
            let mut any = false;
            for (key, v, hi) in [
                ("max_charge_current_a", l.max_charge_current_a, 255.0),
                ("max_discharge_current_a", l.max_discharge_current_a, 255.0),
                ("min_discharge_soc_pct", l.min_discharge_soc_pct, 100.0),
                ("min_discharge_voltage_v", l.min_discharge_voltage_v, 1000.0),
            ] {
                if let Some(v) = v {
                    any = true;
                    c.within(&k(key), v, 0.0, hi, "");
                }
            }
            if !any {
                c.invalid(
                    &format!("{sk}.ev_limits"),
                    "no limit to change",
                    "give any of max_charge_current_a, max_discharge_current_a, min_discharge_soc_pct, min_discharge_voltage_v",
                );
            }
        }
    }
}

fn validate_expect(c: &mut Checker, sk: &str, e: &ExpectStep) {
    let k = |f: &str| format!("{sk}.expect.{f}");
    c.non_negative(&k("within_s"), e.within_s);
    if e.quantity.is_bool() {
        if e.equals.is_none() {
            c.invalid(
                &k("quantity"),
                format!("{} is true/false: give `equals`", e.quantity.name()),
                "e.g. `equals: false`",
            );
        }
        if e.value.is_some() || e.tolerance.is_some() {
            c.invalid(
                &k("value"),
                format!(
                    "{} is true/false: value/tolerance do not apply",
                    e.quantity.name()
                ),
                "use `equals: true|false`",
            );
        }
    } else {
        if e.equals.is_some() {
            c.invalid(
                &k("equals"),
                format!("{} is a number: `equals` does not apply", e.quantity.name()),
                "use `value` and `tolerance`",
            );
        }
        match (e.value, e.tolerance) {
            (Some(v), Some(t)) => {
                c.finite(&k("value"), v);
                c.non_negative(&k("tolerance"), t);
            }
            _ => c.invalid(
                &format!("{sk}.expect"),
                format!("{} needs both `value` and `tolerance`", e.quantity.name()),
                "e.g. `value: 11500, tolerance: 230`",
            ),
        }
    }
}
