//! Flashing speed over the emulated CAN bus (issue 4 §5): a 512 KiB image at
//! 500 kbit/s with 8-byte frames, BS 0, STmin 0, against the payload rate
//! ISO-TP allows at that bit rate. Prints both and their ratio; asserts
//! nothing on time.
//!
//! `cargo bench --bench flash`

use std::path::Path;
use std::time::Instant;
use v2x_hil::firmware::header::synthetic;
use v2x_hil::firmware::image::ImageFormat;
use v2x_hil::firmware::read::ReadOptions;
use v2x_hil::firmware::verify::{verify, ImageFile, VerifyPolicy};
use v2x_hil::model::Role;
use v2x_hil::protocol::isotp::max_payload_rate_bps;
use v2x_hil::rig::{connect_with, ConnectOptions};

fn main() {
    if std::env::args().any(|a| a == "--test" || a == "--list") {
        return;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let rig = v2x_hil::model::load_rig(&root.join("rigs/emulated.yaml")).expect("rig");
    let fw = rig.devices_with_role(Role::Charger)[0]
        .1
        .firmware
        .clone()
        .expect("firmware block");
    let size = 512 * 1024;
    let bytes = synthetic("9.9.9", size).expect("synthetic image");
    let file = ImageFile {
        name: "synthetic-512k.bin".into(),
        bytes,
        signature: None,
    };
    let image = verify(
        &file,
        &VerifyPolicy {
            memory_map: fw.memory_map(),
            expect_sha256: None,
            signing_key: None,
            read: ReadOptions {
                format: Some(ImageFormat::Bin),
                base_address: Some(fw.memory_map[0].start),
            },
        },
    )
    .expect("verifies");
    let mut c = connect_with(
        &rig,
        &ConnectOptions {
            open_flasher: true,
            ..Default::default()
        },
    )
    .expect("connects");
    let flasher = c.rig.devices.flasher.as_mut().expect("flasher");
    let wall = Instant::now();
    let report = flasher
        .flash(&image, &mut |_| std::ops::ControlFlow::Continue(()))
        .expect("flashes");
    let wall_s = wall.elapsed().as_secs_f64();
    let limit = max_payload_rate_bps(500_000) / 8.0;
    println!(
        "flash {} KiB over emulated CAN @ 500 kbit/s: download {:.0} B/s; ISO-TP allows {:.0} B/s \
         (7 bytes per 135-bit frame, BS 0, STmin 0); ratio {:.3}",
        size / 1024,
        report.transfer_rate_bps,
        limit,
        report.transfer_rate_bps / limit
    );
    println!(
        "whole update {:.1} simulated s (erase, program, check, reset), {} response-pending answers; \
         {:.2} s of wall time; {} → {}",
        report.duration_s, report.response_pending, wall_s, report.version_before, report.version_after
    );
}
