//! The UDS client against a tiny in-test bootloader built from the pure
//! server-side codec (`Request::decode` / `Response::encode`), over two
//! ports of the emulated CAN bus in simulated time.

mod isotp_harness;

use isotp_harness::Sim;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use v2x_hil::device::uds::*;
use v2x_hil::protocol::isotp::{IsoTpConfig, IsoTpError};
use v2x_hil::protocol::uds::*;
use v2x_hil::transport::can::CanId;

const TESTER: CanId = CanId::Standard(0x7E0);
const ECU: CanId = CanId::Standard(0x7E8);
const SECRET: [u8; 16] = *b"v2x-hil-emulated";
const BLOCK_LEN: u64 = 130;

/// Just enough bootloader to exercise the client.
struct Boot {
    session: u8,
    seed: Option<Vec<u8>>,
    seed_counter: u8,
    unlocked: bool,
    failed_keys: u32,
    flash: Vec<u8>,
    download: Option<(u64, u8)>, // (write offset, expected counter)
    erase_pendings: u32,
    version: String,
    staged_version: String,
    silent_on: Option<u8>,
    transfer_requests: u32,
}

impl Boot {
    fn new() -> Self {
        Boot {
            session: session::DEFAULT,
            seed: None,
            seed_counter: 0,
            unlocked: false,
            failed_keys: 0,
            flash: vec![0xFF; 64 * 1024],
            download: None,
            erase_pendings: 2,
            version: "FW 1.0.0".into(),
            staged_version: "FW 2.0.0".into(),
            silent_on: None,
            transfer_requests: 0,
        }
    }

    /// (delay, response) pairs for one request.
    fn handle(&mut self, raw: &[u8]) -> Vec<(Duration, Vec<u8>)> {
        let now = |r: Response| vec![(Duration::from_millis(5), r.encode())];
        let req = match Request::decode(raw) {
            Ok(r) => r,
            Err(e) => {
                let service = raw.first().copied().unwrap_or(0);
                return now(Response::Negative {
                    service,
                    nrc: e.nrc(),
                });
            }
        };
        let service = req.service();
        if self.silent_on == Some(service) {
            return vec![];
        }
        let neg = |nrc| now(Response::Negative { service, nrc });
        let pos = |p| now(Response::Positive(p));
        let suppress = req.suppresses_positive_response();
        let out = match req {
            Request::DiagnosticSessionControl { session, .. } => {
                self.session = session;
                pos(Positive::DiagnosticSessionControl {
                    session,
                    timing: Some(SessionTiming {
                        p2_server_max: Duration::from_millis(25),
                        p2_star_server_max: Duration::from_millis(1000),
                    }),
                })
            }
            Request::SecurityAccess { level: 1, .. } => {
                if self.failed_keys >= 3 {
                    return neg(Nrc::RequiredTimeDelayNotExpired);
                }
                self.seed_counter = self.seed_counter.wrapping_add(0x37);
                let seed: Vec<u8> = (0..4u8)
                    .map(|i| self.seed_counter ^ i.wrapping_mul(0x5B).wrapping_add(1))
                    .collect();
                self.seed = Some(seed.clone());
                pos(Positive::SecurityAccess { level: 1, seed })
            }
            Request::SecurityAccess { level: 2, data } => {
                let Some(seed) = self.seed.take() else {
                    return neg(Nrc::RequestSequenceError);
                };
                if KeyedXorRotate::new(SECRET).key(1, &seed) == data {
                    self.unlocked = true;
                    pos(Positive::SecurityAccess {
                        level: 2,
                        seed: vec![],
                    })
                } else {
                    self.failed_keys += 1;
                    neg(if self.failed_keys >= 3 {
                        Nrc::ExceedNumberOfAttempts
                    } else {
                        Nrc::InvalidKey
                    })
                }
            }
            Request::SecurityAccess { .. } => neg(Nrc::SubFunctionNotSupported),
            Request::RoutineControl {
                routine_id: routine::ERASE_MEMORY,
                option,
                ..
            } => {
                if !self.unlocked {
                    return neg(Nrc::SecurityAccessDenied);
                }
                let Ok((m, _)) = MemoryLocation::decode(service, &option) else {
                    return neg(Nrc::RequestOutOfRange);
                };
                for b in self
                    .flash
                    .iter_mut()
                    .skip(m.address as usize)
                    .take(m.size as usize)
                {
                    *b = 0xFF;
                }
                // Erasing takes 1.8 s: two 0x78 at 0 and 900 ms (P2* = 1 s), then the answer.
                let mut out: Vec<_> = (0..self.erase_pendings)
                    .map(|k| {
                        (
                            Duration::from_millis(10 + 900 * u64::from(k)),
                            Response::Negative {
                                service,
                                nrc: Nrc::ResponsePending,
                            }
                            .encode(),
                        )
                    })
                    .collect();
                out.push((
                    Duration::from_millis(10 + 900 * u64::from(self.erase_pendings)),
                    Response::Positive(Positive::RoutineControl {
                        control: routine::START,
                        routine_id: routine::ERASE_MEMORY,
                        status: vec![],
                    })
                    .encode(),
                ));
                out
            }
            Request::RoutineControl {
                routine_id: routine::CHECK_PROGRAMMING_DEPENDENCIES,
                option,
                ..
            } => {
                let sum: u32 = self.flash.iter().map(|&b| u32::from(b)).sum();
                if option == sum.to_be_bytes() {
                    pos(Positive::RoutineControl {
                        control: routine::START,
                        routine_id: routine::CHECK_PROGRAMMING_DEPENDENCIES,
                        status: vec![0x00],
                    })
                } else {
                    neg(Nrc::GeneralProgrammingFailure)
                }
            }
            Request::RoutineControl { .. } => neg(Nrc::RequestOutOfRange),
            Request::RequestDownload { memory, .. } => {
                if !self.unlocked {
                    return neg(Nrc::SecurityAccessDenied);
                }
                if memory.address + memory.size > self.flash.len() as u64 {
                    return neg(Nrc::RequestOutOfRange);
                }
                self.download = Some((memory.address, 1));
                pos(Positive::RequestDownload {
                    max_block_len: BLOCK_LEN,
                })
            }
            Request::TransferData { counter, data } => {
                self.transfer_requests += 1;
                let Some((offset, expected)) = self.download else {
                    return neg(Nrc::RequestSequenceError);
                };
                if counter != expected {
                    return neg(Nrc::WrongBlockSequenceCounter);
                }
                if data.len() as u64 > BLOCK_LEN - 2 {
                    return neg(Nrc::IncorrectMessageLength);
                }
                for (i, b) in data.iter().enumerate() {
                    if let Some(slot) = self.flash.get_mut(offset as usize + i) {
                        *slot = *b;
                    }
                }
                self.download = Some((offset + data.len() as u64, expected.wrapping_add(1)));
                pos(Positive::TransferData {
                    counter,
                    data: vec![],
                })
            }
            Request::RequestTransferExit { .. } => {
                if self.download.take().is_none() {
                    return neg(Nrc::RequestSequenceError);
                }
                pos(Positive::RequestTransferExit { params: vec![] })
            }
            Request::EcuReset { reset_type, .. } => {
                self.version = self.staged_version.clone();
                self.session = session::DEFAULT;
                self.unlocked = false;
                pos(Positive::EcuReset {
                    reset_type,
                    power_down_time_s: None,
                })
            }
            Request::ReadDataByIdentifier { dids } => match dids.as_slice() {
                [did::SOFTWARE_VERSION] => pos(Positive::ReadDataByIdentifier {
                    did: did::SOFTWARE_VERSION,
                    data: self.version.clone().into_bytes(),
                }),
                [did::SERIAL_NUMBER] => pos(Positive::ReadDataByIdentifier {
                    did: did::SERIAL_NUMBER,
                    data: b"EVSE-0042\0\0".to_vec(),
                }),
                _ => neg(Nrc::RequestOutOfRange),
            },
            Request::TesterPresent { .. } => pos(Positive::TesterPresent),
        };
        if suppress {
            // Positive answers are suppressed, negative ones are not (§8.2.2).
            out.into_iter()
                .filter(|(_, r)| r.first() == Some(&sid::NEGATIVE_RESPONSE))
                .collect()
        } else {
            out
        }
    }
}

fn rig() -> (Sim, Arc<Mutex<Boot>>, UdsClient) {
    let sim = Sim::new(500_000);
    let boot = Arc::new(Mutex::new(Boot::new()));
    let b = boot.clone();
    sim.start_server(
        IsoTpConfig::new(ECU, TESTER),
        Box::new(move |_, req: Vec<u8>| b.lock().unwrap().handle(&req)),
    );
    let client = UdsClient::new(
        sim.client(IsoTpConfig::new(TESTER, ECU)),
        UdsClientConfig::default(),
    );
    (sim, boot, client)
}

#[test]
fn full_flash_sequence_with_pending_and_counter_wrap() {
    let (sim, boot, mut uds) = rig();
    let timing = uds
        .diagnostic_session_control(session::PROGRAMMING)
        .unwrap();
    assert_eq!(timing.p2_server_max, Duration::from_millis(25));
    assert_eq!(timing.p2_star_server_max, Duration::from_secs(1));
    assert_eq!(boot.lock().unwrap().session, session::PROGRAMMING);
    uds.unlock(1, &KeyedXorRotate::new(SECRET)).unwrap();

    // Erase answers 0x78 twice: 1.8 s in total, longer than P2 and than one P2*.
    let t0 = sim.now();
    uds.erase_memory(MemoryLocation::u32(0, 0x1_0000)).unwrap();
    assert_eq!(uds.response_pending_count(), 2);
    assert!(sim.now() - t0 >= Duration::from_millis(1810));

    // 300 blocks of 128 bytes: the counter runs 1..=255, 0, 1, … 44.
    let image: Vec<u8> = (0..300 * 128).map(|i| (i * 31 % 251) as u8).collect();
    let mut calls = 0;
    uds.download(
        0x00,
        MemoryLocation::u32(0x100, image.len() as u32),
        &image,
        &mut |sent, total| {
            calls += 1;
            assert!(sent <= total);
            std::ops::ControlFlow::Continue(())
        },
    )
    .unwrap();
    assert_eq!(calls, 300);
    {
        let b = boot.lock().unwrap();
        assert_eq!(b.transfer_requests, 300);
        assert_eq!(&b.flash[0x100..0x100 + image.len()], &image[..]);
        assert_eq!(b.flash[0xFF], 0xFF);
    }
    let sum: u32 = boot
        .lock()
        .unwrap()
        .flash
        .iter()
        .map(|&b| u32::from(b))
        .sum();
    assert_eq!(
        uds.check_programming_dependencies(&sum.to_be_bytes())
            .unwrap(),
        [0x00]
    );
    assert_eq!(
        uds.check_programming_dependencies(&(sum + 1).to_be_bytes()),
        Err(UdsError::Negative {
            service: 0x31,
            nrc: Nrc::GeneralProgrammingFailure
        })
    );
    assert_eq!(uds.software_version().unwrap(), "FW 1.0.0");
    uds.ecu_reset(reset::HARD).unwrap();
    assert_eq!(uds.software_version().unwrap(), "FW 2.0.0");
    assert_eq!(uds.serial_number().unwrap(), "EVSE-0042");
    assert!(sim.server_errors().is_empty(), "{:?}", sim.server_errors());
}

#[test]
fn wrong_block_sequence_counter_is_a_negative_response() {
    let (_sim, _boot, mut uds) = rig();
    uds.unlock(1, &KeyedXorRotate::new(SECRET)).unwrap();
    assert_eq!(
        uds.request_download(0, MemoryLocation::u32(0, 1000))
            .unwrap(),
        BLOCK_LEN
    );
    uds.transfer_data(1, &[1, 2, 3]).unwrap();
    assert_eq!(
        uds.transfer_data(3, &[4, 5, 6]),
        Err(UdsError::Negative {
            service: 0x36,
            nrc: Nrc::WrongBlockSequenceCounter
        })
    );
    // The right counter still works afterwards.
    uds.transfer_data(2, &[4, 5, 6]).unwrap();
    uds.request_transfer_exit(&[]).unwrap();
    assert_eq!(
        uds.request_transfer_exit(&[]),
        Err(UdsError::Negative {
            service: 0x37,
            nrc: Nrc::RequestSequenceError
        })
    );
}

#[test]
fn security_access_failures() {
    let (_sim, boot, mut uds) = rig();
    // Flashing before unlocking is refused.
    assert_eq!(
        uds.request_download(0, MemoryLocation::u32(0, 16)),
        Err(UdsError::Negative {
            service: 0x34,
            nrc: Nrc::SecurityAccessDenied
        })
    );
    let wrong = KeyedXorRotate::new([0u8; 16]);
    for _ in 0..2 {
        assert_eq!(
            uds.unlock(1, &wrong),
            Err(UdsError::Negative {
                service: 0x27,
                nrc: Nrc::InvalidKey
            })
        );
    }
    assert_eq!(
        uds.unlock(1, &wrong),
        Err(UdsError::Negative {
            service: 0x27,
            nrc: Nrc::ExceedNumberOfAttempts
        })
    );
    assert_eq!(
        uds.request_seed(1),
        Err(UdsError::Negative {
            service: 0x27,
            nrc: Nrc::RequiredTimeDelayNotExpired
        })
    );
    // A key without a seed is a sequence error.
    boot.lock().unwrap().failed_keys = 0;
    assert_eq!(
        uds.send_key(2, &[1, 2, 3, 4]),
        Err(UdsError::Negative {
            service: 0x27,
            nrc: Nrc::RequestSequenceError
        })
    );
    assert!(!boot.lock().unwrap().unlocked);
    uds.unlock(1, &KeyedXorRotate::new(SECRET)).unwrap();
    assert!(boot.lock().unwrap().unlocked);
}

#[test]
fn timeouts_follow_p2_and_p2_star() {
    let (sim, boot, mut uds) = rig();
    // No answer at all: P2 (50 ms default) + ΔP2 (100 ms) after the request.
    boot.lock().unwrap().silent_on = Some(0x22);
    let t0 = sim.now();
    let err = uds.software_version().unwrap_err();
    assert_eq!(
        err,
        UdsError::Timeout {
            service: 0x22,
            after: Duration::from_millis(150)
        }
    );
    let waited = sim.now() - t0;
    assert!(
        waited >= Duration::from_millis(150) && waited < Duration::from_millis(151),
        "{waited:?}"
    );

    // Pending answers further apart than P2* + ΔP2 end in a timeout.
    boot.lock().unwrap().silent_on = None;
    uds.diagnostic_session_control(session::PROGRAMMING)
        .unwrap(); // P2* = 1 s
    uds.unlock(1, &KeyedXorRotate::new(SECRET)).unwrap();
    let c = UdsClientConfig {
        delta_p2: Duration::ZERO,
        adopt_server_timing: false,
        timing: SessionTiming {
            p2_star_server_max: Duration::from_millis(800),
            ..SessionTiming::DEFAULT
        },
        ..Default::default()
    };
    let mut strict = UdsClient::new(uds.into_channel(), c);
    assert_eq!(
        strict.erase_memory(MemoryLocation::u32(0, 16)),
        Err(UdsError::Timeout {
            service: 0x31,
            after: Duration::from_millis(800)
        })
    );
    assert_eq!(strict.response_pending_count(), 1);
}

#[test]
fn tester_present_and_suppressed_responses() {
    let (sim, _boot, mut uds) = rig();
    uds.tester_present(false).unwrap();
    let t0 = sim.now();
    uds.tester_present(true).unwrap();
    // Nothing awaited: back right after the 2-byte frame is queued.
    assert!(sim.now() - t0 < Duration::from_millis(1));
    // The next request is not confused by anything left over.
    assert_eq!(uds.serial_number().unwrap(), "EVSE-0042");
    // An unsupported DID gives requestOutOfRange.
    assert_eq!(
        uds.read_data_by_identifier(0xF190),
        Err(UdsError::Negative {
            service: 0x22,
            nrc: Nrc::RequestOutOfRange
        })
    );
}

#[test]
fn isotp_errors_surface_as_uds_errors() {
    let sim = Sim::new(500_000);
    let _nobody = sim.bus.port("nobody");
    let mut uds = UdsClient::new(
        sim.client(IsoTpConfig::new(TESTER, ECU)),
        UdsClientConfig::default(),
    );
    // A multi-frame request with no receiver: N_Bs.
    let err = uds.check_programming_dependencies(&[0u8; 32]).unwrap_err();
    assert!(
        matches!(err, UdsError::IsoTp(IsoTpError::Timeout { .. })),
        "{err:?}"
    );
}

#[test]
fn download_throughput_is_close_to_the_isotp_limit() {
    // A server that takes 4095-byte TransferData requests and answers at once.
    let sim = Sim::new(500_000);
    sim.start_server(
        IsoTpConfig::new(ECU, TESTER),
        Box::new(|_, raw: Vec<u8>| {
            let resp = match Request::decode(&raw) {
                Ok(Request::RequestDownload { .. }) => Positive::RequestDownload {
                    max_block_len: 4095,
                },
                Ok(Request::TransferData { counter, .. }) => Positive::TransferData {
                    counter,
                    data: vec![],
                },
                Ok(Request::RequestTransferExit { .. }) => {
                    Positive::RequestTransferExit { params: vec![] }
                }
                _ => return vec![],
            };
            vec![(Duration::ZERO, Response::Positive(resp).encode())]
        }),
    );
    let mut uds = UdsClient::new(
        sim.client(IsoTpConfig::new(TESTER, ECU)),
        UdsClientConfig::default(),
    );
    let image = vec![0xA5u8; 64 * 1024];
    let t0 = sim.now();
    uds.download(
        0,
        MemoryLocation::u32(0, image.len() as u32),
        &image,
        &mut |_, _| std::ops::ControlFlow::Continue(()),
    )
    .unwrap();
    let rate_bps = (image.len() * 8) as f64 / (sim.now() - t0).as_secs_f64();
    let ratio = rate_bps / v2x_hil::protocol::isotp::max_payload_rate_bps(500_000);
    assert!(ratio > 0.97 && ratio < 1.0, "{ratio}");
}
