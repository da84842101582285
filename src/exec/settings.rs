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

/// One row of the report's side-by-side table: a setting as the site's
/// profile requires it and as the charger reported it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SettingRow {
    pub setting: String,
    pub unit: String,
    pub profile: Option<f64>,
    pub charger: Option<f64>,
    /// Within the SunSpec point's resolution; a setting the profile leaves
    /// out matches whatever the charger has.
    pub matches: bool,
}

/// Name, unit, accessor and tolerance of one enter-service setting.
type EnterServiceField = (&'static str, &'static str, fn(&EnterService) -> f64, f64);

/// Every trip pickup and clearing time, then the enter-service settings,
/// with the tolerances `compare_trip` uses.
pub fn side_by_side(
    profile_trip: &TripSettings,
    profile_es: Option<&EnterService>,
    charger_trip: &TripSettings,
    charger_es: Option<&EnterService>,
) -> Vec<SettingRow> {
    let row = |setting: String, unit: &str, p: Option<f64>, c: Option<f64>, tol: f64| {
        let matches = match (p, c) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some(p), Some(c)) => (p - c).abs() <= tol,
        };
        SettingRow {
            setting,
            unit: unit.to_string(),
            profile: p,
            charger: c,
            matches,
        }
    };
    let mut rows = Vec::new();
    for f in TripFunction::ALL {
        let (want, got) = (profile_trip.get(f), charger_trip.get(f));
        let (unit, tol) = if f.is_voltage() {
            ("pu", PICKUP_PU_TOLERANCE)
        } else {
            ("Hz", PICKUP_HZ_TOLERANCE)
        };
        rows.push(row(
            format!("{f} pickup"),
            unit,
            want.map(|w| w.pickup),
            got.map(|g| g.pickup),
            tol,
        ));
        rows.push(row(
            format!("{f} clearing time"),
            "s",
            want.map(|w| w.clearing_time_s),
            got.map(|g| g.clearing_time_s),
            TIME_TOLERANCE_S,
        ));
    }
    if let Some(want) = profile_es {
        let fields: [EnterServiceField; 5] = [
            (
                "voltage_min_pu",
                "pu",
                |e| e.voltage_min_pu,
                PICKUP_PU_TOLERANCE,
            ),
            (
                "voltage_max_pu",
                "pu",
                |e| e.voltage_max_pu,
                PICKUP_PU_TOLERANCE,
            ),
            (
                "frequency_min_hz",
                "Hz",
                |e| e.frequency_min_hz,
                PICKUP_HZ_TOLERANCE,
            ),
            (
                "frequency_max_hz",
                "Hz",
                |e| e.frequency_max_hz,
                PICKUP_HZ_TOLERANCE,
            ),
            ("delay_s", "s", |e| e.delay_s, TIME_TOLERANCE_S),
        ];
        for (name, unit, get, tol) in fields {
            rows.push(row(
                format!("enter service {name}"),
                unit,
                Some(get(want)),
                charger_es.map(get),
                tol,
            ));
        }
    }
    rows
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

    #[test]
    fn side_by_side_marks_the_rows_that_differ() {
        let want = TripSettings::ieee1547_cat_ii();
        let mut got = want.clone();
        got.uv1 = Some(TripSetting {
            pickup: 0.88,
            clearing_time_s: 2.0,
        });
        got.of2 = None;
        let es = EnterService::ieee1547_default();
        let rows = side_by_side(&want, Some(&es), &got, Some(&es));
        assert_eq!(rows.len(), 16 + 5);
        let bad: Vec<&str> = rows
            .iter()
            .filter(|r| !r.matches)
            .map(|r| r.setting.as_str())
            .collect();
        assert_eq!(
            bad,
            [
                "UV1 pickup",
                "UV1 clearing time",
                "OF2 pickup",
                "OF2 clearing time"
            ]
        );
        let of2 = rows.iter().find(|r| r.setting == "OF2 pickup").unwrap();
        assert_eq!((of2.unit.as_str(), of2.charger), ("Hz", None));
    }
}
