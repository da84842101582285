//! The charger's island detector, on the PLL's frequency estimate: outside
//! the ride-through band (`AntiIslanding::detect_above_hz`/`_below_hz`) it
//! watches whether the deviation keeps growing, as SFS's positive feedback
//! makes an island's frequency do, and declares an island when it grew at
//! least `min_drift_hz_per_s` over `GROWING_WINDOWS` successive windows. A
//! stiff grid held at any frequency, in the band or beyond it, never grows
//! (a step's PLL transient is over within one window): the OF/UF functions
//! decide there (IEEE 1547-2018 §6.1, §6.5.2). A drift so fast that it
//! pins the PLL's estimate to the edge of its range (a resistive island)
//! counts as growth: the feedback has pushed it as far as it can follow.

use crate::der::AntiIslanding;

/// Window over which the drift is judged: six cycles at 60 Hz, about the
/// PLL's settling after a grid step (pll.rs: ~7 cycles to 1 %), short
/// against the 2 s clearing limit.
pub const DRIFT_WINDOW_S: f64 = 0.1;
/// Successive windows the deviation must grow in. A grid step beyond the
/// band moves the PLL's estimate during the first window only (its tail in
/// the second is under 0.05 Hz, against the 0.1 Hz a window needs); an
/// island's drift goes on.
pub const GROWING_WINDOWS: u32 = 2;

#[derive(Clone, Copy)]
struct Window {
    since_step: u64,
    deviation_hz: f64,
}

pub(crate) struct IslandDetector {
    nominal_hz: f64,
    window_steps: u64,
    window: Option<Window>,
    /// Windows in a row in which the deviation grew enough.
    grown_windows: u32,
}

impl IslandDetector {
    pub fn new(nominal_hz: f64, rate_hz: f64) -> Self {
        IslandDetector {
            nominal_hz,
            window_steps: (DRIFT_WINDOW_S * rate_hz).round() as u64,
            window: None,
            grown_windows: 0,
        }
    }

    /// Forgets the windows (the inverter ceased, or the voltage is gone).
    pub fn reset(&mut self) {
        self.window = None;
        self.grown_windows = 0;
    }

    /// One step with the frequency estimate (`pinned`: at the edge of the
    /// PLL's range); true when an island is declared.
    pub fn step(&mut self, step: u64, f_hz: f64, pinned: bool, ai: &AntiIslanding) -> bool {
        let dev = f_hz - self.nominal_hz;
        if !ai.enabled || (dev <= ai.detect_above_hz && dev >= -ai.detect_below_hz) {
            self.reset();
            return false;
        }
        let fresh = Window {
            since_step: step,
            deviation_hz: dev,
        };
        let w = match self.window {
            Some(w) if w.deviation_hz.signum() == dev.signum() => w,
            _ => {
                self.window = Some(fresh);
                self.grown_windows = 0;
                return false;
            }
        };
        if step - w.since_step < self.window_steps {
            return false;
        }
        let grown_hz = dev.abs() - w.deviation_hz.abs();
        self.window = Some(fresh);
        if pinned || grown_hz >= ai.min_drift_hz_per_s * DRIFT_WINDOW_S {
            self.grown_windows += 1;
        } else {
            // Held (or receding): a grid, not an island.
            self.grown_windows = 0;
        }
        self.grown_windows >= GROWING_WINDOWS
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RATE_HZ: f64 = 20_000.0;

    fn run(ai: &AntiIslanding, f_at: impl Fn(f64) -> f64, s: f64) -> Option<f64> {
        let mut d = IslandDetector::new(60.0, RATE_HZ);
        for k in 0..(s * RATE_HZ) as u64 {
            let t = k as f64 / RATE_HZ;
            let f = f_at(t).clamp(45.0, 75.0);
            if d.step(k, f, f == 45.0 || f == 75.0, ai) {
                return Some(t);
            }
        }
        None
    }

    #[test]
    fn a_held_frequency_is_never_an_island_in_the_band_or_beyond() {
        let ai = AntiIslanding::default();
        for f in [61.05, 61.5, 61.8, 58.0, 57.0, 62.5, 56.0] {
            assert_eq!(run(&ai, |_| f, 10.0), None, "{f} Hz");
        }
    }

    #[test]
    fn a_ramp_inside_the_band_is_ridden_through() {
        // IEEE 1547-2018 §6.5.2.5: Category II rides through 2 Hz/s.
        let ai = AntiIslanding::default();
        assert_eq!(run(&ai, |t| (60.0 + 2.0 * t).min(61.8), 5.0), None);
        assert_eq!(run(&ai, |t| (60.0 - 2.0 * t).max(57.0), 5.0), None);
    }

    #[test]
    fn a_growing_drift_beyond_the_band_is_an_island_after_its_windows() {
        let ai = AntiIslanding::default();
        let after = f64::from(GROWING_WINDOWS) * DRIFT_WINDOW_S;
        // 10 Hz/s upward from 61 Hz: beyond 61.8 at 0.08 s.
        let t = run(&ai, |t| 61.0 + 10.0 * t, 2.0).expect("detected");
        assert!((t - (0.08 + after)).abs() < 1e-3, "{t}");
        let t = run(&ai, |t| 58.0 - 10.0 * t, 2.0).expect("detected");
        assert!((t - (0.1 + after)).abs() < 1e-3, "{t}");
    }

    #[test]
    fn a_step_beyond_the_band_settling_within_a_window_is_not_an_island() {
        // The PLL's estimate after a step to 62.5 Hz: most of the way in
        // the first window, a small tail in the second.
        let ai = AntiIslanding::default();
        let f = |t: f64| 62.5 - 2.5 * (-t / 0.025).exp();
        assert_eq!(run(&ai, f, 5.0), None);
    }

    #[test]
    fn a_drift_pinned_at_the_pll_limit_is_an_island() {
        let ai = AntiIslanding::default();
        // 200 Hz/s: at the 75 Hz limit 65 ms after crossing 61.8 Hz.
        let t = run(&ai, |t| 61.0 + 200.0 * t, 2.0).expect("detected");
        let after = f64::from(GROWING_WINDOWS) * DRIFT_WINDOW_S;
        assert!((t - (0.004 + after)).abs() < 1e-3, "{t}");
    }

    #[test]
    fn disabled_detects_nothing() {
        let ai = AntiIslanding {
            enabled: false,
            ..AntiIslanding::default()
        };
        assert_eq!(run(&ai, |t| 61.0 + 10.0 * t, 2.0), None);
    }
}
