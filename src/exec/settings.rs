//! Compares the DER settings a charger reports with a grid profile, as the
//! commissioning report shows them side by side.

use crate::der::{EnterService, TripFunction, TripSettings};

/// Resolution of SunSpec scaled points: 0.1 % of nominal, 0.01 Hz, 10 ms.
const PICKUP_PU_TOLERANCE: f64 = 0.001 + 1e-9;
const PICKUP_HZ_TOLERANCE: f64 = 0.01 + 1e-9;
const TIME_TOLERANCE_S: f64 = 0.01 + 1e-9;

pub fn compare_trip(want: &TripSettings, got: &TripSettings) -> Vec<String> {
    let mut out = Vec::new();
    for f in TripFunction::ALL {
        match (want.get(f), got.get(f)) {
            (None, _) => {}
            (Some(_), None) => out.push(format!(
                "{f}: required by the profile, disabled on the charger"
            )),
            (Some(w), Some(g)) => {
                let tol = if f.is_voltage() {
                    PICKUP_PU_TOLERANCE
                } else {
                    PICKUP_HZ_TOLERANCE
                };
                if (w.pickup - g.pickup).abs() > tol {
                    let unit = if f.is_voltage() { "pu" } else { "Hz" };
                    out.push(format!(
                        "{f} pickup: profile {} {unit}, charger {} {unit}",
                        w.pickup, g.pickup
                    ));
                }
                if (w.clearing_time_s - g.clearing_time_s).abs() > TIME_TOLERANCE_S {
                    out.push(format!(
                        "{f} clearing time: profile {} s, charger {} s",
                        w.clearing_time_s, g.clearing_time_s
                    ));
                }
            }
        }
    }
    out
}

pub fn compare_enter_service(want: &EnterService, got: &EnterService) -> Vec<String> {
    let mut out = Vec::new();
    let mut check = |name: &str, w: f64, g: f64, tol: f64| {
        if (w - g).abs() > tol {
            out.push(format!("enter service {name}: profile {w}, charger {g}"));
        }
    };
    check(
        "voltage_min_pu",
        want.voltage_min_pu,
        got.voltage_min_pu,
        PICKUP_PU_TOLERANCE,
    );
    check(
        "voltage_max_pu",
        want.voltage_max_pu,
        got.voltage_max_pu,
        PICKUP_PU_TOLERANCE,
    );
    check(
        "frequency_min_hz",
        want.frequency_min_hz,
        got.frequency_min_hz,
        PICKUP_HZ_TOLERANCE,
    );
    check(
        "frequency_max_hz",
        want.frequency_max_hz,
        got.frequency_max_hz,
        PICKUP_HZ_TOLERANCE,
    );
    check("delay_s", want.delay_s, got.delay_s, TIME_TOLERANCE_S);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::der::TripSetting;

    #[test]
    fn equal_settings_have_no_mismatch() {
        let a = TripSettings::ieee1547_cat_ii();
        assert!(compare_trip(&a, &a).is_empty());
        let es = EnterService::ieee1547_default();
        assert!(compare_enter_service(&es, &es).is_empty());
    }

    #[test]
    fn differences_are_named() {
        let want = TripSettings::ieee1547_cat_ii();
        let mut got = want.clone();
        got.uv1 = Some(TripSetting {
            pickup: 0.88,
            clearing_time_s: 2.0,
        });
        got.of2 = None;
        let m = compare_trip(&want, &got);
        assert_eq!(m.len(), 3, "{m:?}");
        assert!(m[0].starts_with("UV1 pickup"));
        assert!(m[1].starts_with("UV1 clearing time"));
        assert!(m[2].starts_with("OF2: required"));
    }
}
