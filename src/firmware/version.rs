//! Dotted numeric firmware versions (`1.10.0`), as a program's firmware
//! catalog and the charger's SunSpec model 1 `Vr` write them. Compared part
//! by part as numbers, so 1.10.0 is newer than 1.9.0 (text comparison says
//! the opposite), and a missing part counts as 0 (1.1 is 1.1.0).

use std::cmp::Ordering;
use std::fmt;

/// Most parts a version may have (`major.minor.patch.build`).
pub const MAX_PARTS: usize = 4;
/// Most digits in one part: nine always fit a `u32`.
const MAX_DIGITS: usize = 9;

/// A parsed version; keeps the text it was written as for messages.
#[derive(Debug, Clone)]
pub struct DottedVersion {
    parts: Vec<u32>,
    text: String,
}

/// Why a text is not a dotted numeric version.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VersionError {
    #[error("the version is empty")]
    Empty,
    #[error("`{0}` is not a dotted numeric version (digits and dots, e.g. 1.1.0)")]
    NotDotted(String),
    #[error("`{0}` has more than {MAX_PARTS} parts")]
    TooManyParts(String),
    #[error("`{0}` has a part longer than {MAX_DIGITS} digits")]
    PartTooLong(String),
}

impl DottedVersion {
    /// `N(.N)*`, 1 to [`MAX_PARTS`] parts of ASCII digits; surrounding
    /// spaces (SunSpec strings are space or NUL padded) are ignored.
    pub fn parse(text: &str) -> Result<Self, VersionError> {
        let t = text.trim();
        if t.is_empty() {
            return Err(VersionError::Empty);
        }
        let mut parts = Vec::new();
        for part in t.split('.') {
            if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
                return Err(VersionError::NotDotted(t.to_string()));
            }
            if part.len() > MAX_DIGITS {
                return Err(VersionError::PartTooLong(t.to_string()));
            }
            parts.push(
                part.parse::<u32>()
                    .map_err(|_| VersionError::PartTooLong(t.to_string()))?,
            );
            if parts.len() > MAX_PARTS {
                return Err(VersionError::TooManyParts(t.to_string()));
            }
        }
        Ok(DottedVersion {
            parts,
            text: t.to_string(),
        })
    }

    /// As written (trimmed).
    pub fn as_str(&self) -> &str {
        &self.text
    }

    fn part(&self, i: usize) -> u32 {
        self.parts.get(i).copied().unwrap_or(0)
    }
}

impl Ord for DottedVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        (0..MAX_PARTS)
            .map(|i| self.part(i).cmp(&other.part(i)))
            .find(|o| o.is_ne())
            .unwrap_or(Ordering::Equal)
    }
}

impl PartialOrd for DottedVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Equal as numbers: 1.1 and 1.1.0 are the same version.
impl PartialEq for DottedVersion {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other).is_eq()
    }
}

impl Eq for DottedVersion {}

impl fmt::Display for DottedVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> DottedVersion {
        DottedVersion::parse(s).unwrap()
    }

    #[test]
    fn parts_compare_as_numbers_not_text() {
        assert!(v("1.10.0") > v("1.9.0"));
        assert!(v("2.0") > v("1.99.99"));
        assert!(v("1.0.0") < v("1.0.0.1"));
        assert_eq!(v("1.1"), v("1.1.0"));
        assert_eq!(v(" 1.1.0 "), v("1.1.0"));
        assert_eq!(v(" 1.1.0 ").as_str(), "1.1.0");
        assert_eq!(v("007.1"), v("7.1"));
    }

    #[test]
    fn what_is_not_a_version_is_refused() {
        assert_eq!(DottedVersion::parse("  "), Err(VersionError::Empty));
        for bad in [
            "v1.0.0",
            "1..0",
            "1.0.",
            ".1",
            "1.0.0-rc1",
            "1,0",
            "BOOTLOADER",
            "１.0",
        ] {
            assert!(
                matches!(DottedVersion::parse(bad), Err(VersionError::NotDotted(_))),
                "{bad}"
            );
        }
        assert!(matches!(
            DottedVersion::parse("1.2.3.4.5"),
            Err(VersionError::TooManyParts(_))
        ));
        assert!(matches!(
            DottedVersion::parse("1.1234567890"),
            Err(VersionError::PartTooLong(_))
        ));
        assert!(DottedVersion::parse("999999999.0").is_ok());
    }
}
