//! `fleet status`: one row per site (its current run), filtered, as a
//! table for people, CSV or JSON for a program administrator or utility.

use super::record::Stage;
use super::store::SiteRow;
use serde::Serialize;

/// What the program counts.
#[derive(Debug, Clone, Copy, Default)]
pub struct Policy {
    /// Count a run on an emulated rig as a field record (a dry run of a
    /// program; never for a real one). Without it an emulated run stops
    /// short of `signed`.
    pub include_emulated: bool,
}

/// Which sites to show.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub utility: Option<String>,
    pub segment: Option<String>,
    pub stage: Option<Stage>,
}

/// One site as shown. Absent fields are `null` in JSON, empty in CSV and
/// "not stated" in the table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SiteStatus {
    pub site_id: String,
    pub segment: Option<String>,
    pub utility: Option<String>,
    pub program: Option<String>,
    pub chargers: Option<String>,
    pub charger_models: Option<String>,
    pub firmware: Option<String>,
    pub stage: Stage,
    /// Why the site goes no further; `null` once signed.
    pub blocked: Option<String>,
    pub backup_test: String,
    pub last_run: Option<String>,
    pub verdict: String,
    pub status: String,
    pub rig_kind: String,
    pub export_limit_w: Option<f64>,
    pub signer_keyid: String,
    /// Runs of this site in the store (the current one included).
    pub runs: i64,
    pub folder: String,
}

pub const EMULATED_BLOCK: &str =
    "signed: the run was on an EMULATED rig, a test record, not a field record of the installation";

impl SiteStatus {
    pub fn from_row(row: SiteRow, policy: Policy) -> SiteStatus {
        let r = row.run;
        let (mut stage, mut blocked) = (r.reached, r.blocked);
        if stage == Stage::Signed && r.rig_kind != "hardware" && !policy.include_emulated {
            stage = if r.backup == "not applicable" {
                Stage::FunctionalTest
            } else {
                Stage::BackupTest
            };
            blocked = Some(if r.rig_kind == "emulated" {
                EMULATED_BLOCK.to_string()
            } else {
                "signed: the report does not say whether the rig was real (rig_kind unknown)".into()
            });
        }
        SiteStatus {
            site_id: r.site_id,
            segment: r.segment,
            utility: r.utility,
            program: r.program,
            chargers: r.chargers,
            charger_models: r.charger_models,
            firmware: r.firmware,
            stage,
            blocked,
            backup_test: r.backup,
            last_run: r.started_utc,
            verdict: r.verdict,
            status: r.status,
            rig_kind: r.rig_kind,
            export_limit_w: r.export_limit_w,
            signer_keyid: r.signer_keyid,
            runs: row.runs,
            folder: r.folder,
        }
    }
}

fn same(a: &Option<String>, b: &Option<String>) -> bool {
    match b {
        None => true,
        Some(want) => a.as_deref().is_some_and(|a| a.eq_ignore_ascii_case(want)),
    }
}

/// The sites the filter keeps, by site id.
pub fn select(rows: Vec<SiteRow>, policy: Policy, filter: &Filter) -> Vec<SiteStatus> {
    rows.into_iter()
        .map(|r| SiteStatus::from_row(r, policy))
        .filter(|s| {
            same(&s.utility, &filter.utility)
                && same(&s.segment, &filter.segment)
                && filter.stage.is_none_or(|st| s.stage == st)
        })
        .collect()
}

pub const NOT_STATED: &str = "not stated";

fn or_not_stated(v: &Option<String>) -> &str {
    v.as_deref().unwrap_or(NOT_STATED)
}

/// The table for people: one line per site, and under a site that is not
/// signed, why.
pub fn table(sites: &[SiteStatus]) -> String {
    let mut out = String::new();
    let head = [
        "SITE", "SEGMENT", "UTILITY", "CHARGERS", "FIRMWARE", "STAGE", "LAST RUN", "VERDICT",
    ];
    let rows: Vec<[String; 8]> = sites
        .iter()
        .map(|s| {
            [
                s.site_id.clone(),
                or_not_stated(&s.segment).to_string(),
                or_not_stated(&s.utility).to_string(),
                or_not_stated(&s.chargers).to_string(),
                or_not_stated(&s.firmware).to_string(),
                s.stage.label().to_string(),
                or_not_stated(&s.last_run).to_string(),
                format!(
                    "{}{}",
                    s.verdict,
                    if s.rig_kind == "emulated" {
                        " (emulated)"
                    } else {
                        ""
                    }
                ),
            ]
        })
        .collect();
    let mut width = head.map(|h| h.chars().count());
    for r in &rows {
        for (w, c) in width.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count()).min(40);
        }
    }
    let line = |out: &mut String, cells: &[String]| {
        for (i, c) in cells.iter().enumerate() {
            out.push_str(c);
            if i + 1 < cells.len() {
                let pad = width[i].saturating_sub(c.chars().count()) + 2;
                out.extend(std::iter::repeat_n(' ', pad));
            }
        }
        out.push('\n');
    };
    line(&mut out, &head.map(String::from));
    for (s, r) in sites.iter().zip(&rows) {
        line(&mut out, r);
        if let Some(b) = &s.blocked {
            out.push_str("    blocked: ");
            out.push_str(b);
            out.push('\n');
        }
    }
    out
}

/// The CSV columns, in order.
pub const CSV_COLUMNS: [&str; 18] = [
    "site_id",
    "segment",
    "utility",
    "program",
    "chargers",
    "charger_models",
    "firmware",
    "stage",
    "blocked",
    "backup_test",
    "last_run",
    "verdict",
    "status",
    "rig_kind",
    "export_limit_w",
    "signer_keyid",
    "runs",
    "folder",
];

/// One CSV field (RFC 4180): quoted when it holds a comma, quote or line
/// break; a cell a spreadsheet would read as a formula gets a leading `'`.
fn csv_field(v: &str) -> String {
    let v = if v.starts_with(['=', '+', '@', '\t', '\r']) {
        format!("'{v}")
    } else {
        v.to_string()
    };
    if v.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", v.replace('"', "\"\""))
    } else {
        v
    }
}

/// RFC 4180 CSV with a header row, CRLF line ends; an absent field is empty.
pub fn csv(sites: &[SiteStatus]) -> String {
    let mut out = CSV_COLUMNS.join(",") + "\r\n";
    for s in sites {
        let o = |v: &Option<String>| v.clone().unwrap_or_default();
        let cells = [
            s.site_id.clone(),
            o(&s.segment),
            o(&s.utility),
            o(&s.program),
            o(&s.chargers),
            o(&s.charger_models),
            o(&s.firmware),
            s.stage.key().to_string(),
            o(&s.blocked),
            s.backup_test.clone(),
            o(&s.last_run),
            s.verdict.clone(),
            s.status.clone(),
            s.rig_kind.clone(),
            s.export_limit_w.map(|w| w.to_string()).unwrap_or_default(),
            s.signer_keyid.clone(),
            s.runs.to_string(),
            s.folder.clone(),
        ];
        let fields: Vec<String> = cells.iter().map(|c| csv_field(c)).collect();
        out.push_str(&fields.join(","));
        out.push_str("\r\n");
    }
    out
}

/// `{"sites": [...], "stages": [...]}`: the stages in order, then each site.
pub fn json(sites: &[SiteStatus]) -> String {
    #[derive(Serialize)]
    struct Doc<'a> {
        stages: [&'static str; 6],
        sites: &'a [SiteStatus],
    }
    let doc = Doc {
        stages: Stage::ALL.map(Stage::key),
        sites,
    };
    serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n"
}
