//! One indexed run, as the store keeps it: what the verified run folder's
//! report says about its site, reduced to the fields a program
//! administrator looks at. Every field is derived from the folder (see
//! `derive.rs`); one the folder does not give is `None`, shown as
//! "not stated", never guessed.

use serde::Serialize;

/// How far a site's commissioning has got, in order. Each stage needs the
/// ones before it (`derive.rs` says where each comes from).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    Installed,
    FirmwareApproved,
    SettingsCompliant,
    FunctionalTest,
    BackupTest,
    Signed,
}

impl Stage {
    pub const ALL: [Stage; 6] = [
        Stage::Installed,
        Stage::FirmwareApproved,
        Stage::SettingsCompliant,
        Stage::FunctionalTest,
        Stage::BackupTest,
        Stage::Signed,
    ];

    /// The name in the store, the CSV/JSON and on `--stage`.
    pub fn key(self) -> &'static str {
        match self {
            Stage::Installed => "installed",
            Stage::FirmwareApproved => "firmware_approved",
            Stage::SettingsCompliant => "settings_compliant",
            Stage::FunctionalTest => "functional_test",
            Stage::BackupTest => "backup_test",
            Stage::Signed => "signed",
        }
    }

    /// For people.
    pub fn label(self) -> &'static str {
        match self {
            Stage::Installed => "installed",
            Stage::FirmwareApproved => "firmware approved",
            Stage::SettingsCompliant => "settings compliant",
            Stage::FunctionalTest => "functional test",
            Stage::BackupTest => "backup test",
            Stage::Signed => "signed",
        }
    }

    /// A stage named on the command line or read from the store: its key,
    /// or its label.
    pub fn parse(text: &str) -> Option<Stage> {
        let t = text.trim().to_ascii_lowercase().replace(['-', ' '], "_");
        Stage::ALL.into_iter().find(|s| s.key() == t)
    }
}

/// One run folder in the store.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunRecord {
    /// SHA-256 of `report.dsse.json`: the run's identity in the store.
    pub envelope_sha256: String,
    /// The folder, as an absolute path when it was added.
    pub folder: String,
    pub site_id: String,
    /// `home`, `commercial` or `depot` (site file `site.segment`).
    pub segment: Option<String>,
    pub utility: Option<String>,
    pub program: Option<String>,
    /// The chargers' serials (site file `charger`/`chargers`), `, `-joined.
    pub chargers: Option<String>,
    /// Their make and model, each distinct one once, `; `-joined.
    pub charger_models: Option<String>,
    /// The firmware the chargers run at the end of the run (firmware gate
    /// records, else the report's `firmware.version`).
    pub firmware: Option<String>,
    /// The export the interconnection agreement permits (site file
    /// `site.export_limit_w`): the site's flexible capacity.
    pub export_limit_w: Option<f64>,
    /// The furthest stage the evidence reaches (an emulated run included).
    pub reached: Stage,
    /// Why it goes no further; `None` at `signed`.
    pub blocked: Option<String>,
    /// The V2H backup test: `pass`, `fail`, `not run`, or `not applicable`.
    pub backup: String,
    /// `emulated`, `hardware` or `unknown` (report `rig_kind`).
    pub rig_kind: String,
    /// `complete`, `aborted` or `incomplete`.
    pub status: String,
    /// `pass`, `fail`, `aborted` or `incomplete`.
    pub verdict: String,
    /// When the run started (UTC), from its journal.
    pub started_utc: Option<String>,
    /// The trusted installer key that signed the folder.
    pub signer_keyid: String,
    /// When it was added to the store (UTC).
    pub added_utc: String,
}
