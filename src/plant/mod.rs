//! The electrical plant under the emulators: one single-phase PCC with an
//! ideal grid source behind switch S3, a parallel RLC island load and a
//! grid-following inverter (the charger) with protection and Sandia Frequency
//! Shift anti-islanding. Instantaneous values at a fixed step (≥ 20 kHz) in
//! simulated time; deterministic: same inputs, bit-identical results.
//!
//! The plant knows nothing about protocols: emulators read and write it
//! through the methods below.
//!
//! API CONTRACT: other modules depend on exactly these public signatures.

use crate::der::{AntiIslanding, EnterService, TripFunction, TripSettings};
use std::time::Duration;

/// Fixed configuration of the plant, taken from the rig.
#[derive(Debug, Clone, PartialEq)]
pub struct PlantConfig {
    pub nominal_voltage_v: f64,
    pub nominal_frequency_hz: f64,
    /// Integration rate; at least 20 kHz.
    pub step_rate_hz: f64,
    pub inverter: InverterConfig,
}

#[derive(Debug, Clone, PartialEq)]
pub struct InverterConfig {
    /// Apparent/active power rating (unity power factor by default).
    pub rating_w: f64,
    pub trip: TripSettings,
    pub enter_service: EnterService,
    pub anti_islanding: AntiIslanding,
}

/// Parallel R, L, C island load. `None` means that branch is absent (open).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct RlcLoad {
    pub r_ohm: Option<f64>,
    pub l_h: Option<f64>,
    pub c_f: Option<f64>,
}

impl RlcLoad {
    /// Load that draws `p_w`, `ql_var` (inductive) and `qc_var` (capacitive)
    /// at nominal voltage and frequency. Zero means the branch is absent.
    pub fn from_pq(p_w: f64, ql_var: f64, qc_var: f64, nominal_v: f64, nominal_hz: f64) -> Self {
        let w = 2.0 * std::f64::consts::PI * nominal_hz;
        let v2 = nominal_v * nominal_v;
        RlcLoad {
            r_ohm: (p_w > 0.0).then(|| v2 / p_w),
            l_h: (ql_var > 0.0).then(|| v2 / (w * ql_var)),
            c_f: (qc_var > 0.0).then(|| qc_var / (w * v2)),
        }
    }
}

/// Why the inverter is not energising.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CeaseReason {
    Trip(TripFunction),
    /// The active anti-islanding function declared an island.
    AntiIslanding,
    /// Waiting for the grid to be inside the enter-service window for the delay.
    EnterServiceDelay,
    /// Commanded off (no power setpoint enable / stopped).
    Disabled,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct InverterStatus {
    pub energized: bool,
    pub cease_reason: Option<CeaseReason>,
    /// Last function that tripped, kept until the next enter-service.
    pub last_trip: Option<CeaseReason>,
    pub power_setpoint_w: f64,
}

/// Measurements over the last full cycle of the PCC voltage.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct AcMeasurement {
    pub pcc_voltage_rms_v: f64,
    pub pcc_frequency_hz: f64,
    pub inverter_current_rms_a: f64,
    /// Export positive.
    pub inverter_power_w: f64,
    /// Real power through S3 from grid to PCC (positive when the grid supplies).
    pub grid_power_w: f64,
    pub grid_reactive_var: f64,
    pub load_power_w: f64,
}

/// One instantaneous sample of the PCC.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PccSample {
    pub t: Duration,
    pub v_pcc_v: f64,
    pub i_inverter_a: f64,
}

/// Ground truth of one island event.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IslandEvent {
    pub s3_opened_at: Duration,
    /// The instant from which PCC voltage and inverter current stayed below 0.05 pu.
    pub cleared_at: Option<Duration>,
}

pub struct Plant {
    // PLACEHOLDER STATE: the plant helper replaces this with the physics.
    config: PlantConfig,
    step: u64,
    grid_v: f64,
    grid_hz: f64,
    grid_on: bool,
    s3_closed: bool,
    load: RlcLoad,
    setpoint_w: f64,
    events: Vec<IslandEvent>,
}

impl Plant {
    pub fn new(config: PlantConfig) -> Self {
        Plant {
            grid_v: config.nominal_voltage_v,
            grid_hz: config.nominal_frequency_hz,
            config,
            step: 0,
            grid_on: true,
            s3_closed: true,
            load: RlcLoad::default(),
            setpoint_w: 0.0,
            events: Vec::new(),
        }
    }
    pub fn config(&self) -> &PlantConfig {
        &self.config
    }
    fn dt(&self) -> f64 {
        1.0 / self.config.step_rate_hz
    }
    pub fn now(&self) -> Duration {
        Duration::from_secs_f64(self.step as f64 * self.dt())
    }
    /// Integrate forward by `d` (rounded to whole steps).
    pub fn advance(&mut self, d: Duration) {
        let t = self.now() + d;
        self.advance_to(t);
    }
    pub fn advance_to(&mut self, t: Duration) {
        let target = (t.as_secs_f64() / self.dt()).round() as u64;
        if target > self.step {
            self.step = target;
        }
    }
    pub fn set_grid_voltage_v(&mut self, v_rms: f64) {
        self.grid_v = v_rms;
    }
    pub fn set_grid_frequency_hz(&mut self, hz: f64) {
        self.grid_hz = hz;
    }
    pub fn set_grid_output(&mut self, on: bool) {
        self.grid_on = on;
    }
    pub fn grid_voltage_v(&self) -> f64 {
        self.grid_v
    }
    pub fn grid_frequency_hz(&self) -> f64 {
        self.grid_hz
    }
    pub fn grid_output(&self) -> bool {
        self.grid_on
    }
    pub fn open_s3(&mut self) {
        if self.s3_closed {
            self.events.push(IslandEvent {
                s3_opened_at: self.now(),
                cleared_at: None,
            });
        }
        self.s3_closed = false;
    }
    pub fn close_s3(&mut self) {
        self.s3_closed = true;
    }
    pub fn s3_closed(&self) -> bool {
        self.s3_closed
    }
    pub fn set_load(&mut self, load: RlcLoad) {
        self.load = load;
    }
    pub fn load(&self) -> RlcLoad {
        self.load
    }
    /// Clamped to ±rating.
    pub fn set_power_setpoint_w(&mut self, p_w: f64) {
        let r = self.config.inverter.rating_w;
        self.setpoint_w = p_w.clamp(-r, r);
    }
    pub fn set_trip_settings(&mut self, trip: TripSettings) {
        self.config.inverter.trip = trip;
    }
    pub fn trip_settings(&self) -> &TripSettings {
        &self.config.inverter.trip
    }
    pub fn set_enter_service(&mut self, es: EnterService) {
        self.config.inverter.enter_service = es;
    }
    pub fn enter_service(&self) -> EnterService {
        self.config.inverter.enter_service
    }
    pub fn set_anti_islanding(&mut self, ai: AntiIslanding) {
        self.config.inverter.anti_islanding = ai;
    }
    pub fn anti_islanding(&self) -> AntiIslanding {
        self.config.inverter.anti_islanding
    }
    pub fn inverter_status(&self) -> InverterStatus {
        InverterStatus {
            energized: true,
            cease_reason: None,
            last_trip: None,
            power_setpoint_w: self.setpoint_w,
        }
    }
    pub fn measure(&self) -> AcMeasurement {
        AcMeasurement {
            pcc_voltage_rms_v: self.grid_v,
            pcc_frequency_hz: self.grid_hz,
            inverter_current_rms_a: self.setpoint_w / self.grid_v.max(1.0),
            inverter_power_w: self.setpoint_w,
            ..AcMeasurement::default()
        }
    }
    /// Samples from `from` to `to` (clipped to the kept history, at least the
    /// last 10 s), every `decimation`th step.
    pub fn history(&self, _from: Duration, _to: Duration, _decimation: usize) -> Vec<PccSample> {
        Vec::new()
    }
    pub fn island_events(&self) -> &[IslandEvent] {
        &self.events
    }
}
