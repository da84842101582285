//! ChargerSession against hand-built vehicle frames: timeouts, vehicle
//! faults, frame contents.

mod chademo_session_common;

use std::time::Duration;

use chademo_session_common::{charger, CYCLE};
use v2x_hil::plant::DcLimits;
use v2x_hil::protocol::chademo::session::*;
use v2x_hil::protocol::chademo::*;
use v2x_hil::transport::can::{CanFrame, CanId};

fn can(m: Message) -> CanFrame {
    let (id, data) = m.encode();
    CanFrame::new(CanId::standard(id).unwrap(), &data).unwrap()
}

/// A scripted vehicle: its frames are whatever the test sets.
struct Script {
    limits: VehicleLimits,
    status: VehicleStatus,
    discharge: DischargeLimits,
}

impl Script {
    fn new() -> Self {
        Script {
            limits: VehicleLimits {
                max_battery_voltage_v: 435,
                charged_rate_reference: 100,
                ..Default::default()
            },
            status: VehicleStatus {
                protocol_number: 2,
                target_battery_voltage_v: 410,
                flags: VehicleFlags {
                    contactor_open: true,
                    discharge_compatible: true,
                    ..Default::default()
                },
                charged_rate: 50,
                ..Default::default()
            },
            discharge: DischargeLimits {
                max_discharge_current_a: 0,
                min_discharge_voltage_v: 300,
                min_discharge_level: 20,
                max_charge_level: 90,
            },
        }
    }

    fn send(&self, ch: &mut ChargerSession, now: Duration) {
        ch.on_frame(now, &can(Message::VehicleLimits(self.limits)));
        ch.on_frame(now, &can(Message::VehicleStatus(self.status)));
        ch.on_frame(now, &can(Message::DischargeLimits(self.discharge)));
    }
}

fn dc() -> DcSideView {
    DcSideView {
        battery_voltage_v: 360.0,
        dc_current_a: 0.0,
        ac_power_setpoint_w: 0.0,
    }
}

fn run(ch: &mut ChargerSession, v: &Script, now: &mut Duration, n: u32) -> ChargerTick {
    let mut last = None;
    for _ in 0..n {
        v.send(ch, *now);
        last = Some(ch.tick(*now, dc()));
        *now += CYCLE;
    }
    last.unwrap()
}

#[test]
fn vehicle_that_never_closes_its_contactors_times_out() {
    let mut ch = ChargerSession::new(charger());
    let mut v = Script::new();
    let mut now = Duration::ZERO;
    run(&mut ch, &v, &mut now, 5);
    assert_eq!(ch.phase(), Phase::CompatibilityCheck);
    v.status.flags.charging_enabled = true;
    let mut entered = None;
    for _ in 0..5 {
        run(&mut ch, &v, &mut now, 1);
        if ch.phase() == Phase::InsulationTest {
            entered.get_or_insert(now - CYCLE);
        }
    }
    let entered = entered.expect("no insulation test");
    let limit = INSULATION_TEST_MAX + CONTACTOR_CLOSE_TIMEOUT;
    let mut faulted_at = None;
    for _ in 0..300 {
        let tick = run(&mut ch, &v, &mut now, 1);
        assert_eq!(tick.limits, DcLimits::NONE);
        if tick.fault.is_some() && faulted_at.is_none() {
            faulted_at = Some(now - CYCLE);
        }
    }
    let at = faulted_at.expect("no timeout");
    let after = at - entered;
    assert!(after > limit && after <= limit + CYCLE, "{after:?}");
    assert_eq!(
        ch.fault(),
        Some(ChargerFault::Timeout(Phase::InsulationTest))
    );
    assert_eq!(ch.status().stop_cause, Some(StopCause::ChargerFault));
}

#[test]
fn vehicle_battery_fault_cuts_current_at_once() {
    let mut ch = ChargerSession::new(charger());
    let mut v = Script::new();
    let mut now = Duration::ZERO;
    v.status.flags.charging_enabled = true;
    run(&mut ch, &v, &mut now, 10);
    // Test over: the vehicle closes its contactors and permits discharge.
    v.status.flags.contactor_open = false;
    v.discharge.max_discharge_current_a = 15;
    let tick = run(&mut ch, &v, &mut now, 20);
    assert_eq!(ch.phase(), Phase::EnergyTransfer(Direction::Discharge));
    assert_eq!(tick.limits.max_discharge_current_a, 15.0);
    assert_eq!(tick.limits.max_charge_current_a, 0.0, "no H'102.3 request");

    // H'109 carries the transfer flags and the battery voltage.
    let st = ChargerStatus::parse(&Frame109::new_checked(0x109, tick.frames[1].data()).unwrap())
        .unwrap();
    assert!(st.flags.energy_transfer && !st.flags.stop_control && st.flags.connector_locked);
    assert_eq!(st.present_output_voltage_v, 360);
    assert!(st.discharge_compatible);
    let cap =
        ChargerCapability::parse(&Frame108::new_checked(0x108, tick.frames[0].data()).unwrap())
            .unwrap();
    assert_eq!(cap.available_output_voltage_v, 500);
    assert_eq!(cap.threshold_voltage_v, 435, "min(500, vehicle max 435)");

    v.status.faults.battery_overvoltage = true;
    let tick = run(&mut ch, &v, &mut now, 1);
    assert_eq!(tick.limits, DcLimits::NONE, "a fault is no orderly ramp");
    assert_eq!(tick.fault, Some(ChargerFault::VehicleFault));
    assert_eq!(ch.phase(), Phase::CurrentRampDown);
}

#[test]
fn discharge_frames_use_the_inverted_current_encoding() {
    let mut ch = ChargerSession::new(charger());
    let mut v = Script::new();
    let mut now = Duration::ZERO;
    v.status.flags.charging_enabled = true;
    run(&mut ch, &v, &mut now, 10);
    v.status.flags.contactor_open = false;
    v.discharge.max_discharge_current_a = 15;
    run(&mut ch, &v, &mut now, 5);
    v.send(&mut ch, now);
    let tick = ch.tick(
        now,
        DcSideView {
            battery_voltage_v: 360.0,
            dc_current_a: 12.0,
            ac_power_setpoint_w: 4320.0,
        },
    );
    let f208 = tick.frames.iter().find(|f| f.id().raw() == 0x208).unwrap();
    assert_eq!(f208.data()[0], 0xFF - 12, "208.0 = 0xFF − A");
    assert_eq!(f208.data()[3], 0xFF - 30, "208.3 = 0xFF − available");
    let f109 = tick.frames.iter().find(|f| f.id().raw() == 0x109).unwrap();
    assert_eq!(f109.data()[3], 0, "no charge current while discharging");
}
