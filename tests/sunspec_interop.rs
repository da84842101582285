//! Third-party interop: pysunspec2 (SunSpec Alliance's Python client) scans
//! the emulated charger and the emulated site meter, each served on a real
//! 127.0.0.1 TCP port by `serve_tcp`.
//! Needs python3 with pysunspec2 (.ci/python-requirements.txt); without it
//! each test skips through `common::skip`, which fails it under CI=true.

mod common;

use std::path::Path;
use std::process::Command;
use std::sync::{Arc, Mutex};
use v2x_hil::der::{AntiIslanding, EnterService, TripSettings};
use v2x_hil::device::Identity;
use v2x_hil::emulator::serve::{serve_tcp, MakeInstrument};
use v2x_hil::emulator::sunspec::{charger_instrument, Framing};
use v2x_hil::emulator::{lock_plant, SharedPlant};
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

fn num(v: &serde_json::Value) -> f64 {
    v.as_f64().unwrap_or(f64::NAN)
}

#[test]
fn pysunspec2_scans_the_emulated_charger() {
    let Some(python) = common::python(
        "pysunspec2_scans_the_emulated_charger",
        &["sunspec2.modbus.client"],
    ) else {
        return;
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let plant = plant();
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let port = listener.local_addr().unwrap().port();
    let make: MakeInstrument = Arc::new(|| {
        charger_instrument(
            Framing::Tcp,
            Identity {
                manufacturer: "V2X-HIL".into(),
                model: "EmuCharger 11k5".into(),
                serial: "SN-424242".into(),
                firmware: "2.1.0".into(),
            },
        )
    });
    rt.spawn(serve_tcp(listener, make, plant.clone()));

    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/sunspec_scan.py");
    let out = Command::new(&python)
        .arg(&script)
        .args(["127.0.0.1", &port.to_string()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "pysunspec2 scan failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let ids: Vec<u64> = v["ids"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|x| x.as_u64())
        .collect();
    assert_eq!(ids, vec![1, 701, 702, 703, 704, 707, 708, 709, 710]);
    assert_eq!(v["Mn"], "V2X-HIL");
    assert_eq!(v["Md"], "EmuCharger 11k5");
    assert_eq!(v["SN"], "SN-424242");
    assert_eq!(v["Vr"], "2.1.0");
    assert_eq!(num(&v["WMaxRtg"]), 11500.0);
    assert!((num(&v["VNomRtg"]) - 240.0).abs() < 1e-6);
    assert!((num(&v["Hz"]) - 60.0).abs() < 1e-6);
    assert!((num(&v["LNV"]) - 240.0).abs() < 1e-6);
    assert!(v["VA"].is_null(), "not-implemented VA must decode as None");
    assert!((num(&v["ESVHi"]) - 105.0).abs() < 1e-6);
    assert_eq!(num(&v["ESDlyTms"]), 300.0);
    // Cat II OV1 1.10 pu / 2 s, OV2 1.20 pu / 0.16 s as must-trip points.
    assert_eq!(num(&v["HV_ActPt"]), 2.0);
    let hv_v: Vec<f64> = v["HV_V"].as_array().unwrap().iter().map(num).collect();
    let hv_t: Vec<f64> = v["HV_Tms"].as_array().unwrap().iter().map(num).collect();
    assert!((hv_v[0] - 110.0).abs() < 1e-6 && (hv_v[1] - 120.0).abs() < 1e-6);
    assert!((hv_t[0] - 2.0).abs() < 1e-6 && (hv_t[1] - 0.16).abs() < 1e-6);
    let hf: Vec<f64> = v["HF_Hz"].as_array().unwrap().iter().map(num).collect();
    assert!((hf[0] - 61.2).abs() < 1e-6 && (hf[1] - 62.0).abs() < 1e-6);
    // The third-party write reached the plant.
    assert_eq!(num(&v["AntiIslEna_after_write"]), 0.0);
    assert!(!lock_plant(&plant).anti_islanding().enabled);
    rt.shutdown_background();
}

/// pysunspec2 scans the emulated site meter (models 1 + 202) on a real
/// TCP port and reads the same W, V and Hz as our `sunspec-meter` driver,
/// with the charger exporting 5 kW (the meter reads it negative: import
/// positive).
#[test]
fn pysunspec2_reads_the_emulated_meter() {
    use v2x_hil::device::SiteMeter;
    use v2x_hil::emulator::sunspec::meter_instrument;
    use v2x_hil::model::CtReversed;
    use v2x_hil::protocol::sunspec::meter::MeterModel;
    let Some(python) = common::python(
        "pysunspec2_reads_the_emulated_meter",
        &["sunspec2.modbus.client"],
    ) else {
        return;
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let plant = plant();
    {
        let mut p = lock_plant(&plant);
        p.set_power_setpoint_w(5000.0);
        p.advance(std::time::Duration::from_secs(2));
    }
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let port = listener.local_addr().unwrap().port();
    let make: MakeInstrument = Arc::new(|| {
        let identity = Identity {
            manufacturer: "ACME Metering".into(),
            model: "CT-202".into(),
            serial: "MTR-0042".into(),
            firmware: "2.3.1".into(),
        };
        meter_instrument(
            Framing::Tcp,
            identity,
            MeterModel::SplitPhase,
            CtReversed::None,
        )
    });
    rt.spawn(serve_tcp(listener, make, plant.clone()));

    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/sunspec_meter_scan.py");
    let out = Command::new(&python)
        .arg(&script)
        .args(["127.0.0.1", &port.to_string()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "pysunspec2 meter scan failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["ids"], serde_json::json!([1, 202]));
    assert_eq!(v["SN"], "MTR-0042");

    let addr = format!("127.0.0.1:{port}");
    let link = v2x_hil::transport::tcp::TcpLink::connect(&addr, std::time::Duration::from_secs(2))
        .unwrap();
    let mut meter =
        v2x_hil::device::sunspec::connect_meter(Box::new(link), Framing::Tcp, "meter").unwrap();
    let ours = meter.measure().unwrap();
    // The same registers, decoded by two implementations.
    assert_eq!(num(&v["W"]), ours.power_w);
    assert_eq!(num(&v["PPV"]), ours.voltage_v);
    assert_eq!(num(&v["Hz"]), ours.frequency_hz);
    assert_eq!(num(&v["A"]), ours.current_a);
    assert_eq!(num(&v["WphA"]), ours.phases[0].power_w.unwrap());
    assert_eq!(num(&v["PhVphB"]), ours.phases[1].voltage_v.unwrap());
    // And they are the plant's: the grid absorbs the 5 kW export.
    let grid_w = lock_plant(&plant).measure().grid_power_w;
    assert!(
        (ours.power_w - grid_w).abs() <= 10.0,
        "{ours:?} vs {grid_w}"
    );
    assert!(ours.power_w < -4900.0, "{ours:?}");
    assert!((num(&v["PhV"]) - 120.0).abs() < 0.5, "{v}");
    // Not emulated: energy is "not accumulated", PF not implemented.
    assert!(v["TotWhImp"].is_null() && v["PF"].is_null(), "{v}");
    assert_eq!(num(&v["Evt"]), 0.0);
    rt.shutdown_background();
}
