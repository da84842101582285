//! Steps that only make sense with a person at a site: asking the
//! installer, checking the charger is the one the site file names, and
//! asking before the charger imports or exports on the utility's grid.

use super::operator::{InstallerAction, Operator, OperatorError, Unattended};
use super::runner::{RunEvent, Runner, StepError};
use crate::model::{IdentifyStep, InstallerStep, RigKind};

impl Runner<'_> {
    /// Asks the person at the site (the emulator on an emulated site).
    pub(crate) fn ask_installer(
        &mut self,
        action: InstallerAction,
        say: &str,
    ) -> Result<(), StepError> {
        self.emit(RunEvent::Installer { action, say });
        let asked = match self.rig.operator.as_mut() {
            Some(op) => op.ask(action, say),
            None => Unattended.ask(action, say),
        };
        asked.map_err(|e| match e {
            OperatorError::Declined(_) => StepError::Abort(e.to_string()),
            OperatorError::Unavailable(_) => StepError::Abort(e.to_string()),
        })?;
        if action == InstallerAction::Confirm {
            self.power_confirmed = true;
        }
        self.check_interrupt()
    }

    pub(crate) fn installer(&mut self, s: &InstallerStep) -> Result<(), StepError> {
        self.ask_installer(s.action, &s.say)
    }

    /// Before a site's charger first imports or exports in a test: a
    /// person agrees, unless the plan already asked in this test.
    pub(crate) fn confirm_power(&mut self, power_w: f64) -> Result<(), StepError> {
        if self.rig.facts.kind != RigKind::Site || power_w == 0.0 || self.power_confirmed {
            return Ok(());
        }
        let say = if power_w > 0.0 {
            format!("The charger will export {power_w:.0} W from the vehicle to the grid. Go on?")
        } else {
            format!(
                "The charger will import {:.0} W from the grid into the vehicle. Go on?",
                -power_w
            )
        };
        self.ask_installer(InstallerAction::Confirm, &say)
    }

    /// The device's identity; with a serial to check, a different one
    /// fails the test (it is not the unit the site file names).
    pub(crate) fn identify(&mut self, s: &IdentifyStep) -> Result<(), StepError> {
        let role = self.role_of(&s.device)?;
        let identity = match role {
            crate::model::Role::Charger => self.rig.devices.charger.identify()?,
            other => {
                return Err(StepError::Abort(format!(
                    "identify: {} is not identified by this step",
                    other.with_article()
                )))
            }
        };
        self.emit(RunEvent::Identified {
            device: &s.device,
            identity: &identity,
        });
        match &s.serial {
            Some(want) if identity.serial.trim() != want.trim() => Err(StepError::Fail(format!(
                "`{}` reports serial {:?}, not {:?}: this is not the charger the site file names",
                s.device, identity.serial, want
            ))),
            _ => Ok(()),
        }
    }
}
