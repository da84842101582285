//! What probe-rs knows, without touching hardware: the probe kinds and USB
//! ids it searches, the chips in its built-in target list, and each chip's
//! flash as a [`MemoryMap`] for the checks made before anything is erased.

use super::ProbeError;
use crate::firmware::verify::{FlashRegion, MemoryMap};
use probe_rs::config::{Registry, RegistryError, Target};
use probe_rs::probe::{self as pr, DebugProbeSelector};

/// What probe-rs 0.32 searches for: one line per driver it registers
/// (`probe_rs::probe::DRIVERS`), with the USB ids each driver matches
/// (taken from that driver's source). Names come from the drivers themselves.
pub fn looked_for() -> Vec<String> {
    vec![
        format!(
            "{} v2 (USB bulk): any USB device whose product or interface string says \
             CMSIS-DAP (e.g. Raspberry Pi Debug Probe 2e8a:000c, DAPLink 0d28:0204); \
             HID-only v1 probes are not built in (no hidapi)",
            pr::cmsisdap::CmsisDapFactory
        ),
        format!(
            "{} V2/V2-1/V3/V3PWR: USB 0483:3748, 374b, 374a, 3742, 3752, 374e, 374f, 3753, 3754, 3757",
            pr::stlink::StLinkFactory
        ),
        format!(
            "SEGGER {}: USB 1366:0101-0105, 0107, 0108, and 1366:1xxx (J-Link driver or WinUSB)",
            pr::jlink::JLinkFactory
        ),
        format!(
            "{} MPSSE JTAG: USB 0403:6010 (FT2232), 0403:6011 (FT4232H), 0403:6014 (FT232H), \
             Olimex 15ba:0003, 0004, 002a, 002b",
            pr::ftdi::FtdiProbeFactory
        ),
        format!(
            "{}: USB 1d50:6018 (GDB serial port)",
            pr::blackmagic::BlackMagicProbeFactory
        ),
        format!("{} (WCH-Link): USB 1a86:8010", pr::wlink::WchLinkFactory),
        format!(
            "{} (CH347 USB-JTAG): USB 1a86:55dd, 55de, 55e8",
            pr::ch347usbjtag::Ch347UsbJtagFactory
        ),
        format!("{}: USB 20b7:9db1", pr::glasgow::GlasgowFactory),
        format!(
            "{}: USB serial ports whose product string says SiFli",
            pr::sifliuart::SifliUartFactory
        ),
        // ESP32 built-in USB-JTAG (303a:1001) has no driver in probe-rs 0.32.
        "ESP USB-JTAG (303a:1001): not a probe-rs 0.32 driver, not searched".into(),
    ]
}

/// Resolves `chip` in probe-rs's built-in target list (exact or unique prefix).
pub fn resolve_chip(chip: &str) -> Result<Target, ProbeError> {
    if chip.trim().is_empty() {
        return Err(ProbeError::UnknownChip(
            "no target chip named (the rig must name one, e.g. STM32G474RETx)".into(),
        ));
    }
    let registry = Registry::from_builtin_families();
    registry.get_target_by_name(chip).map_err(|e| match e {
        RegistryError::ChipNotFound(_) => {
            let mut near = registry.search_chips(chip);
            near.dedup();
            let hint = if near.is_empty() {
                String::new()
            } else {
                format!(" (did you mean {}?)", first_few(&near))
            };
            ProbeError::UnknownChip(format!("{chip:?} is not in probe-rs's target list{hint}"))
        }
        RegistryError::ChipNotUnique(_, _) => {
            let mut near = registry.search_chips(chip);
            near.dedup();
            ProbeError::UnknownChip(format!(
                "{chip:?} names more than one chip: {}",
                first_few(&near)
            ))
        }
        other => ProbeError::UnknownChip(format!("{chip:?}: {other}")),
    })
}

/// At most five names, then how many more.
fn first_few(names: &[String]) -> String {
    let shown = names.iter().take(5).cloned().collect::<Vec<_>>().join(", ");
    match names.len().saturating_sub(5) {
        0 => shown,
        more => format!("{shown} and {more} more"),
    }
}

/// The chip's non-volatile memory as a [`MemoryMap`], so an image can be
/// checked against the target before anything is erased (issue 4 §1).
/// Aliases and regions past 4 GiB are left out. `sector_size` is the
/// smallest sector the chip's flash algorithms declare for the region,
/// reduced (gcd) until it divides the region's start and length.
pub fn memory_map_of(target: &Target) -> MemoryMap {
    let mut regions = Vec::new();
    for (i, nvm) in target
        .memory_map
        .iter()
        .filter_map(|r| r.as_nvm_region())
        .filter(|r| !r.is_alias)
        .enumerate()
    {
        let (Ok(start), Ok(length)) = (
            u32::try_from(nvm.range.start),
            u32::try_from(nvm.range.end.saturating_sub(nvm.range.start)),
        ) else {
            continue;
        };
        if length == 0 || u64::from(start) + u64::from(length) > 1 << 32 {
            continue;
        }
        let smallest = target
            .flash_algorithms
            .iter()
            .map(|a| &a.flash_properties)
            .filter(|p| {
                p.address_range.start < nvm.range.end && nvm.range.start < p.address_range.end
            })
            .flat_map(|p| p.sectors.iter().map(|s| s.size))
            .filter(|&s| s > 0)
            .min()
            .and_then(|s| u32::try_from(s).ok())
            .unwrap_or(length);
        let sector_size = gcd(
            gcd(smallest, length),
            if start == 0 { length } else { start },
        );
        regions.push(FlashRegion {
            name: nvm.name.clone().unwrap_or_else(|| format!("nvm{i}")),
            start,
            length,
            sector_size,
        });
    }
    MemoryMap { regions }
}

fn gcd(a: u32, b: u32) -> u32 {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

pub(super) fn parse_selector(selector: &str) -> Result<DebugProbeSelector, ProbeError> {
    selector.parse().map_err(|e| {
        ProbeError::Probe(format!(
            "probe selector {selector:?} is not VID:PID[:serial] in hex: {e}"
        ))
    })
}
#[cfg(test)]
mod tests {
    use super::*;
    use crate::device::probe::ProbeInfo;

    #[test]
    fn gcd_reduces_to_a_common_divisor() {
        assert_eq!(gcd(2048, 0x0008_0000), 2048);
        assert_eq!(gcd(0x1000, 0x1800), 0x800);
        assert_eq!(gcd(7, 0), 7);
    }

    #[test]
    fn selector_round_trip_and_refusal() {
        let info = ProbeInfo {
            identifier: "STLink V3".into(),
            vendor_id: 0x0483,
            product_id: 0x374e,
            serial: Some("0035003F".into()),
        };
        assert_eq!(info.selector(), "0483:374e:0035003F");
        let s = parse_selector(&info.selector()).unwrap();
        assert_eq!((s.vendor_id, s.product_id), (0x0483, 0x374e));
        assert_eq!(s.serial_number.as_deref(), Some("0035003F"));
        assert!(matches!(
            parse_selector("stlink"),
            Err(ProbeError::Probe(_))
        ));
        assert!(matches!(parse_selector("zz:1"), Err(ProbeError::Probe(_))));
    }

    #[test]
    fn chips_resolve_from_the_builtin_list() {
        let g474 = resolve_chip("STM32G474RETx").unwrap();
        assert_eq!(g474.name, "STM32G474RETx");
        // STM32G474xE datasheet (DS12288): 512 KiB of flash at 0x0800_0000.
        let map = memory_map_of(&g474);
        map.validate().unwrap();
        let main = map.region_at(0x0800_0000).expect("main flash mapped");
        assert_eq!(main.start, 0x0800_0000);
        assert!(main.end() >= 0x0808_0000, "{map:?}");
        assert!(
            main.sector_size >= 2048 && main.start.is_multiple_of(main.sector_size),
            "{map:?}"
        );
        match resolve_chip("NOT-A-CHIP-9000") {
            Err(ProbeError::UnknownChip(m)) => assert!(m.contains("NOT-A-CHIP-9000"), "{m}"),
            other => panic!("expected UnknownChip, got {other:?}"),
        }
        // A prefix shared by many chips is refused with a short list, not thousands.
        match resolve_chip("STM32") {
            Err(ProbeError::UnknownChip(m)) => {
                assert!(m.contains("more than one") && m.contains("more"), "{m}");
                assert!(m.len() < 300, "{m}");
            }
            other => panic!("expected UnknownChip, got {other:?}"),
        }
        assert!(matches!(resolve_chip(" "), Err(ProbeError::UnknownChip(_))));
    }
}
