//! A deterministic loop driving an EvSession against a ChargerSession with a
//! tiny DC plant: the current follows the AC setpoint inside the charger's
//! limits, one cycle late, and only with both contactors closed.

#![allow(dead_code)]

use std::time::Duration;

use v2x_hil::plant::DcLimits;
use v2x_hil::protocol::chademo::session::*;
use v2x_hil::protocol::chademo::{Direction, Phase};

pub const CYCLE: Duration = Duration::from_millis(100);

pub fn vehicle() -> VehicleConfig {
    VehicleConfig {
        max_charge_current_a: 25.0,
        max_discharge_current_a: 20.0,
        min_discharge_voltage_v: 300.0,
        min_discharge_soc: 0.2,
        max_charge_soc: 0.9,
        min_battery_voltage_v: 250.0,
        max_battery_voltage_v: 435.0,
        target_voltage_v: Some(410.0),
        capacity_kwh: 40.0,
        initial_soc: 0.6,
        protocol_number: 2,
        max_charging_time: Duration::from_secs(90 * 60),
    }
}

pub fn charger() -> ChargerConfig {
    ChargerConfig {
        available_voltage_v: 500.0,
        available_current_a: 30.0,
        threshold_voltage_v: 500.0,
        max_discharge_current_a: 30.0,
        protocol_number: 2,
        level_unit: v2x_hil::protocol::chademo::LevelUnit::Percent,
        welding_detection: true,
    }
}

pub struct Rig {
    pub ev: EvSession,
    pub ch: ChargerSession,
    pub now: Duration,
    pub battery_v: f64,
    /// Discharge positive.
    pub current_a: f64,
    /// Export positive.
    pub setpoint_w: f64,
    pub last: ChargerTick,
    /// Distinct phases in the order seen (vehicle, charger).
    pub ev_phases: Vec<Phase>,
    pub ch_phases: Vec<Phase>,
    /// When the vehicle last put a frame on the bus.
    pub last_ev_frame_at: Option<Duration>,
}

impl Rig {
    pub fn new(v: VehicleConfig, c: ChargerConfig) -> Self {
        Rig {
            ev: EvSession::new(v),
            ch: ChargerSession::new(c),
            now: Duration::ZERO,
            battery_v: 360.0,
            current_a: 0.0,
            setpoint_w: 0.0,
            last: ChargerTick {
                frames: Vec::new(),
                limits: DcLimits::NONE,
                contactor_closed: false,
                fault: None,
            },
            ev_phases: Vec::new(),
            ch_phases: Vec::new(),
            last_ev_frame_at: None,
        }
    }

    pub fn step(&mut self) -> &ChargerTick {
        let frames = self.ev.tick(self.now);
        if !frames.is_empty() {
            self.last_ev_frame_at = Some(self.now);
        }
        for f in &frames {
            self.ch.on_frame(self.now, f);
        }
        let dc = DcSideView {
            battery_voltage_v: self.battery_v,
            dc_current_a: self.current_a,
            ac_power_setpoint_w: self.setpoint_w,
        };
        self.last = self.ch.tick(self.now, dc);
        for f in &self.last.frames {
            self.ev.on_frame(self.now, f);
        }
        let l = self.last.limits;
        let wanted_a = self.setpoint_w / self.battery_v;
        self.current_a = if self.last.contactor_closed && self.ev.contactors_closed() {
            wanted_a.clamp(-l.max_charge_current_a, l.max_discharge_current_a)
        } else {
            0.0
        };
        push_new(&mut self.ev_phases, self.ev.status().phase);
        push_new(&mut self.ch_phases, self.ch.status().phase);
        self.now += CYCLE;
        &self.last
    }

    /// Steps until `done` holds (checked after each step) or `limit` passes;
    /// returns whether it held.
    pub fn run_until(&mut self, limit: Duration, mut done: impl FnMut(&Rig) -> bool) -> bool {
        let end = self.now + limit;
        while self.now < end {
            self.step();
            if done(self) {
                return true;
            }
        }
        false
    }

    pub fn run_for(&mut self, d: Duration) {
        let end = self.now + d;
        while self.now < end {
            self.step();
        }
    }

    /// Plug, start and run to energy transfer on both sides.
    pub fn run_to_transfer(&mut self, request: TransferRequest, direction: Direction) {
        self.ev.plug();
        self.ev.start(request);
        let ok = self.run_until(Duration::from_secs(10), |r| {
            r.ch.status().phase == Phase::EnergyTransfer(direction)
                && matches!(r.ev.status().phase, Phase::EnergyTransfer(_))
        });
        assert!(
            ok,
            "no energy transfer: ev {:?} charger {:?}",
            self.ev.status(),
            self.ch.status()
        );
    }
}

fn push_new(list: &mut Vec<Phase>, p: Phase) {
    if list.last() != Some(&p) {
        list.push(p);
    }
}

/// The documented order, for a session that ends normally.
pub fn full_order(direction: Direction) -> Vec<Phase> {
    vec![
        Phase::Connected,
        Phase::CompatibilityCheck,
        Phase::ConnectorLocked,
        Phase::InsulationTest,
        Phase::ContactorsClosed,
        Phase::EnergyTransfer(direction),
        Phase::CurrentRampDown,
        Phase::WeldingDetection,
        Phase::Unlocked,
    ]
}

/// Small xorshift PRNG for deterministic random tests.
pub struct XorShift(pub u64);

impl XorShift {
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}
