//! Plant speed: simulated seconds per wall second at 20 kHz.
//! `cargo run --release --example plant_speed`

use std::time::{Duration, Instant};
use v2x_hil::der::{AntiIslanding, EnterService, TripSettings};
use v2x_hil::plant::{
    BackupConfig, DcLimits, EvBatteryConfig, InverterConfig, InverterMode, Plant, PlantConfig,
    RlcLoad,
};

const RATE_HZ: f64 = 20_000.0;
const RATING_W: f64 = 7_200.0;

fn plant(ai_enabled: bool) -> Plant {
    let mut p = Plant::new(PlantConfig {
        nominal_voltage_v: 240.0,
        nominal_frequency_hz: 60.0,
        step_rate_hz: RATE_HZ,
        inverter: InverterConfig {
            rating_w: RATING_W,
            trip: TripSettings::ieee1547_cat_ii(),
            enter_service: EnterService::ieee1547_default(),
            anti_islanding: AntiIslanding {
                enabled: ai_enabled,
                ..AntiIslanding::default()
            },
        },
    });
    p.set_power_setpoint_w(RATING_W);
    p.set_load(RlcLoad::from_pq(RATING_W, RATING_W, RATING_W, 240.0, 60.0));
    p
}

/// A 62 kWh EV behind the DC side, 5 kW home load, backup after 0.3 s.
fn v2h(mut p: Plant) -> Plant {
    p.attach_ev(EvBatteryConfig::typical_62kwh());
    p.set_dc_limits(DcLimits {
        max_discharge_current_a: 15.0,
        max_charge_current_a: 15.0,
        min_discharge_voltage_v: 300.0,
        min_discharge_soc: 0.1,
        max_charge_soc: 0.9,
    });
    p.set_dc_contactor(true);
    p.set_home_load(5_000.0, 1_000.0);
    p.set_backup(BackupConfig {
        enabled: true,
        transfer_time: Duration::from_millis(300),
    });
    p
}

/// Runs `sim_s` in 1 ms slices (as a runner polling the plant would).
fn run(p: &mut Plant, sim_s: f64) -> Duration {
    let start = Instant::now();
    let end = p.now() + Duration::from_secs_f64(sim_s);
    while p.now() < end {
        p.advance(Duration::from_millis(1));
        std::hint::black_box(p.measure());
    }
    start.elapsed()
}

fn report(what: &str, sim_s: f64, wall: Duration) {
    let w = wall.as_secs_f64();
    println!(
        "{what:<44} {sim_s:>5.1} s simulated in {w:.3} s wall: {:>7.0} sim s / wall s, {:>5.1} ns/step",
        sim_s / w,
        w * 1e9 / (sim_s * RATE_HZ)
    );
}

fn main() {
    // A sustained island (anti-islanding off): the RLC is integrated for 60 s.
    let mut p = plant(false);
    p.advance(Duration::from_millis(500));
    p.open_s3();
    let wall = run(&mut p, 60.0);
    assert!(p.inverter_status().energized, "island should run on");
    report("60 s sustained island (S3 open)", 60.0, wall);

    // Stiff grid (S3 closed), inverter exporting with SFS.
    let mut p = plant(true);
    let wall = run(&mut p, 60.0);
    report("60 s on the grid (S3 closed)", 60.0, wall);

    // V2G: EV battery on the DC side (clamped), backup enabled, on the grid.
    let mut p = v2h(plant(true));
    let wall = run(&mut p, 60.0);
    report("60 s on the grid, EV battery + backup on", 60.0, wall);

    // V2H: grid lost, the inverter forms the home bus (MID open) for 60 s.
    let mut p = v2h(plant(true));
    p.set_grid_output(false);
    run(&mut p, 1.0);
    assert_eq!(p.inverter_mode(), InverterMode::GridForming);
    let wall = run(&mut p, 60.0);
    assert_eq!(p.inverter_mode(), InverterMode::GridForming);
    report("60 s forming the home bus (MID open)", 60.0, wall);

    // The §5.10 sweep's plant work: 33 islands of 0.5 s setup + 3 s watch.
    let start = Instant::now();
    let mut cleared = 0;
    for _ in 0..33 {
        let mut p = plant(true);
        run(&mut p, 0.5);
        p.open_s3();
        run(&mut p, 3.0);
        cleared += usize::from(p.island_events()[0].cleared_at.is_some());
    }
    report(
        &format!("33 islands x 3.5 s (cleared {cleared}/33)"),
        33.0 * 3.5,
        start.elapsed(),
    );
}
