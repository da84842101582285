//! Acceptance tests of issue 2 §3, all in simulated time, plus the meter
//! and bookkeeping the emulators rely on.

use super::*;
use crate::der::{TripSetting, TripSettings};

mod ev;
mod island;
mod meter;
mod protection;
mod v2h;

pub(super) const RATE_HZ: f64 = 20_000.0;
pub(super) const RATING_W: f64 = 7_200.0;
pub(super) const STEP: Duration = Duration::from_micros(50);

/// Cat II trip settings (IEEE 1547-2018 Table 11/14), frequency pickups moved
/// with the nominal frequency so the same margins hold at 50 Hz.
pub(super) fn cat_ii(nominal_hz: f64) -> TripSettings {
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

/// IEEE 1547.1-2020 §5.10 / Table 15: OF/UF widened to +6/−10 Hz at long
/// times, UV to 0, so only the anti-islanding function can clear the island.
pub(super) fn widened(nominal_hz: f64) -> TripSettings {
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

/// The SFS parameters recommended for `AntiIslanding::default()`.
pub(super) fn sfs() -> AntiIslanding {
    AntiIslanding {
        enabled: true,
        cf0: 0.02,
        k_per_hz: 0.05,
        ..AntiIslanding::default()
    }
}

pub(super) fn no_ai() -> AntiIslanding {
    AntiIslanding {
        enabled: false,
        ..sfs()
    }
}

pub(super) fn config(v: f64, hz: f64, ai: AntiIslanding) -> PlantConfig {
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
/// balanced to it with Qf = 1.0 (QL = QC = P), then QC scaled by
/// `qc_scale`; settled 0.5 s on the grid.
pub(super) fn island_rig(
    v: f64,
    hz: f64,
    ai: AntiIslanding,
    power_pu: f64,
    qc_scale: f64,
) -> Plant {
    let mut p = Plant::new(config(v, hz, ai));
    let pw = power_pu * RATING_W;
    p.set_power_setpoint_w(pw);
    p.set_load(RlcLoad::from_pq(pw, pw, pw * qc_scale, v, hz));
    p.advance(Duration::from_millis(500));
    p
}

/// Result of watching one island.
#[derive(Debug)]
pub(super) struct IslandRun {
    /// Ground-truth clearing time from S3 opening.
    pub clearing_s: Option<f64>,
    /// When the inverter ceased, from S3 opening.
    pub ceased_s: Option<f64>,
    /// Frequency deviation last measured while the inverter was energised.
    pub drift_hz: f64,
}

/// Opens S3 and watches for `watch_s`, looking every millisecond.
pub(super) fn island(p: &mut Plant, watch_s: f64) -> IslandRun {
    let f_nom = p.config().nominal_frequency_hz;
    p.open_s3();
    let opened = p.now();
    let mut drift_hz = 0.0;
    let mut ceased_s = None;
    let end = opened + Duration::from_secs_f64(watch_s);
    while p.now() < end {
        p.advance(Duration::from_millis(1));
        let m = p.measure();
        if p.inverter_status().energized {
            if m.pcc_frequency_hz > 0.0 {
                drift_hz = m.pcc_frequency_hz - f_nom;
            }
        } else if ceased_s.is_none() {
            ceased_s = Some((p.now() - opened).as_secs_f64());
        }
    }
    let ev = *p.island_events().last().expect("an island event");
    assert_eq!(ev.s3_opened_at, opened);
    IslandRun {
        clearing_s: ev.cleared_at.map(|c| (c - opened).as_secs_f64()),
        ceased_s,
        drift_hz,
    }
}

/// Steps one at a time until the inverter ceases or `limit_s` passes;
/// returns the time since `from`.
pub(super) fn time_to_cease(p: &mut Plant, from: Duration, limit_s: f64) -> Option<f64> {
    let end = from + Duration::from_secs_f64(limit_s);
    while p.now() < end {
        p.advance(STEP);
        if !p.inverter_status().energized {
            return Some((p.now() - from).as_secs_f64());
        }
    }
    None
}
