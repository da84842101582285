//! DIN SPEC 70121 EXI: decoding never panics on any bytes; whatever decodes
//! is a valid message, so it encodes, and that encoding decodes to the same
//! message (decode → encode → decode is stable; the bytes may differ only
//! where EXI allows two spellings, e.g. a string-table hit or trailing zero
//! bytes, which our encoder never writes).
#![no_main]

use libfuzzer_sys::fuzz_target;
use v2x_hil::protocol::din70121::{decode, encode};

fuzz_target!(|data: &[u8]| {
    if let Ok(m) = decode(data) {
        let bytes = encode(&m).expect("a decoded message is within the schema");
        assert_eq!(decode(&bytes).as_ref(), Ok(&m));
        assert_eq!(encode(&m).as_ref(), Ok(&bytes), "encoding is deterministic");
    }
});
