//! The commissioning report, as `report.json` holds it: folded from the
//! journal's records alone, so a report can be rebuilt from any journal,
//! also one a killed run left behind (then `status` is "incomplete" and
//! `incomplete_reason` says why).

use crate::der::{EnterService, TripSettings};
use crate::device::flasher::FlashReport;
use crate::device::Identity;
use crate::evidence::journal::Record;
use crate::evidence::record::kind;
use crate::exec::results::{Expectation, IslandMeasurement, SettingsReading, TestResult, Verdict};
use crate::exec::settings::{side_by_side, SettingRow};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Names this report layout; bumped when a field changes meaning.
pub const FORMAT: &str = "v2x-hil commissioning report v1";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Complete,
    Incomplete,
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

/// The charger's DER settings beside the site's grid profile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DerSettings {
    pub profile: String,
    pub rows: Vec<SettingRow>,
    pub mismatches: usize,
    pub anti_islanding_enabled: Option<bool>,
    /// Profile values its own file marks as not confirmed against the
    /// utility's document (key paths, e.g. `uv1.pickup`).
    pub unconfirmed: Vec<String>,
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
    pub expectations: Vec<Expectation>,
    pub settings: Vec<SettingsReading>,
    pub flashes: Vec<FlashReport>,
    pub power: Vec<PowerSample>,
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
    /// Where the site file and the rig disagree (the charger's serial).
    pub site_mismatches: Vec<String>,
    pub equipment: Vec<Equipment>,
    pub firmware: Firmware,
    pub der_settings: Option<DerSettings>,
    pub tests: Vec<TestReport>,
    pub aborted: Option<String>,
    pub safe_state_errors: Vec<String>,
    pub journal: JournalSummary,
}

/// The site's grid profile as `run_started` journals it.
#[derive(Deserialize)]
struct SiteProfile {
    name: String,
    trip: TripSettings,
    enter_service: Option<EnterService>,
    #[serde(default)]
    unconfirmed: Vec<String>,
}

#[derive(Deserialize)]
struct IslandRecord {
    measurement: IslandMeasurement,
    waveform: Option<FileRef>,
}

#[derive(Deserialize)]
struct EquipmentRecord {
    devices: Vec<Equipment>,
}

#[derive(Deserialize)]
struct RunFinished {
    verdict: Verdict,
    aborted: Option<String>,
    safe_state_errors: Vec<String>,
    #[serde(default)]
    interrupted: bool,
}

/// Folds the journal's records into the report. Records of kinds it does
/// not know (or cannot read) are left out, and counted in the reason when
/// the run is incomplete.
pub fn from_records(records: &[Record], journal: JournalSummary) -> Report {
    let mut report = Report {
        format: FORMAT.into(),
        tool: None,
        status: Status::Incomplete,
        incomplete_reason: None,
        verdict: ReportVerdict::Incomplete,
        started_utc: None,
        clock: records.first().map(|r| r.clock.clone()),
        plan: InputFile::default(),
        rig: InputFile::default(),
        site: None,
        site_mismatches: Vec::new(),
        equipment: Vec::new(),
        firmware: Firmware {
            version: None,
            image_sha256: None,
        },
        der_settings: None,
        tests: Vec::new(),
        aborted: None,
        safe_state_errors: Vec::new(),
        journal,
    };
    let mut site_profile: Option<SiteProfile> = None;
    let mut finished: Option<RunFinished> = None;
    let mut unreadable = 0usize;
    for r in records {
        let d = &r.data;
        let ok = match r.kind.as_str() {
            kind::RUN_STARTED => {
                report.tool = d.get("tool").cloned();
                report.started_utc = d["started_utc"].as_str().map(String::from);
                report.plan = serde_json::from_value(d["plan"].clone()).unwrap_or_default();
                report.rig = serde_json::from_value(d["rig"].clone()).unwrap_or_default();
                report.site = d.get("site").filter(|s| !s.is_null()).cloned();
                site_profile = serde_json::from_value(d["site_profile"].clone()).ok();
                true
            }
            kind::EQUIPMENT => match serde_json::from_value::<EquipmentRecord>(d.clone()) {
                Ok(e) => {
                    report.firmware.version = e
                        .devices
                        .iter()
                        .find(|d| d.role == "charger")
                        .and_then(|d| d.identity.as_ref())
                        .map(|i| i.firmware.clone());
                    report.equipment = e.devices;
                    true
                }
                Err(_) => false,
            },
            kind::TEST_STARTED => {
                report.tests.push(TestReport {
                    name: d["name"].as_str().unwrap_or("?").to_string(),
                    clause: d["clause"].as_str().map(String::from),
                    verdict: ReportVerdict::Incomplete,
                    reason: None,
                    started_s: r.t_s,
                    duration_s: None,
                    islands: Vec::new(),
                    expectations: Vec::new(),
                    settings: Vec::new(),
                    flashes: Vec::new(),
                    power: Vec::new(),
                });
                true
            }
            kind::ISLAND => match serde_json::from_value::<IslandRecord>(d.clone()) {
                Ok(i) => current(&mut report.tests, |t| {
                    t.islands.push(IslandEvent {
                        measurement: i.measurement,
                        waveform: i.waveform,
                    })
                }),
                Err(_) => false,
            },
            kind::EXPECTATION => match serde_json::from_value::<Expectation>(d.clone()) {
                Ok(e) => current(&mut report.tests, |t| t.expectations.push(e)),
                Err(_) => false,
            },
            kind::SETTINGS => match serde_json::from_value::<SettingsReading>(d.clone()) {
                Ok(s) => current(&mut report.tests, |t| t.settings.push(s)),
                Err(_) => false,
            },
            kind::FLASH => match serde_json::from_value::<FlashReport>(d.clone()) {
                Ok(f) => {
                    report.firmware.version = Some(f.version_after.clone());
                    report.firmware.image_sha256 = Some(f.sha256.clone());
                    current(&mut report.tests, |t| t.flashes.push(f))
                }
                Err(_) => false,
            },
            kind::POWER => match (d["setpoint_w"].as_f64(), d["measured_w"].as_f64()) {
                (Some(setpoint_w), Some(measured_w)) => current(&mut report.tests, |t| {
                    t.power.push(PowerSample {
                        t_s: r.t_s,
                        setpoint_w,
                        measured_w,
                    })
                }),
                _ => false,
            },
            kind::TEST_FINISHED => match serde_json::from_value::<TestResult>(d.clone()) {
                Ok(done) => current(&mut report.tests, |t| {
                    t.verdict = done.verdict.into();
                    t.reason = done.reason;
                    t.duration_s = Some(done.duration_s);
                }),
                Err(_) => false,
            },
            kind::ABORTED => {
                report.aborted = d["reason"].as_str().map(String::from);
                true
            }
            kind::RUN_FINISHED => match serde_json::from_value::<RunFinished>(d.clone()) {
                Ok(f) => {
                    finished = Some(f);
                    true
                }
                Err(_) => false,
            },
            kind::STEP | kind::EXCHANGE | kind::SAFE_STATE => true,
            _ => false,
        };
        if !ok {
            unreadable += 1;
        }
    }
    report.der_settings = der_settings(site_profile.as_ref(), &report.tests);
    report.site_mismatches = site_mismatches(report.site.as_ref(), &report.equipment);
    match finished {
        Some(f) => {
            report.status = Status::Complete;
            report.verdict = if f.interrupted {
                ReportVerdict::Aborted
            } else {
                f.verdict.into()
            };
            report.aborted = f.aborted.or(report.aborted.take());
            if f.interrupted && report.aborted.is_none() {
                report.aborted = Some("interrupted".into());
            }
            report.safe_state_errors = f.safe_state_errors;
        }
        None => {
            report.verdict = if report.aborted.is_some() {
                ReportVerdict::Aborted
            } else {
                ReportVerdict::Incomplete
            };
            let last = records
                .last()
                .map(|r| format!("`{}` at t = {:.3} s", r.kind, r.t_s))
                .unwrap_or_else(|| "no record".into());
            let why = match &report.aborted {
                Some(a) => format!("the run was aborted ({a}) before it finished"),
                None => "the journal ends before the run finished (the process was killed or lost power)"
                    .to_string(),
            };
            let torn = if report.journal.torn_tail {
                "; its last line was cut short"
            } else {
                ""
            };
            report.incomplete_reason = Some(format!("{why}; last record {last}{torn}"));
        }
    }
    if unreadable > 0 {
        let note = format!("{unreadable} journal record(s) could not be read");
        report.incomplete_reason = Some(match report.incomplete_reason.take() {
            Some(r) => format!("{r}; {note}"),
            None => note,
        });
        report.status = Status::Incomplete;
    }
    report
}

/// The report is about the charger the site file names: its serial must
/// be the one the connected charger reports.
fn site_mismatches(site: Option<&Value>, equipment: &[Equipment]) -> Vec<String> {
    let Some(want) = site.and_then(|s| s.pointer("/charger/serial")?.as_str()) else {
        return Vec::new();
    };
    let charger = equipment.iter().find(|e| e.role == "charger");
    match charger.and_then(|c| c.identity.as_ref()) {
        Some(id) if id.serial.trim() == want.trim() => Vec::new(),
        Some(id) => vec![format!(
            "the site file names charger serial {want}, but the connected charger reports {}",
            id.serial
        )],
        None => vec![format!(
            "the site file names charger serial {want}, but the charger did not identify itself"
        )],
    }
}

/// Applies `f` to the test being run; false when no test has started.
fn current(tests: &mut [TestReport], f: impl FnOnce(&mut TestReport)) -> bool {
    match tests.last_mut() {
        Some(t) => {
            f(t);
            true
        }
        None => false,
    }
}

/// The last settings the charger reported, beside the site's profile
/// (without a site, each reading's own comparison is in its test).
fn der_settings(site: Option<&SiteProfile>, tests: &[TestReport]) -> Option<DerSettings> {
    let reading = tests
        .iter()
        .rev()
        .flat_map(|t| t.settings.iter().rev())
        .next()?;
    let profile = site?;
    let rows = side_by_side(
        &profile.trip,
        profile.enter_service.as_ref(),
        &reading.trip,
        reading.enter_service.as_ref(),
    );
    Some(DerSettings {
        profile: profile.name.clone(),
        mismatches: rows.iter().filter(|r| !r.matches).count(),
        rows,
        anti_islanding_enabled: reading.anti_islanding_enabled,
        unconfirmed: profile.unconfirmed.clone(),
    })
}
