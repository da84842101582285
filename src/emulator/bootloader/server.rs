//! The UDS services of the bootloader, over the emulated bus.

use super::flash::{Flash, FlashGeometry};
use crate::firmware::header::FirmwareHeader;
use crate::plant::{Agent, Plant};
use crate::protocol::isotp::IsoTpConfig;
use crate::protocol::uds::{
    did, reset, routine, session, sid, MemoryLocation, Nrc, Positive, Request, Response,
    SessionTiming,
};
use crate::transport::can::isotp::IsoTpNode;
use crate::transport::can::CanBus;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How often the server looks at the bus while nothing is scheduled: well
/// under one 8-byte frame at 500 kbit/s (270 µs), so it answers promptly.
const POLL: Duration = Duration::from_micros(100);
/// P2server_max / P2*server_max it announces (ISO 14229-2 defaults).
const TIMING: SessionTiming = SessionTiming::DEFAULT;
/// After 3 wrong keys, 0x36 and then 0x37 for this long (ISO 14229-1 §9.4).
const LOCKOUT: Duration = Duration::from_secs(10);
const MAX_ATTEMPTS: u8 = 3;
/// The ECU is deaf this long while it resets.
const RESET_TIME: Duration = Duration::from_millis(50);

#[derive(Debug, Clone)]
pub struct BootloaderConfig {
    pub request_id: crate::transport::can::CanId,
    pub response_id: crate::transport::can::CanId,
    pub flash: FlashGeometry,
    /// The application region: where images go and where the header is read.
    pub app_start: u32,
    pub app_length: u32,
    /// Security access secret of the seed/key algorithm (level 1).
    pub secret: [u8; 16],
    pub serial: String,
    /// The firmware the charger runs before anyone flashes it.
    pub factory_version: String,
    /// maxNumberOfBlockLength announced in RequestDownload (SID and counter included).
    pub max_block_len: u32,
}

/// What the bootloader's state looks like from outside (tests, status).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BootloaderStatus {
    pub session: u8,
    pub unlocked: bool,
    /// The version of the application running; `None` while in the bootloader.
    pub running_version: Option<String>,
    pub bytes_programmed: u64,
}

struct Download {
    next_address: u32,
    end: u32,
    expected_counter: u8,
}

/// An answer and how long the flash is busy before it goes out; `Ok(None)`
/// when the positive answer is suppressed; `Err` for a negative response.
type Served = Result<Option<(Duration, Positive)>, Nrc>;

pub struct Bootloader {
    config: BootloaderConfig,
    node: IsoTpNode,
    flash: Flash,
    session: u8,
    unlocked: bool,
    seed: Option<Vec<u8>>,
    seed_counter: u32,
    failed_attempts: u8,
    locked_until: Duration,
    download: Option<Download>,
    /// A response that waits for flash work to finish.
    pending: Option<(Duration, Vec<u8>)>,
    deaf_until: Duration,
    app_valid: bool,
    status: Arc<Mutex<BootloaderStatus>>,
    next: Duration,
}

impl Bootloader {
    pub fn new(bus: Box<dyn CanBus>, config: BootloaderConfig) -> Self {
        let isotp = IsoTpConfig::new(config.response_id, config.request_id);
        let status = BootloaderStatus {
            session: session::DEFAULT,
            unlocked: false,
            running_version: Some(config.factory_version.clone()),
            bytes_programmed: 0,
        };
        Bootloader {
            node: IsoTpNode::new(bus, isotp),
            flash: Flash::new(config.flash),
            config,
            session: session::DEFAULT,
            unlocked: false,
            seed: None,
            seed_counter: 0,
            failed_attempts: 0,
            locked_until: Duration::ZERO,
            download: None,
            pending: None,
            deaf_until: Duration::ZERO,
            app_valid: true,
            status: Arc::new(Mutex::new(status)),
            next: Duration::ZERO,
        }
    }

    /// Shared view of the state, updated as it changes.
    pub fn status(&self) -> Arc<Mutex<BootloaderStatus>> {
        self.status.clone()
    }

    fn publish(&self, f: impl FnOnce(&mut BootloaderStatus)) {
        let mut s = self.status.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut s);
    }

    /// The seed/key algorithm shared with the tester (`device::uds`).
    fn expected_key(&self, seed: &[u8]) -> Vec<u8> {
        use crate::device::uds::SecurityAlgorithm;
        crate::device::uds::KeyedXorRotate::new(self.config.secret).key(1, seed)
    }

    /// Handles one request at `now`: the answer and how long the flash is
    /// busy before it can go out (`None`: no answer, suppressed).
    fn handle(
        &mut self,
        now: Duration,
        plant: &mut Plant,
        raw: &[u8],
    ) -> Option<(Duration, Vec<u8>)> {
        let service = raw.first().copied().unwrap_or(0);
        let answer = match Request::decode(raw) {
            Ok(request) => self.serve(now, plant, request),
            Err(e) => Err(e.nrc()),
        };
        match answer {
            Ok(Some((work, positive))) => Some((work, Response::Positive(positive).encode())),
            Ok(None) => None,
            Err(nrc) => Some((Duration::ZERO, Response::Negative { service, nrc }.encode())),
        }
    }

    /// Programming session and security access, as every flash service needs.
    fn unlocked_for_programming(&self) -> Result<(), Nrc> {
        if self.session != session::PROGRAMMING {
            Err(Nrc::ServiceNotSupportedInActiveSession)
        } else if !self.unlocked {
            Err(Nrc::SecurityAccessDenied)
        } else {
            Ok(())
        }
    }

    /// A memory range inside the application region, as 32-bit numbers.
    fn app_range(&self, m: &MemoryLocation) -> Result<(u32, u32), Nrc> {
        let (Ok(address), Ok(size)) = (u32::try_from(m.address), u32::try_from(m.size)) else {
            return Err(Nrc::RequestOutOfRange);
        };
        let start = u64::from(self.config.app_start);
        let end = start + u64::from(self.config.app_length);
        if u64::from(address) < start || u64::from(address) + u64::from(size) > end {
            return Err(Nrc::RequestOutOfRange);
        }
        Ok((address, size))
    }

    fn serve(&mut self, now: Duration, plant: &mut Plant, request: Request) -> Served {
        let now_answer = |p| Ok(Some((Duration::ZERO, p)));
        match request {
            Request::DiagnosticSessionControl {
                session: s,
                suppress_positive,
            } => {
                if ![session::DEFAULT, session::PROGRAMMING, session::EXTENDED].contains(&s) {
                    return Err(Nrc::SubFunctionNotSupported);
                }
                if s == session::PROGRAMMING && self.session != session::PROGRAMMING {
                    // Jumping to the bootloader stops the application: the
                    // inverter ceases to export while the charger is flashed.
                    plant.set_power_setpoint_w(0.0);
                    self.publish(|st| st.running_version = None);
                }
                self.session = s;
                self.unlocked = false;
                self.seed = None;
                self.publish(|st| {
                    st.session = s;
                    st.unlocked = false;
                });
                if suppress_positive {
                    return Ok(None);
                }
                now_answer(Positive::DiagnosticSessionControl {
                    session: s,
                    timing: Some(TIMING),
                })
            }
            Request::TesterPresent { suppress_positive } => {
                if suppress_positive {
                    Ok(None)
                } else {
                    now_answer(Positive::TesterPresent)
                }
            }
            Request::SecurityAccess { level, data } => self.security_access(now, level, data),
            Request::RoutineControl {
                control,
                routine_id,
                option,
                ..
            } => {
                self.unlocked_for_programming()?;
                if control != routine::START {
                    return Err(Nrc::SubFunctionNotSupported);
                }
                let done = |status: u8| Positive::RoutineControl {
                    control,
                    routine_id,
                    status: vec![status],
                };
                match routine_id {
                    routine::ERASE_MEMORY => {
                        let (m, _) = MemoryLocation::decode(sid::ROUTINE_CONTROL, &option)
                            .map_err(|_| Nrc::IncorrectMessageLength)?;
                        let (address, size) = self.app_range(&m)?;
                        let t = self
                            .flash
                            .erase(address, size)
                            .map_err(|_| Nrc::RequestOutOfRange)?;
                        self.app_valid = false;
                        Ok(Some((t, done(0))))
                    }
                    routine::CHECK_PROGRAMMING_DEPENDENCIES => {
                        let ok = self.verify_application();
                        self.app_valid = ok;
                        // Checking reads the whole region: a CRC at ~6 MB/s.
                        let t = Duration::from_micros(u64::from(self.config.app_length) / 6);
                        Ok(Some((t, done(u8::from(!ok)))))
                    }
                    _ => Err(Nrc::RequestOutOfRange),
                }
            }
            Request::RequestDownload {
                data_format,
                memory,
            } => {
                self.unlocked_for_programming()?;
                if data_format != 0 {
                    return Err(Nrc::RequestOutOfRange);
                }
                let (address, size) = self.app_range(&memory)?;
                self.download = Some(Download {
                    next_address: address,
                    end: address + size,
                    expected_counter: 1,
                });
                now_answer(Positive::RequestDownload {
                    max_block_len: u64::from(self.config.max_block_len),
                })
            }
            Request::TransferData { counter, data } => self.transfer_data(counter, data),
            Request::RequestTransferExit { .. } => match self.download.take() {
                Some(d) if d.next_address == d.end => {
                    now_answer(Positive::RequestTransferExit { params: Vec::new() })
                }
                other => {
                    self.download = other;
                    Err(Nrc::RequestSequenceError)
                }
            },
            Request::EcuReset {
                reset_type,
                suppress_positive,
            } => {
                if reset_type != reset::HARD && reset_type != reset::SOFT {
                    return Err(Nrc::SubFunctionNotSupported);
                }
                self.reset(now);
                if suppress_positive {
                    return Ok(None);
                }
                now_answer(Positive::EcuReset {
                    reset_type,
                    power_down_time_s: None,
                })
            }
            Request::ReadDataByIdentifier { dids } => {
                let first = *dids.first().ok_or(Nrc::IncorrectMessageLength)?;
                let data = match first {
                    did::SOFTWARE_VERSION => {
                        let s = self.status.lock().unwrap_or_else(|p| p.into_inner());
                        s.running_version
                            .clone()
                            .unwrap_or_else(|| "BOOTLOADER".to_string())
                            .into_bytes()
                    }
                    did::SERIAL_NUMBER => self.config.serial.clone().into_bytes(),
                    _ => return Err(Nrc::RequestOutOfRange),
                };
                now_answer(Positive::ReadDataByIdentifier { did: first, data })
            }
        }
    }

    /// SecurityAccess 0x27, level 1: requestSeed (odd), sendKey (even).
    fn security_access(&mut self, now: Duration, level: u8, key: Vec<u8>) -> Served {
        if self.session != session::PROGRAMMING {
            return Err(Nrc::ServiceNotSupportedInActiveSession);
        }
        if now < self.locked_until {
            return Err(Nrc::RequiredTimeDelayNotExpired);
        }
        match level {
            1 => {
                self.seed_counter = self.seed_counter.wrapping_add(1);
                let seed = if self.unlocked {
                    vec![0; 4] // already unlocked: a zero seed (§9.4.2)
                } else {
                    (0x5EED_0000u32 ^ self.seed_counter.wrapping_mul(0x9E37_79B9))
                        .to_be_bytes()
                        .to_vec()
                };
                self.seed = Some(seed.clone());
                Ok(Some((
                    Duration::ZERO,
                    Positive::SecurityAccess { level, seed },
                )))
            }
            2 => {
                let seed = self.seed.take().ok_or(Nrc::RequestSequenceError)?;
                if key == self.expected_key(&seed) {
                    self.unlocked = true;
                    self.failed_attempts = 0;
                    self.publish(|st| st.unlocked = true);
                    return Ok(Some((
                        Duration::ZERO,
                        Positive::SecurityAccess {
                            level,
                            seed: Vec::new(),
                        },
                    )));
                }
                self.failed_attempts += 1;
                if self.failed_attempts >= MAX_ATTEMPTS {
                    self.failed_attempts = 0;
                    self.locked_until = now + LOCKOUT;
                    Err(Nrc::ExceedNumberOfAttempts)
                } else {
                    Err(Nrc::InvalidKey)
                }
            }
            _ => Err(Nrc::SubFunctionNotSupported),
        }
    }

    /// TransferData 0x36: the next block in sequence goes to flash; a
    /// repeated block (the tester missed our answer) is acknowledged again.
    fn transfer_data(&mut self, counter: u8, data: Vec<u8>) -> Served {
        let max = self.config.max_block_len as usize;
        let d = self.download.as_mut().ok_or(Nrc::RequestSequenceError)?;
        let ack = Positive::TransferData {
            counter,
            data: Vec::new(),
        };
        if counter == d.expected_counter.wrapping_sub(1) && d.expected_counter != 1 {
            return Ok(Some((Duration::ZERO, ack)));
        }
        if counter != d.expected_counter {
            return Err(Nrc::WrongBlockSequenceCounter);
        }
        if data.len() + 2 > max || u64::from(d.next_address) + data.len() as u64 > u64::from(d.end)
        {
            return Err(Nrc::TransferDataSuspended);
        }
        let t = self
            .flash
            .program(d.next_address, &data)
            .map_err(|_| Nrc::GeneralProgrammingFailure)?;
        d.next_address += data.len() as u32;
        d.expected_counter = d.expected_counter.wrapping_add(1);
        let n = data.len() as u64;
        self.publish(|st| st.bytes_programmed += n);
        Ok(Some((t, ack)))
    }

    /// The application is valid when its V2XF header parses and the CRC of
    /// the payload in flash matches.
    fn verify_application(&self) -> bool {
        let Ok(region) = self
            .flash
            .read(self.config.app_start, self.config.app_length)
        else {
            return false;
        };
        let Ok(h) = FirmwareHeader::parse(region) else {
            return false;
        };
        // The payload follows the 64-byte header (firmware/header.rs).
        let start = crate::firmware::header::HEADER_LEN;
        let end = start.saturating_add(h.payload_length as usize);
        region
            .get(start..end)
            .is_some_and(|payload| h.check_payload(payload).is_ok())
    }

    fn reset(&mut self, now: Duration) {
        self.session = session::DEFAULT;
        self.unlocked = false;
        self.seed = None;
        self.download = None;
        self.deaf_until = now + RESET_TIME;
        let version = if self.app_valid {
            self.flash
                .read(self.config.app_start, self.config.app_length)
                .ok()
                .and_then(|r| FirmwareHeader::parse(r).ok())
                .map(|h| h.version)
                .or_else(|| {
                    // The factory image was never written through us.
                    self.status
                        .lock()
                        .ok()
                        .and_then(|s| s.running_version.clone())
                        .or(Some(self.config.factory_version.clone()))
                })
        } else {
            None
        };
        self.publish(|st| {
            st.session = session::DEFAULT;
            st.unlocked = false;
            st.running_version = version;
        });
    }
}

impl Agent for Bootloader {
    fn next_wake(&self) -> Duration {
        self.next
    }

    fn wake(&mut self, plant: &mut Plant) {
        let now = plant.now();
        let step = self.node.step(now);
        if let Some((at, _)) = &self.pending {
            if now >= *at {
                if let Some((_, response)) = self.pending.take() {
                    self.node.send(response);
                }
            }
        }
        for request in step.received {
            if now < self.deaf_until || self.pending.is_some() {
                continue;
            }
            let sid_in = request.first().copied().unwrap_or(0);
            if let Some((work, response)) = self.handle(now, plant, &request) {
                if work.is_zero() {
                    self.node.send(response);
                } else {
                    if work > TIMING.p2_server_max {
                        let pending = Response::Negative {
                            service: sid_in,
                            nrc: Nrc::ResponsePending,
                        };
                        self.node.send(pending.encode());
                    }
                    self.pending = Some((now + work, response));
                }
            }
        }
        let mut next = now + POLL;
        if let Some(w) = step.wake_at {
            next = next.min(w.max(now + Duration::from_micros(1)));
        }
        if let Some((at, _)) = &self.pending {
            next = next.min((*at).max(now + Duration::from_micros(1)));
        }
        self.next = next;
    }
}
