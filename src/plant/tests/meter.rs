//! Measurements on a stiff grid and the waveform history.

use super::*;

#[test]
fn stiff_grid_measurements_match_the_setpoint_and_the_load() {
    for ai in [no_ai(), sfs()] {
        let mut p = Plant::new(config(240.0, 60.0, ai));
        p.set_power_setpoint_w(5_000.0);
        // 3 kW resistive and 2 kvar inductive: the grid supplies the vars
        // and the inverter's surplus flows back into the grid.
        p.set_load(RlcLoad::from_pq(3_000.0, 2_000.0, 0.0, 240.0, 60.0));
        p.advance(Duration::from_secs(1));
        let m = p.measure();
        assert!((m.pcc_voltage_rms_v - 240.0).abs() < 0.01, "{m:?}");
        assert!((m.pcc_frequency_hz - 60.0).abs() < 0.001, "{m:?}");
        assert!((m.inverter_power_w - 5_000.0).abs() < 25.0, "{ai:?} {m:?}");
        assert!((m.load_power_w - 3_000.0).abs() < 1.0, "{m:?}");
        assert!((m.grid_power_w + 2_000.0).abs() < 30.0, "{m:?}");
        // SFS's leading injected current absorbs P·tan(π·cf0/2) var more
        // from the grid.
        let q_inv = if ai.enabled {
            5_000.0 * (std::f64::consts::FRAC_PI_2 * ai.cf0).tan()
        } else {
            0.0
        };
        assert!(
            (m.grid_reactive_var - 2_000.0 - q_inv).abs() < 40.0,
            "{m:?}"
        );
        assert!((m.inverter_current_rms_a - 5_000.0 / 240.0).abs() < 0.5);
    }
}

#[test]
fn power_setpoint_is_clamped_to_the_rating() {
    let mut p = Plant::new(config(240.0, 60.0, no_ai()));
    p.set_power_setpoint_w(2.0 * RATING_W);
    assert_eq!(p.inverter_status().power_setpoint_w, RATING_W);
    p.set_power_setpoint_w(-2.0 * RATING_W);
    assert_eq!(p.inverter_status().power_setpoint_w, -RATING_W);
    p.advance(Duration::from_millis(300));
    let m = p.measure();
    assert!(
        (m.inverter_power_w + RATING_W).abs() < 0.01 * RATING_W,
        "{m:?}"
    );
}

#[test]
fn grid_frequency_steps_are_phase_continuous() {
    let mut p = Plant::new(config(240.0, 60.0, no_ai()));
    p.advance(Duration::from_millis(104));
    p.set_grid_frequency_hz(59.0);
    p.advance(Duration::from_millis(100));
    let h = p.history(Duration::from_millis(100), p.now(), 1);
    let peak = std::f64::consts::SQRT_2 * 240.0;
    let max_step = peak * std::f64::consts::TAU * 60.0 / RATE_HZ;
    for w in h.windows(2) {
        assert!((w[1].v_pcc_v - w[0].v_pcc_v).abs() <= max_step * 1.001);
    }
    assert!((p.measure().pcc_frequency_hz - 59.0).abs() < 0.001);
}

#[test]
fn history_keeps_ten_seconds_and_decimates() {
    let mut p = Plant::new(config(240.0, 60.0, no_ai()));
    p.advance(Duration::from_secs(12));
    let all = p.history(Duration::ZERO, p.now(), 1);
    assert!(all.len() as f64 >= 10.0 * RATE_HZ);
    let first = all[0].t;
    assert!(first <= Duration::from_secs(2));
    let dec = p.history(Duration::from_secs(11), Duration::from_secs(12), 20);
    assert_eq!(dec.len(), 1001);
    assert_eq!(dec[0].t, Duration::from_secs(11));
    assert_eq!(dec[1].t - dec[0].t, Duration::from_millis(1));
    assert_eq!(dec[1000].t, Duration::from_secs(12));
    // Sample at t = 11 s + 1/240 s is a positive crest of the 60 Hz grid.
    let crest = p.history(
        Duration::from_nanos(11_004_166_667),
        Duration::from_nanos(11_004_166_667),
        1,
    );
    assert_eq!(crest.len(), 0, "between samples");
    let near = p.history(
        Duration::from_micros(11_004_150),
        Duration::from_micros(11_004_200),
        1,
    );
    assert!(near
        .iter()
        .all(|s| s.v_pcc_v > 0.999 * 240.0 * std::f64::consts::SQRT_2));
    assert!(p
        .history(Duration::from_secs(13), Duration::from_secs(14), 1)
        .is_empty());
    assert!(p
        .history(Duration::from_secs(5), Duration::from_secs(4), 0)
        .is_empty());
}

#[test]
fn time_is_whole_steps_and_never_stalls() {
    let mut p = Plant::new(config(240.0, 60.0, no_ai()));
    p.advance(Duration::from_nanos(1));
    assert_eq!(p.now(), STEP);
    p.advance_to(Duration::from_micros(75));
    assert_eq!(p.now(), Duration::from_micros(100));
    p.advance_to(Duration::from_micros(10));
    assert_eq!(p.now(), Duration::from_micros(100));
}
