//! The emulated SCPI instruments at the byte level: IEEE 488.2 common
//! commands, the error queue, framing, and robustness on random bytes.

mod scpi_common;

use scpi_common::{identity, plant};
use std::time::Duration;
use v2x_hil::device::scpi::{GRID_DRIVERS, LOAD_DRIVERS, RECORDER_DRIVERS, SWITCH_DRIVERS};
use v2x_hil::emulator::scpi::{emulated_instrument, ScpiRatings, ERROR_QUEUE_LEN};
use v2x_hil::emulator::{lock_plant, Instrument};
use v2x_hil::plant::Plant;
use v2x_hil::protocol::scpi::response::parse_number;

fn all_drivers() -> Vec<&'static str> {
    [GRID_DRIVERS, SWITCH_DRIVERS, LOAD_DRIVERS, RECORDER_DRIVERS].concat()
}

fn send(inst: &mut dyn Instrument, plant: &mut Plant, text: &str) -> String {
    String::from_utf8(inst.receive(text.as_bytes(), plant)).unwrap()
}

fn number(reply: &str) -> f64 {
    parse_number(reply.trim_end()).unwrap()
}

fn instrument(driver: &str) -> Box<dyn Instrument> {
    emulated_instrument(driver, identity("M1"), ScpiRatings::default()).unwrap()
}

#[test]
fn common_commands_on_every_instrument() {
    for driver in all_drivers() {
        let p = plant();
        let mut pl = lock_plant(&p);
        let mut i = instrument(driver);
        let i = i.as_mut();
        assert_eq!(send(i, &mut pl, "*IDN?\n"), "Emulated,M1,SN0001,1.0\n");
        assert_eq!(send(i, &mut pl, "*OPC?\r\n"), "1\n", "CR LF tolerated");
        assert_eq!(send(i, &mut pl, "SYST:ERR?\n"), "0,\"No error\"\n");
        assert_eq!(send(i, &mut pl, "*BOGUS\n"), "");
        assert_eq!(
            send(i, &mut pl, "syst:err?\n"),
            "-113,\"Undefined header\"\n"
        );
        // one message, two queries: units joined by ';' (IEEE 488.2 §8.4.1)
        assert_eq!(
            send(i, &mut pl, "*OPC?;:SYSTem:ERRor:NEXT?\n"),
            "1;0,\"No error\"\n"
        );
        // partial frames are buffered until the terminator
        assert_eq!(send(i, &mut pl, "*OP"), "");
        assert_eq!(send(i, &mut pl, "C?\n"), "1\n");
        send(i, &mut pl, "*RST\n");
        assert_eq!(
            send(i, &mut pl, "SYST:ERR?\n"),
            "0,\"No error\"\n",
            "{driver}"
        );
    }
}

#[test]
fn error_queue_keeps_order_and_overflows_with_350() {
    let p = plant();
    let mut pl = lock_plant(&p);
    let mut i = instrument("ametek-asterion");
    let i = i.as_mut();
    send(i, &mut pl, "VOLT 999\n");
    send(i, &mut pl, "VOLT\n");
    assert_eq!(send(i, &mut pl, "SYST:ERR:COUN?\n"), "2\n");
    assert_eq!(
        send(i, &mut pl, "SYST:ERR?\n"),
        "-222,\"Data out of range\"\n"
    );
    assert_eq!(
        send(i, &mut pl, "SYST:ERR?\n"),
        "-109,\"Missing parameter\"\n"
    );
    for _ in 0..ERROR_QUEUE_LEN + 5 {
        send(i, &mut pl, "NOPE\n");
    }
    let mut entries = Vec::new();
    loop {
        let e = send(i, &mut pl, "SYST:ERR?\n");
        if e.starts_with("0,") {
            break;
        }
        entries.push(e);
    }
    assert_eq!(entries.len(), ERROR_QUEUE_LEN);
    assert_eq!(entries.last().unwrap(), "-350,\"Queue overflow\"\n");
    assert_eq!(entries[0], "-113,\"Undefined header\"\n");
    send(i, &mut pl, "NOPE\n");
    send(i, &mut pl, "*CLS\n");
    assert_eq!(send(i, &mut pl, "SYST:ERR?\n"), "0,\"No error\"\n");
}

#[test]
fn grid_dialects_accept_manual_forms() {
    let p = plant();
    let mut pl = lock_plant(&p);
    let mut i = instrument("ametek-asterion");
    let i = i.as_mut();
    send(
        i,
        &mut pl,
        "SOURce:VOLTage:LEVel:IMMediate:AMPLitude 245 V;:FREQ 60.2HZ;:OUTP ON\n",
    );
    assert_eq!(pl.grid_voltage_v(), 245.0);
    assert_eq!(pl.grid_frequency_hz(), 60.2);
    assert_eq!(
        send(i, &mut pl, "VOLT?;:VOLT? MAX\n"),
        "+2.45000000E+02;+3.00000000E+02\n"
    );
    // the plant's meter needs a few cycles to follow the new setting
    pl.advance(Duration::from_millis(500));
    let v = number(&send(i, &mut pl, "MEAS:VOLT:AC?\n"));
    assert!((v - 245.0).abs() < 2.5, "{v}");
    // Chroma: VOLT:AC sets the voltage, MEAS:VOLT:ACDC? reads it
    let mut c = instrument("chroma-61800");
    let c = c.as_mut();
    send(c, &mut pl, "VOLT:AC 230\n");
    pl.advance(Duration::from_millis(500));
    let v = number(&send(c, &mut pl, "MEAS:VOLT:ACDC?\n"));
    assert!((v - 230.0).abs() < 2.3, "{v}");
    // Keysight: MEAS:VOLT? is the DC reading, not in our AC dialect
    let mut k = instrument("keysight-ac6900");
    let k = k.as_mut();
    assert_eq!(send(k, &mut pl, "MEAS:VOLT?\n"), "");
    assert_eq!(
        send(k, &mut pl, "SYST:ERR?\n"),
        "-113,\"Undefined header\"\n"
    );
    // *RST: output off
    send(k, &mut pl, "*RST\n");
    assert!(!pl.grid_output());
}

#[test]
fn switch_channel_lists() {
    let p = plant();
    let mut pl = lock_plant(&p);
    let mut i = instrument("keysight-34980a");
    let i = i.as_mut();
    send(i, &mut pl, "ROUT:CLOS (@1002:1004)\n");
    assert_eq!(
        send(i, &mut pl, "ROUT:CLOS? (@1001:1005)\n"),
        "1,1,1,1,0\n",
        "S3 (1001) starts closed in the plant"
    );
    assert_eq!(send(i, &mut pl, "ROUT:OPEN? (@1001,1005)\n"), "0,1\n");
    // an invalid channel anywhere in the list refuses the whole command
    send(i, &mut pl, "ROUT:OPEN (@1001,9001)\n");
    assert!(pl.s3_closed());
    assert_eq!(
        send(i, &mut pl, "SYST:ERR?\n"),
        "-222,\"Data out of range\"\n"
    );
    // *RST opens every channel, S3 included
    send(i, &mut pl, "*RST\n");
    assert!(!pl.s3_closed());
    assert_eq!(send(i, &mut pl, "ROUT:CLOS? (@1002)\n"), "0\n");
}

#[test]
fn recorder_settings_round_trip() {
    let p = plant();
    let mut pl = lock_plant(&p);
    let mut i = instrument("keysight-infiniivision");
    let i = i.as_mut();
    send(i, &mut pl, ":TIM:REF LEFT;RANG 1;POS 0\n");
    assert_eq!(
        send(i, &mut pl, ":TIM:RANG?;POS?;REF?;SCAL?\n"),
        "+1.00000000E+00;+0.00000000E+00;LEFT;+1.00000000E-01\n"
    );
    // a window that does not contain the trigger is refused
    send(i, &mut pl, ":TIM:POS 2\n");
    assert_eq!(
        send(i, &mut pl, "SYST:ERR?\n"),
        "-222,\"Data out of range\"\n"
    );
    send(i, &mut pl, ":WAV:FORM WORD;BYT LSBF;SOUR CHAN2\n");
    assert_eq!(
        send(i, &mut pl, ":WAV:FORM?;BYT?;SOUR?\n"),
        "WORD;LSBF;CHAN2\n"
    );
    assert_eq!(send(i, &mut pl, ":OPER:COND?\n"), "+0\n");
    send(i, &mut pl, ":TRIG:EDGE:SOUR EXT;:SING\n");
    assert_eq!(
        send(i, &mut pl, ":OPER:COND?;:TER?\n"),
        "+40;+0\n",
        "Run + Wait Trig"
    );
    pl.open_s3();
    assert_eq!(send(i, &mut pl, ":OPER:COND?;:TER?;:TER?\n"), "+8;+1;+0\n");
}

#[test]
fn input_buffer_overrun_is_reported() {
    let p = plant();
    let mut pl = lock_plant(&p);
    let mut i = instrument("keysight-34980a");
    let i = i.as_mut();
    let junk = vec![b'A'; 70 * 1024];
    assert!(i.receive(&junk, &mut pl).is_empty());
    send(i, &mut pl, "\n");
    assert_eq!(
        send(i, &mut pl, "SYST:ERR?\n"),
        "-363,\"Input buffer overrun\"\n"
    );
}

#[test]
fn random_bytes_never_panic_any_instrument() {
    let alphabet: &[u8] =
        b"*IDN?RST;:VOLTFREQOUTPMEASROUTCLOS(@1001:1004),SINGWAVDATAPRETIMRANG 0.5 1e3 ON\n\r#'\"";
    for driver in all_drivers() {
        let p = plant();
        let mut pl = lock_plant(&p);
        let mut inst = instrument(driver);
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        for _ in 0..3000 {
            let len = (x % 64) as usize;
            let mut buf = Vec::with_capacity(len);
            for _ in 0..len {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                buf.push(if x.is_multiple_of(4) {
                    (x >> 32) as u8
                } else {
                    alphabet[(x >> 8) as usize % alphabet.len()]
                });
            }
            let _ = inst.receive(&buf, &mut pl);
        }
        // still answering afterwards
        let _ = inst.receive(b"\n*CLS\n", &mut pl);
        assert_eq!(send(inst.as_mut(), &mut pl, "*OPC?\n"), "1\n", "{driver}");
    }
}

/// The protection latch a `grid_fault` trips (README "Faults"): output
/// off, settings refused with -300 until `OUTP:PROT:CLE` or `*RST`; the
/// output then stays off until switched on.
#[test]
fn a_tripped_grid_simulator_refuses_settings_until_its_protection_is_cleared() {
    for driver in GRID_DRIVERS {
        for clear in ["OUTP:PROT:CLE\n", "*RST\n"] {
            let p = plant();
            let mut pl = lock_plant(&p);
            let mut i = instrument(driver);
            let i = i.as_mut();
            pl.trip_grid_source();
            assert!(!pl.grid_output(), "{driver}");
            assert_eq!(send(i, &mut pl, "STAT:QUES:COND?\n"), "2\n", "{driver}");
            send(i, &mut pl, "OUTP ON\n");
            assert_eq!(
                send(i, &mut pl, "SYST:ERR?\n"),
                "-300,\"Device-specific error;output protection tripped\"\n",
                "{driver}"
            );
            assert!(!pl.grid_output(), "{driver}: on while tripped");
            // Switching off is always taken.
            send(i, &mut pl, "OUTP OFF\n");
            assert_eq!(send(i, &mut pl, "SYST:ERR?\n"), "0,\"No error\"\n");
            send(i, &mut pl, clear);
            assert_eq!(send(i, &mut pl, "STAT:QUES:COND?\n"), "0\n", "{driver}");
            assert!(
                !pl.grid_output(),
                "{driver}: {clear} switched the output on"
            );
            send(i, &mut pl, "OUTP ON\n");
            assert_eq!(send(i, &mut pl, "SYST:ERR?\n"), "0,\"No error\"\n");
            assert!(pl.grid_output(), "{driver}");
        }
    }
}

/// `link_errors`: every instrument command fails with -240 and a query
/// gets no reply; the error queue and the common commands still answer.
#[test]
fn an_instrument_with_a_hardware_fault_answers_with_errors() {
    // A query each instrument knows.
    let query = |driver: &str| match driver {
        "keysight-ac6900" => "MEAS:VOLT:AC?\n",
        "chroma-61800" => "MEAS:VOLT:ACDC?\n",
        "keysight-34970a" => "ROUT:CLOS? (@101)\n",
        "keysight-34980a" => "ROUT:CLOS? (@1001)\n",
        d if RECORDER_DRIVERS.contains(&d) => ":TIM:RANG?\n",
        _ => "MEAS:VOLT?\n",
    };
    for driver in all_drivers() {
        let p = plant();
        let mut pl = lock_plant(&p);
        let mut i = instrument(driver);
        let i = i.as_mut();
        assert_ne!(send(i, &mut pl, query(driver)), "", "{driver}");
        i.set_hardware_fault(true);
        assert_eq!(send(i, &mut pl, query(driver)), "", "{driver}");
        assert_eq!(
            send(i, &mut pl, "SYST:ERR?\n"),
            "-240,\"Hardware error\"\n",
            "{driver}"
        );
        assert_eq!(send(i, &mut pl, "*OPC?\n"), "1\n", "{driver}");
        i.set_hardware_fault(false);
        assert_eq!(send(i, &mut pl, "SYST:ERR?\n"), "0,\"No error\"\n");
    }
}
