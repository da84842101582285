//! The site meter end to end: the `sunspec-meter` driver against the
//! emulated SunSpec meter (models 1 + 202, or 201) over Modbus RTU and TCP,
//! on the plant; on a rig with the meter at the service entrance its power
//! is the plant's grid power, import positive; reversed CTs; malformed
//! replies are errors, never panics.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use v2x_hil::der::{AntiIslanding, EnterService, TripSettings};
use v2x_hil::device::sunspec::{connect_meter, Framing, SunSpecMeter};
use v2x_hil::device::{DeviceError, Identity, SiteMeter};
use v2x_hil::emulator::sunspec::{charger_instrument, MeterServer};
use v2x_hil::emulator::{lock_plant, Instrument, SharedPlant, SimLink};
use v2x_hil::model::{parse_rig_with, CtReversed, Rig};
use v2x_hil::plant::{InverterConfig, Plant, PlantConfig};
use v2x_hil::protocol::modbus::pdu::Response;
use v2x_hil::protocol::modbus::tcp;
use v2x_hil::protocol::sunspec::meter::MeterModel;

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
        manufacturer: "ACME Metering".into(),
        model: "CT-202".into(),
        serial: "MTR-0042".into(),
        firmware: "2.3.1".into(),
    }
}

fn link(plant: &SharedPlant, inst: Box<dyn Instrument>, framing: Framing) -> SimLink {
    match framing {
        Framing::Rtu { .. } => SimLink::new(plant.clone(), inst, 115_200, 10, "meter rtu"),
        Framing::Tcp => SimLink::new(plant.clone(), inst, 100_000_000, 8, "meter tcp"),
    }
}

fn meter(plant: &SharedPlant, framing: Framing, model: MeterModel) -> SunSpecMeter {
    let inst = MeterServer::new(framing, identity(), model, CtReversed::None);
    connect_meter(
        Box::new(link(plant, Box::new(inst), framing)),
        framing,
        "meter",
    )
    .expect("connect")
}

const FRAMINGS: [Framing; 2] = [Framing::Rtu { unit_id: 7 }, Framing::Tcp];

#[test]
fn discovers_identifies_and_measures_over_rtu_and_tcp() {
    for framing in FRAMINGS {
        let p = plant();
        let mut m = meter(&p, framing, MeterModel::SplitPhase);
        // 'SunS' at 40000, model 1 (L 66) at 40002, model 202 (L 105) at 40070.
        assert_eq!(m.models(), &[(1, 40002, 66), (202, 40070, 105)]);
        assert_eq!(m.meter_model(), MeterModel::SplitPhase);
        assert_eq!(m.identify().unwrap(), identity());
        lock_plant(&p).advance(Duration::from_millis(100));
        let r = m.measure().unwrap();
        assert_eq!(r.model, 202);
        assert!((r.voltage_v - 240.0).abs() < 0.5, "{r:?}");
        assert!((r.frequency_hz - 60.0).abs() < 0.02, "{r:?}");
        assert!(r.power_w.abs() <= 10.0, "no load, no charger power: {r:?}");
        assert_eq!(r.phases.len(), 2);
        for leg in &r.phases {
            assert!((leg.voltage_v.unwrap() - 120.0).abs() < 0.5, "{r:?}");
        }
    }
    // Single phase (201, AN): one leg, the phase voltage is the service voltage.
    let p = plant();
    let mut m = meter(&p, Framing::Tcp, MeterModel::SinglePhase);
    assert_eq!(m.models()[1], (201, 40070, 105));
    lock_plant(&p).advance(Duration::from_millis(100));
    let r = m.measure().unwrap();
    assert_eq!((r.model, r.phases.len()), (201, 1));
    assert!((r.voltage_v - 240.0).abs() < 0.5, "{r:?}");
}

fn fixture() -> (std::path::PathBuf, String) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/rigs/site-meter.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    (path, text)
}

/// The fixture rig, its meter given `emulation` (appended to the last device).
fn rig_with(emulation: Option<&str>) -> Rig {
    let (path, mut text) = fixture();
    if let Some(e) = emulation {
        text.push_str(&format!("    emulation: {e}\n"));
    }
    parse_rig_with(&path, &text, &v2x_hil::device::drivers_for).unwrap_or_else(|e| {
        panic!("{}", e.render());
    })
}

/// (meter W, plant grid W, charger's own 701 W) after the charger's setpoint settles.
fn powers_at(rig: &Rig, setpoint_w: f64) -> (f64, f64, f64) {
    let mut c = v2x_hil::rig::connect(rig).unwrap();
    c.rig.devices.charger.set_power_w(setpoint_w).unwrap();
    c.rig.clock.sleep(Duration::from_secs(2));
    let meter = c
        .rig
        .devices
        .site_meter
        .as_mut()
        .expect("the rig's site meter");
    let r = meter.measure().unwrap();
    let plant = c.plant.clone().unwrap();
    let grid_w = lock_plant(&plant).measure().grid_power_w;
    let charger_w = c.rig.devices.charger.status().unwrap().power_w;
    (r.power_w, grid_w, charger_w)
}

#[test]
fn the_meter_reads_the_grid_power_import_positive() {
    let rig = rig_with(None);
    let mut c = v2x_hil::rig::connect(&rig).unwrap();
    let meter = c.rig.devices.site_meter.as_mut().expect("connected");
    assert_eq!(meter.identify().unwrap().serial, "MTR-0042");
    drop(c);
    // The charger exports 5 kW: the site exports, the meter reads negative.
    let (meter_w, grid_w, charger_w) = powers_at(&rig, 5000.0);
    assert!((grid_w + 5000.0).abs() < 100.0, "grid {grid_w}");
    assert!(
        (meter_w - grid_w).abs() <= 20.0,
        "meter {meter_w}, grid {grid_w}"
    );
    assert!(
        charger_w > 4900.0,
        "the charger's own W is export positive: {charger_w}"
    );
    // The charger charges at 4 kW: the site imports, the meter reads positive.
    let (meter_w, grid_w, _) = powers_at(&rig, -4000.0);
    assert!((grid_w - 4000.0).abs() < 100.0, "grid {grid_w}");
    assert!(
        (meter_w - grid_w).abs() <= 20.0,
        "meter {meter_w}, grid {grid_w}"
    );
}

#[test]
fn reversed_cts_read_zero_with_one_leg_and_inverted_with_both() {
    let (one, grid_w, _) = powers_at(&rig_with(Some("{ ct_reversed: l1 }")), 5000.0);
    assert!(grid_w < -4900.0);
    assert!(one.abs() <= 20.0, "one reversed leg: {one}");
    let (both, grid_w, _) = powers_at(&rig_with(Some("{ ct_reversed: both }")), 5000.0);
    assert!(
        (both + grid_w).abs() <= 20.0,
        "both reversed: {both}, grid {grid_w}"
    );
    assert!(both > 4900.0);
    let (single, grid_w, _) = powers_at(
        &rig_with(Some("{ meter_model: 201, ct_reversed: l1 }")),
        5000.0,
    );
    assert!((single + grid_w).abs() <= 20.0, "201 reversed: {single}");
}

#[test]
fn a_plan_expects_on_the_meter() {
    let rig = rig_with(None);
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/plans/site-meter.yaml");
    let plan = v2x_hil::model::parse_plan(&path, &std::fs::read_to_string(&path).unwrap())
        .unwrap_or_else(|e| panic!("{}", e.render()));
    v2x_hil::model::check_plan_against_rig(&plan, &rig)
        .unwrap_or_else(|e| panic!("{}", e.render()));
    let mut c = v2x_hil::rig::connect(&rig).unwrap();
    let interrupt = std::sync::atomic::AtomicBool::new(false);
    let mut observe = |_: v2x_hil::exec::RunEvent<'_>| {};
    let result = v2x_hil::exec::Runner::new(&mut c.rig, &interrupt, &mut observe).run(&plan);
    assert_eq!(
        result.verdict(),
        v2x_hil::exec::Verdict::Pass,
        "{result:#?}"
    );
}

/// The emulated meter behind a tampering middle: Modbus TCP replies to the
/// whole-block read (107 registers) are changed by `tamper`.
struct Tamper {
    inner: MeterServer,
    tamper: Box<dyn FnMut(Vec<u16>) -> Vec<u8> + Send>,
    /// Send what `tamper` returns as the whole reply, not as a PDU in MBAP.
    raw: bool,
}

impl Instrument for Tamper {
    fn receive(&mut self, bytes: &[u8], plant: &mut Plant) -> Vec<u8> {
        let reply = self.inner.receive(bytes, plant);
        let Ok(frame) = tcp::decode_adu(&reply) else {
            return reply;
        };
        match Response::decode(&frame.pdu) {
            Ok(Response::ReadHoldingRegisters { values }) if values.len() == 107 => {
                let pdu = (self.tamper)(values);
                if self.raw {
                    return pdu;
                }
                tcp::encode_adu(frame.transaction_id, frame.unit_id, &pdu)
            }
            _ => reply,
        }
    }
}

fn pdu(values: Vec<u16>) -> Vec<u8> {
    Response::ReadHoldingRegisters { values }.to_bytes()
}

fn tampered(tamper: impl FnMut(Vec<u16>) -> Vec<u8> + Send + 'static) -> Result<(), DeviceError> {
    tampered_as(false, tamper)
}

fn tampered_as(
    raw: bool,
    tamper: impl FnMut(Vec<u16>) -> Vec<u8> + Send + 'static,
) -> Result<(), DeviceError> {
    let p = plant();
    let inner = MeterServer::new(
        Framing::Tcp,
        identity(),
        MeterModel::SplitPhase,
        CtReversed::None,
    );
    let inst = Tamper {
        inner,
        tamper: Box::new(tamper),
        raw,
    };
    let mut m = connect_meter(
        Box::new(link(&p, Box::new(inst), Framing::Tcp)),
        Framing::Tcp,
        "meter",
    )?;
    m.measure().map(|_| ())
}

#[test]
fn malformed_meter_replies_are_errors() {
    let protocol = |r: Result<(), DeviceError>| match r {
        Err(DeviceError::Protocol { detail, .. }) => detail,
        other => panic!("expected a protocol error, got {other:?}"),
    };
    // L is not 105.
    let d = protocol(tampered(|mut v| {
        v[1] = 104;
        pdu(v)
    }));
    assert!(d.contains("L = 104"), "{d}");
    // A scale factor out of range.
    let d = protocol(tampered(|mut v| {
        v[22] = 0x7FFF;
        pdu(v)
    }));
    assert!(d.contains("W_SF"), "{d}");
    // Fewer registers than asked for.
    let d = protocol(tampered(|v| pdu(v[..100].to_vec())));
    assert!(d.contains("does not answer"), "{d}");
    // A byte count that disagrees with the data.
    protocol(tampered(|v| {
        let mut p = pdu(v);
        p[1] = 10;
        p
    }));
    // Half a frame, then silence: the response times out.
    match tampered_as(true, |v| {
        let p = pdu(v);
        tcp::encode_adu(1, 1, &p)[..50].to_vec()
    }) {
        Err(e) => assert!(e.is_unresponsive(), "{e}"),
        Ok(()) => panic!("a truncated reply was accepted"),
    }
    // W not implemented: the meter cannot be read.
    match tampered(|mut v| {
        v[18] = 0x8000;
        pdu(v)
    }) {
        Err(DeviceError::Unsupported { detail, .. }) => assert!(detail.contains("W"), "{detail}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn random_replies_are_refused_as_protocol_errors() {
    let mut s = 0x9E37_79B9_7F4A_7C15u64;
    let mut refused = 0;
    for _ in 0..40 {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        let mut seed = s;
        let r = tampered(move |v| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let n = (seed % 240) as usize;
            let mut p = vec![0x03, (n.min(255)) as u8];
            p.extend(
                v.iter()
                    .take(n / 2)
                    .flat_map(|r| (r ^ seed as u16).to_be_bytes()),
            );
            p.truncate(n);
            p
        });
        // Whatever came back is the driver's answer to it: a reading, or
        // a protocol error naming what was wrong; never another kind.
        match r {
            Ok(()) => {}
            Err(DeviceError::Protocol { detail, .. }) => {
                assert!(!detail.is_empty());
                refused += 1;
            }
            Err(other) => panic!("expected a protocol error, got {other:?}"),
        }
    }
    // Random registers and lengths: most replies are refused.
    assert!(refused >= 30, "{refused} of 40 refused");
}

#[test]
fn exceptions_and_missing_models_are_errors() {
    // An injected hardware failure: exception 04 (Server Device Failure).
    let p = plant();
    let mut inst = MeterServer::new(
        Framing::Tcp,
        identity(),
        MeterModel::SplitPhase,
        CtReversed::None,
    );
    let mut m_ok = {
        let inner = MeterServer::new(
            Framing::Tcp,
            identity(),
            MeterModel::SplitPhase,
            CtReversed::None,
        );
        connect_meter(
            Box::new(link(&p, Box::new(inner), Framing::Tcp)),
            Framing::Tcp,
            "meter",
        )
        .unwrap()
    };
    assert!(m_ok.measure().is_ok());
    inst.set_hardware_fault(true);
    match connect_meter(
        Box::new(link(&p, Box::new(inst), Framing::Tcp)),
        Framing::Tcp,
        "meter",
    ) {
        Err(DeviceError::Unsupported { detail, .. }) => {
            assert!(detail.contains("Modbus exception 04"), "{detail}")
        }
        other => panic!("{:?}", other.map(|_| ())),
    }
    // A charger is not a meter: the driver says which models it found.
    let charger = charger_instrument(Framing::Tcp, identity());
    match connect_meter(
        Box::new(link(&p, charger, Framing::Tcp)),
        Framing::Tcp,
        "meter",
    ) {
        Err(DeviceError::Unsupported { detail, .. }) => {
            assert!(detail.contains("no SunSpec meter model"), "{detail}");
            assert!(detail.contains("1, 701, 702"), "{detail}");
        }
        other => panic!("{:?}", other.map(|_| ())),
    }
}

/// The only error of `text` (the fixture rig with changes), as
/// (line, key path, message).
fn rig_error(text: &str) -> (usize, String, String) {
    let (path, _) = fixture();
    let e = match parse_rig_with(&path, text, &v2x_hil::device::drivers_for) {
        Ok(_) => panic!("expected an error for:\n{text}"),
        Err(e) => e,
    };
    assert_eq!(e.len(), 1, "{}", e.render());
    let err = &e.0[0];
    (err.location().line, err.key_path().to_string(), e.render())
}

#[test]
fn the_rig_loader_places_meter_emulation_errors() {
    let (_, base) = fixture();
    let lines = base.lines().count();
    // ct_reversed on a real (not emulated) meter.
    let real = base.replace(
        "driver: sunspec-meter\n    transport: { emulated: tcp }\n    identity: { manufacturer: ACME Metering, model: CT-202, serial: MTR-0042, firmware: 2.3.1 }",
        "driver: sunspec-meter\n    transport: { tcp: \"192.0.2.20:502\" }\n    options: { unit_id: 3 }",
    );
    assert_ne!(real, base);
    let (line, key, text) = rig_error(&format!("{real}    emulation: {{ ct_reversed: l1 }}\n"));
    assert_eq!(
        (line, key.as_str()),
        (lines + 1, "devices.meter.emulation"),
        "{text}"
    );
    assert!(text.contains("emulated transport"), "{text}");
    // ct_reversed on the charger.
    let charger = base.replace(
        "    options: { unit_id: 1 }\n",
        "    options: { unit_id: 1 }\n    emulation: { ct_reversed: both }\n",
    );
    let (_, key, text) = rig_error(&charger);
    assert_eq!(key, "devices.charger.emulation.ct_reversed", "{text}");
    assert!(text.contains("does not apply to a charger"), "{text}");
    // A charger's key on the meter, a model it does not serve, a leg 201 lacks.
    for (emulation, key, says) in [
        (
            "{ backup: { enabled: true } }",
            "devices.meter.emulation.backup",
            "does not apply to a site_meter",
        ),
        (
            "{ meter_model: 203 }",
            "devices.meter.emulation.meter_model",
            "does not serve model 203",
        ),
        (
            "{ meter_model: 201, ct_reversed: l2 }",
            "devices.meter.emulation.ct_reversed",
            "one CT",
        ),
    ] {
        let (line, k, text) = rig_error(&format!("{base}    emulation: {emulation}\n"));
        assert_eq!((line, k.as_str()), (lines + 1, key), "{text}");
        assert!(text.contains(says), "{text}");
    }
    // An unknown leg is a schema error listing the valid ones.
    let (_, _, text) = rig_error(&format!("{base}    emulation: {{ ct_reversed: l3 }}\n"));
    assert!(text.contains("l1") && text.contains("both"), "{text}");
    // At most one site meter.
    let two = format!(
        "{base}  meter2:\n    role: site_meter\n    driver: sunspec-meter\n    transport: {{ emulated: tcp }}\n"
    );
    let (_, key, text) = rig_error(&two);
    assert_eq!(key, "devices.meter2.role", "{text}");
}
