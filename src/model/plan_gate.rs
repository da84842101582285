//! The `firmware_gate` step checked before the run: it needs the site's
//! firmware catalog bound, and the charger's bootloader described in the
//! rig — whether an update is needed is only known once the charger
//! answers, so the means to do it must be there from the start.

use super::check::Checker;
use super::plan::{Plan, Step};
use super::rig::{Rig, Role};

pub(crate) fn check_gate_steps(c: &mut Checker, plan: &Plan, rig: &Rig) {
    for (ti, t) in plan.tests.iter().enumerate() {
        for (si, step) in t.steps.iter().enumerate() {
            let Step::FirmwareGate(g) = step else {
                continue;
            };
            let sk = format!("tests[{ti}].steps[{si}].firmware_gate");
            if g.catalog.is_none() {
                c.invalid(
                    &sk,
                    "the firmware gate holds the charger to the program's firmware catalog the site file names, and this run has no site with one",
                    "give the site (`commission --site SITE`, `plan check PLAN --site SITE`, or `run --site SITE --out DIR`) and name the program's catalog in it as `site.firmware_catalog`",
                );
            }
            let Some(dev) = rig.devices.get(&g.device) else {
                continue; // the device check names it
            };
            if dev.role == Role::Charger && dev.firmware.is_none() {
                c.invalid(
                    &format!("{sk}.device"),
                    format!(
                        "the gate updates a charger below the program's minimum through its bootloader, and rig {} gives `{}` no `firmware:` block",
                        rig.source.display(),
                        g.device
                    ),
                    "describe the charger's bootloader in the rig: a `firmware:` block with its transport, memory map and signing key, as for a `flash` step",
                );
            }
        }
    }
}
