//! All waiting goes through one clock: wall time on hardware, simulated time
//! on the emulated rig.

use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ClockKind {
    Wall,
    Simulated,
}

pub trait Clock: Send + Sync {
    /// Time since the run started.
    fn now(&self) -> Duration;
    fn sleep(&self, d: Duration);
    fn kind(&self) -> ClockKind;
}

pub struct WallClock {
    start: Instant,
}

impl WallClock {
    pub fn new() -> Self {
        WallClock {
            start: Instant::now(),
        }
    }
}

impl Default for WallClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for WallClock {
    fn now(&self) -> Duration {
        self.start.elapsed()
    }

    fn sleep(&self, d: Duration) {
        std::thread::sleep(d);
    }

    fn kind(&self) -> ClockKind {
        ClockKind::Wall
    }
}
