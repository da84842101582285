//! API CONTRACT for issue 3 (EV battery behind the charger's DC side, V2H
//! backup): types and the public `Plant` methods other modules code against.
//! PLACEHOLDER BODIES: the plant helper replaces them with the physics.

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

/// Placeholder state until the physics lands.
#[derive(Debug, Clone, Default)]
pub(crate) struct EvPlaceholder {
    pub battery: Option<(EvBatteryConfig, f64)>,
    pub limits: Option<DcLimits>,
    pub contactor: bool,
    pub backup: Option<BackupConfig>,
    pub home_load: (f64, f64),
}

impl super::Plant {
    /// From now on the DC side is this battery (until `detach_ev`); before,
    /// and after detaching, it is an ideal lab DC source.
    pub fn attach_ev(&mut self, battery: EvBatteryConfig) {
        let soc = battery.initial_soc;
        self.ev.battery = Some((battery, soc));
    }
    pub fn detach_ev(&mut self) {
        self.ev.battery = None;
    }
    /// The vehicle's contactors: energy moves only while closed.
    pub fn set_dc_contactor(&mut self, closed: bool) {
        self.ev.contactor = closed;
    }
    pub fn dc_contactor(&self) -> bool {
        self.ev.contactor
    }
    /// The charger clamps its AC power so the DC side stays inside these.
    pub fn set_dc_limits(&mut self, limits: DcLimits) {
        self.ev.limits = Some(limits);
    }
    pub fn ev_battery(&self) -> Option<EvBatteryState> {
        self.ev.battery.as_ref().map(|(b, soc)| EvBatteryState {
            soc: *soc,
            ocv_v: b.ocv_table.last().map_or(0.0, |p| p.1),
            terminal_voltage_v: b.ocv_table.last().map_or(0.0, |p| p.1),
            current_a: 0.0,
            dc_power_w: 0.0,
            energy_out_wh: 0.0,
        })
    }
    pub fn set_backup(&mut self, backup: BackupConfig) {
        self.ev.backup = Some(backup);
    }
    /// Home load on the home bus: R and L drawing these at nominal V and f.
    pub fn set_home_load(&mut self, p_w: f64, q_var: f64) {
        self.ev.home_load = (p_w, q_var);
    }
    pub fn home_load(&self) -> (f64, f64) {
        self.ev.home_load
    }
    pub fn mid_closed(&self) -> bool {
        true
    }
    pub fn inverter_mode(&self) -> InverterMode {
        InverterMode::GridFollowing
    }
    pub fn home_measure(&self) -> HomeMeasurement {
        HomeMeasurement::default()
    }
}
