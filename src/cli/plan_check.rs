//! `v2x-hil plan check PLAN [--rig RIG]`: validates without touching a device.

use super::{output, ExitCode};
use crate::model;
use std::path::Path;

pub fn run(plan_path: &Path, rig_path: Option<&Path>) -> ExitCode {
    let plan = match model::load_plan(plan_path) {
        Ok(p) => p,
        Err(e) => {
            output::error(&e.render());
            return ExitCode::BadInput;
        }
    };
    let rig = match super::rig_source::load(rig_path) {
        Ok(r) => r,
        Err(e) => {
            output::error(&e.render());
            return ExitCode::BadInput;
        }
    };
    if let Err(e) = model::check_plan_against_rig(&plan, &rig) {
        output::error(&e.render());
        return ExitCode::BadInput;
    }
    if let Err(e) = crate::exec::firmware::preflight(&plan, &rig) {
        output::error(&e);
        return ExitCode::BadInput;
    }
    let steps: usize = plan.tests.iter().map(|t| t.steps.len()).sum();
    println!(
        "{}: {} test(s), {steps} step(s); valid for rig `{}`",
        plan_path.display(),
        plan.tests.len(),
        rig.name
    );
    ExitCode::Pass
}
