//! Firmware updates through the emulated charger's UDS bootloader: a good
//! image goes on and its version reads back; an update cut off mid-transfer
//! leaves the charger in its bootloader and the same update run again
//! completes; refused images never reach the wire (exit 2).

mod common;

use std::ops::ControlFlow;
use std::path::PathBuf;
use std::process::Command;
use v2x_hil::device::flasher::FlashPhase;
use v2x_hil::exec::firmware::verify_for_rig;
use v2x_hil::firmware::verify::VerifiedImage;
use v2x_hil::model::Role;
use v2x_hil::rig::{connect_with, ConnectOptions};
use v2x_hil::transport::can::emulated::FaultAction;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The image as `v2x-hil flash` checks it against the rig.
fn verified(rig: &v2x_hil::model::Rig, image: &str) -> VerifiedImage {
    let fw = rig.devices_with_role(Role::Charger)[0]
        .1
        .firmware
        .clone()
        .unwrap();
    verify_for_rig(&fw, &root().join(image), None, None).unwrap()
}

/// The emulated rig with its charger's bootloader connected.
fn connect_flashing(rig: &v2x_hil::model::Rig) -> v2x_hil::rig::Connection {
    let options = ConnectOptions {
        open_flasher: true,
        ..Default::default()
    };
    connect_with(rig, &options).unwrap()
}

#[test]
fn a_signed_image_is_flashed_and_its_version_read_back() {
    let rig = v2x_hil::model::load_rig(&root().join("rigs/emulated.yaml")).unwrap();
    let image = verified(&rig, "fixtures/firmware/v2x-charger-1.1.0.elf");
    let mut c = connect_flashing(&rig);
    let flasher = c.rig.devices.flasher.as_mut().unwrap();
    let mut phases = Vec::new();
    let report = flasher
        .flash(&image, &mut |p| {
            if phases.last() != Some(&p.phase) {
                phases.push(p.phase);
            }
            ControlFlow::Continue(())
        })
        .unwrap();
    assert_eq!(report.version_before, "1.0.0");
    assert_eq!(report.version_after, "1.1.0");
    assert_eq!(report.bytes, image.image().total_size());
    assert_eq!(
        phases,
        [
            FlashPhase::Prepare,
            FlashPhase::Erase,
            FlashPhase::Program,
            FlashPhase::Check,
            FlashPhase::Reset
        ]
    );
    let status = c.emulation.as_ref().unwrap().bootloader.clone().unwrap();
    assert_eq!(
        status.lock().unwrap().running_version.as_deref(),
        Some("1.1.0")
    );
}

#[test]
fn an_interrupted_update_stays_in_the_bootloader_and_a_rerun_completes() {
    let rig = v2x_hil::model::load_rig(&root().join("rigs/emulated.yaml")).unwrap();
    let image = verified(&rig, "fixtures/firmware/v2x-charger-1.1.0.hex");
    let mut c = connect_flashing(&rig);
    let emulation = c.emulation.take().unwrap();
    let bus = emulation.firmware_bus().unwrap();
    // The cable is pulled halfway through the download: from then on nothing
    // crosses the bus.
    let mut frames = 0u32;
    bus.set_fault_hook(Some(Box::new(
        move |_f: &v2x_hil::transport::can::CanFrame| {
            frames += 1;
            if frames > 800 {
                FaultAction::Drop
            } else {
                FaultAction::Deliver
            }
        },
    )));
    let flasher = c.rig.devices.flasher.as_mut().unwrap();
    let first = flasher.flash(&image, &mut |_| ControlFlow::Continue(()));
    assert!(first.is_err(), "{first:?}");
    let status = emulation.bootloader.clone().unwrap();
    {
        let s = status.lock().unwrap();
        assert_eq!(s.running_version, None, "left in the bootloader");
        assert!(s.bytes_programmed > 0 && s.bytes_programmed < image.image().total_size());
    }
    // Cable back: the same update completes.
    bus.set_fault_hook(None);
    let report = flasher
        .flash(&image, &mut |_| ControlFlow::Continue(()))
        .unwrap();
    assert_eq!(report.version_before, "BOOTLOADER");
    assert_eq!(report.version_after, "1.1.0");
    assert_eq!(
        status.lock().unwrap().running_version.as_deref(),
        Some("1.1.0")
    );
}

fn v2x(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_v2x-hil"))
        .args(args)
        .current_dir(root())
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

#[test]
fn the_flash_command_updates_and_refuses_bad_images_with_exit_2() {
    let out = v2x(&["flash", "fixtures/firmware/v2x-charger-1.1.0.hex", "--json"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["version_after"], "1.1.0");
    for (image, check) in [
        (
            "fixtures/firmware/v2x-charger-1.1.0-tampered.elf",
            "signature check failed",
        ),
        (
            "fixtures/firmware/v2x-charger-outside-map.hex",
            "memory map check failed",
        ),
    ] {
        let out = v2x(&["flash", image]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(err.contains(check), "{err}");
    }
    let wrong = "0".repeat(64);
    let out = v2x(&[
        "flash",
        "fixtures/firmware/v2x-charger-1.1.0.hex",
        "--expect-sha256",
        &wrong,
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("SHA-256 check failed"), "{err}");
}

#[test]
fn a_plan_flash_step_records_the_version_read_back() {
    let out = v2x(&["run", "test-plans/firmware-update.yaml", "--json"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let flash = &doc["tests"][0]["flashes"][0];
    assert_eq!(flash["version_before"], "1.0.0");
    assert_eq!(flash["version_after"], "1.1.0");
    assert_eq!(
        flash["sha256"],
        "1c3f3aae17a80a47f6d80fa2ea0975e5d4257b25a7383cb5ab2d0fd366d50e33"
    );
}

#[test]
fn flashing_through_a_probe_with_none_attached_says_so_with_exit_3() {
    let test = "flashing_through_a_probe_with_none_attached_says_so_with_exit_3";
    if !cfg!(feature = "probe-rs") {
        common::expected_skip(test, "built without the probe-rs feature");
        return;
    }
    if !v2x_hil_has_no_probe() {
        common::expected_skip(
            test,
            "a debug probe is attached: this test is for machines without one",
        );
        return;
    }
    let out = v2x(&[
        "flash",
        "--rig",
        "fixtures/rigs/probe-bench.yaml",
        "fixtures/firmware/v2x-charger-1.1.0.hex",
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(err.contains("no debug probe found"), "{err}");
    assert!(err.contains("ST-LINK") || err.contains("ST-Link"), "{err}");
}

#[cfg(feature = "probe-rs")]
fn v2x_hil_has_no_probe() -> bool {
    v2x_hil::device::probe::list_probes().is_empty()
}

#[cfg(not(feature = "probe-rs"))]
fn v2x_hil_has_no_probe() -> bool {
    true
}
