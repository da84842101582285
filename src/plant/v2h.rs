//! V2H backup: the charger's transfer switch (the microgrid interconnect
//! device, MID) and its grid-forming mode, an intentional island of the home
//! in the sense of IEEE 1547-2018 §8.2 (the home is the local EPS; the MID
//! keeps it separate from the Area EPS while islanded).
//!
//! The transfer time is the installation's setting (`BackupConfig`): the
//! MID opens at the instant of cessation and the home stays dark until it
//! has passed; the plant adds nothing of its own.
//!
//! Sequence: on the grid the MID is closed and the inverter follows the
//! grid. When it ceases on the grid (any trip or anti-islanding detection)
//! with backup enabled, the MID opens at once and the home bus is dead for
//! the configured transfer time; then the inverter forms the home's voltage
//! (soft start, RMS voltage regulator, RMS current limit, isochronous
//! frequency). When the protection's enter-service conditions have held on
//! the grid side for the delay, the inverter slews its phase to the grid's,
//! closes the MID at a small phase error and follows the grid again.

use super::homebus::HomeBus;
use super::measure::Meter;
use super::BackupConfig;
use std::f64::consts::{SQRT_2, TAU};

/// Soft start of the formed voltage (linear ramp of the amplitude) after
/// the transfer, so the home's inductive loads start without a DC offset
/// (inrush); 3 cycles at 60 Hz.
pub const SOFT_START_S: f64 = 0.05;
/// Integral time constant of the RMS voltage regulator: ~3 cycles, slow
/// against the one-cycle RMS window (half-cycle mean delay), so the loop is
/// well damped. The open-loop droop it corrects is small (5 % output
/// reactance): on an 11.5 kW charger a 2 kW → 9 kW + 2 kvar step dips the
/// home 1.6 % and it is back within ±0.5 % after ~60 ms (tests/v2h.rs).
pub const VOLTAGE_LOOP_TAU_S: f64 = 0.05;
/// Integral time constant of the RMS current limit (faster than the voltage
/// loop so an overload is caught within about a cycle).
pub const CURRENT_LOOP_TAU_S: f64 = 0.02;
/// Resynchronisation: proportional phase loop (frequency offset = phase
/// error in cycles / τ), updated once per cycle.
pub const RESYNC_TAU_S: f64 = 0.1;
/// Largest frequency offset from the grid while slewing the phase: inside
/// the 0.3 Hz synchronisation limit of IEEE 1547-2018 §4.10.4 (Table 5 of
/// 1547-2003, ≤ 500 kVA: Δf 0.3 Hz, ΔV 10 %, Δφ 20°).
pub const RESYNC_MAX_OFFSET_HZ: f64 = 0.25;
/// The MID closes only when the phase error is within this (far inside the
/// 20° of the synchronisation table: a 2° error is a 3.5 % voltage step).
pub const SYNC_PHASE_TOL_DEG: f64 = 2.0;
/// …and the RMS voltages differ by at most this (the regulator tracks the
/// grid's RMS during resynchronisation).
pub const SYNC_VOLTAGE_TOL_PU: f64 = 0.03;
/// Upper bound of the regulator's boost over nominal (+20 %).
const MAX_BOOST: f64 = 0.2;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum State {
    /// MID closed: grid-following (or ceased, as issue 2).
    Connected,
    /// MID open, home dead, forming starts at `since` + transfer time.
    Transfer { since: u64 },
    /// MID open, forming the home bus.
    Forming,
    /// MID open, forming and slewing to the grid's phase.
    Resync,
    /// MID open, home de-energised (DC side exhausted or backup disabled).
    Dead,
}

pub(crate) struct V2h {
    pub backup: BackupConfig,
    pub state: State,
    pub home_p_w: f64,
    pub home_q_var: f64,
    /// Home load conductance and 1/L (0 = absent).
    pub g_h: f64,
    pub inv_lh: f64,
    pub bus: HomeBus,
    pub meter: Meter,
    pub was_energized: bool,
    v_nom: f64,
    f_nom: f64,
    rated_a: f64,
    rate_hz: f64,
    dt_s: f64,
    theta: f64,
    pub f_inv_hz: f64,
    /// Regulator correction of the amplitude, pu.
    boost: f64,
    forming_steps: u64,
    t_pcc_rise_s: Option<f64>,
    /// Last measured phase error, home behind grid positive (rad).
    pub phase_err_rad: f64,
}

impl V2h {
    pub fn new(v_nom: f64, f_nom: f64, rating_w: f64, rate_hz: f64) -> Self {
        let dt_s = 1.0 / rate_hz;
        let mut meter = Meter::new(v_nom, f_nom, rate_hz);
        meter.reset_dead();
        V2h {
            backup: BackupConfig {
                enabled: false,
                transfer_time: std::time::Duration::ZERO,
            },
            state: State::Connected,
            home_p_w: 0.0,
            home_q_var: 0.0,
            g_h: 0.0,
            inv_lh: 0.0,
            bus: HomeBus::new(v_nom, f_nom, rating_w, dt_s),
            meter,
            was_energized: true,
            v_nom,
            f_nom,
            rated_a: rating_w / v_nom,
            rate_hz,
            dt_s,
            theta: 0.0,
            f_inv_hz: f_nom,
            boost: 0.0,
            forming_steps: 0,
            t_pcc_rise_s: None,
            phase_err_rad: 0.0,
        }
    }

    pub fn mid_closed(&self) -> bool {
        self.state == State::Connected
    }

    pub fn forming(&self) -> bool {
        matches!(self.state, State::Forming | State::Resync)
    }

    pub fn transfer_steps(&self) -> u64 {
        (self.backup.transfer_time.as_secs_f64() * self.rate_hz).round() as u64
    }

    /// Sets the home load from P and Q at nominal V and f.
    pub fn set_home_load(&mut self, p_w: f64, q_var: f64) {
        let v2 = self.v_nom * self.v_nom;
        let w = TAU * self.f_nom;
        self.home_p_w = p_w;
        self.home_q_var = q_var;
        self.g_h = if p_w > 0.0 && p_w.is_finite() {
            p_w / v2
        } else {
            0.0
        };
        self.inv_lh = if q_var > 0.0 && q_var.is_finite() {
            w * q_var / v2
        } else {
            0.0
        };
        self.bus.set_load(self.g_h, self.inv_lh);
    }

    /// Starts forming: bridge on, phase at a rising zero crossing, soft start.
    pub fn start_forming(&mut self) {
        self.state = State::Forming;
        self.bus.set_connected(true);
        self.theta = 0.0;
        self.f_inv_hz = self.f_nom;
        self.boost = 0.0;
        self.forming_steps = 0;
    }

    pub fn stop_forming(&mut self) {
        self.state = State::Dead;
        self.bus.set_connected(false);
    }

    /// The bridge voltage for the next step. `v_ref` is the RMS target.
    pub fn emf(&mut self, v_ref: f64) -> f64 {
        self.theta += TAU * self.f_inv_hz * self.dt_s;
        if self.theta >= TAU {
            self.theta -= TAU;
        }
        self.forming_steps += 1;
        let ramp = (self.forming_steps as f64 * self.dt_s / SOFT_START_S).min(1.0);
        SQRT_2 * v_ref * ramp * (1.0 + self.boost) * self.theta.sin()
    }

    /// Regulator step after the bus step: integral RMS voltage control,
    /// overridden by the RMS current limit `i_lim_a` (overload: the voltage
    /// sags to i_lim·|Z_load|). Held during the soft start and the first
    /// cycle after it, while the one-cycle RMS still sees the ramp.
    pub fn regulate(&mut self, v_ref: f64, i_lim_a: f64) {
        let settle = ((SOFT_START_S + 1.0 / self.f_nom) * self.rate_hz) as u64;
        if self.forming_steps < settle {
            return;
        }
        let v = self.meter.v_rms();
        let i = self.meter.i_rms();
        let dv = (v_ref - v) / self.v_nom / VOLTAGE_LOOP_TAU_S;
        let i_lim = i_lim_a.max(1e-3);
        let di = (i_lim - i) / i_lim / CURRENT_LOOP_TAU_S;
        self.boost = (self.boost + dv.min(di) * self.dt_s).clamp(-1.0, MAX_BOOST);
    }

    /// The rated RMS current of the bridge.
    pub fn rated_a(&self) -> f64 {
        self.rated_a
    }

    /// Notes a rising zero crossing of the grid side (PCC).
    pub fn pcc_rising(&mut self, t_s: f64) {
        self.t_pcc_rise_s = Some(t_s);
    }

    pub fn clear_pcc_rising(&mut self) {
        self.t_pcc_rise_s = None;
    }

    /// At a rising crossing of the home bus at `t_home_s`, with the grid at
    /// `f_grid_hz`: measures the phase error and sets the frequency to
    /// close it. Returns true when the MID may close.
    pub fn resync(&mut self, t_home_s: f64, f_grid_hz: f64, v_home: f64, v_grid: f64) -> bool {
        let Some(t_p) = self.t_pcc_rise_s else {
            return false;
        };
        if f_grid_hz <= 0.0 {
            return false;
        }
        let period = 1.0 / f_grid_hz;
        let d = t_home_s - t_p;
        let d = d - period * (d / period).round();
        let cycles = d / period;
        self.phase_err_rad = TAU * cycles;
        let offset = (cycles / RESYNC_TAU_S).clamp(-RESYNC_MAX_OFFSET_HZ, RESYNC_MAX_OFFSET_HZ);
        self.f_inv_hz = f_grid_hz + offset;
        self.phase_err_rad.abs() <= SYNC_PHASE_TOL_DEG.to_radians()
            && (v_home - v_grid).abs() <= SYNC_VOLTAGE_TOL_PU * self.v_nom
    }

    /// Back to nominal frequency (resynchronisation abandoned).
    pub fn free_run(&mut self) {
        self.f_inv_hz = self.f_nom;
    }
}
