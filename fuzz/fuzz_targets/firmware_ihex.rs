//! Intel HEX firmware reader: errors name a line of the input; an image it
//! reads, written again as Intel HEX, reads back with the same segments and
//! entry point. The header check runs on it too.
#![no_main]

use libfuzzer_sys::fuzz_target;
use v2x_hil::firmware::ihex::{read_ihex, write_ihex};
use v2x_hil::firmware::{check_image, read_image, ReadOptions};

fuzz_target!(|data: &[u8]| {
    let _ = read_image("fw.hex", data, &ReadOptions::default());
    match read_ihex(data) {
        Ok(image) => {
            let _ = check_image(&image);
            let per_record = data.first().map_or(16, |&b| usize::from(b));
            let text = write_ihex(&image, per_record);
            let again = read_ihex(text.as_bytes()).expect("our own HEX reads back");
            assert_eq!(again.segments(), image.segments());
            assert_eq!(again.entry(), image.entry());
        }
        Err(e) => {
            // Records end at LF, or at CR in a file without LF.
            let sep = if data.contains(&b'\n') { b'\n' } else { b'\r' };
            let lines = data.split(|&c| c == sep).count();
            assert!(
                e.line <= lines.max(1),
                "error on line {} of {lines}",
                e.line
            );
        }
    }
});
