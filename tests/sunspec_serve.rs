//! Serving in real time: the driver over a real pseudo-terminal (RTU) and
//! over a real TCP socket, and the plant kept at wall-clock time.

use std::sync::{Arc, Mutex};
use std::time::Duration;
use v2x_hil::der::{AntiIslanding, EnterService, TripSettings};
use v2x_hil::device::sunspec::{connect, Framing};
use v2x_hil::device::{Charger, Identity};
use v2x_hil::emulator::serve::{open_pty, run_realtime, serve_pty, serve_tcp, MakeInstrument};
use v2x_hil::emulator::sunspec::charger_instrument;
use v2x_hil::emulator::{lock_plant, SharedPlant};
use v2x_hil::plant::{InverterConfig, Plant, PlantConfig};
use v2x_hil::transport::serial::SerialLink;
use v2x_hil::transport::tcp::TcpLink;

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

fn make(framing: Framing) -> MakeInstrument {
    Arc::new(move || {
        charger_instrument(
            framing,
            Identity {
                manufacturer: "V2X-HIL".into(),
                model: "pty".into(),
                serial: "1".into(),
                firmware: "1".into(),
            },
        )
    })
}

#[test]
fn driver_over_a_pseudo_terminal() {
    let p = plant();
    let (master, slave_path) = open_pty().expect("open pty");
    assert!(slave_path.starts_with("/dev/"));
    let _server = serve_pty(master, make(Framing::Rtu { unit_id: 3 }), p.clone()).unwrap();
    let link = SerialLink::open(&slave_path, 115_200).expect("open slave");
    let mut c = connect(Box::new(link), Framing::Rtu { unit_id: 3 }, "pty charger").unwrap();
    let ids: Vec<u16> = c.models().iter().map(|m| m.0).collect();
    assert_eq!(ids, vec![1, 701, 702, 703, 704, 707, 708, 709, 710]);
    c.set_power_w(2500.0).unwrap();
    assert_eq!(lock_plant(&p).inverter_status().power_setpoint_w, 2500.0);
}

#[test]
fn driver_over_tcp_with_the_plant_in_real_time() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let p = plant();
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    rt.spawn(serve_tcp(listener, make(Framing::Tcp), p.clone()));
    let t0 = lock_plant(&p).now();
    let clock = rt.spawn(run_realtime(p.clone(), Duration::from_millis(5)));
    let link = TcpLink::connect(&addr.to_string(), Duration::from_secs(2)).unwrap();
    let mut c = connect(Box::new(link), Framing::Tcp, "tcp charger").unwrap();
    assert!(c.anti_islanding_enabled().unwrap());
    c.set_anti_islanding(false).unwrap();
    assert!(!lock_plant(&p).anti_islanding().enabled);
    let wall = std::time::Instant::now();
    std::thread::sleep(Duration::from_millis(300));
    let sim = lock_plant(&p).now() - t0;
    let elapsed = wall.elapsed();
    // The plant follows the wall clock (loosely: a debug build on a busy
    // machine may integrate slower than real time).
    assert!(sim >= Duration::from_millis(100), "plant at {sim:?}");
    assert!(
        sim <= elapsed + Duration::from_secs(1),
        "plant ahead: {sim:?}"
    );
    clock.abort();
    rt.shutdown_background();
}
