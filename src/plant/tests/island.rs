//! Unintentional islanding (IEEE 1547.1-2020 §5.10): run-on without active
//! anti-islanding, clearing with Sandia Frequency Shift, determinism.

use super::*;

/// Before S3 opens the balanced load leaves S3 carrying almost nothing
/// (IEEE 1547.1 §5.10.3: ≤ 0.02 pu real and reactive).
fn assert_balanced(p: &Plant) {
    let m = p.measure();
    let s_pu = RATING_W;
    assert!(m.grid_power_w.abs() < 0.02 * s_pu, "{m:?}");
    assert!(m.grid_reactive_var.abs() < 0.02 * s_pu, "{m:?}");
}

fn sustains(v: f64, hz: f64) {
    let mut p = island_rig(v, hz, no_ai(), 1.0, 1.0);
    assert_balanced(&p);
    let run = island(&mut p, 10.5);
    let m = p.measure();
    let st = p.inverter_status();
    assert!(st.energized, "{st:?}");
    assert_eq!(st.cease_reason, None);
    assert_eq!(run.clearing_s, None, "{run:?}");
    assert!(run.ceased_s.is_none());
    assert!((m.pcc_voltage_rms_v / v - 1.0).abs() < 0.01, "{m:?}");
    assert!((m.pcc_frequency_hz - hz).abs() < 0.05, "{m:?}");
    assert!((m.inverter_power_w / RATING_W - 1.0).abs() < 0.01, "{m:?}");
    assert_eq!(m.grid_power_w, 0.0);
}

#[test]
fn balanced_island_without_anti_islanding_runs_on_for_10_s_at_60_hz() {
    sustains(240.0, 60.0);
}

#[test]
fn balanced_island_without_anti_islanding_runs_on_for_10_s_at_50_hz() {
    sustains(230.0, 50.0);
}

#[test]
fn sfs_clears_the_balanced_island_within_2_s_with_cat_ii_trips() {
    for (v, hz) in [(240.0, 60.0), (230.0, 50.0)] {
        let mut p = island_rig(v, hz, sfs(), 1.0, 1.0);
        let run = island(&mut p, 3.0);
        let clr = run.clearing_s.expect("cleared");
        assert!(clr <= 2.0, "{hz} Hz: {run:?}");
        // The ground truth comes after the inverter stopped, by the RLC decay.
        let ceased = run.ceased_s.expect("ceased");
        assert!(
            clr + 0.001 >= ceased - 0.001 && clr < ceased + 0.1,
            "{run:?}"
        );
        assert!(!p.inverter_status().energized);
        assert!(p.inverter_status().last_trip.is_some());
    }
}

/// The §5.10 matrix: 100/66/33 % power, QC 95..105 % in 1 % steps, trips
/// widened (Table 15) so SFS must clear on its own. Also reports the drift.
fn sfs_matrix(v: f64, hz: f64) {
    let mut up = 0;
    let mut down = 0;
    for power_pu in [1.0, 0.66, 0.33] {
        for pct in 95..=105 {
            let mut p = island_rig(v, hz, sfs(), power_pu, f64::from(pct) / 100.0);
            p.set_trip_settings(widened(hz));
            let run = island(&mut p, 3.0);
            println!(
                "{hz} Hz P={:>3.0}% QC={pct}%: clearing {:?} s, drift {:+.2} Hz ({})",
                power_pu * 100.0,
                run.clearing_s,
                run.drift_hz,
                if run.drift_hz > 0.0 { "up" } else { "down" }
            );
            let clr = run.clearing_s.expect("cleared");
            assert!(clr <= 2.0, "P={power_pu} QC={pct}%: {run:?}");
            assert_eq!(
                p.inverter_status().last_trip,
                Some(CeaseReason::AntiIslanding)
            );
            assert!(run.drift_hz > sfs().detect_above_hz || run.drift_hz < -sfs().detect_below_hz);
            if run.drift_hz > 0.0 {
                up += 1;
            } else {
                down += 1;
            }
        }
    }
    // cf0 > 0 makes the current lead: an island at or below resonance is
    // pushed up; with enough extra capacitance it is pushed down instead.
    assert!(up > 0 && down > 0, "up {up} down {down}");
}

#[test]
fn sfs_clears_every_point_of_the_reactive_sweep_at_60_hz() {
    sfs_matrix(240.0, 60.0);
}

#[test]
fn sfs_clears_every_point_of_the_reactive_sweep_at_50_hz() {
    sfs_matrix(230.0, 50.0);
}

#[test]
fn drift_direction_follows_the_load_detuning() {
    let drift = |qc| {
        let mut p = island_rig(240.0, 60.0, sfs(), 1.0, qc);
        p.set_trip_settings(widened(60.0));
        island(&mut p, 1.0).drift_hz
    };
    assert!(drift(0.95) > 1.0);
    assert!(drift(1.00) > 1.0);
    assert!(drift(1.05) < -1.0);
}

#[test]
fn without_anti_islanding_a_detuned_island_runs_on_off_nominal() {
    // QC 105 %: the island settles where the load angle is zero, below
    // nominal by about f·ΔQ/(2·Qf·P) = 1.5 Hz; widened trips let it run on.
    let mut p = island_rig(240.0, 60.0, no_ai(), 1.0, 1.05);
    p.set_trip_settings(widened(60.0));
    let run = island(&mut p, 3.0);
    assert_eq!(run.clearing_s, None);
    assert!(p.inverter_status().energized);
    let f = p.measure().pcc_frequency_hz;
    assert!((f - 60.0 / 1.05f64.sqrt()).abs() < 0.1, "{f}");
}

#[test]
fn zero_setpoint_island_clears_at_once() {
    let mut p = island_rig(240.0, 60.0, no_ai(), 0.5, 1.0);
    p.set_power_setpoint_w(0.0);
    p.advance(Duration::from_millis(100));
    assert!(p.inverter_status().energized, "0 W is not a cessation");
    let run = island(&mut p, 0.5);
    // Nothing holds the voltage up: the RLC rings down at once (and UV2
    // then trips the idle inverter).
    assert!(run.clearing_s.expect("cleared") < 0.05, "{run:?}");
}

#[test]
fn closing_s3_ends_the_event_and_the_next_opening_starts_another() {
    let mut p = island_rig(240.0, 60.0, no_ai(), 1.0, 1.0);
    island(&mut p, 0.2);
    p.close_s3();
    p.advance(Duration::from_secs(1));
    assert_eq!(p.island_events().len(), 1);
    assert_eq!(p.island_events()[0].cleared_at, None);
    p.open_s3();
    p.open_s3();
    assert_eq!(p.island_events().len(), 2);
}

/// A scenario that touches every part: grid step, island with SFS,
/// reclose, trip, enter service.
fn scenario() -> (
    Vec<PccSample>,
    Vec<IslandEvent>,
    AcMeasurement,
    InverterStatus,
) {
    let mut p = island_rig(240.0, 60.0, sfs(), 0.66, 1.02);
    let mut es = p.enter_service();
    es.delay_s = 1.0;
    p.set_enter_service(es);
    p.set_grid_voltage_v(250.0);
    p.advance(Duration::from_millis(333));
    p.open_s3();
    p.advance(Duration::from_millis(1500));
    p.close_s3();
    p.set_grid_voltage_v(240.0);
    p.advance(Duration::from_millis(1700));
    p.set_grid_frequency_hz(62.5);
    p.advance(Duration::from_millis(400));
    p.set_grid_frequency_hz(60.0);
    p.advance(Duration::from_millis(2000));
    let h = p.history(Duration::ZERO, p.now(), 1);
    (
        h,
        p.island_events().to_vec(),
        p.measure(),
        p.inverter_status(),
    )
}

#[test]
fn two_runs_with_the_same_inputs_are_bit_identical() {
    let a = scenario();
    let b = scenario();
    assert_eq!(a.0.len(), b.0.len());
    assert!(a.0.len() > 100_000);
    for (x, y) in a.0.iter().zip(&b.0) {
        assert_eq!(x.t, y.t);
        assert_eq!(x.v_pcc_v.to_bits(), y.v_pcc_v.to_bits());
        assert_eq!(x.i_inverter_a.to_bits(), y.i_inverter_a.to_bits());
    }
    assert_eq!(a.1, b.1);
    assert_eq!(a.2, b.2);
    assert_eq!(a.3, b.3);
    // The scenario did what it says: one island, cleared, and back in service.
    assert_eq!(a.1.len(), 1);
    assert!(a.1[0].cleared_at.is_some());
    assert!(a.3.energized);
}

#[test]
fn the_lc_tank_rings_at_its_resonance_without_numerical_loss() {
    // Trapezoidal integration of a lossless LC: after 10 s of free ringing
    // the amplitude and the 60 Hz resonance are kept to within 0.1 %.
    let mut p = Plant::new(config(240.0, 60.0, no_ai()));
    p.set_trip_settings(TripSettings::default());
    p.set_load(RlcLoad::from_pq(0.0, 1_000.0, 1_000.0, 240.0, 60.0));
    p.advance(Duration::from_millis(100));
    island(&mut p, 10.0);
    let m = p.measure();
    assert!((m.pcc_voltage_rms_v / 240.0 - 1.0).abs() < 1e-3, "{m:?}");
    assert!((m.pcc_frequency_hz - 60.0).abs() < 0.01, "{m:?}");
}

#[test]
fn sfs_clears_a_purely_resistive_island() {
    // With no L or C the voltage follows the chopped current, its zero
    // crossings come early and the frequency runs up (SAND2000-1939 §3).
    let mut p = Plant::new(config(240.0, 60.0, sfs()));
    p.set_power_setpoint_w(RATING_W);
    p.set_load(RlcLoad::from_pq(RATING_W, 0.0, 0.0, 240.0, 60.0));
    p.set_trip_settings(widened(60.0));
    p.advance(Duration::from_millis(500));
    let run = island(&mut p, 2.0);
    assert!(run.clearing_s.expect("cleared") < 1.0, "{run:?}");
    assert!(run.drift_hz > 1.0, "{run:?}");
}
