//! API CONTRACT for issue 3 (EV battery behind the charger's DC side, V2H
//! backup): types and the public `Plant` methods other modules code against.
//! The physics is in battery.rs / dc.rs (DC side), homebus.rs / v2h.rs /
//! transfer.rs (MID and grid forming).

use std::time::Duration;

/// The EV traction battery on the charger's DC side.
#[derive(Debug, Clone, PartialEq)]
pub struct EvBatteryConfig {
    pub capacity_kwh: f64,
    /// 0..=1
    pub initial_soc: f64,
    /// Open-circuit voltage against SoC, piecewise linear, ascending SoC, ≥ 2 points.
    pub ocv_table: Vec<(f64, f64)>,
    pub internal_resistance_ohm: f64,
}

impl EvBatteryConfig {
    /// A 62 kWh, ~96s NMC pack typical of CHAdeMO V2G vehicles (e.g. Nissan Leaf e+).
    pub fn typical_62kwh() -> Self {
        EvBatteryConfig {
            capacity_kwh: 62.0,
            initial_soc: 0.6,
            ocv_table: vec![
                (0.0, 300.0),
                (0.1, 340.0),
                (0.5, 365.0),
                (0.9, 390.0),
                (1.0, 403.0),
            ],
            internal_resistance_ohm: 0.1,
        }
    }
}

/// The vehicle's limits the charger must honour (CHAdeMO 0x100/0x102/0x200).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DcLimits {
    pub max_discharge_current_a: f64,
    pub max_charge_current_a: f64,
    pub min_discharge_voltage_v: f64,
    /// 0..=1: discharge stops at this SoC.
    pub min_discharge_soc: f64,
    /// 0..=1: charge stops at this SoC.
    pub max_charge_soc: f64,
}

impl DcLimits {
    /// No energy transfer at all (contactors open / no session).
    pub const NONE: DcLimits = DcLimits {
        max_discharge_current_a: 0.0,
        max_charge_current_a: 0.0,
        min_discharge_voltage_v: f64::INFINITY,
        min_discharge_soc: 1.0,
        max_charge_soc: 0.0,
    };
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EvBatteryState {
    pub soc: f64,
    pub ocv_v: f64,
    pub terminal_voltage_v: f64,
    /// Discharge positive.
    pub current_a: f64,
    /// Discharge positive.
    pub dc_power_w: f64,
    /// Energy out of the battery since it was attached (discharge positive), Wh.
    pub energy_out_wh: f64,
}

/// V2H backup: the charger opens its transfer switch (the microgrid
/// interconnect device, MID) on loss of grid and forms the home's voltage.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BackupConfig {
    pub enabled: bool,
    /// From ceasing on the grid to forming the home bus (MID opening included).
    pub transfer_time: Duration,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InverterMode {
    GridFollowing,
    GridForming,
    Ceased,
}

/// RMS measurements on the home bus over the last nominal cycle.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct HomeMeasurement {
    pub voltage_rms_v: f64,
    pub frequency_hz: f64,
    pub power_w: f64,
    pub reactive_var: f64,
    pub current_rms_a: f64,
}

impl super::Plant {
    /// From now on the DC side is this battery (until `detach_ev`); before,
    /// and after detaching, it is an ideal lab DC source. Energy moves only
    /// once the contactor is closed and the vehicle's limits are set
    /// (`DcLimits::NONE` until then).
    pub fn attach_ev(&mut self, battery: EvBatteryConfig) {
        self.dc.flush(self.step as f64 * self.dt_s);
        self.dc.battery = Some(super::battery::Battery::new(battery));
        self.apply_dc_window();
    }
    pub fn detach_ev(&mut self) {
        self.dc.flush(self.step as f64 * self.dt_s);
        self.dc.battery = None;
        self.apply_dc_window();
    }
    /// The vehicle's contactors: energy moves only while closed. Opening
    /// cuts the inverter's current at once (not at the next half-cycle).
    pub fn set_dc_contactor(&mut self, closed: bool) {
        if closed == self.dc.contactor {
            return;
        }
        self.dc.flush(self.step as f64 * self.dt_s);
        self.dc.contactor = closed;
        self.apply_dc_window();
    }
    pub fn dc_contactor(&self) -> bool {
        self.dc.contactor
    }
    /// The charger clamps its AC power so the DC side stays inside these.
    pub fn set_dc_limits(&mut self, limits: DcLimits) {
        // The charger hears the vehicle's limits every 100 ms: a repeat
        // changes nothing.
        if limits == self.dc.limits {
            return;
        }
        self.dc.flush(self.step as f64 * self.dt_s);
        self.dc.limits = limits;
        self.apply_dc_window();
    }
    /// Added: the limits in force (`DcLimits::NONE` until set).
    pub fn dc_limits(&self) -> DcLimits {
        self.dc.limits
    }
    /// Added: DC/AC conversion efficiency each way, in (0, 1]; discharge
    /// P_dc = P_ac/η, charge P_dc = P_ac·η. Default
    /// `DEFAULT_CONVERSION_EFFICIENCY` (0.96).
    pub fn set_conversion_efficiency(&mut self, efficiency: f64) {
        self.dc.flush(self.step as f64 * self.dt_s);
        self.dc.efficiency = if efficiency.is_finite() {
            efficiency.clamp(0.01, 1.0)
        } else {
            super::battery::DEFAULT_CONVERSION_EFFICIENCY
        };
        self.apply_dc_window();
    }
    pub fn conversion_efficiency(&self) -> f64 {
        self.dc.efficiency
    }
    /// Battery state; current and DC power are the means over the last
    /// half-cycle (the interval the battery is advanced by).
    pub fn ev_battery(&self) -> Option<EvBatteryState> {
        self.dc.battery.as_ref().map(|b| b.state())
    }
    /// Added: the battery's charge capacity, 1000·kWh / mean OCV (see
    /// battery.rs), for coulomb-counting checks.
    pub fn ev_capacity_ah(&self) -> Option<f64> {
        self.dc.battery.as_ref().map(|b| b.capacity_ah())
    }
    /// Added: the AC power setpoint after the DC-side clamp (equals the
    /// commanded setpoint without a battery). `inverter_status()` keeps
    /// reporting the commanded one.
    pub fn effective_power_setpoint_w(&self) -> f64 {
        let w = self.dc.window;
        self.source.setpoint_w.clamp(w.min_w, w.max_w)
    }
    pub fn set_backup(&mut self, backup: BackupConfig) {
        self.v2h.backup = backup;
        self.v2h.was_energized = self.protection.energized();
    }
    /// Added.
    pub fn backup(&self) -> BackupConfig {
        self.v2h.backup
    }
    /// Home load on the home bus: R and L drawing these at nominal V and f
    /// (0 = branch absent); takes effect from the next step (load steps).
    pub fn set_home_load(&mut self, p_w: f64, q_var: f64) {
        self.v2h.set_home_load(p_w, q_var);
        if self.v2h.mid_closed() {
            self.configure_pcc();
        }
    }
    pub fn home_load(&self) -> (f64, f64) {
        (self.v2h.home_p_w, self.v2h.home_q_var)
    }
    pub fn mid_closed(&self) -> bool {
        self.v2h.mid_closed()
    }
    pub fn inverter_mode(&self) -> InverterMode {
        use super::v2h::State;
        match self.v2h.state {
            State::Connected if self.protection.energized() => InverterMode::GridFollowing,
            State::Forming | State::Resync => InverterMode::GridForming,
            _ => InverterMode::Ceased,
        }
    }
    /// With the MID closed the home bus is the PCC: its V and f, and the
    /// home load's P, Q and current from the PCC voltage (exact for a
    /// sinusoid). With the MID open, the home bus's own one-cycle meter.
    pub fn home_measure(&self) -> HomeMeasurement {
        let t_s = self.step as f64 * self.dt_s;
        if self.v2h.mid_closed() {
            let f = self.meter.frequency_cycle_hz(t_s);
            let w = std::f64::consts::TAU
                * if f > 0.0 {
                    f
                } else {
                    self.config.nominal_frequency_hz
                };
            let mean_v2 = self.meter.means(t_s).mean_v2;
            let b = self.v2h.inv_lh / w;
            let g = self.v2h.g_h;
            HomeMeasurement {
                voltage_rms_v: mean_v2.sqrt(),
                frequency_hz: f,
                power_w: mean_v2 * g,
                reactive_var: mean_v2 * b,
                current_rms_a: mean_v2.sqrt() * (g * g + b * b).sqrt(),
            }
        } else {
            let m = self.v2h.meter.means(t_s);
            HomeMeasurement {
                voltage_rms_v: m.v_rms,
                frequency_hz: self.v2h.meter.frequency_cycle_hz(t_s),
                power_w: m.p_grid_w,
                reactive_var: m.q_grid_var,
                current_rms_a: m.i_b_rms,
            }
        }
    }
    /// Added: the instantaneous home-bus voltage (the PCC's with the MID
    /// closed), e.g. to see the step when the MID closes.
    pub fn home_voltage_v(&self) -> f64 {
        if self.v2h.mid_closed() {
            self.node.v
        } else {
            self.v2h.bus.v
        }
    }
    /// Added: the inverter's AC power at its own port over the last cycle,
    /// export positive, in any mode (into the PCC with the MID closed, into
    /// the home bus while forming). `measure()` stays at the PCC.
    pub fn inverter_ac_power_w(&self) -> f64 {
        let t_s = self.step as f64 * self.dt_s;
        if self.v2h.mid_closed() {
            self.meter.means(t_s).p_inverter_w
        } else {
            self.v2h.meter.means(t_s).p_inverter_w
        }
    }
}
