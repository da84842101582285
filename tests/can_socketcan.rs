//! SocketCAN backend. Bus tests need a `vcan0` interface
//! (`ip link add dev vcan0 type vcan && ip link set up vcan0`) and say
//! plainly when they were skipped; the error mapping is tested everywhere.
//! No machine of this project has the vcan kernel module, so the loopback
//! test is recorded as an expected skip (`common::expected_skip`, listed at
//! the end of `.ci/run`); `.ci/run` creates `vcan0` where the kernel can.
#![cfg(target_os = "linux")]

mod common;

use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use v2x_hil::transport::can::socketcan::{map_open_error, SocketCanBus};
use v2x_hil::transport::can::{CanBus, CanError, CanFrame, CanId};

fn vcan0_present() -> bool {
    Path::new("/sys/class/net/vcan0").exists()
}

fn skip(test: &str) {
    common::expected_skip(
        test,
        "no vcan0 interface on this machine \
         (needs the vcan kernel module and `ip link add dev vcan0 type vcan`)",
    );
}

#[test]
fn os_errors_map_to_plain_causes() {
    let e = map_open_error("can7", std::io::Error::from_raw_os_error(libc::ENODEV));
    assert!(matches!(e, CanError::NoSuchInterface(ref n) if n == "can7"));
    assert_eq!(e.to_string(), "no such CAN interface: can7");
    let e = map_open_error(
        "can0",
        std::io::Error::from_raw_os_error(libc::EAFNOSUPPORT),
    );
    assert!(matches!(e, CanError::NoKernelSupport));
    assert!(e.to_string().contains("this kernel has no CAN support"));
    let e = map_open_error("can0", std::io::Error::from_raw_os_error(libc::EPERM));
    assert!(matches!(e, CanError::Io { .. }));
}

#[test]
fn missing_interfaces_give_a_plain_error() {
    // Whatever this kernel lacks (the interface, or CAN altogether), the
    // answer is one of the two plain errors, never a panic or a generic one.
    for name in ["can0", "vcan0", "v2xhil-none9"] {
        if name == "vcan0" && vcan0_present() {
            continue;
        }
        if name == "can0" && Path::new("/sys/class/net/can0").exists() {
            continue;
        }
        match SocketCanBus::open(name) {
            Err(e @ CanError::NoSuchInterface(_)) => {
                assert_eq!(e.to_string(), format!("no such CAN interface: {name}"));
                eprintln!("{name}: {e}");
            }
            Err(e @ CanError::NoKernelSupport) => eprintln!("{name}: {e}"),
            Err(other) => panic!("{name}: expected a plain error, got {other:?}"),
            Ok(_) => panic!("{name}: opened an interface that is not there"),
        }
    }
}

#[test]
fn vcan0_loopback_between_two_sockets() {
    if !vcan0_present() {
        skip("vcan0_loopback_between_two_sockets");
        return;
    }
    let mut a = SocketCanBus::open("vcan0").unwrap();
    let mut b = SocketCanBus::open("vcan0").unwrap();
    assert_eq!(a.describe(), "socketcan vcan0");
    let frames = [
        CanFrame::new(CanId::standard(0x108).unwrap(), &[1, 2, 3, 4, 5, 6, 7, 8]).unwrap(),
        CanFrame::new(CanId::extended(0x18DA_F110).unwrap(), &[]).unwrap(),
        CanFrame::remote(CanId::standard(0x100).unwrap(), 4).unwrap(),
    ];
    let before = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    for f in &frames {
        a.send(f).unwrap();
    }
    for f in &frames {
        let r = b
            .recv(Duration::from_secs(1))
            .unwrap()
            .expect("frame on vcan0");
        assert_eq!(&r.frame, f);
        assert!(r.timestamp >= before - Duration::from_millis(1));
    }
    assert!(b.recv(Duration::from_millis(20)).unwrap().is_none());
}
