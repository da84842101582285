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
    println!(
        "  charger       {} {}, serial {}",
        site.charger.make, site.charger.model, site.charger.serial
    );
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
