//! `v2x-hil site check SITE`: validates a site file and the grid profile it
//! names without touching any device.

use super::{output, ExitCode};
use crate::model;
use colored::Colorize;
use std::path::Path;

pub fn run(site_path: &Path) -> ExitCode {
    let site = match model::load_site(site_path) {
        Ok(s) => s,
        Err(e) => {
            output::error(&e.render());
            return ExitCode::BadInput;
        }
    };
    let s = &site.site;
    println!("{}: site `{}` is valid", site_path.display(), s.id.bold());
    match &s.program {
        Some(p) => println!("  utility       {} ({p})", s.utility),
        None => println!("  utility       {}", s.utility),
    }
    println!(
        "  grid profile  {} ({})",
        s.grid_profile.name,
        s.grid_profile.path.display()
    );
    let units = if site.chargers.is_empty() {
        std::slice::from_ref(&site.charger)
    } else {
        &site.chargers[..]
    };
    for c in units {
        let device = c
            .device
            .as_deref()
            .map(|d| format!(" (rig device `{d}`)"))
            .unwrap_or_default();
        println!(
            "  charger       {} {}, serial {}{device}",
            c.make, c.model, c.serial
        );
    }
    if let Some(catalog) = &site.catalog {
        print_catalog(catalog, units);
    }
    // Unconfirmed values matter for a signed report: say so up front.
    if let Some(p) = &site.profile {
        if !p.unconfirmed.is_empty() {
            println!(
                "  {}: {} value(s) of the profile are marked unconfirmed against its source (its `unconfirmed:` list)",
                "note".yellow(),
                p.unconfirmed.len()
            );
        }
    }
    ExitCode::Pass
}

/// The program's firmware catalog and what it approves for this site's
/// chargers; a charger it does not know is pointed out now, not at the site.
fn print_catalog(catalog: &model::FirmwareCatalog, units: &[model::ChargerUnit]) {
    println!(
        "  firmware      {} ({}, {} model(s))",
        catalog.name,
        catalog.source.display(),
        catalog.models.len()
    );
    let mut shown = std::collections::BTreeSet::new();
    for c in units {
        if !shown.insert((c.make.as_str(), c.model.as_str())) {
            continue;
        }
        match catalog.find(&c.make, &c.model) {
            Some(m) => println!(
                "                {} {}: minimum {}, approved {}",
                c.make,
                c.model,
                m.minimum_version,
                m.approved_list().join(", ")
            ),
            None => println!(
                "  {}: the catalog approves no firmware for {} {}: commissioning refuses it",
                "note".yellow(),
                c.make,
                c.model
            ),
        }
    }
}
