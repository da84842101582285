//! The plant's side of V2H: the MID opening and closing (splitting and
//! merging the PCC and home-bus states), one step of the separate home bus,
//! and the DC window handed to the grid-following source.

use super::v2h::State;
use super::{Plant, RlcLoad};

fn pos(x: Option<f64>) -> Option<f64> {
    x.filter(|x| x.is_finite() && *x > 0.0)
}

impl Plant {
    /// The grid-following source's clamp from the DC side's window.
    pub(super) fn apply_dc_window(&mut self) {
        self.dc.refresh();
        let w = self.dc.window;
        self.source.set_window(w.min_w, w.max_w);
        if self.v2h.forming() && !self.dc.can_discharge() {
            // Contactor opened or limits withdrawn while forming: the home
            // goes dark at once.
            self.v2h.stop_forming();
        }
    }

    /// The PCC node's load: the RLC, plus the home load while the MID is
    /// closed (one node). Without a home load the RLC goes in unchanged, so
    /// issue 2's numbers are untouched.
    pub(super) fn configure_pcc(&mut self) {
        let (g_h, ilh) = (self.v2h.g_h, self.v2h.inv_lh);
        let load = if self.v2h.mid_closed() && (g_h > 0.0 || ilh > 0.0) {
            let g = pos(self.load.r_ohm).map_or(0.0, |r| 1.0 / r) + g_h;
            let il = pos(self.load.l_h).map_or(0.0, |l| 1.0 / l) + ilh;
            RlcLoad {
                r_ohm: (g > 0.0).then(|| 1.0 / g),
                l_h: (il > 0.0).then(|| 1.0 / il),
                c_f: self.load.c_f,
            }
        } else {
            self.load
        };
        self.node.configure(load, self.dt_s);
    }

    /// RLC-only conductance (the island load's power in `measure()`).
    pub(super) fn rlc_conductance_s(&self) -> f64 {
        pos(self.load.r_ohm).map_or(0.0, |r| 1.0 / r)
    }

    /// Opens the MID: the inductor current splits between the RLC and the
    /// home load in proportion to 1/L (both saw the same voltage), the home
    /// bus starts from the PCC voltage with the bridge off.
    fn open_mid(&mut self, step: u64) {
        let il_r = pos(self.load.l_h).map_or(0.0, |l| 1.0 / l);
        let il_h = self.v2h.inv_lh;
        let i_l = self.node.i_l;
        let share_h = if il_r + il_h > 0.0 {
            il_h / (il_r + il_h)
        } else {
            0.0
        };
        self.v2h.state = State::Transfer { since: step };
        self.v2h.clear_pcc_rising();
        self.configure_pcc();
        self.node.i_l = i_l * (1.0 - share_h);
        self.v2h.bus.set_connected(false);
        self.v2h.bus.start(self.node.v, i_l * share_h);
        self.v2h.meter.reset_dead();
        self.dc.flush(self.step as f64 * self.dt_s);
    }

    /// Closes the MID: one node again, carrying both inductor currents.
    fn close_mid(&mut self) {
        let i_lh = self.v2h.bus.x[2];
        self.v2h.bus.set_connected(false);
        self.v2h.free_run();
        self.v2h.state = State::Connected;
        self.configure_pcc();
        self.node.i_l += i_lh;
        self.dc.flush(self.step as f64 * self.dt_s);
        self.apply_dc_window();
    }

    /// V2H after the protection's step: MID opening on cessation, the
    /// transfer, forming, resynchronisation and reconnection.
    pub(super) fn step_v2h(&mut self, t_s: f64, pcc_rising: bool) {
        let energized = self.protection.energized();
        let was = std::mem::replace(&mut self.v2h.was_energized, energized);
        if self.v2h.state == State::Connected {
            if self.v2h.backup.enabled && was && !energized {
                self.open_mid(self.step);
            }
            return;
        }
        if pcc_rising {
            self.v2h.pcc_rising(t_s);
        }
        match self.v2h.state {
            _ if !self.v2h.backup.enabled && self.v2h.forming() => self.v2h.stop_forming(),
            State::Transfer { .. } | State::Dead if energized => {
                self.close_mid();
                return;
            }
            State::Forming if energized => self.v2h.state = State::Resync,
            State::Resync if !energized => {
                self.v2h.state = State::Forming;
                self.v2h.free_run();
            }
            State::Transfer { since } if self.step - since >= self.v2h.transfer_steps() => {
                if self.v2h.backup.enabled && self.dc.can_discharge() {
                    self.v2h.start_forming();
                } else {
                    self.v2h.state = State::Dead;
                }
            }
            _ => {}
        }
        let v_nom = self.config.nominal_voltage_v;
        let resync = self.v2h.state == State::Resync;
        let v_ref = if resync {
            self.meter.v_rms().clamp(0.95 * v_nom, 1.05 * v_nom)
        } else {
            v_nom
        };
        let e = if self.v2h.forming() {
            self.v2h.emf(v_ref)
        } else {
            0.0
        };
        self.v2h.bus.step(e);
        let (v, i_o, i_load) = (self.v2h.bus.v, self.v2h.bus.i_o(), self.v2h.bus.i_load);
        let crossing = self.v2h.meter.push(t_s, v, i_o, i_load);
        if self.v2h.forming() {
            // The DC side's discharge window as an AC current limit.
            let v_rms = self.v2h.meter.v_rms().max(0.1 * v_nom);
            let i_lim = self.v2h.rated_a().min(self.dc.window.max_w / v_rms);
            self.v2h.regulate(v_ref, i_lim);
        }
        if self
            .dc
            .tick(v * i_o, t_s, crossing.filter(|c| c.rising).map(|c| c.t_s))
            && self.v2h.forming()
            && !self.dc.can_discharge()
        {
            // The vehicle's SoC floor or minimum voltage: the island ends.
            self.v2h.stop_forming();
        }
        if let Some(c) = crossing.filter(|c| c.rising) {
            if resync {
                let f_grid = self.meter.frequency_cycle_hz(t_s);
                let v_home = self.v2h.meter.v_rms();
                if self.v2h.resync(c.t_s, f_grid, v_home, self.meter.v_rms()) {
                    self.close_mid();
                }
            }
        }
    }
}
