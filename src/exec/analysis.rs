//! Measures an island event from a recorder capture, as a lab does from a
//! scope trace: the clearing time runs from S3 opening (the trigger) until
//! PCC voltage and charger current fall below 0.05 pu and stay there
//! (IEEE 1547.1-2020 §5.10; IEC 62116 §6.1 "run-on time").

use crate::device::Capture;
use serde::Serialize;

/// Thresholds of the cleared state, as instantaneous magnitudes.
#[derive(Debug, Clone, Copy)]
pub struct ClearingThresholds {
    pub voltage_peak_v: f64,
    pub current_peak_a: f64,
}

impl ClearingThresholds {
    /// 0.05 pu of nominal RMS voltage and rated RMS current, as peaks.
    pub fn per_unit_005(nominal_voltage_v: f64, rated_current_a: f64) -> Self {
        let k = 0.05 * std::f64::consts::SQRT_2;
        ClearingThresholds {
            voltage_peak_v: k * nominal_voltage_v,
            current_peak_a: k * rated_current_a,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct IslandAnalysis {
    /// None when the island was still energised at the end of the capture.
    pub clearing_time_s: Option<f64>,
    /// PCC frequency over the last cycles before S3 opened.
    pub frequency_before_hz: Option<f64>,
    /// PCC frequency over the last cycles the charger energised the island
    /// (before its current stopped, or to the end of the capture): the
    /// ring-down of the RLC load after it ceased is not the island's drift.
    pub frequency_last_hz: Option<f64>,
}

impl IslandAnalysis {
    /// Signed drift of the island frequency from its pre-island value.
    pub fn frequency_drift_hz(&self) -> Option<f64> {
        Some(self.frequency_last_hz? - self.frequency_before_hz?)
    }
}

/// The capture must reach at least `settle_cycles` of quiet after the last
/// exceedance to call the island cleared: one nominal cycle.
pub fn analyse_capture(
    capture: &Capture,
    thresholds: ClearingThresholds,
    nominal_frequency_hz: f64,
) -> IslandAnalysis {
    let fs = capture.sample_rate_hz;
    let n = capture.voltage_v.len().min(capture.current_a.len());
    let trigger = capture.trigger_index.min(n);
    if fs <= 0.0 || !fs.is_finite() || n == 0 {
        return IslandAnalysis {
            clearing_time_s: None,
            frequency_before_hz: None,
            frequency_last_hz: None,
        };
    }
    let above = |k: usize| {
        capture.voltage_v[k].abs() > thresholds.voltage_peak_v
            || capture.current_a[k].abs() > thresholds.current_peak_a
    };
    let last_above = (trigger..n).rev().find(|&k| above(k));
    let quiet_needed = (fs / nominal_frequency_hz).ceil() as usize;
    let clearing_time_s = match last_above {
        // Never above after the trigger: cleared at once.
        None => Some(0.0),
        Some(k) if n - 1 - k >= quiet_needed => Some((k + 1 - trigger) as f64 / fs),
        Some(_) => None,
    };
    let current_stop = (trigger..n)
        .rev()
        .find(|&k| capture.current_a[k].abs() > thresholds.current_peak_a)
        .map_or(trigger, |k| k + 1);
    let end_of_energised = if clearing_time_s.is_none() {
        n
    } else {
        current_stop
    };
    let cycles = 3;
    let window = ((cycles as f64) * fs / nominal_frequency_hz).ceil() as usize;
    let before = &capture.voltage_v[trigger.saturating_sub(window)..trigger];
    let last_from = end_of_energised.saturating_sub(window).max(trigger);
    let last = &capture.voltage_v[last_from..end_of_energised];
    IslandAnalysis {
        clearing_time_s,
        frequency_before_hz: frequency_from_zero_crossings(before, fs),
        frequency_last_hz: frequency_from_zero_crossings(last, fs),
    }
}

/// When the charger ceased to energise after a disturbance of the grid
/// (IEEE 1547.1-2020 §5.4/§5.5 trip tests: "the clearing time shall be
/// measured from the time t0 to tc"): its current's last excursion above
/// 0.05 pu, with at least one nominal cycle of quiet after it, relative to
/// the disturbance at `disturbance_s` after the capture's trigger. The
/// stiff grid holds the PCC voltage, so only the current counts.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Cessation {
    /// The charger's current was above the threshold in the cycle before
    /// the disturbance (otherwise there was nothing to cease).
    pub energised_before: bool,
    /// t_c − t_0; None when it still energised at the end of the capture.
    pub clearing_time_s: Option<f64>,
}

pub fn cessation_after(
    capture: &Capture,
    current_peak_a: f64,
    disturbance_s: f64,
    nominal_frequency_hz: f64,
) -> Cessation {
    let fs = capture.sample_rate_hz;
    let n = capture.current_a.len();
    let none = Cessation {
        energised_before: false,
        clearing_time_s: None,
    };
    if fs <= 0.0 || !fs.is_finite() || n == 0 || !disturbance_s.is_finite() {
        return none;
    }
    let t0 = capture.trigger_index as f64 + disturbance_s * fs;
    if t0 < 0.0 || t0 >= n as f64 {
        return none;
    }
    let d = (t0.ceil() as usize).min(n);
    let cycle = (fs / nominal_frequency_hz).ceil() as usize;
    let above = |k: &usize| capture.current_a[*k].abs() > current_peak_a;
    let energised_before = (d.saturating_sub(cycle)..d).any(|k| above(&k));
    let clearing_time_s = match (d..n).rev().find(above) {
        None => Some(0.0),
        Some(k) if n - 1 - k >= cycle => Some((k + 1) as f64 / fs - t0 / fs),
        Some(_) => None,
    };
    Cessation {
        energised_before,
        clearing_time_s,
    }
}

/// Mean frequency between the first and last rising zero crossings,
/// interpolated between samples; None with fewer than two crossings.
pub fn frequency_from_zero_crossings(samples: &[f64], sample_rate_hz: f64) -> Option<f64> {
    let mut first: Option<f64> = None;
    let mut last = 0.0;
    let mut count = 0usize;
    for (k, pair) in samples.windows(2).enumerate() {
        let (a, b) = (pair[0], pair[1]);
        if a < 0.0 && b >= 0.0 {
            let t = k as f64 + a / (a - b);
            if first.is_none() {
                first = Some(t);
            }
            last = t;
            count += 1;
        }
    }
    let first = first?;
    if count < 2 || last <= first {
        return None;
    }
    Some((count - 1) as f64 * sample_rate_hz / (last - first))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sine(f: f64, amp: f64, fs: f64, n: usize, t0: usize) -> Vec<f64> {
        (0..n)
            .map(|k| amp * (2.0 * std::f64::consts::PI * f * (k + t0) as f64 / fs).sin())
            .collect()
    }

    #[test]
    fn zero_crossings_give_frequency() {
        let fs = 10_000.0;
        let v = sine(60.3, 339.0, fs, 5000, 7);
        let f = frequency_from_zero_crossings(&v, fs).unwrap();
        assert!((f - 60.3).abs() < 1e-3, "{f}");
        assert_eq!(frequency_from_zero_crossings(&[1.0, 2.0], fs), None);
    }

    #[test]
    fn clearing_time_is_last_exceedance_after_trigger() {
        let fs = 10_000.0;
        let n = 40_000;
        let trigger = 5_000;
        let stop = trigger + 8_123; // energised for 0.8123 s after S3 opened
        let mut v = sine(60.0, 339.4, fs, n, 0);
        let mut i = sine(60.0, 67.8, fs, n, 0);
        for k in stop..n {
            v[k] = 0.0;
            i[k] = 0.0;
        }
        let capture = Capture {
            sample_rate_hz: fs,
            trigger_index: trigger,
            voltage_v: v,
            current_a: i,
        };
        let th = ClearingThresholds::per_unit_005(240.0, 47.9);
        let a = analyse_capture(&capture, th, 60.0);
        let t = a.clearing_time_s.unwrap();
        // The last sample above threshold is within half a cycle before `stop`.
        assert!(t <= 0.8123 + 1e-9 && t > 0.8123 - 1.0 / 120.0, "{t}");
        assert!((a.frequency_before_hz.unwrap() - 60.0).abs() < 0.01);
        assert!(a.frequency_drift_hz().unwrap().abs() < 0.01);
    }

    #[test]
    fn cessation_is_timed_from_the_disturbance_to_the_last_current() {
        let fs = 10_000.0;
        let n = 20_000;
        // Triggered at sample 5000, the grid stepped 2.5 ms later, the
        // current stopped 0.163 s after the step.
        let (trigger, step) = (5_000, 25);
        let stop = trigger + step + 1_630;
        let mut i = sine(60.0, 67.8, fs, n, 0);
        for x in &mut i[stop..] {
            *x = 0.0;
        }
        let capture = Capture {
            sample_rate_hz: fs,
            trigger_index: trigger,
            voltage_v: sine(60.0, 339.4, fs, n, 0),
            current_a: i,
        };
        let c = cessation_after(&capture, 0.05 * 47.9 * 2f64.sqrt(), 0.0025, 60.0);
        assert!(c.energised_before);
        let t = c.clearing_time_s.unwrap();
        // The last sample above 0.05 pu lies within half a cycle of `stop`.
        assert!(t <= 0.163 + 1e-9 && t > 0.163 - 1.0 / 120.0, "{t}");
        // Never energised: nothing to cease.
        let quiet = Capture {
            current_a: vec![0.0; n],
            ..capture.clone()
        };
        let c = cessation_after(&quiet, 1.0, 0.0025, 60.0);
        assert!(!c.energised_before);
        // Still energised at the end.
        let on = Capture {
            current_a: sine(60.0, 67.8, fs, n, 0),
            ..capture
        };
        assert_eq!(cessation_after(&on, 1.0, 0.0, 60.0).clearing_time_s, None);
        // A disturbance outside the capture measures nothing.
        assert_eq!(cessation_after(&on, 1.0, 9.0, 60.0).clearing_time_s, None);
    }

    #[test]
    fn energised_to_the_end_is_not_cleared() {
        let fs = 10_000.0;
        let capture = Capture {
            sample_rate_hz: fs,
            trigger_index: 100,
            voltage_v: sine(60.0, 339.4, fs, 2000, 0),
            current_a: vec![0.0; 2000],
        };
        let a = analyse_capture(
            &capture,
            ClearingThresholds::per_unit_005(240.0, 47.9),
            60.0,
        );
        assert_eq!(a.clearing_time_s, None);
    }

    #[test]
    fn empty_or_inconsistent_capture_does_not_panic() {
        let c = Capture {
            sample_rate_hz: 0.0,
            trigger_index: 99,
            voltage_v: vec![],
            current_a: vec![1.0],
        };
        let a = analyse_capture(&c, ClearingThresholds::per_unit_005(240.0, 1.0), 60.0);
        assert_eq!(a.clearing_time_s, None);
        let c = Capture {
            sample_rate_hz: 100.0,
            trigger_index: 99,
            voltage_v: vec![0.0; 3],
            current_a: vec![0.0; 5],
        };
        let a = analyse_capture(&c, ClearingThresholds::per_unit_005(240.0, 1.0), 60.0);
        assert_eq!(a.clearing_time_s, Some(0.0));
    }
}
