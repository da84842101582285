//! ISO-TP N_PDU parsing: what parses re-encodes (PCI in the form the frame
//! used, then its data) to a prefix of the frame, and lengths are the ones
//! ISO 15765-2 allows.
#![no_main]

use libfuzzer_sys::fuzz_target;
use v2x_hil::protocol::isotp::{parse, Pdu, SF_MAX_DL};

fuzz_target!(|data: &[u8]| {
    // The data of a classic CAN frame.
    if data.len() > 8 {
        return;
    }
    let Ok(pdu) = parse(data) else {
        return;
    };
    let mut again = Vec::new();
    match pdu {
        Pdu::Single { data: d } => {
            assert!((1..=SF_MAX_DL).contains(&d.len()));
            again.push(d.len() as u8);
            again.extend_from_slice(d);
        }
        Pdu::First { len, data: d } => {
            assert!(len as usize > SF_MAX_DL);
            assert_eq!(data.len(), 8, "a first frame fills the CAN frame");
            if data[0] & 0x0F == 0 && data[1] == 0 {
                again.extend_from_slice(&[0x10, 0]);
                again.extend_from_slice(&len.to_be_bytes());
            } else {
                assert!(len <= 4095);
                again.extend_from_slice(&[0x10 | (len >> 8) as u8, len as u8]);
            }
            again.extend_from_slice(d);
        }
        Pdu::Consecutive { sn, data: d } => {
            assert!(sn < 16);
            again.push(0x20 | sn);
            again.extend_from_slice(d);
        }
        Pdu::FlowControl {
            status,
            block_size,
            st_min,
        } => {
            again.extend_from_slice(&[0x30 | status.nibble(), block_size, st_min]);
        }
    }
    assert_eq!(Some(again.as_slice()), data.get(..again.len()), "{pdu:?}");
});
