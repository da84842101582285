//! A manual simulated clock, an emulated CAN bus and a server-side ISO-TP
//! node that runs inside the bus's time-advance hook, so a blocking client
//! and a stepped server share one deterministic timeline in one thread.

#![allow(dead_code)]

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use v2x_hil::protocol::isotp::{IsoTpConfig, IsoTpError};
use v2x_hil::transport::can::emulated::EmulatedCanBus;
use v2x_hil::transport::can::isotp::{Clock, IsoTpChannel, IsoTpNode};

/// Gets each complete request (with the time) and returns the responses to
/// send, each after a delay.
pub type Handler = Box<dyn FnMut(Duration, Vec<u8>) -> Vec<(Duration, Vec<u8>)> + Send>;

pub struct Server {
    node: IsoTpNode,
    handler: Handler,
    scheduled: Vec<(Duration, Vec<u8>)>,
    pub errors: Vec<IsoTpError>,
}

impl Server {
    /// Steps the node at `t`; returns when it next needs a step and
    /// whether it put frames on the bus.
    fn step(&mut self, t: Duration) -> (Option<Duration>, bool) {
        let mut wake = None;
        let mut sent = false;
        for _ in 0..2 {
            let due: Vec<Vec<u8>> = {
                let (now, later): (Vec<_>, Vec<_>) =
                    self.scheduled.drain(..).partition(|(at, _)| *at <= t);
                self.scheduled = later;
                now.into_iter().map(|(_, m)| m).collect()
            };
            for m in due {
                self.node.send(m);
            }
            let step = self.node.step(t);
            self.errors.extend(step.errors);
            sent |= step.frames_sent > 0;
            for req in step.received {
                for (delay, resp) in (self.handler)(t, req) {
                    self.scheduled.push((t + delay, resp));
                }
            }
            wake = step.wake_at;
        }
        let next_scheduled = self.scheduled.iter().map(|(at, _)| *at).min();
        let wake = match (wake, next_scheduled) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        (wake, sent)
    }
}

pub struct Sim {
    pub time: Arc<AtomicU64>,
    pub bus: EmulatedCanBus,
    pub server: Arc<Mutex<Option<Server>>>,
}

impl Sim {
    pub fn new(bit_rate: u32) -> Sim {
        let time = Arc::new(AtomicU64::new(0));
        let server: Arc<Mutex<Option<Server>>> = Arc::new(Mutex::new(None));
        let (t_read, t_adv, srv) = (time.clone(), time.clone(), server.clone());
        // Steps the server at every instant it asked for; returns early when
        // it sent frames so the bus (in the caller's recv) carries them
        // before time moves past their end.
        let advance = move |until: Duration| loop {
            let t = Duration::from_nanos(t_adv.load(Ordering::SeqCst));
            let (wake, sent) = srv
                .lock()
                .unwrap()
                .as_mut()
                .map_or((None, false), |s| s.step(t));
            if sent {
                break;
            }
            let next = wake.filter(|w| *w > t).map_or(until, |w| w.min(until));
            t_adv.fetch_max(next.as_nanos() as u64, Ordering::SeqCst);
            if next >= until {
                if let Some(s) = srv.lock().unwrap().as_mut() {
                    s.step(until);
                }
                break;
            }
        };
        let bus = EmulatedCanBus::new(
            "can0",
            bit_rate,
            Arc::new(move || Duration::from_nanos(t_read.load(Ordering::SeqCst))),
            Some(Arc::new(advance)),
        );
        Sim { time, bus, server }
    }

    pub fn now(&self) -> Duration {
        Duration::from_nanos(self.time.load(Ordering::SeqCst))
    }

    pub fn clock(&self) -> Clock {
        let t = self.time.clone();
        Arc::new(move || Duration::from_nanos(t.load(Ordering::SeqCst)))
    }

    pub fn start_server(&self, config: IsoTpConfig, handler: Handler) {
        let node = IsoTpNode::new(Box::new(self.bus.port("server")), config);
        *self.server.lock().unwrap() = Some(Server {
            node,
            handler,
            scheduled: Vec::new(),
            errors: Vec::new(),
        });
    }

    pub fn server_errors(&self) -> Vec<IsoTpError> {
        self.server
            .lock()
            .unwrap()
            .as_ref()
            .map(|s| s.errors.clone())
            .unwrap_or_default()
    }

    pub fn client(&self, config: IsoTpConfig) -> IsoTpChannel {
        IsoTpChannel::new(Box::new(self.bus.port("client")), config, self.clock())
            .with_bit_rate(self.bus.bit_rate())
    }
}
