//! The installer at the terminal: confirmations are answered on stdin
//! (`--yes` answers them for an unattended run), physical actions are
//! printed and the plan's measurements watch for them to happen.

use crate::exec::operator::{InstallerAction, Operator, OperatorError};
use std::io::{BufRead, IsTerminal, Read, Write};

pub struct TerminalOperator {
    /// `--yes`: agree to every confirmation without asking.
    pub yes: bool,
}

impl Operator for TerminalOperator {
    fn ask(&mut self, action: InstallerAction, text: &str) -> Result<(), OperatorError> {
        match action {
            InstallerAction::Confirm if self.yes => Ok(()),
            InstallerAction::Confirm => {
                if !std::io::stdin().is_terminal() {
                    return Err(OperatorError::Unavailable(format!(
                        "no terminal to ask \"{text}\"; run with --yes to agree in advance"
                    )));
                }
                print!("  [y/N] ");
                let _ = std::io::stdout().flush();
                let mut line = String::new();
                // A bounded answer: one short line is all that is read.
                let read = std::io::stdin()
                    .lock()
                    .take(256)
                    .read_line(&mut line)
                    .map_err(|e| OperatorError::Unavailable(e.to_string()))?;
                match line.trim() {
                    "y" | "Y" | "yes" | "Yes" | "YES" if read > 0 => Ok(()),
                    _ => Err(OperatorError::Declined(text.to_string())),
                }
            }
            // Printed by the run's progress; the step watches for it.
            InstallerAction::OpenMainBreaker | InstallerAction::CloseMainBreaker => Ok(()),
        }
    }
}
