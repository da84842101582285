//! Fidelity and speed of the emulated CAN bus (issue 3 §6): frames per
//! simulated second at 500 kbit/s against the theoretical maximum for 8-byte
//! standard frames with worst-case stuffing, and how many frames per wall
//! second the bus moves. Prints figures and ratios; asserts nothing on time.
//!
//! `cargo bench --bench can_bus`

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use v2x_hil::transport::can::emulated::EmulatedCanBus;
use v2x_hil::transport::can::timing::frame_bits_worst_case;
use v2x_hil::transport::can::{CanBus, CanFrame, CanId};

fn main() {
    if std::env::args().any(|a| a == "--test" || a == "--list") {
        return;
    }
    let bit_rate = 500_000;
    let t = Arc::new(AtomicU64::new(0));
    let (read, adv) = (t.clone(), t.clone());
    let bus = EmulatedCanBus::new(
        "can0",
        bit_rate,
        Arc::new(move || Duration::from_nanos(read.load(Ordering::SeqCst))),
        Some(Arc::new(move |until: Duration| {
            adv.fetch_max(until.as_nanos() as u64, Ordering::SeqCst);
        })),
    );
    let mut a = bus.port("a");
    let mut b = bus.port("b");
    let mut rx = bus.port("rx");
    let frames = 200_000u32;
    let frame = |k: u32| {
        CanFrame::new(
            CanId::standard((k % 0x700) as u16).unwrap(),
            &k.to_le_bytes().repeat(2),
        )
        .unwrap()
    };
    let bits = frame_bits_worst_case(&frame(0));
    let start = Instant::now();
    // Two senders keep the bus saturated; the receiver drains it.
    let mut received = 0u32;
    let mut last = Duration::ZERO;
    let mut k = 0;
    while received < frames {
        while k < frames && k < received + 64 {
            let port = if k % 2 == 0 { &mut a } else { &mut b };
            port.send(&frame(k)).unwrap();
            k += 1;
        }
        if let Some(r) = rx.recv(Duration::from_millis(10)).unwrap() {
            received += 1;
            last = r.timestamp;
        }
    }
    let wall = start.elapsed().as_secs_f64();
    let per_sim_s = f64::from(frames) / last.as_secs_f64();
    let theoretical = f64::from(bit_rate) / f64::from(bits);
    println!(
        "emulated CAN @ {} kbit/s: {frames} 8-byte frames in {:.3} simulated s = {per_sim_s:.0} frames/s; \
         theoretical maximum {theoretical:.0} frames/s ({bits} bits each, worst-case stuffing); ratio {:.4}",
        bit_rate / 1000,
        last.as_secs_f64(),
        per_sim_s / theoretical
    );
    println!(
        "wall clock: {:.0} frames/s moved ({:.1}× a saturated real bus)",
        f64::from(frames) / wall,
        f64::from(frames) / wall / theoretical
    );
}
