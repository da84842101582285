//! The report's DER settings table: the charger's last reading beside the
//! site's grid profile, each row naming the profile key it comes from and
//! whether the profile's own file marks that value unconfirmed, so that a
//! utility reader sees the source of every number.

use super::model::{DerRow, DerSettings, TestReport};
use crate::der::{EnterService, TripSettings};
use crate::exec::settings::side_by_side;
use serde::Deserialize;

/// The site's grid profile as `run_started` journals it (`site_profile`).
#[derive(Debug, Clone, Deserialize)]
pub struct SiteProfile {
    pub name: String,
    pub path: Option<String>,
    pub sha256: Option<String>,
    /// The profile file's `source:` (journals before it was kept lack it).
    #[serde(default)]
    pub source: Option<String>,
    pub trip: TripSettings,
    pub enter_service: Option<EnterService>,
    #[serde(default)]
    pub unconfirmed: Vec<String>,
}

/// The last settings the charger reported, beside the site's profile
/// (without a site, each reading's own comparison is in its test).
pub fn der_settings(site: Option<&SiteProfile>, tests: &[TestReport]) -> Option<DerSettings> {
    let (index, test, reading) = tests
        .iter()
        .enumerate()
        .rev()
        .find_map(|(i, t)| t.settings.last().map(|s| (i, t, s)))?;
    let profile = site?;
    let unconfirmed: Vec<String> = profile
        .unconfirmed
        .iter()
        .map(|k| k.strip_prefix("trip.").unwrap_or(k).to_string())
        .collect();
    let rows: Vec<DerRow> = side_by_side(
        &profile.trip,
        profile.enter_service.as_ref(),
        &reading.trip,
        reading.enter_service.as_ref(),
    )
    .into_iter()
    .map(|row| {
        let key = row_key(&row.setting);
        DerRow {
            unconfirmed: unconfirmed.contains(&key),
            key,
            row,
        }
    })
    .collect();
    Some(DerSettings {
        profile: profile.name.clone(),
        profile_path: profile.path.clone(),
        profile_sha256: profile.sha256.clone(),
        profile_source: profile.source.clone(),
        read_at: Some(format!(
            "tests[{index}] \"{}\" steps[{}]",
            test.name, reading.step
        )),
        mismatches: rows.iter().filter(|r| !r.row.matches).count(),
        rows,
        anti_islanding_enabled: reading.anti_islanding_enabled,
        unconfirmed: profile.unconfirmed.clone(),
    })
}

/// The profile key a side-by-side row stands for, as a profile file
/// writes it in `unconfirmed:` (`UV1 pickup` → `uv1.pickup`, `OF2 clearing
/// time` → `of2.clearing_time_s`, `enter service delay_s` →
/// `enter_service.delay_s`).
pub fn row_key(setting: &str) -> String {
    if let Some(field) = setting.strip_prefix("enter service ") {
        return format!("enter_service.{field}");
    }
    match setting.split_once(' ') {
        Some((function, "pickup")) => format!("{}.pickup", function.to_ascii_lowercase()),
        Some((function, "clearing time")) => {
            format!("{}.clearing_time_s", function.to_ascii_lowercase())
        }
        _ => setting.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_row_of_the_table_has_a_profile_key() {
        let trip = TripSettings::ieee1547_cat_ii();
        let es = EnterService::ieee1547_default();
        let rows = side_by_side(&trip, Some(&es), &trip, Some(&es));
        let keys: Vec<String> = rows.iter().map(|r| row_key(&r.setting)).collect();
        for want in [
            "ov1.pickup",
            "uv2.clearing_time_s",
            "uf1.pickup",
            "enter_service.frequency_min_hz",
            "enter_service.delay_s",
        ] {
            assert!(keys.iter().any(|k| k == want), "{want} not in {keys:?}");
        }
        // Each is a key a profile file's `unconfirmed:` list accepts.
        for k in &keys {
            let (head, tail) = k.split_once('.').unwrap();
            assert!(
                head == "enter_service" || head.len() == 3,
                "{k}: not a trip function or enter_service"
            );
            assert!(!tail.contains(' '), "{k}");
        }
    }
}
