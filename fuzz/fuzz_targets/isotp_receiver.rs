//! ISO-TP state machines. Odd first byte: a fuzzed sequence of frames (and
//! times) into a Receiver and a busy Sender never panics, never completes a
//! message longer than the receiver accepts, and only answers on its own id.
//! Even first byte: the rest of the input, segmented by a Sender and
//! reassembled by a Receiver under fuzz-chosen padding, block size and STmin,
//! comes out unchanged.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::time::Duration;
use v2x_hil::protocol::isotp::{decode_st_min, IsoTpConfig, Receiver, Sender};
use v2x_hil::transport::can::{CanFrame, CanId};

fn config() -> IsoTpConfig {
    let tx = CanId::standard(0x7E0).expect("valid id");
    let rx = CanId::standard(0x7E8).expect("valid id");
    IsoTpConfig::new(tx, rx)
}

fn random_frames(knobs: u8, data: &[u8]) {
    let mut c = config();
    c.max_receive_len = 64 + u32::from(knobs) * 16;
    c.block_size = knobs % 4;
    let mut r = Receiver::new(c.reversed());
    let mut s = Sender::new(c.clone());
    let _ = s.start(&[0x5A; 100]);
    let mut now = Duration::ZERO;
    // Each record: time step, id choice, length, then up to 8 bytes.
    let mut rest = data;
    while let [dt, sel, len, tail @ ..] = rest {
        let n = usize::from(*len % 9).min(tail.len());
        let (bytes, next) = tail.split_at(n);
        rest = next;
        now += Duration::from_micros(u64::from(*dt) * 500);
        let id = if sel & 1 == 0 { c.tx_id } else { c.rx_id };
        let Ok(frame) = (if sel & 0x80 != 0 {
            CanFrame::remote(id, n as u8)
        } else {
            CanFrame::new(id, bytes)
        }) else {
            continue;
        };
        let ev = r.on_frame(now, &frame);
        if let Some(m) = ev.completed {
            assert!(!m.is_empty());
            assert!(m.len() <= c.max_receive_len as usize);
        }
        if let Some(fc) = ev.flow_control {
            assert_eq!(fc.id(), c.rx_id, "receiver answers on its tx id");
        }
        let _ = s.on_flow_control(now, &frame);
        if let Ok(step) = s.poll(now) {
            assert!(step.frames.iter().all(|f| f.id() == c.tx_id));
        }
        let _ = r.check_timeout(now);
    }
}

fn round_trip(knobs: u8, payload: &[u8]) {
    if payload.is_empty() {
        return;
    }
    let mut tx = config();
    tx.padding = [None, Some(0xCC), Some(0xAA), None][usize::from(knobs & 3)];
    let mut rx = tx.reversed();
    rx.block_size = [0, 1, 2, 8][usize::from((knobs >> 2) & 3)];
    rx.st_min = decode_st_min([0, 1, 0xF1, 0x7F][usize::from((knobs >> 4) & 3)]);
    let mut s = Sender::new(tx);
    let mut r = Receiver::new(rx);
    s.start(payload).expect("a non-empty payload starts");
    let mut now = Duration::ZERO;
    let mut got = None;
    // A frame per 7 bytes, a flow control per frame at worst, and slack.
    for _ in 0..4 * (payload.len() + 8) {
        let step = s.poll(now).expect("no timer runs out on a clean link");
        for f in &step.frames {
            let ev = r.on_frame(now, f);
            assert_eq!(ev.error, None);
            if let Some(fc) = ev.flow_control {
                s.on_flow_control(now, &fc).expect("clear to send");
            }
            if let Some(m) = ev.completed {
                assert!(got.replace(m).is_none(), "completed twice");
            }
        }
        if step.done {
            assert_eq!(got.as_deref(), Some(payload));
            return;
        }
        if step.frames.is_empty() {
            now = step.wake_at.expect("a pending sender has a deadline");
        }
    }
    panic!("the transfer of {} bytes did not finish", payload.len());
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let Some((&knobs, rest)) = rest.split_first() else {
        return;
    };
    if mode & 1 == 1 {
        random_frames(knobs, rest);
    } else {
        round_trip(knobs, rest);
    }
});
