//! V2GTP and SDP: decoding never panics; a frame that decodes re-encodes to
//! the same bytes and decodes again to the same message; SDP datagrams do
//! the same; the stream splitter yields only whole frames, each of which
//! decodes on its own, and never more bytes than it was given.
#![no_main]

use libfuzzer_sys::fuzz_target;
use v2x_hil::protocol::v2gtp::sdp::{SdpRequest, SdpResponse};
use v2x_hil::protocol::v2gtp::{FrameSplitter, Header, Limits, Message, Packet, HEADER_LEN};

fuzz_target!(|data: &[u8]| {
    let limits = Limits::with_max_payload_len(4096);
    if let Ok(m) = Message::decode(data, &limits) {
        let bytes = m.encode().expect("a decoded payload fits a length field");
        assert_eq!(bytes, data);
        assert_eq!(Message::decode(&bytes, &limits), Ok(m));
    }
    if let Ok(h) = Header::parse(data, &limits) {
        assert_eq!(&h.emit()[..], &data[..HEADER_LEN]);
        let p = Packet::new_checked(data).expect("parsed header has 8 bytes");
        assert_eq!(p.payload_type(), h.payload_type);
        assert!(p.payload().len() <= data.len() - HEADER_LEN);
    }
    if let Ok(r) = SdpRequest::decode(data) {
        assert_eq!(r.encode(), data);
        assert_eq!(SdpRequest::decode(&r.encode()), Ok(r));
    }
    if let Ok(r) = SdpResponse::decode(data) {
        assert_eq!(r.encode(), data);
        assert_eq!(SdpResponse::decode(&r.encode()), Ok(r));
    }

    let Some((&cut, stream)) = data.split_first() else {
        return;
    };
    let mut s = FrameSplitter::new(limits);
    let piece = usize::from(cut % 32) + 1;
    let mut taken = 0usize;
    let mut failed = false;
    for chunk in stream.chunks(piece) {
        s.push(chunk);
        while let Some(item) = s.next_message() {
            match item {
                Ok(m) => {
                    assert!(!failed);
                    let bytes = m.encode().expect("split payload fits");
                    assert_eq!(&stream[taken..taken + bytes.len()], &bytes[..]);
                    taken += bytes.len();
                    assert_eq!(Message::decode(&bytes, &limits), Ok(m));
                }
                Err(e) => {
                    assert!(!failed, "a failed stream reports once");
                    failed = true;
                    assert!(e.frame_start == taken as u64);
                    assert!(s.is_failed());
                }
            }
        }
        assert!(taken + s.buffered() <= stream.len());
    }
});
