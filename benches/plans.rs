//! Speed of the emulated rig: simulated seconds per wall second for the plant
//! alone and for the shipped plans — the anti-islanding sweep (budget 2 s of
//! wall time, issue 2 §6), V2G dispatch and V2H backup (1 s each, issue 3 §6),
//! and V2G dispatch over OCPP (issue 11).
//! Prints figures and ratios; it asserts nothing about time (a slow machine is
//! not a bug).
//!
//! `cargo bench --bench plans`

use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};
use v2x_hil::der::{AntiIslanding, EnterService, TripSettings};
use v2x_hil::exec::Runner;
use v2x_hil::plant::{InverterConfig, Plant, PlantConfig, RlcLoad};
use v2x_hil::rig::connect;

fn plant_alone(simulated: Duration) -> f64 {
    let mut plant = Plant::new(PlantConfig {
        nominal_voltage_v: 240.0,
        nominal_frequency_hz: 60.0,
        step_rate_hz: 20_000.0,
        inverter: InverterConfig {
            rating_w: 11_500.0,
            trip: TripSettings::ieee1547_cat_ii(),
            enter_service: EnterService::ieee1547_default(),
            anti_islanding: AntiIslanding {
                enabled: false,
                ..AntiIslanding::default()
            },
        },
    });
    plant.set_power_setpoint_w(11_500.0);
    plant.set_load(RlcLoad::from_pq(11_500.0, 11_500.0, 11_500.0, 240.0, 60.0));
    plant.advance(Duration::from_secs(1));
    // A sustained island keeps every part of the model busy.
    plant.open_s3();
    let start = Instant::now();
    plant.advance(simulated);
    let wall = start.elapsed().as_secs_f64();
    let steps = simulated.as_secs_f64() * 20_000.0;
    println!(
        "plant alone: {:.0} simulated s in {:.3} s wall = {:.0} simulated s per wall s ({:.0} ns per 50 µs step)",
        simulated.as_secs_f64(),
        wall,
        simulated.as_secs_f64() / wall,
        wall * 1e9 / steps
    );
    simulated.as_secs_f64() / wall
}

fn whole_plan(plan: &str, rig: &str, budget_s: f64) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let rig = v2x_hil::model::load_rig(&root.join(rig)).expect("rig loads");
    let plan = v2x_hil::model::load_plan(&root.join(plan)).expect("plan loads");
    let mut connection = connect(&rig).expect("emulated rig connects");
    let interrupt = AtomicBool::new(false);
    let mut ignore = |_: v2x_hil::exec::RunEvent| {};
    let start = Instant::now();
    let result = Runner::new(&mut connection, &interrupt, &mut ignore).run(&plan);
    let wall = start.elapsed().as_secs_f64();
    let simulated = connection.rig.clock.now().as_secs_f64();
    let islands: usize = result.tests.iter().map(|t| t.islands.len()).sum();
    println!(
        "{} on `{}`: {islands} islands, {simulated:.1} simulated s in {wall:.3} s wall \
         = {:.0} simulated s per wall s; verdict {}; {:.2} of the {budget_s} s budget",
        plan.name,
        result.rig,
        simulated / wall,
        result.verdict().as_str(),
        wall / budget_s
    );
}

fn main() {
    // `cargo test --benches` / `cargo bench --no-run` builds it; a real run measures.
    if std::env::args().any(|a| a == "--test" || a == "--list") {
        return;
    }
    plant_alone(Duration::from_secs(60));
    let islanding = "test-plans/anti-islanding-ieee1547.yaml";
    whole_plan(islanding, "rigs/emulated.yaml", 2.0);
    whole_plan(islanding, "rigs/emulated-no-anti-islanding.yaml", 2.0);
    whole_plan("test-plans/v2g-dispatch.yaml", "rigs/emulated.yaml", 1.0);
    whole_plan("test-plans/v2h-islanding.yaml", "rigs/emulated.yaml", 1.0);
    // The same kind of dispatch over OCPP: the charger's client and the
    // central system exchange WebSocket frames every 10 ms tick.
    whole_plan(
        "test-plans/v2g-dispatch-ocpp.yaml",
        "rigs/emulated-ocpp.yaml",
        1.0,
    );
}
