//! `fleet report --out DIR`: `index.html`, one self-contained page (no
//! script, nothing fetched, no map) of the program: sites by stage, totals
//! by utility and by segment, commissioned kW against the program's target,
//! the sites not yet signed and why, every site; beside it `fleet.csv` and
//! `fleet.json`, the export `fleet status --csv` / `--json` prints.

use super::record::Stage;
use super::status::{self, SiteStatus, NOT_STATED};
use crate::report::xml::esc;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::{Path, PathBuf};

pub const HTML_FILE: &str = "index.html";
pub const CSV_FILE: &str = "fleet.csv";
pub const JSON_FILE: &str = "fleet.json";

#[derive(Debug, thiserror::Error)]
#[error("cannot write {path}: {source}")]
pub struct WriteError {
    pub path: PathBuf,
    #[source]
    pub source: std::io::Error,
}

/// The program's totals.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Totals {
    pub sites: usize,
    pub signed: usize,
    /// Sum of the signed sites' permitted export, kW.
    pub commissioned_kw: f64,
    /// Signed sites whose site file states no export limit (not counted).
    pub signed_without_limit: usize,
}

impl Totals {
    fn add(&mut self, s: &SiteStatus) {
        self.sites += 1;
        if s.stage == Stage::Signed {
            self.signed += 1;
            match s.export_limit_w {
                Some(w) => self.commissioned_kw += w / 1000.0,
                None => self.signed_without_limit += 1,
            }
        }
    }
}

pub fn totals<'a>(sites: impl IntoIterator<Item = &'a SiteStatus>) -> Totals {
    let mut t = Totals::default();
    for s in sites {
        t.add(s);
    }
    t
}

fn by(
    sites: &[SiteStatus],
    key: impl Fn(&SiteStatus) -> Option<String>,
) -> BTreeMap<String, Totals> {
    let mut out: BTreeMap<String, Totals> = BTreeMap::new();
    for s in sites {
        out.entry(key(s).unwrap_or_else(|| NOT_STATED.into()))
            .or_default()
            .add(s);
    }
    out
}

fn kw(v: f64) -> String {
    format!("{v:.1}")
}

fn totals_table(title: &str, by: &BTreeMap<String, Totals>, all: &Totals) -> String {
    let mut h = format!(
        "<h2>By {title}</h2>\n<table><thead><tr><th>{title}</th><th>sites</th><th>signed</th><th>not yet signed</th><th>commissioned kW</th></tr></thead><tbody>\n"
    );
    let row = |name: &str, t: &Totals, tag: &str| {
        format!(
            "<tr><{tag}>{}</{tag}><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
            esc(name),
            t.sites,
            t.signed,
            t.sites - t.signed,
            kw(t.commissioned_kw)
        )
    };
    for (name, t) in by {
        h.push_str(&row(name, t, "td"));
    }
    h.push_str("</tbody><tfoot>");
    h.push_str(&row("all", all, "th"));
    h.push_str("</tfoot></table>\n");
    h
}

/// The page. `target_kw`: the program's flexible-capacity target.
pub fn html(sites: &[SiteStatus], target_kw: Option<f64>, db: &str, generated_utc: &str) -> String {
    let all = totals(sites);
    let mut h = String::new();
    h.push_str("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>Fleet roll-up</title>\n<style>\n");
    h.push_str(
        "body{font-family:system-ui,sans-serif;margin:2em;color:#111}\n\
         table{border-collapse:collapse;margin:0.5em 0 1.5em}\n\
         th,td{border:1px solid #bbb;padding:0.25em 0.6em;text-align:left;vertical-align:top}\n\
         thead th{background:#eee} tfoot th{background:#f6f6f6}\n\
         .bar{width:30em;max-width:100%;height:1.2em;border:1px solid #333;background:#fff}\n\
         .fill{height:100%;background:#2a7a2a;print-color-adjust:exact;-webkit-print-color-adjust:exact}\n\
         .blocked td:last-child{color:#8a1c1c}\n\
         .emu{color:#8a1c1c;font-weight:bold}\n",
    );
    h.push_str("</style></head><body>\n<h1>Fleet roll-up</h1>\n");
    let _ = writeln!(
        h,
        "<p>Store {} · generated {} · {} site(s), {} signed. Each site is shown by its current run (the one that started last); every figure comes from a run folder verified as <code>v2x-hil report verify</code> does.</p>",
        esc(db),
        esc(generated_utc),
        all.sites,
        all.signed
    );

    h.push_str("<h2 id=\"capacity\">Commissioned capacity</h2>\n");
    let _ = write!(
        h,
        "<p>Commissioned: <strong id=\"commissioned-kw\">{} kW</strong> (the permitted export, <code>export_limit_w</code>, of each signed site)",
        kw(all.commissioned_kw)
    );
    match target_kw {
        Some(t) if t > 0.0 => {
            let pct = 100.0 * all.commissioned_kw / t;
            let _ = write!(
                h,
                " against the program's target of <strong id=\"target-kw\">{} kW</strong>: {:.1} %.</p>\n<div class=\"bar\" role=\"img\" aria-label=\"{:.1} % of target\"><div class=\"fill\" style=\"width:{:.1}%\"></div></div>\n",
                kw(t),
                pct,
                pct,
                pct.clamp(0.0, 100.0)
            );
        }
        _ => h.push_str("; no target given (<code>fleet report --target-kw KW</code>).</p>\n"),
    }
    if all.signed_without_limit > 0 {
        let _ = writeln!(
            h,
            "<p>{} signed site(s) state no export limit in their site file and are not counted.</p>",
            all.signed_without_limit
        );
    }

    h.push_str(
        "<h2>By stage</h2>\n<table><thead><tr><th>stage</th><th>sites</th></tr></thead><tbody>\n",
    );
    for st in Stage::ALL {
        let n = sites.iter().filter(|s| s.stage == st).count();
        let _ = writeln!(h, "<tr><td>{}</td><td>{n}</td></tr>", st.label());
    }
    h.push_str("</tbody></table>\n");

    h.push_str(&totals_table(
        "utility",
        &by(sites, |s| s.utility.clone()),
        &all,
    ));
    h.push_str(&totals_table(
        "segment",
        &by(sites, |s| s.segment.clone()),
        &all,
    ));

    let blocked: Vec<&SiteStatus> = sites.iter().filter(|s| s.stage != Stage::Signed).collect();
    let _ = writeln!(
        h,
        "<h2 id=\"blocked\">Sites not yet signed, and why ({})</h2>",
        blocked.len()
    );
    if blocked.is_empty() {
        h.push_str("<p>None.</p>\n");
    } else {
        h.push_str("<table><thead><tr><th>site</th><th>utility</th><th>segment</th><th>stage reached</th><th>last run</th><th>why</th></tr></thead><tbody>\n");
        for s in blocked {
            let _ = writeln!(
                h,
                "<tr class=\"blocked\"><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&s.site_id),
                esc(s.utility.as_deref().unwrap_or(NOT_STATED)),
                esc(s.segment.as_deref().unwrap_or(NOT_STATED)),
                s.stage.label(),
                esc(s.last_run.as_deref().unwrap_or(NOT_STATED)),
                esc(s.blocked.as_deref().unwrap_or(""))
            );
        }
        h.push_str("</tbody></table>\n");
    }

    h.push_str("<h2>Every site</h2>\n<table><thead><tr><th>site</th><th>segment</th><th>utility</th><th>chargers</th><th>firmware</th><th>stage</th><th>last run</th><th>verdict</th><th>export kW</th><th>runs</th></tr></thead><tbody>\n");
    for s in sites {
        let o = |v: &Option<String>| esc(v.as_deref().unwrap_or(NOT_STATED));
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}{}</td><td>{}</td><td>{}</td></tr>",
            esc(&s.site_id),
            o(&s.segment),
            o(&s.utility),
            o(&s.chargers),
            o(&s.firmware),
            s.stage.label(),
            o(&s.last_run),
            esc(&s.verdict),
            if s.rig_kind == "emulated" {
                " <span class=\"emu\">EMULATED</span>"
            } else {
                ""
            },
            s.export_limit_w
                .map(|w| kw(w / 1000.0))
                .unwrap_or_else(|| NOT_STATED.into()),
            s.runs
        );
    }
    h.push_str("</tbody></table>\n");
    let _ = writeln!(
        h,
        "<p>The same rows: <a href=\"{CSV_FILE}\">{CSV_FILE}</a>, <a href=\"{JSON_FILE}\">{JSON_FILE}</a>.</p>\n</body></html>"
    );
    h
}

/// Writes the page, the CSV and the JSON into `out` (created).
pub fn write(
    out: &Path,
    sites: &[SiteStatus],
    target_kw: Option<f64>,
    db: &str,
) -> Result<Vec<PathBuf>, WriteError> {
    let put = |name: &str, text: &str| -> Result<PathBuf, WriteError> {
        let path = out.join(name);
        std::fs::write(&path, text).map_err(|source| WriteError {
            path: path.clone(),
            source,
        })?;
        Ok(path)
    };
    std::fs::create_dir_all(out).map_err(|source| WriteError {
        path: out.to_path_buf(),
        source,
    })?;
    Ok(vec![
        put(HTML_FILE, &html(sites, target_kw, db, &super::now_utc()))?,
        put(CSV_FILE, &status::csv(sites))?,
        put(JSON_FILE, &status::json(sites))?,
    ])
}
