//! OCPP-J: the RPC framing OCPP 2.0.1 and 2.1 carry over WebSockets, and the
//! typed payloads inside it (issue 11, the `csms` role).
//!
//! Framing follows OCPP 2.0.1 Part 4, "JSON over WebSockets implementation
//! guide", §4 "RPC framework": every WebSocket text message is one JSON array
//! whose first element is the message type number — CALL (2), CALLRESULT (3),
//! CALLERROR (4). OCPP 2.1 Part 4 adds CALLRESULTERROR (5, the answer to a
//! CALLRESULT the receiver could not process) and SEND (6, a message that is
//! never answered). [`rpc`] decodes and encodes those frames; [`payload`]
//! turns a frame's payload object into an `ocpp_types::v201` / `v21` message
//! with errors that name the JSON path and the CALLERROR code to answer with.
//!
//! Like the other protocol modules this is pure: no I/O, bounded input, and no
//! panic on any bytes (fuzzed by `fuzz/fuzz_targets/ocpp_rpc.rs`). The
//! WebSocket itself is `transport::ws`.

pub mod payload;
pub mod rpc;
pub mod time;

/// `x` to one decimal: the most a charging limit may carry (OCPP 2.0.1
/// K01, chargingSchedulePeriod.limit "at most one digit fraction"); sampled
/// values are written the same way.
pub fn round_to_tenths(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// `s` cut to at most `max` bytes on a character boundary: OCPP bounds
/// free text (errorDescription 255, statusInfo.additionalInfo 512), and
/// the schema types count the bound in bytes.
pub fn clip(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

pub use payload::{decode_payload, decode_validated, encode_payload, PayloadError};
pub use rpc::{
    decode, decode_for, ErrorCode, Frame, FrameError, MAX_FRAME_BYTES, MAX_MESSAGE_ID_LEN,
};
