//! The commissioning report, as `report.json` holds it. It is folded from
//! the journal's records alone (`fold`), so a report can be rebuilt from any
//! journal, also one a killed run left behind (then `status` is
//! "incomplete" and `incomplete_reason` says why). A run that stopped early
//! but finished its journal (device fault, timeout, a signal) is "aborted",
//! and `aborted` says why.

use crate::device::flasher::FlashReport;
use crate::device::Identity;
use crate::exec::results::{Expectation, IslandMeasurement, SettingsReading, Verdict};
use crate::exec::settings::SettingRow;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Names this report layout; bumped when a field changes meaning.
pub const FORMAT: &str = "v2x-hil commissioning report v3";

/// How far the run got: every test run (`complete`), stopped early after
/// the safe state with its journal finished (`aborted`), or a journal that
/// ends before the run did (`incomplete`: killed, power lost).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Complete,
    Aborted,
    Incomplete,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Complete => "complete",
            Status::Aborted => "aborted",
            Status::Incomplete => "incomplete",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ReportVerdict {
    Pass,
    Fail,
    Aborted,
    /// The journal ends before the verdict (killed, power lost).
    Incomplete,
}

impl ReportVerdict {
    pub fn as_str(self) -> &'static str {
        match self {
            ReportVerdict::Pass => "pass",
            ReportVerdict::Fail => "fail",
            ReportVerdict::Aborted => "aborted",
            ReportVerdict::Incomplete => "incomplete",
        }
    }
}

impl From<Verdict> for ReportVerdict {
    fn from(v: Verdict) -> Self {
        match v {
            Verdict::Pass => ReportVerdict::Pass,
            Verdict::Fail => ReportVerdict::Fail,
            Verdict::Aborted => ReportVerdict::Aborted,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct InputFile {
    pub name: String,
    pub path: String,
    pub sha256: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Equipment {
    pub name: String,
    pub role: String,
    pub driver: String,
    pub transport: String,
    pub identity: Option<Identity>,
    /// Why the device did not identify itself.
    pub error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Firmware {
    /// As the charger identifies itself (SunSpec model 1 `Vr`).
    pub version: Option<String>,
    /// SHA-256 of the image this run flashed; none when nothing was flashed.
    pub image_sha256: Option<String>,
}

/// The charger's DER settings beside the site's grid profile, with where
/// each value comes from: the profile file (its `source:` citation, path
/// and digest, and whether the file marks the value unconfirmed) and the
/// charger's reading (which test and step read it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DerSettings {
    pub profile: String,
    /// The profile file as the run read it.
    pub profile_path: Option<String>,
    pub profile_sha256: Option<String>,
    /// The profile's `source:`: the document and tables its values cite.
    pub profile_source: Option<String>,
    /// The `read_settings` step whose reading is shown, e.g.
    /// `tests[0] "settings" steps[5]`.
    pub read_at: Option<String>,
    pub rows: Vec<DerRow>,
    pub mismatches: usize,
    pub anti_islanding_enabled: Option<bool>,
    /// Profile values its own file marks as not confirmed against the
    /// utility's document (key paths, e.g. `uv1.pickup`).
    pub unconfirmed: Vec<String>,
}

/// One setting: the profile's value and the charger's, and the profile
/// key it comes from (`uv1.pickup`, `enter_service.delay_s`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DerRow {
    #[serde(flatten)]
    pub row: SettingRow,
    pub key: String,
    /// The profile's file lists this key under `unconfirmed:`.
    pub unconfirmed: bool,
}

/// What the run's devices were, decided from the journal alone: the clock
/// every record names (`simulated` only on an emulated rig) and the
/// transports the `equipment` record lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RigKind {
    /// Emulators on the simulated plant: a test record, not a field record.
    Emulated,
    /// Real instruments and charger, on wall-clock time.
    Hardware,
    /// The journal has no record to tell.
    Unknown,
}

impl RigKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RigKind::Emulated => "emulated",
            RigKind::Hardware => "hardware",
            RigKind::Unknown => "unknown",
        }
    }
}

/// Whether the run shows the site file's charger, set to the site's grid
/// profile (only with a site). The report's verdict is not "pass" unless
/// this holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Compliance {
    pub holds: bool,
    pub serial: SerialCheck,
    pub settings: SettingsCheck,
    /// Each thing that does not hold, in plain words.
    pub reasons: Vec<String>,
}

/// The site file's charger serial against the one the charger gave when
/// the run identified it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SerialCheck {
    pub site: String,
    pub charger: Option<String>,
    pub matches: bool,
}

/// The charger's settings as last read against the site's profile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SettingsCheck {
    /// The site's grid profile, by name.
    pub profile: Option<String>,
    /// A reading exists and nothing wrote the settings after it.
    pub verified: bool,
    pub mismatches: Option<usize>,
    pub rows: Option<usize>,
}

/// The key that signs (or will sign) the run folder, named before the
/// report is written so that the signed page says who signed it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Signer {
    /// First 16 hex digits of SHA-256 of the raw Ed25519 public key, as
    /// the DSSE envelope's `keyid`.
    pub keyid: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FileRef {
    pub file: String,
    pub sha256: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IslandEvent {
    #[serde(flatten)]
    pub measurement: IslandMeasurement,
    pub waveform: Option<FileRef>,
}

/// A `trip` step's measurement and its waveform (time 0 at the capture's
/// trigger; the grid stepped at `t0_s`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TripEvent {
    #[serde(flatten)]
    pub measurement: crate::exec::results::TripMeasurement,
    pub t0_s: f64,
    pub waveform: Option<FileRef>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PowerSample {
    pub t_s: f64,
    pub setpoint_w: f64,
    pub measured_w: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TestReport {
    pub name: String,
    pub clause: Option<String>,
    pub verdict: ReportVerdict,
    pub reason: Option<String>,
    pub started_s: f64,
    pub duration_s: Option<f64>,
    pub islands: Vec<IslandEvent>,
    /// Left out of report.json when empty: reports of plans without trip
    /// steps keep their bytes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub trips: Vec<TripEvent>,
    pub expectations: Vec<Expectation>,
    pub settings: Vec<SettingsReading>,
    pub flashes: Vec<FlashReport>,
    pub power: Vec<PowerSample>,
    /// V2H backup tests at a site.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub backups: Vec<crate::exec::results::BackupMeasurement>,
    /// Site meters checked against the charger.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub meter_checks: Vec<crate::exec::results::MeterCheck>,
    /// The charger's firmware held to the program's catalog.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub firmware_gates: Vec<crate::exec::results::FirmwareGate>,
    /// What the charger did over OCPP (csms steps).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ocpp: Vec<crate::exec::results::OcppCheck>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JournalSummary {
    pub records: usize,
    /// SHA-256 of the last complete line: the report is bound to it.
    pub head_sha256: String,
    pub torn_tail: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub format: String,
    pub tool: Option<Value>,
    pub status: Status,
    pub incomplete_reason: Option<String>,
    pub verdict: ReportVerdict,
    pub started_utc: Option<String>,
    pub clock: Option<String>,
    pub plan: InputFile,
    pub rig: InputFile,
    pub site: Option<Value>,
    /// Emulated or hardware: an emulated run is never a field record.
    pub rig_kind: RigKind,
    /// Why the verdict is "fail": the failed tests and what of the site's
    /// compliance does not hold.
    pub verdict_reason: Option<String>,
    /// With a site: its charger and grid profile against the run.
    pub compliance: Option<Compliance>,
    /// The key named to sign the folder when the run started.
    pub signer: Option<Signer>,
    pub equipment: Vec<Equipment>,
    pub firmware: Firmware,
    pub der_settings: Option<DerSettings>,
    pub tests: Vec<TestReport>,
    pub aborted: Option<String>,
    pub safe_state_errors: Vec<String>,
    pub journal: JournalSummary,
}
