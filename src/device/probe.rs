//! Flashing through a debug probe with probe-rs (issue 4 §3): lists the
//! probes probe-rs can drive, attaches to the chip the rig names, writes a
//! verified image with the chip's flash algorithm, verifies it by reading it
//! back, resets the core and reads the V2XF header back from flash so the
//! version that now sits on the chip is reported, as the UDS path does.
//!
//! Without a probe [`ProbeFlasher::open`] returns [`ProbeError::NoProbe`],
//! whose message lists every probe kind and USB id that was searched, so the
//! command can say so plainly (exit 3).

use super::flasher::{FlashPhase, FlashProgress, FlashReport, Flasher};
use super::{DeviceError, Identity};
use crate::firmware::header::FirmwareHeader;
use crate::firmware::verify::{MemoryMap, VerifiedImage};
use crate::firmware::HEADER_LEN;
use probe_rs::flashing::{DownloadOptions, ProgressEvent, ProgressOperation};
use probe_rs::probe::list::{Accessibility, Lister};
use probe_rs::{MemoryInterface, Permissions, Session};
use std::time::{Duration, Instant};
use thiserror::Error;

mod catalog;
use catalog::parse_selector;
pub use catalog::{looked_for, memory_map_of, resolve_chip};

/// One debug probe seen on USB (or on a serial port, for Black Magic Probe).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ProbeInfo {
    pub identifier: String,
    pub vendor_id: u16,
    pub product_id: u16,
    pub serial: Option<String>,
}

impl ProbeInfo {
    /// `VID:PID[:serial]`, the form [`ProbeFlasher::open`] takes as selector.
    pub fn selector(&self) -> String {
        let ids = format!("{:04x}:{:04x}", self.vendor_id, self.product_id);
        match &self.serial {
            Some(s) => format!("{ids}:{s}"),
            None => ids,
        }
    }
}

#[derive(Debug, Error)]
pub enum ProbeError {
    #[error("no debug probe found; looked for:\n  - {}\nnone answered (check the USB cable, and on Linux the udev rules for the probe)", looked_for.join("\n  - "))]
    NoProbe { looked_for: Vec<String> },
    #[error("unknown target chip: {0}")]
    UnknownChip(String),
    #[error("debug probe: {0}")]
    Probe(String),
    #[error("flash: {0}")]
    Flash(String),
    /// Stopped on request before anything was written (probe-rs cannot
    /// stop a flash once it has begun).
    #[error("stopped before anything was written")]
    Stopped,
}

/// For callers that hold a `DeviceError`: a missing probe or unknown chip
/// is a setup problem (`Unsupported`), a failing probe or flash a
/// `Protocol` error.
impl From<ProbeError> for DeviceError {
    fn from(e: ProbeError) -> DeviceError {
        let device = "debug probe".to_string();
        match e {
            ProbeError::NoProbe { .. } | ProbeError::UnknownChip(_) => DeviceError::Unsupported {
                device,
                detail: e.to_string(),
            },
            ProbeError::Probe(_) | ProbeError::Flash(_) => DeviceError::Protocol {
                device,
                detail: e.to_string(),
            },
            ProbeError::Stopped => DeviceError::Stopped {
                device,
                detail: e.to_string(),
            },
        }
    }
}

/// Every probe attached to this machine that probe-rs can drive.
pub fn list_probes() -> Vec<ProbeInfo> {
    Lister::new()
        .list_all()
        .into_iter()
        .map(|p| ProbeInfo {
            identifier: p.identifier,
            vendor_id: p.vendor_id,
            product_id: p.product_id,
            serial: p.serial_number,
        })
        .collect()
}

/// A chip attached through a debug probe.
pub struct ProbeFlasher {
    session: Session,
    chip: String,
    probe: String,
}

impl std::fmt::Debug for ProbeFlasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProbeFlasher")
            .field("chip", &self.chip)
            .field("probe", &self.probe)
            .finish_non_exhaustive()
    }
}

impl ProbeFlasher {
    /// Attaches to `chip` (a probe-rs target name such as `STM32G474RETx`)
    /// through the first probe found, or the one `selector` (`VID:PID[:serial]`,
    /// hex) names. The chip name is checked before any probe is searched.
    pub fn open(chip: &str, selector: Option<&str>) -> Result<ProbeFlasher, ProbeError> {
        let target = resolve_chip(chip)?;
        let selector = selector.map(parse_selector).transpose()?;
        let lister = Lister::new();
        let found = lister.list_with_access(selector.as_ref());
        let Some(item) = found.first() else {
            let mut looked_for = looked_for();
            if let Some(s) = &selector {
                looked_for.insert(0, format!("only the probe matching {s}, among:"));
            }
            return Err(ProbeError::NoProbe { looked_for });
        };
        let info = item.info.clone();
        let probe_name = format!(
            "{} ({:04x}:{:04x}{})",
            info.identifier,
            info.vendor_id,
            info.product_id,
            info.serial_number
                .as_deref()
                .map(|s| format!(":{s}"))
                .unwrap_or_default()
        );
        if item.accessibility == Accessibility::PermissionDenied {
            return Err(ProbeError::Probe(format!(
                "{probe_name} is attached but this user may not open it (install the probe's udev rules)"
            )));
        }
        let probe = info
            .open()
            .map_err(|e| ProbeError::Probe(format!("open {probe_name}: {e}")))?;
        let chip_name = target.name.clone();
        let session = probe.attach(target, Permissions::default()).map_err(|e| {
            ProbeError::Probe(format!("attach to {chip_name} via {probe_name}: {e}"))
        })?;
        Ok(ProbeFlasher {
            session,
            chip: chip_name,
            probe: probe_name,
        })
    }

    /// The probe-rs target name attached to.
    pub fn chip(&self) -> &str {
        &self.chip
    }

    /// The attached chip's flash, for [`crate::firmware::verify`].
    pub fn memory_map(&self) -> MemoryMap {
        memory_map_of(self.session.target())
    }

    /// The probe, as `identifier (VID:PID[:serial])`.
    pub fn probe(&self) -> &str {
        &self.probe
    }

    /// Reads `len` bytes at `address` through core 0's memory interface;
    /// if the core refuses while running (RISC-V without system-bus access),
    /// reads again with all cores halted, which resumes them afterwards.
    fn read_memory(&mut self, address: u64, len: usize) -> Result<Vec<u8>, probe_rs::Error> {
        let mut buf = vec![0u8; len];
        let direct = self
            .session
            .core(0)
            .and_then(|mut core| core.read_8(address, &mut buf));
        if direct.is_ok() {
            return Ok(buf);
        }
        self.session.halted_access(|s| {
            let mut core = s.core(0)?;
            core.read_8(address, &mut buf)
        })?;
        Ok(buf)
    }

    /// The V2XF header at `address`, read from the chip.
    fn read_header(&mut self, address: u64) -> Result<FirmwareHeader, String> {
        let bytes = self
            .read_memory(address, HEADER_LEN)
            .map_err(|e| format!("read 0x{address:08X}: {e}"))?;
        FirmwareHeader::parse(&bytes).map_err(|e| e.to_string())
    }
}

/// Accumulates probe-rs flash progress events into [`FlashProgress`] per
/// phase: totals come from the `AddProgressBar` events (one per flash
/// algorithm, so they add up), done bytes from `Progress` events.
#[derive(Default)]
struct PhaseTally {
    total: [u64; 4],
    done: [u64; 4],
    program_time: Duration,
}

fn slot(op: ProgressOperation) -> (usize, FlashPhase) {
    match op {
        // Fill reads sectors back to keep unwritten bytes: preparation.
        ProgressOperation::Fill => (0, FlashPhase::Prepare),
        ProgressOperation::Erase => (1, FlashPhase::Erase),
        ProgressOperation::Program => (2, FlashPhase::Program),
        ProgressOperation::Verify => (3, FlashPhase::Check),
    }
}

impl PhaseTally {
    fn on_event(&mut self, event: ProgressEvent) -> Option<FlashProgress> {
        let (op, bytes) = match event {
            ProgressEvent::AddProgressBar { operation, total } => {
                let (i, _) = slot(operation);
                self.total[i] += total.unwrap_or(0);
                return None;
            }
            ProgressEvent::Started(op) => (op, 0),
            ProgressEvent::Progress {
                operation,
                size,
                time,
            } => {
                if matches!(operation, ProgressOperation::Program) {
                    self.program_time += time;
                }
                (operation, size)
            }
            ProgressEvent::Finished(op) => {
                let (i, _) = slot(op);
                self.done[i] = self.done[i].max(self.total[i]);
                (op, 0)
            }
            _ => return None,
        };
        let (i, phase) = slot(op);
        self.done[i] += bytes;
        Some(FlashProgress {
            phase,
            done_bytes: self.done[i],
            total_bytes: self.total[i].max(self.done[i]),
        })
    }
}

impl Flasher for ProbeFlasher {
    /// `model` is the chip, `serial` the probe; the firmware version is only
    /// known once an image names its start address (see [`Flasher::flash`]).
    fn identify(&mut self) -> Result<Identity, DeviceError> {
        Ok(Identity {
            manufacturer: String::new(),
            model: self.chip.clone(),
            serial: self.probe.clone(),
            firmware: String::new(),
        })
    }

    fn flash(
        &mut self,
        image: &VerifiedImage,
        progress: &mut dyn FnMut(FlashProgress) -> std::ops::ControlFlow<()>,
    ) -> Result<FlashReport, DeviceError> {
        let device = format!("{} via {}", self.chip, self.probe);
        self.flash_image(image, progress).map_err(|e| match e {
            ProbeError::Stopped => DeviceError::Stopped {
                device,
                detail: e.to_string(),
            },
            e => DeviceError::Protocol {
                device,
                detail: e.to_string(),
            },
        })
    }
}

impl ProbeFlasher {
    /// [`Flasher::flash`] with the probe's own error type: `Flash` when
    /// the image cannot be placed, written or verified or the version read
    /// back is not the image's, `Probe` when the probe or core fails.
    pub fn flash_image(
        &mut self,
        image: &VerifiedImage,
        progress: &mut dyn FnMut(FlashProgress) -> std::ops::ControlFlow<()>,
    ) -> Result<FlashReport, ProbeError> {
        let started = Instant::now();
        let total = image.image().total_size();
        let prepare = progress(FlashProgress {
            phase: FlashPhase::Prepare,
            done_bytes: 0,
            total_bytes: total,
        });
        if prepare.is_break() {
            return Err(ProbeError::Stopped);
        }
        let start = u64::from(image.image().start_address());
        let version_before = self
            .read_header(start)
            .map(|h| h.version)
            .unwrap_or_else(|_| "unknown".into());

        let mut loader = self.session.target().flash_loader();
        for seg in image.image().segments() {
            loader
                .add_data(u64::from(seg.address), &seg.data)
                .map_err(|e| {
                    ProbeError::Flash(format!(
                        "segment at 0x{:08X}+{} does not fit {}'s flash: {e}",
                        seg.address,
                        seg.data.len(),
                        self.chip
                    ))
                })?;
        }
        let mut tally = PhaseTally::default();
        let committed = {
            let mut options = DownloadOptions::default();
            // Bytes of touched sectors that the image leaves out read back
            // erased (0xFF), which is what the image model and the header's
            // payload CRC assume (firmware::header, check_image).
            options.keep_unwritten_bytes = false;
            options.verify = true;
            options.progress = probe_rs::flashing::FlashProgress::new(|event| {
                // Once begun, the commit runs to its end: nothing to stop.
                if let Some(p) = tally.on_event(event) {
                    let _ = progress(p);
                }
            });
            loader.commit(&mut self.session, options)
        };
        committed.map_err(|e| ProbeError::Flash(format!("erase, program or verify: {e}")))?;

        let _ = progress(FlashProgress {
            phase: FlashPhase::Reset,
            done_bytes: total,
            total_bytes: total,
        });
        self.session
            .core(0)
            .and_then(|mut core| core.reset())
            .map_err(|e| ProbeError::Probe(format!("reset core 0 of {}: {e}", self.chip)))?;

        let read_back = self.read_header(start);
        let version_after = match (image.header(), read_back) {
            (Some(expected), Ok(h)) if h.version == expected.version => h.version,
            (Some(expected), Ok(h)) => {
                return Err(ProbeError::Flash(format!(
                    "after the reset flash holds version {}, not the image's {}",
                    h.version, expected.version
                )))
            }
            (Some(_), Err(e)) => {
                return Err(ProbeError::Flash(format!(
                    "read the V2XF header back at 0x{start:08X} after the reset: {e}"
                )))
            }
            (None, Ok(h)) => h.version,
            (None, Err(_)) => "unknown".into(),
        };
        let program_s = tally.program_time.as_secs_f64();
        Ok(FlashReport {
            version_before,
            version_after,
            bytes: total,
            sha256: image.sha256_hex(),
            duration_s: started.elapsed().as_secs_f64(),
            transfer_rate_bps: if program_s > 0.0 {
                total as f64 / program_s
            } else {
                0.0
            },
            response_pending: 0,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_read_plainly_and_map_to_device_errors() {
        let e = ProbeError::NoProbe {
            looked_for: vec![
                "ST-LINK: USB 0483:3748".into(),
                "J-Link: USB 1366:0101".into(),
            ],
        };
        assert_eq!(
            e.to_string(),
            "no debug probe found; looked for:\n  - ST-LINK: USB 0483:3748\n  - J-Link: USB 1366:0101\n\
             none answered (check the USB cable, and on Linux the udev rules for the probe)"
        );
        assert!(matches!(
            DeviceError::from(e),
            DeviceError::Unsupported { .. }
        ));
        match DeviceError::from(ProbeError::Flash("erase, program or verify: x".into())) {
            DeviceError::Protocol { detail, .. } => {
                assert_eq!(detail, "flash: erase, program or verify: x")
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            DeviceError::from(ProbeError::UnknownChip("x".into())),
            DeviceError::Unsupported { .. }
        ));
    }

    #[test]
    fn tally_maps_phases_and_sums_algorithm_totals() {
        let mut t = PhaseTally::default();
        for total in [4096, 2048] {
            assert!(t
                .on_event(ProgressEvent::AddProgressBar {
                    operation: ProgressOperation::Erase,
                    total: Some(total),
                })
                .is_none());
        }
        let p = t.on_event(ProgressEvent::Started(ProgressOperation::Erase));
        assert_eq!(
            p,
            Some(FlashProgress {
                phase: FlashPhase::Erase,
                done_bytes: 0,
                total_bytes: 6144
            })
        );
        let p = t
            .on_event(ProgressEvent::Progress {
                operation: ProgressOperation::Erase,
                size: 2048,
                time: Duration::from_millis(20),
            })
            .unwrap();
        assert_eq!((p.done_bytes, p.total_bytes), (2048, 6144));
        let p = t
            .on_event(ProgressEvent::Finished(ProgressOperation::Erase))
            .unwrap();
        assert_eq!(p.done_bytes, 6144);
        let p = t
            .on_event(ProgressEvent::Progress {
                operation: ProgressOperation::Program,
                size: 1024,
                time: Duration::from_millis(50),
            })
            .unwrap();
        assert_eq!(p.phase, FlashPhase::Program);
        // No bar announced: the total grows with what was done.
        assert_eq!((p.done_bytes, p.total_bytes), (1024, 1024));
        assert_eq!(t.program_time, Duration::from_millis(50));
        let p = t
            .on_event(ProgressEvent::Started(ProgressOperation::Verify))
            .unwrap();
        assert_eq!(p.phase, FlashPhase::Check);
        assert!(t
            .on_event(ProgressEvent::DiagnosticMessage {
                message: "x".into()
            })
            .is_none());
    }
}
