//! Folds the journal's records into the report, in order: a test's
//! measurements land in the test that was running when they were recorded;
//! a run that finished early gives an aborted report that says why; a
//! journal without `run_finished` gives an incomplete report that says
//! what the last record was.

use super::compliance::SettingsHistory;
use super::der::{der_settings, SiteProfile};
use super::model::*;
use crate::device::flasher::FlashReport;
use crate::evidence::journal::Record;
use crate::evidence::record::kind;
use crate::exec::results::{
    BackupMeasurement, Expectation, FirmwareGate, IslandMeasurement, MeterCheck, OcppCheck,
    SettingsReading, TestResult, Verdict,
};
use serde::Deserialize;

#[derive(Deserialize)]
struct IslandRecord {
    measurement: IslandMeasurement,
    waveform: Option<FileRef>,
}

#[derive(Deserialize)]
struct TripRecord {
    measurement: crate::exec::results::TripMeasurement,
    t0_s: f64,
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
    /// The signal that interrupted the run, when one did.
    #[serde(default)]
    signal: Option<String>,
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
        rig_kind: RigKind::Unknown,
        verdict_reason: None,
        compliance: None,
        signer: None,
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
    // A `write_settings` step since the last settings reading, where.
    let mut written_after_read: Option<String> = None;
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
                report.signer = serde_json::from_value(d["signer"].clone()).ok();
                true
            }
            // The charger as identified at the start of the run: the first
            // record. A later session (a resumption, the next charger of a
            // depot) adds only devices not seen yet (another charger).
            kind::EQUIPMENT if !report.equipment.is_empty() => {
                match serde_json::from_value::<EquipmentRecord>(d.clone()) {
                    Ok(e) => {
                        for dev in e.devices {
                            let serial =
                                |x: &Equipment| x.identity.as_ref().map(|i| i.serial.clone());
                            let seen = report
                                .equipment
                                .iter()
                                .any(|x| x.role == dev.role && serial(x) == serial(&dev));
                            if !seen {
                                report.equipment.push(dev);
                            }
                        }
                        true
                    }
                    Err(_) => false,
                }
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
                    trips: Vec::new(),
                    expectations: Vec::new(),
                    settings: Vec::new(),
                    flashes: Vec::new(),
                    power: Vec::new(),
                    backups: Vec::new(),
                    meter_checks: Vec::new(),
                    firmware_gates: Vec::new(),
                    ocpp: Vec::new(),
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
            kind::TRIP => match serde_json::from_value::<TripRecord>(d.clone()) {
                Ok(x) => current(&mut report.tests, |t| {
                    t.trips.push(TripEvent {
                        measurement: x.measurement,
                        t0_s: x.t0_s,
                        waveform: x.waveform,
                    })
                }),
                Err(_) => false,
            },
            kind::EXPECTATION => match serde_json::from_value::<Expectation>(d.clone()) {
                Ok(e) => current(&mut report.tests, |t| t.expectations.push(e)),
                Err(_) => false,
            },
            kind::SETTINGS => match serde_json::from_value::<SettingsReading>(d.clone()) {
                Ok(s) => {
                    written_after_read = None;
                    current(&mut report.tests, |t| t.settings.push(s))
                }
                Err(_) => false,
            },
            kind::STEP => {
                if d["step"].get("write_settings").is_some() {
                    let test = report.tests.len().saturating_sub(1);
                    let name = report.tests.last().map(|t| t.name.as_str()).unwrap_or("");
                    written_after_read = Some(format!(
                        "tests[{test}] \"{name}\" steps[{}]",
                        d["index"].as_u64().unwrap_or(0)
                    ));
                }
                true
            }
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
                    t.reason = done
                        .reason
                        .or(done.expected_abort.map(|a| format!("expected abort: {a}")));
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
            kind::RESUMED => {
                // The interrupted session's end is not the run's: tests it
                // did not finish are run again, and the run goes on.
                finished = None;
                report.aborted = None;
                report
                    .tests
                    .retain(|t| matches!(t.verdict, ReportVerdict::Pass | ReportVerdict::Fail));
                true
            }
            kind::BACKUP => match serde_json::from_value::<BackupMeasurement>(d.clone()) {
                Ok(b) => current(&mut report.tests, |t| t.backups.push(b)),
                Err(_) => false,
            },
            kind::METER_CHECK => match serde_json::from_value::<MeterCheck>(d.clone()) {
                Ok(m) => current(&mut report.tests, |t| t.meter_checks.push(m)),
                Err(_) => false,
            },
            kind::FIRMWARE_GATE => match serde_json::from_value::<FirmwareGate>(d.clone()) {
                Ok(g) => {
                    // What the charger reports after the gate is what it runs.
                    report.firmware.version = Some(g.version_after.clone());
                    current(&mut report.tests, |t| t.firmware_gates.push(g))
                }
                Err(_) => false,
            },
            kind::OCPP_CHECK => match serde_json::from_value::<OcppCheck>(d.clone()) {
                Ok(c) => current(&mut report.tests, |t| t.ocpp.push(c)),
                Err(_) => false,
            },
            kind::EXCHANGE
            | kind::OCPP_FRAME
            | kind::V2G_MESSAGE
            | kind::SAFE_STATE
            | kind::FAULT
            | kind::EXPECTED_ABORT
            | kind::INSTALLER
            | kind::IDENTIFIED
            | kind::UNIT_FINISHED => true,
            _ => false,
        };
        if !ok {
            unreadable += 1;
        }
    }
    report.der_settings = der_settings(site_profile.as_ref(), &report.tests);
    report.rig_kind = super::rig_kind::rig_kind(records, &report.equipment);
    report.compliance = report.site.as_ref().map(|site| {
        let history = SettingsHistory {
            profile: site_profile.as_ref().map(|p| p.name.as_str()),
            der: report.der_settings.as_ref(),
            // Only a write after a reading makes the reading stale.
            written_after_read: written_after_read
                .as_deref()
                .filter(|_| report.der_settings.is_some()),
        };
        let gates: Vec<&FirmwareGate> = report
            .tests
            .iter()
            .flat_map(|t| t.firmware_gates.iter())
            .collect();
        super::compliance::check(site, &report.equipment, &history, &gates)
    });
    match finished {
        Some(f) => {
            report.verdict = if f.interrupted {
                ReportVerdict::Aborted
            } else {
                f.verdict.into()
            };
            report.aborted = f.aborted.or(report.aborted.take());
            if f.interrupted && report.aborted.is_none() {
                report.aborted = Some("interrupted".into());
            }
            if let (Some(a), Some(signal)) = (report.aborted.as_mut(), &f.signal) {
                a.push_str(&format!(" ({signal})"));
            }
            report.status = if report.verdict == ReportVerdict::Aborted {
                report.aborted.get_or_insert_with(|| "aborted".into());
                Status::Aborted
            } else {
                Status::Complete
            };
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
                None if records.last().is_some_and(fills_the_disk) => {
                    "the journal ends where the evidence disk filled (an injected disk_full): the run stopped, and what came after could not be written".to_string()
                }
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
    apply_compliance(&mut report);
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

/// An injected `disk_full` beginning: nothing after it reaches the journal.
fn fills_the_disk(r: &Record) -> bool {
    r.kind == kind::FAULT && r.data["action"] == "begins" && r.data["fault"]["kind"] == "disk_full"
}

/// A run whose tests passed is not a pass when the site's compliance does
/// not hold; a failed one says why (its failed tests and the compliance).
/// Aborted and incomplete runs keep their verdict.
fn apply_compliance(report: &mut Report) {
    let failing = report
        .compliance
        .as_ref()
        .filter(|c| !c.holds)
        .map(|c| c.reasons.join("; "));
    if report.verdict == ReportVerdict::Pass && failing.is_some() {
        report.verdict = ReportVerdict::Fail;
    }
    if report.verdict != ReportVerdict::Fail {
        return;
    }
    let failed: Vec<&str> = report
        .tests
        .iter()
        .filter(|t| t.verdict == ReportVerdict::Fail)
        .map(|t| t.name.as_str())
        .collect();
    let mut why = Vec::new();
    if !failed.is_empty() {
        why.push(format!("failed test(s): {}", failed.join(", ")));
    }
    if let Some(c) = failing {
        why.push(format!("site compliance does not hold: {c}"));
    }
    report.verdict_reason = Some(if why.is_empty() {
        "the run's own verdict was fail".into()
    } else {
        why.join("; ")
    });
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evidence::record::kind;
    use serde_json::{json, Value};

    struct XorShift(u64);
    impl XorShift {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn below(&mut self, n: u64) -> u64 {
            self.next() % n.max(1)
        }
    }

    /// Any JSON: the shapes the fold expects, near misses and nonsense.
    fn value(r: &mut XorShift, depth: u32) -> Value {
        let keys = [
            "name",
            "clause",
            "verdict",
            "reason",
            "measurement",
            "waveform",
            "file",
            "sha256",
            "devices",
            "identity",
            "role",
            "setpoint_w",
            "measured_w",
            "trip",
            "site",
            "id",
            "charger",
            "serial",
            "plan",
            "duration_s",
            "aborted",
            "safe_state_errors",
        ];
        match r.below(if depth > 3 { 5 } else { 8 }) {
            0 => Value::Null,
            1 => json!(r.below(2) == 0),
            2 => json!((r.next() as i64) as f64 / 1e6),
            3 => {
                json!(["pass", "fail", "aborted", "charger", "", "x\u{0}<&>"][r.below(6) as usize])
            }
            4 => json!(r.below(1000)),
            5 | 6 => {
                let mut m = serde_json::Map::new();
                for _ in 0..r.below(6) {
                    let k = keys[r.below(keys.len() as u64) as usize];
                    m.insert(k.into(), value(r, depth + 1));
                }
                Value::Object(m)
            }
            _ => Value::Array((0..r.below(4)).map(|_| value(r, depth + 1)).collect()),
        }
    }

    #[test]
    fn any_journal_content_folds_and_renders_without_panic() {
        let kinds = [
            kind::RUN_STARTED,
            kind::EQUIPMENT,
            kind::TEST_STARTED,
            kind::STEP,
            kind::EXCHANGE,
            kind::ISLAND,
            kind::EXPECTATION,
            kind::SETTINGS,
            kind::FLASH,
            kind::POWER,
            kind::TEST_FINISHED,
            kind::SAFE_STATE,
            kind::ABORTED,
            kind::RUN_FINISHED,
            "unknown",
        ];
        let mut r = XorShift(0x9E37_79B9_7F4A_7C15);
        for _ in 0..3000 {
            let records: Vec<Record> = (0..r.below(12))
                .map(|seq| Record {
                    seq,
                    prev: String::new(),
                    t_s: r.below(1000) as f64 / 7.0,
                    clock: "simulated".into(),
                    kind: kinds[r.below(kinds.len() as u64) as usize].into(),
                    data: value(&mut r, 0),
                })
                .collect();
            let summary = JournalSummary {
                records: records.len(),
                head_sha256: String::new(),
                torn_tail: r.below(2) == 0,
            };
            let report = from_records(&records, summary);
            let v = serde_json::to_value(&report).unwrap();
            let _ = crate::report::canonical::to_canonical_string(&v);
            let _ = crate::report::html::render(&report, &Default::default());
            let _ = crate::report::junit::render(&report);
            if report.status != Status::Incomplete {
                assert!(records.iter().any(|r| r.kind == kind::RUN_FINISHED));
            }
            if report.status == Status::Aborted {
                assert!(report.aborted.is_some());
            }
        }
    }

    #[test]
    fn a_journal_without_its_end_is_incomplete_and_says_so() {
        let rec = |seq, kind: &str, data: Value| Record {
            seq,
            prev: String::new(),
            t_s: seq as f64,
            clock: "simulated".into(),
            kind: kind.into(),
            data,
        };
        let records = vec![
            rec(
                0,
                kind::RUN_STARTED,
                json!({"plan": {"name": "p", "path": "p.yaml"}}),
            ),
            rec(
                1,
                kind::TEST_STARTED,
                json!({"name": "t", "clause": "§5.10"}),
            ),
            rec(
                2,
                kind::POWER,
                json!({"setpoint_w": 1000.0, "measured_w": 990.0}),
            ),
        ];
        let summary = JournalSummary {
            records: 3,
            head_sha256: "h".into(),
            torn_tail: true,
        };
        let report = from_records(&records, summary);
        assert_eq!(report.status, Status::Incomplete);
        assert_eq!(report.verdict, ReportVerdict::Incomplete);
        let why = report.incomplete_reason.unwrap();
        assert!(
            why.contains("killed") && why.contains("`power` at t = 2.000 s"),
            "{why}"
        );
        assert!(why.contains("cut short"), "{why}");
        assert_eq!(report.tests[0].verdict, ReportVerdict::Incomplete);
        assert_eq!(report.tests[0].power.len(), 1);
    }

    #[test]
    fn a_run_that_stopped_early_and_finished_its_journal_is_aborted() {
        let rec = |seq, kind: &str, data: Value| Record {
            seq,
            prev: String::new(),
            t_s: seq as f64,
            clock: "wall".into(),
            kind: kind.into(),
            data,
        };
        let summary = || JournalSummary {
            records: 3,
            head_sha256: "h".into(),
            torn_tail: false,
        };
        let started = rec(0, kind::RUN_STARTED, json!({"plan": {"name": "p"}}));
        let interrupted = vec![
            started.clone(),
            rec(1, kind::TEST_STARTED, json!({"name": "t"})),
            rec(
                2,
                kind::RUN_FINISHED,
                json!({"verdict": "aborted", "aborted": "tests[0] \"t\" steps[1] (wait): interrupted",
                       "safe_state_errors": [], "interrupted": true, "signal": "SIGTERM"}),
            ),
        ];
        let report = from_records(&interrupted, summary());
        assert_eq!(report.status, Status::Aborted);
        assert_eq!(report.verdict, ReportVerdict::Aborted);
        assert_eq!(report.incomplete_reason, None);
        assert_eq!(
            report.aborted.as_deref(),
            Some("tests[0] \"t\" steps[1] (wait): interrupted (SIGTERM)")
        );

        let passed = vec![
            started,
            rec(
                1,
                kind::RUN_FINISHED,
                json!({"verdict": "pass", "aborted": null, "safe_state_errors": []}),
            ),
        ];
        assert_eq!(from_records(&passed, summary()).status, Status::Complete);
    }
}
