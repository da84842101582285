//! The person at the site. A commissioning plan asks the installer to do
//! what the harness must never do itself (open and close the main breaker:
//! the grid is the utility's), and asks before anything that energises or
//! exports. At a real site a person answers at the terminal; on an emulated
//! site the emulator plays the installer's hands.

use serde::Serialize;

/// What a step asks of the installer.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum InstallerAction {
    /// Open the service's main breaker: the site loses the utility.
    OpenMainBreaker,
    /// Close it again: the utility returns.
    CloseMainBreaker,
    /// Agree to what comes next (energising, exporting) or stop the run.
    Confirm,
}

impl InstallerAction {
    pub fn name(self) -> &'static str {
        match self {
            InstallerAction::OpenMainBreaker => "open_main_breaker",
            InstallerAction::CloseMainBreaker => "close_main_breaker",
            InstallerAction::Confirm => "confirm",
        }
    }
}

/// Why the installer could not be asked, or said no.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OperatorError {
    #[error("the installer declined: {0}")]
    Declined(String),
    #[error("cannot ask the installer: {0}")]
    Unavailable(String),
}

/// Whoever stands at the site.
pub trait Operator: Send {
    /// Asks for `action`, described for a person in `text`, and returns
    /// once it is done (or agreed to). A physical action is then checked by
    /// the plan's own measurements; this only asks.
    fn ask(&mut self, action: InstallerAction, text: &str) -> Result<(), OperatorError>;
}

/// Agrees to everything and does nothing physical: unattended runs
/// (`--yes`) of plans with no physical action, and lab rigs.
pub struct Unattended;

impl Operator for Unattended {
    fn ask(&mut self, action: InstallerAction, text: &str) -> Result<(), OperatorError> {
        match action {
            InstallerAction::Confirm => Ok(()),
            _ => Err(OperatorError::Unavailable(format!(
                "nobody is at the site to {}: {text}",
                action.name().replace('_', " ")
            ))),
        }
    }
}
