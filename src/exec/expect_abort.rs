//! A test with `expect_abort: true` (README "Faults"): it passes when one
//! of its steps aborts on a device that one of its `fault:` steps put a
//! fault on, every other device then reaches the safe state, and the
//! abort is journalled. The faults are then cleared, the restored devices
//! driven to the safe state too, and the run goes on with the next test.
//! Any other abort (an interrupt, evidence that cannot be written, another
//! device) still ends the run.

use super::results::{TestResult, Verdict};
use super::runner::{RunEvent, Runner};
use super::safe_state::{drive_to_safe_state_by_device, SafeStateProblem};
use crate::model::{GridSafeState, TestSpec};

fn messages(problems: &[SafeStateProblem]) -> Vec<String> {
    problems.iter().map(|p| p.message.clone()).collect()
}

impl Runner<'_> {
    /// Judges an `expect_abort` test's outcome. Returns the outcome and
    /// whether the safe state was already driven for it. Problems that
    /// are not the injected fault's go to `run_errors`.
    pub(crate) fn settle_expected_abort(
        &mut self,
        test: &TestSpec,
        mut outcome: TestResult,
        run_errors: &mut Vec<String>,
    ) -> (TestResult, bool) {
        match outcome.verdict {
            Verdict::Pass => {
                outcome.verdict = Verdict::Fail;
                outcome.reason = Some(
                    "expected an abort on the injected fault, but every step completed".into(),
                );
                return (outcome, false);
            }
            Verdict::Fail => return (outcome, false),
            Verdict::Aborted => {}
        }
        let faulted = self.plan_faulted_devices();
        let on_fault = self
            .abort_device
            .as_ref()
            .is_some_and(|d| faulted.contains(d));
        if self.faults_injected == 0 || !on_fault {
            // Not what the test injected: a real abort.
            return (outcome, false);
        }
        let reason = outcome.reason.clone().unwrap_or_default();
        // With the fault still there, the rest of the rig must get safe.
        let problems = drive_to_safe_state_by_device(self.rig, true);
        self.emit(RunEvent::SafeState {
            errors: &messages(&problems),
        });
        let others: Vec<&SafeStateProblem> = problems
            .iter()
            .filter(|p| !faulted.contains(&p.device))
            .collect();
        if !others.is_empty() {
            let names: Vec<&str> = others.iter().map(|p| p.device.as_str()).collect();
            run_errors.extend(messages(&problems));
            outcome.reason = Some(format!(
                "{reason}; expected, but then the safe state was not reached by {} (not the faulted device)",
                names.join(", ")
            ));
            return (outcome, true);
        }
        // Restored, the faulted devices are driven safe as well.
        self.end_test_faults();
        let problems = drive_to_safe_state_by_device(self.rig, true);
        self.emit(RunEvent::SafeState {
            errors: &messages(&problems),
        });
        if !problems.is_empty() {
            run_errors.extend(messages(&problems));
            outcome.reason = Some(format!(
                "{reason}; expected, but once the injected faults were cleared the rig did not reach its safe state"
            ));
            return (outcome, true);
        }
        self.after_safe_state();
        self.emit(RunEvent::ExpectedAbort {
            test: &test.name,
            reason: &reason,
        });
        outcome.verdict = Verdict::Pass;
        outcome.reason = None;
        outcome.expected_abort = Some(reason);
        (outcome, true)
    }

    /// The runner's own idea of the setpoints after the rig reached its
    /// safe state mid-run, so the next test's ramps start from there.
    pub(crate) fn after_safe_state(&mut self) {
        let safe = self.rig.facts.safe_state;
        self.charger_setpoint_w = safe.charger_power_w;
        if safe.grid == GridSafeState::Nominal {
            self.grid_voltage_v = self.rig.facts.nominal_voltage_v;
            self.grid_frequency_hz = self.rig.facts.nominal_frequency_hz;
        }
    }
}
