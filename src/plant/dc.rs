//! The charger's DC side: an ideal lab source, or the EV battery behind the
//! vehicle's contactor and limits. The battery is advanced once per cycle
//! of the AC voltage the inverter works on (between its interpolated rising
//! zero crossings, so the mean AC power of the interval is exact to the step
//! and has no 2f ripple), and the AC power window for the next cycle
//! follows. Whole cycles rather than half-cycles: a DC offset in the current
//! (an inductive home load switched on mid-cycle) makes alternate
//! half-cycles carry unequal power, ±20 % at 9 kW + 2 kvar.

use super::battery::{Battery, Window, DEFAULT_CONVERSION_EFFICIENCY};
use super::ev_api::DcLimits;

pub(crate) struct DcSide {
    pub battery: Option<Battery>,
    /// `DcLimits::NONE` until the charger has the vehicle's limits.
    pub limits: DcLimits,
    pub contactor: bool,
    pub efficiency: f64,
    /// AC energy (J) and steps since the last battery update, and when
    /// that update was (an interpolated zero crossing, or a step).
    acc_j: f64,
    acc_steps: u64,
    last_s: f64,
    /// The running interval began at a crossing (not at a setter's flush).
    whole: bool,
    /// Longest interval between updates when the voltage is not crossing
    /// (two nominal cycles, so a slow grid's cycle never hits it).
    max_steps: u64,
    dt_s: f64,
    pub window: Window,
}

impl DcSide {
    pub fn new(dt_s: f64, nominal_hz: f64) -> Self {
        DcSide {
            battery: None,
            limits: DcLimits::NONE,
            contactor: false,
            efficiency: DEFAULT_CONVERSION_EFFICIENCY,
            acc_j: 0.0,
            acc_steps: 0,
            last_s: 0.0,
            whole: false,
            max_steps: ((2.0 / (nominal_hz * dt_s)).ceil() as u64).max(1),
            dt_s,
            window: Window::OPEN,
        }
    }

    /// The window for the present state (ideal source: unlimited).
    pub fn refresh(&mut self) {
        self.window = match &self.battery {
            None => Window::OPEN,
            Some(_) if !self.contactor => Window::CLOSED,
            Some(b) => b.window(&self.limits, self.efficiency),
        };
    }

    /// The inverter may form (discharge) from this DC side.
    pub fn can_discharge(&self) -> bool {
        match &self.battery {
            None => true,
            Some(b) => self.contactor && b.may_discharge(&self.limits),
        }
    }

    /// One step at AC power `p_ac_w` (export positive) ending at `t_s`; at a
    /// rising zero crossing (its interpolated time `crossing_s`) or after two
    /// nominal cycles without one, advances the battery by the interval's
    /// mean power. The interval runs between interpolated crossings:
    /// counting whole steps would make the mean of a 333.3-step cycle ripple
    /// by 0.3 %.
    /// True when it updated.
    pub fn tick(&mut self, p_ac_w: f64, t_s: f64, crossing_s: Option<f64>) -> bool {
        if self.battery.is_none() {
            return false;
        }
        self.acc_j += p_ac_w * self.dt_s;
        self.acc_steps += 1;
        let end_s = match crossing_s {
            Some(c) => c,
            None if self.acc_steps >= self.max_steps => t_s,
            None => return false,
        };
        // A crossing-to-crossing cycle, or the no-crossing fallback.
        let whole = self.whole || crossing_s.is_none();
        self.book(end_s, whole);
        self.whole = true;
        true
    }

    /// Books the accumulated interval into the battery now (a setter is
    /// about to change the conditions).
    pub fn flush(&mut self, t_s: f64) {
        self.book(t_s, false);
        self.whole = false;
    }

    fn book(&mut self, end_s: f64, whole: bool) {
        let span_s = end_s - self.last_s;
        self.last_s = end_s;
        if self.acc_steps > 0 && span_s > 0.0 {
            let p_ac = self.acc_j / span_s;
            let eta = self.efficiency;
            if let Some(b) = &mut self.battery {
                b.advance(p_ac, eta, span_s, whole);
            }
        }
        self.acc_j = 0.0;
        self.acc_steps = 0;
        self.refresh();
    }
}
