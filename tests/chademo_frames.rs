//! CHAdeMO frame codec: round trips, published bytes, fuzzing, 0xFF − A.

use std::time::Duration;

use v2x_hil::protocol::chademo::*;

/// Deterministic xorshift64 (no dependency).
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
    fn u8(&mut self) -> u8 {
        self.next() as u8
    }
    fn u16(&mut self) -> u16 {
        self.next() as u16
    }
    fn bool(&mut self) -> bool {
        self.next() & 1 == 1
    }
}

fn random_message(rng: &mut Rng, which: u8) -> Message {
    match which % 9 {
        0 => Message::VehicleLimits(VehicleLimits {
            min_charge_current_a: rng.u8(),
            max_charge_current_a: rng.u8(),
            min_battery_voltage_v: rng.u16(),
            max_battery_voltage_v: rng.u16(),
            charged_rate_reference: rng.u8(),
        }),
        1 => Message::VehicleChargingTime(VehicleChargingTime {
            max_charging_time_10s: rng.u8(),
            max_charging_time_min: rng.u8(),
            estimated_charging_time_min: rng.u8(),
            total_battery_capacity_100wh: rng.u16(),
        }),
        2 => Message::VehicleStatus(VehicleStatus {
            protocol_number: rng.u8(),
            target_battery_voltage_v: rng.u16(),
            charging_current_request_a: rng.u8(),
            faults: VehicleFaults::from_bits(rng.u8()),
            flags: VehicleFlags::from_bits(rng.u8()),
            charged_rate: rng.u8(),
        }),
        3 => Message::DischargeLimits(DischargeLimits {
            max_discharge_current_a: rng.u8(),
            min_discharge_voltage_v: rng.u16(),
            min_discharge_level: rng.u8(),
            max_charge_level: rng.u8(),
        }),
        4 => Message::DischargeEstimate(DischargeEstimate {
            sequence_control_number: rng.u8(),
            approx_discharge_completion_time_min: rng.u16(),
            available_vehicle_energy_100wh: rng.u16(),
        }),
        5 => Message::ChargerCapability(ChargerCapability {
            welding_detection: rng.u8(),
            available_output_voltage_v: rng.u16(),
            available_output_current_a: rng.u8(),
            threshold_voltage_v: rng.u16(),
        }),
        6 => Message::ChargerStatus(ChargerStatus {
            protocol_number: rng.u8(),
            present_output_voltage_v: rng.u16(),
            present_output_current_a: rng.u8(),
            discharge_compatible: rng.bool(),
            flags: ChargerFlags::from_bits(rng.u8()),
            remaining_charging_time_10s: rng.u8(),
            remaining_charging_time_min: rng.u8(),
        }),
        7 => Message::ChargerDischargeCapability(ChargerDischargeCapability {
            present_discharge_current_a: rng.u8(),
            available_input_voltage_v: rng.u16(),
            available_input_current_a: rng.u8(),
            lower_threshold_voltage_v: rng.u16(),
        }),
        _ => Message::ChargerDischargeEstimate(ChargerDischargeEstimate {
            sequence_control_number: rng.u8(),
            remaining_discharge_time_min: rng.u16(),
        }),
    }
}

#[test]
fn every_frame_round_trips_from_random_reprs() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut seen = std::collections::BTreeSet::new();
    for i in 0..9000u32 {
        let msg = random_message(&mut rng, (i % 9) as u8);
        let (id, data) = msg.encode();
        seen.insert(id);
        assert_eq!(id, msg.id());
        let back = Message::decode(id, &data).expect("encoded frame decodes");
        assert_eq!(back, msg, "id {id:#x} data {data:02x?}");
    }
    assert_eq!(seen.into_iter().collect::<Vec<_>>().len(), 9);
}

#[test]
fn flag_bytes_round_trip_for_all_256_values() {
    for b in 0..=255u8 {
        assert_eq!(VehicleFaults::from_bits(b).bits(), b);
        assert_eq!(VehicleFlags::from_bits(b).bits(), b);
        assert_eq!(ChargerFlags::from_bits(b).bits(), b);
    }
    let f = VehicleFlags::from_bits(0x01 | 0x08 | 0x80);
    assert!(f.charging_enabled && f.contactor_open && f.discharge_compatible);
    assert!(!f.shift_not_parked && !f.charging_system_fault && !f.normal_stop_request);
    let faults = VehicleFaults::from_bits(0x01);
    assert!(faults.battery_overvoltage && faults.any());
    assert!(
        !VehicleFaults::from_bits(0xE0).any(),
        "reserved bits are no fault"
    );
    let c = ChargerFlags::from_bits(0x20);
    assert!(c.stop_control && !c.fault());
    assert!(ChargerFlags::from_bits(0x08).fault());
}

fn decode_hex(id: u16, hex: &str) -> (Message, [u8; 8]) {
    let bytes: Vec<u8> = hex
        .split_whitespace()
        .map(|b| u8::from_str_radix(b, 16).unwrap())
        .collect();
    let arr: [u8; 8] = bytes.clone().try_into().unwrap();
    let msg = Message::decode(id, &bytes).unwrap();
    (msg, arr)
}

/// Frames from the Nissan Leaf V2H start/stop log in rand12345/chademo-rs
/// `CanLogs/nissan-leaf-chademo-start-stop.csv`; each must re-encode to the
/// same bytes.
#[test]
fn nissan_leaf_v2h_log_frames_decode_and_reencode() {
    let (m, raw) = decode_hex(0x100, "00 00 00 00 B3 01 64 00");
    assert_eq!(m.encode(), (0x100, raw));
    let Message::VehicleLimits(l) = m else {
        panic!()
    };
    assert_eq!(l.max_battery_voltage_v, 435);
    assert_eq!(l.charged_rate_reference, 100);

    let (m, raw) = decode_hex(0x101, "00 FF 3C 00 00 DE 00 00");
    assert_eq!(m.encode(), (0x101, raw));
    let Message::VehicleChargingTime(t) = m else {
        panic!()
    };
    assert_eq!(t.max_charging_time(), Duration::from_secs(60 * 60));
    assert_eq!(t.total_battery_capacity_100wh, 222);
    assert!((t.total_battery_capacity_kwh() - 22.2).abs() < 1e-9);

    let (m, raw) = decode_hex(0x102, "02 9A 01 00 00 C8 49 00");
    assert_eq!(m.encode(), (0x102, raw));
    let Message::VehicleStatus(s) = m else {
        panic!()
    };
    assert_eq!(s.protocol_number, 2);
    assert_eq!(
        ProtocolNumber::from_u8(s.protocol_number),
        Some(ProtocolNumber::V1_0)
    );
    assert_eq!(s.target_battery_voltage_v, 410);
    assert_eq!(s.charging_current_request_a, 0);
    assert!(!s.faults.any());
    assert!(s.flags.contactor_open && s.flags.discharge_compatible);
    assert!(!s.flags.charging_enabled);
    assert_eq!(
        s.flags.reserved_bits, 0x40,
        "Leaf sets undocumented 102.5.6"
    );
    assert_eq!(s.soc_percent(l.charged_rate_reference), Some(73.0));

    let (m, raw) = decode_hex(0x200, "FF 00 00 00 FA 00 43 B2");
    assert_eq!(m.encode(), (0x200, raw));
    let Message::DischargeLimits(d) = m else {
        panic!()
    };
    assert_eq!(d.max_discharge_current_a, 0, "0xFF is the initial 0 A");
    assert_eq!(d.min_discharge_voltage_v, 250);
    assert_eq!(d.min_discharge_level, 0x43);
    assert_eq!(d.max_charge_level, 0xB2);
    // Pre-1.0 energy units: 6.7 and 17.8 kWh of 22.2 kWh.
    assert_eq!(
        level_percent(d.min_discharge_level, LevelUnit::Energy100Wh, 222),
        Some(30)
    );
    assert_eq!(
        level_percent(d.max_charge_level, LevelUnit::Energy100Wh, 222),
        Some(80)
    );

    let (m, raw) = decode_hex(0x108, "01 F4 01 0F B3 01 00 00");
    assert_eq!(m.encode(), (0x108, raw));
    let Message::ChargerCapability(c) = m else {
        panic!()
    };
    assert!(c.supports_welding_detection());
    assert_eq!(c.available_output_voltage_v, 500);
    assert_eq!(c.available_output_current_a, 15);
    assert_eq!(c.threshold_voltage_v, 435);

    let (m, raw) = decode_hex(0x109, "02 00 00 00 01 20 FF FF");
    assert_eq!(m.encode(), (0x109, raw));
    let Message::ChargerStatus(st) = m else {
        panic!()
    };
    assert!(st.discharge_compatible && st.flags.stop_control);
    assert!(!st.flags.energy_transfer && !st.flags.fault());
    assert_eq!(st.remaining_charging_time(), None);

    let (m, raw) = decode_hex(0x208, "FF F4 01 F0 00 00 FA 00");
    assert_eq!(m.encode(), (0x208, raw));
    let Message::ChargerDischargeCapability(dc) = m else {
        panic!()
    };
    assert_eq!(dc.present_discharge_current_a, 0);
    assert_eq!(dc.available_input_voltage_v, 500);
    assert_eq!(dc.available_input_current_a, 15, "0xF0 = 15 A = H'108.3");
    assert_eq!(dc.lower_threshold_voltage_v, d.min_discharge_voltage_v);

    let (m, raw) = decode_hex(0x209, "02 00 00 00 00 00 00 00");
    assert_eq!(m.encode(), (0x209, raw));
    let Message::ChargerDischargeEstimate(e) = m else {
        panic!()
    };
    assert_eq!(e.sequence_control_number, 2);
    assert_eq!(e.remaining_discharge_time(), None);
}

/// Bytes from rand12345/chademo-rs `x109_test` / `x102_test`.
#[test]
fn chademo_rs_unit_test_bytes() {
    let (m, _) = decode_hex(0x109, "02 80 01 00 01 24 00 00");
    let Message::ChargerStatus(s) = m else {
        panic!()
    };
    assert_eq!(s.present_output_voltage_v, 384);
    assert!(s.flags.stop_control && s.flags.connector_locked);
    let (m, _) = decode_hex(0x109, "02 80 01 00 01 05 00 00");
    let Message::ChargerStatus(s) = m else {
        panic!()
    };
    assert!(!s.flags.stop_control && s.flags.energy_transfer && s.flags.connector_locked);

    let (m, _) = decode_hex(0x102, "02 9A 01 00 00 C9 56 00");
    let Message::VehicleStatus(v) = m else {
        panic!()
    };
    assert!(v.flags.charging_enabled && v.flags.contactor_open);
    assert_eq!(v.charged_rate, 86);
    let (m, _) = decode_hex(0x102, "02 9A 01 00 00 C1 56 00");
    let Message::VehicleStatus(v) = m else {
        panic!()
    };
    assert!(!v.flags.contactor_open, "C1: contactors closed");
}

/// Frames as sent by OpenInverter `ChaDeMo::SendMessages` (H'101 data[0] =
/// 0x00FEFF00 little-endian) and Battery-Emulator's initial H'109.
#[test]
fn openinverter_and_battery_emulator_frames() {
    let (m, _) = decode_hex(0x101, "00 FF FE 00 00 00 00 00");
    let Message::VehicleChargingTime(t) = m else {
        panic!()
    };
    assert_eq!(t.max_charging_time(), Duration::from_secs(254 * 60));

    // OpenInverter: SoC 50 % at reference 200 is sent as 100.
    let s = VehicleStatus {
        charged_rate: 100,
        ..Default::default()
    };
    assert_eq!(s.soc_percent(200), Some(50.0));
    assert_eq!(s.soc_percent(0), None);

    let (m, raw) = decode_hex(0x109, "02 00 00 00 01 20 FF FF");
    assert_eq!(m.encode().1, raw);
}

#[test]
fn inverted_current_encoding() {
    for a in 0..=255u8 {
        let raw = encode_inverted_current(a);
        assert_eq!(u16::from(raw) + u16::from(a), 0xFF);
        assert_eq!(decode_inverted_current(raw), a);
    }
    let mut out = [0u8; 8];
    DischargeLimits {
        max_discharge_current_a: 15,
        ..Default::default()
    }
    .emit(&mut out);
    assert_eq!(out[0], 0xF0);
    ChargerDischargeCapability {
        present_discharge_current_a: 6,
        available_input_current_a: 0,
        ..Default::default()
    }
    .emit(&mut out);
    assert_eq!((out[0], out[3]), (0xF9, 0xFF));
    // Plain-current fields are not inverted.
    DischargeLimits {
        min_discharge_level: 20,
        max_charge_level: 90,
        ..Default::default()
    }
    .emit(&mut out);
    assert_eq!((out[6], out[7]), (20, 90));
}

#[test]
fn views_check_id_and_length_and_never_panic_unchecked() {
    let data = [0u8; 8];
    assert!(Frame100::new_checked(0x100, &data[..]).is_ok());
    assert_eq!(
        Frame100::new_checked(0x101, &data[..]).unwrap_err(),
        ChademoError::WrongId {
            expected: 0x100,
            got: 0x101
        }
    );
    assert_eq!(
        Frame208::new_checked(0x208, &data[..7]).unwrap_err(),
        ChademoError::Length { id: 0x208, len: 7 }
    );
    assert_eq!(
        Message::decode(0x202, &data).unwrap_err(),
        ChademoError::UnknownId(0x202)
    );
    let short = Frame102::new_unchecked(&[0x02u8][..]);
    assert_eq!(short.protocol_number(), 2);
    assert_eq!(short.target_battery_voltage_v(), 0);
    assert_eq!(
        Frame200::new_unchecked(&[][..]).max_discharge_current_a(),
        0xFF
    );
}

#[test]
fn times_encode_in_the_right_byte() {
    let mut t = VehicleChargingTime::default();
    t.set_max_charging_time(Duration::from_secs(90 * 60));
    assert_eq!(
        (t.max_charging_time_10s, t.max_charging_time_min),
        (0xFF, 90)
    );
    assert_eq!(t.max_charging_time(), Duration::from_secs(90 * 60));
    t.set_max_charging_time(Duration::from_secs(300));
    assert_eq!(t.max_charging_time_10s, 30);
    assert_eq!(t.max_charging_time(), Duration::from_secs(300));

    let mut s = ChargerStatus::default();
    s.set_remaining_charging_time(Duration::from_secs(40));
    assert_eq!(
        (s.remaining_charging_time_10s, s.remaining_charging_time_min),
        (4, 0)
    );
    s.set_remaining_charging_time(Duration::from_secs(3600));
    assert_eq!(
        (s.remaining_charging_time_10s, s.remaining_charging_time_min),
        (0xFF, 60)
    );
    assert_eq!(s.remaining_charging_time(), Some(Duration::from_secs(3600)));
}

#[test]
fn every_byte_pattern_decodes_or_errors_without_panic() {
    // Exhaustive single-byte sweep over every position of every frame.
    for id in Message::IDS {
        for pos in 0..8 {
            for v in 0..=255u8 {
                let mut data = [0u8; 8];
                data[pos] = v;
                let msg = Message::decode(id, &data).expect("8 bytes of a known id decode");
                let (eid, bytes) = msg.encode();
                assert_eq!(eid, id);
                assert_eq!(Message::decode(id, &bytes).unwrap(), msg);
            }
        }
    }
    // Random ids, lengths and bytes.
    let mut rng = Rng(0xDEAD_BEEF_CAFE_F00D);
    let mut ok = 0;
    for _ in 0..200_000 {
        let len = (rng.next() % 13) as usize;
        let data: Vec<u8> = (0..len).map(|_| rng.u8()).collect();
        let id = if rng.bool() {
            Message::IDS[(rng.next() % 9) as usize]
        } else {
            (rng.next() & 0x7FF) as u16
        };
        match Message::decode(id, &data) {
            Ok(msg) => {
                ok += 1;
                assert_eq!(len, 8);
                let (_, bytes) = msg.encode();
                // Decoding is idempotent after one encode (reserved bytes drop).
                assert_eq!(Message::decode(id, &bytes).unwrap(), msg);
            }
            Err(ChademoError::Length { len: l, .. }) => assert_ne!(l, 8),
            Err(ChademoError::UnknownId(u)) => assert!(!Message::IDS.contains(&u)),
            Err(e) => panic!("unexpected {e}"),
        }
    }
    assert!(ok > 1000);
}

#[test]
fn senders_and_constants() {
    assert_eq!(CAN_BIT_RATE, 500_000);
    assert_eq!(CYCLE, Duration::from_millis(100));
    assert_eq!(VEHICLE_SILENCE_TIMEOUT.as_millis() / CYCLE.as_millis(), 10);
    for id in Message::IDS {
        let msg = Message::decode(id, &[0; 8]).unwrap();
        let expect = if matches!(id, 0x108 | 0x109 | 0x208 | 0x209) {
            Sender::Charger
        } else {
            Sender::Vehicle
        };
        assert_eq!(msg.sender(), expect, "{id:#x}");
    }
}
