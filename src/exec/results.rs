//! What a run produced: verdicts, measurements and what went wrong, in the
//! shape `--json` prints.

use serde::{Deserialize, Serialize};

pub use super::gate_result::{FirmwareGate, GateDecision, GateImage};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Pass,
    Fail,
    Aborted,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "fail",
            Verdict::Aborted => "aborted",
        }
    }
}

/// Direction the island frequency moved before the charger ceased.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Drift {
    Up,
    Down,
    None,
}

/// One island event: one load point of an `island` step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IslandMeasurement {
    pub power_w: f64,
    pub power_pct: f64,
    pub reactive_load_pct: f64,
    /// Residual real and reactive power through S3 before opening, per unit of rating.
    pub residual_p_pu: Option<f64>,
    pub residual_q_pu: Option<f64>,
    /// Null when the island was still energised at the end of the watch window.
    pub clearing_time_s: Option<f64>,
    pub frequency_before_hz: Option<f64>,
    pub frequency_last_hz: Option<f64>,
    pub frequency_drift_hz: Option<f64>,
    pub drift: Drift,
    /// True for a repeated point (Sandia: the longest points are run twice more).
    pub rerun: bool,
    pub verdict: Verdict,
}

/// One `trip` step: the grid stepped to an abnormal value and the time the
/// charger took to cease energising, from the recorder's capture.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TripMeasurement {
    /// `voltage_v` or `frequency_hz`.
    pub quantity: String,
    /// The grid's setting before the step, and the abnormal value.
    pub from: f64,
    pub to: f64,
    /// t_c − t_0; null when the charger still energised at the end of the watch.
    pub clearing_time_s: Option<f64>,
    /// ± how well t_0 is known: half the time between commanding the
    /// recorder's trigger and the grid's acknowledging its step.
    pub t0_uncertainty_s: f64,
    pub min_clearing_time_s: f64,
    pub max_clearing_time_s: f64,
    pub verdict: Verdict,
}

/// A measured value checked by an `expect` step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Expectation {
    pub step: usize,
    pub device: String,
    pub quantity: String,
    pub expected: String,
    pub measured: String,
    pub after_s: f64,
    pub verdict: Verdict,
}

/// Settings read from the charger, and the differences from a profile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SettingsReading {
    pub step: usize,
    pub trip: crate::der::TripSettings,
    pub enter_service: Option<crate::der::EnterService>,
    pub anti_islanding_enabled: Option<bool>,
    pub compared_with: Option<String>,
    pub mismatches: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TestResult {
    pub name: String,
    pub clause: Option<String>,
    pub verdict: Verdict,
    /// Why it failed or aborted.
    pub reason: Option<String>,
    /// A test with `expect_abort` that passed: the abort it expected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_abort: Option<String>,
    pub islands: Vec<IslandMeasurement>,
    /// Grid disturbances of `trip` steps and the charger's clearing times.
    #[serde(default)]
    pub trips: Vec<TripMeasurement>,
    /// V2H backup tests at a site (`backup` steps).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub backups: Vec<BackupMeasurement>,
    /// Site meters checked against the charger (`meter_check` steps).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub meter_checks: Vec<MeterCheck>,
    /// The charger's firmware judged against the program's catalog
    /// (`firmware_gate` steps).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub firmware_gates: Vec<FirmwareGate>,
    /// What the charger did over OCPP (the rig's csms steps).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ocpp: Vec<OcppCheck>,
    pub expectations: Vec<Expectation>,
    pub settings: Vec<SettingsReading>,
    /// Firmware updates a `flash` step made, with the version read back.
    pub flashes: Vec<crate::device::flasher::FlashReport>,
    /// Test time on the run's clock.
    pub started_s: f64,
    pub duration_s: f64,
}

impl TestResult {
    /// What failed among the test's measurements (its steps all ran), in
    /// one line naming only what did; `None` when nothing did.
    pub fn failures(&self) -> Option<String> {
        let failed = |n: usize, what: &str| (n > 0).then(|| format!("{n} {what}"));
        let points = self
            .islands
            .iter()
            .filter(|m| m.verdict != Verdict::Pass)
            .count();
        let trips = self
            .trips
            .iter()
            .filter(|m| m.verdict != Verdict::Pass)
            .count();
        let expect = self
            .expectations
            .iter()
            .filter(|e| e.verdict != Verdict::Pass)
            .count();
        let mismatches: usize = self.settings.iter().map(|s| s.mismatches.len()).sum();
        let mut parts: Vec<String> = [
            failed(points, "island point(s) over the limit or not cleared"),
            failed(trips, "trip(s) outside their clearing times"),
            failed(expect, "expectation(s) not met"),
            failed(mismatches, "setting mismatch(es) with the profile"),
        ]
        .into_iter()
        .flatten()
        .collect();
        for b in self.backups.iter().filter(|b| b.verdict != Verdict::Pass) {
            parts.push(format!(
                "V2H backup: {}",
                b.reason.as_deref().unwrap_or("failed")
            ));
        }
        for m in self
            .meter_checks
            .iter()
            .filter(|m| m.verdict != Verdict::Pass)
        {
            parts.push(format!(
                "site meter `{}`: {}",
                m.meter,
                m.reason.as_deref().unwrap_or("failed")
            ));
        }
        for g in self
            .firmware_gates
            .iter()
            .filter(|g| g.verdict != Verdict::Pass)
        {
            parts.push(
                g.reason
                    .clone()
                    .unwrap_or_else(|| "firmware gate failed".into()),
            );
        }
        for o in self.ocpp.iter().filter(|o| o.verdict != Verdict::Pass) {
            parts.push(format!(
                "OCPP {}: {}",
                o.message,
                o.reason.as_deref().unwrap_or("failed")
            ));
        }
        (!parts.is_empty()).then(|| parts.join("; "))
    }
}

/// One OCPP step's outcome: what was asked of the charger through the
/// central system, what it answered or sent, and the verdict.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OcppCheck {
    /// The step's index in its test.
    pub step: usize,
    /// The OCPP message the step is about (BootNotification, SetChargingProfile, …).
    pub message: String,
    /// Run time the step finished, s.
    pub at_s: f64,
    /// What the charger answered or sent, as the step reads it.
    pub observed: serde_json::Value,
    pub verdict: Verdict,
    pub reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunResult {
    pub plan: String,
    pub rig: String,
    pub clock: super::clock::ClockKind,
    pub tests: Vec<TestResult>,
    /// Set when the run stopped early (device fault, timeout, interrupt).
    pub aborted: Option<String>,
    /// Problems met while driving the rig to its safe state.
    pub safe_state_errors: Vec<String>,
}

impl RunResult {
    /// Aborted also when the rig did not reach its safe state, even after
    /// tests that passed: a device left energised or unanswered is a
    /// device fault the operator must see (exit 3), not a pass.
    pub fn verdict(&self) -> Verdict {
        if self.aborted.is_some()
            || !self.safe_state_errors.is_empty()
            || self.tests.iter().any(|t| t.verdict == Verdict::Aborted)
        {
            Verdict::Aborted
        } else if self.tests.iter().any(|t| t.verdict == Verdict::Fail) {
            Verdict::Fail
        } else {
            Verdict::Pass
        }
    }
}

/// A V2H backup test at a site, as polled through the charger (and the
/// site meter when the rig has one). Without a recorder at a site, each
/// instant is known to one poll: gaps and delays are given as the bound
/// a poll allows, with the poll period beside them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BackupMeasurement {
    /// Time between two polls: the resolution of every instant below.
    pub poll_s: f64,
    /// From the last poll that still saw the utility to the first that saw
    /// the home formed within tolerance: an upper bound of the gap.
    pub transfer_gap_s: Option<f64>,
    pub max_transfer_gap_s: f64,
    /// The home's supply while carried (charger's AC terminals).
    pub home_voltage_min_v: Option<f64>,
    pub home_voltage_max_v: Option<f64>,
    pub home_frequency_min_hz: Option<f64>,
    pub home_frequency_max_hz: Option<f64>,
    /// The load the charger carried (mean of the samples), W.
    pub home_load_w: Option<f64>,
    /// Largest voltage the site meter saw at the service while the
    /// breaker was open: backfeed into the utility's side if not ~0.
    pub service_voltage_max_v: Option<f64>,
    /// The charger's enter-service delay setting, read before the test.
    pub enter_service_delay_s: f64,
    /// From the utility's return (the meter seeing it, or without a meter
    /// the installer being asked) to the charger reconnecting.
    pub reconnect_delay_s: Option<f64>,
    pub verdict: Verdict,
    pub reason: Option<String>,
}

/// One level of a meter check: what the charger said it did and what the
/// site meter saw change from its baseline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MeterLevel {
    /// The charger's own AC power, export positive.
    pub charger_w: f64,
    /// The meter's change from its baseline, import positive: an export
    /// of P should read −P.
    pub meter_delta_w: f64,
    /// The same per leg, where the meter meters legs.
    pub leg_delta_w: Vec<f64>,
}

/// The site meter checked against the charger (`meter_check`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MeterCheck {
    pub meter: String,
    /// The meter's reading with the charger at 0 W (the site's own load).
    pub baseline_w: f64,
    pub export: MeterLevel,
    pub import: MeterLevel,
    pub tolerance_pct: f64,
    pub verdict: Verdict,
    /// What is wrong, in an installer's words (a reversed CT, …).
    pub reason: Option<String>,
}
