//! `junit.xml` for CI systems, in the Ant/Jenkins JUnit layout that
//! GitLab, Jenkins and GitHub test reporters read: one `<testsuite>` per
//! plan, one `<testcase>` per test; a failed test is a `<failure>`, an
//! aborted one an `<error>`, one the journal never finished `<skipped>`.
//! Times are on the run's clock (simulated seconds on the emulated rig).

use super::model::{Report, ReportVerdict};
use super::xml::esc;
use std::fmt::Write;

pub fn render(report: &Report) -> String {
    let count = |v: ReportVerdict| report.tests.iter().filter(|t| t.verdict == v).count();
    let (failures, errors, skipped) = (
        count(ReportVerdict::Fail),
        count(ReportVerdict::Aborted),
        count(ReportVerdict::Incomplete),
    );
    // With a site, its compliance is a test case of its own, so that CI
    // sees what the exit code says.
    let compliance_failed = report.compliance.as_ref().is_some_and(|c| !c.holds);
    let (tests, failures) = (
        report.tests.len() + usize::from(report.compliance.is_some()),
        failures + usize::from(compliance_failed),
    );
    let total_s: f64 = report.tests.iter().filter_map(|t| t.duration_s).sum();
    let suite = if report.plan.name.is_empty() {
        "v2x-hil run"
    } else {
        report.plan.name.as_str()
    };
    let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let head = format!(
        "tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"{skipped}\" time=\"{total_s:.3}\""
    );
    let _ = writeln!(x, "<testsuites name=\"{}\" {head}>", esc(suite));
    let timestamp = report
        .started_utc
        .as_deref()
        .map(|t| format!(" timestamp=\"{}\"", esc(t.trim_end_matches('Z'))))
        .unwrap_or_default();
    let _ = writeln!(x, "  <testsuite name=\"{}\" {head}{timestamp}>", esc(suite));
    x.push_str("    <properties>\n");
    let mut property = |name: &str, value: &str| {
        let _ = writeln!(
            x,
            "      <property name=\"{name}\" value=\"{}\"/>",
            esc(value)
        );
    };
    property("rig", &report.rig.name);
    if let Some(id) = report
        .site
        .as_ref()
        .and_then(|s| s["site"]["id"].as_str().or(s["id"].as_str()))
    {
        property("site", id);
    }
    property("status", status_text(report));
    // An emulated run is a test record, never a field record.
    property("rig_kind", report.rig_kind.as_str());
    if let Some(c) = &report.compliance {
        property("compliance", if c.holds { "holds" } else { "fails" });
    }
    if let Some(s) = &report.signer {
        property("signer.keyid", &s.keyid);
    }
    property("journal.sha256", &report.journal.head_sha256);
    x.push_str("    </properties>\n");
    for t in &report.tests {
        let time = t.duration_s.unwrap_or(0.0);
        let _ = write!(
            x,
            "    <testcase name=\"{}\" classname=\"{}\" time=\"{time:.3}\">",
            esc(&t.name),
            esc(suite)
        );
        let reason = t.reason.as_deref().unwrap_or("");
        match t.verdict {
            ReportVerdict::Pass => {}
            ReportVerdict::Fail => {
                let _ = write!(
                    x,
                    "\n      <failure message=\"{}\" type=\"fail\"/>",
                    esc(reason)
                );
            }
            ReportVerdict::Aborted => {
                let _ = write!(
                    x,
                    "\n      <error message=\"{}\" type=\"aborted\"/>",
                    esc(reason)
                );
            }
            ReportVerdict::Incomplete => {
                let why = report
                    .incomplete_reason
                    .as_deref()
                    .unwrap_or("the test did not finish");
                let _ = write!(x, "\n      <skipped message=\"{}\"/>", esc(why));
            }
        }
        let mut out = Vec::new();
        if let Some(c) = &t.clause {
            out.push(format!("clause: {c}"));
        }
        if !t.islands.is_empty() {
            let worst = t
                .islands
                .iter()
                .map(|i| i.measurement.clearing_time_s.unwrap_or(f64::INFINITY))
                .fold(0.0, f64::max);
            out.push(format!(
                "island events: {}, longest clearing time: {}",
                t.islands.len(),
                if worst.is_finite() {
                    format!("{worst:.4} s")
                } else {
                    "not cleared".into()
                }
            ));
        }
        for x in &t.trips {
            let m = &x.measurement;
            out.push(format!(
                "trip {} {} -> {}: clearing time {} (limits {}-{} s, {})",
                m.quantity,
                m.from,
                m.to,
                m.clearing_time_s
                    .map(|c| format!("{c:.4} s"))
                    .unwrap_or_else(|| "none".into()),
                m.min_clearing_time_s,
                m.max_clearing_time_s,
                m.verdict.as_str()
            ));
        }
        for e in &t.expectations {
            out.push(format!(
                "expect {}.{} = {}: measured {} ({})",
                e.device,
                e.quantity,
                e.expected,
                e.measured,
                e.verdict.as_str()
            ));
        }
        if !out.is_empty() {
            let _ = write!(
                x,
                "\n      <system-out>{}</system-out>",
                esc(&out.join("\n"))
            );
        }
        if t.verdict != ReportVerdict::Pass || !out.is_empty() {
            x.push_str("\n    ");
        }
        x.push_str("</testcase>\n");
    }
    if let Some(c) = &report.compliance {
        let _ = write!(
            x,
            "    <testcase name=\"site compliance\" classname=\"{}\" time=\"0.000\">",
            esc(suite)
        );
        if !c.holds {
            let _ = write!(
                x,
                "\n      <failure message=\"{}\" type=\"compliance\"/>\n    ",
                esc(&c.reasons.join("; "))
            );
        }
        x.push_str("</testcase>\n");
    }
    x.push_str("  </testsuite>\n</testsuites>\n");
    x
}

fn status_text(report: &Report) -> &'static str {
    report.status.as_str()
}
