//! Acceptance tests of issue 2 §3, all in simulated time.

use super::*;
use crate::der::{TripSetting, TripSettings};

const RATE_HZ: f64 = 20_000.0;
const RATING_W: f64 = 7_200.0;

/// Cat II trip settings (IEEE 1547-2018 Table 11/14), frequency pickups moved
/// with the nominal frequency so the same margins hold at 50 Hz.
fn cat_ii(nominal_hz: f64) -> TripSettings {
    let mut t = TripSettings::ieee1547_cat_ii();
    for f in [
        TripFunction::Of1,
        TripFunction::Of2,
        TripFunction::Uf1,
        TripFunction::Uf2,
    ] {
        if let Some(s) = t.get(f) {
            t.set(
                f,
                Some(TripSetting {
                    pickup: s.pickup - 60.0 + nominal_hz,
                    ..s
                }),
            );
        }
    }
    t
}

fn sfs() -> AntiIslanding {
    AntiIslanding {
        enabled: true,
        cf0: 0.02,
        k_per_hz: 0.05,
        detect_deviation_hz: 1.0,
    }
}

fn no_ai() -> AntiIslanding {
    AntiIslanding {
        enabled: false,
        ..sfs()
    }
}

fn config(v: f64, hz: f64, ai: AntiIslanding) -> PlantConfig {
    PlantConfig {
        nominal_voltage_v: v,
        nominal_frequency_hz: hz,
        step_rate_hz: RATE_HZ,
        inverter: InverterConfig {
            rating_w: RATING_W,
            trip: cat_ii(hz),
            enter_service: EnterService {
                voltage_min_pu: 0.917,
                voltage_max_pu: 1.05,
                frequency_min_hz: hz - 0.5,
                frequency_max_hz: hz + 0.1,
                delay_s: 300.0,
            },
            anti_islanding: ai,
        },
    }
}

/// IEEE 1547.1-2020 §5.10 set-up: inverter at `power_pu` of rating, RLC
/// balanced to it with Qf = 1.0, then QC scaled by `qc_scale`; settled 0.5 s.
fn island_rig(v: f64, hz: f64, ai: AntiIslanding, power_pu: f64, qc_scale: f64) -> Plant {
    let mut p = Plant::new(config(v, hz, ai));
    let pw = power_pu * RATING_W;
    p.set_power_setpoint_w(pw);
    p.set_load(RlcLoad::from_pq(pw, pw, pw * qc_scale, v, hz));
    p.advance(Duration::from_millis(500));
    p
}

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

/// Opens S3, watches `watch_s`; returns (clearing time from S3 opening,
/// frequency deviation last measured while the inverter was energised).
fn island(p: &mut Plant, watch_s: f64) -> (Option<f64>, f64) {
    let f_nom = p.config().nominal_frequency_hz;
    p.open_s3();
    let opened = p.now();
    let mut drift = 0.0;
    let end = opened + Duration::from_secs_f64(watch_s);
    while p.now() < end {
        p.advance(Duration::from_millis(1));
        let m = p.measure();
        if p.inverter_status().energized && m.pcc_frequency_hz > 0.0 {
            drift = m.pcc_frequency_hz - f_nom;
        }
    }
    let ev = p.island_events().last().copied().expect("event");
    assert_eq!(ev.s3_opened_at, opened);
    (ev.cleared_at.map(|c| secs(c) - secs(opened)), drift)
}

#[test]
fn explore_matrix() {
    for &pu in &[1.0, 0.66, 0.33] {
        for k in 95..=105 {
            let qc = k as f64 / 100.0;
            let mut p = island_rig(240.0, 60.0, sfs(), pu, qc);
            let (clr, drift) = island(&mut p, 3.0);
            println!(
                "P={pu} QC={k}% clear={clr:?} drift={drift:+.2} Hz status={:?}",
                p.inverter_status().last_trip
            );
        }
    }
    let mut p = island_rig(240.0, 60.0, no_ai(), 1.0, 1.0);
    let (clr, drift) = island(&mut p, 10.0);
    println!("no AI: clear={clr:?} drift={drift} m={:?}", p.measure());
}

/// IEEE 1547.1-2020 §5.10 / Table 15: OF/UF widened to 66/50 Hz at long
/// times, UV to 0, so only the anti-islanding function can clear the island.
fn widened(nominal_hz: f64) -> TripSettings {
    let s = |pickup, clearing_time_s| {
        Some(TripSetting {
            pickup,
            clearing_time_s,
        })
    };
    TripSettings {
        ov2: s(1.20, 0.16),
        ov1: s(1.10, 13.0),
        uv1: s(0.0, 21.0),
        uv2: s(0.0, 2.0),
        of2: s(nominal_hz + 6.0, 1000.0),
        of1: s(nominal_hz + 6.0, 1000.0),
        uf1: s(nominal_hz - 10.0, 1000.0),
        uf2: s(nominal_hz - 10.0, 1000.0),
    }
}

#[test]
fn explore_widened() {
    for &(v, hz) in &[(240.0, 60.0), (230.0, 50.0)] {
        for k in 940..=1060 {
            if k % 10 != 0 && !(1025..=1045).contains(&k) {
                continue;
            }
            let qc = k as f64 / 1000.0;
            let mut p = island_rig(v, hz, sfs(), 1.0, qc);
            p.set_trip_settings(widened(hz));
            let (clr, drift) = island(&mut p, 3.0);
            println!(
                "{hz} Hz QC={:.1}% clear={clr:?} drift={drift:+.2} Hz status={:?}",
                qc * 100.0,
                p.inverter_status().last_trip
            );
        }
    }
}
