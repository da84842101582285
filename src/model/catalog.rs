//! A program's firmware catalog (`programs/*/firmware.yaml`): per charger
//! make and model, the minimum firmware version the program accepts and the
//! approved images (version, file, SHA-256). The site file names it
//! (`site.firmware_catalog`); the plan's `firmware_gate` step judges the
//! charger's running firmware against it. Judging is here, pure; flashing
//! is the runner's.

use super::error::Location;
use crate::firmware::version::{DottedVersion, VersionError};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// A validated catalog: every image file exists, every digest is 64 hex
/// digits (kept lower case), each entry's minimum is one of its approved
/// versions.
#[derive(Debug, Clone, PartialEq)]
pub struct FirmwareCatalog {
    /// `catalog:` — what the program calls it.
    pub name: String,
    /// The file it was loaded from.
    pub source: PathBuf,
    pub models: Vec<ApprovedModel>,
}

/// One charger make and model of the catalog.
#[derive(Debug, Clone, PartialEq)]
pub struct ApprovedModel {
    pub make: String,
    pub model: String,
    /// Older firmware is updated to the newest approved image.
    pub minimum_version: DottedVersion,
    /// In file order.
    pub approved: Vec<ApprovedImage>,
}

/// An approved firmware version and the image that installs it.
#[derive(Debug, Clone, PartialEq)]
pub struct ApprovedImage {
    pub version: DottedVersion,
    /// Resolved relative to the catalog file.
    pub image: PathBuf,
    /// SHA-256 of the image file's bytes, lower-case hex.
    pub sha256: String,
    /// Where the catalog writes it (errors found later point here).
    pub at: Location,
}

/// How the site file names its catalog, as the report shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CatalogRef {
    pub name: String,
    pub path: PathBuf,
}

/// What the catalog says of a charger's running firmware.
#[derive(Debug, Clone, PartialEq)]
pub enum Judgement<'a> {
    /// Approved, and at or above the minimum: nothing to do.
    Approved,
    /// Below the minimum: update it to this image, the newest approved.
    Update(&'a ApprovedImage),
    /// Not below the minimum and not approved (newer than every approved
    /// version, or between them): refused, never flashed downwards.
    NotApproved,
    /// The charger reports something that is not a dotted version.
    Unreadable(VersionError),
}

/// Make and model as chargers and files write them: spaces around and
/// letter case do not make another model.
fn same_name(a: &str, b: &str) -> bool {
    a.trim().eq_ignore_ascii_case(b.trim())
}

impl FirmwareCatalog {
    /// The entry for a charger's make and model.
    pub fn find(&self, make: &str, model: &str) -> Option<&ApprovedModel> {
        self.models
            .iter()
            .find(|m| same_name(&m.make, make) && same_name(&m.model, model))
    }

    /// The reference the site's report carries.
    pub fn reference(&self) -> CatalogRef {
        CatalogRef {
            name: self.name.clone(),
            path: self.source.clone(),
        }
    }
}

impl ApprovedModel {
    /// The newest approved image (validation guarantees there is one).
    pub fn newest(&self) -> Option<&ApprovedImage> {
        self.approved
            .iter()
            .max_by(|a, b| a.version.cmp(&b.version))
    }

    /// Approved versions, oldest first: `1.1.0, 1.2.0`.
    pub fn approved_list(&self) -> Vec<String> {
        let mut v: Vec<&ApprovedImage> = self.approved.iter().collect();
        v.sort_by(|a, b| a.version.cmp(&b.version));
        v.into_iter().map(|i| i.version.to_string()).collect()
    }

    /// Judges `running` (what the charger reports). Below the minimum
    /// wins over being listed: a program that raised its minimum wants
    /// older approved versions updated too.
    pub fn judge(&self, running: &str) -> Judgement<'_> {
        let version = match DottedVersion::parse(running) {
            Ok(v) => v,
            Err(e) => return Judgement::Unreadable(e),
        };
        if version < self.minimum_version {
            return match self.newest() {
                Some(image) => Judgement::Update(image),
                None => Judgement::NotApproved,
            };
        }
        if self.approved.iter().any(|i| i.version == version) {
            Judgement::Approved
        } else {
            Judgement::NotApproved
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn image(v: &str) -> ApprovedImage {
        ApprovedImage {
            version: DottedVersion::parse(v).unwrap(),
            image: PathBuf::from(format!("fw-{v}.hex")),
            sha256: "0".repeat(64),
            at: Location::start_of("firmware.yaml"),
        }
    }

    fn entry(minimum: &str, approved: &[&str]) -> ApprovedModel {
        ApprovedModel {
            make: "Example Power".into(),
            model: "BiDi 11 kW".into(),
            minimum_version: DottedVersion::parse(minimum).unwrap(),
            approved: approved.iter().map(|v| image(v)).collect(),
        }
    }

    #[test]
    fn older_is_updated_to_the_newest_approved_and_newer_is_refused() {
        let e = entry("1.9.0", &["1.9.0", "1.10.0", "1.2.0"]);
        assert_eq!(e.approved_list(), ["1.2.0", "1.9.0", "1.10.0"]);
        match e.judge("1.0.0") {
            Judgement::Update(i) => assert_eq!(i.version.as_str(), "1.10.0"),
            other => panic!("{other:?}"),
        }
        // Approved but below the raised minimum: updated too.
        assert!(matches!(e.judge("1.2.0"), Judgement::Update(_)));
        assert_eq!(e.judge("1.9.0"), Judgement::Approved);
        assert_eq!(e.judge("1.10"), Judgement::Approved);
        // Newer than anything approved, or between approved versions.
        assert_eq!(e.judge("1.11.0"), Judgement::NotApproved);
        assert_eq!(e.judge("9.9.0"), Judgement::NotApproved);
        assert_eq!(e.judge("1.9.5"), Judgement::NotApproved);
        assert!(matches!(e.judge("BOOTLOADER"), Judgement::Unreadable(_)));
        assert!(matches!(e.judge(""), Judgement::Unreadable(_)));
    }

    #[test]
    fn models_match_regardless_of_case_and_padding() {
        let c = FirmwareCatalog {
            name: "pilot".into(),
            source: PathBuf::from("firmware.yaml"),
            models: vec![entry("1.1.0", &["1.1.0"])],
        };
        assert!(c.find("example power ", " BiDi 11 kW").is_some());
        assert!(c.find("Example Power", "BiDi 22 kW").is_none());
    }
}
