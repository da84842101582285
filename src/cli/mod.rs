//! The command line: one file per subcommand; errors from every layer are
//! rendered here for people, with the exit codes DESIGN.md gives.

mod commission;
mod completions;
mod emulate;
mod flash;
mod fleet;
mod keys;
mod output;
mod plan_check;
mod progress;
mod report;
mod rig_check;
mod rig_source;
mod run;
mod schema;
mod site_check;
mod terminal_operator;

use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// Exit codes (DESIGN.md "Exit codes").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitCode {
    /// All tests passed.
    Pass,
    /// A test failed.
    TestFailed,
    /// Bad input: usage, rig, plan, site, profile, image.
    BadInput,
    /// Aborted (device fault, timeout, interrupted) after the safe state.
    Aborted,
    /// Verification failed (signature, digest, chain).
    VerificationFailed,
}

impl ExitCode {
    pub fn code(self) -> i32 {
        match self {
            ExitCode::Pass => 0,
            ExitCode::TestFailed => 1,
            ExitCode::BadInput => 2,
            ExitCode::Aborted => 3,
            ExitCode::VerificationFailed => 4,
        }
    }
}

#[derive(Debug, Parser)]
#[command(
    name = "v2x-hil",
    version,
    about = "Hardware-in-the-loop tests and commissioning for bidirectional EV chargers"
)]
pub struct Cli {
    /// Colour in human output: auto respects NO_COLOR and whether stdout is a terminal.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, global = true)]
    pub color: ColorChoice,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a test plan on a rig (the built-in emulated rig by default).
    Run(run::RunArgs),
    /// Commission an installation: the site's guided, resumable
    /// commissioning plan, its compliance, a signed report.
    Commission(commission::CommissionArgs),
    /// Check plans without touching any device.
    #[command(subcommand)]
    Plan(PlanCommand),
    /// Check rigs.
    #[command(subcommand)]
    Rig(RigCommand),
    /// Check site files (the installation named in the commissioning report).
    #[command(subcommand)]
    Site(SiteCommand),
    /// Serve the emulated instruments to outside programs in real time.
    Emulate(emulate::EmulateArgs),
    /// Update the charger's firmware through its bootloader (UDS over CAN).
    Flash(flash::FlashArgs),
    /// Report-signing keys.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Build, sign and verify a run's output folder.
    #[command(subcommand)]
    Report(ReportCommand),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions {
        /// The shell to complete for, e.g. `v2x-hil completions bash > /etc/bash_completion.d/v2x-hil`.
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff), e.g. `v2x-hil man | man -l -`.
    Man,
    /// Print the JSON Schema of a file kind, for editors and validators
    /// (the shipped files point at schemas/ with a yaml-language-server modeline).
    Schema {
        /// The kind of file, e.g. `v2x-hil schema rig > schemas/rig.schema.json`.
        kind: schema::SchemaKind,
    },
    /// A program's roll-up of verified run folders: add, status, report.
    Fleet(fleet::FleetArgs),
}

#[derive(Debug, Subcommand)]
pub enum PlanCommand {
    /// Validate a plan, and against a rig's devices and safety limits.
    Check {
        /// The test plan (YAML) to validate.
        plan: PathBuf,
        /// Also check the plan against this rig's devices and safety limits.
        #[arg(long)]
        rig: Option<PathBuf>,
        /// The site whose values `site` steps take (commissioning plans).
        #[arg(long)]
        site: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum SiteCommand {
    /// Validate a site file and the grid profile it names; sends nothing.
    Check {
        /// The site file (YAML): the installation, its utility's grid
        /// profile and the site's permitted export.
        site: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Create NAME.pem (private, mode 0600) and NAME.pub.pem and print the
    /// key id; never overwrites. A bare NAME goes in the per-user keys
    /// folder ($V2X_HIL_CONFIG_DIR/keys, else e.g. ~/.config/v2x-hil/keys);
    /// a path (./NAME, dir/NAME) is used as given.
    New {
        /// The key's name (in the keys folder) or a path (./NAME, dir/NAME).
        name: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// Rebuild report.json, report.html and junit.xml in DIR from its journal
    /// (also for an aborted run, whose report says "aborted" and why, or a
    /// killed one, whose report says "incomplete").
    Build {
        /// A run's output folder (`run --out DIR`, `commission --out DIR`).
        dir: PathBuf,
    },
    /// Sign DIR as a DSSE envelope (report.dsse.json) over every file's SHA-256.
    Sign {
        /// A run's output folder, its report built.
        dir: PathBuf,
        /// Private key (PKCS#8 PEM): a path, or a name in the keys folder.
        #[arg(long)]
        key: PathBuf,
    },
    /// Check DIR's signature, every file's digest and the journal's chain (exit 4 if not).
    Verify {
        /// A signed run folder (it holds report.dsse.json).
        dir: PathBuf,
        /// Public key (PEM): a path, or a name in the keys folder.
        #[arg(long)]
        key: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum RigCommand {
    /// Connect to every device of the rig, identify it, print what answered.
    Check {
        /// Rig file; the built-in emulated rig when omitted.
        rig: Option<PathBuf>,
        /// Print one JSON document (each device: role, driver, transport,
        /// what it answered or why not) instead of the table.
        #[arg(long)]
        json: bool,
    },
}

pub fn main(cli: Cli) -> ExitCode {
    match cli.color {
        ColorChoice::Always => colored::control::set_override(true),
        ColorChoice::Never => colored::control::set_override(false),
        ColorChoice::Auto => {
            use std::io::IsTerminal;
            if std::env::var_os("NO_COLOR").is_some() || !std::io::stdout().is_terminal() {
                colored::control::set_override(false);
            }
        }
    }
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("V2X_HIL_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn,probe_rs=error")),
        )
        .with_writer(std::io::stderr)
        .try_init();
    match cli.command {
        Command::Run(args) => run::run(args),
        Command::Commission(args) => commission::run(args),
        Command::Plan(PlanCommand::Check { plan, rig, site }) => {
            plan_check::run(&plan, rig.as_deref(), site.as_deref())
        }
        Command::Rig(RigCommand::Check { rig, json }) => rig_check::run(rig.as_deref(), json),
        Command::Site(SiteCommand::Check { site }) => site_check::run(&site),
        Command::Emulate(args) => emulate::run(args),
        Command::Flash(args) => flash::run(args),
        Command::Keys(KeysCommand::New { name }) => keys::new(&name),
        Command::Report(ReportCommand::Build { dir }) => report::build(&dir),
        Command::Report(ReportCommand::Sign { dir, key }) => report::sign(&dir, &key),
        Command::Report(ReportCommand::Verify { dir, key }) => report::verify(&dir, &key),
        Command::Completions { shell } => completions::completions(shell),
        Command::Man => completions::man(),
        Command::Schema { kind } => schema::run(kind),
        Command::Fleet(args) => fleet::run(args),
    }
}
