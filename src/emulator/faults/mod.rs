//! Fault injection on the emulated rig (README "Faults"): a link that goes
//! silent, closes or answers with errors; CAN frames lost or destroyed at
//! a rate; the vehicle's controller hanging; the grid simulator's
//! protection tripping; the evidence disk filling. The rig's `faults:`
//! begin at their simulated instants through a plant agent, a plan's
//! `fault:` steps at their point of the plan, so simulated-time runs stay
//! deterministic. The runner reaches all of it through
//! [`crate::exec::faults::FaultInjector`].

mod board;
pub mod can;
pub mod link;

pub use board::{BusTarget, DiskSwitch, FaultLog, FaultNote, FaultTargets};
pub use link::{LinkFault, LinkMode};

use super::{lock_plant, SharedPlant};
use crate::exec::faults::{ActiveFault, FaultError, FaultInjector};
use crate::model::{ClearSpec, FaultSpec, ScheduledFault};
use board::{lock_board, Board, FaultAgent};
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The emulated rig's injector.
pub struct Injector {
    board: Arc<Mutex<Board>>,
    plant: SharedPlant,
}

impl Injector {
    /// Wires `targets` to the plant and schedules the rig's own faults
    /// (each at its `at_s` of simulated time).
    pub fn start(plant: SharedPlant, targets: FaultTargets, schedule: &[ScheduledFault]) -> Self {
        let next_ns = Arc::new(AtomicU64::new(u64::MAX));
        let mut pending: Vec<(Duration, FaultSpec)> = schedule
            .iter()
            .map(|s| {
                (
                    Duration::try_from_secs_f64(s.at_s).unwrap_or(Duration::MAX),
                    s.fault.clone(),
                )
            })
            .collect();
        // Earliest last (popped first); a stable sort keeps file order at one instant.
        pending.reverse();
        pending.sort_by_key(|p| std::cmp::Reverse(p.0));
        let board = Board {
            targets,
            active: Vec::new(),
            schedule: pending,
            next_ns: next_ns.clone(),
        };
        board.update_next();
        let board = Arc::new(Mutex::new(board));
        lock_plant(&plant).add_agent(Box::new(FaultAgent {
            board: board.clone(),
            next_ns,
        }));
        Injector { board, plant }
    }
}

impl FaultInjector for Injector {
    fn inject(&mut self, fault: &FaultSpec) -> Result<(), FaultError> {
        let mut plant = lock_plant(&self.plant);
        let now = plant.now();
        let mut board = lock_board(&self.board);
        let fault = board.resolve(fault)?;
        board.begin(fault, true, now, &mut plant);
        board.update_next();
        Ok(())
    }

    fn clear(&mut self, which: &ClearSpec) -> usize {
        let mut plant = lock_plant(&self.plant);
        let mut board = lock_board(&self.board);
        let n = board.end_where(|a| which.selects(&a.spec), "plan", &mut plant);
        board.update_next();
        n
    }

    fn clear_from_plan(&mut self) -> usize {
        let mut plant = lock_plant(&self.plant);
        let mut board = lock_board(&self.board);
        let n = board.end_where(|a| a.from_plan, "end of test", &mut plant);
        board.update_next();
        n
    }

    fn active(&self) -> Vec<ActiveFault> {
        let board = lock_board(&self.board);
        board
            .active
            .iter()
            .map(|a| ActiveFault {
                fault: a.spec.clone(),
                from_plan: a.from_plan,
                devices: board.devices_of(&a.spec),
            })
            .collect()
    }
}
