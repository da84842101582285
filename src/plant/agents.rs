//! Processes that live in simulated time beside the physics — emulated CAN
//! nodes sending every 100 ms, an EV simulator's cadence — run by the plant
//! at their instants while it integrates, so every part of the emulated rig
//! sees one consistent clock. The plant knows nothing of what they do.

use super::Plant;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// A process woken at instants of simulated time.
pub trait Agent: Send {
    /// The next instant it must run; `Duration::MAX` when it has nothing to do.
    fn next_wake(&self) -> Duration;
    /// Runs at (or just after) `next_wake`, with the plant stopped at that instant.
    fn wake(&mut self, plant: &mut Plant);
    /// False once it is finished; the plant then drops it.
    fn alive(&self) -> bool {
        true
    }
}

/// Simulated time readable without locking the plant (agents and emulated
/// buses stamp frames while the plant is busy advancing).
#[derive(Clone, Debug, Default)]
pub struct SimTime(Arc<AtomicU64>);

impl SimTime {
    pub fn now(&self) -> Duration {
        Duration::from_nanos(self.0.load(Ordering::Acquire))
    }
    pub(crate) fn publish(&self, t: Duration) {
        let nanos = u64::try_from(t.as_nanos()).unwrap_or(u64::MAX);
        self.0.store(nanos, Ordering::Release);
    }
}

#[derive(Default)]
pub(crate) struct Agents {
    pub(crate) list: Vec<Box<dyn Agent>>,
}

impl Agents {
    pub(crate) fn earliest(&self) -> Option<Duration> {
        self.list.iter().map(|a| a.next_wake()).min()
    }
}

impl Plant {
    pub fn add_agent(&mut self, agent: Box<dyn Agent>) {
        self.agents.list.push(agent);
    }

    /// The plant's clock as a lock-free reader.
    pub fn sim_time(&self) -> SimTime {
        self.sim_time.clone()
    }

    /// Runs every agent due at or before now. Agents added while waking run
    /// from their own first instant on.
    pub(crate) fn wake_due_agents(&mut self) {
        let now = self.now();
        let mut running = std::mem::take(&mut self.agents.list);
        for agent in running.iter_mut() {
            if agent.next_wake() <= now {
                agent.wake(self);
            }
        }
        running.retain(|a| a.alive());
        running.append(&mut self.agents.list);
        self.agents.list = running;
    }
}
