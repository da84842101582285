//! Faults on the connected rig, as the runner reaches them: a small trait
//! an emulated rig implements (the runner never sees the emulator), the
//! `fault:` and `clear:` steps, and the check that a run's evidence can
//! still be written.

use super::runner::{Runner, StepError};
use crate::model::{ClearSpec, FaultSpec};

/// An active fault and the devices it is on (a link's instrument, the
/// vehicle, the grid simulator; a bus's nodes).
#[derive(Debug, Clone, PartialEq)]
pub struct ActiveFault {
    pub fault: FaultSpec,
    /// Injected by a plan's `fault:` step (not the rig's `faults:` block).
    pub from_plan: bool,
    pub devices: Vec<String>,
}

/// Why a fault cannot be injected (plan check refuses these before a run;
/// the injector says so again rather than guess).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FaultError {
    #[error("the rig has no emulated {0}")]
    NoDevice(&'static str),
    #[error("nothing on this rig to inject it into: `{0}`")]
    NoTarget(String),
}

/// Injects faults into an emulated rig. Real rigs have none: a plan with
/// `fault:` steps is refused for them before the run.
pub trait FaultInjector: Send {
    /// Begins `fault` now; its `for_s`, if any, ends it that much later.
    fn inject(&mut self, fault: &FaultSpec) -> Result<(), FaultError>;
    /// Ends the active faults `which` selects, of any origin; how many.
    fn clear(&mut self, which: &ClearSpec) -> usize;
    /// Ends every active fault a plan step injected; how many.
    fn clear_from_plan(&mut self) -> usize;
    fn active(&self) -> Vec<ActiveFault>;
}

/// Whether the run's evidence can still be written (a full disk, a failed
/// write): a commissioning run whose evidence cannot be kept stops.
pub trait EvidenceHealth: Send + Sync {
    /// Why the evidence can no longer be written, once it cannot.
    fn write_error(&self) -> Option<String>;
}

impl Runner<'_> {
    pub(crate) fn inject_fault(&mut self, fault: &FaultSpec) -> Result<(), StepError> {
        let injector = self.rig.faults.as_mut().ok_or_else(|| {
            StepError::Abort("this rig cannot inject faults (only an emulated rig can)".into())
        })?;
        injector
            .inject(fault)
            .map_err(|e| StepError::Abort(format!("cannot inject {}: {e}", fault.kind)))?;
        self.faults_injected += 1;
        Ok(())
    }

    pub(crate) fn clear_faults(&mut self, which: &ClearSpec) -> Result<(), StepError> {
        let injector = self.rig.faults.as_mut().ok_or_else(|| {
            StepError::Abort("this rig cannot inject faults (only an emulated rig can)".into())
        })?;
        // Nothing to clear is fine: a `for_s` may have ended it already.
        injector.clear(which);
        Ok(())
    }

    /// At the end of a test: the faults its steps injected end with it, so
    /// the plan's tests stay independent (the rig's own scheduled faults
    /// keep their times).
    pub(crate) fn end_test_faults(&mut self) {
        if let Some(injector) = self.rig.faults.as_mut() {
            injector.clear_from_plan();
        }
    }

    /// Devices a fault from one of this test's steps is on.
    pub(crate) fn plan_faulted_devices(&self) -> Vec<String> {
        self.rig
            .faults
            .as_ref()
            .map(|i| {
                i.active()
                    .into_iter()
                    .filter(|a| a.from_plan)
                    .flat_map(|a| a.devices)
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The evidence's state, checked with the interrupt: a run whose
    /// evidence can no longer be written stops and drives the rig safe.
    pub(crate) fn check_evidence(&self) -> Result<(), StepError> {
        match self.rig.evidence.as_ref().and_then(|e| e.write_error()) {
            None => Ok(()),
            Some(e) => Err(StepError::Abort(format!(
                "the evidence cannot be written ({e}): a run whose evidence cannot be kept stops"
            ))),
        }
    }
}
