//! The charger's grid-following current source: a sinusoid on the PLL's
//! phase (pll.rs), amplitude from the power setpoint over a filtered RMS
//! voltage, and Sandia Frequency Shift chopping (Stevens et al.,
//! "Development and Testing of an Approach to Anti-Islanding in Utility-
//! Interconnected Photovoltaic Systems", SAND2000-1939, §3: cf = cf0 + K·Δf,
//! Δf the PLL's frequency estimate less nominal).

use super::measure::Crossing;
use super::pll::Pll;
use crate::der::AntiIslanding;
use std::f64::consts::{PI, SQRT_2};

/// Time constant of the power loop's RMS-voltage filter. Slow against the
/// RLC (2·R·C ≈ 5 ms at Qf = 1) and the cycle, fast against the 2 s limit.
pub const POWER_LOOP_TAU_S: f64 = 0.1;
/// Current limit in per-unit of rated current (rating / nominal voltage).
pub const CURRENT_LIMIT_PU: f64 = 1.2;
/// Chopping fraction range. Positive cf: the half-sine finishes early and
/// the current rests at zero until the PLL's half-cycle ends (current
/// leads); negative cf: the current rests first and the half-sine ends with
/// the half-cycle (current lags), the mirror image.
pub const CF_LIMIT: f64 = 0.2;

pub(crate) struct CurrentSource {
    nominal_hz: f64,
    rated_a: f64,
    /// Per-step gain of the power-loop filter, 1 − e^(−dt/τ).
    filter_gain: f64,
    pub v_filt_v: f64,
    pub setpoint_w: f64,
    /// The DC side's AC power window (±∞ with the ideal lab source).
    min_w: f64,
    max_w: f64,
    pub pll: Pll,
    /// The half-cycle being produced (0 positive, 1 negative).
    half: usize,
    amp_a: f64,
    pub cf: f64,
}

/// In-phase fundamental of a half-sine squeezed into (1−c) of the half
/// cycle, relative to the plain sinusoid: (2/π)·k·sin(πc)/(k²−1), k = 1/(1−c).
fn chop_gain(c: f64) -> f64 {
    if c < 1e-9 {
        return 1.0;
    }
    let k = 1.0 / (1.0 - c);
    (2.0 / PI) * k * (PI * c).sin() / (k * k - 1.0)
}

impl CurrentSource {
    pub fn new(nominal_v: f64, nominal_hz: f64, rating_w: f64, dt_s: f64) -> Self {
        CurrentSource {
            nominal_hz,
            rated_a: rating_w / nominal_v,
            filter_gain: 1.0 - (-dt_s / POWER_LOOP_TAU_S).exp(),
            v_filt_v: nominal_v,
            setpoint_w: 0.0,
            min_w: f64::NEG_INFINITY,
            max_w: f64::INFINITY,
            pll: Pll::new(nominal_hz, dt_s),
            half: 0,
            amp_a: 0.0,
            cf: 0.0,
        }
    }

    /// First-order filter of the per-cycle RMS voltage (exact discretisation).
    pub fn filter_voltage(&mut self, v_rms: f64) {
        self.v_filt_v += (v_rms - self.v_filt_v) * self.filter_gain;
    }

    fn rms_command_a(&self) -> f64 {
        let lim = CURRENT_LIMIT_PU * self.rated_a;
        let p = self.setpoint_w.clamp(self.min_w, self.max_w);
        (p / self.v_filt_v.max(1e-3)).clamp(-lim, lim)
    }

    /// New DC-side window; a tighter one also rescales the half-cycle being
    /// produced, so a contactor opening stops the current at once.
    pub fn set_window(&mut self, min_w: f64, max_w: f64) {
        let before = self.rms_command_a();
        self.min_w = min_w;
        self.max_w = max_w;
        let after = self.rms_command_a();
        if after.abs() < before.abs() {
            self.amp_a = SQRT_2 * after / chop_gain(self.cf.abs());
        }
    }

    /// A zero crossing of the PCC voltage, `lag_s` before this step.
    pub fn on_crossing(&mut self, c: Crossing, lag_s: f64) {
        self.pll.on_crossing(c, lag_s);
    }

    /// The PLL's frequency estimate.
    pub fn frequency_hz(&self) -> f64 {
        self.pll.f_hz
    }

    /// Starts a half-cycle: the chopping fraction from the frequency
    /// estimate, and the amplitude that keeps the exported power at the
    /// setpoint whatever the chop.
    fn start_half(&mut self, ai: &AntiIslanding) {
        self.cf = if ai.enabled {
            (ai.cf0 + ai.k_per_hz * (self.pll.f_hz - self.nominal_hz)).clamp(-CF_LIMIT, CF_LIMIT)
        } else {
            0.0
        };
        self.amp_a = SQRT_2 * self.rms_command_a() / chop_gain(self.cf.abs());
    }

    /// Advances the PLL one step and returns the current at the new instant.
    pub fn step(&mut self, ai: &AntiIslanding) -> f64 {
        let half = self.pll.advance();
        if half != self.half {
            self.half = half;
            self.start_half(ai);
        }
        let c = self.cf.abs();
        let phase = self.pll.half_phase();
        let x = if self.cf >= 0.0 {
            phase
        } else {
            phase - c * PI
        };
        if x < 0.0 || x >= (1.0 - c) * PI {
            return 0.0;
        }
        let sign = if half == 0 { 1.0 } else { -1.0 };
        sign * self.amp_a * (x / (1.0 - c)).sin()
    }
}
