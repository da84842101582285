//! The PCC node with the parallel R, L, C island load, integrated with the
//! trapezoidal rule (A-stable, second order, no numerical damping of the LC
//! mode): x = [v, i_L], dx/dt = A·x + B·i_inv with
//! C·dv/dt = i_inv − v/R − i_L and L·di_L/dt = v.
//! At 20 kHz and 60 Hz the trapezoidal frequency warping is
//! (ω·dt)²/12 ≈ 3·10⁻⁵ relative (2 mHz): negligible.

use super::RlcLoad;

/// Used in place of an absent C branch so an open PCC stays an ODE: about
/// the capacitance of a few metres of cable plus an inverter's EMI filter.
pub const STRAY_CAPACITANCE_F: f64 = 1e-6;

/// Used in place of an absent R branch when C is absent too: the bleed of the PCC's voltage
/// sensing, metering and surge protection (100 kΩ). Without it a PCC left
/// with no load when S3 and the V2H transfer switch are both open would hold
/// its last instantaneous voltage as trapped DC charge forever; with it the
/// stray capacitance discharges with τ = 0.1 s.
pub const STRAY_CONDUCTANCE_S: f64 = 1e-5;

pub(crate) struct Node {
    pub v: f64,
    pub i_l: f64,
    /// Inverter current at the previous step (trapezoid needs both ends).
    u_prev: f64,
    p: [[f64; 2]; 2],
    q: [f64; 2],
    g_s: f64,
    inv_l: f64,
    c_f: f64,
}

impl Node {
    pub fn new(load: RlcLoad, dt_s: f64) -> Self {
        let mut n = Node {
            v: 0.0,
            i_l: 0.0,
            u_prev: 0.0,
            p: [[1.0, 0.0], [0.0, 1.0]],
            q: [0.0; 2],
            g_s: 0.0,
            inv_l: 0.0,
            c_f: STRAY_CAPACITANCE_F,
        };
        n.configure(load, dt_s);
        n
    }

    /// Recomputes the step matrices: x' = P·x + q·(u_n + u_{n+1}) with
    /// P = (I − A·h/2)⁻¹(I + A·h/2), q = (I − A·h/2)⁻¹·B·h/2.
    pub fn configure(&mut self, load: RlcLoad, dt_s: f64) {
        let pos = |x: Option<f64>| x.filter(|x| x.is_finite() && *x > 0.0);
        // The bleed goes with the stray capacitance: only a PCC with neither
        // an R nor a C branch is left floating on strays.
        let bleed = if pos(load.c_f).is_none() {
            STRAY_CONDUCTANCE_S
        } else {
            0.0
        };
        self.g_s = pos(load.r_ohm).map_or(bleed, |r| 1.0 / r);
        self.inv_l = pos(load.l_h).map_or(0.0, |l| 1.0 / l);
        if self.inv_l == 0.0 {
            // No inductive branch, no inductor current (a removed branch's
            // current is interrupted, not frozen).
            self.i_l = 0.0;
        }
        self.c_f = pos(load.c_f).unwrap_or(STRAY_CAPACITANCE_F);
        let h2 = dt_s / 2.0;
        let a = [[-self.g_s / self.c_f, -1.0 / self.c_f], [self.inv_l, 0.0]];
        let m = [
            [1.0 - a[0][0] * h2, -a[0][1] * h2],
            [-a[1][0] * h2, 1.0 - a[1][1] * h2],
        ];
        let nn = [
            [1.0 + a[0][0] * h2, a[0][1] * h2],
            [a[1][0] * h2, 1.0 + a[1][1] * h2],
        ];
        let det = m[0][0] * m[1][1] - m[0][1] * m[1][0];
        let mi = [
            [m[1][1] / det, -m[0][1] / det],
            [-m[1][0] / det, m[0][0] / det],
        ];
        for (row, m_row) in self.p.iter_mut().zip(mi.iter()) {
            for (c, x) in row.iter_mut().enumerate() {
                *x = m_row[0] * nn[0][c] + m_row[1] * nn[1][c];
            }
        }
        let b = h2 / self.c_f;
        self.q = [mi[0][0] * b, mi[1][0] * b];
    }

    /// One island step with the inverter current at the new instant.
    pub fn integrate(&mut self, u: f64) {
        let s = self.u_prev + u;
        let v = self.p[0][0] * self.v + self.p[0][1] * self.i_l + self.q[0] * s;
        let i_l = self.p[1][0] * self.v + self.p[1][1] * self.i_l + self.q[1] * s;
        self.v = v;
        self.i_l = i_l;
        self.u_prev = u;
    }

    /// Stiff PCC (S3 closed): the node follows the grid and the inductor
    /// carries its steady-state current, so it has no DC offset when S3 opens.
    /// Returns the total load current.
    pub fn follow(&mut self, v: f64, v_quad: f64, omega: f64, u: f64) -> f64 {
        self.v = v;
        self.i_l = -v_quad * self.inv_l / omega;
        self.u_prev = u;
        v * self.g_s + self.i_l + self.c_f * omega * v_quad
    }
}
