//! UDS encode/decode against published byte examples (pylessard/python-udsoncan
//! `test/client/test_*.py`, quoted per test) and ISO 14229-1 layouts, round
//! trips both ways, and a never-panics fuzz.

use std::time::Duration;
use v2x_hil::protocol::uds::*;

#[test]
fn diagnostic_session_control_with_timing() {
    // udsoncan test_dsc_success: 10 01 → 50 01 (no timing, pre-2013 form).
    assert_eq!(
        Request::DiagnosticSessionControl {
            session: session::DEFAULT,
            suppress_positive: false
        }
        .encode(),
        [0x10, 0x01]
    );
    assert_eq!(
        Response::decode(&[0x50, 0x01]).unwrap(),
        Response::Positive(Positive::DiagnosticSessionControl {
            session: 1,
            timing: None
        })
    );
    // Programming session with P2 = 0x0032 = 50 ms, P2* = 0x01F4 × 10 ms = 5 s
    // (ISO 14229-1:2013 Table 29 layout, ISO 14229-2 Table 4 resolutions).
    let r = Response::decode(&[0x50, 0x02, 0x00, 0x32, 0x01, 0xF4]).unwrap();
    let Response::Positive(Positive::DiagnosticSessionControl {
        session: 2,
        timing: Some(t),
    }) = r.clone()
    else {
        panic!("{r:?}")
    };
    assert_eq!(t.p2_server_max, Duration::from_millis(50));
    assert_eq!(t.p2_star_server_max, Duration::from_secs(5));
    assert_eq!(t, SessionTiming::DEFAULT);
    assert_eq!(r.encode(), [0x50, 0x02, 0x00, 0x32, 0x01, 0xF4]);
    assert!(Response::decode(&[0x50, 0x02, 0x00]).is_err());
}

#[test]
fn security_access_seed_and_key() {
    // udsoncan test_request_seed_success: 27 05 → 67 05 99 88 77 66.
    assert_eq!(
        Request::SecurityAccess {
            level: 5,
            data: vec![]
        }
        .encode(),
        [0x27, 0x05]
    );
    assert_eq!(
        Response::decode(&[0x67, 0x05, 0x99, 0x88, 0x77, 0x66]).unwrap(),
        Response::Positive(Positive::SecurityAccess {
            level: 5,
            seed: vec![0x99, 0x88, 0x77, 0x66]
        })
    );
    // test_send_key_success: 27 06 11 22 33 44 → 67 06.
    let key = Request::SecurityAccess {
        level: 6,
        data: vec![0x11, 0x22, 0x33, 0x44],
    };
    assert_eq!(key.encode(), [0x27, 0x06, 0x11, 0x22, 0x33, 0x44]);
    assert_eq!(Request::decode(&key.encode()).unwrap(), key);
    // test_send_key_denied: 7F 27 35 invalidKey.
    assert_eq!(
        Response::decode(&[0x7F, 0x27, 0x35]).unwrap(),
        Response::Negative {
            service: 0x27,
            nrc: Nrc::InvalidKey
        }
    );
    // A sendKey without key and reserved levels are refused.
    assert_eq!(
        Request::decode(&[0x27, 0x06]).unwrap_err().nrc(),
        Nrc::IncorrectMessageLength
    );
    assert_eq!(
        Request::decode(&[0x27, 0x7F]).unwrap_err().nrc(),
        Nrc::SubFunctionNotSupported
    );
}

#[test]
fn request_download_examples() {
    // udsoncan test_request_download_success: 34 00 12 12 34 FF → 74 20 AB CD.
    let loc = MemoryLocation::new(0x1234, 0xFF, 2, 1).unwrap();
    let req = Request::RequestDownload {
        data_format: 0,
        memory: loc,
    };
    assert_eq!(req.encode(), [0x34, 0x00, 0x12, 0x12, 0x34, 0xFF]);
    assert_eq!(Request::decode(&req.encode()).unwrap(), req);
    let resp = Response::decode(&[0x74, 0x20, 0xAB, 0xCD]).unwrap();
    assert_eq!(
        resp,
        Response::Positive(Positive::RequestDownload {
            max_block_len: 0xABCD
        })
    );
    assert_eq!(resp.encode(), [0x74, 0x20, 0xAB, 0xCD]);
    // test_request_download_config_format: 32-bit address, 16-bit size.
    let req = Request::RequestDownload {
        data_format: 0,
        memory: MemoryLocation::new(0x1234, 0xFF, 4, 2).unwrap(),
    };
    assert_eq!(
        req.encode(),
        [0x34, 0x00, 0x24, 0x00, 0x00, 0x12, 0x34, 0x00, 0xFF]
    );
    // test_request_download_success_dfi: compression 5, encryption 2 → 0x52.
    let req = Request::RequestDownload {
        data_format: 0x52,
        memory: loc,
    };
    assert_eq!(req.encode()[1], 0x52);
    // test_incomplete_nblock_response: 74 40 AB CD is two bytes short.
    assert!(Response::decode(&[0x74, 0x40, 0xAB, 0xCD]).is_err());
    // An ALFID with a zero width is out of range for a server.
    assert_eq!(
        Request::decode(&[0x34, 0x00, 0x02, 0x12, 0x34])
            .unwrap_err()
            .nrc(),
        Nrc::RequestOutOfRange
    );
    assert!(MemoryLocation::new(0x1_0000, 1, 2, 1).is_err());
}

#[test]
fn routine_control_erase_and_check() {
    let erase = Request::erase_memory(MemoryLocation::u32(0x0800_4000, 0x0001_0000));
    assert_eq!(
        erase.encode(),
        [0x31, 0x01, 0xFF, 0x00, 0x44, 0x08, 0x00, 0x40, 0x00, 0x00, 0x01, 0x00, 0x00]
    );
    let Request::RoutineControl {
        routine_id, option, ..
    } = Request::decode(&erase.encode()).unwrap()
    else {
        panic!()
    };
    assert_eq!(routine_id, routine::ERASE_MEMORY);
    let (loc, rest) = MemoryLocation::decode(0x31, &option).unwrap();
    assert_eq!((loc.address, loc.size), (0x0800_4000, 0x1_0000));
    assert!(rest.is_empty());

    let check = Request::check_programming_dependencies(&[0xDE, 0xAD, 0xBE, 0xEF]);
    assert_eq!(
        check.encode(),
        [0x31, 0x01, 0xFF, 0x01, 0xDE, 0xAD, 0xBE, 0xEF]
    );
    let ok = Response::Positive(Positive::RoutineControl {
        control: routine::START,
        routine_id: routine::CHECK_PROGRAMMING_DEPENDENCIES,
        status: vec![0x00],
    });
    assert_eq!(ok.encode(), [0x71, 0x01, 0xFF, 0x01, 0x00]);
    assert_eq!(Response::decode(&ok.encode()).unwrap(), ok);
    assert_eq!(
        Request::decode(&[0x31, 0x04, 0xFF, 0x00])
            .unwrap_err()
            .nrc(),
        Nrc::SubFunctionNotSupported
    );
}

#[test]
fn transfer_data_and_exit() {
    // udsoncan test_transfer_data_success: 36 22 12 34 56 → 76 22 89 AB CD.
    let req = Request::TransferData {
        counter: 0x22,
        data: vec![0x12, 0x34, 0x56],
    };
    assert_eq!(req.encode(), [0x36, 0x22, 0x12, 0x34, 0x56]);
    assert_eq!(
        Response::decode(&[0x76, 0x22, 0x89, 0xAB, 0xCD]).unwrap(),
        Response::Positive(Positive::TransferData {
            counter: 0x22,
            data: vec![0x89, 0xAB, 0xCD]
        })
    );
    // test_request_transfer_exit_success: 37 12 34 56 → 77 89 AB CD.
    let exit = Request::RequestTransferExit {
        params: vec![0x12, 0x34, 0x56],
    };
    assert_eq!(exit.encode(), [0x37, 0x12, 0x34, 0x56]);
    assert_eq!(
        Response::decode(&[0x77, 0x89, 0xAB, 0xCD]).unwrap(),
        Response::Positive(Positive::RequestTransferExit {
            params: vec![0x89, 0xAB, 0xCD]
        })
    );
    assert_eq!(
        Response::decode(&[0x7F, 0x36, 0x73]).unwrap(),
        Response::Negative {
            service: 0x36,
            nrc: Nrc::WrongBlockSequenceCounter
        }
    );
}

#[test]
fn reset_read_and_tester_present() {
    // udsoncan test_ecu_reset_success: 11 55 → 51 55; 11 04 → 51 04 23 (powerDownTime).
    assert_eq!(
        Request::EcuReset {
            reset_type: reset::HARD,
            suppress_positive: false
        }
        .encode(),
        [0x11, 0x01]
    );
    assert_eq!(
        Response::decode(&[0x51, 0x04, 0x23]).unwrap(),
        Response::Positive(Positive::EcuReset {
            reset_type: 4,
            power_down_time_s: Some(0x23)
        })
    );
    // RDBI F189 / F18C.
    let rd = Request::ReadDataByIdentifier {
        dids: vec![did::SOFTWARE_VERSION],
    };
    assert_eq!(rd.encode(), [0x22, 0xF1, 0x89]);
    assert_eq!(
        Response::decode(b"\x62\xF1\x8CSN123").unwrap(),
        Response::Positive(Positive::ReadDataByIdentifier {
            did: did::SERIAL_NUMBER,
            data: b"SN123".to_vec()
        })
    );
    // udsoncan test_tester_present: 3E 00 → 7E 00; suppressed: 3E 80.
    assert_eq!(
        Request::TesterPresent {
            suppress_positive: false
        }
        .encode(),
        [0x3E, 0x00]
    );
    let tp = Request::TesterPresent {
        suppress_positive: true,
    };
    assert_eq!(tp.encode(), [0x3E, 0x80]);
    assert!(Request::decode(&[0x3E, 0x80])
        .unwrap()
        .suppresses_positive_response());
    assert_eq!(
        Response::decode(&[0x7E, 0x00]).unwrap(),
        Response::Positive(Positive::TesterPresent)
    );
}

#[test]
fn negative_responses_and_server_nrcs() {
    for (code, nrc) in [
        (0x78, Nrc::ResponsePending),
        (0x73, Nrc::WrongBlockSequenceCounter),
        (0x72, Nrc::GeneralProgrammingFailure),
        (0x35, Nrc::InvalidKey),
        (0x36, Nrc::ExceedNumberOfAttempts),
        (0x37, Nrc::RequiredTimeDelayNotExpired),
        (0x31, Nrc::RequestOutOfRange),
        (0x22, Nrc::ConditionsNotCorrect),
        (0x24, Nrc::RequestSequenceError),
        (0x13, Nrc::IncorrectMessageLength),
        (0x7F, Nrc::ServiceNotSupportedInActiveSession),
        (0x11, Nrc::ServiceNotSupported),
    ] {
        let r = Response::Negative { service: 0x34, nrc };
        assert_eq!(r.encode(), [0x7F, 0x34, code]);
        assert_eq!(Response::decode(&[0x7F, 0x34, code]).unwrap(), r);
    }
    assert!(Response::decode(&[0x7F, 0x34]).is_err());
    // What a server answers to bad requests.
    assert_eq!(
        Request::decode(&[0x85, 0x01]).unwrap_err().nrc(),
        Nrc::ServiceNotSupported
    );
    assert_eq!(
        Request::decode(&[0x10]).unwrap_err().nrc(),
        Nrc::IncorrectMessageLength
    );
    assert_eq!(
        Request::decode(&[0x10, 2, 0]).unwrap_err().nrc(),
        Nrc::IncorrectMessageLength
    );
    assert_eq!(
        Request::decode(&[]).unwrap_err().nrc(),
        Nrc::IncorrectMessageLength
    );
    assert_eq!(
        Request::decode(&[0x22, 0xF1]).unwrap_err().nrc(),
        Nrc::IncorrectMessageLength
    );
}

struct XorShift(u64);
impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[test]
fn requests_and_responses_round_trip() {
    let mut rng = XorShift(0x5EED_1234_ABCD_0001);
    for _ in 0..2000 {
        let bytes = |rng: &mut XorShift, n: u64| -> Vec<u8> {
            (0..rng.next() % n).map(|_| rng.next() as u8).collect()
        };
        let al = 1 + (rng.next() % 8) as u8;
        let sl = 1 + (rng.next() % 8) as u8;
        let mask = |n: u8| {
            if n == 8 {
                u64::MAX
            } else {
                (1u64 << (8 * n)) - 1
            }
        };
        let memory =
            MemoryLocation::new(rng.next() & mask(al), rng.next() & mask(sl), al, sl).unwrap();
        let reqs = [
            Request::DiagnosticSessionControl {
                session: (rng.next() & 0x7F) as u8,
                suppress_positive: rng.next() & 1 == 0,
            },
            Request::EcuReset {
                reset_type: (rng.next() & 0x7F) as u8,
                suppress_positive: rng.next() & 1 == 0,
            },
            Request::SecurityAccess {
                level: 1 + (rng.next() % 0x7D) as u8,
                data: {
                    let mut d = bytes(&mut rng, 16);
                    d.push(1);
                    d
                },
            },
            Request::ReadDataByIdentifier {
                dids: (0..1 + rng.next() % 4).map(|_| rng.next() as u16).collect(),
            },
            Request::RoutineControl {
                control: 1 + (rng.next() % 3) as u8,
                routine_id: rng.next() as u16,
                option: bytes(&mut rng, 20),
                suppress_positive: rng.next() & 1 == 0,
            },
            Request::RequestDownload {
                data_format: rng.next() as u8,
                memory,
            },
            Request::TransferData {
                counter: rng.next() as u8,
                data: bytes(&mut rng, 300),
            },
            Request::RequestTransferExit {
                params: bytes(&mut rng, 8),
            },
            Request::TesterPresent {
                suppress_positive: rng.next() & 1 == 0,
            },
        ];
        for r in reqs {
            assert_eq!(Request::decode(&r.encode()).unwrap(), r);
        }
        let resps = [
            Positive::DiagnosticSessionControl {
                session: (rng.next() & 0x7F) as u8,
                timing: Some(SessionTiming {
                    p2_server_max: Duration::from_millis(rng.next() % 0x10000),
                    p2_star_server_max: Duration::from_millis(10 * (rng.next() % 0x10000)),
                }),
            },
            Positive::EcuReset {
                reset_type: 1,
                power_down_time_s: None,
            },
            Positive::SecurityAccess {
                level: (rng.next() & 0x7F) as u8,
                seed: bytes(&mut rng, 16),
            },
            Positive::ReadDataByIdentifier {
                did: rng.next() as u16,
                data: bytes(&mut rng, 40),
            },
            Positive::RoutineControl {
                control: 1,
                routine_id: rng.next() as u16,
                status: bytes(&mut rng, 8),
            },
            Positive::RequestDownload {
                max_block_len: rng.next() >> (rng.next() % 64),
            },
            Positive::TransferData {
                counter: rng.next() as u8,
                data: bytes(&mut rng, 8),
            },
            Positive::RequestTransferExit {
                params: bytes(&mut rng, 8),
            },
            Positive::TesterPresent,
        ];
        for p in resps {
            let r = Response::Positive(p);
            assert_eq!(Response::decode(&r.encode()).unwrap(), r);
        }
    }
}

#[test]
fn random_bytes_decode_only_to_what_re_encodes() {
    let mut rng = XorShift(0xFACE_B00C_0000_0001);
    let mut responses = 0;
    let sids = [0x10u8, 0x11, 0x22, 0x27, 0x31, 0x34, 0x36, 0x37, 0x3E, 0x7F];
    for i in 0..300_000u32 {
        let n = (rng.next() % 24) as usize;
        let mut b: Vec<u8> = (0..n).map(|_| rng.next() as u8).collect();
        if let Some(first) = b.first_mut() {
            if i % 4 != 0 {
                let s = sids[(rng.next() % sids.len() as u64) as usize];
                *first = if i % 2 == 0 { s } else { s.wrapping_add(0x40) };
            }
        }
        if let Ok(r) = Request::decode(&b) {
            // A decoded request re-encodes to a decodable request.
            assert_eq!(Request::decode(&r.encode()).unwrap(), r);
        }
        if let Ok(r) = Response::decode(&b) {
            // A decoded response re-encodes to bytes that decode to it, and
            // encoding again gives the same bytes.
            let bytes = r.encode();
            let back = Response::decode(&bytes).unwrap();
            assert_eq!(back, r, "{b:02X?} -> {bytes:02X?}");
            assert_eq!(back.encode(), bytes);
            responses += 1;
        }
    }
    assert!(responses > 1000, "{responses} responses decoded");
}
