//! The `Flasher` role: puts a verified firmware image on the charger. The
//! UDS driver runs the bootloader sequence ISO 14229-1 describes for
//! reprogramming (programming session, security access, erase, download,
//! check programming dependencies, reset) and reads the version back.

use super::uds::{KeyedXorRotate, UdsClient, UdsError};
use super::{DeviceError, Identity};
use crate::exec::clock::Clock;
use crate::firmware::verify::{MemoryMap, VerifiedImage};
use crate::protocol::uds::{reset, session, MemoryLocation};
use std::ops::ControlFlow;
use std::sync::Arc;
use std::time::Duration;

/// Where a flash operation is, for progress bars.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlashPhase {
    Prepare,
    Erase,
    Program,
    Check,
    Reset,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlashProgress {
    pub phase: FlashPhase,
    pub done_bytes: u64,
    pub total_bytes: u64,
}

/// What a flash operation did, on the rig's clock.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FlashReport {
    pub version_before: String,
    pub version_after: String,
    pub bytes: u64,
    pub sha256: String,
    pub duration_s: f64,
    /// Payload bytes per second over the download (RequestDownload to the
    /// last TransferData answer).
    pub transfer_rate_bps: f64,
    pub response_pending: u64,
}

pub trait Flasher: Send {
    fn identify(&mut self) -> Result<Identity, DeviceError>;
    /// Puts `image` on the charger. `progress` is told where the update is;
    /// when it answers `Break` the update stops at the next point where it
    /// can (`DeviceError::Stopped`; the charger stays in its bootloader and
    /// the same update run again completes it).
    fn flash(
        &mut self,
        image: &VerifiedImage,
        progress: &mut dyn FnMut(FlashProgress) -> ControlFlow<()>,
    ) -> Result<FlashReport, DeviceError>;
}

/// The charger's bootloader over UDS on CAN.
pub struct UdsFlasher {
    client: UdsClient,
    memory_map: MemoryMap,
    security: KeyedXorRotate,
    clock: Arc<dyn Clock>,
    name: String,
}

impl UdsFlasher {
    pub fn new(
        client: UdsClient,
        memory_map: MemoryMap,
        security: KeyedXorRotate,
        clock: Arc<dyn Clock>,
        name: &str,
    ) -> Self {
        UdsFlasher {
            client,
            memory_map,
            security,
            clock,
            name: name.to_string(),
        }
    }

    fn err(&self, step: &str, e: UdsError) -> DeviceError {
        match e {
            UdsError::Stopped => self.stopped(step),
            e => DeviceError::Protocol {
                device: self.name.clone(),
                detail: format!("{step}: {e}"),
            },
        }
    }

    fn stopped(&self, at: &str) -> DeviceError {
        DeviceError::Stopped {
            device: self.name.clone(),
            detail: format!(
                "at {at}; the charger stays in its bootloader until the update is run again"
            ),
        }
    }
}

/// Time the ECU takes to come back after a hard reset before it answers.
const RESET_WAIT: Duration = Duration::from_millis(200);

impl Flasher for UdsFlasher {
    fn identify(&mut self) -> Result<Identity, DeviceError> {
        let firmware = self
            .client
            .software_version()
            .map_err(|e| self.err("read F189", e))?;
        let serial = self
            .client
            .serial_number()
            .map_err(|e| self.err("read F18C", e))?;
        Ok(Identity {
            manufacturer: String::new(),
            model: "UDS bootloader".into(),
            serial,
            firmware,
        })
    }

    fn flash(
        &mut self,
        image: &VerifiedImage,
        progress: &mut dyn FnMut(FlashProgress) -> ControlFlow<()>,
    ) -> Result<FlashReport, DeviceError> {
        let started = self.clock.now();
        let total = image.image().total_size();
        let mut report = |phase, done| {
            progress(FlashProgress {
                phase,
                done_bytes: done,
                total_bytes: total,
            })
        };
        if report(FlashPhase::Prepare, 0).is_break() {
            return Err(self.stopped("the start"));
        }
        let version_before = self
            .client
            .software_version()
            .map_err(|e| self.err("read the running version (F189)", e))?;
        self.client
            .diagnostic_session_control(session::PROGRAMMING)
            .map_err(|e| self.err("enter the programming session", e))?;
        let security = self.security.clone();
        self.client
            .unlock(1, &security)
            .map_err(|e| self.err("security access", e))?;
        if report(FlashPhase::Erase, 0).is_break() {
            return Err(self.stopped("the erase"));
        }
        for r in self.memory_map.erase_ranges(image.image()) {
            self.client
                .erase_memory(MemoryLocation::u32(r.start, r.length))
                .map_err(|e| {
                    self.err(
                        &format!("erase {} 0x{:08X}+{}", r.region, r.start, r.length),
                        e,
                    )
                })?;
        }
        let transfer_start = self.clock.now();
        let mut done = 0u64;
        for seg in image.image().segments() {
            let len = u32::try_from(seg.data.len()).map_err(|_| DeviceError::Unsupported {
                device: self.name.clone(),
                detail: "a segment over 4 GiB".into(),
            })?;
            let base = done;
            self.client
                .download(
                    0x00,
                    MemoryLocation::u32(seg.address, len),
                    &seg.data,
                    &mut |sent, _| report(FlashPhase::Program, base + sent as u64),
                )
                .map_err(|e| self.err(&format!("download to 0x{:08X}", seg.address), e))?;
            done += seg.data.len() as u64;
        }
        let transfer_s = (self.clock.now() - transfer_start).as_secs_f64();
        if report(FlashPhase::Check, done).is_break() {
            return Err(self.stopped("the check routine"));
        }
        let status = self
            .client
            .check_programming_dependencies(&[])
            .map_err(|e| self.err("check programming dependencies", e))?;
        if status.first().copied().unwrap_or(1) != 0 {
            return Err(DeviceError::Instrument {
                device: self.name.clone(),
                code: 0x72,
                message:
                    "the bootloader's check routine rejected the image (still in the bootloader)"
                        .into(),
            });
        }
        if report(FlashPhase::Reset, done).is_break() {
            return Err(self.stopped("the reset"));
        }
        self.client
            .ecu_reset(reset::HARD)
            .map_err(|e| self.err("ECU reset", e))?;
        self.clock.sleep(RESET_WAIT);
        let version_after = self
            .client
            .software_version()
            .map_err(|e| self.err("read the new version (F189)", e))?;
        if let Some(h) = image.header() {
            if h.version != version_after {
                return Err(DeviceError::Instrument {
                    device: self.name.clone(),
                    code: 0,
                    message: format!(
                        "after the reset the charger reports {version_after}, not the image's {}",
                        h.version
                    ),
                });
            }
        }
        Ok(FlashReport {
            version_before,
            version_after,
            bytes: done,
            sha256: image.sha256_hex(),
            duration_s: (self.clock.now() - started).as_secs_f64(),
            transfer_rate_bps: if transfer_s > 0.0 {
                done as f64 / transfer_s
            } else {
                0.0
            },
            response_pending: self.client.response_pending_count(),
        })
    }
}
