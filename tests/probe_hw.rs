//! probe-rs backend (issue 4 §3). On a machine without a debug probe (CI,
//! the emulated rig) the backend must say plainly that none answered and
//! what it looked for; the parts that need a probe and a chip are skipped
//! and say so. With a probe attached, set V2X_HIL_PROBE_CHIP (and
//! optionally V2X_HIL_PROBE=VID:PID[:serial]) to run the flash test against
//! real hardware: it writes a synthetic V2XF image into the chip's flash.
#![cfg(feature = "probe-rs")]

mod common;

use v2x_hil::device::flasher::{FlashPhase, Flasher};
use v2x_hil::device::probe::{list_probes, looked_for, ProbeError, ProbeFlasher};
use v2x_hil::firmware::{synthetic, ImageFile, ReadOptions, VerifyPolicy};

const SKIP: &str = "no debug probe attached (needs hardware: recorded as an expected skip)";

/// The USB ids probe-rs 0.32 drives (its drivers' tables, as
/// `looked_for()` lists them), but CMSIS-DAP, which any id may be: a
/// product id of `None` is the vendor's every product.
const PROBE_USB_IDS: &[(u16, Option<u16>)] = &[
    (0x0483, Some(0x3748)),
    (0x0483, Some(0x374b)),
    (0x0483, Some(0x374a)),
    (0x0483, Some(0x3742)),
    (0x0483, Some(0x3752)),
    (0x0483, Some(0x374e)),
    (0x0483, Some(0x374f)),
    (0x0483, Some(0x3753)),
    (0x0483, Some(0x3754)),
    (0x0483, Some(0x3757)),
    (0x1366, None),
    (0x0403, Some(0x6010)),
    (0x0403, Some(0x6011)),
    (0x0403, Some(0x6014)),
    (0x15ba, Some(0x0003)),
    (0x15ba, Some(0x0004)),
    (0x15ba, Some(0x002a)),
    (0x15ba, Some(0x002b)),
    (0x1d50, Some(0x6018)),
    (0x1a86, Some(0x8010)),
    (0x1a86, Some(0x55dd)),
    (0x1a86, Some(0x55de)),
    (0x1a86, Some(0x55e8)),
    (0x20b7, Some(0x9db1)),
];

/// Every USB device's (vendor, product) id as the kernel lists it in sysfs:
/// a view of the bus independent of probe-rs (empty without a USB bus).
fn usb_ids_from_sysfs() -> Vec<(u16, u16)> {
    let Ok(entries) = std::fs::read_dir("/sys/bus/usb/devices") else {
        return Vec::new();
    };
    let hex = |p: std::path::PathBuf| {
        let text = std::fs::read_to_string(p).ok()?;
        u16::from_str_radix(text.trim(), 16).ok()
    };
    entries
        .flatten()
        .filter_map(|e| {
            Some((
                hex(e.path().join("idVendor"))?,
                hex(e.path().join("idProduct"))?,
            ))
        })
        .collect()
}

#[test]
fn no_probe_is_reported_plainly_with_what_was_searched() {
    if !list_probes().is_empty() {
        common::expected_skip(
            "no_probe_is_reported_plainly_with_what_was_searched",
            "a debug probe is attached: this test is for machines without one",
        );
        return;
    }
    match ProbeFlasher::open("STM32G474RETx", None) {
        Err(ProbeError::NoProbe { looked_for }) => {
            let msg = ProbeError::NoProbe {
                looked_for: looked_for.clone(),
            }
            .to_string();
            println!("{msg}");
            assert!(msg.starts_with("no debug probe found"), "{msg}");
            assert!(msg.contains("none answered"), "{msg}");
            for kind in ["CMSIS-DAP", "ST-LINK", "J-Link", "FTDI", "ESP USB-JTAG"] {
                assert!(msg.contains(kind), "{kind} missing from: {msg}");
            }
            // USB ids are named, not only driver names.
            assert!(msg.contains("0483:3748"), "{msg}");
            assert!(msg.contains("1366:"), "{msg}");
            assert!(msg.contains("0403:6014"), "{msg}");
            assert_eq!(looked_for.len(), v2x_hil::device::probe::looked_for().len());
        }
        Err(other) => panic!("expected NoProbe, got {other}"),
        Ok(f) => panic!("no probe is listed, yet open succeeded: {f:?}"),
    }
}

/// probe-rs's list agrees with the kernel's view of the USB bus: empty
/// exactly when sysfs shows no device with a probe's USB id (CMSIS-DAP
/// aside, which names itself in a string, not an id); with hardware, every
/// listed probe is a device sysfs shows, with a usable selector.
#[test]
fn list_is_empty_without_a_probe() {
    let probes = list_probes();
    let usb = usb_ids_from_sysfs();
    let known: Vec<(u16, u16)> = usb
        .iter()
        .copied()
        .filter(|(v, p)| {
            PROBE_USB_IDS
                .iter()
                .any(|(kv, kp)| kv == v && kp.is_none_or(|kp| kp == *p))
        })
        .collect();
    println!(
        "{} USB device(s) in sysfs, {} with a probe's id, {} probe(s) listed",
        usb.len(),
        known.len(),
        probes.len()
    );
    if probes.is_empty() {
        assert_eq!(
            known,
            vec![],
            "sysfs shows a debug probe's USB id that list_probes() does not list"
        );
        // And the flasher agrees: nothing to open.
        assert!(matches!(
            ProbeFlasher::open("STM32G474RETx", None),
            Err(ProbeError::NoProbe { .. })
        ));
        return;
    }
    // With hardware: every listed probe carries a usable selector.
    for p in probes {
        println!("probe: {} ({})", p.identifier, p.selector());
        assert!(p.selector().starts_with(&format!("{:04x}:", p.vendor_id)));
        assert!(
            usb.contains(&(p.vendor_id, p.product_id)),
            "{} is not a USB device sysfs shows",
            p.selector()
        );
    }
}

#[test]
fn selector_that_matches_nothing_is_named() {
    // 0000:0000 is no probe's USB id, whether or not one is attached.
    match ProbeFlasher::open("STM32G474RETx", Some("0000:0000:nobody")) {
        Err(ProbeError::NoProbe { looked_for: l }) => {
            assert!(l[0].contains("0000:0000:nobody"), "{l:?}");
            assert_eq!(l.len(), looked_for().len() + 1);
        }
        other => panic!("expected NoProbe, got {other:?}"),
    }
    assert!(matches!(
        ProbeFlasher::open("STM32G474RETx", Some("not-a-selector")),
        Err(ProbeError::Probe(_))
    ));
}

#[test]
fn made_up_chip_is_refused_without_panicking() {
    for chip in [
        "FOO-BAR-CHIP-123",
        "",
        "STM32",
        "STM32G474RETxZZZ",
        "\u{0}\u{ff}",
    ] {
        match ProbeFlasher::open(chip, None) {
            Err(ProbeError::UnknownChip(m)) => println!("{chip:?}: {m}"),
            Err(ProbeError::NoProbe { .. }) => println!("{chip:?}: no probe"),
            other => panic!("{chip:?}: expected UnknownChip or NoProbe, got {other:?}"),
        }
    }
    // The chip is checked first, so a typo is reported as such even without a probe.
    assert!(matches!(
        ProbeFlasher::open("FOO-BAR-CHIP-123", None),
        Err(ProbeError::UnknownChip(_))
    ));
}

/// Flashes a synthetic image to the chip named by V2X_HIL_PROBE_CHIP at
/// V2X_HIL_PROBE_ADDR (hex, default 0x08000000), then checks the version
/// read back. Needs hardware; skipped (and says so) otherwise.
#[test]
fn flash_and_read_back_on_hardware() {
    let test = "flash_and_read_back_on_hardware";
    if list_probes().is_empty() {
        common::expected_skip(test, SKIP);
        return;
    }
    let Ok(chip) = std::env::var("V2X_HIL_PROBE_CHIP") else {
        common::expected_skip(
            test,
            "a probe is attached but V2X_HIL_PROBE_CHIP names no chip",
        );
        return;
    };
    let selector = std::env::var("V2X_HIL_PROBE").ok();
    let address = std::env::var("V2X_HIL_PROBE_ADDR")
        .ok()
        .and_then(|a| u32::from_str_radix(a.trim_start_matches("0x"), 16).ok())
        .unwrap_or(0x0800_0000);
    let mut flasher = ProbeFlasher::open(&chip, selector.as_deref()).expect("attach");
    let id = flasher.identify().unwrap();
    assert_eq!(id.model, flasher.chip());
    let version = "9.8.7-hw";
    let file = ImageFile {
        name: "hw.bin".into(),
        bytes: synthetic(version, 8192).unwrap(),
        signature: None,
    };
    let policy = VerifyPolicy {
        // The attached chip's own flash map: the image must fit it before erasing.
        memory_map: flasher.memory_map(),
        expect_sha256: None,
        signing_key: None,
        read: ReadOptions {
            format: None,
            base_address: Some(address),
        },
    };
    let verified = v2x_hil::firmware::verify(&file, &policy).expect("verify");
    assert_eq!(verified.header().map(|h| h.version.as_str()), Some(version));
    let mut phases = Vec::new();
    let report = flasher
        .flash(&verified, &mut |p| {
            phases.push(p.phase);
            std::ops::ControlFlow::Continue(())
        })
        .expect("flash");
    println!(
        "flashed {} bytes, {} -> {}",
        report.bytes, report.version_before, report.version_after
    );
    assert_eq!(report.version_after, version);
    assert_eq!(report.bytes, 8192);
    assert!(phases.contains(&FlashPhase::Program));
    assert!(phases.contains(&FlashPhase::Reset));
}
