//! ISO 15765-2 state machines: byte layouts (ISO 15765-2:2016 Table 9 and
//! the frames of pylessard/python-can-isotp `test/test_transport_layer.py`),
//! flow control, timers, round trips and a fuzz loop whose results are checked.

use std::time::Duration;
use v2x_hil::protocol::isotp::*;
use v2x_hil::transport::can::{CanFrame, CanId};

const TX: CanId = CanId::Standard(0x7E0);
const RX: CanId = CanId::Standard(0x7E8);

fn cfg() -> IsoTpConfig {
    IsoTpConfig::new(TX, RX)
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn frame(id: CanId, data: &[u8]) -> CanFrame {
    CanFrame::new(id, data).unwrap()
}

/// python-can-isotp `make_payload`-like: 0, 1, 2, … wrapping.
fn payload(n: usize) -> Vec<u8> {
    (0..n).map(|i| i as u8).collect()
}

struct XorShift(u64);
impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

#[test]
fn single_frame_bytes() {
    // python-can-isotp test_receive_single_sf: 05 11 22 33 44 55.
    let mut r = Receiver::new(cfg().reversed());
    let ev = r.on_frame(ms(0), &frame(TX, &[0x05, 0x11, 0x22, 0x33, 0x44, 0x55]));
    assert_eq!(ev.completed, Some(vec![0x11, 0x22, 0x33, 0x44, 0x55]));
    assert_eq!(ev.flow_control, None);

    let mut s = Sender::new(cfg());
    s.start(&[0x10, 0x02]).unwrap();
    let step = s.poll(ms(0)).unwrap();
    assert!(step.done);
    assert_eq!(step.frames, vec![frame(TX, &[0x02, 0x10, 0x02])]);
}

#[test]
fn padding_fills_eight_bytes() {
    let mut c = cfg();
    c.padding = Some(0xCC);
    let mut s = Sender::new(c.clone());
    s.start(&[0x10, 0x02]).unwrap();
    let f = s.poll(ms(0)).unwrap().frames;
    assert_eq!(
        f,
        vec![frame(TX, &[0x02, 0x10, 0x02, 0xCC, 0xCC, 0xCC, 0xCC, 0xCC])]
    );
    // The receiver ignores padding after SF_DL and answers FC padded (0xAA).
    let mut rc = c.reversed();
    rc.padding = Some(0xAA);
    let mut r = Receiver::new(rc);
    assert_eq!(r.on_frame(ms(0), &f[0]).completed, Some(vec![0x10, 0x02]));
    let ev = r.on_frame(ms(0), &frame(TX, &[0x10, 0x0A, 0, 1, 2, 3, 4, 5]));
    assert_eq!(
        ev.flow_control,
        Some(frame(RX, &[0x30, 0x00, 0x00, 0xAA, 0xAA, 0xAA, 0xAA, 0xAA]))
    );
    // The last CF padded to 8 bytes: only 4 of its bytes are data.
    let ev = r.on_frame(ms(1), &frame(TX, &[0x21, 6, 7, 8, 9, 0xCC, 0xCC, 0xCC]));
    assert_eq!(ev.completed, Some(payload(10)));
}

#[test]
fn multiframe_with_block_size_and_st_min() {
    // python-can-isotp test_long_multiframe_2_flow_control: 30 bytes, BS 3, STmin 5.
    let mut rc = cfg().reversed();
    rc.block_size = 3;
    rc.st_min = ms(5);
    let mut r = Receiver::new(rc);
    let p = payload(30);
    let mut first = vec![0x10, 30];
    first.extend_from_slice(&p[0..6]);
    let ev = r.on_frame(ms(0), &frame(TX, &first));
    assert_eq!(ev.flow_control, Some(frame(RX, &[0x30, 0x03, 0x05])));
    for (sn, range) in [(1u8, 6..13), (2, 13..20)] {
        let mut d = vec![0x20 | sn];
        d.extend_from_slice(&p[range]);
        let ev = r.on_frame(ms(1), &frame(TX, &d));
        assert_eq!(ev, RxEvent::default());
    }
    let mut d = vec![0x23];
    d.extend_from_slice(&p[20..27]);
    let ev = r.on_frame(ms(2), &frame(TX, &d));
    assert_eq!(ev.flow_control, Some(frame(RX, &[0x30, 0x03, 0x05])));
    let mut d = vec![0x24];
    d.extend_from_slice(&p[27..30]);
    assert_eq!(r.on_frame(ms(3), &frame(TX, &d)).completed, Some(p.clone()));

    // The sender side of the same exchange.
    let mut s = Sender::new(cfg());
    s.start(&p).unwrap();
    let st = s.poll(ms(0)).unwrap();
    assert_eq!(st.frames, vec![frame(TX, &first)]);
    assert_eq!(st.wake_at, Some(ms(1000)), "N_Bs");
    s.on_flow_control(ms(10), &frame(RX, &[0x30, 0x03, 0x05]))
        .unwrap();
    let st = s.poll(ms(10)).unwrap();
    assert_eq!(st.frames.len(), 1);
    assert_eq!(st.wake_at, Some(ms(15)), "STmin 5 ms");
    assert!(s.poll(ms(14)).unwrap().frames.is_empty());
    assert_eq!(s.poll(ms(15)).unwrap().frames.len(), 1);
    let st = s.poll(ms(20)).unwrap();
    assert_eq!(st.frames[0].data()[0], 0x23);
    assert_eq!(st.wake_at, Some(ms(1020)), "block done: N_Bs again");
    assert!(s.poll(ms(500)).unwrap().frames.is_empty());
    s.on_flow_control(ms(500), &frame(RX, &[0x30, 0x03, 0x05]))
        .unwrap();
    let st = s.poll(ms(500)).unwrap();
    assert_eq!(st.frames, vec![frame(TX, &d)]);
    assert!(st.done);
}

#[test]
fn length_forms_4095_and_4096() {
    // python-can-isotp test_receive_4095_multiframe / 4096: 1F FF vs the
    // escape form 10 00 00 00 10 00.
    let mut s = Sender::new(cfg());
    s.start(&payload(4095)).unwrap();
    let f = s.poll(ms(0)).unwrap().frames;
    assert_eq!(f[0].data(), &[0x1F, 0xFF, 0, 1, 2, 3, 4, 5]);
    let mut s = Sender::new(cfg());
    s.start(&payload(4096)).unwrap();
    let f = s.poll(ms(0)).unwrap().frames;
    assert_eq!(f[0].data(), &[0x10, 0x00, 0x00, 0x00, 0x10, 0x00, 0, 1]);
    s.on_flow_control(ms(0), &frame(RX, &[0x30, 0, 0])).unwrap();
    let cf = s.poll(ms(0)).unwrap().frames;
    assert_eq!(cf[0].data(), &[0x21, 2, 3, 4, 5, 6, 7, 8]);
    // (4096 − 2) / 7 = 584.9 → 585 consecutive frames.
    assert_eq!(cf.len(), 585);

    let mut c = cfg().reversed();
    c.max_receive_len = 5000;
    let mut r = Receiver::new(c);
    let mut done = None;
    for f in f.iter().chain(cf.iter()) {
        let redirected = frame(TX, f.data());
        if let Some(m) = r.on_frame(ms(1), &redirected).completed {
            done = Some(m);
        }
    }
    assert_eq!(done, Some(payload(4096)));
}

#[test]
fn st_min_codes() {
    // ISO 15765-2:2016 Table 20.
    assert_eq!(decode_st_min(0x00), Duration::ZERO);
    assert_eq!(decode_st_min(0x7F), ms(127));
    assert_eq!(decode_st_min(0xF1), Duration::from_micros(100));
    assert_eq!(decode_st_min(0xF9), Duration::from_micros(900));
    for reserved in [0x80u8, 0xA0, 0xF0, 0xFA, 0xFF] {
        assert_eq!(decode_st_min(reserved), ms(127), "{reserved:#x}");
    }
    assert_eq!(encode_st_min(Duration::ZERO), 0);
    assert_eq!(encode_st_min(Duration::from_micros(100)), 0xF1);
    assert_eq!(encode_st_min(Duration::from_micros(150)), 0xF2);
    assert_eq!(encode_st_min(Duration::from_micros(900)), 0xF9);
    assert_eq!(encode_st_min(Duration::from_micros(950)), 0x01);
    assert_eq!(encode_st_min(ms(5)), 0x05);
    assert_eq!(encode_st_min(ms(500)), 0x7F);
    for raw in (0u8..=0x7F).chain(0xF1..=0xF9) {
        assert_eq!(encode_st_min(decode_st_min(raw)), raw);
    }
}

#[test]
fn reserved_st_min_in_flow_control_means_127_ms() {
    let mut s = Sender::new(cfg());
    s.start(&payload(20)).unwrap();
    s.poll(ms(0)).unwrap();
    s.on_flow_control(ms(0), &frame(RX, &[0x30, 0x00, 0xFA]))
        .unwrap();
    let st = s.poll(ms(0)).unwrap();
    assert_eq!(st.frames.len(), 1);
    assert_eq!(st.wake_at, Some(ms(127)));
    // Microsecond codes: 0xF5 = 500 µs.
    let mut s = Sender::new(cfg());
    s.start(&payload(20)).unwrap();
    s.poll(ms(0)).unwrap();
    s.on_flow_control(ms(0), &frame(RX, &[0x30, 0x00, 0xF5]))
        .unwrap();
    assert_eq!(
        s.poll(ms(0)).unwrap().wake_at,
        Some(Duration::from_micros(500))
    );
}

#[test]
fn sequence_numbers_wrap_after_15() {
    let mut s = Sender::new(cfg());
    s.start(&payload(6 + 7 * 20)).unwrap();
    s.poll(ms(0)).unwrap();
    s.on_flow_control(ms(0), &frame(RX, &[0x30, 0, 0])).unwrap();
    let st = s.poll(ms(0)).unwrap();
    assert!(st.done);
    let sns: Vec<u8> = st.frames.iter().map(|f| f.data()[0]).collect();
    let expect: Vec<u8> = (1..=20u8).map(|i| 0x20 | (i & 0x0F)).collect();
    assert_eq!(sns, expect);
    assert_eq!(sns[14..17], [0x2F, 0x20, 0x21]);
}

#[test]
fn wrong_sequence_number_aborts() {
    // python-can-isotp test_receive_multiframe_bad_seqnum.
    let mut r = Receiver::new(cfg().reversed());
    r.on_frame(ms(0), &frame(TX, &[0x10, 10, 0, 1, 2, 3, 4, 5]));
    let ev = r.on_frame(ms(1), &frame(TX, &[0x22, 6, 7, 8, 9]));
    assert_eq!(
        ev.error,
        Some(IsoTpError::WrongSequenceNumber {
            expected: 1,
            got: 2
        })
    );
    assert!(!r.is_receiving());
    // A later CF is ignored; a fresh message still works.
    assert_eq!(
        r.on_frame(ms(2), &frame(TX, &[0x21, 6])),
        RxEvent::default()
    );
}

#[test]
fn wait_restarts_n_bs_and_is_limited() {
    let mut c = cfg();
    c.max_wait_frames = 2;
    let mut s = Sender::new(c);
    s.start(&payload(20)).unwrap();
    s.poll(ms(0)).unwrap();
    s.on_flow_control(ms(900), &frame(RX, &[0x31, 0, 0]))
        .unwrap();
    // N_Bs restarted at 900 ms: still waiting at 1500 ms.
    let st = s.poll(ms(1500)).unwrap();
    assert_eq!(st.wake_at, Some(ms(1900)));
    s.on_flow_control(ms(1800), &frame(RX, &[0x31, 0, 0]))
        .unwrap();
    let err = s.on_flow_control(ms(1900), &frame(RX, &[0x31, 0, 0]));
    assert_eq!(err, Err(IsoTpError::TooManyWaits { waits: 3, max: 2 }));
    assert!(!s.is_busy());

    // WAIT then CTS continues; N_WFTmax = 0 refuses any WAIT.
    let mut s = Sender::new(cfg());
    s.start(&payload(20)).unwrap();
    s.poll(ms(0)).unwrap();
    s.on_flow_control(ms(1), &frame(RX, &[0x31, 0, 0])).unwrap();
    s.on_flow_control(ms(2), &frame(RX, &[0x30, 0, 0])).unwrap();
    assert!(s.poll(ms(2)).unwrap().done);
    let mut c = cfg();
    c.max_wait_frames = 0;
    let mut s = Sender::new(c);
    s.start(&payload(20)).unwrap();
    s.poll(ms(0)).unwrap();
    assert!(s.on_flow_control(ms(1), &frame(RX, &[0x31, 0, 0])).is_err());
}

#[test]
fn overflow_and_reserved_flow_status_abort() {
    let mut s = Sender::new(cfg());
    s.start(&payload(100)).unwrap();
    s.poll(ms(0)).unwrap();
    assert_eq!(
        s.on_flow_control(ms(1), &frame(RX, &[0x32, 0, 0])),
        Err(IsoTpError::Overflow)
    );
    assert!(!s.is_busy());
    s.start(&payload(100)).unwrap();
    s.poll(ms(0)).unwrap();
    assert_eq!(
        s.on_flow_control(ms(1), &frame(RX, &[0x37, 0, 0])),
        Err(IsoTpError::InvalidFlowStatus(7))
    );
    // python-can-isotp test_receive_overflow_handling_escape_sequence.
    let mut c = cfg().reversed();
    c.max_receive_len = 32;
    let mut r = Receiver::new(c);
    let ev = r.on_frame(ms(0), &frame(TX, &[0x10, 0, 0, 0, 0, 33, 0, 1]));
    assert_eq!(ev.flow_control, Some(frame(RX, &[0x32, 0, 0])));
    assert_eq!(
        ev.error,
        Some(IsoTpError::IncomingTooLong { len: 33, max: 32 })
    );
    let ev = r.on_frame(ms(0), &frame(TX, &[0x10, 0, 0, 0, 0, 32, 0, 1]));
    assert_eq!(ev.flow_control, Some(frame(RX, &[0x30, 0, 0])));
}

#[test]
fn timers_n_bs_and_n_cr() {
    let mut s = Sender::new(cfg());
    s.start(&payload(20)).unwrap();
    s.poll(ms(0)).unwrap();
    assert!(s.poll(ms(999)).is_ok());
    assert_eq!(
        s.poll(ms(1000)),
        Err(IsoTpError::Timeout {
            timer: Timer::NBs,
            after: ms(1000)
        })
    );
    assert!(!s.is_busy());

    let mut c = cfg().reversed();
    c.n_cr = ms(200);
    let mut r = Receiver::new(c);
    r.on_frame(ms(0), &frame(TX, &[0x10, 20, 0, 1, 2, 3, 4, 5]));
    assert_eq!(r.deadline(), Some(ms(200)));
    r.on_frame(ms(150), &frame(TX, &[0x21, 6, 7, 8, 9, 10, 11, 12]));
    assert_eq!(r.check_timeout(ms(300)), None, "restarted by the CF");
    assert_eq!(
        r.check_timeout(ms(350)),
        Some(IsoTpError::Timeout {
            timer: Timer::NCr,
            after: ms(200)
        })
    );
    // A late CF after the timeout is ignored.
    let ev = r.on_frame(ms(400), &frame(TX, &[0x22, 13, 14, 15, 16, 17, 18, 19]));
    assert_eq!(ev, RxEvent::default());
}

#[test]
fn new_message_interrupts_reception() {
    // python-can-isotp test_receive_single_frame_interrupt_multiframe_then_recover.
    let mut r = Receiver::new(cfg().reversed());
    r.on_frame(ms(0), &frame(TX, &[0x10, 16, 0, 1, 2, 3, 4, 5]));
    let ev = r.on_frame(ms(1), &frame(TX, &[0x02, 0xAB, 0xCD]));
    assert_eq!(ev.completed, Some(vec![0xAB, 0xCD]));
    assert_eq!(ev.error, Some(IsoTpError::Interrupted));
}

#[test]
fn ignores_other_ids_and_malformed_frames() {
    let mut r = Receiver::new(cfg().reversed());
    let other = CanId::Standard(0x123);
    assert_eq!(
        r.on_frame(ms(0), &frame(other, &[0x02, 1, 2])),
        RxEvent::default()
    );
    for bad in [
        &[0x00u8][..],
        &[0x08, 1, 2, 3, 4, 5, 6, 7],
        &[0x03, 1],
        &[0x10, 5, 1, 2, 3, 4, 5, 6],
        &[0x10, 20, 1],
        &[0x40],
    ] {
        assert_eq!(
            r.on_frame(ms(0), &frame(TX, bad)),
            RxEvent::default(),
            "{bad:02X?}"
        );
    }
    // 29-bit ids work the same way.
    let c = IsoTpConfig::new(CanId::Extended(0x18DA_F110), CanId::Extended(0x18DA_10F1));
    let mut r = Receiver::new(c.reversed());
    let ev = r.on_frame(ms(0), &frame(CanId::Extended(0x18DA_F110), &[0x01, 0x3E]));
    assert_eq!(ev.completed, Some(vec![0x3E]));
}

#[test]
fn sender_rejects_empty_and_busy() {
    let mut s = Sender::new(cfg());
    assert_eq!(s.start(&[]), Err(IsoTpError::BadLength(0)));
    s.start(&payload(10)).unwrap();
    assert_eq!(s.start(&payload(10)), Err(IsoTpError::Busy));
}

/// Wires a sender to a receiver in virtual time; returns the message and
/// the send times of the consecutive frames.
fn transfer(p: &[u8], tx: IsoTpConfig, rx: IsoTpConfig) -> (Vec<u8>, Vec<Duration>) {
    let mut s = Sender::new(tx);
    let mut r = Receiver::new(rx);
    s.start(p).unwrap();
    let mut now = Duration::ZERO;
    let mut got = None;
    let mut cf_times = Vec::new();
    loop {
        let step = s.poll(now).unwrap();
        for f in &step.frames {
            if f.data()[0] >> 4 == 2 {
                cf_times.push(now);
            }
            let ev = r.on_frame(now, f);
            assert_eq!(ev.error, None);
            if let Some(fc) = ev.flow_control {
                s.on_flow_control(now, &fc).unwrap();
            }
            if let Some(m) = ev.completed {
                got = Some(m);
            }
        }
        if step.done {
            break;
        }
        if step.frames.is_empty() {
            now = step.wake_at.expect("a pending sender has a deadline");
        }
    }
    (got.expect("message completed"), cf_times)
}

#[test]
fn random_round_trips() {
    let mut rng = XorShift(0x1234_5678_9ABC_DEF1);
    for i in 0..120 {
        let len = match i {
            0 => 1,
            1 => 7,
            2 => 8,
            3 => 4095,
            4 => 4096,
            5 => 10_000,
            _ => 1 + rng.below(10_000) as usize,
        };
        let p: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        let mut tx = IsoTpConfig::new(TX, RX);
        tx.padding = [None, Some(0xCC), Some(0xAA)][rng.below(3) as usize];
        let mut rx = tx.reversed();
        rx.block_size = [0, 1, 2, 8, 255][rng.below(5) as usize] as u8;
        let st_raw = [0u8, 0, 1, 5, 0xF1, 0xF9, 0x7F][rng.below(7) as usize];
        rx.st_min = decode_st_min(st_raw);
        rx.max_receive_len = 10_000;
        let (got, times) = transfer(&p, tx, rx.clone());
        assert_eq!(got, p, "len {len}");
        // Within a block the sender keeps STmin between consecutive frames.
        for w in times.windows(2) {
            assert!(w[1] - w[0] >= rx.st_min, "len {len} st {st_raw:#x}");
        }
    }
}

/// Random frames into a receiver and a busy sender: a message completes
/// only when it fits the receiver's limit and is never empty, the receiver
/// answers only on its own id and completes nothing it refuses as too long,
/// and the sender only ever sends on its own id, at most 8 bytes a frame.
#[test]
fn random_frames_complete_only_what_fits() {
    let mut rng = XorShift(0xDEAD_BEEF_CAFE_F00D);
    let mut c = cfg();
    c.max_receive_len = 300;
    c.block_size = 3;
    let mut r = Receiver::new(c.reversed());
    let mut s = Sender::new(c.clone());
    let mut now = Duration::ZERO;
    let mut completed = 0;
    for i in 0..200_000u64 {
        now += Duration::from_micros(rng.below(3000));
        let n = rng.below(9) as usize;
        let mut d: Vec<u8> = (0..n).map(|_| rng.next() as u8).collect();
        if let Some(b) = d.first_mut() {
            // Bias toward valid PCI types.
            *b = (*b & 0x3F) | if rng.below(4) == 0 { 0xC0 } else { 0 };
        }
        let id = if rng.below(8) == 0 { RX } else { TX };
        let f = frame(id, &d);
        let ev = r.on_frame(now, &f);
        if let Some(m) = &ev.completed {
            assert!(!m.is_empty() && m.len() <= 300, "{} bytes", m.len());
            completed += 1;
        }
        if let Some(IsoTpError::IncomingTooLong { len, max }) = ev.error {
            assert!(len > max && ev.completed.is_none(), "{len} > {max}");
        }
        if let Some(fc) = &ev.flow_control {
            assert_eq!(fc.id(), RX, "the receiver answers on its own id");
        }
        let _ = r.check_timeout(now);
        if !s.is_busy() {
            let _ = s.start(&payload(1 + (i % 200) as usize));
        }
        let _ = s.on_flow_control(now, &frame(RX, &d));
        if let Ok(step) = s.poll(now) {
            for f in &step.frames {
                assert_eq!(f.id(), TX, "the sender sends on its own id");
                assert!(f.data().len() <= 8);
            }
        }
    }
    assert!(completed > 100, "{completed} messages completed");
}
