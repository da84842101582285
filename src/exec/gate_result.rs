//! What a `firmware_gate` step found and did, as the journal keeps it and
//! the report shows it.

use super::results::Verdict;
use serde::{Deserialize, Serialize};

/// What the catalog said of the charger's running firmware.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GateDecision {
    /// Approved and at or above the minimum: nothing was flashed.
    Approved,
    /// Below the minimum: the newest approved image was put on.
    Update,
    /// Not approved (newer than every approved version, or not listed):
    /// refused, nothing flashed.
    NotApproved,
    /// The catalog lists no firmware for the charger's make and model.
    NoEntry,
    /// The charger's version is not a dotted version the catalog can
    /// be compared with.
    Unreadable,
}

/// The approved image an update put on the charger.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GateImage {
    pub version: String,
    pub file: String,
    pub sha256: String,
}

/// One charger held to the program's firmware catalog.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FirmwareGate {
    pub device: String,
    /// The catalog's name and file.
    pub catalog: String,
    pub catalog_file: String,
    /// What the charger reported before anything was done (SunSpec model 1).
    pub make: String,
    pub model: String,
    pub version_before: String,
    /// The catalog's minimum and approved versions for that model (none
    /// when it lists no such model).
    pub minimum_version: Option<String>,
    pub approved: Vec<String>,
    pub decision: GateDecision,
    /// The image flashed, when the charger was updated.
    pub image: Option<GateImage>,
    /// What the charger reports at the end: read again after an update.
    pub version_after: String,
    pub verdict: Verdict,
    /// Why it failed, in an installer's words.
    pub reason: Option<String>,
}
