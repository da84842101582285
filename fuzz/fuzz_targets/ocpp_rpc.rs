//! OCPP-J RPC frames: decoding never panics; a decoded frame re-encodes to
//! text that decodes to the same frame; errors that carry a message id carry
//! a valid one; payload decoding of the BootNotification and Authorize
//! messages never panics either.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ocpp_types::v201::{AuthorizeRequest, BootNotificationRequest, BootNotificationResponse};
use v2x_hil::protocol::ocpp::{decode, decode_payload, decode_validated, Frame, MAX_FRAME_BYTES, MAX_MESSAGE_ID_LEN};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let frame = match decode(text) {
        Ok(f) => f,
        Err(e) => {
            let _ = e.reply_code();
            if let Some(id) = e.message_id() {
                assert!(!id.is_empty() && id.chars().count() <= MAX_MESSAGE_ID_LEN);
            }
            return;
        }
    };
    let again = frame.encode();
    // Re-encoding can lengthen numbers ("1e9" → "1000000000.0"), so only
    // text still inside the bound must decode again.
    if again.len() <= MAX_FRAME_BYTES {
        assert_eq!(decode(&again).as_ref(), Ok(&frame), "{again}");
    }
    match &frame {
        Frame::Call { action, payload, .. } => {
            let _ = decode_validated::<BootNotificationRequest>(action, payload);
            let _ = decode_validated::<AuthorizeRequest>(action, payload);
        }
        Frame::CallResult { payload, .. } => {
            let _ = decode_payload::<BootNotificationResponse>("BootNotification", payload);
        }
        _ => {}
    }
});
