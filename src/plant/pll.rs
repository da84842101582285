//! The charger's phase-locked loop: a zero-crossing PLL whose phase θ runs
//! continuously at its frequency estimate and is corrected at each accepted
//! crossing of the PCC voltage. The grid-following current is synthesised
//! from θ (inverter.rs), so its positive and negative half-cycles have the
//! same length whatever the voltage does: a distorted island voltage with
//! spurious or lopsided crossings moves the estimate, never the current's
//! symmetry (no DC injection; IEEE 1547-2018 §7.2.2 limits it to 0.5 % of
//! rated current).
//!
//! Loop: at a crossing the phase error e (rad, voltage ahead positive) feeds
//! an integral path (the frequency estimate moves by `FREQUENCY_GAIN`·e
//! over a half-period) and a proportional path (θ is slewed by
//! `PHASE_GAIN`·e over the next half-period, as a temporary frequency
//! offset, so θ never jumps). Per half-cycle the error obeys
//! z² − (2 − kp − ki)·z + (1 − kp) = 0: with kp = 0.5, ki = 0.2 the roots
//! have |z| = 0.71, so a frequency step settles to 1 % in about 7 cycles.

use super::measure::Crossing;
use std::f64::consts::{PI, TAU};

/// Proportional gain (share of the phase error slewed out per half-cycle).
pub const PHASE_GAIN: f64 = 0.5;
/// Integral gain (share of the phase error, read as a frequency error over
/// the last half-period, taken into the frequency estimate).
pub const FREQUENCY_GAIN: f64 = 0.2;
/// A crossing more than this far from where θ expects one is not the
/// fundamental's (ringing, a chopped-current notch) and is ignored…
pub const LOCK_GATE_RAD: f64 = PI / 3.0;
/// …unless this many in a row are: then the loop has lost lock and
/// re-acquires by taking the crossing's phase.
const REACQUIRE_AFTER: u32 = 4;
/// The estimate stays within ±this share of nominal, as a real PLL's
/// frequency clamp: beyond it no grid exists and protection has long acted.
pub const FREQUENCY_RANGE_PU: f64 = 0.25;

pub(crate) struct Pll {
    f_nom: f64,
    dt_s: f64,
    /// Phase of the synthesised fundamental, [0, 2π): 0 at the voltage's
    /// rising zero crossing when locked.
    pub theta: f64,
    /// The frequency estimate (protection and SFS read this).
    pub f_hz: f64,
    /// Temporary offset that slews out the last phase error.
    slew_hz: f64,
    misses: u32,
}

/// `x` wrapped to (−π, π].
fn wrap(x: f64) -> f64 {
    let y = x.rem_euclid(TAU);
    if y > PI {
        y - TAU
    } else {
        y
    }
}

impl Pll {
    /// Locked to a nominal grid whose rising crossing is at t = 0.
    pub fn new(f_nom: f64, dt_s: f64) -> Self {
        Pll {
            f_nom,
            dt_s,
            theta: 0.0,
            f_hz: f_nom,
            slew_hz: 0.0,
            misses: 0,
        }
    }

    /// Advances θ by one step; returns the half-cycle index (0 positive,
    /// 1 negative) it is now in.
    pub fn advance(&mut self) -> usize {
        self.theta = (self.theta + TAU * (self.f_hz + self.slew_hz) * self.dt_s).rem_euclid(TAU);
        usize::from(self.theta >= PI)
    }

    /// A zero crossing of the voltage, `lag_s` before the current step.
    pub fn on_crossing(&mut self, c: Crossing, lag_s: f64) {
        let theta_at = self.theta - TAU * (self.f_hz + self.slew_hz) * lag_s;
        let expected = if c.rising { 0.0 } else { PI };
        let e = wrap(expected - theta_at);
        if e.abs() > LOCK_GATE_RAD {
            self.misses += 1;
            if self.misses < REACQUIRE_AFTER {
                return;
            }
            // Lost: take the crossing's phase, keep the estimate.
            self.theta = (self.theta + e).rem_euclid(TAU);
            self.slew_hz = 0.0;
            self.misses = 0;
            return;
        }
        self.misses = 0;
        let half_s = 0.5 / self.f_hz;
        let f_err_hz = e / (TAU * half_s);
        let (lo, hi) = (
            self.f_nom * (1.0 - FREQUENCY_RANGE_PU),
            self.f_nom * (1.0 + FREQUENCY_RANGE_PU),
        );
        self.f_hz = (self.f_hz + FREQUENCY_GAIN * f_err_hz).clamp(lo, hi);
        self.slew_hz = PHASE_GAIN * f_err_hz;
    }

    /// The estimate rests at the edge of its range: the voltage's frequency
    /// is as far off as the loop can follow, or farther.
    pub fn at_range_limit(&self) -> bool {
        (self.f_hz / self.f_nom - 1.0).abs() >= FREQUENCY_RANGE_PU * (1.0 - 1e-9)
    }

    /// Position in the current half-cycle, [0, π).
    pub fn half_phase(&self) -> f64 {
        if self.theta >= PI {
            self.theta - PI
        } else {
            self.theta
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RATE_HZ: f64 = 20_000.0;

    /// Feeds a sinusoid's crossings at `f_hz`; returns the estimate after `s`.
    fn track(f_hz: f64, s: f64) -> Pll {
        let dt = 1.0 / RATE_HZ;
        let mut pll = Pll::new(60.0, dt);
        let mut prev = 0.0f64;
        let steps = (s * RATE_HZ) as usize;
        for k in 1..=steps {
            pll.advance();
            let t = k as f64 * dt;
            let v = (TAU * f_hz * t).sin();
            if (prev < 0.0 && v >= 0.0) || (prev > 0.0 && v <= 0.0) {
                let tz = t - dt * v / (v - prev);
                pll.on_crossing(
                    Crossing {
                        t_s: tz,
                        rising: v >= 0.0,
                    },
                    t - tz,
                );
            }
            prev = v;
        }
        pll
    }

    #[test]
    fn locks_to_an_off_nominal_grid_within_a_few_cycles() {
        for f in [57.0, 59.5, 61.8, 62.5] {
            let pll = track(f, 0.2);
            assert!((pll.f_hz - f).abs() < 0.01, "{f}: {}", pll.f_hz);
        }
    }

    #[test]
    fn locked_phase_follows_the_voltage() {
        let pll = track(60.0, 1.0);
        // t = 1 s is a whole number of 60 Hz cycles: θ ≈ 0 (mod 2π).
        assert!(wrap(pll.theta).abs() < 0.01, "{}", pll.theta);
    }

    #[test]
    fn a_stray_crossing_is_ignored() {
        let mut pll = Pll::new(60.0, 1.0 / RATE_HZ);
        for _ in 0..(RATE_HZ as usize / 240) {
            pll.advance();
        }
        // A quarter cycle in: a "crossing" here is 90° off.
        pll.on_crossing(
            Crossing {
                t_s: 0.0,
                rising: true,
            },
            0.0,
        );
        assert_eq!(pll.f_hz, 60.0);
    }
}
