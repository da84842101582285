//! All waiting goes through one clock: wall time on hardware, simulated time
//! on the emulated rig. Background cadences (an EV simulator's 100 ms frames)
//! also come from the clock, so they keep time in either world.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The simulated clock's time zero as UTC (2026-01-01T00:00:00Z): what
/// emulated devices with a calendar (an OCPP charger and its central
/// system) call the run's start, the same on every run.
pub const SIMULATED_EPOCH_UNIX_S: u64 = 1_767_225_600;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ClockKind {
    Wall,
    Simulated,
}

/// A task run every period; gets the clock's time of the tick.
pub type PeriodicTask = Box<dyn FnMut(Duration) + Send>;

pub trait Clock: Send + Sync {
    /// Time since the run started.
    fn now(&self) -> Duration;
    fn sleep(&self, d: Duration);
    fn kind(&self) -> ClockKind;
    /// Runs `task` every `period`, first after `phase`, in the background
    /// while the plan does other things, until the handle is dropped.
    fn every(&self, phase: Duration, period: Duration, task: PeriodicTask) -> Periodic;
}

/// Stops its periodic task when dropped.
pub struct Periodic {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Periodic {
    pub fn new(stop: Arc<AtomicBool>, thread: Option<JoinHandle<()>>) -> Self {
        Periodic { stop, thread }
    }
}

impl Drop for Periodic {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
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

    fn every(&self, phase: Duration, period: Duration, mut task: PeriodicTask) -> Periodic {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let start = self.start;
        let thread = std::thread::spawn(move || {
            // Deadlines from the start, not from each wake-up: no drift.
            let mut next = start.elapsed() + phase;
            while !flag.load(Ordering::SeqCst) {
                let now = start.elapsed();
                if now < next {
                    std::thread::sleep((next - now).min(Duration::from_millis(20)));
                    continue;
                }
                task(now);
                next += period.max(Duration::from_micros(100));
            }
        });
        Periodic::new(stop, Some(thread))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[test]
    fn wall_periodic_runs_and_stops_on_drop() {
        let clock = WallClock::new();
        let ticks = Arc::new(Mutex::new(Vec::new()));
        let t = ticks.clone();
        let handle = clock.every(
            Duration::ZERO,
            Duration::from_millis(10),
            Box::new(move |now| t.lock().unwrap().push(now)),
        );
        std::thread::sleep(Duration::from_millis(100));
        drop(handle);
        let n = ticks.lock().unwrap().len();
        assert!(n >= 3, "{n} ticks");
        std::thread::sleep(Duration::from_millis(50));
        assert_eq!(ticks.lock().unwrap().len(), n, "no tick after drop");
    }
}
