//! The emulated CAN bus: several nodes on one wire, frames won by
//! arbitration (lowest identifier first, ISO 11898-1 §10.5: a standard frame
//! beats an extended one with the same base id, a data frame beats a remote
//! frame), each occupying the bus for the bits it takes at the bit rate with
//! worst-case stuffing (`timing.rs`). Hooks drop, delay or corrupt frames for
//! fault tests. Time comes from outside (the simulated clock), so the bus
//! carries frames no faster than a real one would.

use super::timing::frame_time;
use super::{CanBus, CanError, CanFrame, CanId, Received};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

/// Reads the clock the bus runs on.
pub type TimeSource = Arc<dyn Fn() -> Duration + Send + Sync>;
/// Lets simulated time pass up to an instant (a blocking receive on the
/// runner's side); never called from inside a periodic task.
pub type Advance = Arc<dyn Fn(Duration) + Send + Sync>;

/// What a fault hook does with a frame that won arbitration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultAction {
    Deliver,
    /// Sent but received by no one (a receiver that missed it).
    Drop,
    /// Held back and sent again this much later.
    Delay(Duration),
    /// A bit error: the frame is destroyed by an error frame and retransmitted.
    Corrupt,
}

pub type FaultHook = Box<dyn FnMut(&CanFrame) -> FaultAction + Send>;
/// Sees every frame completed on the wire (for a bus-wide candump log).
/// Sees every frame once as it leaves the wire, with the node that sent it.
pub type Monitor = Box<dyn FnMut(&Received, &str) + Send>;

/// Longest stretch of simulated time a blocking receive lets pass before it
/// looks at the bus again (under one 8-byte frame at 500 kbit/s).
const RECV_QUANTUM: Duration = Duration::from_micros(200);

/// Error flag (6 bits) + error delimiter (8) + intermission (3), ISO 11898-1 §10.4.4.
const ERROR_FRAME_BITS: u32 = 17;

struct Pending {
    frame: CanFrame,
    from: usize,
    ready_at: Duration,
    seq: u64,
}

struct OnWire {
    frame: CanFrame,
    from: usize,
    end: Duration,
}

struct BusState {
    bit_rate: u32,
    pending: Vec<Pending>,
    on_wire: VecDeque<OnWire>,
    bus_free_at: Duration,
    inboxes: Vec<VecDeque<Received>>,
    /// Each port's node name, by port.
    nodes: Vec<String>,
    seq: u64,
    fault: Option<FaultHook>,
    monitor: Option<Monitor>,
    delivered: u64,
}

/// Arbitration field as the wire sends it: base id, then (for a standard
/// frame) RTR and a dominant IDE, or (extended) recessive SRR and IDE, the
/// 18 extension bits and RTR. Smaller wins.
fn arbitration_key(f: &CanFrame) -> (u32, u8, u8, u32, u8) {
    let rtr = u8::from(f.is_remote());
    match f.id() {
        CanId::Standard(id) => (u32::from(id), rtr, 0, 0, 0),
        CanId::Extended(id) => (id >> 18, 1, 1, id & 0x3_FFFF, rtr),
    }
}

impl BusState {
    /// Decides every frame whose arbitration started before `now` (frames
    /// that become ready at `now` itself may still join that arbitration)
    /// and delivers those that have ended by `now`.
    fn process(&mut self, now: Duration) {
        while let Some(earliest) = self.pending.iter().map(|p| p.ready_at).min() {
            let start = self.bus_free_at.max(earliest);
            if start >= now {
                break;
            }
            let Some(winner) = self
                .pending
                .iter()
                .enumerate()
                .filter(|(_, p)| p.ready_at <= start)
                .min_by_key(|(_, p)| (arbitration_key(&p.frame), p.seq))
                .map(|(i, _)| i)
            else {
                break;
            };
            let p = self.pending.swap_remove(winner);
            let end = start + frame_time(&p.frame, self.bit_rate);
            let action = match self.fault.as_mut() {
                Some(hook) => hook(&p.frame),
                None => FaultAction::Deliver,
            };
            match action {
                FaultAction::Deliver => {
                    self.bus_free_at = end;
                    self.on_wire.push_back(OnWire {
                        frame: p.frame,
                        from: p.from,
                        end,
                    });
                }
                FaultAction::Drop => self.bus_free_at = end,
                FaultAction::Delay(d) => {
                    self.pending.push(Pending {
                        ready_at: start + d,
                        ..p
                    });
                }
                FaultAction::Corrupt => {
                    let error = Duration::from_secs_f64(
                        f64::from(ERROR_FRAME_BITS) / f64::from(self.bit_rate.max(1)),
                    );
                    // Destroyed somewhere in the frame; worst case at its end.
                    self.bus_free_at = end + error;
                    self.pending.push(Pending {
                        ready_at: self.bus_free_at,
                        ..p
                    });
                }
            }
        }
        while let Some(w) = self.on_wire.front() {
            if w.end > now {
                break;
            }
            let Some(w) = self.on_wire.pop_front() else {
                break;
            };
            let received = Received {
                frame: w.frame,
                timestamp: w.end,
            };
            for (port, inbox) in self.inboxes.iter_mut().enumerate() {
                if port != w.from {
                    inbox.push_back(received);
                }
            }
            if let Some(m) = self.monitor.as_mut() {
                m(&received, self.nodes.get(w.from).map_or("", String::as_str));
            }
            self.delivered += 1;
        }
    }

    /// When something next happens on the wire, if anything is queued.
    fn next_event(&self) -> Option<Duration> {
        if let Some(w) = self.on_wire.front() {
            return Some(w.end);
        }
        let earliest = self.pending.iter().map(|p| p.ready_at).min()?;
        let start = self.bus_free_at.max(earliest);
        let shortest = self
            .pending
            .iter()
            .map(|p| frame_time(&p.frame, self.bit_rate))
            .min()
            .unwrap_or_default();
        Some(start + shortest)
    }
}

/// The bus itself: hand out a port per node.
#[derive(Clone)]
pub struct EmulatedCanBus {
    state: Arc<Mutex<BusState>>,
    time: TimeSource,
    advance: Option<Advance>,
    name: String,
}

impl EmulatedCanBus {
    pub fn new(name: &str, bit_rate: u32, time: TimeSource, advance: Option<Advance>) -> Self {
        EmulatedCanBus {
            state: Arc::new(Mutex::new(BusState {
                bit_rate: bit_rate.max(1),
                pending: Vec::new(),
                on_wire: VecDeque::new(),
                bus_free_at: Duration::ZERO,
                inboxes: Vec::new(),
                nodes: Vec::new(),
                seq: 0,
                fault: None,
                monitor: None,
                delivered: 0,
            })),
            time,
            advance,
            name: name.to_string(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, BusState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A new node on the bus.
    pub fn port(&self, node: &str) -> EmulatedCanPort {
        let mut s = self.lock();
        s.inboxes.push(VecDeque::new());
        s.nodes.push(node.to_string());
        EmulatedCanPort {
            bus: self.clone(),
            port: s.inboxes.len() - 1,
            node: node.to_string(),
        }
    }

    pub fn set_fault_hook(&self, hook: Option<FaultHook>) {
        self.lock().fault = hook;
    }

    pub fn set_monitor(&self, monitor: Option<Monitor>) {
        self.lock().monitor = monitor;
    }

    /// Brings the wire up to the clock: delivers what has ended by now.
    pub fn settle(&self) {
        let now = (self.time)();
        self.lock().process(now);
    }

    pub fn frames_delivered(&self) -> u64 {
        self.lock().delivered
    }

    pub fn bit_rate(&self) -> u32 {
        self.lock().bit_rate
    }

    pub fn name(&self) -> &str {
        &self.name
    }
}

/// One node's view of the emulated bus.
pub struct EmulatedCanPort {
    bus: EmulatedCanBus,
    port: usize,
    node: String,
}

impl CanBus for EmulatedCanPort {
    fn send(&mut self, frame: &CanFrame) -> Result<(), CanError> {
        let now = (self.bus.time)();
        let mut s = self.bus.lock();
        s.process(now);
        s.seq += 1;
        let seq = s.seq;
        s.pending.push(Pending {
            frame: *frame,
            from: self.port,
            ready_at: now,
            seq,
        });
        Ok(())
    }

    fn recv(&mut self, timeout: Duration) -> Result<Option<Received>, CanError> {
        let deadline = (self.bus.time)() + timeout;
        loop {
            let now = (self.bus.time)();
            let next = {
                let mut s = self.bus.lock();
                s.process(now);
                if let Some(r) = s.inboxes.get_mut(self.port).and_then(|q| q.pop_front()) {
                    return Ok(Some(r));
                }
                s.next_event()
            };
            let Some(advance) = self.bus.advance.as_ref() else {
                return Ok(None);
            };
            if now >= deadline {
                return Ok(None);
            }
            // Never hold the bus while time passes: periodic tasks use it.
            // Time passes in short quanta: a simulated node may answer at any
            // instant, and its frame must be seen when it arrives, not when
            // a long wait would have ended.
            let until = next
                .map_or(now + RECV_QUANTUM, |t| t.min(now + RECV_QUANTUM))
                .min(deadline)
                .max(now);
            advance(if until > now { until } else { deadline });
        }
    }

    fn describe(&self) -> String {
        format!("emulated {} ({})", self.bus.name, self.node)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU64, Ordering};

    /// A manual clock for the bus alone.
    fn clock() -> (Arc<AtomicU64>, TimeSource, Advance) {
        let t = Arc::new(AtomicU64::new(0));
        let r = t.clone();
        let a = t.clone();
        (
            t,
            Arc::new(move || Duration::from_nanos(r.load(Ordering::SeqCst))),
            Arc::new(move |until: Duration| {
                a.fetch_max(until.as_nanos() as u64, Ordering::SeqCst);
            }),
        )
    }

    fn frame(id: u16) -> CanFrame {
        CanFrame::new(CanId::standard(id).unwrap(), &[1, 2, 3, 4, 5, 6, 7, 8]).unwrap()
    }

    #[test]
    fn lowest_id_wins_and_each_frame_takes_its_bits() {
        let (_t, time, adv) = clock();
        let bus = EmulatedCanBus::new("can0", 500_000, time, Some(adv));
        let mut a = bus.port("a");
        let mut b = bus.port("b");
        let mut rx = bus.port("rx");
        a.send(&frame(0x200)).unwrap();
        b.send(&frame(0x100)).unwrap();
        let first = rx.recv(Duration::from_millis(5)).unwrap().unwrap();
        let second = rx.recv(Duration::from_millis(5)).unwrap().unwrap();
        assert_eq!(first.frame.id(), CanId::Standard(0x100));
        assert_eq!(second.frame.id(), CanId::Standard(0x200));
        let one = frame_time(&frame(0x100), 500_000);
        assert_eq!(first.timestamp, one);
        assert_eq!(second.timestamp, one * 2);
        // The sender does not hear itself.
        assert!(a.recv(Duration::ZERO).unwrap().is_some()); // b's frame
        assert!(a.recv(Duration::ZERO).unwrap().is_none());
    }

    #[test]
    fn standard_beats_extended_with_the_same_base_and_data_beats_remote() {
        let std_data = frame(0x123);
        let std_remote = CanFrame::remote(CanId::standard(0x123).unwrap(), 8).unwrap();
        let ext = CanFrame::new(CanId::extended(0x123 << 18).unwrap(), &[0]).unwrap();
        assert!(arbitration_key(&std_data) < arbitration_key(&std_remote));
        assert!(arbitration_key(&std_remote) < arbitration_key(&ext));
        assert!(arbitration_key(&frame(0x122)) < arbitration_key(&std_data));
    }

    #[test]
    fn faults_drop_delay_and_corrupt() {
        let (_t, time, adv) = clock();
        let bus = EmulatedCanBus::new("can0", 500_000, time, Some(adv));
        let mut tx = bus.port("tx");
        let mut rx = bus.port("rx");
        let mut n = 0;
        bus.set_fault_hook(Some(Box::new(move |_f: &CanFrame| {
            n += 1;
            match n {
                1 => FaultAction::Drop,
                2 => FaultAction::Corrupt,
                3 => FaultAction::Delay(Duration::from_millis(10)),
                _ => FaultAction::Deliver,
            }
        })));
        tx.send(&frame(0x10)).unwrap(); // dropped
        tx.send(&frame(0x20)).unwrap(); // corrupted, then retransmitted, then delayed
        let r = rx.recv(Duration::from_millis(50)).unwrap().unwrap();
        assert_eq!(r.frame.id(), CanId::Standard(0x20));
        let ft = frame_time(&frame(0x10), 500_000);
        assert!(
            r.timestamp > Duration::from_millis(10) + ft,
            "{:?}",
            r.timestamp
        );
        assert!(rx.recv(Duration::from_millis(50)).unwrap().is_none());
    }

    #[test]
    fn throughput_never_exceeds_the_bit_rate() {
        let (_t, time, adv) = clock();
        let bus = EmulatedCanBus::new("can0", 500_000, time, Some(adv));
        let mut tx = bus.port("tx");
        let mut rx = bus.port("rx");
        for k in 0..100u16 {
            tx.send(&frame(0x100 + k)).unwrap();
        }
        let mut last = Duration::ZERO;
        for _ in 0..100 {
            last = rx.recv(Duration::from_secs(1)).unwrap().unwrap().timestamp;
        }
        assert_eq!(last, frame_time(&frame(0x100), 500_000) * 100);
    }
}
