//! The site file (`sites/*.yaml`): one installation, as the signed
//! commissioning report names it — where, for which utility and program,
//! under which grid profile, which charger and vehicle, who installed it.

use super::profile::GridProfile;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::path::PathBuf;

/// A validated site. Serializes to the JSON the report embeds: the grid
/// profile appears as its name and path (`site.grid_profile`); the loaded
/// profile itself is [`Site::profile`], which serde skips.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Site {
    pub site: Installation,
    /// The charger; at a site with several, the first of [`Site::chargers`].
    pub charger: ChargerUnit,
    /// Every charger behind the service (`chargers:` in the file; just
    /// `charger` when the file has one), commissioned one after another.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub chargers: Vec<ChargerUnit>,
    pub ev: Vehicle,
    pub installer: Installer,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commissioned_on: Option<IsoDate>,
    /// The firmware catalog `site.firmware_catalog` names, loaded and
    /// validated; `None` when the site names none (and for a `Site` read
    /// back from JSON).
    #[serde(skip)]
    pub catalog: Option<super::catalog::FirmwareCatalog>,
    /// The grid profile `site.grid_profile` names, loaded and validated.
    /// Always `Some` from [`super::load_site`] / [`super::parse_site`];
    /// `None` only for a `Site` read back from JSON.
    #[serde(skip)]
    pub profile: Option<GridProfile>,
}

/// `site:` — the installation itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Installation {
    /// `[A-Za-z0-9._-]{1,64}`: safe in file names and report titles.
    pub id: String,
    pub address: String,
    /// The distribution utility whose interconnection rules apply.
    pub utility: String,
    /// Incentive or pilot program, when the install is part of one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub program: Option<String>,
    pub grid_profile: ProfileRef,
    /// Which commissioning plan applies (and how a program counts it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub segment: Option<Segment>,
    /// The export the interconnection agreement permits at this site, W:
    /// the V2G functional test exports at (a share of) it, never beyond.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub export_limit_w: Option<f64>,
    /// The program's approved firmware per charger model (a catalog file
    /// relative to the site file): the `firmware_gate` step holds the
    /// charger to it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub firmware_catalog: Option<super::catalog::CatalogRef>,
}

/// The kind of installation, as a V2X pilot counts them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Segment {
    /// A home with V2H backup.
    Home,
    /// A business site.
    Commercial,
    /// A school-bus depot (several chargers behind one service).
    Depot,
}

impl Segment {
    pub fn name(self) -> &'static str {
        match self {
            Segment::Home => "home",
            Segment::Commercial => "commercial",
            Segment::Depot => "depot",
        }
    }
}

/// Which grid profile the site uses: its `profile:` name and the path it
/// was loaded from (the site file's folder joined with what the file wrote).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfileRef {
    pub name: String,
    pub path: PathBuf,
}

/// `charger:` — the unit under commissioning (its nameplate).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ChargerUnit {
    pub make: String,
    pub model: String,
    pub serial: String,
    /// At a site with several chargers: the rig device that reaches this one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<String>,
}

/// `ev:` — the vehicle used for the bidirectional tests.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Vehicle {
    pub make: String,
    pub model: String,
    /// ISO 3779 vehicle identification number, when recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vin: Option<String>,
}

/// `installer:` — who commissioned it and under which licence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Installer {
    pub name: String,
    pub company: String,
    /// Electrician's licence number, where the jurisdiction issues one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub licence: Option<String>,
}

/// A calendar date (proleptic Gregorian), written `YYYY-MM-DD` (ISO 8601
/// calendar date, extended format). Construct with [`IsoDate::new`] or
/// [`IsoDate::parse`]: both refuse dates that do not exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IsoDate {
    year: u16,
    month: u8,
    day: u8,
}

/// Why a `YYYY-MM-DD` text is not a date.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    #[error("`{0}` is not written YYYY-MM-DD")]
    Format(String),
    #[error("month {0} does not exist")]
    Month(u8),
    #[error("day {day} does not exist in {year}-{month:02}")]
    Day { year: u16, month: u8, day: u8 },
}

impl IsoDate {
    pub fn new(year: u16, month: u8, day: u8) -> Result<Self, DateError> {
        if !(1..=12).contains(&month) {
            return Err(DateError::Month(month));
        }
        if day == 0 || day > days_in_month(year, month) {
            return Err(DateError::Day { year, month, day });
        }
        Ok(IsoDate { year, month, day })
    }

    /// Exactly `YYYY-MM-DD` with ASCII digits; no time, no zone.
    pub fn parse(text: &str) -> Result<Self, DateError> {
        let b = text.as_bytes();
        let digits = |r: std::ops::Range<usize>| -> Option<u16> {
            let part = b.get(r)?;
            if part.is_empty() || !part.iter().all(u8::is_ascii_digit) {
                return None;
            }
            Some(
                part.iter()
                    .fold(0u16, |acc, d| acc * 10 + u16::from(d - b'0')),
            )
        };
        let format = || DateError::Format(text.to_string());
        if b.len() != 10 || b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
            return Err(format());
        }
        let (Some(year), Some(month), Some(day)) = (digits(0..4), digits(5..7), digits(8..10))
        else {
            return Err(format());
        };
        // Two digits each: both fit a u8.
        IsoDate::new(year, month as u8, day as u8)
    }

    pub fn year(self) -> u16 {
        self.year
    }

    pub fn month(self) -> u8 {
        self.month
    }

    pub fn day(self) -> u8 {
        self.day
    }
}

/// Gregorian leap rule: every 4th year, except centuries not divisible by 400.
fn days_in_month(year: u16, month: u8) -> u8 {
    let leap = (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400);
    match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

impl fmt::Display for IsoDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl Serialize for IsoDate {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// In the schema an ISO 8601 calendar date, `YYYY-MM-DD`.
impl schemars::JsonSchema for IsoDate {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "IsoDate".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "format": "date",
            "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
        })
    }
}

impl<'de> Deserialize<'de> for IsoDate {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        IsoDate::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip_and_impossible_dates_are_refused() {
        let d = IsoDate::parse("2026-11-26").unwrap();
        assert_eq!((d.year(), d.month(), d.day()), (2026, 11, 26));
        assert_eq!(d.to_string(), "2026-11-26");
        assert_eq!(serde_json::to_string(&d).unwrap(), "\"2026-11-26\"");
        let back: IsoDate = serde_json::from_str("\"2026-11-26\"").unwrap();
        assert_eq!(back, d);
        assert!(IsoDate::parse("2024-02-29").is_ok());
        assert!(IsoDate::parse("2000-02-29").is_ok());
        assert_eq!(
            IsoDate::parse("1900-02-29"),
            Err(DateError::Day {
                year: 1900,
                month: 2,
                day: 29
            })
        );
        assert_eq!(IsoDate::parse("2026-13-01"), Err(DateError::Month(13)));
        assert!(matches!(
            IsoDate::parse("2026-04-31"),
            Err(DateError::Day { day: 31, .. })
        ));
        assert!(matches!(
            IsoDate::parse("2026-00-10"),
            Err(DateError::Month(0))
        ));
        for bad in [
            "",
            "2026-1-26",
            "26-11-2026",
            "2026/11/26",
            "2026-11-26T10:00",
            "２026-11-26",
            "+026-11-26",
            "2026-11-2é",
        ] {
            assert!(
                matches!(IsoDate::parse(bad), Err(DateError::Format(_))),
                "{bad}"
            );
        }
    }
}
