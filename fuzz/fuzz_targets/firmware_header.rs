//! The V2XF firmware header: a header that parses encodes to 64 bytes that
//! parse to the same header; raw binaries (with a base address) read and check without panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use v2x_hil::firmware::{check_image, read_image, FirmwareHeader, ReadOptions, HEADER_LEN};

fuzz_target!(|data: &[u8]| {
    if let Ok(h) = FirmwareHeader::parse(data) {
        let bytes = h.encode().expect("a parsed header encodes");
        assert_eq!(FirmwareHeader::parse(&bytes).as_ref(), Ok(&h));
        let _ = h.check_payload(&data[HEADER_LEN..]);
    }
    let opts = ReadOptions {
        format: None,
        base_address: Some(0x0800_0000),
    };
    if let Ok(image) = read_image("fw.bin", data, &opts) {
        let _ = check_image(&image);
    }
});
