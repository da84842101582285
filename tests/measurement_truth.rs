//! The clearing times the runner measures from the recorder's capture agree
//! with the plant's ground truth, island by island.

use std::path::Path;
use std::sync::atomic::AtomicBool;
use v2x_hil::exec::Runner;
use v2x_hil::rig::connect;

#[test]
fn measured_clearing_times_match_ground_truth() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let rig = v2x_hil::model::load_rig(&root.join("rigs/emulated.yaml")).unwrap();
    let plan =
        v2x_hil::model::load_plan(&root.join("test-plans/anti-islanding-ieee1547.yaml")).unwrap();
    let mut connection = connect(&rig).unwrap();
    let interrupt = AtomicBool::new(false);
    let mut ignore = |_: v2x_hil::exec::RunEvent| {};
    let result = Runner::new(&mut connection, &interrupt, &mut ignore).run(&plan);
    let measured: Vec<_> = result.tests.iter().flat_map(|t| t.islands.iter()).collect();
    let plant = connection.plant.clone().expect("emulated rig has a plant");
    let plant = plant.lock().unwrap();
    let truth = plant.island_events();
    assert_eq!(measured.len(), truth.len());
    assert!(measured.len() >= 33);
    for (m, t) in measured.iter().zip(truth) {
        let truth_s = t
            .cleared_at
            .map(|c| (c - t.s3_opened_at).as_secs_f64())
            .expect("cleared");
        let got = m.clearing_time_s.expect("measured");
        // One recorder sample (10 kS/s) plus the plant step.
        assert!(
            (got - truth_s).abs() <= 2e-4,
            "measured {got} s, truth {truth_s} s at {} % / {} %",
            m.power_pct,
            m.reactive_load_pct
        );
    }
}

#[test]
fn two_runs_give_identical_results() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let rig = v2x_hil::model::load_rig(&root.join("rigs/emulated.yaml")).unwrap();
    let plan =
        v2x_hil::model::load_plan(&root.join("test-plans/anti-islanding-ieee1547.yaml")).unwrap();
    let run = || {
        let mut connection = connect(&rig).unwrap();
        let interrupt = AtomicBool::new(false);
        let mut ignore = |_: v2x_hil::exec::RunEvent| {};
        let r = Runner::new(&mut connection, &interrupt, &mut ignore).run(&plan);
        serde_json::to_string(&r).unwrap()
    };
    assert_eq!(run(), run());
}

/// The `trip` step's clearing times (grid step → the charger's current
/// stopping, from the recorder's capture) agree with the plant's own
/// record of when the grid stepped and the current last flowed above
/// 0.05 pu, to a recorder sample and the t0 uncertainty the step reports —
/// far inside the cycle a plan asserts clearing times to.
#[test]
fn measured_trip_clearing_times_match_ground_truth() {
    use std::time::Duration;
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let rig = v2x_hil::model::load_rig(&root.join("rigs/emulated.yaml")).unwrap();
    let plan = v2x_hil::model::load_plan(&root.join("test-plans/trip-ieee1547.yaml")).unwrap();
    let mut connection = connect(&rig).unwrap();
    let interrupt = AtomicBool::new(false);
    // The plant's history keeps 10 s: read the truth as each trip is reported.
    let plant = connection.plant.clone().expect("emulated rig has a plant");
    let rated_a = 11_500.0 / 240.0;
    let threshold_a = 0.05 * std::f64::consts::SQRT_2 * rated_a;
    let mut checked = Vec::new();
    let mut observe = |e: v2x_hil::exec::RunEvent| {
        let v2x_hil::exec::RunEvent::Trip { measurement, .. } = e else {
            return;
        };
        let p = plant.lock().unwrap();
        // The last cessation, and the grid step before it (the step's
        // restore came after).
        let (ceased, _) = p.cessations().last().expect("the charger ceased");
        let step_at = p
            .grid_steps()
            .filter(|t| *t <= ceased)
            .max()
            .expect("a grid step before it");
        // The last plant step whose current was above 0.05 pu.
        let history = p.history(step_at, ceased + Duration::from_millis(50), 1);
        let last_above = history
            .iter()
            .rev()
            .find(|s| s.i_inverter_a.abs() > threshold_a)
            .map(|s| s.t)
            .expect("current before the trip");
        let step_s = 1.0 / 20_000.0;
        // The step acts from the next plant step; the current stops one step
        // after its last sample above the threshold.
        let truth_s = (last_above - step_at).as_secs_f64();
        let got = measurement.clearing_time_s.expect("ceased");
        let allowance = 1e-4 + 2.0 * step_s + measurement.t0_uncertainty_s;
        assert!(
            (got - truth_s).abs() <= allowance,
            "measured {got} s, truth {truth_s} s (± {allowance} s)"
        );
        // The protection ceased where the current stopped, within half a
        // cycle (the current passes below 0.05 pu near its zero crossings).
        let protection_s = (ceased - step_at).as_secs_f64();
        assert!(
            (protection_s - truth_s).abs() < 1.0 / 120.0,
            "{protection_s} vs {truth_s}"
        );
        checked.push(got);
    };
    let result = Runner::new(&mut connection, &interrupt, &mut observe).run(&plan);
    assert_eq!(result.verdict(), v2x_hil::exec::Verdict::Pass, "{result:?}");
    assert_eq!(checked.len(), 10, "{checked:?}");
}
