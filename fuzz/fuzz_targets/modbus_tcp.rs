//! Modbus TCP: an ADU that decodes re-encodes to the same bytes; the stream
//! splitter yields only whole ADUs and never holds more than one.
#![no_main]

use libfuzzer_sys::fuzz_target;
use v2x_hil::protocol::modbus::pdu::Request;
use v2x_hil::protocol::modbus::tcp::{decode_adu, encode_adu, TcpSplitter, MBAP_LEN};

fuzz_target!(|data: &[u8]| {
    if let Ok(f) = decode_adu(data) {
        assert_eq!(encode_adu(f.transaction_id, f.unit_id, &f.pdu), data);
        if let Ok(r) = Request::decode(&f.pdu) {
            assert_eq!(encode_adu(f.transaction_id, f.unit_id, &r.to_bytes()), data);
        }
    }
    let Some((&cut, stream)) = data.split_first() else {
        return;
    };
    let mut s = TcpSplitter::new();
    let piece = usize::from(cut % 32) + 1;
    let mut taken = 0usize;
    for chunk in stream.chunks(piece) {
        s.push(chunk);
        while let Some(item) = s.next_frame() {
            if let Ok(f) = item {
                taken += MBAP_LEN + f.pdu.len();
                assert!(taken <= stream.len());
            }
        }
    }
});
