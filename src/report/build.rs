//! `report build DIR`: every report file rebuilt from the journal (and the
//! waveform files its records name and bind by digest). `run --out` ends by
//! calling the same function, so a rebuilt report is byte-identical.

use super::fold::from_records;
use super::model::{JournalSummary, Report};
use super::{canonical, html, junit};
use crate::evidence::journal::{verify, JournalError, Verified};
use crate::evidence::sink::JOURNAL_FILE;
use crate::firmware::verify::sha256_hex;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub const REPORT_JSON: &str = "report.json";
pub const REPORT_HTML: &str = "report.html";
pub const JUNIT_XML: &str = "junit.xml";

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error(transparent)]
    Journal(#[from] JournalError),
    /// An evidence file the journal names is missing or not what was recorded.
    #[error("{file}: {reason}")]
    Evidence { file: String, reason: String },
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// What was written.
#[derive(Debug, Clone)]
pub struct Built {
    pub report: Report,
    pub json: PathBuf,
    pub html: PathBuf,
    pub junit: PathBuf,
}

/// Reads and checks the journal and the files it names, and folds them
/// into the report.
pub fn load_report(dir: &Path) -> Result<(Report, BTreeMap<String, String>), ReportError> {
    load_verified(dir, verify(&dir.join(JOURNAL_FILE))?)
}

/// As [`load_report`], from the journal already read and verified.
fn load_verified(
    dir: &Path,
    verified: Verified,
) -> Result<(Report, BTreeMap<String, String>), ReportError> {
    let summary = JournalSummary {
        records: verified.records.len(),
        head_sha256: verified.head.clone(),
        torn_tail: verified.torn_tail,
    };
    let report = from_records(&verified.records, summary);
    let mut waveforms = BTreeMap::new();
    for t in &report.tests {
        for w in t.islands.iter().filter_map(|i| i.waveform.as_ref()) {
            let text = read_bound(dir, &w.file, &w.sha256)?;
            waveforms.insert(w.file.clone(), text);
        }
    }
    Ok((report, waveforms))
}

/// A file the journal refers to, checked against the digest it recorded.
fn read_bound(dir: &Path, file: &str, sha256: &str) -> Result<String, ReportError> {
    let bad = |reason: String| ReportError::Evidence {
        file: file.to_string(),
        reason,
    };
    // Names come from the journal: nothing outside the folder is read.
    if file
        .split('/')
        .any(|c| c.is_empty() || c == "." || c == "..")
        || file.starts_with('/')
    {
        return Err(bad("not a plain path inside the run folder".into()));
    }
    let bytes = std::fs::read(dir.join(file)).map_err(|e| bad(e.to_string()))?;
    if sha256_hex(&bytes) != sha256 {
        return Err(bad(
            "does not match the digest the journal recorded for it".into()
        ));
    }
    String::from_utf8(bytes).map_err(|_| bad("not UTF-8 text".into()))
}

/// The three report files' names and contents, as the journal gives them.
pub fn render_all(dir: &Path) -> Result<[(&'static str, String); 3], ReportError> {
    let (report, waveforms) = load_report(dir)?;
    Ok(render(&report, &waveforms))
}

/// As [`render_all`], from DIR's journal already read and verified (so
/// `report verify` reads and parses it once).
pub fn render_verified(
    dir: &Path,
    verified: Verified,
) -> Result<[(&'static str, String); 3], ReportError> {
    let (report, waveforms) = load_verified(dir, verified)?;
    Ok(render(&report, &waveforms))
}

fn render(report: &Report, waveforms: &BTreeMap<String, String>) -> [(&'static str, String); 3] {
    let value = serde_json::to_value(report).unwrap_or(serde_json::Value::Null);
    [
        (REPORT_JSON, canonical::to_canonical_string(&value)),
        (REPORT_HTML, html::render(report, waveforms)),
        (JUNIT_XML, junit::render(report)),
    ]
}

pub fn build_dir(dir: &Path) -> Result<Built, ReportError> {
    let (report, waveforms) = load_report(dir)?;
    let [(_, json), (_, html), (_, junit)] = render(&report, &waveforms);
    Ok(Built {
        report,
        json: write(dir, REPORT_JSON, json)?,
        html: write(dir, REPORT_HTML, html)?,
        junit: write(dir, JUNIT_XML, junit)?,
    })
}

/// Through a temporary file and a rename: a reader never sees half a report.
fn write(dir: &Path, name: &str, text: String) -> Result<PathBuf, ReportError> {
    let path = dir.join(name);
    let tmp = dir.join(format!(".{name}.tmp"));
    let err = |source| ReportError::Write {
        path: path.clone(),
        source,
    };
    std::fs::write(&tmp, text).map_err(err)?;
    std::fs::rename(&tmp, &path).map_err(err)?;
    Ok(path)
}
