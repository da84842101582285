//! What a verified run folder says about its site: every field of a
//! `RunRecord` from the folder's report as it was signed (the DSSE
//! statement's predicate, which `report verify` has just shown to be
//! `report.json` and the report the signed journal gives), and the stage
//! the evidence reaches:
//!
//! | stage | reached when |
//! |---|---|
//! | installed | a verified run folder names the site |
//! | firmware approved | every charger's firmware gate (the program's catalog) passed |
//! | settings compliant | the site's compliance holds: each charger's serial is the site file's, its grid-profile settings read back equal the profile |
//! | functional test | the site-meter checks (CT direction, V2G export at the permitted power) and the central-system checks passed |
//! | backup test | the V2H backup test passed (a home); not applicable where the site's plan has none (depot, commercial) |
//! | signed | the report is complete, its verdict pass, signed by a trusted installer key |
//!
//! A stage that does not hold stops the climb, and `blocked` says why in
//! the report's own words.

use super::record::{RunRecord, Stage};
use serde_json::Value;

/// Text from a report shown to people and kept in the store: one line,
/// no control characters, at most `MAX_TEXT` characters.
pub const MAX_TEXT: usize = 300;

pub fn clean(text: &str) -> String {
    let mut out: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(MAX_TEXT)
        .collect();
    if text.chars().count() > MAX_TEXT {
        out.push('…');
    }
    out.trim().to_string()
}

fn text(v: &Value) -> Option<String> {
    v.as_str().map(clean).filter(|s| !s.is_empty())
}

/// The site id a report names (`site.site.id`), if any.
pub fn site_id(report: &Value) -> Option<String> {
    text(&report["site"]["site"]["id"])
}

/// Every test's entries of one kind (`firmware_gates`, `meter_checks`, …),
/// each with the name of its test.
fn entries<'a>(report: &'a Value, kind: &str) -> Vec<(&'a Value, &'a Value)> {
    let mut out = Vec::new();
    for t in report["tests"].as_array().map(Vec::as_slice).unwrap_or(&[]) {
        for e in t[kind].as_array().map(Vec::as_slice).unwrap_or(&[]) {
            out.push((t, e));
        }
    }
    out
}

fn passed(e: &Value) -> bool {
    e["verdict"] == "pass"
}

/// `test name: reason` for a check that did not pass.
fn why(test: &Value, e: &Value) -> String {
    let reason = text(&e["reason"])
        .or_else(|| text(&test["reason"]))
        .unwrap_or_else(|| format!("verdict {}", text(&e["verdict"]).unwrap_or("?".into())));
    format!("{}: {reason}", text(&test["name"]).unwrap_or_default())
}

struct Chargers {
    serials: Vec<String>,
    models: Vec<String>,
}

fn chargers(report: &Value) -> Chargers {
    let site = &report["site"];
    let list: Vec<&Value> = match site["chargers"].as_array() {
        Some(a) if !a.is_empty() => a.iter().collect(),
        _ if site["charger"].is_object() => vec![&site["charger"]],
        _ => Vec::new(),
    };
    let mut models = Vec::new();
    let mut serials = Vec::new();
    for c in list {
        if let Some(s) = text(&c["serial"]) {
            serials.push(s);
        }
        let model = [text(&c["make"]), text(&c["model"])]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        if !model.is_empty() && !models.contains(&model) {
            models.push(model);
        }
    }
    Chargers { serials, models }
}

/// The firmware the chargers run at the end: each firmware gate's version
/// after it (its device named when they differ), else the report's
/// `firmware.version`.
fn firmware(report: &Value) -> Option<String> {
    let gates = entries(report, "firmware_gates");
    let mut versions: Vec<(String, String)> = Vec::new();
    for (t, g) in &gates {
        let v = text(&g["version_after"]).or_else(|| text(&g["version_before"]));
        // Which charger: a depot's tests are named `SERIAL · test`.
        let name = t["name"].as_str().unwrap_or_default();
        let charger = match name.split_once(" · ") {
            Some((serial, _)) => clean(serial),
            None => text(&g["device"]).unwrap_or_default(),
        };
        if let Some(v) = v {
            versions.push((charger, v));
        }
    }
    if versions.is_empty() {
        return text(&report["firmware"]["version"]);
    }
    let first = &versions[0].1;
    if versions.iter().all(|(_, v)| v == first) {
        Some(first.clone())
    } else {
        Some(
            versions
                .iter()
                .map(|(d, v)| format!("{d} {v}"))
                .collect::<Vec<_>>()
                .join(", "),
        )
    }
}

/// The stage reached, why not further, and the backup test's outcome.
fn stage(
    report: &Value,
    segment: Option<&str>,
    chargers: usize,
) -> (Stage, Option<String>, String) {
    let gates = entries(report, "firmware_gates");
    let backups = entries(report, "backups");
    let backup = if backups.iter().any(|(_, b)| !passed(b)) {
        "fail"
    } else if !backups.is_empty() {
        "pass"
    } else if segment == Some("home") {
        "not run"
    } else {
        "not applicable"
    };
    let run_state = || -> String {
        match report["status"].as_str() {
            Some("complete") | None => String::new(),
            Some(s) => {
                let why = text(&report["aborted"]).or_else(|| text(&report["incomplete_reason"]));
                format!(
                    " (the run is {s}{})",
                    why.map(|w| format!(": {w}")).unwrap_or_default()
                )
            }
        }
    };
    let blocked = |at: Stage, reason: String| {
        (
            at,
            Some(clean(&(reason + &run_state()))),
            backup.to_string(),
        )
    };

    // firmware approved
    if gates.is_empty() {
        return blocked(
            Stage::Installed,
            "firmware: the run has no firmware gate (the program's catalog was not checked)".into(),
        );
    }
    if let Some((t, g)) = gates.iter().find(|(_, g)| !passed(g)) {
        return blocked(Stage::Installed, format!("firmware: {}", why(t, g)));
    }
    // A depot's chargers are commissioned one after another under the
    // plan's one device name: one gate a charger.
    if gates.len() < chargers {
        return blocked(
            Stage::Installed,
            format!(
                "firmware: gated on {} of {chargers} charger(s)",
                gates.len()
            ),
        );
    }
    // settings compliant
    let compliance = &report["compliance"];
    if !compliance.is_object() {
        return blocked(
            Stage::FirmwareApproved,
            "settings: the report has no site compliance".into(),
        );
    }
    if compliance["holds"] != true {
        let reasons: Vec<String> = compliance["reasons"]
            .as_array()
            .map(|a| a.iter().filter_map(text).collect())
            .unwrap_or_default();
        let reasons = if reasons.is_empty() {
            "it does not hold".to_string()
        } else {
            reasons.join("; ")
        };
        return blocked(Stage::FirmwareApproved, format!("compliance: {reasons}"));
    }
    // functional test
    let meters = entries(report, "meter_checks");
    if meters.is_empty() {
        return blocked(
            Stage::SettingsCompliant,
            "functional test: the run has no site-meter or export check".into(),
        );
    }
    let ocpp = entries(report, "ocpp");
    if let Some((t, e)) = meters.iter().chain(ocpp.iter()).find(|(_, e)| !passed(e)) {
        return blocked(
            Stage::SettingsCompliant,
            format!("functional test: {}", why(t, e)),
        );
    }
    // backup test
    if let Some((t, b)) = backups.iter().find(|(_, b)| !passed(b)) {
        return blocked(Stage::FunctionalTest, format!("backup test: {}", why(t, b)));
    }
    if backup == "not run" {
        return blocked(
            Stage::FunctionalTest,
            "backup test: a home whose run has no V2H backup test".into(),
        );
    }
    // signed (the stage before it: backup test, or functional test where
    // there is none)
    let before = if backup == "not applicable" {
        Stage::FunctionalTest
    } else {
        Stage::BackupTest
    };
    let status = report["status"].as_str().unwrap_or("?");
    if status != "complete" {
        return blocked(before, String::from("signed: not a complete run"));
    }
    if report["verdict"] != "pass" {
        let reason = text(&report["verdict_reason"]).unwrap_or_else(|| "a test failed".into());
        return blocked(
            before,
            format!(
                "verdict {}: {reason}",
                text(&report["verdict"]).unwrap_or("?".into())
            ),
        );
    }
    (Stage::Signed, None, backup.to_string())
}

/// The record of a verified folder. `None` when its report names no site
/// (a `run` without `--site`): there is nothing to index it under.
pub fn record(
    report: &Value,
    envelope_sha256: String,
    folder: String,
    signer_keyid: String,
) -> Option<RunRecord> {
    let site_id = site_id(report)?;
    let site = &report["site"]["site"];
    let segment = text(&site["segment"]).map(|s| s.to_ascii_lowercase());
    let ch = chargers(report);
    let (reached, blocked, backup) = stage(report, segment.as_deref(), ch.serials.len().max(1));
    let joined = |v: &[String], sep: &str| (!v.is_empty()).then(|| v.join(sep));
    Some(RunRecord {
        envelope_sha256,
        folder,
        site_id,
        utility: text(&site["utility"]),
        program: text(&site["program"]),
        chargers: joined(&ch.serials, ", "),
        charger_models: joined(&ch.models, "; "),
        firmware: firmware(report),
        export_limit_w: site["export_limit_w"].as_f64().filter(|w| w.is_finite()),
        segment,
        reached,
        blocked,
        backup,
        rig_kind: text(&report["rig_kind"]).unwrap_or_else(|| "unknown".into()),
        status: text(&report["status"]).unwrap_or_else(|| "unknown".into()),
        verdict: text(&report["verdict"]).unwrap_or_else(|| "unknown".into()),
        started_utc: text(&report["started_utc"]),
        signer_keyid,
        added_utc: super::now_utc(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A home report whose every stage holds; `edit` breaks one.
    fn home(edit: impl FnOnce(&mut Value)) -> RunRecord {
        let pass = json!({"verdict": "pass", "reason": null});
        let mut r = json!({
            "status": "complete", "verdict": "pass", "rig_kind": "hardware",
            "started_utc": "2026-11-26T14:00:00Z",
            "site": {
                "site": {"id": "NE-1", "utility": "Eversource", "segment": "home", "export_limit_w": 7600},
                "charger": {"make": "Example Power", "model": "BiDi 11 kW", "serial": "EP-1"}
            },
            "compliance": {"holds": true, "reasons": []},
            "tests": [
                {"name": "firmware", "verdict": "pass", "firmware_gates": [{"verdict": "pass", "device": "charger", "version_before": "1.0.0", "version_after": "1.1.0"}]},
                {"name": "export", "verdict": "pass", "meter_checks": [pass.clone()]},
                {"name": "backup", "verdict": "pass", "backups": [pass]}
            ]
        });
        edit(&mut r);
        record(&r, "e".into(), "/f".into(), "k".into()).expect("a site")
    }

    #[test]
    fn a_complete_passing_field_run_is_signed() {
        let r = home(|_| {});
        assert_eq!((r.reached, r.blocked.as_deref()), (Stage::Signed, None));
        assert_eq!(r.firmware.as_deref(), Some("1.1.0"));
        assert_eq!(r.chargers.as_deref(), Some("EP-1"));
        assert_eq!(r.backup, "pass");
    }

    #[test]
    fn each_stage_stops_where_its_evidence_does_not_hold() {
        let r = home(|r| r["tests"][0]["firmware_gates"][0]["verdict"] = "fail".into());
        assert_eq!(r.reached, Stage::Installed);
        assert!(r
            .blocked
            .unwrap()
            .starts_with("firmware: firmware: verdict fail"));

        let r = home(|r| {
            r["compliance"] =
                json!({"holds": false, "reasons": ["OV1 pickup 1.20 pu, profile 1.10"]})
        });
        assert_eq!(r.reached, Stage::FirmwareApproved);
        assert_eq!(
            r.blocked.as_deref(),
            Some("compliance: OV1 pickup 1.20 pu, profile 1.10")
        );

        let r = home(|r| {
            r["tests"][1]["meter_checks"][0] = json!({"verdict": "fail", "reason": "CT reversed"})
        });
        assert_eq!(r.reached, Stage::SettingsCompliant);
        assert_eq!(
            r.blocked.as_deref(),
            Some("functional test: export: CT reversed")
        );

        let r = home(|r| r["tests"][2]["backups"] = json!([]));
        assert_eq!(
            (r.reached, r.backup.as_str()),
            (Stage::FunctionalTest, "not run")
        );

        let r = home(|r| {
            r["status"] = "incomplete".into();
            r["verdict"] = "incomplete".into();
            r["incomplete_reason"] = "the journal ends after `sample`".into();
        });
        assert_eq!(r.reached, Stage::BackupTest);
        assert_eq!(
            r.blocked.as_deref(),
            Some("signed: not a complete run (the run is incomplete: the journal ends after `sample`)")
        );
    }

    #[test]
    fn a_depot_passes_over_the_backup_test_and_absent_fields_stay_absent() {
        let r = home(|r| {
            r["site"]["site"] = json!({"id": "D-1", "segment": "depot"});
            r["tests"][2] = json!({"name": "other", "verdict": "pass"});
            r["verdict"] = "fail".into();
        });
        assert_eq!(r.backup, "not applicable");
        assert_eq!(r.reached, Stage::FunctionalTest);
        assert!(r.blocked.unwrap().starts_with("verdict fail"));
        assert_eq!((r.utility, r.export_limit_w), (None, None));
    }

    #[test]
    fn text_from_a_report_is_one_bounded_line() {
        let long = "x".repeat(1000);
        assert_eq!(clean("a\u{1b}[31mb\nc"), "a [31mb c");
        assert_eq!(clean(&long).chars().count(), MAX_TEXT + 1);
        assert!(record(&json!({"site": {}}), "e".into(), "f".into(), "k".into()).is_none());
    }
}
