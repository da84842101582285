//! `report.html`: one self-contained page (inline CSS and SVG, no script,
//! nothing fetched) that an installer can hand over and a utility can read
//! offline: site, equipment, firmware, the charger's DER settings beside
//! the site's profile, each test with its verdict and clause, and plots.

use super::model::{Report, ReportVerdict, Status, TestReport};
use super::svg;
use super::xml::esc;
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt::Write;

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:2em auto;max-width:60em;color:#222}\
h1{font-size:1.5em}h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:1.6em}\
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:.2em .5em;text-align:left;vertical-align:top}\
th{background:#f4f4f4}.num{text-align:right;font-variant-numeric:tabular-nums}\
.pass{color:#116611;font-weight:bold}.fail,.aborted{color:#b00;font-weight:bold}.incomplete{color:#a60;font-weight:bold}\
tr.mismatch td{background:#fde8e8}.banner{border:2px solid #a60;background:#fff4e0;padding:.5em 1em}\
code{font-size:.9em;word-break:break-all}figure{margin:1em 0}figcaption{font-size:.9em;color:#555}";

pub fn render(report: &Report, waveforms: &BTreeMap<String, String>) -> String {
    let mut h =
        String::from("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    let title = match site_id(report) {
        Some(id) => format!("Commissioning report {id}"),
        None => format!("Test report: {}", report.plan.name),
    };
    let _ = writeln!(h, "<title>{}</title>", esc(&title));
    let _ = writeln!(h, "<style>{STYLE}</style>\n</head>\n<body>");
    let _ = writeln!(
        h,
        "<h1>{}</h1>\n<p>Verdict of the plan's tests: {}</p>",
        esc(&title),
        verdict(report.verdict)
    );
    if let Some(d) = &report.der_settings {
        let _ = writeln!(
            h,
            "<p>DER settings against the site's profile: {}</p>",
            if d.mismatches == 0 {
                "<span class=\"pass\">all match</span>".to_string()
            } else {
                format!(
                    "<span class=\"fail\">{} differ</span> (see <a href=\"#der-settings\">DER settings</a>)",
                    d.mismatches
                )
            }
        );
    }
    if report.status == Status::Incomplete {
        let _ = writeln!(
            h,
            "<p class=\"banner\"><strong>Incomplete report.</strong> {}</p>",
            esc(report.incomplete_reason.as_deref().unwrap_or(""))
        );
    }
    for m in &report.site_mismatches {
        let _ = writeln!(
            h,
            "<p class=\"banner\"><strong>Wrong charger?</strong> {}</p>",
            esc(m)
        );
    }
    if let Some(a) = &report.aborted {
        let _ = writeln!(
            h,
            "<p class=\"banner\"><strong>Aborted.</strong> {}</p>",
            esc(a)
        );
    }
    if !report.safe_state_errors.is_empty() {
        h.push_str("<p class=\"banner\"><strong>The safe state was not reached on every device:</strong></p>\n<ul>\n");
        for e in &report.safe_state_errors {
            let _ = writeln!(h, "<li>{}</li>", esc(e));
        }
        h.push_str("</ul>\n");
    }
    run_section(&mut h, report);
    site_section(&mut h, report);
    equipment_section(&mut h, report);
    settings_section(&mut h, report);
    tests_section(&mut h, report, waveforms);
    h.push_str("<h2>Evidence</h2>\n<p>This page is rebuilt from the run's journal (<code>journal.jsonl</code>) \
        by <code>v2x-hil report build</code>; the folder's signature (<code>report.dsse.json</code>) covers \
        every file in it. Check it offline with <code>v2x-hil report verify DIR --key KEY.pub</code>.</p>\n");
    h.push_str("</body>\n</html>\n");
    h
}

fn site_id(report: &Report) -> Option<String> {
    let s = report.site.as_ref()?;
    s.pointer("/site/id")
        .or_else(|| s.get("id"))
        .and_then(Value::as_str)
        .map(String::from)
}

fn verdict(v: ReportVerdict) -> String {
    let s = v.as_str();
    format!("<span class=\"{s}\">{}</span>", s.to_uppercase())
}

fn row(h: &mut String, key: &str, value: &str) {
    let _ = writeln!(h, "<tr><th>{}</th><td>{}</td></tr>", esc(key), value);
}

fn run_section(h: &mut String, r: &Report) {
    h.push_str("<h2>Run</h2>\n<table>\n");
    let input = |f: &super::model::InputFile| {
        let digest = f
            .sha256
            .as_deref()
            .map(|d| format!("<br>SHA-256 <code>{}</code>", esc(d)))
            .unwrap_or_default();
        format!("{} (<code>{}</code>){digest}", esc(&f.name), esc(&f.path))
    };
    row(h, "Plan", &input(&r.plan));
    row(h, "Rig", &input(&r.rig));
    row(
        h,
        "Started (UTC)",
        &esc(r.started_utc.as_deref().unwrap_or("unknown")),
    );
    row(
        h,
        "Clock",
        &esc(&format!(
            "{} (times below are seconds since the run started on this clock)",
            r.clock.as_deref().unwrap_or("unknown")
        )),
    );
    if let Some(tool) = &r.tool {
        let name = tool["name"].as_str().unwrap_or("v2x-hil");
        let version = tool["version"].as_str().unwrap_or("?");
        row(h, "Tool", &esc(&format!("{name} {version}")));
    }
    row(
        h,
        "Journal",
        &format!(
            "{} records, head SHA-256 <code>{}</code>{}",
            r.journal.records,
            esc(&r.journal.head_sha256),
            if r.journal.torn_tail {
                " (last line cut short)"
            } else {
                ""
            }
        ),
    );
    h.push_str("</table>\n");
}

fn site_section(h: &mut String, r: &Report) {
    h.push_str("<h2>Site</h2>\n");
    match &r.site {
        None => h.push_str("<p>No site file was given for this run.</p>\n"),
        Some(site) => {
            // The installation first, then the charger, vehicle, installer.
            h.push_str("<table>\n");
            let order = ["site", "charger", "ev", "installer"];
            for key in order {
                if let Some(v) = site.get(key) {
                    flatten(h, key, v);
                }
            }
            if let Value::Object(map) = site {
                for (k, v) in map.iter().filter(|(k, _)| !order.contains(&k.as_str())) {
                    flatten(h, k, v);
                }
            }
            h.push_str("</table>\n");
        }
    }
}

/// Nested objects as `section.key` rows, in the order the journal keeps them.
fn flatten(h: &mut String, prefix: &str, v: &Value) {
    match v {
        Value::Object(map) => {
            for (k, v) in map {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(h, &key, v);
            }
        }
        Value::Null => {}
        Value::String(s) => row(h, prefix, &esc(s)),
        other => row(h, prefix, &esc(&other.to_string())),
    }
}

fn equipment_section(h: &mut String, r: &Report) {
    h.push_str("<h2>Equipment</h2>\n");
    h.push_str("<table>\n<tr><th>Device</th><th>Role</th><th>Driver</th><th>Transport</th><th>Manufacturer</th><th>Model</th><th>Serial</th><th>Firmware</th></tr>\n");
    for e in &r.equipment {
        let _ = write!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td>",
            esc(&e.name),
            esc(&e.role),
            esc(&e.driver),
            esc(&e.transport)
        );
        match (&e.identity, &e.error) {
            (Some(i), _) => {
                let _ = writeln!(
                    h,
                    "<td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                    esc(&i.manufacturer),
                    esc(&i.model),
                    esc(&i.serial),
                    esc(&i.firmware)
                );
            }
            (None, e) => {
                let _ = writeln!(
                    h,
                    "<td colspan=\"4\">not identified: {}</td></tr>",
                    esc(e.as_deref().unwrap_or(""))
                );
            }
        }
    }
    h.push_str("</table>\n");
    h.push_str("<h3>Charger firmware</h3>\n<table>\n");
    row(
        h,
        "Version",
        &esc(r.firmware.version.as_deref().unwrap_or("unknown")),
    );
    row(
        h,
        "Image SHA-256",
        &match &r.firmware.image_sha256 {
            Some(d) => format!("<code>{}</code> (flashed in this run)", esc(d)),
            None => "not known: no image was flashed in this run".into(),
        },
    );
    h.push_str("</table>\n");
}

fn settings_section(h: &mut String, r: &Report) {
    h.push_str("<h2 id=\"der-settings\">DER settings</h2>\n");
    let Some(d) = &r.der_settings else {
        let why = if r.site.is_none() {
            "No site file was given, so there is no site profile to compare with; \
             each settings reading's own comparison is listed with its test."
        } else {
            "The plan did not read the charger's settings (add a read_settings step)."
        };
        let _ = writeln!(h, "<p>{why}</p>");
        return;
    };
    let _ = writeln!(
        h,
        "<p>The charger's settings as it reported them, beside the site's profile <em>{}</em>: {}.</p>",
        esc(&d.profile),
        if d.mismatches == 0 {
            "all match".to_string()
        } else {
            format!("<span class=\"fail\">{} differ</span>", d.mismatches)
        }
    );
    h.push_str(
        "<table>\n<tr><th>Setting</th><th>Site profile</th><th>Charger</th><th></th></tr>\n",
    );
    let show = |v: Option<f64>, unit: &str| match v {
        Some(x) => format!("{} {unit}", trim(x)),
        None => "off".into(),
    };
    for row in &d.rows {
        let (class, mark) = if row.matches {
            ("", "✓")
        } else {
            (" class=\"mismatch\"", "✗ differs")
        };
        let _ = writeln!(
            h,
            "<tr{class}><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{mark}</td></tr>",
            esc(&row.setting),
            esc(&show(row.profile, &row.unit)),
            esc(&show(row.charger, &row.unit))
        );
    }
    if let Some(on) = d.anti_islanding_enabled {
        let _ = writeln!(
            h,
            "<tr{}><td>anti-islanding</td><td>on</td><td>{}</td><td>{}</td></tr>",
            if on { "" } else { " class=\"mismatch\"" },
            if on { "on" } else { "off" },
            if on { "✓" } else { "✗ differs" }
        );
    }
    h.push_str("</table>\n");
    if !d.unconfirmed.is_empty() {
        let _ = writeln!(
            h,
            "<p>The profile's own file marks these values as not confirmed against the utility's document: {}.</p>",
            esc(&d.unconfirmed.join(", "))
        );
    }
}

fn trim(x: f64) -> String {
    let s = format!("{x:.4}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

fn tests_section(h: &mut String, r: &Report, waveforms: &BTreeMap<String, String>) {
    h.push_str("<h2>Tests</h2>\n<table>\n<tr><th>Test</th><th>Evidence for</th><th>Verdict</th><th>Duration</th><th>Reason</th></tr>\n");
    for t in &r.tests {
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
            esc(&t.name),
            esc(t.clause.as_deref().unwrap_or("")),
            verdict(t.verdict),
            t.duration_s
                .map(|d| format!("{d:.2} s"))
                .unwrap_or_else(|| "—".into()),
            esc(t.reason.as_deref().unwrap_or(""))
        );
    }
    h.push_str("</table>\n");
    for (n, t) in r.tests.iter().enumerate() {
        test_detail(h, n + 1, t, waveforms);
    }
}

fn test_detail(h: &mut String, n: usize, t: &TestReport, waveforms: &BTreeMap<String, String>) {
    let _ = writeln!(h, "<h3>{n}. {} — {}</h3>", esc(&t.name), verdict(t.verdict));
    if let Some(c) = &t.clause {
        let _ = writeln!(h, "<p>Evidence for: {}</p>", esc(c));
    }
    if !t.expectations.is_empty() {
        h.push_str("<table>\n<tr><th>Device</th><th>Quantity</th><th>Expected</th><th>Measured</th><th>After</th><th>Verdict</th></tr>\n");
        for e in &t.expectations {
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{:.2} s</td><td>{}</td></tr>",
                esc(&e.device),
                esc(&e.quantity),
                esc(&e.expected),
                esc(&e.measured),
                e.after_s,
                verdict(e.verdict.into())
            );
        }
        h.push_str("</table>\n");
    }
    for s in &t.settings {
        let compared = s.compared_with.as_deref().unwrap_or("no profile");
        let _ = write!(
            h,
            "<p>Settings read (step {}), compared with {}: ",
            s.step,
            esc(compared)
        );
        if s.mismatches.is_empty() {
            h.push_str("no differences.</p>\n");
        } else {
            h.push_str("</p>\n<ul>\n");
            for m in &s.mismatches {
                let _ = writeln!(h, "<li class=\"fail\">{}</li>", esc(m));
            }
            h.push_str("</ul>\n");
        }
    }
    for f in &t.flashes {
        let _ = writeln!(
            h,
            "<p>Firmware {} → {}: {} bytes, SHA-256 <code>{}</code>, {:.1} s.</p>",
            esc(&f.version_before),
            esc(&f.version_after),
            f.bytes,
            esc(&f.sha256),
            f.duration_s
        );
    }
    if !t.islands.is_empty() {
        islands(h, t, waveforms);
    }
    if !t.trips.is_empty() {
        trips(h, t, waveforms);
    }
    let samples: Vec<(f64, f64, f64)> = t
        .power
        .iter()
        .map(|p| (p.t_s, p.setpoint_w, p.measured_w))
        .collect();
    if let Some(plot) = svg::power_plot(&samples) {
        let _ = writeln!(
            h,
            "<figure>{plot}<figcaption>Charger AC power (export positive) against the setpoint the plan commanded, {} samples.</figcaption></figure>",
            samples.len()
        );
    }
}

/// `voltage_v 240 → 96 V`, `frequency_hz 60 → 62.7 Hz`.
fn trip_change(m: &crate::exec::results::TripMeasurement) -> String {
    let unit = if m.quantity == "voltage_v" { "V" } else { "Hz" };
    format!("{} {} → {} {unit}", m.quantity, m.from, m.to)
}

fn trips(h: &mut String, t: &TestReport, waveforms: &BTreeMap<String, String>) {
    h.push_str("<table>\n<tr><th>#</th><th>Grid step</th><th>Clearing time</th><th>Limits</th><th>Verdict</th><th>Waveform</th></tr>\n");
    for (k, x) in t.trips.iter().enumerate() {
        let m = &x.measurement;
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{:.3}–{:.3} s</td><td>{}</td><td>{}</td></tr>",
            k + 1,
            esc(&trip_change(m)),
            m.clearing_time_s
                .map(|c| format!("{c:.4} s ± {:.4} s", m.t0_uncertainty_s))
                .unwrap_or_else(|| "did not cease".into()),
            m.min_clearing_time_s,
            m.max_clearing_time_s,
            verdict(m.verdict.into()),
            x.waveform
                .as_ref()
                .map(|w| format!("<code>{}</code>", esc(&w.file)))
                .unwrap_or_default()
        );
    }
    h.push_str("</table>\n");
    for (k, x) in t.trips.iter().enumerate() {
        let Some(w) = &x.waveform else { continue };
        let m = &x.measurement;
        let Some(plot) = waveforms
            .get(&w.file)
            .and_then(|csv| svg::trip_plot(csv, x.t0_s, m.clearing_time_s, "grid step"))
        else {
            continue;
        };
        let _ = writeln!(
            h,
            "<figure>{plot}<figcaption>Trip {}: {}, clearing time {} (from <code>{}</code>).</figcaption></figure>",
            k + 1,
            esc(&trip_change(m)),
            m.clearing_time_s
                .map(|c| format!("{c:.4} s"))
                .unwrap_or_else(|| "did not cease".into()),
            esc(&w.file)
        );
    }
}

fn islands(h: &mut String, t: &TestReport, waveforms: &BTreeMap<String, String>) {
    h.push_str("<table>\n<tr><th>#</th><th>P (%)</th><th>Q load (%)</th><th>Clearing time</th><th>f before</th><th>f last</th><th>Drift</th><th>Verdict</th><th>Waveform</th></tr>\n");
    let hz = |f: Option<f64>| {
        f.map(|f| format!("{f:.3} Hz"))
            .unwrap_or_else(|| "—".into())
    };
    for (k, i) in t.islands.iter().enumerate() {
        let m = &i.measurement;
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td class=\"num\">{:.0}</td><td class=\"num\">{:.1}{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{:?}</td><td>{}</td><td>{}</td></tr>",
            k + 1,
            m.power_pct,
            m.reactive_load_pct,
            if m.rerun { " (rerun)" } else { "" },
            m.clearing_time_s
                .map(|c| format!("{c:.4} s"))
                .unwrap_or_else(|| "not cleared".into()),
            hz(m.frequency_before_hz),
            hz(m.frequency_last_hz),
            m.drift,
            verdict(m.verdict.into()),
            i.waveform
                .as_ref()
                .map(|w| format!("<code>{}</code>", esc(&w.file)))
                .unwrap_or_default()
        );
    }
    h.push_str("</table>\n");
    for (k, i) in t.islands.iter().enumerate() {
        let Some(w) = &i.waveform else { continue };
        let Some(plot) = waveforms
            .get(&w.file)
            .and_then(|csv| svg::island_plot(csv, i.measurement.clearing_time_s))
        else {
            continue;
        };
        let _ = writeln!(
            h,
            "<figure>{plot}<figcaption>Island {}: Q load {:.1} %, clearing time {} (from <code>{}</code>).</figcaption></figure>",
            k + 1,
            i.measurement.reactive_load_pct,
            i.measurement
                .clearing_time_s
                .map(|c| format!("{c:.4} s"))
                .unwrap_or_else(|| "not cleared".into()),
            esc(&w.file)
        );
    }
}
