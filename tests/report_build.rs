//! The commissioning report of a deterministic emulated run: snapshots of
//! report.json, junit.xml and the text of report.html (wall-clock time and
//! the journal head, which depends on it, redacted); `report build`
//! rebuilds the same bytes from the journal; the signed folder, waveforms
//! included, verifies; bad input to `run --site` is refused before anything
//! is connected.

use serde_json::Value;
use std::path::{Path, PathBuf};

mod cli_common;
use cli_common::{ok, report_verify as verify, v2x};

/// The small commissioning plan on the emulated rig, with the test site.
/// Its tests pass, but the site's compliance does not hold (the charger
/// keeps IEEE 1547 Category II settings, and the island test widens them
/// after they were read): the report's verdict is fail, and so is the exit.
fn commissioning_run(dir: &Path, extra: &[&str]) -> PathBuf {
    let run = dir.join("run");
    let mut args = vec![
        "run",
        "fixtures/plans/commissioning-small.yaml",
        "--site",
        "fixtures/sites/emulated-home.yaml",
        "--out",
        run.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let out = v2x(&args);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    run
}

/// Values that change from run to run: the wall-clock start, and what is
/// derived from it (the journal's head hash).
fn redact_json(v: &mut Value) {
    v["started_utc"] = "[utc]".into();
    v["journal"]["head_sha256"] = "[head]".into();
    v["tool"]["version"] = "[version]".into();
}

fn redact_text(text: &str, report: &Value) -> String {
    let started = report["started_utc"].as_str().unwrap();
    let head = report["journal"]["head_sha256"].as_str().unwrap();
    let version = report["tool"]["version"].as_str().unwrap();
    text.replace(started, "[utc]")
        .replace(started.trim_end_matches('Z'), "[utc]")
        .replace(head, "[head]")
        .replace(&format!("v2x-hil {version}"), "v2x-hil [version]")
}

/// What a reader sees of the page: the text, one line per block, plots
/// reduced to their labels' count.
fn html_text(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    // Drop <style> and each <svg> (kept as a marker).
    while let Some(i) = rest.find('<') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let end_of = |tag: &str| rest.find(tag).map(|j| j + tag.len());
        let skip = if rest.starts_with("<style") {
            end_of("</style>")
        } else if rest.starts_with("<svg") {
            out.push_str("[plot]");
            end_of("</svg>")
        } else {
            let block = [
                "<tr", "<p", "<h1", "<h2", "<h3", "<li", "<table", "<figure", "<title",
            ]
            .iter()
            .any(|t| rest.starts_with(t));
            if block {
                out.push('\n');
            } else if ["<td>", "<td ", "<th>", "<th "]
                .iter()
                .any(|t| rest.starts_with(t))
            {
                out.push_str(" | ");
            }
            end_of(">")
        };
        rest = &rest[skip.unwrap_or(rest.len())..];
    }
    out.push_str(rest);
    let text = out
        .replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'");
    text.lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn report_files_of_a_deterministic_run() {
    let dir = tempfile::tempdir().unwrap();
    let run = commissioning_run(dir.path(), &[]);
    let text = std::fs::read_to_string(run.join("report.json")).unwrap();
    let mut report: Value = serde_json::from_str(&text).unwrap();
    // Canonical: what RFC 8785 would write for the same value.
    assert_eq!(
        text,
        v2x_hil::report::canonical::to_canonical_string(&report)
    );
    let original = report.clone();
    redact_json(&mut report);
    insta::assert_snapshot!(
        "report_json",
        serde_json::to_string_pretty(&report).unwrap()
    );
    let junit = std::fs::read_to_string(run.join("junit.xml")).unwrap();
    insta::assert_snapshot!("junit_xml", redact_text(&junit, &original));
    let html = std::fs::read_to_string(run.join("report.html")).unwrap();
    assert!(!html.contains("<script") && !html.contains("src=\"http"));
    assert_eq!(html.matches("<svg").count(), 2, "power and one island");
    insta::assert_snapshot!(
        "report_html_text",
        redact_text(&html_text(&html), &original)
    );
}

#[test]
fn report_build_rebuilds_the_same_bytes_and_the_signed_folder_verifies() {
    let dir = tempfile::tempdir().unwrap();
    ok(&v2x(&[
        "keys",
        "new",
        dir.path().join("k").to_str().unwrap(),
    ]));
    let key = dir.path().join("k.pem");
    let public = dir.path().join("k.pub.pem");
    let run = commissioning_run(dir.path(), &["--sign-key", key.to_str().unwrap()]);
    let files = ["report.json", "report.html", "junit.xml"];
    let before: Vec<Vec<u8>> = files
        .iter()
        .map(|f| std::fs::read(run.join(f)).unwrap())
        .collect();
    for f in files {
        std::fs::remove_file(run.join(f)).unwrap();
    }
    ok(&v2x(&["report", "build", run.to_str().unwrap()]));
    for (f, want) in files.iter().zip(&before) {
        assert_eq!(&std::fs::read(run.join(f)).unwrap(), want, "{f} differs");
    }
    // Every evidence file is a signed subject, the waveform in its folder too;
    // the predicate is the report.
    let verified = verify(&run, &public);
    ok(&verified);
    let said = String::from_utf8_lossy(&verified.stdout);
    assert!(
        said.contains("the report files against the journal")
            && said.contains("the report says: complete, verdict fail (site compliance does not hold: 7 of 22 settings differ"),
        "{said}"
    );
    let env: Value =
        serde_json::from_slice(&std::fs::read(run.join("report.dsse.json")).unwrap()).unwrap();
    use base64::Engine;
    let body = base64::engine::general_purpose::STANDARD
        .decode(env["payload"].as_str().unwrap())
        .unwrap();
    let statement: Value = serde_json::from_slice(&body).unwrap();
    let names: Vec<&str> = statement["subject"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    for want in [
        "waveforms/island-001.csv",
        "can0.pcapng",
        "can0.log",
        "charger.transcript",
        "journal.jsonl",
        "report.json",
    ] {
        assert!(names.contains(&want), "{want} not in {names:?}");
    }
    let report: Value = serde_json::from_slice(&before[0]).unwrap();
    assert_eq!(statement["predicate"], report);
    // A changed waveform is caught by verify, and by build (its digest is in
    // the journal).
    let csv = run.join("waveforms/island-001.csv");
    let mut bytes = std::fs::read(&csv).unwrap();
    bytes[100] ^= 1;
    std::fs::write(&csv, bytes).unwrap();
    let verify = verify(&run, &public);
    assert_eq!(verify.status.code(), Some(4));
    assert!(String::from_utf8_lossy(&verify.stderr).contains("waveforms/island-001.csv"));
    let build = v2x(&["report", "build", run.to_str().unwrap()]);
    assert_eq!(build.status.code(), Some(4));
}

#[test]
fn a_re_signed_report_that_its_journal_does_not_give_fails_verification() {
    let dir = tempfile::tempdir().unwrap();
    ok(&v2x(&[
        "keys",
        "new",
        dir.path().join("k").to_str().unwrap(),
    ]));
    let key = dir.path().join("k.pem");
    let public = dir.path().join("k.pub.pem");
    let run = commissioning_run(dir.path(), &[]);
    // The signer's own key, but a report edited to say less than happened.
    let path = run.join("report.json");
    let text = std::fs::read_to_string(&path).unwrap();
    let edited = text.replacen("\"mismatches\":7", "\"mismatches\":0", 1);
    assert_ne!(text, edited);
    std::fs::write(&path, edited).unwrap();
    ok(&v2x(&[
        "report",
        "sign",
        run.to_str().unwrap(),
        "--key",
        key.to_str().unwrap(),
    ]));
    let out = verify(&run, &public);
    assert_eq!(out.status.code(), Some(4));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("report.json is not the report its journal gives"),
        "{err}"
    );
}

/// `run --site SITE --out DIR`: exit 2, nothing written; what it said.
fn refused_site(site: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    let out = v2x(&[
        "run",
        "fixtures/plans/tiny.yaml",
        "--site",
        site,
        "--out",
        run.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(!run.exists(), "nothing written for a refused run");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_bad_site_file_is_refused_before_anything_runs() {
    let err = refused_site("fixtures/sites/bad-vin.yaml");
    assert!(
        err.contains("bad-vin.yaml:") && err.contains("ev.vin"),
        "{err}"
    );
}

#[test]
fn a_site_profile_for_another_grid_frequency_is_refused() {
    let err = refused_site("fixtures/sites/fifty-hz.yaml");
    assert!(
        err.contains("fifty-hz.yaml: site.grid_profile") && err.contains("50 Hz"),
        "{err}"
    );
}

#[test]
fn report_build_without_a_journal_is_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let out = v2x(&["report", "build", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("journal.jsonl"));
}

#[test]
fn a_run_that_cannot_connect_leaves_an_aborted_report() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    let out = v2x(&[
        "run",
        "fixtures/plans/tiny.yaml",
        "--rig",
        "fixtures/rigs/unreachable.yaml",
        "--out",
        run.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(3));
    let report: Value =
        serde_json::from_slice(&std::fs::read(run.join("report.json")).unwrap()).unwrap();
    assert_eq!(report["verdict"], "aborted");
    // The run ended there, its journal finished: aborted, not incomplete.
    assert_eq!(report["status"], "aborted");
    assert!(report["aborted"].as_str().unwrap().starts_with("connect:"));
    assert_eq!(report["incomplete_reason"], Value::Null);
}
