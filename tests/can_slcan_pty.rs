//! SlcanBus end to end over a real pseudo-terminal pair, against the SLCAN
//! adapter emulator running on the master side in a thread.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use v2x_hil::emulator::slcan_adapter::{serve_pty, SlcanAdapter};
use v2x_hil::protocol::slcan::SlcanBitrate;
use v2x_hil::transport::can::slcan::{SlcanBus, SlcanConfig};
use v2x_hil::transport::can::{CanBus, CanError, CanFrame, CanId};

const WAIT: Duration = Duration::from_secs(2);

fn config(timestamps: bool) -> SlcanConfig {
    SlcanConfig {
        bitrate: SlcanBitrate::S6,
        timestamps,
        ..SlcanConfig::default()
    }
}

fn frames() -> Vec<CanFrame> {
    vec![
        CanFrame::new(CanId::standard(0x108).unwrap(), &[0, 1, 2, 3, 4, 5, 6, 7]).unwrap(),
        CanFrame::new(CanId::standard(0x7FF).unwrap(), &[]).unwrap(),
        CanFrame::new(CanId::extended(0x18DA_F110).unwrap(), &[0x02, 0x10, 0x03]).unwrap(),
        CanFrame::remote(CanId::standard(0x100).unwrap(), 8).unwrap(),
        CanFrame::remote(CanId::extended(0x1FFF_FFFF).unwrap(), 0).unwrap(),
    ]
}

#[test]
fn sends_and_receives_every_frame_kind() {
    let pty = serve_pty(SlcanAdapter::new()).unwrap();
    let path = pty.path.to_str().unwrap().to_string();
    let mut bus = SlcanBus::open(&path, config(false)).unwrap();
    assert_eq!(bus.describe(), format!("slcan {path} @ 500 kbit/s"));
    assert_eq!(bus.version().unwrap(), "1013");
    assert_eq!(bus.serial_number().unwrap(), "V2XH");
    assert_eq!(bus.status_flags().unwrap(), 0);

    for f in frames() {
        bus.send(&f).unwrap();
        assert_eq!(pty.far.sent.recv_timeout(WAIT).unwrap(), f);
    }
    let before = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    for f in frames() {
        pty.far.inject.send(f).unwrap();
    }
    for f in frames() {
        let r = bus.recv(WAIT).unwrap().expect("frame from the far side");
        assert_eq!(r.frame, f);
        // Without Z1 frames are stamped on arrival at the host.
        assert!(r.timestamp >= before);
    }
    assert!(bus.recv(Duration::from_millis(20)).unwrap().is_none());
}

#[test]
fn frames_arriving_during_a_command_are_kept() {
    let pty = serve_pty(SlcanAdapter::new()).unwrap();
    let mut bus = SlcanBus::open(pty.path.to_str().unwrap(), config(false)).unwrap();
    let incoming = frames();
    for f in &incoming {
        pty.far.inject.send(*f).unwrap();
    }
    std::thread::sleep(Duration::from_millis(50));
    // The transmit's `z` arrives after the queued frames; none may be lost.
    let out = CanFrame::new(CanId::standard(0x101).unwrap(), &[1]).unwrap();
    bus.send(&out).unwrap();
    assert_eq!(pty.far.sent.recv_timeout(WAIT).unwrap(), out);
    let got: Vec<CanFrame> = (0..incoming.len())
        .map(|_| bus.recv(WAIT).unwrap().unwrap().frame)
        .collect();
    assert_eq!(got, incoming);
}

#[test]
fn refused_commands_become_adapter_errors() {
    let pty = serve_pty(SlcanAdapter::new()).unwrap();
    let mut bus = SlcanBus::open(pty.path.to_str().unwrap(), config(false)).unwrap();
    bus.close().unwrap();
    // Closed: the adapter answers BEL to a transmit and to a second close.
    let f = CanFrame::new(CanId::standard(0x123).unwrap(), &[1]).unwrap();
    let err = bus.send(&f).unwrap_err();
    assert!(
        matches!(err, CanError::Adapter(ref m) if m.contains("BEL")),
        "{err}"
    );
    assert!(matches!(bus.close(), Err(CanError::Adapter(_))));
    assert!(matches!(bus.status_flags(), Err(CanError::Adapter(_))));
    assert!(pty.far.sent.try_recv().is_err(), "nothing reached the bus");
}

#[test]
fn opening_a_missing_port_is_an_open_error() {
    let err = SlcanBus::open("/dev/does-not-exist-slcan", config(false))
        .err()
        .unwrap();
    assert!(matches!(err, CanError::Open { .. }), "{err}");
}

#[test]
fn adapter_timestamps_with_z1_survive_the_60s_wrap() {
    let adapter_ms = Arc::new(AtomicU64::new(59_990));
    let clock_ms = adapter_ms.clone();
    let adapter = SlcanAdapter::new().with_clock(Box::new(move || {
        Duration::from_millis(clock_ms.load(Ordering::SeqCst))
    }));
    let pty = serve_pty(adapter).unwrap();
    let mut bus = SlcanBus::open(pty.path.to_str().unwrap(), config(true)).unwrap();
    let f = frames();

    pty.far.inject.send(f[0]).unwrap();
    let a = bus.recv(WAIT).unwrap().unwrap();
    adapter_ms.store(60_005, Ordering::SeqCst); // shows as 0005 on the wire
    pty.far.inject.send(f[2]).unwrap();
    let b = bus.recv(WAIT).unwrap().unwrap();
    adapter_ms.store(60_250, Ordering::SeqCst);
    pty.far.inject.send(f[3]).unwrap();
    let c = bus.recv(WAIT).unwrap().unwrap();

    assert_eq!((a.frame, b.frame, c.frame), (f[0], f[2], f[3]));
    // Differences come from the adapter's clock, not from when the host read.
    assert_eq!(b.timestamp - a.timestamp, Duration::from_millis(15));
    assert_eq!(c.timestamp - b.timestamp, Duration::from_millis(245));
}

#[test]
fn works_with_an_adapter_that_never_acknowledges() {
    // Original canable-fw answers no CR/z; the bus must not wait for them.
    let pty = serve_pty(SlcanAdapter::new().with_acknowledgements(false)).unwrap();
    let cfg = SlcanConfig {
        acknowledges: false,
        ..config(false)
    };
    let mut bus = SlcanBus::open(pty.path.to_str().unwrap(), cfg).unwrap();
    for f in frames() {
        bus.send(&f).unwrap();
        assert_eq!(pty.far.sent.recv_timeout(WAIT).unwrap(), f);
    }
    pty.far.inject.send(frames()[2]).unwrap();
    assert_eq!(bus.recv(WAIT).unwrap().unwrap().frame, frames()[2]);
    assert_eq!(bus.version().unwrap(), "1013");
}

#[test]
fn an_acknowledging_bus_times_out_on_a_silent_adapter() {
    let pty = serve_pty(SlcanAdapter::new().with_acknowledgements(false)).unwrap();
    let cfg = SlcanConfig {
        reply_timeout: Duration::from_millis(100),
        ..config(false)
    };
    let err = SlcanBus::open(pty.path.to_str().unwrap(), cfg)
        .err()
        .unwrap();
    assert!(matches!(err, CanError::Timeout { .. }), "{err}");
}
