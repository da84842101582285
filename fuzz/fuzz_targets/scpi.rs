//! SCPI program messages and arbitrary blocks on arbitrary bytes: framing
//! points at a real terminator, channel lists stay bounded, and a decoded
//! block is a slice of the input that encodes and decodes back to itself.
#![no_main]

use libfuzzer_sys::fuzz_target;
use v2x_hil::protocol::scpi::message::{
    expand_channels, find_message_end, parse_message, parse_unit, Param, MAX_CHANNELS,
};
use v2x_hil::protocol::scpi::response::{decode_block, encode_block};

fuzz_target!(|data: &[u8]| {
    if let Some(end) = find_message_end(data) {
        assert_eq!(data.get(end), Some(&b'\n'), "message end is not a NL");
    }
    let units = parse_message(data);
    assert!(units.len() <= data.len());
    for unit in units.iter().flatten() {
        for p in &unit.params {
            if let Param::Channels(list) = p {
                assert!(expand_channels(list).len() <= MAX_CHANNELS);
            }
        }
    }
    let _ = parse_unit(data);

    if let Ok((block, used)) = decode_block(data) {
        assert!(
            used <= data.len(),
            "block used {used} of {} bytes",
            data.len()
        );
        assert!(block.len() <= used);
        assert_eq!(data.get(used - block.len()..used), Some(block));
        let again = encode_block(block);
        assert_eq!(decode_block(&again), Ok((block, again.len())));
    }
});
