//! Honest reports (issue 10 §3–4): with a site, the report's verdict
//! includes the site's compliance (the charger identified at the start has
//! the site file's serial; its settings, last read and not written after,
//! match the site's grid profile) and `run --site` exits as the report
//! says; an emulated run is marked in report.json, on every printed page of
//! report.html, in junit.xml and by `report verify`; report.html prints as
//! a commissioning record on A4 and Letter.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Output;

mod cli_common;
use cli_common::{ok, root, v2x};

/// `run PLAN --site SITE --out DIR/run`: the output and the folder.
fn site_run(dir: &Path, plan: &str, site: &str) -> (Output, PathBuf) {
    let run = dir.join("run");
    let out = v2x(&["run", plan, "--site", site, "--out", run.to_str().unwrap()]);
    (out, run)
}

fn read_json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// fixtures/sites/emulated-home.yaml with another charger serial, its
/// grid profile named by absolute path so the copy can live anywhere.
fn site_with_serial(dir: &Path, serial: &str) -> PathBuf {
    let text = std::fs::read_to_string(root().join("fixtures/sites/emulated-home.yaml")).unwrap();
    let profile = root().join("test-plans/profiles/iso-ne-srd.yaml");
    let text = text
        .replace("serial: EMU-0001", &format!("serial: {serial}"))
        .replace(
            "../../test-plans/profiles/iso-ne-srd.yaml",
            profile.to_str().unwrap(),
        );
    let path = dir.join("site.yaml");
    std::fs::write(&path, text).unwrap();
    path
}

const SETTINGS_PLAN: &str = "fixtures/plans/commissioning-settings.yaml";

#[test]
fn the_site_charger_set_to_the_site_profile_complies_and_passes() {
    let dir = tempfile::tempdir().unwrap();
    let (out, run) = site_run(
        dir.path(),
        SETTINGS_PLAN,
        "fixtures/sites/emulated-home.yaml",
    );
    ok(&out);
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("site compliance: HOLDS"), "{said}");
    let report = read_json(&run.join("report.json"));
    assert_eq!(report["verdict"], "pass");
    assert_eq!(report["verdict_reason"], Value::Null);
    let c = &report["compliance"];
    assert_eq!(c["holds"], true, "{c}");
    assert_eq!(c["serial"]["site"], "EMU-0001");
    assert_eq!(c["serial"]["charger"], "EMU-0001");
    assert_eq!(c["settings"]["verified"], true);
    assert_eq!(c["settings"]["mismatches"], 0);
    // 16 trip values, 5 enter-service values and anti-islanding.
    assert_eq!(c["settings"]["rows"], 22);
    assert_eq!(
        c["settings"]["profile"],
        "ISO-NE Source Requirement Document (inverter-based DER, Massachusetts)"
    );
    let junit = std::fs::read_to_string(run.join("junit.xml")).unwrap();
    assert!(junit.contains("<property name=\"compliance\" value=\"holds\"/>"));
    assert!(junit.contains("failures=\"0\""), "{junit}");
}

#[test]
fn a_site_naming_another_charger_fails_the_report_and_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let site = site_with_serial(dir.path(), "EP11-2026-000731");
    let (out, run) = site_run(dir.path(), SETTINGS_PLAN, site.to_str().unwrap());
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.contains("1 passed, 0 failed") && said.contains("site compliance: FAILS"),
        "{said}"
    );
    let report = read_json(&run.join("report.json"));
    assert_eq!(report["verdict"], "fail");
    // The test itself passed: its own verdict is untouched.
    assert_eq!(report["tests"][0]["verdict"], "pass");
    let c = &report["compliance"];
    assert_eq!(c["holds"], false);
    assert_eq!(c["serial"]["matches"], false);
    assert_eq!(c["serial"]["site"], "EP11-2026-000731");
    assert_eq!(c["serial"]["charger"], "EMU-0001");
    assert_eq!(c["settings"]["verified"], true, "the settings still comply");
    let why = report["verdict_reason"].as_str().unwrap();
    assert!(
        why.contains("wrong charger")
            && why.contains("EP11-2026-000731")
            && why.contains("EMU-0001"),
        "{why}"
    );
    let html = std::fs::read_to_string(run.join("report.html")).unwrap();
    assert!(html.contains("Wrong charger?") && html.contains("EP11-2026-000731"));
    let junit = std::fs::read_to_string(run.join("junit.xml")).unwrap();
    assert!(
        junit.contains("<testcase name=\"site compliance\"")
            && junit.contains("type=\"compliance\"")
            && junit.contains("failures=\"1\""),
        "{junit}"
    );
    // `report build` gives the same verdict from the journal.
    ok(&v2x(&["report", "build", run.to_str().unwrap()]));
    assert_eq!(read_json(&run.join("report.json")), report);
}

#[test]
fn json_output_carries_the_compliance_and_its_verdict() {
    let dir = tempfile::tempdir().unwrap();
    let site = site_with_serial(dir.path(), "OTHER-1");
    let run = dir.path().join("run");
    let out = v2x(&[
        "run",
        SETTINGS_PLAN,
        "--site",
        site.to_str().unwrap(),
        "--out",
        run.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["verdict"], "fail");
    assert_eq!(doc["compliance"]["serial"]["matches"], false);
}

#[test]
fn settings_never_read_are_not_verified_and_the_run_fails() {
    let dir = tempfile::tempdir().unwrap();
    let (out, run) = site_run(
        dir.path(),
        "fixtures/plans/tiny.yaml",
        "fixtures/sites/emulated-home.yaml",
    );
    assert_eq!(out.status.code(), Some(1));
    let report = read_json(&run.join("report.json"));
    assert_eq!(report["verdict"], "fail");
    let c = &report["compliance"];
    assert_eq!(c["serial"]["matches"], true);
    assert_eq!(c["settings"]["verified"], false);
    assert_eq!(c["settings"]["mismatches"], Value::Null);
    assert!(
        c["reasons"][0].as_str().unwrap().contains("never read"),
        "{c}"
    );
}

#[test]
fn settings_written_after_their_last_reading_are_not_verified() {
    // commissioning-small reads Category II defaults (7 differ from ISO-NE),
    // then widens the trip settings for its island test and never reads again.
    let dir = tempfile::tempdir().unwrap();
    let (out, run) = site_run(
        dir.path(),
        "fixtures/plans/commissioning-small.yaml",
        "fixtures/sites/emulated-home.yaml",
    );
    assert_eq!(out.status.code(), Some(1));
    let c = read_json(&run.join("report.json"))["compliance"].clone();
    assert_eq!(c["settings"]["verified"], false);
    assert_eq!(c["settings"]["mismatches"], 7);
    let reasons: Vec<&str> = c["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    assert!(
        reasons[0].starts_with("7 of 22 settings differ"),
        "{reasons:?}"
    );
    assert!(
        reasons[1].contains("written again (tests[2] \"one island\" steps[0])"),
        "{reasons:?}"
    );
}

#[test]
fn without_a_site_nothing_changes() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    ok(&v2x(&[
        "run",
        "fixtures/plans/tiny.yaml",
        "--out",
        run.to_str().unwrap(),
    ]));
    let report = read_json(&run.join("report.json"));
    assert_eq!(report["verdict"], "pass");
    assert_eq!(report["compliance"], Value::Null);
    let junit = std::fs::read_to_string(run.join("junit.xml")).unwrap();
    assert!(!junit.contains("site compliance") && !junit.contains("\"compliance\""));
}

#[test]
fn an_emulated_run_is_marked_in_every_report_file_and_by_verify() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("k");
    ok(&v2x(&["keys", "new", key.to_str().unwrap()]));
    let run = dir.path().join("run");
    ok(&v2x(&[
        "run",
        "fixtures/plans/tiny.yaml",
        "--out",
        run.to_str().unwrap(),
        "--sign-key",
        dir.path().join("k.pem").to_str().unwrap(),
    ]));
    let report = read_json(&run.join("report.json"));
    assert_eq!(report["rig_kind"], "emulated");
    assert_eq!(report["clock"], "simulated");
    let junit = std::fs::read_to_string(run.join("junit.xml")).unwrap();
    assert!(junit.contains("<property name=\"rig_kind\" value=\"emulated\"/>"));
    let html = std::fs::read_to_string(run.join("report.html")).unwrap();
    // A banner at the top of the page, before the title…
    let banner = html.find("<p class=\"emulated\"").expect("banner");
    assert!(banner < html.find("<h1>").unwrap());
    // …and a fixed element, which print repeats on every page (CSS 2.1 §9.6.1).
    assert_eq!(html.matches("<div class=\"emulated-mark\"").count(), 1);
    let print = &html[html.find("@media print{").expect("print rules")..];
    let mark_rule = &print[print.find(".emulated-mark{").unwrap()..];
    let mark_rule = &mark_rule[..mark_rule.find('}').unwrap()];
    assert!(
        mark_rule.contains("display:block") && mark_rule.contains("position:fixed"),
        "{mark_rule}"
    );
    let out = cli_common::report_verify(&run, &dir.path().join("k.pub.pem"));
    ok(&out);
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.contains("the run was on an EMULATED rig") && said.contains("not a field record"),
        "{said}"
    );
}

#[test]
fn a_wall_clock_journal_gives_a_hardware_report_without_the_banner() {
    use v2x_hil::evidence::journal::Record;
    use v2x_hil::report::model::{JournalSummary, RigKind};
    let rec = |seq, kind: &str, data: Value| Record {
        seq,
        prev: String::new(),
        t_s: seq as f64,
        clock: "wall".into(),
        kind: kind.into(),
        data,
    };
    let records = vec![
        rec(
            0,
            "run_started",
            serde_json::json!({"clock": "wall", "plan": {"name": "p"}}),
        ),
        rec(
            1,
            "equipment",
            serde_json::json!({"devices": [{"name": "charger", "role": "charger", "driver": "sunspec",
                "transport": "serial /dev/ttyUSB1 @ 115200", "identity": null, "error": "timeout"}]}),
        ),
    ];
    let summary = JournalSummary {
        records: 2,
        head_sha256: "h".into(),
        torn_tail: false,
    };
    let report = v2x_hil::report::fold::from_records(&records, summary);
    assert_eq!(report.rig_kind, RigKind::Hardware);
    let html = v2x_hil::report::html::render(&report, &Default::default());
    assert!(!html.contains("class=\"emulated-mark\"") && !html.contains("class=\"emulated\""));
    let junit = v2x_hil::report::junit::render(&report);
    assert!(junit.contains("<property name=\"rig_kind\" value=\"hardware\"/>"));
}

/// The colour of every `background:` in the CSS, as (r, g, b).
fn backgrounds(css: &str) -> Vec<(u8, u8, u8)> {
    css.match_indices("background:#")
        .map(|(i, m)| {
            let hex = &css[i + m.len()..];
            let hex: String = hex.chars().take_while(|c| c.is_ascii_hexdigit()).collect();
            let wide: String = match hex.len() {
                3 => hex.chars().flat_map(|c| [c, c]).collect(),
                6 => hex,
                n => panic!("background colour of {n} hex digits"),
            };
            let byte = |k: usize| u8::from_str_radix(&wide[k..k + 2], 16).unwrap();
            (byte(0), byte(2), byte(4))
        })
        .collect()
}

#[test]
fn the_page_prints_as_a_commissioning_record_on_a4_and_letter() {
    let dir = tempfile::tempdir().unwrap();
    let (out, run) = site_run(
        dir.path(),
        "fixtures/plans/commissioning-small.yaml",
        "fixtures/sites/emulated-home.yaml",
    );
    assert_eq!(out.status.code(), Some(1));
    let html = std::fs::read_to_string(run.join("report.html")).unwrap();
    let css = &html[html.find("<style>").unwrap()..html.find("</style>").unwrap()];
    // Margins in millimetres that leave room on both papers; no fixed size.
    let page = &css[css.find("@page{").expect("@page rule")..];
    let page = &page[..page.find('}').unwrap()];
    assert!(page.contains("margin:") && page.contains("mm"), "{page}");
    assert!(!page.contains("size:"), "{page}");
    let print = &css[css.find("@media print{").unwrap()..];
    for rule in [
        "thead{display:table-header-group}",
        "tr,figure,.banner,.emulated,.keep{break-inside:avoid;page-break-inside:avoid}",
        ".new-page{break-before:page;page-break-before:always}",
        "h1,h2,h3{break-after:avoid;page-break-after:avoid}",
        "print-color-adjust:exact",
        "table{width:100%",
    ] {
        assert!(print.contains(rule), "print CSS lacks {rule}");
    }
    // Nothing wider than the paper: plots scale to the line.
    assert!(css.contains("svg{max-width:100%;height:auto}"));
    // No dark backgrounds (they waste toner and most browsers drop them).
    for (r, g, b) in backgrounds(css) {
        let luma = 0.2126 * r as f64 + 0.7152 * g as f64 + 0.0722 * b as f64;
        assert!(luma > 200.0, "dark background #{r:02x}{g:02x}{b:02x}");
    }
    // The major sections start on a page of their own.
    for heading in [
        "<h2 id=\"der-settings\" class=\"new-page\">",
        "<h2 class=\"new-page\">Tests",
    ] {
        assert!(html.contains(heading), "{heading}");
    }
    // Self-contained: no script, nothing fetched.
    assert!(!html.contains("<script") && !html.contains("src=") && !html.contains("url("));
    // The utility's packet: site, installer, equipment serials and firmware,
    // the settings with their source, the test results and the signer.
    for text in [
        "Site id",
        "1 Test Lane, Springfield, MA 01103, USA",
        "Eversource",
        "Massachusetts V2X pilot 2026",
        "Test Installer",
        "Example Electric",
        "<td>EMU-0001</td><td>1.0.0</td>",
        "<th>Profile SHA-256</th>",
        "ISO-NE Inverter Source Requirement Document 2018-02-06",
        "<span class=\"unverified\">unconfirmed</span>",
        "<td>confirmed</td>",
        "<h2>Signature</h2>",
    ] {
        assert!(html.contains(text), "report.html lacks {text}");
    }
    // Each table's header row repeats on a new page: the wide tables have one.
    assert!(html.matches("<thead>").count() >= 5);
}
