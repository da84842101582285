//! The home bus while the MID is open: the grid-forming inverter as a
//! voltage source e behind its output impedance R_o + L_o, the output filter
//! capacitor C_f with its series damping resistor R_d, and the home load
//! (parallel R_h, L_h). States x = [i_o, v_c, i_Lh]; the bus voltage is
//! algebraic, v = (i_o − i_Lh + G_d·v_c)/(G_d + G_h) (KCL at the bus):
//!   L_o·di_o/dt = e − R_o·i_o − v,  C_f·dv_c/dt = G_d·(v − v_c),  L_h·di_Lh/dt = v.
//! Discretised exactly (matrix exponential of the augmented system, the
//! source held at the mean of the step's ends), so any load, from none to a
//! short, is stable at the plant's step without numerical ringing.
//!
//! Constants are per unit of the inverter's rating at nominal V and f
//! (Z_base = V²/S): typical of a 10 kW-class inverter's LC(L) output filter.

use std::f64::consts::TAU;

/// Output resistance (bridge, inductor and wiring losses), pu.
pub const OUTPUT_R_PU: f64 = 0.01;
/// Output reactance at nominal frequency, pu: a 5 % output inductor.
pub const OUTPUT_X_PU: f64 = 0.05;
/// Filter capacitor susceptance at nominal frequency, pu (5 % reactive).
pub const FILTER_B_PU: f64 = 0.05;
/// Damping resistor in series with C_f, pu: √(L_o/C_f) = 1 pu here, the
/// characteristic impedance, which damps the L_o–C_f resonance (at
/// f_nom/√(X·B) = 20·f_nom) to Q ≈ 1 and costs ~0.25 % of rating at 60 Hz.
pub const DAMPING_R_PU: f64 = 1.0;

pub(crate) struct HomeBus {
    r_o: f64,
    l_o: f64,
    c_f: f64,
    g_d: f64,
    g_h: f64,
    inv_lh: f64,
    dt_s: f64,
    /// State [i_o, v_c, i_Lh].
    pub x: [f64; 3],
    phi: [[f64; 3]; 3],
    gamma: [f64; 3],
    e_prev: f64,
    /// Inverter bridge connected (forming) or its output relay open.
    connected: bool,
    /// Bus voltage and home-load current at the last step.
    pub v: f64,
    pub i_load: f64,
}

impl HomeBus {
    pub fn new(nominal_v: f64, nominal_hz: f64, rating_w: f64, dt_s: f64) -> Self {
        let z_base = nominal_v * nominal_v / rating_w.max(1.0);
        let w = TAU * nominal_hz;
        let mut b = HomeBus {
            r_o: OUTPUT_R_PU * z_base,
            l_o: OUTPUT_X_PU * z_base / w,
            c_f: FILTER_B_PU / (z_base * w),
            g_d: 1.0 / (DAMPING_R_PU * z_base),
            g_h: 0.0,
            inv_lh: 0.0,
            dt_s,
            x: [0.0; 3],
            phi: [[0.0; 3]; 3],
            gamma: [0.0; 3],
            e_prev: 0.0,
            connected: false,
            v: 0.0,
            i_load: 0.0,
        };
        b.rebuild();
        b
    }

    /// New home load (conductance, 1/L; 0 = branch absent); state continuous.
    pub fn set_load(&mut self, g_h: f64, inv_lh: f64) {
        self.g_h = g_h;
        self.inv_lh = inv_lh;
        if inv_lh <= 0.0 {
            // The inductive branch is switched out: its current is interrupted
            // (else it would circulate for ever as a frozen state).
            self.x[2] = 0.0;
        }
        self.rebuild();
    }

    /// Connects or disconnects the bridge (i_o = 0 while disconnected).
    pub fn set_connected(&mut self, on: bool) {
        if on != self.connected {
            self.connected = on;
            self.x[0] = 0.0;
            self.e_prev = 0.0;
            self.rebuild();
        }
    }

    /// Starts the separate bus from the PCC's state at the MID opening.
    pub fn start(&mut self, v: f64, i_lh: f64) {
        self.x = [0.0, v, i_lh];
        self.v = v;
        self.i_load = v * self.g_h + i_lh;
    }

    pub fn i_o(&self) -> f64 {
        self.x[0]
    }

    fn bus_v(&self, x: &[f64; 3]) -> f64 {
        (x[0] - x[2] + self.g_d * x[1]) / (self.g_d + self.g_h)
    }

    /// One step with the bridge voltage `e` at the new instant.
    pub fn step(&mut self, e: f64) {
        let e = if self.connected { e } else { 0.0 };
        let u = 0.5 * (self.e_prev + e);
        let x = self.x;
        let mut n = [0.0; 3];
        for (r, out) in n.iter_mut().enumerate() {
            let p = &self.phi[r];
            *out = p[0] * x[0] + p[1] * x[1] + p[2] * x[2] + self.gamma[r] * u;
        }
        self.x = n;
        self.e_prev = e;
        self.v = self.bus_v(&n);
        self.i_load = self.v * self.g_h + n[2];
    }

    /// Φ = e^{A·h} and Γ = ∫₀ʰ e^{A·τ}dτ·B from the augmented 4×4 exponential.
    fn rebuild(&mut self) {
        let den = self.g_d + self.g_h;
        let (l_o, c_f, g_d, ilh) = (self.l_o, self.c_f, self.g_d, self.inv_lh);
        let mut m = [[0.0; 4]; 4];
        if self.connected {
            m[0] = [
                (-self.r_o - 1.0 / den) / l_o,
                -(g_d / den) / l_o,
                (1.0 / den) / l_o,
                1.0 / l_o,
            ];
            m[1][0] = g_d / (den * c_f);
            m[2][0] = ilh / den;
        }
        m[1][1] = g_d * (g_d / den - 1.0) / c_f;
        m[1][2] = -g_d / (den * c_f);
        m[2][1] = ilh * g_d / den;
        m[2][2] = -ilh / den;
        let ex = expm4(&m, self.dt_s);
        for ((phi, gamma), e) in self.phi.iter_mut().zip(&mut self.gamma).zip(&ex) {
            *phi = [e[0], e[1], e[2]];
            *gamma = e[3];
        }
    }
}

fn mul4(a: &[[f64; 4]; 4], b: &[[f64; 4]; 4]) -> [[f64; 4]; 4] {
    let mut c = [[0.0; 4]; 4];
    for (i, row) in c.iter_mut().enumerate() {
        for (j, x) in row.iter_mut().enumerate() {
            *x = (0..4).map(|k| a[i][k] * b[k][j]).sum();
        }
    }
    c
}

/// e^{M·h} by scaling and squaring with an 18-term Taylor series (the
/// scaled norm is ≤ 0.5, so the truncation is below 1e-20).
fn expm4(m: &[[f64; 4]; 4], h: f64) -> [[f64; 4]; 4] {
    let norm = m
        .iter()
        .map(|r| r.iter().map(|x| (x * h).abs()).sum::<f64>())
        .fold(0.0, f64::max);
    let mut s = 0;
    while norm / 2f64.powi(s) > 0.5 && s < 1000 {
        s += 1;
    }
    let scale = h / 2f64.powi(s);
    let mut a = [[0.0; 4]; 4];
    for (ar, mr) in a.iter_mut().zip(m) {
        for (x, y) in ar.iter_mut().zip(mr) {
            *x = y * scale;
        }
    }
    let mut sum = [[0.0; 4]; 4];
    let mut term = [[0.0; 4]; 4];
    for i in 0..4 {
        sum[i][i] = 1.0;
        term[i][i] = 1.0;
    }
    for k in 1..=18 {
        term = mul4(&term, &a);
        let kf = f64::from(k);
        for (tr, sr) in term.iter_mut().zip(sum.iter_mut()) {
            for (t, x) in tr.iter_mut().zip(sr.iter_mut()) {
                *t /= kf;
                *x += *t;
            }
        }
    }
    for _ in 0..s {
        sum = mul4(&sum, &sum);
    }
    sum
}
