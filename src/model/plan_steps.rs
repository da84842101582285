//! Checks of one plan step that need no rig: numbers finite and in range,
//! the right key combinations, and the step's time bounded
//! ([`super::plan_bounds`]).

use super::check::{show, Checker};
use super::plan::*;
use super::plan_bounds;

fn opt_positive(c: &mut Checker, k: &str, v: Option<f64>) {
    if let Some(v) = v {
        c.positive(k, v);
    }
}

fn opt_finite(c: &mut Checker, k: &str, v: Option<f64>) {
    if let Some(v) = v {
        c.finite(k, v);
    }
}

/// Checks that need no rig: numbers finite and in range, the right key combinations.
pub(crate) fn validate_step(c: &mut Checker, sk: &str, step: &Step) {
    let k = |f: &str| format!("{sk}.{}.{f}", step.kind());
    if let Some(d) = step.device() {
        if d.trim().is_empty() {
            c.invalid(
                &k("device"),
                "empty device name",
                "name a device of the rig",
            );
        }
    }
    match step {
        Step::Set(s) => {
            opt_positive(c, &k("voltage_v"), s.voltage_v);
            opt_positive(c, &k("frequency_hz"), s.frequency_hz);
            opt_finite(c, &k("power_w"), s.power_w);
            if let Some(p) = s.power_pct {
                c.within(&k("power_pct"), p, -100.0, 100.0, " %");
            }
            for (n, v) in [("p_w", s.p_w), ("ql_var", s.ql_var), ("qc_var", s.qc_var)] {
                if let Some(v) = v {
                    c.non_negative(&k(n), v);
                }
            }
            if let Some(p) = s.site_export_pct {
                c.within(&k("site_export_pct"), p, -100.0, 100.0, " %");
                if s.power_w.is_some() || s.power_pct.is_some() {
                    c.invalid(
                        &k("site_export_pct"),
                        "site_export_pct with power_w or power_pct",
                        "give exactly one of power_w, power_pct, site_export_pct",
                    );
                }
            }
            if s.power_w.is_some() && s.power_pct.is_some() {
                c.invalid(
                    &k("power_pct"),
                    "both power_w and power_pct",
                    "give exactly one of power_w, power_pct",
                );
            }
            let any = s.voltage_v.is_some()
                || s.frequency_hz.is_some()
                || s.output.is_some()
                || s.power_w.is_some()
                || s.power_pct.is_some()
                || s.site_export_pct.is_some()
                || s.p_w.is_some()
                || s.ql_var.is_some()
                || s.qc_var.is_some()
                || s.input.is_some();
            if !any {
                c.invalid(&format!("{sk}.set"), "the set step sets nothing", "add a quantity: voltage_v, frequency_hz, output (grid); power_w or power_pct (charger); p_w, ql_var, qc_var, input (load)");
            }
        }
        Step::Ramp(r) => {
            let n = [r.voltage_v, r.frequency_hz, r.power_w]
                .iter()
                .filter(|v| v.is_some())
                .count();
            if n != 1 {
                c.invalid(
                    &format!("{sk}.ramp"),
                    "a ramp moves exactly one quantity",
                    "give one of voltage_v, frequency_hz (grid) or power_w (charger)",
                );
            }
            opt_positive(c, &k("voltage_v"), r.voltage_v);
            opt_positive(c, &k("frequency_hz"), r.frequency_hz);
            opt_finite(c, &k("power_w"), r.power_w);
            let over_ok = plan_bounds::duration(c, &k("over_s"), r.over_s);
            let step_ok = c.positive(&k("step_s"), r.step_s);
            if step_ok && over_ok && r.over_s > 0.0 && r.step_s > r.over_s {
                c.invalid(
                    &k("step_s"),
                    format!("step_s {} is longer than over_s {}", r.step_s, r.over_s),
                    "expected step_s <= over_s",
                );
            } else if step_ok {
                plan_bounds::ramp(c, &k("step_s"), over_ok.then_some(r.over_s), r.step_s);
            }
        }
        Step::Wait(w) => {
            plan_bounds::duration(c, &k("s"), w.s);
        }
        Step::WriteSettings(w) => {
            if let Some(d) = w.enter_service_delay_s {
                // IEEE 1547-2018 Table 4: adjustable 0–600 s.
                let max = plan_bounds::MAX_ENTER_SERVICE_DELAY_S;
                c.within(&k("enter_service_delay_s"), d, 0.0, max, " s");
            }
            if w.profile.is_none()
                && w.anti_islanding.is_none()
                && w.enter_service_delay_s.is_none()
            {
                // A profile that failed to load is already reported.
                if !c.spans.contains(&k("profile")) {
                    c.invalid(
                        &format!("{sk}.write_settings"),
                        "nothing to write",
                        "give any of profile, anti_islanding, enter_service_delay_s",
                    );
                }
            }
        }
        Step::ReadSettings(_) | Step::Close(_) | Step::Open(_) | Step::FirmwareGate(_) => {}
        Step::BootNotification(_)
        | Step::GetVariables(_)
        | Step::SetVariables(_)
        | Step::TriggerMessage(_)
        | Step::ChargingProfile(_)
        | Step::ClearChargingProfile(_)
        | Step::OcppExpect(_) => super::plan_ocpp::validate(c, &k, step),
        Step::Installer(i) => {
            if i.say.trim().is_empty() {
                c.invalid(
                    &k("say"),
                    "nothing to tell the installer",
                    "say what to do in plain words, e.g. \"Open the main breaker\"",
                );
            }
        }
        Step::Identify(i) => {
            if i.serial.as_deref().is_some_and(|s| s.trim().is_empty()) {
                c.invalid(
                    &k("serial"),
                    "empty serial",
                    "give the serial the device must report, or `site` for the site file's",
                );
            }
        }
        Step::MeterCheck(m) => {
            match (m.power_w, m.site_export_pct) {
                (Some(p), None) => {
                    if c.positive(&k("power_w"), p) && p > 100_000.0 {
                        c.invalid(
                            &k("power_w"),
                            format!("{p} W is more than a meter check needs"),
                            "a few kW is enough for the meter to see it, e.g. 2000",
                        );
                    }
                }
                (None, Some(pct)) => {
                    c.within(&k("site_export_pct"), pct, 1.0, 100.0, " %");
                }
                _ => c.invalid(
                    &format!("{sk}.meter_check"),
                    "give exactly one of power_w, site_export_pct",
                    "e.g. `power_w: 2000`, or `site_export_pct: 100` for the site's permitted export",
                ),
            }
            c.within(&k("tolerance_pct"), m.tolerance_pct, 1.0, 50.0, " %");
            if c.positive(&k("settle_s"), m.settle_s) {
                plan_bounds::duration(c, &k("settle_s"), m.settle_s);
            }
        }
        Step::Backup(b) => {
            if c.positive(&k("max_transfer_gap_s"), b.max_transfer_gap_s) {
                plan_bounds::duration(c, &k("max_transfer_gap_s"), b.max_transfer_gap_s);
            }
            plan_bounds::duration(c, &k("hold_s"), b.hold_s);
            if c.positive(&k("wait_s"), b.wait_s) {
                plan_bounds::duration(c, &k("wait_s"), b.wait_s);
            }
            c.within(
                &k("voltage_tolerance_pct"),
                b.voltage_tolerance_pct,
                0.1,
                50.0,
                " %",
            );
            c.within(
                &k("frequency_tolerance_hz"),
                b.frequency_tolerance_hz,
                0.01,
                5.0,
                " Hz",
            );
        }
        Step::BalanceLoad(b) => {
            // IEEE 1547.1-2020 §5.10.2 uses Qf = 1.0; allow practical RLC range.
            c.within(&k("quality_factor"), b.quality_factor, 0.1, 10.0, "");
            if c.positive(&k("max_residual_pu"), b.max_residual_pu) && b.max_residual_pu >= 1.0 {
                c.invalid(
                    &k("max_residual_pu"),
                    format!("{} pu", b.max_residual_pu),
                    "expected a small fraction of rating, e.g. 0.02",
                );
            }
        }
        Step::Island(i) => {
            if !i.reclose
                && (i.reactive_load_pct.len() > 1 || i.extend_while_rising || i.rerun_longest > 0)
            {
                c.invalid(
                    &k("reclose"),
                    "`reclose: false` leaves S3 open after the first point",
                    "use a single load point without extend_while_rising or rerun_longest",
                );
            }
            if i.reactive_load_pct.is_empty() {
                c.invalid(
                    &k("reactive_load_pct"),
                    "no load points",
                    "give e.g. [95, 96, …, 105], or omit for [100]",
                );
            } else if i.reactive_load_pct.len() > plan_bounds::MAX_ISLAND_POINTS {
                c.invalid(
                    &k("reactive_load_pct"),
                    format!("{} load points", i.reactive_load_pct.len()),
                    format!(
                        "an island step has at most {} points; split the sweep",
                        plan_bounds::MAX_ISLAND_POINTS
                    ),
                );
            }
            for (n, p) in i.reactive_load_pct.iter().enumerate() {
                c.within(
                    &format!("{}[{n}]", k("reactive_load_pct")),
                    *p,
                    50.0,
                    150.0,
                    " %",
                );
            }
            if i.watch_s.is_finite() && i.watch_s < 0.5 || !i.watch_s.is_finite() {
                c.invalid(
                    &k("watch_s"),
                    format!("{} s", show(i.watch_s)),
                    "expected at least 0.5 s",
                );
            } else {
                plan_bounds::duration(c, &k("watch_s"), i.watch_s);
            }
            if c.positive(&k("max_clearing_time_s"), i.max_clearing_time_s)
                && i.watch_s.is_finite()
                && i.max_clearing_time_s > i.watch_s
            {
                c.invalid(
                    &k("max_clearing_time_s"),
                    format!(
                        "{} s is longer than watch_s {} s",
                        i.max_clearing_time_s, i.watch_s
                    ),
                    "watch at least as long as the pass limit",
                );
            }
            plan_bounds::duration(c, &k("settle_s"), i.settle_s);
            if i.rerun_longest as usize > i.reactive_load_pct.len() {
                c.invalid(
                    &k("rerun_longest"),
                    format!(
                        "{} is more than the {} load points",
                        i.rerun_longest,
                        i.reactive_load_pct.len()
                    ),
                    "expected at most the number of points (Sandia reruns 3)",
                );
            }
        }
        Step::Trip(t) => validate_trip(c, sk, t),
        Step::Expect(e) => validate_expect(c, sk, e),
        Step::Ev(e) => {
            if let Some(a) = e.charge_current_a {
                // CHAdeMO 0x102 byte 3 carries the request in whole amperes.
                c.within(&format!("{sk}.ev.charge_current_a"), a, 0.0, 255.0, "");
                if e.action != super::plan::EvAction::StartCharge {
                    c.invalid(
                        &format!("{sk}.ev.charge_current_a"),
                        "`charge_current_a` only goes with `action: start_charge`",
                        "remove it, or use action: start_charge",
                    );
                }
            }
        }
        Step::Flash(_) => {}
        Step::Fault(f) => super::fault::validate_fields(c, &format!("{sk}.fault"), f),
        Step::Clear(x) => super::fault::validate_clear(c, &format!("{sk}.clear"), x),
        Step::EvLimits(l) => {
            let k = |key: &str| format!("{sk}.ev_limits.{key}");
            let mut any = false;
            for (key, v, hi) in [
                ("max_charge_current_a", l.max_charge_current_a, 255.0),
                ("max_discharge_current_a", l.max_discharge_current_a, 255.0),
                ("min_discharge_soc_pct", l.min_discharge_soc_pct, 100.0),
                ("min_discharge_voltage_v", l.min_discharge_voltage_v, 1000.0),
            ] {
                if let Some(v) = v {
                    any = true;
                    c.within(&k(key), v, 0.0, hi, "");
                }
            }
            if !any {
                c.invalid(
                    &format!("{sk}.ev_limits"),
                    "no limit to change",
                    "give any of max_charge_current_a, max_discharge_current_a, min_discharge_soc_pct, min_discharge_voltage_v",
                );
            }
        }
    }
}

fn validate_trip(c: &mut Checker, sk: &str, t: &TripStep) {
    let k = |f: &str| format!("{sk}.trip.{f}");
    match (t.voltage_v, t.frequency_hz) {
        (Some(v), None) => {
            c.positive(&k("voltage_v"), v);
        }
        (None, Some(f)) => {
            c.positive(&k("frequency_hz"), f);
        }
        _ => c.invalid(
            &format!("{sk}.trip"),
            "a trip step steps one quantity of the grid",
            "give exactly one of voltage_v, frequency_hz",
        ),
    }
    let max_ok = c.positive(&k("max_clearing_time_s"), t.max_clearing_time_s);
    if c.non_negative(&k("min_clearing_time_s"), t.min_clearing_time_s)
        && max_ok
        && t.min_clearing_time_s > t.max_clearing_time_s
    {
        c.invalid(
            &k("min_clearing_time_s"),
            format!(
                "{} s is longer than max_clearing_time_s {} s",
                show(t.min_clearing_time_s),
                show(t.max_clearing_time_s)
            ),
            "the charger must cease between the two",
        );
    }
    let watch_s = t.watch_s();
    let key = if t.watch_s.is_some() {
        k("watch_s")
    } else {
        k("max_clearing_time_s")
    };
    if !watch_s.is_finite() {
        c.invalid(
            &key,
            format!("{} s", show(watch_s)),
            "expected a finite time",
        );
    } else if max_ok && watch_s < t.max_clearing_time_s + plan_bounds::CEASED_QUIET_S {
        c.invalid(
            &key,
            format!(
                "watching {} s cannot show a cessation at up to {} s",
                show(watch_s),
                show(t.max_clearing_time_s)
            ),
            format!(
                "watch at least {} s longer than max_clearing_time_s (the current must stay off a while to count as ceased)",
                plan_bounds::CEASED_QUIET_S
            ),
        );
    } else {
        plan_bounds::duration(c, &key, watch_s);
    }
}

fn validate_expect(c: &mut Checker, sk: &str, e: &ExpectStep) {
    let k = |f: &str| format!("{sk}.expect.{f}");
    plan_bounds::duration(c, &k("within_s"), e.within_s);
    if e.quantity.is_bool() {
        if e.equals.is_none() {
            c.invalid(
                &k("quantity"),
                format!("{} is true/false: give `equals`", e.quantity.name()),
                "e.g. `equals: false`",
            );
        }
        if e.value.is_some() || e.tolerance.is_some() || e.site_export_pct.is_some() {
            c.invalid(
                &k("value"),
                format!(
                    "{} is true/false: value/tolerance do not apply",
                    e.quantity.name()
                ),
                "use `equals: true|false`",
            );
        }
    } else {
        if e.equals.is_some() {
            c.invalid(
                &k("equals"),
                format!("{} is a number: `equals` does not apply", e.quantity.name()),
                "use `value` and `tolerance`",
            );
        }
        match (e.value.or(e.site_export_pct), e.tolerance) {
            (Some(v), Some(t)) => {
                c.finite(&k("value"), v);
                c.non_negative(&k("tolerance"), t);
                if e.value.is_some() && e.site_export_pct.is_some() {
                    c.invalid(
                        &k("site_export_pct"),
                        "both value and site_export_pct",
                        "give one of them",
                    );
                }
            }
            _ => c.invalid(
                &format!("{sk}.expect"),
                format!("{} needs both `value` and `tolerance`", e.quantity.name()),
                "e.g. `value: 11500, tolerance: 230`",
            ),
        }
    }
}
