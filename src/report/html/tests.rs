//! The tests section of the page: each test with its clause and verdict,
//! its expectations, settings readings, flashes, island and trip events,
//! and their plots.

use super::{esc, table_end, table_head, verdict};
use crate::report::model::{Report, TestReport};
use crate::report::svg;
use std::collections::BTreeMap;
use std::fmt::Write;

pub(super) fn tests_section(h: &mut String, r: &Report, waveforms: &BTreeMap<String, String>) {
    h.push_str("<h2 class=\"new-page\">Tests</h2>\n");
    table_head(
        h,
        &["Test", "Evidence for", "Verdict", "Duration", "Reason"],
    );
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
    table_end(h);
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
        table_head(
            h,
            &[
                "Device", "Quantity", "Expected", "Measured", "After", "Verdict",
            ],
        );
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
        table_end(h);
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
    for g in &t.firmware_gates {
        let _ = writeln!(
            h,
            "<p>Firmware gate ({}): {} {} ran {}, approved {} (minimum {}); now {}.</p>",
            esc(&g.catalog),
            esc(&g.make),
            esc(&g.model),
            esc(&g.version_before),
            esc(&g.approved.join(", ")),
            esc(g.minimum_version.as_deref().unwrap_or("none")),
            esc(&g.version_after)
        );
    }
    for o in &t.ocpp {
        let (class, verdict) = if o.verdict == crate::exec::results::Verdict::Pass {
            ("pass", "pass")
        } else {
            ("fail", "fail")
        };
        let _ = writeln!(
            h,
            "<p>OCPP {} (step {}, {:.1} s): <span class=\"{class}\">{verdict}</span> — {}.</p>",
            esc(&o.message),
            o.step,
            o.at_s,
            esc(o.reason.as_deref().unwrap_or("as expected"))
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
    table_head(
        h,
        &[
            "#",
            "Grid step",
            "Clearing time",
            "Limits",
            "Verdict",
            "Waveform",
        ],
    );
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
    table_end(h);
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
    table_head(
        h,
        &[
            "#",
            "P (%)",
            "Q load (%)",
            "Clearing time",
            "f before",
            "f last",
            "Drift",
            "Verdict",
            "Waveform",
        ],
    );
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
    table_end(h);
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
