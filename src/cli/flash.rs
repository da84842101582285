//! `v2x-hil flash [--rig RIG] IMAGE [--expect-sha256 HEX]`: checks the image
//! (memory map, digest, signature) before anything is erased, then updates
//! the charger through its bootloader with a progress bar, verifies, resets
//! and reads the version back.

use super::{output, rig_source, ExitCode};
use crate::device::flasher::{FlashPhase, FlashProgress};
use crate::exec::firmware::verify_for_rig;
use crate::model::Role;
use crate::rig::connect_flasher;
use clap::Args;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct FlashArgs {
    /// Firmware image: ELF, Intel HEX, or raw BIN with --base.
    pub image: PathBuf,
    /// Rig file; the built-in emulated rig when omitted.
    #[arg(long)]
    pub rig: Option<PathBuf>,
    /// Refuse the image unless its SHA-256 is this (hex).
    #[arg(long, value_name = "HEX")]
    pub expect_sha256: Option<String>,
    /// Flash address of a raw binary's first byte (e.g. 0x08008000).
    #[arg(long, value_parser = parse_address)]
    pub base: Option<u32>,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

fn parse_address(s: &str) -> Result<u32, String> {
    let t = s.trim();
    match t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        Some(hex) => u32::from_str_radix(hex, 16),
        None => t.parse(),
    }
    .map_err(|e| format!("`{s}` is not an address: {e}"))
}

pub fn run(args: FlashArgs) -> ExitCode {
    let rig = match rig_source::load(args.rig.as_deref()) {
        Ok(r) => r,
        Err(e) => {
            output::error(&e.render());
            return ExitCode::BadInput;
        }
    };
    let Some(firmware) = rig
        .devices_with_role(Role::Charger)
        .first()
        .and_then(|(_, d)| d.firmware.clone())
    else {
        output::error(&format!(
            "{}: the charger has no `firmware:` block, so there is no bootloader to talk to",
            rig.source.display()
        ));
        return ExitCode::BadInput;
    };
    // Every check before anything is erased: nothing goes on a wire for a
    // refused image.
    let image = match verify_for_rig(
        &firmware,
        &args.image,
        args.expect_sha256.clone(),
        args.base,
    ) {
        Ok(v) => v,
        Err(e) => {
            output::error(&e);
            return ExitCode::BadInput;
        }
    };
    let mut connection = match connect_flasher(&rig) {
        Ok(c) => c,
        Err(e) => {
            // No probe, no adapter, no answer: exit 3, saying what was looked for.
            output::error(&e.to_string());
            return ExitCode::Aborted;
        }
    };
    let flasher = &mut connection.flasher;
    let bar = indicatif::ProgressBar::new(image.image().total_size());
    if args.json {
        bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{msg:>8} [{bar:40}] {bytes}/{total_bytes} {bytes_per_sec} ETA {eta}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    let mut on_progress = |p: FlashProgress| {
        bar.set_message(match p.phase {
            FlashPhase::Prepare => "unlock",
            FlashPhase::Erase => "erase",
            FlashPhase::Program => "program",
            FlashPhase::Check => "check",
            FlashPhase::Reset => "reset",
        });
        bar.set_position(p.done_bytes);
        std::ops::ControlFlow::Continue(())
    };
    let result = flasher.flash(&image, &mut on_progress);
    bar.finish_and_clear();
    match result {
        Ok(report) => {
            if args.json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&report).unwrap_or_default()
                );
            } else {
                println!(
                    "flashed {} ({} bytes, sha256 {}): {} → {} in {:.1} s ({} clock), {:.1} kB/s over the download",
                    args.image.display(),
                    report.bytes,
                    report.sha256,
                    report.version_before,
                    report.version_after,
                    report.duration_s,
                    if connection.clock.kind() == crate::exec::clock::ClockKind::Simulated {
                        "simulated"
                    } else {
                        "wall"
                    },
                    report.transfer_rate_bps / 1000.0
                );
            }
            ExitCode::Pass
        }
        Err(e) => {
            output::error(&format!(
                "{e}; the charger stays in its bootloader — run the same command again to complete the update"
            ));
            ExitCode::Aborted
        }
    }
}
