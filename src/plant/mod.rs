//! The electrical plant under the emulators: one single-phase PCC with an
//! ideal grid source behind switch S3, a parallel RLC island load, and the
//! charger: a grid-following inverter with protection and Sandia Frequency
//! Shift anti-islanding, its DC side (ideal lab source or EV battery) and
//! its V2H transfer switch (MID) to a home bus with its own load.
//! Instantaneous values at a fixed step (≥ 20 kHz) in simulated time;
//! deterministic: same inputs, bit-identical results.
//!
//! Topology: grid —S3— PCC (RLC) —MID— home bus (home load + inverter AC
//! port). MID closed: PCC and home bus are one node (the home load is more
//! load at the PCC). MID open: the PCC has the RLC and the grid; the home
//! bus has the home load and the inverter, forming voltage.
//!
//! The plant knows nothing about protocols: emulators read and write it
//! through the methods below.
//!
//! API CONTRACT: other modules depend on exactly these public signatures.
//!
//! Model (one step = 1/step_rate_hz; time is the integer step count):
//! - grid.rs: v_g = √2·V·sin θ, θ integrated from the set frequency; 0 V when off.
//! - rlc.rs: S3 closed → v_pcc = v_g and i_L its steady state; S3 open →
//!   trapezoidal integration of the parallel RLC driven by the inverter
//!   current, continuous from the closed state. An absent C is replaced by
//!   `STRAY_CAPACITANCE_F`.
//! - pll.rs, inverter.rs: current source on the phase of a zero-crossing
//!   PLL locked to v_pcc; RMS current = setpoint / V_rms filtered with
//!   `POWER_LOOP_TAU_S`, limited to `CURRENT_LIMIT_PU`; SFS chopping with cf
//!   from the PLL's frequency, clamped to ±`CF_LIMIT`, the chop compensated
//!   so P = setpoint.
//! - protection.rs: OV/UV on the one-nominal-cycle RMS, OF/UF on the
//!   half-period frequency; islanding.rs: SFS island detection on the PLL's
//!   frequency, outside the ride-through band and only while the drift
//!   grows (`DRIFT_WINDOW_S`); enter service.
//! - measure.rs: one-nominal-cycle running sums; events.rs: ground truth;
//!   history.rs: the last `HISTORY_S` at full rate. History and ground truth
//!   carry the current the charger injects into the PCC (0 while the MID is
//!   open), so clearing times measure the grid side in V2H too.
//! - battery.rs, dc.rs: EV battery (OCV(SoC) + R, coulomb counting), DC
//!   power = AC power through the conversion efficiency, advanced once per
//!   cycle; the AC setpoint is clamped to the vehicle's `DcLimits`.
//! - homebus.rs, v2h.rs, transfer.rs: the MID, the home bus ODE and the
//!   grid-forming control (transfer, soft start, RMS voltage regulator,
//!   current limit, resynchronisation); ev_api.rs: their public methods.
//!
//! Expects a validated config: step rate ≥ 20 kHz, nominal V, f and rating > 0.

use crate::der::{AntiIslanding, EnterService, TripFunction, TripSettings};
use std::time::Duration;

mod agents;
mod battery;
mod dc;
mod ev_api;
mod events;
mod grid;
mod history;
mod homebus;
mod inverter;
mod islanding;
mod measure;
mod pll;
mod protection;
mod rlc;
#[cfg(test)]
mod tests;
mod transfer;
mod v2h;

pub use agents::{Agent, SimTime};
pub use battery::DEFAULT_CONVERSION_EFFICIENCY;
pub use ev_api::{
    BackupConfig, DcLimits, EvBatteryConfig, EvBatteryState, HomeMeasurement, InverterMode,
};
pub use history::HISTORY_S;
pub use homebus::{DAMPING_R_PU, FILTER_B_PU, OUTPUT_R_PU, OUTPUT_X_PU};
pub use inverter::{CF_LIMIT, CURRENT_LIMIT_PU, POWER_LOOP_TAU_S};
pub use islanding::{DRIFT_WINDOW_S, GROWING_WINDOWS};
pub use pll::{FREQUENCY_GAIN as PLL_FREQUENCY_GAIN, PHASE_GAIN as PLL_PHASE_GAIN};
pub use rlc::{STRAY_CAPACITANCE_F, STRAY_CONDUCTANCE_S};
pub use v2h::{
    CURRENT_LOOP_TAU_S, RESYNC_MAX_OFFSET_HZ, RESYNC_TAU_S, SOFT_START_S, SYNC_PHASE_TOL_DEG,
    SYNC_VOLTAGE_TOL_PU, VOLTAGE_LOOP_TAU_S,
};

use events::{EventTruth, IslandTruth};
use grid::Grid;
use history::History;
use inverter::CurrentSource;
use measure::Meter;
use protection::{Protection, Reading};
use rlc::Node;

/// Time of a step, rounded to the nanosecond: the same step count always
/// gives the same `Duration`.
pub(crate) fn step_time(step: u64, rate_hz: f64) -> Duration {
    Duration::from_nanos((step as f64 * 1e9 / rate_hz).round() as u64)
}

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

/// The plant. Starts at t = 0 on an upward zero crossing of the nominal
/// grid, S3 closed, no load, the inverter in service (energised) at 0 W.
pub struct Plant {
    config: PlantConfig,
    rate_hz: f64,
    dt_s: f64,
    step: u64,
    grid: Grid,
    s3_closed: bool,
    load: RlcLoad,
    node: Node,
    source: CurrentSource,
    protection: Protection,
    meter: Meter,
    i_inv_a: f64,
    history: History,
    truth: IslandTruth,
    event_truth: EventTruth,
    agents: agents::Agents,
    sim_time: SimTime,
    dc: dc::DcSide,
    v2h: v2h::V2h,
}

impl Plant {
    pub fn new(config: PlantConfig) -> Self {
        let v_nom = config.nominal_voltage_v;
        let f_nom = config.nominal_frequency_hz;
        let rate_hz = config.step_rate_hz;
        let dt_s = 1.0 / rate_hz;
        let rating_w = config.inverter.rating_w;
        Plant {
            rate_hz,
            dt_s,
            step: 0,
            grid: Grid::new(v_nom, f_nom),
            s3_closed: true,
            load: RlcLoad::default(),
            node: Node::new(RlcLoad::default(), dt_s),
            source: CurrentSource::new(v_nom, f_nom, rating_w, dt_s),
            protection: Protection::new(v_nom, f_nom, rate_hz, &config.inverter.trip),
            meter: Meter::new(v_nom, f_nom, rate_hz),
            i_inv_a: 0.0,
            history: History::new(rate_hz),
            truth: IslandTruth::new(v_nom, rating_w / v_nom, f_nom, rate_hz),
            event_truth: EventTruth::default(),
            agents: agents::Agents::default(),
            sim_time: SimTime::default(),
            dc: dc::DcSide::new(dt_s, f_nom),
            v2h: v2h::V2h::new(v_nom, f_nom, rating_w, rate_hz),
            config,
        }
    }
    pub fn config(&self) -> &PlantConfig {
        &self.config
    }
    pub fn now(&self) -> Duration {
        step_time(self.step, self.rate_hz)
    }
    /// Integrate forward by `d` (rounded to whole steps).
    pub fn advance(&mut self, d: Duration) {
        let t = self.now() + d;
        self.advance_to(t);
    }
    /// Integrates up to the first step at or after `t`, so time never fails
    /// to move forward; 0.6 ns of slack absorbs `now()`'s rounding to 1 ns.
    /// Agents (see `agents.rs`) run at their instants on the way.
    pub fn advance_to(&mut self, t: Duration) {
        let target = self.step_at_or_after(t);
        loop {
            let wake = self
                .agents
                .earliest()
                .map(|w| self.step_at_or_after(w).max(self.step));
            match wake {
                Some(w) if w <= target => {
                    self.integrate_to(w);
                    self.sim_time.publish(self.now());
                    self.wake_due_agents();
                    // An agent that asks for the same instant again runs at the next step.
                    if self
                        .agents
                        .earliest()
                        .is_some_and(|e| self.step_at_or_after(e) <= w)
                        && self.step < target
                    {
                        self.integrate_to(self.step + 1);
                        self.sim_time.publish(self.now());
                        self.wake_due_agents();
                    }
                    if self.step >= target {
                        break;
                    }
                }
                _ => {
                    self.integrate_to(target);
                    break;
                }
            }
        }
        self.sim_time.publish(self.now());
    }

    fn step_at_or_after(&self, t: Duration) -> u64 {
        let x = (t.as_nanos() as f64 - 0.6) * self.rate_hz / 1e9;
        x.ceil().max(0.0) as u64
    }

    fn integrate_to(&mut self, target: u64) {
        while self.step < target {
            self.step_once();
        }
    }

    /// One integration step: grid, inverter current, PCC node, meter, DC
    /// side, protection, records, then the home bus while the MID is open.
    fn step_once(&mut self) {
        self.step += 1;
        let t_s = self.step as f64 * self.dt_s;
        self.grid.advance(self.dt_s);
        let mid_closed = self.v2h.mid_closed();
        // With the MID open the charger injects nothing into the PCC.
        let energized = self.protection.energized() && mid_closed;
        let ai = self.config.inverter.anti_islanding;
        let i_src = self.source.step(&ai);
        let i_inv = if energized { i_src } else { 0.0 };
        let (v, i_grid) = if self.s3_closed {
            let g = self.grid.sample();
            let i_load = self.node.follow(g.v, g.v_quad, g.omega, i_inv);
            (g.v, i_load - i_inv)
        } else {
            self.node.integrate(i_inv);
            (self.node.v, 0.0)
        };
        self.i_inv_a = i_inv;
        let crossing = self.meter.push(t_s, v, i_inv, i_grid);
        if mid_closed
            && self
                .dc
                .tick(v * i_inv, t_s, crossing.filter(|c| c.rising).map(|c| c.t_s))
        {
            // Before the next half-cycle starts: it uses the new window.
            self.apply_dc_window();
        }
        let f_hz = self.meter.frequency_half_hz(t_s);
        if let Some(c) = crossing {
            self.source.on_crossing(c, t_s - c.t_s);
        }
        self.source.filter_voltage(self.meter.v_rms());
        let reading = Reading {
            step: self.step,
            mean_v2: self.meter.mean_v2(),
            f_hz,
            f_pll_hz: self.source.frequency_hz(),
            pll_pinned: self.source.pll.at_range_limit(),
        };
        let was_energized = self.protection.energized();
        if !self
            .protection
            .step(&reading, &ai, &self.config.inverter.enter_service)
            && was_energized
        {
            let why = self
                .protection
                .cease_reason()
                .unwrap_or(CeaseReason::Disabled);
            self.event_truth.ceased(self.now(), why);
        }
        self.history.record(self.step, v, i_inv);
        self.truth.sample(self.step, v, i_inv, self.rate_hz);
        if !mid_closed || self.v2h.backup.enabled {
            self.step_v2h(t_s, crossing.is_some_and(|c| c.rising));
        }
    }

    pub fn set_grid_voltage_v(&mut self, v_rms: f64) {
        self.grid.voltage_v = v_rms;
        self.event_truth.grid_step(self.now());
    }
    pub fn set_grid_frequency_hz(&mut self, hz: f64) {
        self.grid.frequency_hz = hz;
        self.event_truth.grid_step(self.now());
    }
    /// Off always; on only while the source's protection is not tripped.
    pub fn set_grid_output(&mut self, on: bool) {
        self.grid.on = on && !self.grid.tripped;
    }
    pub fn grid_voltage_v(&self) -> f64 {
        self.grid.voltage_v
    }
    pub fn grid_frequency_hz(&self) -> f64 {
        self.grid.frequency_hz
    }
    pub fn grid_output(&self) -> bool {
        self.grid.on
    }
    /// Opens S3 from the next step on and starts an island event.
    pub fn open_s3(&mut self) {
        if self.s3_closed {
            self.truth.open(self.step, self.now());
        }
        self.s3_closed = false;
    }
    /// Closes S3 (the PCC follows the grid again) and ends the island event.
    pub fn close_s3(&mut self) {
        self.s3_closed = true;
        self.truth.close();
    }
    pub fn s3_closed(&self) -> bool {
        self.s3_closed
    }
    /// Takes effect from the next step; the PCC state stays continuous.
    pub fn set_load(&mut self, load: RlcLoad) {
        self.load = load;
        self.configure_pcc();
    }
    pub fn load(&self) -> RlcLoad {
        self.load
    }
    /// Clamped to ±rating.
    pub fn set_power_setpoint_w(&mut self, p_w: f64) {
        let r = self.config.inverter.rating_w;
        self.source.setpoint_w = p_w.clamp(-r, r);
        if self.dc.battery.is_some() {
            self.apply_dc_window();
        }
    }
    pub fn set_trip_settings(&mut self, trip: TripSettings) {
        self.protection.configure(&trip);
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
        // With the MID open and the grid side ready, the inverter is still
        // resynchronising: part of entering service.
        let ready = self.protection.energized();
        let mid = self.v2h.mid_closed();
        InverterStatus {
            energized: ready && mid,
            cease_reason: if ready && !mid {
                Some(CeaseReason::EnterServiceDelay)
            } else {
                self.protection.cease_reason()
            },
            last_trip: self.protection.last_trip(),
            power_setpoint_w: self.source.setpoint_w,
        }
    }
    /// Over the last whole cycle of the PCC voltage (the last nominal cycle
    /// when it has not completed one lately). Frequency is 0 when the PCC
    /// voltage has not crossed zero for a nominal cycle (no signal).
    pub fn measure(&self) -> AcMeasurement {
        let t_s = self.step as f64 * self.dt_s;
        let m = self.meter.means(t_s);
        AcMeasurement {
            pcc_voltage_rms_v: m.v_rms,
            pcc_frequency_hz: self.meter.frequency_cycle_hz(t_s),
            inverter_current_rms_a: m.i_rms,
            inverter_power_w: m.p_inverter_w,
            grid_power_w: m.p_grid_w,
            grid_reactive_var: m.q_grid_var,
            // The RLC island load only (the home load: `home_measure`).
            load_power_w: m.mean_v2 * self.rlc_conductance_s(),
        }
    }
    /// Samples from `from` to `to` (clipped to the kept history, at least the
    /// last 10 s), every `decimation`th step.
    pub fn history(&self, from: Duration, to: Duration, decimation: usize) -> Vec<PccSample> {
        let to_step = |d: Duration| d.as_nanos() as f64 * self.rate_hz / 1e9;
        let first = (to_step(from) - 1e-6).ceil().max(0.0) as u64;
        let first = first.max(self.history.first_kept(self.step));
        let last = ((to_step(to) + 1e-6).floor().max(0.0) as u64).min(self.step);
        if first > last {
            return Vec::new();
        }
        let stride = decimation.max(1);
        let n = usize::try_from((last - first) / stride as u64 + 1).unwrap_or(0);
        let mut out = Vec::with_capacity(n);
        let mut k = first;
        while k <= last {
            let (v, i) = self.history.get(k);
            out.push(PccSample {
                t: step_time(k, self.rate_hz),
                v_pcc_v: f64::from(v),
                i_inverter_a: f64::from(i),
            });
            k += stride as u64;
        }
        out
    }
    pub fn island_events(&self) -> &[IslandEvent] {
        &self.truth.events
    }
    /// Ground truth: when the grid's voltage or frequency setting changed
    /// (it acts from the next step), the most recent 256.
    pub fn grid_steps(&self) -> impl Iterator<Item = Duration> + '_ {
        self.event_truth.grid_steps.iter().copied()
    }
    /// Ground truth: when the charger ceased to energise on its protection
    /// (the current of that step still flowed), the most recent 256.
    pub fn cessations(&self) -> impl Iterator<Item = (Duration, CeaseReason)> + '_ {
        self.event_truth.cessations.iter().copied()
    }
}
