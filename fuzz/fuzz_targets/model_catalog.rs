//! `model::parse_catalog` (a program's firmware catalog) on arbitrary
//! text: never panics, and every error it reports in this file has a line
//! and column inside the text.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    v2x_hil_fuzz::fuzz_loader(data, "firmware.yaml", v2x_hil::model::parse_catalog);
});
