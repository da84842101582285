//! The ideal grid source: v_g = √2·V·sin θ, θ integrated from the settable
//! frequency so a frequency step is phase continuous. Its output stage has
//! a protection latch, as an AC source's does: once tripped the output is
//! off and stays off until the latch is cleared.

use std::f64::consts::{PI, SQRT_2, TAU};

pub(crate) struct Grid {
    pub voltage_v: f64,
    pub frequency_hz: f64,
    pub on: bool,
    /// The source's own protection has tripped (latched).
    pub tripped: bool,
    /// Phase in [0, 2π); t = 0 is an upward zero crossing.
    theta: f64,
}

/// Instantaneous grid quantities at one step.
pub(crate) struct GridSample {
    pub v: f64,
    /// √2·V·cos θ: the quadrature, for the steady-state L and C currents.
    pub v_quad: f64,
    pub omega: f64,
}

impl Grid {
    pub fn new(voltage_v: f64, frequency_hz: f64) -> Self {
        Grid {
            voltage_v,
            frequency_hz,
            on: true,
            tripped: false,
            theta: 0.0,
        }
    }

    pub fn advance(&mut self, dt_s: f64) {
        self.theta += TAU * self.frequency_hz * dt_s;
        if self.theta >= TAU {
            self.theta -= TAU;
        }
    }

    pub fn sample(&self) -> GridSample {
        let omega = (TAU * self.frequency_hz).max(2.0 * PI * 1e-3);
        if !self.on {
            return GridSample {
                v: 0.0,
                v_quad: 0.0,
                omega,
            };
        }
        let (s, c) = self.theta.sin_cos();
        let a = SQRT_2 * self.voltage_v;
        GridSample {
            v: a * s,
            v_quad: a * c,
            omega,
        }
    }
}

impl super::Plant {
    /// The grid simulator's output stage trips on its own protection (an
    /// injected `grid_fault`): output off at once, latched: it cannot be
    /// switched on again until [`Self::clear_grid_protection`].
    pub fn trip_grid_source(&mut self) {
        self.grid.on = false;
        self.grid.tripped = true;
    }

    /// Clears the protection latch (what `OUTPut:PROTection:CLEar` or
    /// `*RST` does); the output stays off until switched on.
    pub fn clear_grid_protection(&mut self) {
        self.grid.tripped = false;
    }

    pub fn grid_protection_tripped(&self) -> bool {
        self.grid.tripped
    }
}
