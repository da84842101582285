//! Trip functions, SFS detection against a stiff grid, and enter service.

use super::*;

fn with(trips: &mut TripSettings, f: TripFunction, pickup: f64, clearing_time_s: f64) {
    trips.set(
        f,
        Some(TripSetting {
            pickup,
            clearing_time_s,
        }),
    );
}

/// Island with a 10 % real-power mismatch, anti-islanding off. The inverter
/// current holds its amplitude for the first cycles, so the RMS voltage
/// jumps to about 1/(P_load/P_inv) at once and the power loop
/// (POWER_LOOP_TAU_S) then settles it at √(P_inv/P_load). The voltage
/// function whose pickup lies inside both sees the quantity beyond pickup
/// within a cycle, so it trips at its clearing time plus at most 2 cycles.
fn mismatch_trip(load_pu: f64, f: TripFunction, pickup: f64, clearing_time_s: f64) {
    let hz = 60.0;
    let cycle_s = 1.0 / hz;
    let mut p = Plant::new(config(240.0, hz, no_ai()));
    let pw = RATING_W;
    p.set_power_setpoint_w(pw);
    p.set_load(RlcLoad::from_pq(pw * load_pu, pw, pw, 240.0, hz));
    let mut trips = cat_ii(hz);
    with(&mut trips, f, pickup, clearing_time_s);
    p.set_trip_settings(trips);
    p.advance(Duration::from_millis(500));
    assert!(p.inverter_status().energized);
    p.open_s3();
    let opened = p.now();
    let t = time_to_cease(&mut p, opened, clearing_time_s + 1.0).expect("tripped");
    let st = p.inverter_status();
    assert_eq!(st.cease_reason, Some(CeaseReason::Trip(f)), "{st:?}");
    assert_eq!(st.last_trip, Some(CeaseReason::Trip(f)));
    assert!(
        (clearing_time_s..=clearing_time_s + 2.0 * cycle_s).contains(&t),
        "{f}: tripped after {t} s, setting {clearing_time_s} s"
    );
    // Ground truth: voltage and current gone within a few RLC time constants.
    p.advance(Duration::from_millis(200));
    let clr = p.island_events()[0].cleared_at.expect("cleared");
    let clr_s = (clr - opened).as_secs_f64();
    assert!(
        (t - 2.0 * cycle_s..=t + 0.05).contains(&clr_s),
        "{clr_s} vs {t}"
    );
}

#[test]
fn ten_percent_surplus_island_trips_ov1_at_its_clearing_time() {
    // Load 0.9 pu of the inverter: V → 1.11 pu at once, settles at 1.054 pu.
    mismatch_trip(0.9, TripFunction::Ov1, 1.03, 1.0);
}

#[test]
fn ten_percent_deficit_island_trips_uv1_at_its_clearing_time() {
    // Load 1.1 pu of the inverter: V → 0.91 pu at once, settles at 0.953 pu.
    mismatch_trip(1.1, TripFunction::Uv1, 0.97, 0.5);
}

#[test]
fn grid_frequency_step_to_62_5_hz_trips_of2_within_its_clearing_time_plus_a_cycle() {
    // At several phases of the cycle, with SFS on (it must leave a stiff
    // grid's frequency step to OF2).
    for k in 0..6 {
        let mut p = Plant::new(config(240.0, 60.0, sfs()));
        p.set_power_setpoint_w(RATING_W);
        p.advance(Duration::from_millis(500) + Duration::from_micros(2_750 * k));
        p.set_grid_frequency_hz(62.5);
        let stepped = p.now();
        let t = time_to_cease(&mut p, stepped, 1.0).expect("tripped");
        let st = p.inverter_status();
        assert_eq!(st.cease_reason, Some(CeaseReason::Trip(TripFunction::Of2)));
        assert!((0.16..=0.16 + 1.0 / 60.0).contains(&t), "phase {k}: {t} s");
        // The current is zero from the step after the one the trip was
        // decided in (that step's current was already flowing).
        p.advance(Duration::from_millis(20));
        let h = p.history(stepped + Duration::from_secs_f64(t) + STEP, p.now(), 1);
        assert!(h.len() > 300);
        assert!(h.iter().all(|s| s.i_inverter_a == 0.0));
    }
}

#[test]
fn missing_settings_disable_the_function() {
    let mut p = Plant::new(config(240.0, 60.0, no_ai()));
    p.set_trip_settings(TripSettings::default());
    p.set_power_setpoint_w(RATING_W);
    p.set_grid_frequency_hz(63.0);
    p.set_grid_voltage_v(300.0);
    p.advance(Duration::from_secs(2));
    assert!(p.inverter_status().energized);
}

#[test]
fn grid_loss_trips_uv2() {
    let mut p = Plant::new(config(240.0, 60.0, no_ai()));
    p.set_power_setpoint_w(RATING_W);
    p.advance(Duration::from_millis(500));
    p.set_grid_output(false);
    let lost = p.now();
    let t = time_to_cease(&mut p, lost, 1.0).expect("tripped");
    let st = p.inverter_status();
    assert_eq!(st.cease_reason, Some(CeaseReason::Trip(TripFunction::Uv2)));
    // The one-cycle RMS falls below 0.45 pu within 0.8 cycle.
    assert!((0.16..=0.16 + 1.0 / 60.0).contains(&t), "{t}");
    assert_eq!(p.measure().pcc_frequency_hz, 0.0);
}

#[test]
fn enter_service_waits_for_the_delay_inside_the_window() {
    let mut p = Plant::new(config(240.0, 60.0, sfs()));
    let mut es = p.enter_service();
    es.delay_s = 3.0;
    p.set_enter_service(es);
    p.set_power_setpoint_w(RATING_W);
    p.advance(Duration::from_millis(500));
    // Trip on OV2 (1.2 pu, 0.16 s).
    p.set_grid_voltage_v(1.25 * 240.0);
    let over = p.now();
    assert!(time_to_cease(&mut p, over, 1.0).is_some());
    let trip = Some(CeaseReason::Trip(TripFunction::Ov2));
    assert_eq!(p.inverter_status().cease_reason, trip);
    // Back to 1.06 pu: outside the window (1.05), still ceased for the trip.
    p.set_grid_voltage_v(1.06 * 240.0);
    p.advance(Duration::from_secs(5));
    let st = p.inverter_status();
    assert!(!st.energized);
    assert_eq!(st.cease_reason, trip);
    assert_eq!(
        p.history(p.now() - Duration::from_secs(4), p.now(), 7)
            .iter()
            .map(|s| s.i_inverter_a.abs())
            .fold(0.0, f64::max),
        0.0
    );
    // Inside the window: waiting for the delay.
    p.set_grid_voltage_v(240.0);
    let back = p.now();
    p.advance(Duration::from_millis(100));
    let st = p.inverter_status();
    assert_eq!(st.cease_reason, Some(CeaseReason::EnterServiceDelay));
    assert_eq!(st.last_trip, trip);
    // Leaving the window restarts the delay.
    p.advance(Duration::from_millis(1000));
    p.set_grid_frequency_hz(60.3);
    p.advance(Duration::from_millis(100));
    assert_eq!(p.inverter_status().cease_reason, trip);
    p.set_grid_frequency_hz(60.0);
    let back_again = p.now();
    // The window is judged on the one-cycle RMS and the half-period
    // frequency, so it re-enters within a cycle of the grid doing so.
    let t = time_to_cease_end(&mut p, back_again, 5.0).expect("re-energised");
    assert!((3.0..=3.0 + 1.0 / 60.0).contains(&t), "{t}");
    assert!(p.now() - back > Duration::from_secs(4));
    let st = p.inverter_status();
    assert!(st.energized);
    assert_eq!(st.cease_reason, None);
    assert_eq!(st.last_trip, None);
    // And it energises at the setpoint again.
    p.advance(Duration::from_millis(500));
    let m = p.measure();
    assert!((m.inverter_power_w / RATING_W - 1.0).abs() < 0.01, "{m:?}");
}

/// Steps until the inverter is energised again; time since `from`.
fn time_to_cease_end(p: &mut Plant, from: Duration, limit_s: f64) -> Option<f64> {
    let end = from + Duration::from_secs_f64(limit_s);
    while p.now() < end {
        p.advance(STEP);
        if p.inverter_status().energized {
            return Some((p.now() - from).as_secs_f64());
        }
    }
    None
}

#[test]
fn sfs_does_not_trip_on_a_stiff_grid_inside_its_band() {
    let mut p = Plant::new(config(240.0, 60.0, sfs()));
    p.set_power_setpoint_w(-RATING_W);
    p.set_grid_frequency_hz(60.9);
    p.advance(Duration::from_secs(5));
    assert!(p.inverter_status().energized);
    // Import at the setpoint, read over whole cycles of the 60.9 Hz wave (a
    // nominal-length window would ripple by about Δf/f = 1.5 %).
    for _ in 0..7 {
        p.advance(Duration::from_micros(2_300));
        let m = p.measure();
        assert!(
            (m.inverter_power_w / -RATING_W - 1.0).abs() < 0.002,
            "{m:?}"
        );
        assert!((m.pcc_voltage_rms_v / 240.0 - 1.0).abs() < 0.001, "{m:?}");
    }
}

/// IEEE 1547-2018 §6.5.2 and §6.1: on a stiff grid anywhere in the
/// continuous and mandatory-operation regions (57.0–61.8 Hz), the island
/// detector does not pre-empt ride-through; the Category II OF1/UF1
/// functions (61.2 / 58.5 Hz, 300 s) have not reached their clearing time.
#[test]
fn sfs_rides_through_frequency_steps_inside_the_mandatory_operation_region() {
    for f in [61.05, 61.5, 61.8, 58.0, 57.0] {
        let mut p = Plant::new(config(240.0, 60.0, sfs()));
        p.set_power_setpoint_w(RATING_W);
        p.advance(Duration::from_millis(500));
        p.set_grid_frequency_hz(f);
        p.advance(Duration::from_secs(20));
        let st = p.inverter_status();
        assert!(st.energized, "{f} Hz: {st:?}");
        assert_eq!(st.last_trip, None, "{f} Hz");
        let m = p.measure();
        assert!(
            (m.inverter_power_w / RATING_W - 1.0).abs() < 0.005,
            "{f} Hz: {m:?}"
        );
    }
}

/// With every trip function widened out of the way (the ride-through
/// tests' settings), a 2 Hz/s ramp to the edge of the region and a hold
/// there leave only the island detector to act, and it does not.
#[test]
fn sfs_rides_through_a_2_hz_per_s_ramp_to_the_edge_of_the_region() {
    for target in [61.8f64, 57.0] {
        let mut p = Plant::new(config(240.0, 60.0, sfs()));
        p.set_trip_settings(widened(60.0));
        p.set_power_setpoint_w(RATING_W);
        p.advance(Duration::from_millis(500));
        let mut f: f64 = 60.0;
        while (f - target).abs() > 1e-9 {
            f += (target - f).clamp(-0.01, 0.01);
            p.set_grid_frequency_hz(f);
            p.advance(Duration::from_millis(5));
        }
        p.advance(Duration::from_secs(10));
        let st = p.inverter_status();
        assert!(st.energized, "{target} Hz: {st:?}");
        assert_eq!(st.last_trip, None, "{target} Hz");
    }
}

/// Beyond the region the detector still leaves a held grid alone: with the
/// trips widened, only OF2/UF2-style settings may stop the charger there.
#[test]
fn a_held_grid_beyond_the_region_is_not_an_island() {
    for f in [62.5, 56.0] {
        let mut p = Plant::new(config(240.0, 60.0, sfs()));
        p.set_trip_settings(widened(60.0));
        p.set_power_setpoint_w(RATING_W);
        p.advance(Duration::from_millis(500));
        p.set_grid_frequency_hz(f);
        p.advance(Duration::from_secs(5));
        assert!(p.inverter_status().energized, "{f} Hz");
    }
}
