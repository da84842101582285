//! The commissioning-record sections of the page: site compliance, the
//! installation (site, installer, vehicle), the equipment, the DER
//! settings with the source of each value, the run and the signature.

use super::{esc, row, table_end, table_head, trim};
use crate::report::model::{InputFile, Report};
use serde_json::Value;
use std::fmt::Write;

const OK: &str = "<span class=\"pass\">✓ matches</span>";
const DIFFERS: &str = "<span class=\"fail\">✗ differs</span>";

pub(super) fn compliance_section(h: &mut String, r: &Report) {
    let Some(c) = &r.compliance else { return };
    h.push_str("<h2 id=\"compliance\">Site compliance</h2>\n");
    table_head(h, &["Check", "Site file", "This run", ""]);
    let _ = writeln!(
        h,
        "<tr><td>Charger serial</td><td>{}</td><td>{} (as the charger identified itself at the start of the run)</td><td class=\"mark\">{}</td></tr>",
        esc(&c.serial.site),
        esc(c.serial.charger.as_deref().unwrap_or("no answer")),
        if c.serial.matches { OK } else { DIFFERS }
    );
    let s = &c.settings;
    let result = match (s.verified, s.mismatches, s.rows) {
        (true, Some(0), Some(n)) => format!("all {n} settings match"),
        (true, Some(m), Some(n)) => format!("{m} of {n} settings differ"),
        (false, Some(m), Some(n)) => format!("{m} of {n} differ as last read; not verified"),
        _ => "not verified".to_string(),
    };
    let mark = match (s.verified, s.mismatches) {
        (true, Some(0)) => OK,
        (true, _) => DIFFERS,
        (false, _) => "<span class=\"unverified\">not verified</span>",
    };
    let _ = writeln!(
        h,
        "<tr><td>DER settings</td><td>grid profile {}</td><td>{}</td><td class=\"mark\">{mark}</td></tr>",
        esc(s.profile.as_deref().unwrap_or("(not recorded)")),
        esc(&result)
    );
    table_end(h);
    if c.holds {
        h.push_str("<p>Compliance holds.</p>\n");
    } else {
        h.push_str("<p>Compliance does not hold, so the verdict is not a pass:</p>\n<ul>\n");
        for reason in &c.reasons {
            let _ = writeln!(h, "<li class=\"fail\">{}</li>", esc(reason));
        }
        h.push_str("</ul>\n");
    }
}

/// A text field of the site file, or what its absence means.
fn text(site: &Value, pointer: &str, absent: &str) -> String {
    match site.pointer(pointer) {
        Some(Value::String(s)) => esc(s),
        Some(v) if !v.is_null() => esc(&v.to_string()),
        _ => format!("<em>{}</em>", esc(absent)),
    }
}

pub(super) fn installation_section(h: &mut String, r: &Report) {
    h.push_str("<h2>Installation</h2>\n");
    let Some(site) = &r.site else {
        h.push_str("<p>No site file was given for this run: it is a test of the rig, not the record of an installation.</p>\n");
        return;
    };
    h.push_str("<h3>Site</h3>\n<table class=\"keep\">\n");
    row(h, "Site id", &text(site, "/site/id", "not given"));
    row(h, "Address", &text(site, "/site/address", "not given"));
    row(h, "Utility", &text(site, "/site/utility", "not given"));
    row(h, "Program", &text(site, "/site/program", "not given"));
    row(
        h,
        "Grid profile",
        &format!(
            "{} (<code>{}</code>)",
            text(site, "/site/grid_profile/name", "not given"),
            text(site, "/site/grid_profile/path", "")
        ),
    );
    row(
        h,
        "Commissioned on",
        &text(site, "/commissioned_on", "not given"),
    );
    h.push_str("</table>\n<h3>Installer</h3>\n<table class=\"keep\">\n");
    row(h, "Name", &text(site, "/installer/name", "not given"));
    row(h, "Company", &text(site, "/installer/company", "not given"));
    row(h, "Licence", &text(site, "/installer/licence", "not given"));
    h.push_str("</table>\n<h3>Charger and vehicle (site file)</h3>\n<table class=\"keep\">\n");
    row(
        h,
        "Charger",
        &format!(
            "{} {}, serial {}",
            text(site, "/charger/make", "?"),
            text(site, "/charger/model", "?"),
            text(site, "/charger/serial", "not given")
        ),
    );
    row(
        h,
        "Vehicle",
        &format!(
            "{} {}, VIN {}",
            text(site, "/ev/make", "?"),
            text(site, "/ev/model", "?"),
            text(site, "/ev/vin", "not given")
        ),
    );
    h.push_str("</table>\n");
}

pub(super) fn equipment_section(h: &mut String, r: &Report) {
    h.push_str("<h2>Equipment</h2>\n<p>Every device of the rig as it identified itself at the start of the run (SCPI <code>*IDN?</code>, SunSpec model 1).</p>\n");
    table_head(
        h,
        &[
            "Role",
            "Device",
            "Make",
            "Model",
            "Serial",
            "Firmware",
            "Reached by",
        ],
    );
    for e in &r.equipment {
        let _ = write!(h, "<tr><td>{}</td><td>{}</td>", esc(&e.role), esc(&e.name));
        match (&e.identity, &e.error) {
            (Some(i), _) => {
                let _ = write!(
                    h,
                    "<td>{}</td><td>{}</td><td>{}</td><td>{}</td>",
                    esc(&i.manufacturer),
                    esc(&i.model),
                    esc(&i.serial),
                    esc(&i.firmware)
                );
            }
            (None, e) => {
                let _ = write!(
                    h,
                    "<td colspan=\"4\">not identified: {}</td>",
                    esc(e.as_deref().unwrap_or(""))
                );
            }
        }
        let _ = writeln!(
            h,
            "<td>{} over {}</td></tr>",
            esc(&e.driver),
            esc(&e.transport)
        );
    }
    table_end(h);
    h.push_str("<h3>Charger firmware</h3>\n<table class=\"keep\">\n");
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

pub(super) fn settings_section(h: &mut String, r: &Report) {
    h.push_str("<h2 id=\"der-settings\" class=\"new-page\">DER settings</h2>\n");
    let Some(d) = &r.der_settings else {
        let why = if r.site.is_none() {
            "No site file was given, so there is no site profile to compare with; \
             each settings reading's own comparison is listed with its test."
        } else {
            "The plan did not read the charger's settings (add a read_settings step), so they were not compared with the site's profile."
        };
        let _ = writeln!(h, "<p>{why}</p>");
        return;
    };
    h.push_str("<table class=\"keep\">\n");
    row(h, "Site's grid profile", &esc(&d.profile));
    if let Some(p) = &d.profile_path {
        row(h, "Profile file", &format!("<code>{}</code>", esc(p)));
    }
    if let Some(s) = &d.profile_sha256 {
        row(h, "Profile SHA-256", &format!("<code>{}</code>", esc(s)));
    }
    row(
        h,
        "Source of its values",
        &esc(d
            .profile_source
            .as_deref()
            .unwrap_or("not recorded in this journal")),
    );
    row(
        h,
        "Charger's values",
        &format!(
            "as the charger reported them at {} (SunSpec DER trip and enter-service models)",
            esc(d
                .read_at
                .as_deref()
                .unwrap_or("its last read_settings step"))
        ),
    );
    row(
        h,
        "Result",
        &if d.mismatches == 0 {
            "<span class=\"pass\">all match</span>".to_string()
        } else {
            format!("<span class=\"fail\">{} differ</span>", d.mismatches)
        },
    );
    h.push_str("</table>\n");
    h.push_str(
        "<p>Source: a <em>confirmed</em> profile value is cited from the profile's source above; an \
         <em>unconfirmed</em> one is listed under the profile file's <code>unconfirmed:</code> and is \
         to be checked against the utility's document.</p>\n",
    );
    table_head(
        h,
        &["Setting", "Profile key", "Profile", "Source", "Charger", ""],
    );
    let show = |v: Option<f64>, unit: &str| match v {
        Some(x) => format!("{} {unit}", trim(x)),
        None => "off".into(),
    };
    for x in &d.rows {
        let source = if x.row.profile.is_none() {
            "not set by the profile"
        } else if x.unconfirmed {
            "<span class=\"unverified\">unconfirmed</span>"
        } else {
            "confirmed"
        };
        let (class, mark) = if x.row.matches {
            ("", OK)
        } else {
            (" class=\"mismatch\"", DIFFERS)
        };
        let _ = writeln!(
            h,
            "<tr{class}><td>{}</td><td><code class=\"key\">{}</code></td><td class=\"num\">{}</td><td>{source}</td><td class=\"num\">{}</td><td class=\"mark\">{mark}</td></tr>",
            esc(&x.row.setting),
            breakable(&x.key),
            esc(&show(x.row.profile, &x.row.unit)),
            esc(&show(x.row.charger, &x.row.unit))
        );
    }
    if let Some(on) = d.anti_islanding_enabled {
        let _ = writeln!(
            h,
            "<tr{}><td>anti-islanding</td><td></td><td>on</td><td>IEEE 1547-2018 §8.1 (required of every DER)</td><td>{}</td><td class=\"mark\">{}</td></tr>",
            if on { "" } else { " class=\"mismatch\"" },
            if on { "on" } else { "off" },
            if on { OK } else { DIFFERS }
        );
    }
    table_end(h);
    if !d.unconfirmed.is_empty() {
        let _ = writeln!(
            h,
            "<p>{} value(s) of the profile are marked unconfirmed by its own file: check them against the utility's document before relying on them.</p>",
            d.unconfirmed.len()
        );
    }
}

/// A key path that may wrap after `.` and `_` (`enter_service.<wbr>delay_<wbr>s`).
fn breakable(key: &str) -> String {
    esc(key).replace('.', ".<wbr>").replace('_', "_<wbr>")
}

pub(super) fn run_section(h: &mut String, r: &Report) {
    h.push_str("<h2>Run</h2>\n<table class=\"keep\">\n");
    let input = |f: &InputFile| {
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
            "{} (times are seconds since the run started on this clock)",
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

/// Who signs the page: named when the run started, so it is on the page
/// the signature covers.
pub(super) fn signer_text(r: &Report) -> String {
    match &r.signer {
        Some(s) => format!("key id <code>{}</code> (Ed25519)", esc(&s.keyid)),
        None => "no key was named when the run started".into(),
    }
}

pub(super) fn signature_section(h: &mut String, r: &Report) {
    h.push_str("<h2>Signature</h2>\n<div class=\"keep\">\n");
    match &r.signer {
        Some(s) => {
            let _ = writeln!(
                h,
                "<p>This record and every evidence file of its run folder are signed as a DSSE envelope \
                 (<code>report.dsse.json</code>, Ed25519) by the key with key id <code>{}</code> \
                 (the first 16 hex digits of SHA-256 of its public key).</p>",
                esc(&s.keyid)
            );
        }
        None => h.push_str(
            "<p>No signing key was named when the run started, so this page names no signer. \
             A signature added later (<code>v2x-hil report sign</code>) is in <code>report.dsse.json</code>.</p>\n",
        ),
    }
    h.push_str(
        "<p>This page is rebuilt from the run's journal (<code>journal.jsonl</code>) by \
         <code>v2x-hil report build</code>. Check the folder offline with \
         <code>v2x-hil report verify DIR --key KEY.pub.pem</code>: it checks the signature, every file's \
         digest, the journal's chain and this page against the journal, and prints the signer's key id.</p>\n</div>\n",
    );
}
