//! The `v2x-hil` binary: argument parsing only; the library does the work.

use clap::Parser;

fn main() {
    let cli = v2x_hil::cli::Cli::parse();
    let code = v2x_hil::cli::main(cli);
    std::process::exit(code.code());
}
