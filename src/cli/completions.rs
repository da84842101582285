//! `v2x-hil completions SHELL` and `v2x-hil man`: generated from the same
//! clap definition the parser uses, so they never disagree with it.

use super::{output, Cli, ExitCode};
use clap::CommandFactory;

pub fn completions(shell: clap_complete::Shell) -> ExitCode {
    let mut cmd = Cli::command();
    clap_complete::generate(shell, &mut cmd, "v2x-hil", &mut std::io::stdout());
    ExitCode::Pass
}

pub fn man() -> ExitCode {
    let page = clap_mangen::Man::new(Cli::command());
    let mut out = Vec::new();
    // The subcommands' pages follow the main one, as `git help` keeps them
    // together: one page a person can read with `man -l -`.
    let mut result = page.render(&mut out);
    for sub in Cli::command().get_subcommands() {
        if result.is_err() {
            break;
        }
        let name = format!("v2x-hil-{}", sub.get_name());
        result = clap_mangen::Man::new(sub.clone())
            .title(name)
            .render(&mut out);
    }
    match result {
        Ok(()) => {
            use std::io::Write;
            let _ = std::io::stdout().write_all(&out);
            ExitCode::Pass
        }
        Err(e) => {
            output::error(&format!("cannot render the man page: {e}"));
            ExitCode::Aborted
        }
    }
}
