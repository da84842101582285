//! Modbus RTU: a frame that decodes is exactly unit + PDU + its CRC; the
//! stream splitter, fed the input in fuzz-chosen pieces, only yields frames
//! that decode, keeps its buffer bounded and never loops.
#![no_main]

use libfuzzer_sys::fuzz_target;
use v2x_hil::protocol::modbus::pdu::{Request, Response};
use v2x_hil::protocol::modbus::rtu::{decode_adu, encode_adu, RtuSplitter, Side, MAX_ADU_LEN};

fuzz_target!(|data: &[u8]| {
    if let Ok((unit, pdu)) = decode_adu(data) {
        assert_eq!(encode_adu(unit, pdu), data);
        if let Ok(r) = Request::decode(pdu) {
            assert_eq!(encode_adu(unit, &r.to_bytes()), data);
        }
        if let Ok(r) = Response::decode(pdu) {
            assert_eq!(encode_adu(unit, &r.to_bytes()), data);
        }
    }
    let Some((&cut, stream)) = data.split_first() else {
        return;
    };
    for side in [Side::Requests, Side::Responses] {
        let mut s = RtuSplitter::new(side);
        let piece = usize::from(cut % 32) + 1;
        for chunk in stream.chunks(piece) {
            s.push(chunk);
            // Each item consumes at least one byte, so this ends.
            let mut items = 0;
            while let Some(item) = s.next_frame() {
                items += 1;
                assert!(items <= stream.len() + 1, "splitter does not advance");
                if let Ok(f) = item {
                    let adu = encode_adu(f.unit_id, &f.pdu);
                    assert!(adu.len() <= MAX_ADU_LEN);
                    assert!(decode_adu(&adu).is_ok());
                }
            }
            // Without a frame to give, it holds at most one ADU's worth.
            assert!(
                s.buffered() < MAX_ADU_LEN + piece,
                "{} buffered",
                s.buffered()
            );
        }
    }
});
