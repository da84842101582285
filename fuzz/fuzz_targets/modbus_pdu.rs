//! Modbus request and response PDUs: whatever decodes re-encodes to exactly
//! the same bytes (each function has one wire form).
#![no_main]

use libfuzzer_sys::fuzz_target;
use v2x_hil::protocol::modbus::pdu::{request_len, response_len, PduLen, Request, Response};

fuzz_target!(|data: &[u8]| {
    if let Ok(r) = Request::decode(data) {
        assert_eq!(r.to_bytes(), data, "request {r:?}");
        assert_eq!(request_len(data), PduLen::Known(data.len()));
    }
    if let Ok(r) = Response::decode(data) {
        assert_eq!(r.to_bytes(), data, "response {r:?}");
        assert_eq!(response_len(data), PduLen::Known(data.len()));
    }
});
