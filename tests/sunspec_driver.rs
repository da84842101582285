//! The SunSpec charger driver against the emulated charger over SimLink,
//! on the plant: RTU at 115200 baud 8N1 and TCP.

use std::sync::{Arc, Mutex};
use v2x_hil::der::{AntiIslanding, EnterService, TripSetting, TripSettings};
use v2x_hil::device::sunspec::{connect, Framing, SunSpecCharger};
use v2x_hil::device::{Charger, DeviceError, Identity};
use v2x_hil::emulator::sunspec::{charger_instrument, register_map};
use v2x_hil::emulator::{lock_plant, SharedPlant, SimLink};
use v2x_hil::plant::{InverterConfig, Plant, PlantConfig};

fn plant() -> SharedPlant {
    Arc::new(Mutex::new(Plant::new(PlantConfig {
        nominal_voltage_v: 240.0,
        nominal_frequency_hz: 60.0,
        step_rate_hz: 20_000.0,
        inverter: InverterConfig {
            rating_w: 11500.0,
            trip: TripSettings::ieee1547_cat_ii(),
            enter_service: EnterService::ieee1547_default(),
            anti_islanding: AntiIslanding::default(),
        },
    })))
}

fn identity() -> Identity {
    Identity {
        manufacturer: "V2X-HIL".into(),
        model: "Emulated bidirectional charger".into(),
        serial: "EMU-0001".into(),
        firmware: "1.0.0".into(),
    }
}

fn charger(plant: &SharedPlant, framing: Framing) -> SunSpecCharger {
    let inst = charger_instrument(framing, identity());
    let link = match framing {
        Framing::Rtu { .. } => SimLink::new(plant.clone(), inst, 115_200, 10, "charger rtu"),
        Framing::Tcp => SimLink::new(plant.clone(), inst, 100_000_000, 8, "charger tcp"),
    };
    connect(Box::new(link), framing, "charger").expect("connect")
}

const FRAMINGS: [Framing; 2] = [Framing::Rtu { unit_id: 1 }, Framing::Tcp];

fn instrument_code(e: DeviceError) -> i32 {
    match e {
        DeviceError::Instrument { code, .. } => code,
        other => panic!("expected a Modbus exception, got {other:?}"),
    }
}

#[test]
fn discovery_finds_exactly_the_der_models() {
    for framing in FRAMINGS {
        let p = plant();
        let c = charger(&p, framing);
        let ids: Vec<u16> = c.models().iter().map(|m| m.0).collect();
        assert_eq!(ids, vec![1, 701, 702, 703, 704, 707, 708, 709, 710]);
        assert_eq!(c.base_address(), 40000);
        // Addresses and lengths agree with the emulator's published map.
        let map = register_map();
        assert_eq!(c.models(), &map[..map.len() - 1]);
        assert_eq!(c.models()[0], (1, 40002, 66));
        assert_eq!(c.models()[1], (701, 40070, 153));
        assert_eq!(map.last(), Some(&(0xFFFF, 40499, 0)));
    }
}

#[test]
fn identity_rating_and_status() {
    for framing in FRAMINGS {
        let p = plant();
        let mut c = charger(&p, framing);
        assert_eq!(c.identify().unwrap(), identity());
        assert_eq!(c.rating_w().unwrap(), 11500.0);
        let st = c.status().unwrap();
        let m = lock_plant(&p).measure();
        assert!((st.voltage_v - m.pcc_voltage_rms_v).abs() <= 0.5);
        assert!((st.frequency_hz - m.pcc_frequency_hz).abs() <= 0.01);
    }
}

fn widened() -> TripSettings {
    // IEEE 1547.1-2020 Table 15 style: OV at 1.2 pu, UV to 0 pu, OF/UF to 66/50 Hz.
    let s = |pickup, clearing_time_s| {
        Some(TripSetting {
            pickup,
            clearing_time_s,
        })
    };
    TripSettings {
        ov1: s(1.2, 13.0),
        ov2: s(1.2, 0.16),
        uv1: s(0.0, 21.0),
        uv2: s(0.0, 2.0),
        of1: s(66.0, 1000.0),
        of2: s(66.0, 1000.0),
        uf1: s(50.0, 1000.0),
        uf2: s(50.0, 1000.0),
    }
}

fn assert_trips_close(a: &TripSettings, b: &TripSettings) {
    for f in v2x_hil::der::TripFunction::ALL {
        match (a.get(f), b.get(f)) {
            (None, None) => {}
            (Some(x), Some(y)) => {
                assert!((x.pickup - y.pickup).abs() < 1e-6, "{f}: {x:?} vs {y:?}");
                assert!((x.clearing_time_s - y.clearing_time_s).abs() < 0.005 + 1e-9);
            }
            (x, y) => panic!("{f}: {x:?} vs {y:?}"),
        }
    }
}

#[test]
fn trip_settings_round_trip() {
    for framing in FRAMINGS {
        let p = plant();
        let mut c = charger(&p, framing);
        // Reads the plant's Category II defaults through 707–710.
        assert_trips_close(
            &c.read_trip_settings().unwrap(),
            &TripSettings::ieee1547_cat_ii(),
        );
        c.write_trip_settings(&widened()).unwrap();
        assert_trips_close(&c.read_trip_settings().unwrap(), &widened());
        assert_trips_close(lock_plant(&p).trip_settings(), &widened());
        // Disabling a model (no OV functions) and one stage only.
        let mut fewer = widened();
        fewer.ov1 = None;
        fewer.ov2 = None;
        fewer.uf2 = None;
        c.write_trip_settings(&fewer).unwrap();
        assert_trips_close(&c.read_trip_settings().unwrap(), &fewer);
        assert_eq!(lock_plant(&p).trip_settings().ov2, None);
        // Stage 2 without stage 1 has no must-trip curve form.
        let mut odd = fewer.clone();
        odd.uf1 = None;
        odd.uf2 = widened().uf2;
        assert!(matches!(
            c.write_trip_settings(&odd),
            Err(DeviceError::Unsupported { .. })
        ));
    }
}

#[test]
fn power_setpoint_reaches_the_plant() {
    for framing in FRAMINGS {
        let p = plant();
        let mut c = charger(&p, framing);
        c.set_power_w(7590.0).unwrap();
        assert_eq!(lock_plant(&p).inverter_status().power_setpoint_w, 7590.0);
        c.set_power_w(-3795.0).unwrap();
        assert_eq!(lock_plant(&p).inverter_status().power_setpoint_w, -3795.0);
        // Beyond the rating: exception 03 and the setpoint stays.
        assert_eq!(instrument_code(c.set_power_w(20_000.0).unwrap_err()), 3);
        assert_eq!(lock_plant(&p).inverter_status().power_setpoint_w, -3795.0);
    }
}

#[test]
fn anti_islanding_toggle_and_enter_service() {
    for framing in FRAMINGS {
        let p = plant();
        let mut c = charger(&p, framing);
        assert!(c.anti_islanding_enabled().unwrap());
        c.set_anti_islanding(false).unwrap();
        let ai = lock_plant(&p).anti_islanding();
        assert!(!ai.enabled);
        assert_eq!(ai.k_per_hz, AntiIslanding::default().k_per_hz);
        assert!(!c.anti_islanding_enabled().unwrap());
        c.set_anti_islanding(true).unwrap();
        assert!(lock_plant(&p).anti_islanding().enabled);

        let es = c.read_enter_service().unwrap();
        let d = EnterService::ieee1547_default();
        assert!((es.voltage_min_pu - d.voltage_min_pu).abs() < 1e-9);
        assert!((es.frequency_max_hz - d.frequency_max_hz).abs() < 1e-9);
        assert_eq!(es.delay_s, 300.0);
        let new = EnterService {
            voltage_min_pu: 0.88,
            voltage_max_pu: 1.06,
            frequency_min_hz: 59.0,
            frequency_max_hz: 61.0,
            delay_s: 60.0,
        };
        c.write_enter_service(&new).unwrap();
        assert_eq!(lock_plant(&p).enter_service(), new);
        assert_eq!(c.read_enter_service().unwrap(), new);
    }
}

#[test]
fn bad_writes_answer_exceptions_and_change_nothing() {
    for framing in FRAMINGS {
        let p = plant();
        let mut c = charger(&p, framing);
        let before = lock_plant(&p).trip_settings().clone();
        let ai_before = lock_plant(&p).anti_islanding();
        let m = |id: u16| c_models(&c, id);
        let (a701, a704, a708) = (m(701), m(704), m(708));
        let cl = c.client();
        // Read-only point (701 W): illegal data address.
        assert_eq!(instrument_code(cl.write(a701 + 10, &[5]).unwrap_err()), 2);
        // Outside the map, below and above.
        assert_eq!(instrument_code(cl.read(39_990, 2).unwrap_err()), 2);
        assert_eq!(instrument_code(cl.read(40_499, 5).unwrap_err()), 2);
        assert_eq!(instrument_code(cl.write(100, &[1, 2]).unwrap_err()), 2);
        // Enum out of range (AntiIslEna = 7): illegal data value.
        assert_eq!(instrument_code(cl.write(a704 + 52, &[7]).unwrap_err()), 3);
        // OV point 1 at 50 % of nominal: illegal value; OV untouched.
        assert_eq!(instrument_code(cl.write(a708 + 11, &[500]).unwrap_err()), 3);
        // A write that spans a writable and a read-only register: nothing applied.
        assert_eq!(
            instrument_code(cl.write(a704 + 52, &[0, 1]).unwrap_err()),
            2
        );
        // MayTrip curves are not supported: ActPt must stay 0.
        assert_eq!(instrument_code(cl.write(a708 + 17, &[1]).unwrap_err()), 3);
        assert_eq!(lock_plant(&p).trip_settings(), &before);
        assert_eq!(lock_plant(&p).anti_islanding(), ai_before);
    }
}

fn c_models(c: &SunSpecCharger, id: u16) -> u16 {
    c.models().iter().find(|m| m.0 == id).map(|m| m.1).unwrap()
}
