//! The faults in force on an emulated rig, and what they act on: each
//! change recomputes every target from the list of active faults, so two
//! faults on one link or bus and their ends in any order come out right.

use super::can::CanRates;
use super::link::{LinkFault, LinkMode};
use crate::exec::faults::FaultError;
use crate::model::{FaultKind, FaultSpec};
use crate::plant::{Agent, Plant};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

/// Turns the evidence disk's emulated "full" on or off.
pub type DiskSwitch = Arc<dyn Fn(bool) + Send + Sync>;
/// Told of every fault that begins or ends (the journal's `fault` record).
pub type FaultLog = Arc<dyn Fn(&FaultNote) + Send + Sync>;

/// One fault beginning or ending, and why.
#[derive(Debug)]
pub struct FaultNote<'a> {
    /// "begins" or "ends".
    pub action: &'static str,
    pub fault: &'a FaultSpec,
    /// "rig" (its `faults:` block), "plan" (a step), "for_s", "end of test".
    pub by: &'static str,
}

/// One emulated bus: its rates and the devices on it.
pub struct BusTarget {
    pub rates: Arc<Mutex<CanRates>>,
    pub devices: Vec<String>,
}

/// Everything on the emulated rig a fault can act on.
#[derive(Default)]
pub struct FaultTargets {
    /// Instrument name → its link.
    pub links: BTreeMap<String, LinkFault>,
    /// The EV simulator's name and its node's hang switch.
    pub ev: Option<(String, Arc<AtomicBool>)>,
    /// The grid simulator's name (the plant trips its output stage).
    pub grid: Option<String>,
    /// `can0`, `can1` → the bus.
    pub buses: BTreeMap<String, BusTarget>,
    /// The evidence disk (absent when the run keeps no evidence).
    pub disk: Option<DiskSwitch>,
    pub log: Option<FaultLog>,
}

pub(super) struct Active {
    pub spec: FaultSpec,
    pub from_plan: bool,
    pub ends_at: Option<Duration>,
}

pub(super) struct Board {
    pub targets: FaultTargets,
    pub active: Vec<Active>,
    /// The rig's `faults:` still to come, earliest last.
    pub schedule: Vec<(Duration, FaultSpec)>,
    /// The next instant the board must act, in ns (`u64::MAX`: none),
    /// readable by the plant without taking the lock.
    pub next_ns: Arc<AtomicU64>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Board {
    /// The fault with its default device filled in (the rig's EV
    /// simulator, its grid simulator), or why it cannot be injected.
    pub fn resolve(&self, f: &FaultSpec) -> Result<FaultSpec, FaultError> {
        let mut f = f.clone();
        let named =
            |d: &Option<String>, what: &'static str| d.clone().ok_or(FaultError::NoDevice(what));
        match f.kind {
            FaultKind::EvSilent if f.device.is_none() => {
                f.device = Some(named(
                    &self.targets.ev.as_ref().map(|e| e.0.clone()),
                    "EV simulator",
                )?)
            }
            FaultKind::GridFault if f.device.is_none() => {
                f.device = Some(named(&self.targets.grid, "grid simulator")?)
            }
            _ => {}
        }
        let device = f.device.as_deref().unwrap_or_default();
        let known = match f.kind {
            k if k.is_link() => self.targets.links.contains_key(device),
            FaultKind::EvSilent => self.targets.ev.as_ref().is_some_and(|e| e.0 == device),
            FaultKind::GridFault => self.targets.grid.as_deref() == Some(device),
            k if k.is_can() => f
                .bus
                .as_ref()
                .is_some_and(|b| self.targets.buses.contains_key(b)),
            _ => true,
        };
        if known {
            Ok(f)
        } else {
            Err(FaultError::NoTarget(
                f.bus.clone().unwrap_or_else(|| device.to_string()),
            ))
        }
    }

    /// The devices a fault is on.
    pub fn devices_of(&self, f: &FaultSpec) -> Vec<String> {
        match f.kind {
            k if k.is_can() => f
                .bus
                .as_ref()
                .and_then(|b| self.targets.buses.get(b))
                .map(|b| b.devices.clone())
                .unwrap_or_default(),
            FaultKind::DiskFull => Vec::new(),
            _ => f.device.iter().cloned().collect(),
        }
    }

    fn note(&self, action: &'static str, fault: &FaultSpec, by: &'static str) {
        if let Some(log) = &self.targets.log {
            log(&FaultNote { action, fault, by });
        }
    }

    /// `f` (resolved) begins now. Its record is written here, under the
    /// plant's lock when the plant's agent begins it: on the emulated rig
    /// that lock is simulated time itself, and only the run waits on it.
    pub fn begin(&mut self, f: FaultSpec, from_plan: bool, now: Duration, plant: &mut Plant) {
        // Journalled first: a full disk must not swallow its own record.
        self.note("begins", &f, if from_plan { "plan" } else { "rig" });
        if f.kind == FaultKind::GridFault {
            plant.trip_grid_source();
        }
        let ends_at = f
            .for_s
            .map(|s| now.saturating_add(Duration::try_from_secs_f64(s).unwrap_or(Duration::MAX)));
        self.active.push(Active {
            spec: f,
            from_plan,
            ends_at,
        });
        self.apply(plant);
    }

    /// Ends the active faults `which` picks; how many.
    pub fn end_where(
        &mut self,
        which: impl Fn(&Active) -> bool,
        by: &'static str,
        plant: &mut Plant,
    ) -> usize {
        let (ended, kept): (Vec<Active>, Vec<Active>) = std::mem::take(&mut self.active)
            .into_iter()
            .partition(which);
        self.active = kept;
        if ended.is_empty() {
            return 0;
        }
        self.apply(plant);
        for a in &ended {
            self.note("ends", &a.spec, by);
        }
        ended.len()
    }

    /// Runs what is due at `now`: scheduled faults, `for_s` ends.
    pub fn due(&mut self, now: Duration, plant: &mut Plant) {
        self.end_where(|a| a.ends_at.is_some_and(|t| t <= now), "for_s", plant);
        while self.schedule.last().is_some_and(|(at, _)| *at <= now) {
            if let Some((_, f)) = self.schedule.pop() {
                match self.resolve(&f) {
                    Ok(f) => self.begin(f, false, now, plant),
                    // Validated against the rig at load; kept visible anyway.
                    Err(e) => tracing::warn!(fault = %f.kind, "rig fault not injected: {e}"),
                }
            }
        }
        self.update_next();
    }

    pub fn update_next(&self) {
        let next = self
            .active
            .iter()
            .filter_map(|a| a.ends_at)
            .chain(self.schedule.last().map(|(t, _)| *t))
            .min()
            .map_or(u64::MAX, |t| {
                u64::try_from(t.as_nanos()).unwrap_or(u64::MAX - 1)
            });
        self.next_ns.store(next, Ordering::SeqCst);
    }

    /// Every target as the active faults say (the latest one on a link
    /// or bus wins); the grid's latch is cleared when no grid_fault is left.
    fn apply(&self, plant: &mut Plant) {
        let latest = |kind: FaultKind, on: &dyn Fn(&FaultSpec) -> bool| {
            self.active
                .iter()
                .rev()
                .find(|a| a.spec.kind == kind && on(&a.spec))
                .map(|a| &a.spec)
        };
        for (name, link) in &self.targets.links {
            let on_link = |f: &FaultSpec| f.device.as_deref() == Some(name.as_str());
            let mode = self
                .active
                .iter()
                .rev()
                .find(|a| a.spec.kind.is_link() && on_link(&a.spec))
                .map_or(LinkMode::Up, |a| match a.spec.kind {
                    FaultKind::LinkSilent => LinkMode::Silent,
                    FaultKind::LinkClosed => LinkMode::Closed,
                    _ => LinkMode::Errors,
                });
            link.set(mode);
        }
        if let Some((_, hung)) = &self.targets.ev {
            hung.store(
                latest(FaultKind::EvSilent, &|_| true).is_some(),
                Ordering::SeqCst,
            );
        }
        for (bus, target) in &self.targets.buses {
            let on_bus = |f: &FaultSpec| f.bus.as_deref() == Some(bus.as_str());
            let rate = |kind| latest(kind, &on_bus).and_then(|f| f.rate).unwrap_or(0.0);
            let mut rates = lock(&target.rates);
            rates.loss = rate(FaultKind::CanLoss);
            rates.corrupt = rate(FaultKind::CanCorrupt);
        }
        if latest(FaultKind::GridFault, &|_| true).is_none() && plant.grid_protection_tripped() {
            plant.clear_grid_protection();
        }
        if let Some(disk) = &self.targets.disk {
            disk(latest(FaultKind::DiskFull, &|_| true).is_some());
        }
    }
}

/// Runs the board at its instants of simulated time: the rig's scheduled
/// faults begin, faults with `for_s` end.
pub(super) struct FaultAgent {
    pub board: Arc<Mutex<Board>>,
    pub next_ns: Arc<AtomicU64>,
}

impl Agent for FaultAgent {
    fn next_wake(&self) -> Duration {
        match self.next_ns.load(Ordering::SeqCst) {
            u64::MAX => Duration::MAX,
            ns => Duration::from_nanos(ns),
        }
    }

    fn wake(&mut self, plant: &mut Plant) {
        let now = plant.now();
        lock(&self.board).due(now, plant);
    }
}

pub(super) fn lock_board(board: &Mutex<Board>) -> MutexGuard<'_, Board> {
    lock(board)
}
