//! DER (distributed energy resource) settings shared by every layer: the
//! trip and enter-service settings of IEEE 1547-2018 that profiles declare,
//! the plant enforces and the charger reports over SunSpec.

use serde::{Deserialize, Serialize};
use std::fmt;

/// One of the eight IEEE 1547-2018 abnormal voltage/frequency trip functions
/// (§6.4.1 Tables 11–13 for voltage by category, §6.5.1 Table 14 for frequency).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum TripFunction {
    Ov1,
    Ov2,
    Uv1,
    Uv2,
    Of1,
    Of2,
    Uf1,
    Uf2,
}

impl TripFunction {
    pub const ALL: [TripFunction; 8] = [
        TripFunction::Ov1,
        TripFunction::Ov2,
        TripFunction::Uv1,
        TripFunction::Uv2,
        TripFunction::Of1,
        TripFunction::Of2,
        TripFunction::Uf1,
        TripFunction::Uf2,
    ];

    /// Voltage functions have pickups in per-unit of nominal; frequency ones in Hz.
    pub fn is_voltage(self) -> bool {
        matches!(
            self,
            TripFunction::Ov1 | TripFunction::Ov2 | TripFunction::Uv1 | TripFunction::Uv2
        )
    }

    /// Over-functions trip when the quantity rises above the pickup.
    pub fn is_over(self) -> bool {
        matches!(
            self,
            TripFunction::Ov1 | TripFunction::Ov2 | TripFunction::Of1 | TripFunction::Of2
        )
    }

    pub fn name(self) -> &'static str {
        match self {
            TripFunction::Ov1 => "OV1",
            TripFunction::Ov2 => "OV2",
            TripFunction::Uv1 => "UV1",
            TripFunction::Uv2 => "UV2",
            TripFunction::Of1 => "OF1",
            TripFunction::Of2 => "OF2",
            TripFunction::Uf1 => "UF1",
            TripFunction::Uf2 => "UF2",
        }
    }
}

impl fmt::Display for TripFunction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Pickup and clearing time of one trip function.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TripSetting {
    /// Per-unit of nominal voltage for OV/UV, hertz for OF/UF.
    pub pickup: f64,
    /// Time from the quantity crossing the pickup until the DER ceases to energise.
    pub clearing_time_s: f64,
}

/// All eight trip functions. Missing functions are disabled.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TripSettings {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ov1: Option<TripSetting>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ov2: Option<TripSetting>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uv1: Option<TripSetting>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uv2: Option<TripSetting>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub of1: Option<TripSetting>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub of2: Option<TripSetting>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uf1: Option<TripSetting>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uf2: Option<TripSetting>,
}

impl TripSettings {
    pub fn get(&self, function: TripFunction) -> Option<TripSetting> {
        match function {
            TripFunction::Ov1 => self.ov1,
            TripFunction::Ov2 => self.ov2,
            TripFunction::Uv1 => self.uv1,
            TripFunction::Uv2 => self.uv2,
            TripFunction::Of1 => self.of1,
            TripFunction::Of2 => self.of2,
            TripFunction::Uf1 => self.uf1,
            TripFunction::Uf2 => self.uf2,
        }
    }

    pub fn set(&mut self, function: TripFunction, setting: Option<TripSetting>) {
        let slot = match function {
            TripFunction::Ov1 => &mut self.ov1,
            TripFunction::Ov2 => &mut self.ov2,
            TripFunction::Uv1 => &mut self.uv1,
            TripFunction::Uv2 => &mut self.uv2,
            TripFunction::Of1 => &mut self.of1,
            TripFunction::Of2 => &mut self.of2,
            TripFunction::Uf1 => &mut self.uf1,
            TripFunction::Uf2 => &mut self.uf2,
        };
        *slot = setting;
    }

    /// Category II defaults for a system of `nominal_frequency_hz`. IEEE 1547
    /// is a 60 Hz standard; on a 50 Hz system the frequency pickups keep the
    /// same deviation from nominal (an assumption, not a published table).
    pub fn ieee1547_cat_ii_at(nominal_frequency_hz: f64) -> Self {
        let mut s = Self::ieee1547_cat_ii();
        let shift = nominal_frequency_hz - 60.0;
        for f in TripFunction::ALL {
            if let (false, Some(mut t)) = (f.is_voltage(), s.get(f)) {
                t.pickup += shift;
                s.set(f, Some(t));
            }
        }
        s
    }

    /// IEEE 1547-2018 Category II defaults (Table 12 voltage, Table 14 frequency).
    pub fn ieee1547_cat_ii() -> Self {
        let s = |pickup, clearing_time_s| {
            Some(TripSetting {
                pickup,
                clearing_time_s,
            })
        };
        TripSettings {
            ov2: s(1.20, 0.16),
            ov1: s(1.10, 2.0),
            uv1: s(0.70, 10.0),
            uv2: s(0.45, 0.16),
            of2: s(62.0, 0.16),
            of1: s(61.2, 300.0),
            uf1: s(58.5, 300.0),
            uf2: s(56.5, 0.16),
        }
    }
}

/// Enter-service (return to service) window and delay, IEEE 1547-2018 §4.10.3 Table 4.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EnterService {
    pub voltage_min_pu: f64,
    pub voltage_max_pu: f64,
    pub frequency_min_hz: f64,
    pub frequency_max_hz: f64,
    pub delay_s: f64,
}

impl EnterService {
    /// The Table 4 defaults shifted to a 50 Hz system like the trip pickups.
    pub fn ieee1547_default_at(nominal_frequency_hz: f64) -> Self {
        let shift = nominal_frequency_hz - 60.0;
        let d = Self::ieee1547_default();
        EnterService {
            frequency_min_hz: d.frequency_min_hz + shift,
            frequency_max_hz: d.frequency_max_hz + shift,
            ..d
        }
    }

    /// Table 4 defaults: 0.917–1.05 pu, 59.5–60.1 Hz, 300 s.
    pub fn ieee1547_default() -> Self {
        EnterService {
            voltage_min_pu: 0.917,
            voltage_max_pu: 1.05,
            frequency_min_hz: 59.5,
            frequency_max_hz: 60.1,
            delay_s: 300.0,
        }
    }
}

/// Sandia Frequency Shift active anti-islanding parameters:
/// chopping fraction cf = cf0 + K·(f − f_nom), plus the detector that ceases
/// energising when the island frequency is being pushed away, beyond the
/// band in which the DER must ride through.
///
/// IEEE 1547-2018 §6.1: ride-through "shall not be falsely inhibited" by the
/// islanding detection, nor the detection by ride-through. So the detector
/// judges only frequencies outside the mandatory-operation region of
/// §6.5.2 (Table 21: 57.0–61.8 Hz on a 60 Hz system, held 299 s), and even
/// there it declares an island only while the deviation keeps growing — the
/// signature of SFS's positive feedback acting on an island. A stiff grid
/// held at any frequency is left to the OF/UF trip functions.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AntiIslanding {
    pub enabled: bool,
    /// Chopping fraction at nominal frequency.
    pub cf0: f64,
    /// Positive-feedback gain, per hertz of deviation.
    pub k_per_hz: f64,
    /// The drift is judged above nominal + this (Table 21: 61.8 − 60 Hz)…
    pub detect_above_hz: f64,
    /// …or below nominal − this (Table 21: 60 − 57.0 Hz).
    pub detect_below_hz: f64,
    /// …and an island is declared when the deviation grew at least this
    /// fast over the detector's window (`plant::DRIFT_WINDOW_S`).
    pub min_drift_hz_per_s: f64,
}

impl Default for AntiIslanding {
    fn default() -> Self {
        AntiIslanding {
            enabled: true,
            cf0: 0.02,
            k_per_hz: 0.05,
            detect_above_hz: 1.8,
            detect_below_hz: 3.0,
            min_drift_hz_per_s: 1.0,
        }
    }
}
