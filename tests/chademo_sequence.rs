//! CHAdeMO sequence: documented order, stop paths, silence, compatibility.

use v2x_hil::protocol::chademo::*;

fn limits() -> VehicleLimits {
    VehicleLimits {
        max_battery_voltage_v: 435,
        charged_rate_reference: 100,
        ..Default::default()
    }
}

fn vehicle(enabled: bool, contactor_open: bool, request_a: u8) -> VehicleStatus {
    VehicleStatus {
        protocol_number: 2,
        target_battery_voltage_v: 410,
        charging_current_request_a: request_a,
        faults: VehicleFaults::default(),
        flags: VehicleFlags {
            charging_enabled: enabled,
            contactor_open,
            discharge_compatible: true,
            ..Default::default()
        },
        charged_rate: 73,
    }
}

fn capability() -> ChargerCapability {
    ChargerCapability {
        welding_detection: 1,
        available_output_voltage_v: 500,
        available_output_current_a: 15,
        threshold_voltage_v: 435,
    }
}

fn charger(locked: bool, transfer: bool, stop: bool) -> ChargerStatus {
    ChargerStatus {
        protocol_number: 2,
        discharge_compatible: true,
        flags: ChargerFlags {
            energy_transfer: transfer,
            connector_locked: locked,
            stop_control: stop,
            ..Default::default()
        },
        ..Default::default()
    }
}

fn discharge_limits(max_a: u8) -> DischargeLimits {
    DischargeLimits {
        max_discharge_current_a: max_a,
        min_discharge_voltage_v: 250,
        min_discharge_level: 20,
        max_charge_level: 90,
    }
}

/// Drives a session to `EnergyTransfer(direction)`, checking every phase
/// on the way in the documented order.
fn run_to_transfer(direction: Direction) -> (Sequence, Observation) {
    let mut obs = Observation {
        requested: direction,
        ..Default::default()
    };
    let mut s = Sequence::new();
    assert_eq!(s.next(&obs).phase, Phase::Idle, "unplugged stays idle");

    obs.plugged_in = true;
    s = s.next(&obs);
    assert_eq!(s.phase, Phase::Connected);
    s = s.next(&obs);
    assert_eq!(s.phase, Phase::Connected, "waits for both sides' frames");

    obs.vehicle_limits = Some(limits());
    obs.vehicle = Some(vehicle(false, true, 0));
    obs.discharge_limits = Some(discharge_limits(0));
    obs.charger_capability = Some(capability());
    obs.charger = Some(charger(false, false, true));
    s = s.next(&obs);
    assert_eq!(s.phase, Phase::CompatibilityCheck);
    s = s.next(&obs);
    assert_eq!(s.phase, Phase::CompatibilityCheck, "no permission yet");

    obs.vehicle = Some(vehicle(true, true, 0));
    obs.charger = Some(charger(true, false, true));
    s = s.next(&obs);
    assert_eq!(s.phase, Phase::ConnectorLocked);

    obs.output_voltage_v = 30;
    s = s.next(&obs);
    assert_eq!(s.phase, Phase::ConnectorLocked, "output must be < 10 V");
    obs.output_voltage_v = 3;
    s = s.next(&obs);
    assert_eq!(s.phase, Phase::InsulationTest);

    obs.insulation_test_passed = true;
    s = s.next(&obs);
    assert_eq!(s.phase, Phase::InsulationTest, "EV contactors still open");
    obs.vehicle = Some(vehicle(true, false, 0));
    obs.output_voltage_v = 380;
    s = s.next(&obs);
    assert_eq!(s.phase, Phase::ContactorsClosed);

    obs.charger = Some(charger(true, true, false));
    match direction {
        Direction::Charge => {
            s = s.next(&obs);
            assert_eq!(s.phase, Phase::ContactorsClosed, "no current request yet");
            obs.vehicle = Some(vehicle(true, false, 12));
        }
        Direction::Discharge => {
            s = s.next(&obs);
            assert_eq!(s.phase, Phase::ContactorsClosed, "H'200.0 still 0 A");
            obs.discharge_limits = Some(discharge_limits(15));
        }
    }
    s = s.next(&obs);
    assert_eq!(s.phase, Phase::EnergyTransfer(direction));
    assert_eq!(s.energy_allowed(), Some(direction));
    assert_eq!(s.stop_cause, None);
    (s, obs)
}

fn run_stop(mut s: Sequence, mut obs: Observation) -> Sequence {
    assert_eq!(s.phase, Phase::CurrentRampDown);
    assert_eq!(s.energy_allowed(), None);
    obs.output_current_a = 20;
    s = s.next(&obs);
    assert_eq!(s.phase, Phase::CurrentRampDown, "current still flowing");
    obs.output_current_a = 4;
    obs.charger = Some(charger(true, false, true));
    s = s.next(&obs);
    assert_eq!(s.phase, Phase::WeldingDetection);
    if let Some(v) = obs.vehicle.as_mut() {
        v.flags.contactor_open = true;
    }
    obs.output_voltage_v = 5;
    s = s.next(&obs);
    assert_eq!(s.phase, Phase::WeldingDetection, "connector still locked");
    obs.charger = Some(charger(false, false, true));
    s = s.next(&obs);
    assert_eq!(s.phase, Phase::Unlocked);
    obs.plugged_in = false;
    let idle = s.next(&obs);
    assert_eq!(idle.phase, Phase::Idle);
    assert_eq!(idle.stop_cause, s.stop_cause, "normal unplug adds no cause");
    s
}

#[test]
fn charge_session_walks_the_documented_order_and_stops() {
    let (s, mut obs) = run_to_transfer(Direction::Charge);
    obs.vehicle = Some(vehicle(false, false, 0));
    obs.output_current_a = 12;
    let s = s.next(&obs);
    assert_eq!(s.stop_cause, Some(StopCause::VehicleDisabled));
    run_stop(s, obs);
}

#[test]
fn discharge_session_runs_and_switches_direction() {
    let (s, mut obs) = run_to_transfer(Direction::Discharge);
    obs.requested = Direction::Charge;
    let s2 = s.next(&obs);
    assert_eq!(
        s2.phase,
        Phase::EnergyTransfer(Direction::Discharge),
        "no charge request, stays discharging"
    );
    obs.vehicle = Some(vehicle(true, false, 10));
    let s3 = s2.next(&obs);
    assert_eq!(s3.phase, Phase::EnergyTransfer(Direction::Charge));
}

#[test]
fn vehicle_silence_during_transfer_stops_with_fault() {
    let (s, mut obs) = run_to_transfer(Direction::Discharge);
    obs.vehicle_silent = true;
    let s = s.next(&obs);
    assert_eq!(s.phase, Phase::CurrentRampDown);
    assert_eq!(s.stop_cause, Some(StopCause::VehicleSilent));
    // The cause sticks through the stop even if frames return.
    obs.vehicle_silent = false;
    let end = run_stop(s, obs);
    assert_eq!(end.stop_cause, Some(StopCause::VehicleSilent));
}

#[test]
fn discharge_needs_both_sides_compatible() {
    let mut obs = Observation {
        vehicle: Some(vehicle(true, false, 0)),
        charger: Some(charger(true, true, false)),
        discharge_limits: Some(discharge_limits(15)),
        ..Default::default()
    };
    assert!(obs.discharge_possible());
    obs.charger = Some(ChargerStatus {
        discharge_compatible: false,
        ..charger(true, true, false)
    });
    assert!(!obs.discharge_possible());
    obs.charger = Some(charger(true, true, false));
    let mut v = vehicle(true, false, 0);
    v.flags.discharge_compatible = false;
    obs.vehicle = Some(v);
    assert!(!obs.discharge_possible());
}

#[test]
fn incompatible_target_voltage_ends_before_locking() {
    let obs = Observation {
        plugged_in: true,
        vehicle_limits: Some(limits()),
        vehicle: Some(VehicleStatus {
            target_battery_voltage_v: 520,
            ..vehicle(true, true, 0)
        }),
        charger_capability: Some(capability()),
        charger: Some(charger(false, false, true)),
        ..Default::default()
    };
    let s = Sequence {
        phase: Phase::CompatibilityCheck,
        stop_cause: None,
    }
    .next(&obs);
    assert_eq!(s.phase, Phase::Unlocked);
    assert_eq!(
        s.stop_cause,
        Some(StopCause::Incompatible(
            Incompatibility::TargetAboveAvailableVoltage
        ))
    );
    assert_eq!(
        check_compatibility(
            &limits(),
            &VehicleStatus {
                protocol_number: 9,
                ..vehicle(true, true, 0)
            },
            &capability()
        ),
        Err(Incompatibility::UnknownProtocol(9))
    );
    assert_eq!(
        check_compatibility(
            &VehicleLimits {
                max_battery_voltage_v: 400,
                ..limits()
            },
            &vehicle(true, true, 0),
            &capability()
        ),
        Err(Incompatibility::ThresholdAboveBatteryMax)
    );
}

#[test]
fn faults_and_shift_lever_and_charger_stop() {
    let (s, mut obs) = run_to_transfer(Direction::Charge);
    let mut v = vehicle(true, false, 12);
    v.faults.battery_high_temperature = true;
    obs.vehicle = Some(v);
    assert_eq!(s.next(&obs).stop_cause, Some(StopCause::VehicleFault));

    let mut v = vehicle(true, false, 12);
    v.flags.shift_not_parked = true;
    obs.vehicle = Some(v);
    assert_eq!(s.next(&obs).stop_cause, Some(StopCause::NotParked));

    obs.vehicle = Some(vehicle(true, false, 12));
    obs.charger = Some(charger(true, true, true));
    assert_eq!(s.next(&obs).stop_cause, Some(StopCause::ChargerStop));
    let mut c = charger(true, true, false);
    c.flags.station_malfunction = true;
    obs.charger = Some(c);
    assert_eq!(s.next(&obs).stop_cause, Some(StopCause::ChargerFault));

    // Normal stop request only counts before charging.
    let mut v = vehicle(true, false, 12);
    v.flags.normal_stop_request = true;
    obs.vehicle = Some(v);
    obs.charger = Some(charger(true, true, false));
    assert_eq!(s.next(&obs).stop_cause, None);
}

#[test]
fn unplug_mid_session_and_early_stop_paths() {
    let (s, mut obs) = run_to_transfer(Direction::Charge);
    obs.plugged_in = false;
    let s = s.next(&obs);
    assert_eq!(s.phase, Phase::Idle);
    assert_eq!(s.stop_cause, Some(StopCause::Unplugged));

    // A stop while locked but before contactors close goes to welding
    // detection (unlock), not current ramp-down.
    let obs = Observation {
        plugged_in: true,
        vehicle_silent: true,
        ..Default::default()
    };
    let s = Sequence {
        phase: Phase::InsulationTest,
        stop_cause: None,
    }
    .next(&obs);
    assert_eq!(s.phase, Phase::WeldingDetection);
    assert_eq!(s.stop_cause, Some(StopCause::VehicleSilent));
}

#[test]
fn protocol_0_9_vehicle_uses_voltage_for_contactors() {
    let mut v = vehicle(true, false, 0);
    v.protocol_number = 1;
    let mut obs = Observation {
        plugged_in: true,
        vehicle: Some(v),
        insulation_test_passed: true,
        output_voltage_v: 5,
        ..Default::default()
    };
    let locked = Sequence {
        phase: Phase::ConnectorLocked,
        stop_cause: None,
    };
    assert_eq!(locked.next(&obs).phase, Phase::InsulationTest);
    let test = Sequence {
        phase: Phase::InsulationTest,
        stop_cause: None,
    };
    assert_eq!(test.next(&obs).phase, Phase::InsulationTest);
    obs.output_voltage_v = BATTERY_PRESENT_MIN_V;
    assert_eq!(test.next(&obs).phase, Phase::ContactorsClosed);
}
