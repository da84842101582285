//! CHAdeMO frames: any (id, data) that decodes to a message encodes back to
//! eight bytes on the same id that decode to the same message.
#![no_main]

use libfuzzer_sys::fuzz_target;
use v2x_hil::protocol::chademo::Message;

fuzz_target!(|data: &[u8]| {
    let Some((&sel, payload)) = data.split_first() else {
        return;
    };
    // Mostly the nine ids CHAdeMO uses, sometimes any 11-bit id.
    let id = match Message::IDS.get(usize::from(sel)) {
        Some(&id) => id,
        None => u16::from(sel) << 3 | u16::from(sel & 7),
    };
    let Ok(msg) = Message::decode(id, payload) else {
        return;
    };
    assert_eq!(msg.id(), id);
    let (out_id, bytes) = msg.encode();
    assert_eq!(out_id, id);
    assert_eq!(
        Message::decode(out_id, &bytes).as_ref(),
        Ok(&msg),
        "{msg:?} re-encoded to {bytes:02X?}"
    );
});
