//! Runs a plan's tests step by step on a connected rig. Any failure, abort,
//! device fault or interrupt ends with the rig driven to its safe state.

use super::island::IslandRun;
use super::results::{Expectation, RunResult, SettingsReading, TestResult, Verdict};
use super::rig::{ConnectedRig, Role};
use super::safe_state::drive_to_safe_state;
use crate::device::{DeviceError, EvCommand, EvLimitsUpdate, RlcSetting};
use crate::model::{self, Plan, Step, TestSpec};
use std::ops::ControlFlow;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// What happens while a plan runs, as it happens: the CLI shows it and the
/// evidence journal keeps it (the report is rebuilt from these alone).
pub enum RunEvent<'a> {
    TestStarted {
        name: &'a str,
        clause: Option<&'a str>,
    },
    /// A step is about to be run (the plan's command, as the file says it).
    Step {
        index: usize,
        step: &'a Step,
    },
    /// One island event, with the recorder's capture it was measured from.
    Island {
        measurement: &'a super::results::IslandMeasurement,
        capture: &'a crate::device::Capture,
    },
    /// One grid disturbance of a `trip` step, with its capture; `t0_s` is
    /// the step's instant after the capture's trigger.
    Trip {
        measurement: &'a super::results::TripMeasurement,
        capture: &'a crate::device::Capture,
        t0_s: f64,
    },
    Expectation(&'a Expectation),
    Settings(&'a SettingsReading),
    Flash(&'a crate::device::flasher::FlashReport),
    /// The charger's commanded and measured AC power (export positive).
    Power {
        setpoint_w: f64,
        measured_w: f64,
    },
    TestFinished(&'a TestResult),
    /// The rig was driven to its safe state; what did not go as asked.
    SafeState {
        errors: &'a [String],
    },
    /// A test with `expect_abort` aborted on its injected fault as it
    /// expected, the rest of the rig reached its safe state, and the run
    /// goes on.
    ExpectedAbort {
        test: &'a str,
        reason: &'a str,
    },
    /// The installer is asked to do something.
    Installer {
        action: super::operator::InstallerAction,
        say: &'a str,
    },
    /// An `identify` step's answer.
    Identified {
        device: &'a str,
        identity: &'a crate::device::Identity,
    },
    /// A V2H backup test at a site.
    Backup(&'a super::results::BackupMeasurement),
    /// The site meter checked against the charger.
    MeterCheck(&'a super::results::MeterCheck),
    /// The charger's firmware held to the program's catalog.
    FirmwareGate(&'a super::results::FirmwareGate),
    /// An OCPP step's outcome.
    Ocpp(&'a super::results::OcppCheck),
    /// OCPP frames between the central system and the charger.
    OcppFrames(&'a [crate::device::csms::OcppExchange]),
    /// V2G messages between a CCS vehicle and the charger.
    EvMessages(&'a [crate::device::EvMessage]),
}

/// Why a step did not complete.
#[derive(Debug)]
pub(crate) enum StepError {
    /// The test's condition was not met: the test fails, the run goes on.
    Fail(String),
    /// The rig cannot go on (timeout, interrupt, evidence): the run stops.
    Abort(String),
    /// A device failed (named when its error carries its label): the run
    /// stops, unless the test expected it of an injected fault.
    Device {
        device: Option<String>,
        message: String,
    },
}

impl From<super::rig::MissingRole> for StepError {
    fn from(e: super::rig::MissingRole) -> Self {
        StepError::Abort(e.to_string())
    }
}

impl From<DeviceError> for StepError {
    fn from(e: DeviceError) -> Self {
        if e.is_not_applied() {
            // The device under test failed; the rig is fine and goes on.
            return StepError::Fail(e.to_string());
        }
        StepError::Device {
            device: e.device_name().map(String::from),
            message: e.to_string(),
        }
    }
}

/// Poll period of `expect … within_s` and of waits for the charger.
pub(crate) const POLL: Duration = Duration::from_millis(100);
/// Charger power samples during `wait` steps, for the setpoint-vs-power plot.
const POWER_SAMPLE_PERIOD: Duration = Duration::from_secs(1);

/// The runner's state across the steps of one run.
pub struct Runner<'r> {
    pub(crate) rig: &'r mut ConnectedRig,
    interrupt: &'r AtomicBool,
    observe: &'r mut dyn FnMut(RunEvent),
    /// Last setpoints the plan commanded, for ramps and the island table.
    pub(crate) charger_setpoint_w: f64,
    pub(crate) grid_voltage_v: f64,
    pub(crate) grid_frequency_hz: f64,
    /// The load setting `balance_load` found; `island` detunes around it.
    pub(crate) balanced_load: Option<RlcSetting>,
    /// Set by the first charger power command: from then on the charger's
    /// response is worth sampling.
    pub(crate) power_commanded: bool,
    /// `fault:` steps the current test has run.
    pub(crate) faults_injected: usize,
    /// The device whose failure aborted the current test, if one did.
    pub(crate) abort_device: Option<String>,
    /// The installer agreed to the charger importing or exporting in the
    /// current test (site rigs ask once per test).
    pub(crate) power_confirmed: bool,
    /// The last OCPP message received before the current test began.
    pub(crate) ocpp_seq_at_test_start: u64,
}

impl<'r> Runner<'r> {
    pub fn new(
        rig: &'r mut ConnectedRig,
        interrupt: &'r AtomicBool,
        observe: &'r mut dyn FnMut(RunEvent),
    ) -> Self {
        let (v, f) = (rig.facts.nominal_voltage_v, rig.facts.nominal_frequency_hz);
        Runner {
            rig,
            interrupt,
            observe,
            charger_setpoint_w: 0.0,
            grid_voltage_v: v,
            grid_frequency_hz: f,
            balanced_load: None,
            power_commanded: false,
            faults_injected: 0,
            abort_device: None,
            power_confirmed: false,
            ocpp_seq_at_test_start: 0,
        }
    }

    pub fn run(mut self, plan: &Plan) -> RunResult {
        let mut result = RunResult {
            plan: plan.name.clone(),
            rig: self.rig.facts.name.clone(),
            clock: self.rig.clock.kind(),
            tests: Vec::new(),
            aborted: None,
            safe_state_errors: Vec::new(),
        };
        for (i, test) in plan.tests.iter().enumerate() {
            (self.observe)(RunEvent::TestStarted {
                name: &test.name,
                clause: test.clause.as_deref(),
            });
            self.faults_injected = 0;
            self.abort_device = None;
            self.power_confirmed = false;
            self.mark_ocpp_test_start();
            let outcome = self.run_test(test);
            self.journal_messages();
            let (outcome, settled) = if test.expect_abort {
                self.settle_expected_abort(test, outcome, &mut result.safe_state_errors)
            } else {
                (outcome, false)
            };
            let aborted = outcome.verdict == Verdict::Aborted;
            if !aborted {
                // Before a failed test's safe state: what the test broke
                // is restored first, so the next test starts whole.
                self.end_test_faults();
            }
            if outcome.verdict != Verdict::Pass && !settled {
                let errors = drive_to_safe_state(self.rig, aborted);
                (self.observe)(RunEvent::SafeState { errors: &errors });
                result.safe_state_errors.extend(errors);
                self.after_safe_state();
            }
            (self.observe)(RunEvent::TestFinished(&outcome));
            if aborted {
                // The run's reason says which test; the test's, which step.
                result.aborted = Some(format!(
                    "tests[{i}] {:?} {}",
                    test.name,
                    outcome.reason.as_deref().unwrap_or("aborted")
                ));
            }
            result.tests.push(outcome);
            if aborted {
                break;
            }
        }
        if result.aborted.is_none() {
            // The end of a plan is also left safe: nothing stays energised
            // beyond what the rig declares as its rest state.
            let errors = drive_to_safe_state(self.rig, true);
            (self.observe)(RunEvent::SafeState { errors: &errors });
            result.safe_state_errors.extend(errors);
        }
        self.journal_messages();
        result
    }

    fn run_test(&mut self, test: &TestSpec) -> TestResult {
        let started = self.rig.clock.now();
        let mut result = TestResult {
            name: test.name.clone(),
            clause: test.clause.clone(),
            verdict: Verdict::Pass,
            reason: None,
            expected_abort: None,
            islands: Vec::new(),
            trips: Vec::new(),
            backups: Vec::new(),
            meter_checks: Vec::new(),
            firmware_gates: Vec::new(),
            ocpp: Vec::new(),
            expectations: Vec::new(),
            settings: Vec::new(),
            flashes: Vec::new(),
            started_s: started.as_secs_f64(),
            duration_s: 0.0,
        };
        for (index, step) in test.steps.iter().enumerate() {
            (self.observe)(RunEvent::Step { index, step });
            let at = format!("steps[{index}] ({})", step.kind());
            let outcome = self.run_step(index, step, &mut result);
            self.journal_messages();
            match outcome {
                Ok(()) => {}
                Err(StepError::Fail(why)) => {
                    result.verdict = Verdict::Fail;
                    result.reason = Some(format!("{at}: {why}"));
                    break;
                }
                Err(StepError::Abort(why)) => {
                    result.verdict = Verdict::Aborted;
                    result.reason = Some(format!("{at}: {why}"));
                    break;
                }
                Err(StepError::Device { device, message }) => {
                    result.verdict = Verdict::Aborted;
                    result.reason = Some(format!("{at}: {message}"));
                    self.abort_device = device;
                    break;
                }
            }
        }
        if result.verdict == Verdict::Pass {
            if let Some(why) = result.failures() {
                result.verdict = Verdict::Fail;
                result.reason = Some(why);
            }
        }
        result.duration_s = (self.rig.clock.now() - started).as_secs_f64();
        result
    }

    /// What the devices exchanged in the background since the last call (a
    /// CCS vehicle's V2G messages, the central system's OCPP frames) goes
    /// to the observers: after every step and at the end of the run.
    fn journal_messages(&mut self) {
        if let Some(ev) = self.rig.devices.ev.as_mut() {
            if let Ok(messages) = ev.take_messages() {
                if !messages.is_empty() {
                    self.emit(RunEvent::EvMessages(&messages));
                }
            }
        }
        self.journal_ocpp();
    }

    /// Sleeps on the rig's clock in slices, so Ctrl-C is honoured promptly.
    pub(crate) fn sleep(&mut self, d: Duration) -> Result<(), StepError> {
        let slice = Duration::from_millis(100);
        let end = self.rig.clock.now() + d;
        loop {
            self.check_interrupt()?;
            let now = self.rig.clock.now();
            if now >= end {
                return Ok(());
            }
            self.rig.clock.sleep((end - now).min(slice));
        }
    }

    /// A `wait` step: time passes; once the plan has commanded the
    /// charger's power, its response is sampled each second for the report.
    fn wait(&mut self, d: Duration) -> Result<(), StepError> {
        if !self.power_commanded {
            return self.sleep(d);
        }
        let end = self.rig.clock.now() + d;
        loop {
            let now = self.rig.clock.now();
            if now >= end {
                return Ok(());
            }
            self.sleep((end - now).min(POWER_SAMPLE_PERIOD))?;
            self.sample_power()?;
        }
    }

    /// Reads the charger's AC power against the setpoint. A reply that
    /// cannot be read is not the plan's concern (it asked for no reading):
    /// the sample is skipped. A charger that does not answer at all aborts
    /// the run: the rig can no longer be watched.
    pub(crate) fn sample_power(&mut self) -> Result<(), StepError> {
        match self.rig.devices.charger.status() {
            Ok(status) => {
                let setpoint_w = self.charger_setpoint_w;
                self.emit(RunEvent::Power {
                    setpoint_w,
                    measured_w: status.power_w,
                });
                Ok(())
            }
            Err(e) if e.is_unresponsive() => Err(e.into()),
            Err(_) => Ok(()),
        }
    }

    /// An interrupt, or evidence that can no longer be written: checked
    /// between steps and inside every long step.
    pub(crate) fn check_interrupt(&self) -> Result<(), StepError> {
        if self.interrupt.load(Ordering::SeqCst) {
            Err(StepError::Abort("interrupted".into()))
        } else {
            self.check_evidence()
        }
    }

    pub(crate) fn emit(&mut self, event: RunEvent) {
        (self.observe)(event);
    }

    pub(crate) fn role_of(&self, device: &str) -> Result<Role, StepError> {
        self.rig
            .facts
            .roles
            .get(device)
            .copied()
            .ok_or_else(|| StepError::Abort(format!("device `{device}` is not on this rig")))
    }

    fn run_step(
        &mut self,
        index: usize,
        step: &Step,
        result: &mut TestResult,
    ) -> Result<(), StepError> {
        self.check_interrupt()?;
        match step {
            Step::Set(s) => self.set(s),
            Step::Ramp(s) => self.ramp(s),
            Step::Wait(s) => self.wait(Duration::from_secs_f64(s.s)),
            Step::WriteSettings(s) => self.write_settings(s),
            Step::ReadSettings(s) => {
                let reading = self.read_settings(index, s)?;
                self.emit(RunEvent::Settings(&reading));
                result.settings.push(reading);
                Ok(())
            }
            Step::BalanceLoad(s) => self.balance_load(s),
            Step::Island(s) => IslandRun::new(self, s).run(&mut result.islands),
            Step::Trip(s) => {
                let m = super::trip::run_trip(self, s)?;
                result.trips.push(m);
                Ok(())
            }
            Step::Close(_) => Ok(self.rig.devices.island_switch()?.close()?),
            Step::Open(_) => Ok(self.rig.devices.island_switch()?.open()?),
            Step::Expect(s) => {
                let e = self.expect(index, s)?;
                self.emit(RunEvent::Expectation(&e));
                result.expectations.push(e);
                Ok(())
            }
            Step::Ev(s) => {
                let command = match s.action {
                    model::EvAction::Plug => EvCommand::Plug,
                    model::EvAction::StartCharge => EvCommand::StartCharge {
                        current_a: s.charge_current_a,
                    },
                    model::EvAction::StartDischarge => EvCommand::StartDischarge,
                    model::EvAction::Stop => EvCommand::Stop,
                    model::EvAction::Unplug => EvCommand::Unplug,
                    model::EvAction::GoSilent => EvCommand::GoSilent,
                    model::EvAction::Resume => EvCommand::Resume,
                };
                Ok(self.ev()?.command(command)?)
            }
            Step::Flash(s) => {
                let report = self.flash(s)?;
                self.emit(RunEvent::Flash(&report));
                result.flashes.push(report);
                Ok(())
            }
            Step::Installer(s) => self.installer(s),
            Step::Identify(s) => self.identify(s),
            Step::Backup(s) => {
                let m = self.backup(s)?;
                self.emit(RunEvent::Backup(&m));
                result.backups.push(m);
                Ok(())
            }
            Step::MeterCheck(s) => {
                let m = self.meter_check(s)?;
                self.emit(RunEvent::MeterCheck(&m));
                result.meter_checks.push(m);
                Ok(())
            }
            Step::FirmwareGate(s) => {
                let gate = self.firmware_gate(s, &mut result.flashes)?;
                self.emit(RunEvent::FirmwareGate(&gate));
                result.firmware_gates.push(gate);
                Ok(())
            }
            Step::BootNotification(_)
            | Step::GetVariables(_)
            | Step::SetVariables(_)
            | Step::TriggerMessage(_)
            | Step::ChargingProfile(_)
            | Step::ClearChargingProfile(_)
            | Step::OcppExpect(_) => {
                let check = self
                    .ocpp_step(index, step)
                    .unwrap_or_else(|| Err(StepError::Abort("not an OCPP step".into())))?;
                self.emit(RunEvent::Ocpp(&check));
                result.ocpp.push(check);
                Ok(())
            }
            Step::Fault(f) => self.inject_fault(f),
            Step::Clear(c) => self.clear_faults(c),
            Step::EvLimits(s) => Ok(self.ev()?.set_limits(EvLimitsUpdate {
                max_charge_current_a: s.max_charge_current_a,
                max_discharge_current_a: s.max_discharge_current_a,
                min_discharge_soc_pct: s.min_discharge_soc_pct,
                min_discharge_voltage_v: s.min_discharge_voltage_v,
            })?),
        }
    }

    fn flash(
        &mut self,
        s: &model::FlashStep,
    ) -> Result<crate::device::flasher::FlashReport, StepError> {
        self.flash_image(&s.image, s.expect_sha256.clone())
    }

    /// Verifies `image` against the rig (again: the CLI checked before the
    /// run; nothing is erased for an image that does not pass, a
    /// [`StepError::Fail`]) and puts it on the charger through its
    /// bootloader.
    pub(crate) fn flash_image(
        &mut self,
        image: &std::path::Path,
        expect_sha256: Option<String>,
    ) -> Result<crate::device::flasher::FlashReport, StepError> {
        let fw =
            self.rig.facts.firmware.clone().ok_or_else(|| {
                StepError::Abort("the rig's charger has no firmware block".into())
            })?;
        let image = super::firmware::verify_for_rig(&fw, image, expect_sha256, None)
            .map_err(StepError::Fail)?;
        let flasher =
            self.rig.devices.flasher.as_mut().ok_or_else(|| {
                StepError::Abort("the charger's bootloader is not connected".into())
            })?;
        // An interrupt stops the update between blocks: the charger stays
        // in its bootloader, and the same update run again completes it.
        let interrupt = self.interrupt;
        let flashed = flasher.flash(&image, &mut |_| {
            if interrupt.load(Ordering::SeqCst) {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        });
        self.check_interrupt()?;
        Ok(flashed?)
    }

    fn ev(&mut self) -> Result<&mut Box<dyn crate::device::EvSimulator>, StepError> {
        self.rig
            .devices
            .ev
            .as_mut()
            .ok_or_else(|| StepError::Abort("the rig has no EV simulator".into()))
    }

    fn write_settings(&mut self, s: &model::WriteSettingsStep) -> Result<(), StepError> {
        let charger = &mut self.rig.devices.charger;
        if let Some(profile) = &s.profile {
            charger.write_trip_settings(&profile.trip)?;
            if let Some(es) = &profile.enter_service {
                charger.write_enter_service(es)?;
            }
        }
        if let Some(delay_s) = s.enter_service_delay_s {
            let mut es = charger.read_enter_service()?;
            es.delay_s = delay_s;
            charger.write_enter_service(&es)?;
        }
        if let Some(enabled) = s.anti_islanding {
            charger.set_anti_islanding(enabled)?;
        }
        Ok(())
    }

    fn read_settings(
        &mut self,
        index: usize,
        s: &model::ReadSettingsStep,
    ) -> Result<SettingsReading, StepError> {
        let charger = &mut self.rig.devices.charger;
        let trip = charger.read_trip_settings()?;
        let enter_service = Some(charger.read_enter_service()?);
        let anti_islanding_enabled = Some(charger.anti_islanding_enabled()?);
        let mut mismatches = Vec::new();
        if let Some(profile) = &s.compare_profile {
            mismatches = super::settings::compare_trip(&profile.trip, &trip);
            if let (Some(want), Some(got)) = (&profile.enter_service, &enter_service) {
                mismatches.extend(super::settings::compare_enter_service(want, got));
            }
        }
        Ok(SettingsReading {
            step: index,
            trip,
            enter_service,
            anti_islanding_enabled,
            compared_with: s.compare_profile.as_ref().map(|p| p.name.clone()),
            mismatches,
        })
    }

    fn balance_load(&mut self, s: &model::BalanceLoadStep) -> Result<(), StepError> {
        let setting = super::balance::balance_load(self, s.quality_factor, s.max_residual_pu)?;
        self.balanced_load = Some(setting);
        Ok(())
    }

    fn expect(&mut self, index: usize, s: &model::ExpectStep) -> Result<Expectation, StepError> {
        super::expect::run_expect(self, index, s)
    }
}
