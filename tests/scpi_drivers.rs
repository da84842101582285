//! Each SCPI driver against its emulator over the simulated serial link.

mod scpi_common;

use scpi_common::{link, plant};
use std::time::Duration;
use v2x_hil::device::scpi::{
    grid_simulator, island_load, island_switch, waveform_recorder, GRID_DRIVERS,
};
use v2x_hil::device::{DeviceError, RlcSetting};
use v2x_hil::emulator::{lock_plant, SimClock};
use v2x_hil::exec::clock::Clock;
use v2x_hil::transport::ByteLink;

#[test]
fn grid_simulator_every_family_sets_and_measures() {
    for &driver in GRID_DRIVERS {
        let p = plant();
        let clock = SimClock::new(p.clone());
        let mut g = grid_simulator(driver, Box::new(link(&p, driver, 115_200)), "grid").unwrap();
        let id = g.identify().unwrap();
        assert_eq!(id.model, driver);
        assert_eq!(id.manufacturer, "Emulated");
        g.set_voltage_v(250.0).unwrap();
        g.set_frequency_hz(59.5).unwrap();
        g.set_output(true).unwrap();
        assert_eq!(lock_plant(&p).grid_voltage_v(), 250.0);
        assert_eq!(lock_plant(&p).grid_frequency_hz(), 59.5);
        // the plant's meter averages over the last cycle: let it settle
        clock.sleep(Duration::from_millis(500));
        let m = g.measure().unwrap();
        assert!((m.voltage_v - 250.0).abs() < 2.5, "{driver}: {m:?}");
        assert!((m.frequency_hz - 59.5).abs() < 0.05, "{driver}: {m:?}");

        // out of rating (300 V): refused by the instrument, plant untouched
        match g.set_voltage_v(400.0) {
            Err(DeviceError::Instrument { code, .. }) => assert_eq!(code, -222),
            other => panic!("{driver}: expected -222, got {other:?}"),
        }
        match g.set_frequency_hz(90.0) {
            Err(DeviceError::Instrument { code, .. }) => assert_eq!(code, -222),
            other => panic!("{driver}: expected -222, got {other:?}"),
        }
        assert_eq!(lock_plant(&p).grid_voltage_v(), 250.0);
        assert_eq!(lock_plant(&p).grid_frequency_hz(), 59.5);

        g.set_output(false).unwrap();
        assert!(!lock_plant(&p).grid_output());
        assert_eq!(g.measure().unwrap().voltage_v, 0.0);
        g.set_output(true).unwrap();
        g.reset().unwrap();
        assert!(
            !lock_plant(&p).grid_output(),
            "{driver}: *RST turns output off"
        );
    }
}

#[test]
fn unknown_drivers_are_refused() {
    let p = plant();
    let l = Box::new(link(&p, "ametek-asterion", 115_200));
    assert!(matches!(
        grid_simulator("acme-9000", l, "grid"),
        Err(DeviceError::Unsupported { .. })
    ));
    let l = Box::new(link(&p, "keysight-34980a", 115_200));
    assert!(matches!(
        island_switch("keysight-34980a", l, "s3", "9001"),
        Err(DeviceError::Unsupported { .. })
    ));
}

#[test]
fn island_switch_drives_s3() {
    let p = plant();
    let l = Box::new(link(&p, "keysight-34980a", 115_200));
    let mut s = island_switch("keysight-34980a", l, "s3", "1001").unwrap();
    assert!(s.is_closed().unwrap());
    s.open().unwrap();
    assert!(!lock_plant(&p).s3_closed());
    assert!(!s.is_closed().unwrap());
    assert_eq!(lock_plant(&p).island_events().len(), 1);
    s.close().unwrap();
    assert!(lock_plant(&p).s3_closed());
    assert!(s.is_closed().unwrap());
}

#[test]
fn island_load_sets_the_plant_load() {
    let p = plant();
    let clock = SimClock::new(p.clone());
    let l = Box::new(link(&p, "rlc-load", 115_200));
    let mut load = island_load("rlc-load", l, "load").unwrap();
    load.identify().unwrap();
    let setting = RlcSetting {
        p_w: 11_500.0,
        ql_var: 11_500.0,
        qc_var: 11_500.0,
    };
    load.set_load(setting).unwrap();
    // input still off: no branch connected
    assert_eq!(lock_plant(&p).load().r_ohm, None);
    load.set_input(true).unwrap();
    let r = lock_plant(&p).load().r_ohm.unwrap();
    assert!((r - 240.0 * 240.0 / 11_500.0).abs() < 1e-9);
    clock.sleep(Duration::from_millis(500));
    let m = load.measure().unwrap();
    // the measured PCC voltage and the configured branches give P (the
    // queries are a few ms apart, so allow the meter to move a little)
    let expected_p = m.voltage_v * m.voltage_v / r;
    assert!(
        (m.power_w - expected_p).abs() < 0.01 * expected_p,
        "{m:?} vs {expected_p}"
    );
    assert!((m.frequency_hz - 60.0).abs() < 0.1, "{m:?}");
    match load.set_load(RlcSetting {
        p_w: 1e6,
        ..setting
    }) {
        Err(DeviceError::Instrument { code, .. }) => assert_eq!(code, -222),
        other => panic!("expected -222, got {other:?}"),
    }
    assert_eq!(lock_plant(&p).load().r_ohm, Some(r));
    load.set_input(false).unwrap();
    assert_eq!(lock_plant(&p).load().r_ohm, None);
}

#[test]
fn recorder_captures_around_s3_opening() {
    let p = plant();
    let clock = SimClock::new(p.clone());
    let rec_link = Box::new(link(&p, "keysight-infiniivision", 115_200));
    let mut rec = waveform_recorder("keysight-infiniivision", rec_link, "scope").unwrap();
    let sw_link = Box::new(link(&p, "keysight-34980a", 115_200));
    let mut s3 = island_switch("keysight-34980a", sw_link, "s3", "1001").unwrap();

    clock.sleep(Duration::from_millis(300));
    let (pre, post) = (Duration::from_millis(200), Duration::from_millis(500));
    rec.arm(pre, post).unwrap();
    assert!(!rec.is_complete().unwrap());
    s3.open().unwrap();
    let opened_at = lock_plant(&p).island_events()[0].s3_opened_at;
    clock.sleep(Duration::from_millis(100));
    assert!(
        !rec.is_complete().unwrap(),
        "post-trigger time not yet over"
    );
    clock.sleep(Duration::from_millis(450));
    assert!(rec.is_complete().unwrap());
    let cap = rec.fetch().unwrap();
    assert!((cap.sample_rate_hz - 10_000.0).abs() < 1e-6);

    // Expectations from the plant's own history: correct with any plant.
    let history = lock_plant(&p).history(opened_at - pre, opened_at + post, 2);
    let n = ((pre + post).as_secs_f64() * 10_000.0).round() as usize;
    let expected: Vec<_> = history.iter().take(n).collect();
    assert_eq!(cap.voltage_v.len(), expected.len());
    assert_eq!(cap.current_a.len(), expected.len());
    for (got, s) in cap.voltage_v.iter().zip(&expected) {
        assert!((got - s.v_pcc_v).abs() <= 0.01 + 1e-9, "20 mV LSB");
    }
    for (got, s) in cap.current_a.iter().zip(&expected) {
        assert!((got - s.i_inverter_a).abs() <= 0.002 + 1e-9, "4 mA LSB");
    }
    if let Some(first) = expected.first() {
        let idx = expected
            .iter()
            .position(|s| s.t >= opened_at)
            .unwrap_or(expected.len());
        assert_eq!(cap.trigger_index, idx);
        assert!(first.t <= opened_at);
        assert_eq!(n, 7000, "(pre+post)·rate");
    } else {
        // A plant without history (the placeholder): no samples, and the
        // trigger index still lies at the pre-trigger span.
        assert_eq!(cap.trigger_index, 0);
    }
}

#[test]
fn a_forced_trigger_starts_the_capture_at_its_instant() {
    let p = plant();
    let clock = SimClock::new(p.clone());
    let rec_link = Box::new(link(&p, "keysight-infiniivision", 115_200));
    let mut rec = waveform_recorder("keysight-infiniivision", rec_link, "scope").unwrap();
    clock.sleep(Duration::from_millis(300));
    rec.arm(Duration::from_millis(100), Duration::from_millis(200))
        .unwrap();
    clock.sleep(Duration::from_millis(50));
    assert!(!rec.is_complete().unwrap(), "nothing to trigger it yet");
    let before = clock.now();
    rec.force_trigger().unwrap();
    // `:TRIG:FORC` then `:SYST:ERR?`: the trigger fell while the command
    // was on the wire, before the driver returned.
    let returned = clock.now();
    clock.sleep(Duration::from_millis(250));
    assert!(rec.is_complete().unwrap());
    let cap = rec.fetch().unwrap();
    assert_eq!(cap.voltage_v.len(), 3000);
    assert_eq!(cap.trigger_index, 1000);
    // The capture is the plant's history from 100 ms before an instant
    // between sending the command and its reply.
    // At the plant's full rate; the recorder keeps every second sample.
    let history = lock_plant(&p).history(Duration::ZERO, clock.now(), 1);
    let starts: Vec<f64> = history
        .windows(40)
        .filter(|w| {
            w.iter()
                .step_by(2)
                .zip(&cap.voltage_v)
                .all(|(s, v)| (s.v_pcc_v - v).abs() <= 0.01 + 1e-9)
        })
        .map(|w| w[0].t.as_secs_f64() + 0.1)
        .collect();
    assert!(
        starts
            .iter()
            .any(|t| (before.as_secs_f64() - 1e-4..=returned.as_secs_f64()).contains(t)),
        "trigger candidates {starts:?}, command sent {before:?}, returned {returned:?}"
    );
    // Forcing a recorder that is not armed does nothing (and is no error).
    rec.force_trigger().unwrap();
}

#[test]
fn recorder_refuses_data_before_completion() {
    let p = plant();
    let mut l = link(&p, "keysight-infiniivision", 115_200);
    l.write_all(b":SING;:WAV:DATA?\nSYST:ERR?\n").unwrap();
    let mut buf = [0u8; 256];
    let n = l.read(&mut buf, Duration::from_millis(100)).unwrap();
    assert_eq!(&buf[..n], b"-230,\"Data corrupt or stale\"\n");
}

#[test]
fn serial_timing_is_honoured_at_9600_baud() {
    let p = plant();
    let l = Box::new(link(&p, "ametek-asterion", 9600));
    let mut g = grid_simulator("ametek-asterion", l, "grid").unwrap();
    let t0 = lock_plant(&p).now();
    let id = g.identify().unwrap();
    let elapsed = lock_plant(&p).now() - t0;
    // "*IDN?\n" out and the reply line back, 10 bits per byte at 9600 baud
    let reply = format!(
        "{},{},{},{}\n",
        id.manufacturer, id.model, id.serial, id.firmware
    );
    let bytes = 6 + reply.len();
    let wire = Duration::from_secs_f64(bytes as f64 * 10.0 / 9600.0);
    assert!(elapsed >= wire, "{elapsed:?} < {wire:?}");
}

/// A block whose last data byte is CR (0x0D) keeps it: that CR is data, not
/// half of a CRLF terminator (a waveform whose last sample ends in 0x0D was
/// once cut short by one byte).
#[test]
fn a_block_ending_in_cr_is_not_truncated() {
    use std::time::Duration;
    use v2x_hil::device::scpi::session::ScpiSession;
    use v2x_hil::transport::{ByteLink, TransportError};

    /// Answers every line with the same bytes.
    struct Canned(Vec<u8>, Vec<u8>);
    impl ByteLink for Canned {
        fn write_all(&mut self, _: &[u8]) -> Result<(), TransportError> {
            self.1 = self.0.clone();
            Ok(())
        }
        fn read(&mut self, buf: &mut [u8], t: Duration) -> Result<usize, TransportError> {
            if self.1.is_empty() {
                return Err(TransportError::Timeout(t));
            }
            let n = buf.len().min(self.1.len());
            buf[..n].copy_from_slice(&self.1[..n]);
            self.1.drain(..n);
            Ok(n)
        }
        fn clear_input(&mut self) -> Result<(), TransportError> {
            Ok(())
        }
        fn describe(&self) -> String {
            "canned".into()
        }
    }
    let data = vec![1u8, 2, 0x0D];
    let mut reply = v2x_hil::protocol::scpi::response::encode_block(&data);
    reply.push(b'\n');
    let mut session = ScpiSession::new(Box::new(Canned(reply.clone(), Vec::new())), "scope");
    assert_eq!(session.query_block(":WAV:DATA?").unwrap(), data);
    // And a CRLF-terminated block loses only the CR.
    reply.insert(reply.len() - 1, b'\r');
    let mut session = ScpiSession::new(Box::new(Canned(reply, Vec::new())), "scope");
    assert_eq!(session.query_block(":WAV:DATA?").unwrap(), data);
}
