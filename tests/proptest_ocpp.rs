//! Property tests of the OCPP-J framing: any frame we can build encodes to
//! text that decodes to the same frame, and any text decodes without panic.

mod proptest_common;

use proptest::prelude::*;
use proptest_common::config;
use serde_json::{Map, Value};
use v2x_hil::protocol::ocpp::{decode, ErrorCode, Frame, MAX_MESSAGE_ID_LEN};

fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        "\\PC{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-zA-Z\"\\\\]{0,8}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn object() -> impl Strategy<Value = Value> {
    prop::collection::btree_map("\\PC{0,8}", json(), 0..5)
        .prop_map(|m| Value::Object(m.into_iter().collect::<Map<_, _>>()))
}

fn frame() -> impl Strategy<Value = Frame> {
    // 1 to MAX_MESSAGE_ID_LEN characters.
    const _: () = assert!(MAX_MESSAGE_ID_LEN == 36);
    let id = "\\PC{1,36}";
    let action = "[A-Za-z0-9]{1,40}";
    // Known codes and unlisted text; `parse` keeps a known name known.
    let code = prop_oneof![
        "[A-Za-z]{1,30}",
        Just("FormatViolation".to_string()),
        Just("SecurityError".to_string())
    ]
    .prop_map(|s| ErrorCode::parse(&s));
    prop_oneof![
        (id, action, object()).prop_map(|(message_id, action, payload)| Frame::Call {
            message_id,
            action,
            payload
        }),
        (id, object()).prop_map(|(message_id, payload)| Frame::CallResult {
            message_id,
            payload
        }),
        (id, code.clone(), "\\PC{0,40}", object()).prop_map(
            |(message_id, code, description, details)| Frame::CallError {
                message_id,
                code,
                description,
                details
            }
        ),
        (id, code, "\\PC{0,40}", object()).prop_map(|(message_id, code, description, details)| {
            Frame::CallResultError {
                message_id,
                code,
                description,
                details,
            }
        }),
        (id, action, object()).prop_map(|(message_id, action, payload)| Frame::Send {
            message_id,
            action,
            payload
        }),
    ]
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn frames_round_trip(f in frame()) {
        prop_assert_eq!(decode(&f.encode()), Ok(f));
    }

    /// Text made mostly of JSON's own punctuation decodes to Ok or Err.
    #[test]
    fn any_text_decodes_without_panic(s in "[\\[\\]{}\",:0-9a-z\\\\ .eE+-]{0,80}") {
        if let Ok(f) = decode(&s) {
            prop_assert_eq!(decode(&f.encode()), Ok(f));
        }
    }
}
