//! Faults on an emulated CAN bus, through the bus's fault hook: frames lost
//! and transmissions destroyed at a rate, drawn from a PRNG seeded from
//! the rig so that runs stay bit-identical; and a node whose controller
//! hung (`ev_silent`).
//!
//! What "corrupt" means: on a real bus a frame whose bits were disturbed
//! fails its CRC-15 (or a stuff or form check) at every receiver, which
//! sends an error frame; the sender retransmits it (ISO 11898-1 §10.4.4
//! error frames, §10.11 error detection). Corrupted data is never
//! delivered, so `can_corrupt` costs bus time — the frame, the 17-bit error
//! frame, the retransmission — and delays the frame, which may be hit
//! again. Error counters and bus-off are not modelled: at rates near 1 the
//! sender retries for as long as the fault lasts. `can_loss` is a frame a
//! receiver did not take (its FIFO overran): on the wire, received by none.

use crate::transport::can::emulated::{EmulatedCanBus, FaultAction};
use crate::transport::can::{CanBus, CanError, CanFrame, Received};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// SplitMix64 (Steele, Lea, Flood 2014): small, fast, and the same
/// sequence on every machine.
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    pub fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// FNV-1a of a text: seeds from names (the rig's, the bus's).
pub fn seed_of(text: &str) -> u64 {
    text.bytes().fold(0xCBF2_9CE4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01B3)
    })
}

/// The rates in force on one bus and the draws they take.
#[derive(Debug)]
pub struct CanRates {
    pub loss: f64,
    pub corrupt: f64,
    rng: SplitMix64,
}

impl CanRates {
    /// What happens to one transmission.
    fn decide(&mut self) -> FaultAction {
        if self.corrupt > 0.0 && self.rng.unit() < self.corrupt {
            return FaultAction::Corrupt;
        }
        if self.loss > 0.0 && self.rng.unit() < self.loss {
            return FaultAction::Drop;
        }
        FaultAction::Deliver
    }
}

/// Installs the fault hook on `bus`; returns the rates it reads (0 until
/// a fault sets them).
pub fn install(bus: &EmulatedCanBus, seed: u64) -> Arc<Mutex<CanRates>> {
    let rates = Arc::new(Mutex::new(CanRates {
        loss: 0.0,
        corrupt: 0.0,
        rng: SplitMix64::new(seed),
    }));
    let hook = rates.clone();
    bus.set_fault_hook(Some(Box::new(move |_: &CanFrame| {
        hook.lock().map_or(FaultAction::Deliver, |mut r| r.decide())
    })));
    rates
}

/// A node on the bus whose controller can hang: while `silent`, what it
/// sends never reaches the wire. It still hears the bus, so the EV
/// simulator shows what the charger did about its silence.
pub struct HungNode {
    inner: Box<dyn CanBus>,
    silent: Arc<AtomicBool>,
}

impl HungNode {
    pub fn new(inner: Box<dyn CanBus>, silent: Arc<AtomicBool>) -> Self {
        HungNode { inner, silent }
    }
}

impl CanBus for HungNode {
    fn send(&mut self, frame: &CanFrame) -> Result<(), CanError> {
        if self.silent.load(Ordering::SeqCst) {
            return Ok(());
        }
        self.inner.send(frame)
    }

    fn recv(&mut self, timeout: Duration) -> Result<Option<Received>, CanError> {
        self.inner.recv(timeout)
    }

    fn describe(&self) -> String {
        self.inner.describe()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_draws_are_the_same_every_time_and_near_their_rate() {
        let mut a = SplitMix64::new(seed_of("emulated-faults/can0"));
        let mut b = SplitMix64::new(seed_of("emulated-faults/can0"));
        let n = 100_000;
        let hits = (0..n).filter(|_| a.unit() < 0.05).count();
        let again = (0..n).filter(|_| b.unit() < 0.05).count();
        assert_eq!(hits, again);
        assert!((4_500..5_500).contains(&hits), "{hits}");
    }
}
