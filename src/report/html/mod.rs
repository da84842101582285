//! `report.html`: one self-contained page (inline CSS and SVG, no script,
//! nothing fetched) that an installer hands over and a utility files as the
//! commissioning record, on screen or printed on A4 or Letter: verdict and
//! site compliance first, then the installation, the equipment with
//! serials and firmware, the DER settings beside the site's profile with
//! the source of every value, the tests with their plots, the run, and the
//! key that signs the page. A run on an emulated rig says so at the top
//! and, printed, on every page.

mod record;
mod style;
mod tests;

use super::model::{Report, ReportVerdict, RigKind, Status};
use super::xml::esc;
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt::Write;

pub use style::{PRINT, STYLE};

/// Text of the emulated-rig banner, also in `report verify`'s output.
pub const EMULATED_NOTE: &str = "Emulated rig: every device of this run was an emulator on the simulated plant (simulated time). This is a test record, not a field record of an installation.";

pub fn render(report: &Report, waveforms: &BTreeMap<String, String>) -> String {
    let mut h =
        String::from("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    let title = match site_id(report) {
        Some(id) => format!("Commissioning record {id}"),
        None => format!("Test report: {}", report.plan.name),
    };
    let _ = writeln!(h, "<title>{}</title>", esc(&title));
    let _ = writeln!(h, "<style>{STYLE}{PRINT}</style>\n</head>\n<body>");
    if report.rig_kind == RigKind::Emulated {
        // Fixed: repeated on every printed page (CSS 2.1 §9.6.1).
        h.push_str("<div class=\"emulated-mark\" aria-hidden=\"true\">EMULATED RIG<small>not a field record</small></div>\n");
        let _ = writeln!(
            h,
            "<p class=\"emulated\" role=\"note\">{}</p>",
            esc(EMULATED_NOTE)
        );
    }
    let _ = writeln!(h, "<h1>{}</h1>", esc(&title));
    summary(&mut h, report);
    banners(&mut h, report);
    record::compliance_section(&mut h, report);
    record::installation_section(&mut h, report);
    record::equipment_section(&mut h, report);
    record::settings_section(&mut h, report);
    tests::tests_section(&mut h, report, waveforms);
    record::run_section(&mut h, report);
    record::signature_section(&mut h, report);
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

/// The verdict and what it rests on, before any detail.
fn summary(h: &mut String, r: &Report) {
    h.push_str("<table class=\"keep\">\n");
    row(h, "Verdict", &verdict(r.verdict));
    if let Some(why) = &r.verdict_reason {
        row(h, "Why", &esc(why));
    }
    if let Some(c) = &r.compliance {
        let text = if c.holds {
            "<span class=\"pass\">holds</span>: the charger named in the site file, set to the site's grid profile"
                .to_string()
        } else {
            "<span class=\"fail\">does not hold</span> (see <a href=\"#compliance\">Site compliance</a>)"
                .to_string()
        };
        row(h, "Site compliance", &text);
    }
    row(h, "Status", &esc(r.status.as_str()));
    let rig = match r.rig_kind {
        RigKind::Emulated => "<span class=\"fail\">emulated</span> (not a field record)",
        RigKind::Hardware => "hardware (wall-clock time)",
        RigKind::Unknown => "not recorded",
    };
    row(h, "Rig", rig);
    row(h, "Signed by", &record::signer_text(r));
    h.push_str("</table>\n");
}

fn banners(h: &mut String, report: &Report) {
    if report.status == Status::Incomplete {
        let _ = writeln!(
            h,
            "<p class=\"banner\"><strong>Incomplete report.</strong> {}</p>",
            esc(report.incomplete_reason.as_deref().unwrap_or(""))
        );
    }
    if let Some(c) = report.compliance.as_ref().filter(|c| !c.serial.matches) {
        let _ = writeln!(
            h,
            "<p class=\"banner\"><strong>Wrong charger?</strong> The site file names serial {}; the charger identified itself as {}.</p>",
            esc(&c.serial.site),
            esc(c.serial.charger.as_deref().unwrap_or("(no answer)"))
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
        h.push_str("<div class=\"banner\"><p><strong>The safe state was not reached on every device:</strong></p>\n<ul>\n");
        for e in &report.safe_state_errors {
            let _ = writeln!(h, "<li>{}</li>", esc(e));
        }
        h.push_str("</ul></div>\n");
    }
}

fn verdict(v: ReportVerdict) -> String {
    let s = v.as_str();
    format!("<span class=\"{s}\">{}</span>", s.to_uppercase())
}

fn row(h: &mut String, key: &str, value: &str) {
    let _ = writeln!(h, "<tr><th>{}</th><td>{}</td></tr>", esc(key), value);
}

/// A table whose header row repeats on each printed page.
fn table_head(h: &mut String, columns: &[&str]) {
    h.push_str("<table>\n<thead><tr>");
    for c in columns {
        let _ = write!(h, "<th>{}</th>", esc(c));
    }
    h.push_str("</tr></thead>\n<tbody>\n");
}

fn table_end(h: &mut String) {
    h.push_str("</tbody>\n</table>\n");
}

/// A number without trailing zeros (`0.88`, `300`).
fn trim(x: f64) -> String {
    let s = format!("{x:.4}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}
