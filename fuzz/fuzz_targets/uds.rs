//! UDS requests and responses: whatever decodes encodes to bytes that decode
//! to the same value, and the encoding is stable (encode ∘ decode ∘ encode
//! = encode).
#![no_main]

use libfuzzer_sys::fuzz_target;
use v2x_hil::protocol::uds::{Request, Response};

fuzz_target!(|data: &[u8]| {
    if let Ok(req) = Request::decode(data) {
        let bytes = req.encode();
        let back = Request::decode(&bytes);
        assert_eq!(back.as_ref(), Ok(&req), "{data:02X?} → {bytes:02X?}");
        assert_eq!(req.service(), data[0]);
    }
    if let Ok(resp) = Response::decode(data) {
        let bytes = resp.encode();
        let back = Response::decode(&bytes);
        assert_eq!(back.as_ref(), Ok(&resp), "{data:02X?} → {bytes:02X?}");
    }
});
