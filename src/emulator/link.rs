//! The in-memory link between a driver and an emulated instrument, and the
//! simulated clock. Bytes take the time the configured bit rate takes, and
//! that time passes in the plant: a slow serial query lets the physics run.
//! An injected link fault ([`LinkFault`]) makes the link silent, closed, or
//! the instrument answer with errors.

use super::faults::{LinkFault, LinkMode};
use super::{lock_plant, Instrument, SharedPlant};
use crate::exec::clock::{Clock, ClockKind, Periodic, PeriodicTask};
use crate::plant::{Agent, Plant, SimTime};
use crate::transport::{ByteLink, TransportError};
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

pub struct SimLink {
    plant: SharedPlant,
    instrument: Box<dyn Instrument>,
    byte_time: Duration,
    rx: VecDeque<(Duration, u8)>,
    name: String,
    fault: Option<LinkFault>,
    /// The mode the link was last used in.
    mode: LinkMode,
}

impl SimLink {
    /// `bits_per_byte`: 10 for 8N1 serial, 8 for a TCP stream.
    pub fn new(
        plant: SharedPlant,
        instrument: Box<dyn Instrument>,
        bit_rate: u32,
        bits_per_byte: u32,
        name: impl Into<String>,
    ) -> Self {
        let byte_time =
            Duration::from_secs_f64(f64::from(bits_per_byte) / f64::from(bit_rate.max(1)));
        SimLink {
            plant,
            instrument,
            byte_time,
            rx: VecDeque::new(),
            name: name.into(),
            fault: None,
            mode: LinkMode::Up,
        }
    }

    /// The link obeys `fault` from now on.
    pub fn with_fault(mut self, fault: LinkFault) -> Self {
        self.fault = Some(fault);
        self
    }

    /// The injected mode now; on a change the instrument is told, and a
    /// link that stops carrying bytes loses what was on its way back.
    fn mode(&mut self) -> LinkMode {
        let mode = self.fault.as_ref().map_or(LinkMode::Up, LinkFault::mode);
        if mode != self.mode {
            self.instrument.set_hardware_fault(mode == LinkMode::Errors);
            if matches!(mode, LinkMode::Silent | LinkMode::Closed) {
                self.rx.clear();
            }
            self.mode = mode;
        }
        mode
    }

    fn bytes_time(&self, n: usize) -> Duration {
        self.byte_time * u32::try_from(n).unwrap_or(u32::MAX)
    }
}

impl ByteLink for SimLink {
    fn write_all(&mut self, bytes: &[u8]) -> Result<(), TransportError> {
        let mode = self.mode();
        if mode == LinkMode::Closed {
            return Err(TransportError::Closed);
        }
        let tx_time = self.bytes_time(bytes.len());
        let mut plant = lock_plant(&self.plant);
        let arrived = plant.now() + tx_time;
        plant.advance_to(arrived);
        if mode == LinkMode::Silent {
            // Taken by the wire, lost at an instrument that stopped answering.
            return Ok(());
        }
        let reply = self.instrument.receive(bytes, &mut plant);
        let mut t = plant.now() + self.instrument.reply_latency();
        // A reply can only start after the previous one finished on the wire.
        if let Some(&(last, _)) = self.rx.back() {
            t = t.max(last);
        }
        for b in reply {
            t += self.byte_time;
            self.rx.push_back((t, b));
        }
        Ok(())
    }

    fn read(&mut self, buf: &mut [u8], timeout: Duration) -> Result<usize, TransportError> {
        if self.mode() == LinkMode::Closed {
            return Err(TransportError::Closed);
        }
        let mut plant = lock_plant(&self.plant);
        let deadline = plant.now() + timeout;
        let Some(&(first, _)) = self.rx.front() else {
            plant.advance_to(deadline);
            return Err(TransportError::Timeout(timeout));
        };
        if first > deadline {
            plant.advance_to(deadline);
            return Err(TransportError::Timeout(timeout));
        }
        // Deliver what has arrived once the burst that `first` starts has ended
        // (or the deadline, whichever is sooner), as a UART FIFO would.
        let mut until = first;
        for &(t, _) in self.rx.iter().take(buf.len()) {
            if t > deadline || t > until + self.byte_time * 2 {
                break;
            }
            until = t;
        }
        plant.advance_to(until);
        let mut n = 0;
        while n < buf.len() {
            match self.rx.front() {
                Some(&(t, b)) if t <= until => {
                    buf[n] = b;
                    n += 1;
                    self.rx.pop_front();
                }
                _ => break,
            }
        }
        Ok(n)
    }

    fn clear_input(&mut self) -> Result<(), TransportError> {
        let now = lock_plant(&self.plant).now();
        self.rx.retain(|&(t, _)| t > now);
        Ok(())
    }

    fn describe(&self) -> String {
        format!("emulated {}", self.name)
    }
}

/// Simulated time: sleeping integrates the plant; periodic tasks are agents
/// the plant runs at their instants.
#[derive(Clone)]
pub struct SimClock {
    plant: SharedPlant,
    time: SimTime,
}

impl SimClock {
    pub fn new(plant: SharedPlant) -> Self {
        let time = lock_plant(&plant).sim_time();
        SimClock { plant, time }
    }

    /// Advances to an absolute instant (no-op if it has passed).
    pub fn sleep_until(&self, t: Duration) {
        lock_plant(&self.plant).advance_to(t);
    }

    pub fn time(&self) -> SimTime {
        self.time.clone()
    }
}

impl Clock for SimClock {
    fn now(&self) -> Duration {
        // Lock-free: agents ask while the plant is advancing.
        self.time.now()
    }

    fn sleep(&self, d: Duration) {
        lock_plant(&self.plant).advance(d);
    }

    fn kind(&self) -> ClockKind {
        ClockKind::Simulated
    }

    fn every(&self, phase: Duration, period: Duration, task: PeriodicTask) -> Periodic {
        let stop = Arc::new(AtomicBool::new(false));
        let mut plant = lock_plant(&self.plant);
        let first = plant.now() + phase;
        plant.add_agent(Box::new(PeriodicAgent {
            next: first,
            period: period.max(Duration::from_micros(50)),
            task,
            stop: stop.clone(),
        }));
        Periodic::new(stop, None)
    }
}

struct PeriodicAgent {
    next: Duration,
    period: Duration,
    task: PeriodicTask,
    stop: Arc<AtomicBool>,
}

impl Agent for PeriodicAgent {
    fn next_wake(&self) -> Duration {
        if self.alive() {
            self.next
        } else {
            Duration::MAX
        }
    }

    fn wake(&mut self, plant: &mut Plant) {
        if self.alive() {
            (self.task)(plant.now());
            self.next += self.period;
        }
    }

    fn alive(&self) -> bool {
        !self.stop.load(Ordering::SeqCst)
    }
}
