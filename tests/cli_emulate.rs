//! `v2x-hil emulate` serves the emulated instruments on real TCP ports, and
//! the same drivers the runner uses talk to them over real sockets.

use std::time::Duration;
use v2x_hil::device;
use v2x_hil::transport::tcp::TcpLink;

mod cli_common;
use cli_common::Emulate;

#[cfg(unix)]
#[test]
fn emulate_serves_scpi_and_sunspec_over_tcp() {
    let emulate = Emulate::start();
    let (endpoints, ptys) = (&emulate.tcp, &emulate.pty);
    let link = TcpLink::connect(&endpoints["grid"], Duration::from_secs(2)).unwrap();
    let mut grid = device::scpi::grid_simulator("ametek-asterion", Box::new(link), "grid").unwrap();
    let id = grid.identify().unwrap();
    assert_eq!(id.manufacturer, "v2x-hil");
    grid.set_voltage_v(230.0).unwrap();
    grid.set_output(true).unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let m = grid.measure().unwrap();
    assert!((m.voltage_v - 230.0).abs() < 1.0, "{m:?}");

    let link = TcpLink::connect(&endpoints["charger"], Duration::from_secs(2)).unwrap();
    let mut charger =
        device::sunspec::connect(Box::new(link), device::sunspec::Framing::Tcp, "charger").unwrap();
    let id = device::Charger::identify(&mut charger).unwrap();
    assert_eq!(id.serial, "EMU-0001");

    // Play the vehicle through the SLCAN adapter: the charger answers on CAN.
    let config = v2x_hil::transport::can::slcan::SlcanConfig {
        bitrate: v2x_hil::protocol::slcan::SlcanBitrate::from_bps(500_000).unwrap(),
        ..Default::default()
    };
    let mut can = v2x_hil::transport::can::slcan::SlcanBus::open(&ptys["ev"], config).unwrap();
    let mut vehicle = v2x_hil::protocol::chademo::session::EvSession::new(
        v2x_hil::protocol::chademo::session::VehicleConfig::typical_62kwh(),
    );
    vehicle.plug();
    vehicle.start(v2x_hil::protocol::chademo::session::TransferRequest::Discharge);
    let start = std::time::Instant::now();
    let mut seen = std::collections::BTreeSet::new();
    while start.elapsed() < Duration::from_secs(4)
        && !(seen.contains(&0x108) && seen.contains(&0x109))
    {
        use v2x_hil::transport::can::CanBus;
        for frame in vehicle.tick(start.elapsed()) {
            can.send(&frame).unwrap();
        }
        while let Some(r) = can.recv(Duration::from_millis(100)).unwrap() {
            seen.insert(r.frame.id().raw());
            vehicle.on_frame(start.elapsed(), &r.frame);
        }
    }
    assert!(
        seen.contains(&0x108) && seen.contains(&0x109),
        "charger frames seen: {seen:x?}"
    );
    drop(can);

    assert_eq!(emulate.stop(), Some(0));
}

/// A rig with a site meter: `emulate` serves it on its own Modbus TCP port
/// (`--meter-port`), and the `sunspec-meter` driver reads it over a socket.
#[cfg(unix)]
#[test]
fn emulate_serves_the_site_meter_over_tcp() {
    let emulate = Emulate::start_with(&["--rig", "fixtures/rigs/site-meter.yaml"], 5, 0);
    let link = TcpLink::connect(&emulate.tcp["meter"], Duration::from_secs(2)).unwrap();
    let mut meter =
        device::sunspec::connect_meter(Box::new(link), device::sunspec::Framing::Tcp, "meter")
            .unwrap();
    use device::SiteMeter;
    assert_eq!(meter.identify().unwrap().serial, "MTR-0042");
    std::thread::sleep(Duration::from_millis(200));
    let r = meter.measure().unwrap();
    assert_eq!(r.model, 202);
    assert!((r.voltage_v - 240.0).abs() < 1.0, "{r:?}");
    assert!((r.frequency_hz - 60.0).abs() < 0.1, "{r:?}");
    assert_eq!(emulate.stop(), Some(0));
}
