//! The plant's meter: one-nominal-cycle running sums (RMS, mean power), a
//! zero-crossing frequency meter, and means over the last whole cycle of the
//! voltage itself. The protection reads the sliding nominal-cycle window
//! (it must see a step within a cycle); reported values (`Plant::measure()`)
//! read the cycle-synchronous means, as a revenue or power-quality meter
//! does (IEC 61000-4-30 §5: measurement windows of whole cycles of the
//! actual frequency): a nominal-length window over an off-nominal wave would
//! read a ripple of about Δf/f (5 % at 57 Hz).

/// Indices into one ring entry.
const V2: usize = 0;
const I2: usize = 1;
const P_INV: usize = 2;
const P_GRID: usize = 3;
const Q_GRID: usize = 4;
/// Square of the second current (the grid's at the PCC, the home load's on
/// the home bus).
const I2_B: usize = 5;
const V_RAW: usize = 6;
const SUMMED: usize = 6;

/// A crossing of the PCC voltage through zero, time interpolated between samples.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Crossing {
    pub t_s: f64,
    pub rising: bool,
}

pub(crate) struct Meter {
    dt_s: f64,
    /// Whole samples in one nominal cycle, and the fractional remainder: the
    /// oldest kept sample enters the mean with weight `frac`, so a nominal
    /// sinusoid's RMS has no window ripple even when rate/f is not an integer.
    n: usize,
    frac: f64,
    ring: Vec<[f64; 7]>,
    head: usize,
    sums: [f64; SUMMED],
    since_resum: usize,
    /// Quarter nominal cycle in samples (whole + fraction), for reactive power.
    q_lag: usize,
    q_frac: f64,
    // Zero-crossing frequency meter.
    v_prev: f64,
    peak_since_v: f64,
    gate_v: f64,
    min_half_s: f64,
    max_gap_s: f64,
    last_zc_s: f64,
    half_s: [f64; 2],
    halves_seen: u8,
    // Cycle-synchronous means: integrals since the last rising crossing,
    // and the means over the last whole cycle.
    cycle_acc: [f64; SUMMED],
    cycle_start_s: f64,
    cycle_means: [f64; SUMMED],
    cycle_end_s: f64,
}

/// Means over a whole cycle (or the sliding nominal window when the voltage
/// has not completed one lately).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Means {
    pub mean_v2: f64,
    pub v_rms: f64,
    pub i_rms: f64,
    pub p_inverter_w: f64,
    pub p_grid_w: f64,
    pub q_grid_var: f64,
    pub i_b_rms: f64,
}

impl Meter {
    /// Pre-filled as if the nominal grid had been connected forever with
    /// its upward zero crossing at t = 0, so protection starts from a
    /// settled reading.
    pub fn new(nominal_v: f64, nominal_hz: f64, rate_hz: f64) -> Self {
        let n_f = rate_hz / nominal_hz;
        let n = (n_f.floor() as usize).max(4);
        let frac = (n_f - n as f64).clamp(0.0, 1.0);
        let q_f = n_f / 4.0;
        let q_lag = q_f.floor() as usize;
        let dt_s = 1.0 / rate_hz;
        let peak = std::f64::consts::SQRT_2 * nominal_v;
        let w = 2.0 * std::f64::consts::PI * nominal_hz;
        let len = n + 1;
        let mut ring = vec![[0.0; 7]; len];
        // ring[len-1-k] holds the sample k steps before t = 0; head = len-1.
        for (k, slot) in ring.iter_mut().rev().enumerate() {
            let v = peak * (-w * k as f64 * dt_s).sin();
            slot[V2] = v * v;
            slot[V_RAW] = v;
        }
        let mut m = Meter {
            dt_s,
            n,
            frac,
            ring,
            head: len - 1,
            sums: [0.0; SUMMED],
            since_resum: 0,
            q_lag,
            q_frac: q_f - q_lag as f64,
            v_prev: 0.0,
            peak_since_v: peak,
            // A crossing only counts when the half-cycle reached 0.1 pu peak,
            // so numerical ringing of a dead PCC is not read as a frequency.
            gate_v: 0.1 * peak,
            // Debounce: nothing above twice nominal frequency is a real cycle.
            min_half_s: 0.25 / nominal_hz,
            // No crossing for a whole nominal cycle: frequency is unknown.
            max_gap_s: 1.0 / nominal_hz,
            last_zc_s: 0.0,
            half_s: [0.5 / nominal_hz; 2],
            halves_seen: 2,
            cycle_acc: [0.0; SUMMED],
            cycle_start_s: 0.0,
            cycle_means: [0.0; SUMMED],
            cycle_end_s: f64::NEG_INFINITY,
        };
        m.resum();
        m.v_prev = 0.0;
        m
    }

    fn resum(&mut self) {
        let len = self.ring.len();
        let mut s = [0.0; SUMMED];
        for k in 0..self.n {
            let e = &self.ring[(self.head + len - k) % len];
            for (acc, x) in s.iter_mut().zip(e.iter()) {
                *acc += x;
            }
        }
        self.sums = s;
        self.since_resum = 0;
    }

    fn raw_back(&self, k: usize) -> f64 {
        let len = self.ring.len();
        self.ring[(self.head + len - (k % len)) % len][V_RAW]
    }

    /// Adds the sample taken at `t_s`; returns the zero crossing it completed, if any.
    pub fn push(&mut self, t_s: f64, v: f64, i_inv: f64, i_grid: f64) -> Option<Crossing> {
        // Voltage a quarter nominal cycle ago (linear interpolation): the
        // product with the current averages to Q, inductive positive.
        let vq = if self.q_lag + 1 < self.ring.len() {
            let a = self.raw_back(self.q_lag.saturating_sub(1));
            let b = self.raw_back(self.q_lag);
            a * (1.0 - self.q_frac) + b * self.q_frac
        } else {
            0.0
        };
        let len = self.ring.len();
        self.head = (self.head + 1) % len;
        self.ring[self.head] = [
            v * v,
            i_inv * i_inv,
            v * i_inv,
            v * i_grid,
            vq * i_grid,
            i_grid * i_grid,
            v,
        ];
        let leaving = self.ring[(self.head + 1) % len];
        for (k, s) in self.sums.iter_mut().enumerate() {
            *s += self.ring[self.head][k] - leaving[k];
        }
        self.since_resum += 1;
        if self.since_resum >= self.n {
            // Exact re-summation once a cycle keeps rounding from accumulating.
            self.resum();
        }
        let entry = self.ring[self.head];
        for (acc, x) in self.cycle_acc.iter_mut().zip(entry.iter()) {
            *acc += x * self.dt_s;
        }
        let crossing = self.zero_crossing(t_s, v);
        if let Some(c) = crossing.filter(|c| c.rising) {
            self.close_cycle(c.t_s, t_s, &entry);
        }
        crossing
    }

    /// A rising crossing at `tz` within the step ending at `t_s`: the part
    /// of this step after `tz` belongs to the next cycle.
    fn close_cycle(&mut self, tz: f64, t_s: f64, entry: &[f64; 7]) {
        let after = (t_s - tz).clamp(0.0, self.dt_s);
        let period = tz - self.cycle_start_s;
        // A whole cycle of a plausible length (the crossing gate already
        // refuses halves under a quarter nominal cycle).
        if period > 0.0 && period <= 2.0 * self.max_gap_s {
            for (k, m) in self.cycle_means.iter_mut().enumerate() {
                *m = (self.cycle_acc[k] - entry[k] * after) / period;
            }
            self.cycle_end_s = tz;
        }
        for (k, acc) in self.cycle_acc.iter_mut().enumerate() {
            *acc = entry[k] * after;
        }
        self.cycle_start_s = tz;
    }

    /// The means over the last whole cycle when it ended within the last
    /// two nominal cycles, else the sliding nominal window (a dead or
    /// stalled voltage).
    pub fn means(&self, t_s: f64) -> Means {
        let m = if t_s - self.cycle_end_s <= 2.0 * self.max_gap_s {
            self.cycle_means
        } else {
            let mut w = [0.0; SUMMED];
            for (k, x) in w.iter_mut().enumerate() {
                *x = self.mean(k);
            }
            w
        };
        let mean_v2 = m[V2].max(0.0);
        Means {
            mean_v2,
            v_rms: mean_v2.sqrt(),
            i_rms: m[I2].max(0.0).sqrt(),
            p_inverter_w: m[P_INV],
            p_grid_w: m[P_GRID],
            q_grid_var: m[Q_GRID],
            i_b_rms: m[I2_B].max(0.0).sqrt(),
        }
    }

    fn zero_crossing(&mut self, t_s: f64, v: f64) -> Option<Crossing> {
        let v_prev = self.v_prev;
        self.v_prev = v;
        self.peak_since_v = self.peak_since_v.max(v.abs());
        let rising = v_prev < 0.0 && v >= 0.0;
        let falling = v_prev > 0.0 && v <= 0.0;
        if !(rising || falling) {
            return None;
        }
        let tz = t_s - self.dt_s * v / (v - v_prev);
        let half = tz - self.last_zc_s;
        if self.peak_since_v < self.gate_v || half < self.min_half_s {
            return None;
        }
        if half <= self.max_gap_s {
            self.half_s = [self.half_s[1], half];
            self.halves_seen = self.halves_seen.saturating_add(1).min(2);
        } else {
            self.halves_seen = 0;
        }
        self.last_zc_s = tz;
        self.peak_since_v = 0.0;
        Some(Crossing { t_s: tz, rising })
    }

    fn mean(&self, k: usize) -> f64 {
        let len = self.ring.len();
        let oldest = self.ring[(self.head + 1) % len][k];
        (self.sums[k] + self.frac * oldest) / (self.n as f64 + self.frac)
    }

    pub fn mean_v2(&self) -> f64 {
        self.mean(V2).max(0.0)
    }
    pub fn v_rms(&self) -> f64 {
        self.mean_v2().sqrt()
    }
    pub fn i_rms(&self) -> f64 {
        self.mean(I2).max(0.0).sqrt()
    }

    /// Forgets everything: a dead bus that has never crossed zero (the home
    /// bus when the MID opens).
    pub fn reset_dead(&mut self) {
        for e in &mut self.ring {
            *e = [0.0; 7];
        }
        self.sums = [0.0; SUMMED];
        self.since_resum = 0;
        self.v_prev = 0.0;
        self.peak_since_v = 0.0;
        self.last_zc_s = f64::NEG_INFINITY;
        self.halves_seen = 0;
        self.cycle_acc = [0.0; SUMMED];
        self.cycle_start_s = f64::NEG_INFINITY;
        self.cycle_end_s = f64::NEG_INFINITY;
    }

    /// Latest half-period, if the voltage has crossed zero recently.
    pub fn half_period_s(&self, t_s: f64) -> Option<f64> {
        (self.halves_seen >= 1 && t_s - self.last_zc_s <= self.max_gap_s).then_some(self.half_s[1])
    }

    /// Frequency from the latest half-period: updated every half-cycle so a
    /// step is seen within one cycle (protection, SFS).
    pub fn frequency_half_hz(&self, t_s: f64) -> Option<f64> {
        self.half_period_s(t_s).map(|h| 0.5 / h)
    }

    /// Frequency over the last full cycle (two half-periods): immune to a
    /// DC offset that makes the half-cycles unequal; 0 when there is no signal.
    pub fn frequency_cycle_hz(&self, t_s: f64) -> f64 {
        if self.halves_seen >= 2 && t_s - self.last_zc_s <= self.max_gap_s {
            1.0 / (self.half_s[0] + self.half_s[1])
        } else {
            0.0
        }
    }
}
