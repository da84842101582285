//! The `v2x-hil` binary: argument parsing only; the library does the work.

use clap::Parser;

fn main() {
    // Die quietly on a closed pipe (`v2x-hil run … | head`), as Unix tools do,
    // instead of panicking in println!.
    #[cfg(unix)]
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let cli = v2x_hil::cli::Cli::parse();
    let code = v2x_hil::cli::main(cli);
    std::process::exit(code.code());
}
