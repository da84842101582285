//! EvSession against ChargerSession, 100 ms cycles: sessions, limits,
//! stops, silence and incompatibility.

mod chademo_session_common;

use std::time::Duration;

use chademo_session_common::*;
use v2x_hil::plant::DcLimits;
use v2x_hil::protocol::chademo::session::*;
use v2x_hil::protocol::chademo::{Direction, Incompatibility, Phase, StopCause};

#[test]
fn discharge_session_reaches_transfer_with_the_vehicles_limits() {
    let mut rig = Rig::new(vehicle(), charger());
    rig.setpoint_w = 5000.0;
    rig.run_to_transfer(TransferRequest::Discharge, Direction::Discharge);
    rig.run_for(Duration::from_millis(500));

    let l = rig.last.limits;
    assert_eq!(
        l.max_discharge_current_a, 20.0,
        "vehicle's 20 A < charger's 30 A"
    );
    assert_eq!(
        l.max_charge_current_a, 25.0,
        "bidirectional: charge permitted"
    );
    assert_eq!(l.min_discharge_voltage_v, 300.0);
    assert!((l.min_discharge_soc - 0.2).abs() < 1e-9);
    assert!((l.max_charge_soc - 0.9).abs() < 1e-9);
    assert!(rig.last.contactor_closed && rig.ev.contactors_closed());
    assert_eq!(rig.last.fault, None);

    // 5 kW at 360 V = 13.9 A, inside the limit; the vehicle sees it.
    assert!((rig.current_a - 5000.0 / 360.0).abs() < 1e-9);
    let st = rig.ev.status();
    assert_eq!(st.charger_reported_current_a, 14.0);
    assert_eq!(st.charger_reported_voltage_v, 360.0);
    assert!(st.soc < 0.6, "SoC falls while discharging");
    let cs = rig.ch.status();
    assert_eq!(cs.energy_transfer, Some(Direction::Discharge));
    assert_eq!(cs.vehicle.max_discharge_current_a, 20.0);
    assert!(cs.vehicle_soc.is_some_and(|s| (s - 0.6).abs() <= 0.01));

    // Export beyond the limit is clamped to it.
    rig.setpoint_w = 20_000.0;
    rig.run_for(Duration::from_millis(300));
    assert_eq!(rig.current_a, 20.0);
}

#[test]
fn charge_session_honours_the_request_and_raises_soc() {
    let mut rig = Rig::new(vehicle(), charger());
    rig.setpoint_w = -20_000.0;
    rig.run_to_transfer(
        TransferRequest::Charge { current_a: 18.0 },
        Direction::Charge,
    );
    rig.run_for(Duration::from_secs(5));
    let l = rig.last.limits;
    assert_eq!(l.max_charge_current_a, 18.0);
    assert_eq!(l.max_discharge_current_a, 0.0, "no discharge permission");
    assert_eq!(rig.current_a, -18.0);
    let st = rig.ev.status();
    assert_eq!(st.charger_reported_current_a, -18.0);
    assert!(st.soc > 0.6);
    // ~18 A · 360 V for ~5 s into 40 kWh.
    let expected = 0.6 + 18.0 * 360.0 * 5.0 / 3600.0 / 40_000.0;
    assert!(
        (st.soc - expected).abs() < 5e-5,
        "soc {} vs {}",
        st.soc,
        expected
    );
    assert_eq!(rig.ch.status().energy_transfer, Some(Direction::Charge));

    // A request above the charger's 30 A is capped by H'108.3.
    rig.ev.set_limits(RuntimeLimits {
        max_charge_current_a: 100.0,
        ..rig.ev.limits()
    });
    rig.ev.start(TransferRequest::Charge { current_a: 100.0 });
    rig.run_for(Duration::from_millis(300));
    assert_eq!(rig.ev.status().charge_request_a, 30);
    assert_eq!(rig.last.limits.max_charge_current_a, 30.0);
}

#[test]
fn min_discharge_soc_stops_discharge() {
    let mut v = vehicle();
    v.capacity_kwh = 0.5;
    v.initial_soc = 0.25;
    let mut rig = Rig::new(v, charger());
    rig.setpoint_w = 20_000.0;
    rig.run_to_transfer(TransferRequest::Discharge, Direction::Discharge);
    rig.step();
    assert_eq!(rig.current_a, 20.0);

    let stopped = rig.run_until(Duration::from_secs(60), |r| r.current_a == 0.0);
    assert!(stopped, "discharge never stopped");
    let st = rig.ev.status();
    // The charger stops at H'102.6 = 20 % (whole percent), the vehicle
    // at 0.2 itself: whichever comes first.
    assert!(st.soc < 0.21 && st.soc > 0.19, "soc {}", st.soc);
    assert_eq!(rig.last.limits.max_discharge_current_a, 0.0);
    // The vehicle's own floor: raising it above the SoC withdraws H'200.0.
    rig.ev.set_limits(RuntimeLimits {
        min_discharge_soc: 0.205,
        ..rig.ev.limits()
    });
    rig.step();
    assert_eq!(rig.ev.status().discharge_limit_a, 0);
    assert!(!rig.ch.status().vehicle.discharge_permitted);
    rig.ev.set_limits(RuntimeLimits {
        min_discharge_soc: 0.2,
        ..rig.ev.limits()
    });
    // The session stays up (charging is still permitted).
    rig.run_for(Duration::from_secs(2));
    assert_eq!(rig.current_a, 0.0);
    assert!(rig.ev.status().soc > 0.19);
    assert!(rig.ev.contactors_closed());
    assert!(matches!(rig.ch.status().phase, Phase::EnergyTransfer(_)));
    assert_eq!(rig.ch.fault(), None);

    // Importing is still allowed and lifts the SoC.
    rig.setpoint_w = -5000.0;
    rig.run_for(Duration::from_secs(1));
    assert!(rig.current_a < 0.0);
}

#[test]
fn vehicle_silence_stops_the_charger_within_the_timeout() {
    let mut rig = Rig::new(vehicle(), charger());
    rig.setpoint_w = 5000.0;
    rig.run_to_transfer(TransferRequest::Discharge, Direction::Discharge);
    rig.run_for(Duration::from_secs(1));
    assert!(rig.current_a > 0.0);

    rig.ev.go_silent(true);
    let last_frame = rig.last_ev_frame_at.unwrap();
    let faulted = rig.run_until(Duration::from_secs(3), |r| r.last.fault.is_some());
    assert!(faulted);
    let at = rig.now - CYCLE; // time of the tick that faulted
    let after = at - last_frame;
    assert!(
        after > v2x_hil::protocol::chademo::VEHICLE_SILENCE_TIMEOUT
            && after <= v2x_hil::protocol::chademo::VEHICLE_SILENCE_TIMEOUT + CYCLE,
        "stopped {after:?} after the last frame"
    );
    assert_eq!(rig.last.fault, Some(ChargerFault::VehicleSilent));
    assert_eq!(rig.last.limits, DcLimits::NONE);
    assert!(!rig.last.contactor_closed);
    assert_eq!(rig.current_a, 0.0);
    assert_eq!(rig.ch.status().stop_cause, Some(StopCause::VehicleSilent));

    // Stays stopped and the fault stays visible after the session ends.
    rig.run_for(Duration::from_secs(3));
    assert_eq!(rig.ch.status().phase, Phase::Idle);
    assert_eq!(rig.ch.fault(), Some(ChargerFault::VehicleSilent));
    assert_eq!(rig.last.limits, DcLimits::NONE);
    assert!(rig.last.frames.is_empty());

    // The vehicle, still listening, saw the charger's fault flags and stopped.
    let st = rig.ev.status();
    assert!(st.charger_fault);
    assert!(!st.contactors_closed);
}

#[test]
fn charger_silence_stops_the_vehicle() {
    let mut rig = Rig::new(vehicle(), charger());
    rig.setpoint_w = 5000.0;
    rig.run_to_transfer(TransferRequest::Discharge, Direction::Discharge);
    let t0 = rig.now;
    // The charger disappears: only the vehicle ticks.
    let mut stopped_at = None;
    for i in 0..30u32 {
        let now = t0 + CYCLE * i;
        rig.ev.tick(now);
        if !rig.ev.contactors_closed() && stopped_at.is_none() {
            stopped_at = Some(now);
        }
    }
    let stopped_at = stopped_at.expect("vehicle kept its contactors closed");
    let last_heard = rig.ev.status().last_charger_frame_at.unwrap();
    assert!(stopped_at - last_heard <= CHARGER_SILENCE_TIMEOUT + CYCLE);
    assert_eq!(rig.ev.status().stop_cause, Some(EvStopCause::ChargerSilent));
    assert_eq!(rig.ev.status().phase, Phase::Unlocked);
}

#[test]
fn stop_ramps_current_down_and_opens_contactors() {
    let mut rig = Rig::new(vehicle(), charger());
    rig.setpoint_w = 20_000.0;
    rig.run_to_transfer(TransferRequest::Discharge, Direction::Discharge);
    rig.run_for(Duration::from_millis(500));
    assert_eq!(rig.current_a, 20.0);

    rig.ev.stop();
    let stop_at = rig.now;
    let mut currents = Vec::new();
    let done = rig.run_until(Duration::from_secs(10), |r| {
        r.ev.status().phase == Phase::Unlocked
    });
    assert!(done, "ev {:?}", rig.ev.status());
    // Replay to look at the ramp: re-run a fresh session recording currents.
    let mut rig2 = Rig::new(vehicle(), charger());
    rig2.setpoint_w = 20_000.0;
    rig2.run_to_transfer(TransferRequest::Discharge, Direction::Discharge);
    rig2.run_for(Duration::from_millis(500));
    rig2.ev.stop();
    for _ in 0..12 {
        rig2.step();
        currents.push((rig2.current_a, rig2.last.limits.max_discharge_current_a));
    }
    // Limits fall monotonically to 0 within STOP_RAMP_DOWN plus the
    // vehicle's and the charger's one cycle each.
    for w in currents.windows(2) {
        assert!(w[1].1 <= w[0].1, "limits rose: {currents:?}");
    }
    assert!(
        currents[1].1 > 0.0 && currents[1].1 < 20.0,
        "ramp, not a cliff: {currents:?}"
    );
    let zero_at = currents.iter().position(|c| c.0 == 0.0).unwrap();
    assert!(
        zero_at <= 1 + (STOP_RAMP_DOWN.as_millis() / 100) as usize + 1,
        "{currents:?}"
    );

    let st = rig.ev.status();
    assert!(!st.contactors_closed);
    assert_eq!(st.stop_cause, Some(EvStopCause::Commanded));
    assert_eq!(rig.current_a, 0.0);
    assert!(rig.now - stop_at < Duration::from_secs(3));
    assert_eq!(rig.ch.fault(), None);
    assert_eq!(rig.ch.status().stop_cause, Some(StopCause::VehicleDisabled));
    assert_eq!(rig.ev_phases, full_order(Direction::Discharge));
    // The charger ends the session once the vehicle has gone quiet.
    rig.run_for(Duration::from_secs(2));
    assert_eq!(rig.ch.status().phase, Phase::Idle);
    let mut order = full_order(Direction::Discharge);
    order.push(Phase::Idle);
    assert_eq!(rig.ch_phases, order);
}

#[test]
fn incompatible_voltages_are_refused() {
    let mut c = charger();
    c.available_voltage_v = 400.0; // below the vehicle's 410 V target
    let mut rig = Rig::new(vehicle(), c);
    rig.setpoint_w = 5000.0;
    rig.ev.plug();
    rig.ev.start(TransferRequest::Discharge);
    let mut ever_locked = false;
    for _ in 0..40 {
        rig.step();
        assert_eq!(rig.last.limits, DcLimits::NONE);
        assert!(!rig.last.contactor_closed && !rig.ev.contactors_closed());
        ever_locked |= rig.ch.status().phase >= Phase::ConnectorLocked
            && rig.ch.status().phase < Phase::Unlocked;
    }
    assert!(!ever_locked);
    let incompatible = Incompatibility::TargetAboveAvailableVoltage;
    assert_eq!(
        rig.ch.fault(),
        Some(ChargerFault::Incompatible(incompatible))
    );
    assert_eq!(
        rig.ev.status().stop_cause,
        Some(EvStopCause::Sequence(StopCause::Incompatible(incompatible)))
    );
    assert_eq!(rig.ev.status().phase, Phase::Unlocked);
}

#[test]
fn lowered_discharge_limit_reaches_the_charger_within_two_cycles() {
    let mut rig = Rig::new(vehicle(), charger());
    rig.setpoint_w = 20_000.0;
    rig.run_to_transfer(TransferRequest::Discharge, Direction::Discharge);
    rig.run_for(Duration::from_millis(300));
    assert_eq!(rig.last.limits.max_discharge_current_a, 20.0);

    rig.ev.set_limits(RuntimeLimits {
        max_discharge_current_a: 8.0,
        min_discharge_soc: 0.3,
        min_discharge_voltage_v: 320.0,
        ..rig.ev.limits()
    });
    rig.step();
    let l = rig.last.limits;
    assert_eq!(
        l.max_discharge_current_a, 8.0,
        "same cycle: frames precede the tick"
    );
    assert!((l.min_discharge_soc - 0.3).abs() < 1e-9);
    assert_eq!(l.min_discharge_voltage_v, 320.0);
    rig.step();
    assert_eq!(rig.current_a, 8.0);
}

#[test]
fn phases_are_reached_only_in_order() {
    for direction in [Direction::Charge, Direction::Discharge] {
        let mut rig = Rig::new(vehicle(), charger());
        rig.setpoint_w = match direction {
            Direction::Charge => -5000.0,
            Direction::Discharge => 5000.0,
        };
        let request = match direction {
            Direction::Charge => TransferRequest::Charge { current_a: 10.0 },
            Direction::Discharge => TransferRequest::Discharge,
        };
        rig.run_to_transfer(request, direction);
        rig.run_for(Duration::from_secs(2));
        rig.ev.stop();
        rig.run_for(Duration::from_secs(5));
        assert_eq!(rig.ev_phases, full_order(direction), "{direction:?}");
        let mut order = full_order(direction);
        order.push(Phase::Idle);
        assert_eq!(rig.ch_phases, order, "{direction:?}");
    }
}

#[test]
fn no_progress_without_start_and_none_without_plug() {
    let mut rig = Rig::new(vehicle(), charger());
    rig.run_for(Duration::from_secs(2));
    assert!(rig.ev_phases.iter().all(|p| *p == Phase::Idle));
    assert!(rig.ch_phases.iter().all(|p| *p == Phase::Idle));
    assert!(rig.last.frames.is_empty());

    rig.ev.plug();
    rig.run_for(Duration::from_secs(5));
    assert_eq!(rig.ev.status().phase, Phase::CompatibilityCheck);
    assert_eq!(rig.ch.status().phase, Phase::CompatibilityCheck);
    assert!(!rig.ev.contactors_closed());
    assert_eq!(rig.last.limits, DcLimits::NONE);

    rig.ev.start(TransferRequest::Discharge);
    let ok = rig.run_until(Duration::from_secs(10), |r| {
        matches!(r.ch.status().phase, Phase::EnergyTransfer(_))
    });
    assert!(ok, "{:?}\n{:?}", rig.ev.status(), rig.ch.status());
}

#[test]
fn unplug_mid_transfer_is_a_silence_fault_for_the_charger() {
    let mut rig = Rig::new(vehicle(), charger());
    rig.setpoint_w = 5000.0;
    rig.run_to_transfer(TransferRequest::Discharge, Direction::Discharge);
    rig.ev.unplug();
    assert!(!rig.ev.contactors_closed());
    assert_eq!(
        rig.ev.status().stop_cause,
        Some(EvStopCause::Sequence(StopCause::Unplugged))
    );
    rig.run_for(Duration::from_secs(2));
    assert_eq!(rig.ch.fault(), Some(ChargerFault::VehicleSilent));
    assert_eq!(rig.last.limits, DcLimits::NONE);

    // A new session after re-plugging clears the fault.
    rig.run_to_transfer(TransferRequest::Discharge, Direction::Discharge);
    assert_eq!(rig.ch.fault(), None);
}

#[test]
fn legacy_protocol_vehicle_completes_a_session() {
    let mut v = vehicle();
    v.protocol_number = 1;
    let mut rig = Rig::new(v, charger());
    rig.setpoint_w = -5000.0;
    rig.run_to_transfer(
        TransferRequest::Charge { current_a: 10.0 },
        Direction::Charge,
    );
    rig.run_for(Duration::from_secs(1));
    assert_eq!(rig.current_a, -10.0);
    rig.ev.stop();
    assert!(
        rig.run_until(Duration::from_secs(15), |r| r.ev.status().phase
            == Phase::Unlocked)
    );
    assert!(!rig.ev.contactors_closed());
}
