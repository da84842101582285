//! The central system's session with a charger: any sequence of frames a
//! charger may send (split on NUL) never panics; every CALL it can read is
//! answered with exactly one CALLRESULT or CALLERROR carrying its id; the
//! answers decode as frames.
#![no_main]

use libfuzzer_sys::fuzz_target;
use v2x_hil::device::csms::Session;
use v2x_hil::model::rig_csms::OcppVersion;
use v2x_hil::protocol::ocpp::{decode, Frame};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let version = if data.first().is_some_and(|b| b & 1 == 1) {
        OcppVersion::V21
    } else {
        OcppVersion::V201
    };
    let mut session = Session::new(version, "CP001", "fuzz", 60);
    for (i, part) in text.split('\0').enumerate() {
        let replies = session.on_frame(i as f64, part, "2026-01-01T00:00:00.000Z");
        assert!(replies.len() <= 1);
        if let Ok(Frame::Call { message_id, .. }) = decode(part) {
            assert_eq!(replies.len(), 1, "a CALL is answered");
            let reply = decode(&replies[0]).expect("our answer is a frame");
            assert_eq!(reply.message_id(), message_id);
            assert!(matches!(reply, Frame::CallResult { .. } | Frame::CallError { .. }));
        }
    }
    let _ = session.take_log();
});
