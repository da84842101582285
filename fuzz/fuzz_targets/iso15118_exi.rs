//! ISO 15118 EXI as the CCS vehicle and the emulated charger's SECC read it
//! (the `iso15118` crate's decoders and session engines): any payload is
//! refused, or decodes to a message that re-encodes to a payload of the same
//! type that decodes to the same message; the SECC engine, fed any bytes as
//! its V2GTP stream, never panics and ends or answers within its bounds.
#![no_main]

use iso15118::message::Message;
use iso15118::secc::{Secc, SeccConfig};
use iso15118::session::Instant;
use iso15118::v2gtp::PayloadType;
use iso15118::{Protocol, Protocols};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, payload)) = data.split_first() else {
        return;
    };
    // The payload types the vehicle and the SECC decode, with the protocol
    // the handshake settled (none before it).
    let (payload_type, protocol) = match selector % 4 {
        0 => (PayloadType::ExiEncodedV2gMessage, None),
        1 => (PayloadType::Part20Main, Some(Protocol::Iso20)),
        2 => (PayloadType::Part20Dc, Some(Protocol::Iso20)),
        _ => (PayloadType::ExiEncodedV2gMessage, Some(Protocol::Iso2)),
    };
    if let Ok(m) = Message::decode(protocol, payload_type, payload) {
        let (again_type, bytes) = m.encode().expect("a decoded message re-encodes");
        assert_eq!(again_type, payload_type);
        let again = Message::decode(protocol, payload_type, &bytes).expect("and decodes");
        assert_eq!(again, m);
    }
    let mut secc = Secc::new(SeccConfig {
        protocols: Protocols::only(Protocol::Iso20),
        ..SeccConfig::default()
    });
    secc.opened(Instant::from_millis(0));
    let _ = secc.handle_input(Instant::from_millis(1), data);
    let mut events = 0;
    while secc.poll_event().is_some() {
        events += 1;
        assert!(events < 1_000, "one input yields a bounded number of events");
    }
    let _ = secc.take_transmit();
});
