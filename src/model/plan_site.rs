//! A plan bound to the site it runs at: `profile: site`,
//! `compare_profile: site` and `serial: site` take the site file's values,
//! `firmware_gate` its firmware catalog.
//! Checked before the run: a plan that needs a site refuses to run without.

use super::check::Checker;
use super::plan::{Plan, Step};
use super::rig::{Rig, RigKind};
use super::site::Site;

impl Plan {
    /// Fills every `site` reference from `site` (its grid profile, its
    /// charger's serial).
    pub fn bind_site(&mut self, site: &Site) {
        for test in &mut self.tests {
            for step in &mut test.steps {
                match step {
                    Step::WriteSettings(w) if w.profile_from_site => {
                        w.profile = site.profile.clone();
                    }
                    Step::ReadSettings(r) if r.profile_from_site => {
                        r.compare_profile = site.profile.clone();
                    }
                    Step::Identify(i) if i.serial_from_site => {
                        i.serial = Some(site.charger.serial.clone());
                    }
                    Step::FirmwareGate(g) => {
                        g.catalog = site.catalog.clone();
                        g.site_charger =
                            Some((site.charger.make.clone(), site.charger.model.clone()));
                    }
                    Step::Set(s) => {
                        if let (Some(pct), Some(limit)) =
                            (s.site_export_pct, site.site.export_limit_w)
                        {
                            s.power_w = Some(pct / 100.0 * limit);
                        }
                    }
                    Step::Expect(e) => {
                        if let (Some(pct), Some(limit)) =
                            (e.site_export_pct, site.site.export_limit_w)
                        {
                            e.value = Some(pct / 100.0 * limit);
                        }
                    }
                    Step::MeterCheck(m) => {
                        if let (Some(pct), Some(limit)) =
                            (m.site_export_pct, site.site.export_limit_w)
                        {
                            m.power_w = Some(pct / 100.0 * limit);
                        }
                    }
                    Step::ChargingProfile(p) => {
                        if let (Some(pct), Some(limit)) =
                            (p.site_export_pct, site.site.export_limit_w)
                        {
                            p.power_w = Some(pct / 100.0 * limit);
                        }
                    }
                    Step::BootNotification(b) if b.expect_from_site => {
                        b.expect.vendor = Some(site.charger.make.clone());
                        b.expect.model = Some(site.charger.model.clone());
                        b.expect.serial = Some(site.charger.serial.clone());
                        b.approved_firmware = site.catalog.as_ref().map(|c| {
                            c.find(&site.charger.make, &site.charger.model)
                                .map(|m| m.approved_list())
                                .unwrap_or_default()
                        });
                    }
                    _ => {}
                }
            }
        }
    }

    /// Whether any step takes a value from the run's site file.
    pub fn needs_site(&self) -> bool {
        self.tests.iter().flat_map(|t| &t.steps).any(|s| match s {
            Step::WriteSettings(w) => w.profile_from_site,
            Step::ReadSettings(r) => r.profile_from_site,
            Step::Identify(i) => i.serial_from_site,
            Step::FirmwareGate(_) => true,
            Step::Set(s) => s.site_export_pct.is_some(),
            Step::Expect(e) => e.site_export_pct.is_some(),
            Step::MeterCheck(m) => m.site_export_pct.is_some(),
            Step::ChargingProfile(p) => p.site_export_pct.is_some(),
            Step::BootNotification(b) => b.expect_from_site,
            _ => false,
        })
    }
}

/// Steps that need a site bound, or a site rig, or a person at the site.
pub(crate) fn check_site_steps(c: &mut Checker, plan: &Plan, rig: &Rig) {
    for (ti, t) in plan.tests.iter().enumerate() {
        for (si, step) in t.steps.iter().enumerate() {
            let sk = format!("tests[{ti}].steps[{si}].{}", step.kind());
            let unbound = match step {
                Step::WriteSettings(w) => {
                    (w.profile_from_site && w.profile.is_none()).then_some("profile")
                }
                Step::ReadSettings(r) => (r.profile_from_site && r.compare_profile.is_none())
                    .then_some("compare_profile"),
                Step::Identify(i) => (i.serial_from_site && i.serial.is_none()).then_some("serial"),
                Step::Set(s) => (s.site_export_pct.is_some() && s.power_w.is_none())
                    .then_some("site_export_pct"),
                Step::Expect(e) => {
                    (e.site_export_pct.is_some() && e.value.is_none()).then_some("site_export_pct")
                }
                Step::MeterCheck(m) => (m.site_export_pct.is_some() && m.power_w.is_none())
                    .then_some("site_export_pct"),
                Step::ChargingProfile(p) => (p.site_export_pct.is_some() && p.power_w.is_none())
                    .then_some("site_export_pct"),
                Step::BootNotification(b) => {
                    (b.expect_from_site && b.expect.serial.is_none()).then_some("expect")
                }
                _ => None,
            };
            if let Some(key) = unbound {
                let (message, hint) = if key == "site_export_pct" {
                    (
                        "`site_export_pct` is a share of the site's permitted export, and this run has no site with `site.export_limit_w`".to_string(),
                        "give the site (`commission --site SITE`, or `run --site SITE`), and write the export its interconnection agreement permits as `site.export_limit_w`",
                    )
                } else {
                    (
                        format!("`{key}: site` takes the value from the run's site file, and this run has none"),
                        "give the site: `v2x-hil commission --site SITE`, or `run --site SITE` (with --out)",
                    )
                };
                c.invalid(&format!("{sk}.{key}"), message, hint);
            }
            let on_site_only = match step {
                Step::MeterCheck(_) => Some(
                    "on a lab rig the grid simulator measures what flows to the grid: expect on it",
                ),
                Step::Backup(_) => Some(
                    "on a lab rig, test V2H backup with `island` and `reclose: false` (test-plans/v2h-islanding.yaml)",
                ),
                Step::Installer(i) if i.action != crate::exec::operator::InstallerAction::Confirm => {
                    Some("on a lab rig the plan opens and closes S3 itself (`open`, `close`)")
                }
                _ => None,
            };
            if let (Some(hint), RigKind::Lab) = (on_site_only, rig.kind) {
                c.invalid(
                    &sk,
                    format!(
                        "the {} step is for a site rig, and rig {} is a lab rig",
                        step.kind(),
                        rig.source.display()
                    ),
                    hint,
                );
            }
        }
    }
}
