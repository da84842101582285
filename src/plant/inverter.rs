//! The charger's grid-following current source: synchronised to the PCC
//! voltage zero crossings, amplitude from the power setpoint over a filtered
//! RMS voltage, and Sandia Frequency Shift chopping (Stevens et al.,
//! "Development and Testing of an Approach to Anti-Islanding in Utility-
//! Interconnected Photovoltaic Systems", SAND2000-1939, §3: cf = cf0 + K·Δf).

use super::measure::Crossing;
use crate::der::AntiIslanding;
use std::f64::consts::{PI, SQRT_2};

/// Time constant of the power loop's RMS-voltage filter. Slow against the
/// RLC (2·R·C ≈ 5 ms at Qf = 1) and the cycle, fast against the 2 s limit.
pub const POWER_LOOP_TAU_S: f64 = 0.1;
/// Current limit in per-unit of rated current (rating / nominal voltage).
pub const CURRENT_LIMIT_PU: f64 = 1.2;
/// Chopping fraction range. Positive cf: the half-sine finishes early and
/// the current rests at zero until the voltage crosses (current leads);
/// negative cf: the current rests first and the half-sine ends at the
/// expected crossing (current lags), the mirror image.
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
    // The half-cycle being produced.
    start_s: f64,
    sign: f64,
    delay_s: f64,
    dur_s: f64,
    half_s: f64,
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
            start_s: 0.0,
            sign: 1.0,
            delay_s: 0.0,
            dur_s: 0.5 / nominal_hz,
            half_s: 0.5 / nominal_hz,
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

    /// Starts the next half-cycle at a voltage zero crossing. `f_hz` and
    /// `half_s` are the latest measurements (None: keep the previous).
    pub fn on_crossing(
        &mut self,
        c: Crossing,
        half_s: Option<f64>,
        ai: &AntiIslanding,
        f_hz: Option<f64>,
    ) {
        if let Some(h) = half_s {
            self.half_s = h;
        }
        let f = f_hz.unwrap_or(self.nominal_hz);
        self.cf = if ai.enabled {
            (ai.cf0 + ai.k_per_hz * (f - self.nominal_hz)).clamp(-CF_LIMIT, CF_LIMIT)
        } else {
            0.0
        };
        self.start_half(c.t_s, if c.rising { 1.0 } else { -1.0 });
    }

    fn start_half(&mut self, t_s: f64, sign: f64) {
        let c = self.cf.abs();
        self.start_s = t_s;
        self.sign = sign;
        self.dur_s = (1.0 - c) * self.half_s;
        self.delay_s = if self.cf < 0.0 { c * self.half_s } else { 0.0 };
        // Compensate the chopping so the in-phase fundamental, hence the
        // exported power, matches the setpoint.
        self.amp_a = SQRT_2 * self.rms_command_a() / chop_gain(c);
    }

    /// Current at `t_s`. If the voltage has stopped crossing zero the
    /// source flywheels on its last half-period, as a PLL would coast.
    pub fn current_at(&mut self, t_s: f64) -> f64 {
        if t_s - self.start_s > 1.5 * self.half_s {
            let next = self.start_s + self.half_s;
            self.start_half(next, -self.sign);
        }
        let tau = t_s - self.start_s - self.delay_s;
        if tau < 0.0 || tau >= self.dur_s {
            return 0.0;
        }
        self.sign * self.amp_a * (PI * tau / self.dur_s).sin()
    }
}
