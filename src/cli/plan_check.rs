//! `v2x-hil plan check PLAN [--rig RIG] [--site SITE]`: validates without
//! touching a device.

use super::{output, ExitCode};
use crate::model::{self, Plan, Rig};
use std::path::Path;

pub fn run(plan_path: &Path, rig_path: Option<&Path>, site_path: Option<&Path>) -> ExitCode {
    let rig = match super::rig_source::load(rig_path) {
        Ok(r) => r,
        Err(e) => {
            output::error(&e.render());
            return ExitCode::BadInput;
        }
    };
    let site = match site_path.map(|p| super::run::load_site_for(p, &rig)) {
        None => None,
        Some(Ok(s)) => Some(s),
        Some(Err(code)) => return code,
    };
    // With a site, as `commission` will run it: each of a depot's
    // chargers on the rig as that charger's run sees it.
    let plan = match (&site, site_path) {
        (Some(site), Some(path)) => {
            let units = model::load_plan(plan_path)
                .map_err(|e| {
                    output::error(&e.render());
                    ExitCode::BadInput
                })
                .and_then(|p| super::commission::units(&p, &rig, site, path));
            match units {
                Ok(mut u) => {
                    let mut plan = u.remove(0).plan;
                    plan.tests.extend(u.into_iter().flat_map(|u| u.plan.tests));
                    plan
                }
                Err(code) => return code,
            }
        }
        _ => match load_checked_on(plan_path, &rig, None) {
            Ok(p) => p,
            Err(code) => return code,
        },
    };
    let steps: usize = plan.tests.iter().map(|t| t.steps.len()).sum();
    // Simulated time on the emulated rig, wall-clock time on a real one.
    let clock = if rig.any_emulated() {
        "simulated"
    } else {
        "wall-clock"
    };
    println!(
        "{}: {} test(s), {steps} step(s); valid for rig `{}`",
        plan_path.display(),
        plan.tests.len(),
        model::text::escape(&rig.name)
    );
    println!(
        "  duration  about {} of {clock} time (waits, ramps, timeouts, island points; at most {})",
        model::show_duration(plan.nominal_duration_s()),
        model::show_duration(model::MAX_PLAN_DURATION_S)
    );
    ExitCode::Pass
}

/// Loads the plan, binds it to the run's site (`profile: site`, `serial:
/// site`, `site_export_pct`) and checks it against the rig.
pub fn load_checked_on(
    plan_path: &Path,
    rig: &Rig,
    site: Option<&model::Site>,
) -> Result<Plan, ExitCode> {
    let plan = model::load_plan(plan_path).map_err(|e| {
        output::error(&e.render());
        ExitCode::BadInput
    })?;
    check_bound(plan, rig, site)
}

/// Binds an already parsed plan to the site and checks it against the rig.
pub fn check_bound(
    mut plan: Plan,
    rig: &Rig,
    site: Option<&model::Site>,
) -> Result<Plan, ExitCode> {
    let refuse = |message: String| {
        output::error(&message);
        ExitCode::BadInput
    };
    if let Some(site) = site {
        plan.bind_site(site);
    }
    model::check_plan_against_rig(&plan, rig).map_err(|e| refuse(e.render()))?;
    crate::exec::firmware::preflight(&plan, rig).map_err(refuse)?;
    Ok(plan)
}
