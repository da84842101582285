//! The EV battery on the DC side (issue 3 §3): coulomb counting, the clamp
//! to the vehicle's limits, the contactor, the SoC floor.

use super::*;

const ETA: f64 = DEFAULT_CONVERSION_EFFICIENCY;

fn open_limits() -> DcLimits {
    DcLimits {
        max_discharge_current_a: 100.0,
        max_charge_current_a: 100.0,
        min_discharge_voltage_v: 0.0,
        min_discharge_soc: 0.05,
        max_charge_soc: 0.95,
    }
}

fn small_pack(capacity_kwh: f64, soc: f64) -> EvBatteryConfig {
    EvBatteryConfig {
        capacity_kwh,
        initial_soc: soc,
        ..EvBatteryConfig::typical_62kwh()
    }
}

/// Stiff 240 V / 60 Hz grid, no anti-islanding, battery attached with
/// contactor closed and `limits`.
fn ev_plant(battery: EvBatteryConfig, limits: DcLimits, setpoint_w: f64) -> Plant {
    let mut p = Plant::new(config(240.0, 60.0, no_ai()));
    p.attach_ev(battery);
    p.set_dc_limits(limits);
    p.set_dc_contactor(true);
    p.set_power_setpoint_w(setpoint_w);
    p
}

#[test]
fn soc_falls_by_the_integrated_dc_energy() {
    let mut p = ev_plant(small_pack(1.0, 0.8), open_limits(), 5_000.0);
    let ah = p.ev_capacity_ah().expect("attached");
    // 1 kWh over the typical table's mean OCV (363.65 V).
    assert!((ah - 1000.0 / 363.65).abs() < 1e-9, "{ah}");
    p.advance(Duration::from_millis(200));
    let s0 = p.ev_battery().expect("attached");
    let (mut ac_wh, mut ah_out) = (0.0, 0.0);
    for _ in 0..10_000 {
        p.advance(Duration::from_millis(1));
        let b = p.ev_battery().expect("attached");
        ac_wh += p.measure().inverter_power_w * 1e-3 / 3600.0;
        ah_out += b.current_a * 1e-3 / 3600.0;
    }
    let s1 = p.ev_battery().expect("attached");
    let d_soc = s0.soc - s1.soc;
    let e_wh = s1.energy_out_wh - s0.energy_out_wh;
    // DC energy = AC energy / η while discharging.
    assert!((e_wh * ETA / ac_wh - 1.0).abs() < 0.005, "{e_wh} {ac_wh}");
    // Coulomb counting: ΔSoC = ∫I dt / Ah.
    assert!(
        (d_soc * ah / ah_out - 1.0).abs() < 0.005,
        "{d_soc} {ah_out}"
    );
    // And against the energy: ΔSoC·Ah·V_t = E_dc.
    let v_t = 0.5 * (s0.terminal_voltage_v + s1.terminal_voltage_v);
    assert!(
        (d_soc * ah * v_t / e_wh - 1.0).abs() < 0.005,
        "{s0:?} {s1:?}"
    );
    // ≈ 5 kW / η for 10 s.
    assert!((e_wh - 5_000.0 / ETA * 10.0 / 3600.0).abs() < 0.2, "{e_wh}");
    assert!(s1.dc_power_w > 5_000.0 && s1.current_a > 0.0, "{s1:?}");
}

#[test]
fn discharge_is_clamped_to_the_vehicles_max_current() {
    let limits = DcLimits {
        max_discharge_current_a: 10.0,
        ..open_limits()
    };
    let mut p = ev_plant(EvBatteryConfig::typical_62kwh(), limits, RATING_W);
    p.advance(Duration::from_secs(1));
    let b = p.ev_battery().expect("attached");
    let m = p.measure();
    let expect_w = ETA * 10.0 * b.terminal_voltage_v;
    assert!(
        (m.inverter_power_w / expect_w - 1.0).abs() < 0.003,
        "{m:?} {b:?}"
    );
    assert!(b.current_a <= 10.0 * 1.001 && b.current_a > 9.97, "{b:?}");
    assert!((b.terminal_voltage_v - (b.ocv_v - b.current_a * 0.1)).abs() < 1e-9);
    // The status keeps the commanded setpoint; the clamp is visible apart.
    assert_eq!(p.inverter_status().power_setpoint_w, RATING_W);
    assert!((p.effective_power_setpoint_w() - expect_w).abs() < 1.0);
    let mut i_max: f64 = 0.0;
    for _ in 0..200 {
        p.advance(Duration::from_millis(5));
        i_max = i_max.max(p.ev_battery().expect("attached").current_a);
    }
    println!("max discharge current {i_max} A (limit 10 A)");
    assert!(i_max <= 10.0 * (1.0 + 1e-5), "{i_max}");
    // The vehicle re-sends its limits every 100 ms and may lower them: the
    // reported (whole-cycle) current never shows a part-cycle spike.
    let lower = DcLimits {
        max_discharge_current_a: 9.5,
        ..limits
    };
    for k in 0..100 {
        p.set_dc_limits(if k % 3 == 0 { lower } else { limits });
        p.advance(Duration::from_millis(7));
        let i = p.ev_battery().expect("attached").current_a;
        assert!(i <= 10.0 * (1.0 + 1e-5) && i > 9.4, "{k}: {i}");
    }
}

#[test]
fn charge_is_clamped_to_the_vehicles_max_current() {
    let limits = DcLimits {
        max_charge_current_a: 8.0,
        ..open_limits()
    };
    let mut p = ev_plant(EvBatteryConfig::typical_62kwh(), limits, -RATING_W);
    p.advance(Duration::from_secs(1));
    let b = p.ev_battery().expect("attached");
    let m = p.measure();
    // Charging: the AC side supplies the DC power over η.
    let expect_w = -8.0 * b.terminal_voltage_v / ETA;
    assert!(
        (m.inverter_power_w / expect_w - 1.0).abs() < 0.003,
        "{m:?} {b:?}"
    );
    assert!(b.current_a >= -8.0 * 1.001 && b.current_a < -7.97, "{b:?}");
    assert!(b.terminal_voltage_v > b.ocv_v);
    assert!(b.energy_out_wh < 0.0);
}

#[test]
fn no_power_flows_with_the_contactor_open_or_without_limits() {
    let mut p = ev_plant(EvBatteryConfig::typical_62kwh(), open_limits(), 5_000.0);
    p.advance(Duration::from_millis(500));
    assert!((p.measure().inverter_power_w - 5_000.0).abs() < 30.0);
    p.set_dc_contactor(false);
    // The current stops at once: the next cycle's mean is zero.
    p.advance(Duration::from_millis(20));
    let m = p.measure();
    assert!(m.inverter_power_w.abs() < 1.0, "{m:?}");
    p.advance(Duration::from_millis(20));
    assert_eq!(p.ev_battery().expect("attached").current_a, 0.0);
    // Contactor closed but no session limits: still nothing.
    p.set_dc_contactor(true);
    p.set_dc_limits(DcLimits::NONE);
    p.advance(Duration::from_millis(100));
    assert!(p.measure().inverter_power_w.abs() < 1.0);
    assert!(p.inverter_status().energized, "a clamp is not a cessation");
    // Detached: the ideal lab source again, no limits.
    p.detach_ev();
    p.advance(Duration::from_millis(500));
    assert!((p.measure().inverter_power_w - 5_000.0).abs() < 30.0);
    assert_eq!(p.ev_battery(), None);
}

#[test]
fn default_dc_side_is_the_ideal_source() {
    let mut p = Plant::new(config(240.0, 60.0, no_ai()));
    assert!(!p.dc_contactor());
    assert_eq!(p.dc_limits(), DcLimits::NONE);
    p.set_power_setpoint_w(RATING_W);
    p.advance(Duration::from_millis(500));
    assert!((p.measure().inverter_power_w - RATING_W).abs() < 40.0);
    assert_eq!(p.effective_power_setpoint_w(), RATING_W);
}

#[test]
fn discharge_stops_at_the_soc_floor_and_charging_is_still_allowed() {
    // 20 Wh pack from 25 % to the 20 % floor: 1 Wh at 7.5 kW DC, ~0.5 s.
    let limits = DcLimits {
        min_discharge_soc: 0.2,
        ..open_limits()
    };
    let mut p = ev_plant(small_pack(0.02, 0.25), limits, RATING_W);
    p.advance(Duration::from_secs(2));
    let b = p.ev_battery().expect("attached");
    assert!(b.soc <= 0.2 && b.soc > 0.2 - 1e-3, "{b:?}");
    assert!(p.measure().inverter_power_w.abs() < 1.0);
    assert_eq!(b.current_a, 0.0);
    p.set_power_setpoint_w(-2_000.0);
    p.advance(Duration::from_millis(500));
    assert!((p.measure().inverter_power_w + 2_000.0).abs() < 20.0);
    assert!(p.ev_battery().expect("attached").soc > 0.2);
}

#[test]
fn discharge_current_is_held_where_the_terminal_voltage_meets_its_minimum() {
    // OCV ≈ 365 V at 50 %: with R = 0.1 Ω a 363 V minimum allows ≈ 20 A.
    let limits = DcLimits {
        min_discharge_voltage_v: 363.0,
        ..open_limits()
    };
    let mut p = ev_plant(small_pack(62.0, 0.5), limits, RATING_W);
    p.advance(Duration::from_secs(1));
    let b = p.ev_battery().expect("attached");
    assert!((b.terminal_voltage_v - 363.0).abs() < 0.05, "{b:?}");
    assert!((b.current_a - (b.ocv_v - 363.0) / 0.1).abs() < 0.3, "{b:?}");
}

#[test]
fn efficiency_is_settable() {
    let mut p = ev_plant(EvBatteryConfig::typical_62kwh(), open_limits(), 4_000.0);
    p.set_conversion_efficiency(0.9);
    assert_eq!(p.conversion_efficiency(), 0.9);
    p.advance(Duration::from_secs(1));
    let b = p.ev_battery().expect("attached");
    assert!((b.dc_power_w - 4_000.0 / 0.9).abs() < 25.0, "{b:?}");
}

#[test]
fn ocv_table_is_piecewise_linear_and_its_mean_is_the_area() {
    use crate::plant::battery::{mean_ocv, ocv_at};
    let t = EvBatteryConfig::typical_62kwh().ocv_table;
    assert_eq!(ocv_at(&t, -0.5), 300.0);
    assert_eq!(ocv_at(&t, 0.05), 320.0);
    assert_eq!(ocv_at(&t, 0.3), 352.5);
    assert_eq!(ocv_at(&t, 0.95), 396.5);
    assert_eq!(ocv_at(&t, 1.5), 403.0);
    // 0.1·320 + 0.4·352.5 + 0.4·377.5 + 0.1·396.5
    assert!((mean_ocv(&t) - 363.65).abs() < 1e-9);
    assert_eq!(ocv_at(&[], 0.5), 0.0);
}
