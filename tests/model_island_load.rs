//! `balance_load` and the island sweep against the island load's ratings
//! (issue 9, defect 10). IEEE 1547.1-2020 §5.10: at balance R takes the
//! charger's P and L and C each take QL = QC = Qf·P (Qf = √(QL·QC)/P); the
//! sweep scales QL to each reactive-load point. Beyond the load's rating the
//! load answers −222 mid-run, so the plan is refused before it starts.

use std::path::Path;
use v2x_hil::model::*;

/// The built-in emulated rig: charger 11.5 kW, load `ratings: { power_w: 15000 }`.
const RIG: &str = include_str!("../rigs/emulated.yaml");

fn rig(text: &str) -> Rig {
    parse_rig(Path::new("rigs/emulated.yaml"), text).unwrap()
}

/// The emulated rig with the island load's ratings replaced.
fn rig_with_load_ratings(ratings: &str) -> Rig {
    let text = RIG.replace(
        "    transport: { emulated: tcp }\n    ratings: { power_w: 15000 }\n  scope:",
        &format!("    transport: {{ emulated: tcp }}\n    ratings: {ratings}\n  scope:"),
    );
    assert_ne!(text, RIG);
    rig(&text)
}

/// One islanding test: export `setpoint` (a `set` on the charger, or none),
/// balance at `qf`, sweep `island`.
fn islanding(setpoint: Option<&str>, qf: f64, island: &str) -> Plan {
    let set = setpoint.map_or(String::new(), |s| {
        format!("      - set: {{ device: charger, {s} }}\n")
    });
    let text = format!(
        "plan: p\ntests:\n  - name: island\n    steps:\n{set}\
         \x20     - balance_load: {{ device: load, quality_factor: {qf} }}\n\
         \x20     - island: {island}\n"
    );
    parse_plan(Path::new("test-plans/p.yaml"), &text).unwrap()
}

const SWEEP: &str = "{ reactive_load_pct: [95, 100, 105], watch_s: 3, max_clearing_time_s: 2 }";
const SANDIA: &str = "{ reactive_load_pct: [95, 100, 105], watch_s: 3, max_clearing_time_s: 2, extend_while_rising: true }";

/// The only error, a refusal naming the rating it is held to.
fn refusal(plan: &Plan, rig: &Rig) -> (String, String, String) {
    let e = check_plan_against_rig(plan, rig).unwrap_err();
    assert_eq!(e.len(), 1, "{}", e.render());
    match &e.0[0] {
        ModelError::SafetyLimit {
            key_path,
            limit_key,
            ..
        } => (key_path.clone(), limit_key.clone(), e.0[0].to_string()),
        other => panic!("not a rating refusal: {other}"),
    }
}

#[test]
fn the_shipped_anti_islanding_plan_fits_the_emulated_load() {
    // Qf 1.0 at 11.5 kW through a sweep extended to 125 %: QL 14 375 var.
    let plan = load_plan(Path::new("test-plans/anti-islanding-ieee1547.yaml")).unwrap();
    check_plan_against_rig(&plan, &rig(RIG)).unwrap();
}

#[test]
fn a_quality_factor_the_load_cannot_reach_is_refused_at_the_balance_step() {
    let plan = islanding(Some("power_pct: 100"), 1.5, SWEEP);
    let (key, limit, text) = refusal(&plan, &rig(RIG));
    assert_eq!(key, "tests[0].steps[1].balance_load.quality_factor");
    assert_eq!(limit, "devices.load.ratings.power_w");
    assert!(
        text.contains("QL = QC = Qf·P = 1.5 × 11500 W = 17250 var (P: the charger's setpoint)"),
        "{text}"
    );
    assert!(text.contains("ratings.power_w = 15000"), "{text}");
    assert!(
        text.contains("(declared at rigs/emulated.yaml:32:"),
        "{text}"
    );
    // The same Qf at a third of the power fits.
    check_plan_against_rig(&islanding(Some("power_pct: 33"), 1.5, SWEEP), &rig(RIG)).unwrap();
}

#[test]
fn the_sweep_above_100_percent_is_held_to_the_reactive_rating() {
    // Qf 1.2: QL = QC = 13 800 var balances; the 110 % point asks 15 180 var of L.
    let sweep = "{ reactive_load_pct: [90, 100, 110], watch_s: 3, max_clearing_time_s: 2 }";
    let (key, _, text) = refusal(&islanding(Some("power_w: 11500"), 1.2, sweep), &rig(RIG));
    assert_eq!(key, "tests[0].steps[2].island.reactive_load_pct");
    assert!(text.contains("110 % point"), "{text}");
    assert!(text.contains("15180"), "{text}");
    assert!(text.contains("tests[0].steps[1].balance_load"), "{text}");
    // 95–105 % fits (QL 14 490 var).
    check_plan_against_rig(&islanding(Some("power_w: 11500"), 1.2, SWEEP), &rig(RIG)).unwrap();
    // Extending while clearing time rises may reach 125 %: 17 250 var.
    let (key, _, _) = refusal(&islanding(Some("power_w: 11500"), 1.2, SANDIA), &rig(RIG));
    assert_eq!(key, "tests[0].steps[2].island.reactive_load_pct");
}

#[test]
fn a_declared_reactive_rating_is_used_for_ql_and_qc() {
    let load = rig_with_load_ratings("{ power_w: 15000, reactive_var: 14000 }");
    // Qf 1.0: 11 500 var balances; 125 % asks 14 375 var.
    let (key, limit, text) = refusal(&islanding(Some("power_pct: 100"), 1.0, SANDIA), &load);
    assert_eq!(key, "tests[0].steps[2].island.reactive_load_pct");
    assert_eq!(limit, "devices.load.ratings.reactive_var");
    assert!(text.contains("14375 var"), "{text}");
    assert!(text.contains("ratings.reactive_var = 14000 var"), "{text}");
}

#[test]
fn the_real_power_is_held_to_the_power_rating() {
    let load = rig_with_load_ratings("{ power_w: 10000, reactive_var: 30000 }");
    let (key, limit, text) = refusal(&islanding(Some("power_pct: 100"), 1.0, SWEEP), &load);
    assert_eq!(key, "tests[0].steps[1].balance_load");
    assert_eq!(limit, "devices.load.ratings.power_w");
    assert!(
        text.contains("P = 11500 W (the charger's setpoint)"),
        "{text}"
    );
}

#[test]
fn without_a_setpoint_the_charger_may_export_its_rating() {
    let (key, _, text) = refusal(&islanding(None, 1.5, SWEEP), &rig(RIG));
    assert_eq!(key, "tests[0].steps[0].balance_load.quality_factor");
    assert!(text.contains("no setpoint comes before"), "{text}");
    // A setpoint in an earlier test carries over, as in the runner.
    let text = "plan: p\ntests:\n\
        \x20 - name: export\n    steps: [{ set: { device: charger, power_w: 3000 } }]\n\
        \x20 - name: island\n    steps:\n\
        \x20     - balance_load: { device: load, quality_factor: 3 }\n";
    let plan = parse_plan(Path::new("p.yaml"), text).unwrap();
    check_plan_against_rig(&plan, &rig(RIG)).unwrap();
}

#[test]
fn an_emulated_load_without_ratings_has_the_emulators_own() {
    let rig = load_rig(Path::new("fixtures/model/rig.yaml")).unwrap();
    assert_eq!(rig.devices["load"].ratings, Ratings::default());
    let (_, limit, text) = refusal(&islanding(Some("power_w: 11500"), 1.5, SWEEP), &rig);
    assert_eq!(limit, "devices.load");
    assert!(
        text.contains("15000, the emulated load's own rating"),
        "{text}"
    );
}

#[test]
fn a_real_load_without_ratings_cannot_be_balanced() {
    let text = RIG.replace(
        "    transport: { emulated: tcp }\n    ratings: { power_w: 15000 }\n  scope:",
        "    transport: { tcp: \"192.0.2.11:5025\" }\n  scope:",
    );
    let (key, limit, msg) = refusal(&islanding(Some("power_w: 5000"), 1.0, SWEEP), &rig(&text));
    assert_eq!(key, "tests[0].steps[1].balance_load.quality_factor");
    assert_eq!(limit, "devices.load");
    assert!(msg.contains("no rating"), "{msg}");
}

#[test]
fn setting_the_load_directly_is_held_to_its_rating_too() {
    let text = "plan: p\ntests:\n  - name: a\n    steps:\n\
        \x20     - set: { device: load, p_w: 1000, ql_var: 20000, qc_var: 100 }\n";
    let plan = parse_plan(Path::new("p.yaml"), text).unwrap();
    let (key, _, _) = refusal(&plan, &rig(RIG));
    assert_eq!(key, "tests[0].steps[0].set.ql_var");
}
