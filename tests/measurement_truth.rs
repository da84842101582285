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
