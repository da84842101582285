//! ISO-TP over any [`CanBus`]: a blocking [`IsoTpChannel`] for clients
//! (the UDS tester) and a non-blocking [`IsoTpNode`] for servers stepped by
//! a periodic task (an emulated ECU). Both drive the pure state machines of
//! `protocol::isotp` and wait only through `bus.recv(timeout)`, so on the
//! emulated bus simulated time passes and on hardware wall time does.
//!
//! Separation times count from the moment a frame is handed to the bus, as
//! the Linux kernel's `net/can/isotp.c` does without `frame_txtime`; with
//! BS = 0 and STmin = 0 every consecutive frame is queued at once, back to
//! back, so the wire (not this code) sets the pace.

use super::timing::frame_time;
use super::{CanBus, CanFrame};
use crate::protocol::isotp::{
    parse, IsoTpConfig, IsoTpError, Pdu, Receiver, RxEvent, Sender, Timer,
};
use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

/// Reads the clock the bus runs on (simulated time on the emulated rig).
pub type Clock = Arc<dyn Fn() -> Duration + Send + Sync>;

/// Longest single `bus.recv` wait; longer waits loop, so a caller's
/// `Duration::MAX` never overflows a backend's deadline arithmetic.
const MAX_BUS_WAIT: Duration = Duration::from_secs(60);

/// Hands a frame to the bus, checking N_As (ISO 15765-2:2016 network layer timing: the
/// data link layer must take the frame within N_As/N_Ar).
fn transmit(
    bus: &mut dyn CanBus,
    config: &IsoTpConfig,
    now: &Clock,
    frame: &CanFrame,
) -> Result<(), IsoTpError> {
    let t0 = now();
    bus.send(frame)
        .map_err(|e| IsoTpError::Can(e.to_string()))?;
    if now().saturating_sub(t0) > config.n_as {
        return Err(IsoTpError::Timeout {
            timer: Timer::NAs,
            after: config.n_as,
        });
    }
    Ok(())
}

/// What a frame from the peer did: a flow control goes to the sender,
/// anything else to the receiver (which may answer with its own FC).
fn route(
    sender: &mut Sender,
    receiver: &mut Receiver,
    now: Duration,
    frame: &CanFrame,
) -> (Result<(), IsoTpError>, RxEvent) {
    if frame.id() != receiver.config().rx_id {
        return (Ok(()), RxEvent::default());
    }
    if matches!(parse(frame.data()), Ok(Pdu::FlowControl { .. })) {
        (sender.on_flow_control(now, frame), RxEvent::default())
    } else {
        (Ok(()), receiver.on_frame(now, frame))
    }
}

/// A blocking ISO-TP link for a client.
pub struct IsoTpChannel {
    bus: Box<dyn CanBus>,
    config: IsoTpConfig,
    now: Clock,
    sender: Sender,
    receiver: Receiver,
    inbox: VecDeque<Vec<u8>>,
    /// A reception that failed while we were sending; `recv` reports it.
    deferred: Option<IsoTpError>,
    /// Bit rate for estimating when queued frames have left (see `with_bit_rate`).
    bit_rate_bps: Option<u32>,
    /// Estimated end of the last frame we queued.
    tx_end: Duration,
}

impl IsoTpChannel {
    pub fn new(bus: Box<dyn CanBus>, config: IsoTpConfig, now: Clock) -> Self {
        IsoTpChannel {
            bus,
            sender: Sender::new(config.clone()),
            receiver: Receiver::new(config.clone()),
            config,
            now,
            inbox: VecDeque::new(),
            deferred: None,
            bit_rate_bps: None,
            tx_end: Duration::ZERO,
        }
    }

    /// Tells the channel the bus bit rate. `send` returns once the frames
    /// are *queued*; with BS 0 a long message may still be on its way for
    /// hundreds of milliseconds. Knowing the rate, the channel estimates
    /// (worst-case stuffing, a free bus) when its last frame ends and
    /// `recv` counts its timeout from then, so a UDS P2 wait starts at the
    /// end of the request as ISO 14229-2 defines it.
    pub fn with_bit_rate(mut self, bit_rate_bps: u32) -> Self {
        self.bit_rate_bps = Some(bit_rate_bps);
        self
    }

    /// Estimated end of our last queued frame on the wire (now, without a bit rate).
    pub fn tx_end_estimate(&self) -> Duration {
        self.tx_end.max(self.now())
    }

    fn transmit(&mut self, frame: &CanFrame) -> Result<(), IsoTpError> {
        transmit(self.bus.as_mut(), &self.config, &self.now, frame)?;
        let now = self.now();
        self.tx_end = match self.bit_rate_bps {
            Some(rate) => self.tx_end.max(now).saturating_add(frame_time(frame, rate)),
            None => now,
        };
        Ok(())
    }

    pub fn config(&self) -> &IsoTpConfig {
        &self.config
    }

    /// The bus clock.
    pub fn now(&self) -> Duration {
        (self.now)()
    }

    pub fn describe(&self) -> String {
        format!(
            "ISO-TP {}→{} on {}",
            self.config.tx_id,
            self.config.rx_id,
            self.bus.describe()
        )
    }

    /// Forgets messages received but not yet read (stale answers).
    pub fn clear(&mut self) {
        self.inbox.clear();
        self.deferred = None;
    }

    /// Sends one message; returns once its last frame is handed to the bus
    /// (it may still be queued there, see [`with_bit_rate`](Self::with_bit_rate)).
    /// Fails on N_As / N_Bs timeouts, OVERFLOW, too many WAITs or a bad
    /// flow status.
    pub fn send(&mut self, payload: &[u8]) -> Result<(), IsoTpError> {
        self.sender.start(payload)?;
        let result = self.drive_sender();
        if result.is_err() {
            self.sender.abort();
        }
        result
    }

    fn drive_sender(&mut self) -> Result<(), IsoTpError> {
        loop {
            let now = self.now();
            let step = self.sender.poll(now)?;
            for f in &step.frames {
                self.transmit(f)?;
            }
            if step.done {
                return Ok(());
            }
            if !step.frames.is_empty() {
                continue;
            }
            let wait = step
                .wake_at
                .unwrap_or(now)
                .saturating_sub(now)
                .min(MAX_BUS_WAIT);
            if wait.is_zero() {
                continue;
            }
            match self.bus.recv(wait) {
                Ok(Some(r)) => self.on_frame(&r.frame)?,
                Ok(None) => {}
                Err(e) => return Err(IsoTpError::Can(e.to_string())),
            }
        }
    }

    /// Waits up to `timeout` (counted from the estimated end of our own
    /// transmission, see [`with_bit_rate`](Self::with_bit_rate)) for a
    /// message to *start* (its single or first frame); a multi-frame
    /// message that started in time is then awaited under N_Cr, so a long
    /// UDS response is not cut by P2.
    pub fn recv(&mut self, timeout: Duration) -> Result<Vec<u8>, IsoTpError> {
        let deadline = self.tx_end_estimate().saturating_add(timeout);
        loop {
            if let Some(m) = self.inbox.pop_front() {
                return Ok(m);
            }
            if let Some(e) = self.deferred.take() {
                return Err(e);
            }
            let now = self.now();
            if let Some(e) = self.receiver.check_timeout(now) {
                return Err(e);
            }
            let limit = match self.receiver.deadline() {
                Some(d) => d,
                None if now >= deadline => return Err(IsoTpError::NoMessage { after: timeout }),
                None => deadline,
            };
            match self.bus.recv(limit.saturating_sub(now).min(MAX_BUS_WAIT)) {
                Ok(Some(r)) => self.on_frame(&r.frame)?,
                Ok(None) => {}
                Err(e) => return Err(IsoTpError::Can(e.to_string())),
            }
        }
    }

    fn on_frame(&mut self, frame: &CanFrame) -> Result<(), IsoTpError> {
        let now = self.now();
        let (tx, ev) = route(&mut self.sender, &mut self.receiver, now, frame);
        if let Some(fc) = ev.flow_control {
            self.transmit(&fc)?;
        }
        if let Some(m) = ev.completed {
            self.inbox.push_back(m);
        }
        match ev.error {
            // A new message replaced an unfinished one; the new one counts.
            Some(IsoTpError::Interrupted) | None => {}
            Some(e) => self.deferred = Some(e),
        }
        tx
    }
}

/// What one [`IsoTpNode::step`] produced.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct NodeStep {
    /// Messages that completed.
    pub received: Vec<Vec<u8>>,
    /// Receptions or transmissions that failed (the node carries on).
    pub errors: Vec<IsoTpError>,
    /// Step again by then (an STmin gap or a timer); `None` when idle.
    pub wake_at: Option<Duration>,
    /// Frames handed to the bus in this step (data and flow control): a
    /// time-advance hook must let the bus carry them before jumping ahead.
    pub frames_sent: usize,
}

/// A non-blocking ISO-TP endpoint: reads only what the bus already holds
/// (`recv(0)`), so it can run inside a periodic task or the emulated bus's
/// time-advance hook. Messages queued with [`send`](Self::send) go out one
/// after another.
pub struct IsoTpNode {
    bus: Box<dyn CanBus>,
    config: IsoTpConfig,
    sender: Sender,
    receiver: Receiver,
    outbox: VecDeque<Vec<u8>>,
}

impl IsoTpNode {
    pub fn new(bus: Box<dyn CanBus>, config: IsoTpConfig) -> Self {
        IsoTpNode {
            bus,
            sender: Sender::new(config.clone()),
            receiver: Receiver::new(config.clone()),
            config,
            outbox: VecDeque::new(),
        }
    }

    pub fn config(&self) -> &IsoTpConfig {
        &self.config
    }

    /// Queues a message; it leaves on the following steps.
    pub fn send(&mut self, payload: Vec<u8>) {
        self.outbox.push_back(payload);
    }

    /// True while anything is queued or being sent or received.
    pub fn is_busy(&self) -> bool {
        self.sender.is_busy() || self.receiver.is_receiving() || !self.outbox.is_empty()
    }

    /// Handles what arrived, sends what is due at `now`.
    pub fn step(&mut self, now: Duration) -> NodeStep {
        let mut out = NodeStep::default();
        loop {
            let frame = match self.bus.recv(Duration::ZERO) {
                Ok(Some(r)) => r.frame,
                Ok(None) => break,
                Err(e) => {
                    out.errors.push(IsoTpError::Can(e.to_string()));
                    break;
                }
            };
            let (tx, ev) = route(&mut self.sender, &mut self.receiver, now, &frame);
            if let Err(e) = tx {
                out.errors.push(e);
            }
            if let Some(fc) = ev.flow_control {
                match self.bus.send(&fc) {
                    Ok(()) => out.frames_sent += 1,
                    Err(e) => out.errors.push(IsoTpError::Can(e.to_string())),
                }
            }
            out.received.extend(ev.completed);
            out.errors.extend(ev.error);
        }
        out.errors.extend(self.receiver.check_timeout(now));
        loop {
            if !self.sender.is_busy() {
                let Some(next) = self.outbox.pop_front() else {
                    break;
                };
                if let Err(e) = self.sender.start(&next) {
                    out.errors.push(e);
                    continue;
                }
            }
            match self.sender.poll(now) {
                Ok(step) => {
                    for f in &step.frames {
                        match self.bus.send(f) {
                            Ok(()) => out.frames_sent += 1,
                            Err(e) => out.errors.push(IsoTpError::Can(e.to_string())),
                        }
                    }
                    if !step.done {
                        out.wake_at = step.wake_at;
                        if step.frames.is_empty() {
                            break;
                        }
                    }
                }
                Err(e) => out.errors.push(e),
            }
        }
        out.wake_at = match (out.wake_at, self.receiver.deadline()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        out
    }
}
