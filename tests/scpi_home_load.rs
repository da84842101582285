//! The V2H home load: the Chroma 63800 driver against its emulator over the
//! simulated link, and the emulator at the byte level.

mod scpi_common;

use scpi_common::{identity, link, plant};
use std::time::Duration;
use v2x_hil::device::scpi::home_load::power_factor;
use v2x_hil::device::scpi::{home_load, HOME_LOAD_DRIVERS};
use v2x_hil::device::{DeviceError, HomeLoad};
use v2x_hil::emulator::scpi::{emulated_instrument, ScpiRatings};
use v2x_hil::emulator::{lock_plant, Instrument, SharedPlant, SimClock, SimLink};
use v2x_hil::exec::clock::Clock;
use v2x_hil::plant::Plant;
use v2x_hil::protocol::scpi::response::parse_number;

const DRIVER: &str = "chroma-63800";

/// A 63804: 4.5 kW (manual, `[LOAD:]PROTect?` OPP row).
fn ratings_63804() -> ScpiRatings {
    ScpiRatings {
        power_max_w: 4_500.0,
        ..ScpiRatings::default()
    }
}

fn instrument() -> Box<dyn Instrument> {
    emulated_instrument(DRIVER, identity("63804"), ratings_63804()).unwrap()
}

fn driver(p: &SharedPlant) -> Box<dyn HomeLoad> {
    let l = SimLink::new(p.clone(), instrument(), 115_200, 10, "home");
    home_load(DRIVER, Box::new(l), "home").unwrap()
}

fn send(inst: &mut dyn Instrument, plant: &mut Plant, text: &str) -> String {
    String::from_utf8(inst.receive(text.as_bytes(), plant)).unwrap()
}

fn number(reply: &str) -> f64 {
    parse_number(reply.trim_end()).unwrap_or_else(|| panic!("not a number: {reply:?}"))
}

fn close(a: (f64, f64), b: (f64, f64)) -> bool {
    (a.0 - b.0).abs() < 1e-6 && (a.1 - b.1).abs() < 1e-6
}

fn next_error(inst: &mut dyn Instrument, plant: &mut Plant) -> String {
    send(inst, plant, "SYST:ERR?\n")
}

#[test]
fn driver_list_and_factories() {
    assert_eq!(HOME_LOAD_DRIVERS, &[DRIVER]);
    let p = plant();
    assert!(emulated_instrument(DRIVER, identity("x"), ScpiRatings::default()).is_ok());
    match home_load("chroma-9999", Box::new(link(&p, DRIVER, 9600)), "home") {
        Err(DeviceError::Unsupported { detail, .. }) => assert!(detail.contains(DRIVER)),
        Err(e) => panic!("wrong error {e}"),
        Ok(_) => panic!("unknown driver accepted"),
    }
}

#[test]
fn identifies_itself() {
    let p = plant();
    let mut d = driver(&p);
    let id = d.identify().unwrap();
    assert_eq!(
        (
            id.manufacturer.as_str(),
            id.model.as_str(),
            id.serial.as_str()
        ),
        ("Emulated", "63804", "SN0001")
    );
}

#[test]
fn settings_reach_the_plant_and_input_off_remembers_them() {
    let p = plant();
    let mut d = driver(&p);
    d.set_load(3_000.0, 1_000.0).unwrap();
    // input still off: the home draws nothing
    assert_eq!(lock_plant(&p).home_load(), (0.0, 0.0));
    d.set_input(true).unwrap();
    let got = lock_plant(&p).home_load();
    assert!(close(got, (3_000.0, 1_000.0)), "{got:?}");
    d.set_input(false).unwrap();
    assert_eq!(lock_plant(&p).home_load(), (0.0, 0.0));
    d.set_input(true).unwrap();
    assert!(close(lock_plant(&p).home_load(), (3_000.0, 1_000.0)));
    // load steps while on, lagging and leading and resistive
    for step in [
        (1_000.0, 0.0),
        (4_500.0, 2_000.0),
        (2_000.0, -500.0),
        (0.0, 0.0),
    ] {
        d.set_load(step.0, step.1).unwrap();
        let got = lock_plant(&p).home_load();
        assert!(close(got, step), "{step:?} → {got:?}");
    }
}

#[test]
fn beyond_the_rating_is_refused_with_222_and_does_not_act() {
    let p = plant();
    let mut d = driver(&p);
    d.set_load(2_000.0, 0.0).unwrap();
    d.set_input(true).unwrap();
    match d.set_load(4_600.0, 0.0) {
        Err(DeviceError::Instrument { code, .. }) => assert_eq!(code, -222),
        other => panic!("expected -222, got {other:?}"),
    }
    assert!(close(lock_plant(&p).home_load(), (2_000.0, 0.0)));
    // the queue was drained: the next setting succeeds cleanly
    d.set_load(4_500.0, 0.0).unwrap();
    assert!(close(lock_plant(&p).home_load(), (4_500.0, 0.0)));
}

#[test]
fn driver_refuses_what_the_load_cannot_draw() {
    let p = plant();
    let mut d = driver(&p);
    for (pw, q) in [
        (-100.0, 0.0),
        (0.0, 500.0),
        (100.0, 5_000.0),
        (f64::NAN, 0.0),
    ] {
        match d.set_load(pw, q) {
            Err(DeviceError::Unsupported { .. }) => {}
            other => panic!("({pw}, {q}): expected Unsupported, got {other:?}"),
        }
    }
    assert_eq!(power_factor(1_000.0, 0.0), Some(1.0));
    assert_eq!(power_factor(0.0, 0.0), Some(1.0));
    assert_eq!(power_factor(0.0, 1.0), None);
    // Chroma: negative PF = current lags = inductive
    assert!((power_factor(3.0, 4.0).unwrap() + 0.6).abs() < 1e-12);
    assert!((power_factor(3.0, -4.0).unwrap() - 0.6).abs() < 1e-12);
}

#[test]
fn measurement_is_the_home_bus_meter() {
    let p = plant();
    lock_plant(&p).set_grid_output(true);
    let clock = SimClock::new(p.clone());
    let mut d = driver(&p);
    d.set_load(3_000.0, 1_000.0).unwrap();
    d.set_input(true).unwrap();
    clock.sleep(Duration::from_millis(500));
    let m = d.measure().unwrap();
    let truth = lock_plant(&p).home_measure();
    // the queries are a few ms apart; a settled meter barely moves
    let near = |a: f64, b: f64| (a - b).abs() <= 0.01 * b.abs() + 1e-3;
    assert!(near(m.voltage_v, truth.voltage_rms_v), "{m:?} {truth:?}");
    assert!(near(m.current_a, truth.current_rms_a), "{m:?} {truth:?}");
    assert!(near(m.frequency_hz, truth.frequency_hz), "{m:?} {truth:?}");
    assert!(near(m.power_w, truth.power_w), "{m:?} {truth:?}");
    assert!(near(m.reactive_var, truth.reactive_var), "{m:?} {truth:?}");

    // at the byte level, with no time passing, every reading is exact (NR2)
    let mut i = instrument();
    let i = i.as_mut();
    let mut pl = lock_plant(&p);
    let t = pl.home_measure();
    let s = t.power_w.hypot(t.reactive_var);
    for (query, want) in [
        ("MEAS:VOLT?\n", t.voltage_rms_v),
        ("MEASure:SCALar:CURRent?\n", t.current_rms_a),
        ("MEAS:FREQ?\n", t.frequency_hz),
        ("MEAS:POW?\n", t.power_w),
        ("FETC:POW:REAL?\n", t.power_w),
        ("MEAS:POW:REAC?\n", t.reactive_var),
        ("FETCh:POWer:APParent?\n", s),
    ] {
        assert!(
            (number(&send(i, &mut pl, query)) - want).abs() < 1e-4,
            "{query}"
        );
    }
    let pf = number(&send(i, &mut pl, "MEAS:POW:PFAC?\n"));
    if s > 0.0 {
        let want = t.power_w.abs() / s * if t.reactive_var > 0.0 { -1.0 } else { 1.0 };
        assert!((pf - want).abs() < 1e-4, "{pf} vs {want}");
    } else {
        assert_eq!(pf, 0.0);
    }
}

#[test]
fn dialect_long_forms_modes_and_queries() {
    let p = plant();
    let mut pl = lock_plant(&p);
    let mut inst = instrument();
    let i = inst.as_mut();
    // 240 V nominal (scpi_common)
    send(
        i,
        &mut pl,
        "LOAD:MODE POWer;:LOAD:POWer 2000;:SYSTem:SETup:CFPF:MODE PF\n",
    );
    send(i, &mut pl, "PFACtor -0.8;:LOAD:STATe ON\n");
    assert_eq!(next_error(i, &mut pl), "0,\"No error\"\n");
    assert!(
        close(pl.home_load(), (2_000.0, 1_500.0)),
        "{:?}",
        pl.home_load()
    );
    assert_eq!(send(i, &mut pl, "MODE?;:LOAD?;:PFAC?\n"), "POW;1;-0.8000\n");
    assert_eq!(send(i, &mut pl, "SYST:SET:CFPF:MODE?\n"), "PF\n");
    // CF mode: the PF setting does not apply, the current is in phase
    send(i, &mut pl, "SYST:SET:CFPF:MODE CF\n");
    assert!(close(pl.home_load(), (2_000.0, 0.0)));
    // CC mode with a leading PF: S = 240 V x 10 A
    send(
        i,
        &mut pl,
        "SYST:SET:CFPF:MODE BOTH;:PFAC 0.6;:CURR 10;:MODE 0\n",
    );
    assert!(
        close(pl.home_load(), (1_440.0, -1_920.0)),
        "{:?}",
        pl.home_load()
    );
    assert_eq!(send(i, &mut pl, "MODE?;:CURR?\n"), "CURR;10.0000\n");
    // CR mode is always PF 1
    send(i, &mut pl, "MODE RES;:RES 24 OHM\n");
    assert!(close(pl.home_load(), (2_400.0, 0.0)));
    assert_eq!(next_error(i, &mut pl), "0,\"No error\"\n");
    // modes the emulator does not model, and bad values
    for (cmd, code) in [
        ("MODE RLC\n", -221),
        ("MODE 7\n", -221),
        ("MODE BOGUS\n", -224),
        ("MODE 9\n", -224),
        ("PFAC 1.5\n", -222),
        ("PFAC 0.01\n", -222),
        ("PFAC 0.5V\n", -131),
        ("POW 4501\n", -222),
        ("CURR 46\n", -222),
        ("RES 12.7\n", -222), // 240²/4500 = 12.8 Ω is the smallest
        ("RES 2501\n", -222),
        ("LOAD MAYBE\n", -104),
        ("SYST:SET:CFPF:MODE XX\n", -224),
        ("POW\n", -109),
        ("MEAS:VOLT? 1\n", -108),
    ] {
        send(i, &mut pl, cmd);
        let reply = next_error(i, &mut pl);
        assert!(reply.starts_with(&format!("{code},")), "{cmd:?} → {reply}");
    }
    // none of them acted
    assert!(close(pl.home_load(), (2_400.0, 0.0)));
    // CP at the rating, still with the leading PF 0.6 of BOTH mode
    send(i, &mut pl, "POW MAX;:MODE POW\n");
    assert!(
        close(pl.home_load(), (4_500.0, -6_000.0)),
        "{:?}",
        pl.home_load()
    );
    // *RST: input off, the plant's home load released
    send(i, &mut pl, "*RST\n");
    assert_eq!(pl.home_load(), (0.0, 0.0));
    assert_eq!(send(i, &mut pl, "LOAD?;:MODE?\n"), "0;CURR\n");
}

/// xorshift64: deterministic noise without a dependency.
struct XorShift(u64);
impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[test]
fn random_bytes_never_panic() {
    const WORDS: [&str; 16] = [
        "LOAD",
        "MODE",
        "POW",
        "PFAC",
        "CURR",
        "RES",
        "MEAS",
        "FETC",
        ":",
        ";",
        "?",
        " ",
        "ON",
        "-1e999",
        "SYST:SET:CFPF:MODE",
        "\n",
    ];
    let p = plant();
    let mut pl = lock_plant(&p);
    let mut inst = instrument();
    let i = inst.as_mut();
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    for round in 0..4_000 {
        let mut bytes = Vec::new();
        for _ in 0..(rng.next() % 24) {
            if round % 2 == 0 {
                bytes.push(rng.next() as u8);
            } else {
                let w = WORDS[(rng.next() % WORDS.len() as u64) as usize];
                bytes.extend_from_slice(w.as_bytes());
            }
        }
        i.receive(&bytes, &mut pl);
        let (pw, q) = pl.home_load();
        assert!(pw.is_finite() && q.is_finite() && (0.0..=4_500.0).contains(&pw));
    }
    // still answering afterwards
    i.receive(b"\n*CLS\n", &mut pl);
    assert_eq!(send(i, &mut pl, "*IDN?\n"), "Emulated,63804,SN0001,1.0\n");
}
