//! OCPP-J RPC framing and typed payloads against the published examples of
//! OCPP 2.0.1 Part 4 §4 (JSON over WebSockets implementation guide).

use ocpp_types::v201::{BootNotificationRequest, BootNotificationResponse};
use serde_json::json;
use v2x_hil::protocol::ocpp::{
    decode, decode_for, decode_payload, decode_validated, encode_payload, ErrorCode, Frame,
    FrameError, MAX_FRAME_BYTES,
};

const CALL: &str = r#"[2,"19223201","BootNotification",{"reason":"PowerUp","chargingStation":{"model":"SingleSocketCharger","vendorName":"VendorX"}}]"#;
const CALLRESULT: &str = r#"[3,"19223201",{"currentTime":"2013-02-01T20:53:32.486Z","interval":300,"status":"Accepted"}]"#;
const CALLERROR: &str =
    r#"[4,"162376037","NotSupported","SetDisplayMessageRequest not implemented",{}]"#;

fn published() -> [&'static str; 3] {
    [CALL, CALLRESULT, CALLERROR]
}

#[test]
fn published_call_decodes_and_round_trips() {
    let f = decode(CALL).unwrap();
    let Frame::Call {
        message_id,
        action,
        payload,
    } = &f
    else {
        panic!("{f:?}")
    };
    assert_eq!(message_id, "19223201");
    assert_eq!(action, "BootNotification");
    let req: BootNotificationRequest = decode_payload(action, payload).unwrap();
    assert_eq!(req.charging_station.model.as_str(), "SingleSocketCharger");
    assert_eq!(req.charging_station.vendor_name.as_str(), "VendorX");
    assert_eq!(decode(&f.encode()).unwrap(), f);
    // Re-encoding the typed message gives the same payload object.
    assert_eq!(&encode_payload(&req), payload);
}

#[test]
fn published_callresult_decodes_into_boot_notification_response() {
    let f = decode(CALLRESULT).unwrap();
    let Frame::CallResult {
        message_id,
        payload,
    } = &f
    else {
        panic!("{f:?}")
    };
    assert_eq!(message_id, "19223201");
    let resp: BootNotificationResponse = decode_validated("BootNotification", payload).unwrap();
    assert_eq!(resp.interval, 300);
    assert_eq!(encode_payload(&resp), *payload);
    assert_eq!(decode(&f.encode()).unwrap(), f);
}

#[test]
fn published_callerror_decodes() {
    let f = decode(CALLERROR).unwrap();
    assert_eq!(
        f,
        Frame::CallError {
            message_id: "162376037".into(),
            code: ErrorCode::NotSupported,
            description: "SetDisplayMessageRequest not implemented".into(),
            details: json!({}),
        }
    );
    // The encoder writes the same bytes the spec shows.
    assert_eq!(f.encode(), CALLERROR);
}

#[test]
fn ocpp21_frames_round_trip_and_are_refused_on_201() {
    let send = r#"[6,"a1","NotifyPeriodicEventStream",{"id":1,"pending":0,"basetime":"2024-01-01T00:00:00Z","data":[]}]"#;
    let cre = r#"[5,"a2","InternalError","could not process",{}]"#;
    for t in [send, cre] {
        let f = decode(t).unwrap();
        assert!(f.ocpp21_only());
        assert_eq!(decode(&f.encode()).unwrap(), f);
        assert!(decode_for(t, "ocpp2.1").is_ok());
        let e = decode_for(t, "ocpp2.0.1").unwrap_err();
        assert_eq!(e.reply_code(), ErrorCode::MessageTypeNotSupported);
        assert!(e.message_id().is_some());
    }
}

#[test]
fn unknown_error_code_is_kept_as_text() {
    let f = decode(r#"[4,"1","VendorSpecificThing","x",{}]"#).unwrap();
    let Frame::CallError { code, .. } = &f else {
        panic!()
    };
    assert_eq!(code, &ErrorCode::Other("VendorSpecificThing".into()));
    assert!(!code.is_listed());
    assert_eq!(
        ErrorCode::parse("FormatViolation"),
        ErrorCode::FormatViolation
    );
    assert_eq!(decode(&f.encode()).unwrap(), f);
}

#[test]
fn every_truncated_prefix_and_byte_mutation_is_handled() {
    for text in published() {
        let bytes = text.as_bytes();
        for n in 0..bytes.len() {
            let _ = decode(&text[..n]);
        }
        for i in 0..bytes.len() {
            for b in [
                0u8, b'"', b'[', b']', b'{', b'}', b',', b'0', b'9', b'-', b'x', b'\\', 0x7f, b' ',
            ] {
                let mut m = bytes.to_vec();
                m[i] = b;
                if let Ok(s) = std::str::from_utf8(&m) {
                    if let Ok(f) = decode(s) {
                        assert_eq!(decode(&f.encode()).unwrap(), f, "{s}");
                    }
                }
            }
        }
    }
}

#[test]
fn structural_errors_say_which_element() {
    let e = decode(r#"[3,"1",[]]"#).unwrap_err();
    assert_eq!(
        e.to_string(),
        r#"element 2 (payload) must be an object, found an array (message id "1")"#
    );
    assert_eq!(e.reply_code(), ErrorCode::FormatViolation);
    assert_eq!(e.message_id(), Some("1"));

    let e = decode(r#"[2,"7",5,{}]"#).unwrap_err();
    assert_eq!(
        e.to_string(),
        r#"element 2 (action) must be a string, found a number (message id "7")"#
    );
    assert_eq!(e.reply_code(), ErrorCode::RpcFrameworkError);

    let e = decode(r#"[2,"7","Heartbeat"]"#).unwrap_err();
    assert!(
        matches!(
            e,
            FrameError::Length {
                expected: 4,
                found: 3,
                ..
            }
        ),
        "{e}"
    );
    assert_eq!(e.message_id(), Some("7"));

    let e = decode(r#"[9,"abc",{}]"#).unwrap_err();
    assert_eq!(e.reply_code(), ErrorCode::MessageTypeNotSupported);
    assert_eq!(e.message_id(), Some("abc"));

    let e = decode(r#"["2","abc","Heartbeat",{}]"#).unwrap_err();
    assert_eq!(
        e.to_string(),
        r#"element 0 (message type) must be an integer, found "2""#
    );

    let e = decode(r#"{"a":1}"#).unwrap_err();
    assert_eq!(e.to_string(), "a frame is a JSON array, found an object");
    assert!(decode("[]").is_err());
}

#[test]
fn message_id_is_bounded() {
    let id = "x".repeat(37);
    let e = decode(&format!(r#"[2,"{id}","Heartbeat",{{}}]"#)).unwrap_err();
    assert!(matches!(e, FrameError::MessageId { .. }), "{e}");
    assert_eq!(e.message_id(), None);
    assert_eq!(e.reply_code(), ErrorCode::RpcFrameworkError);
    let ok = "x".repeat(36);
    assert!(decode(&format!(r#"[2,"{ok}","Heartbeat",{{}}]"#)).is_ok());
    assert!(matches!(
        decode(r#"[2,"","Heartbeat",{}]"#),
        Err(FrameError::MessageId { .. })
    ));
    assert!(matches!(
        decode(r#"[2,17,"Heartbeat",{}]"#),
        Err(FrameError::MessageId { .. })
    ));
}

#[test]
fn json_syntax_errors_give_line_and_column() {
    let e = decode("[2,\n\"1\",\n\"Heartbeat\" {}]").unwrap_err();
    let FrameError::Json { line, column, .. } = &e else {
        panic!("{e:?}")
    };
    assert_eq!((*line, *column), (3, 13));
    assert!(e.to_string().contains("at line 3 column 13"), "{e}");
    assert_eq!(e.reply_code(), ErrorCode::RpcFrameworkError);
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    let deep = format!(
        r#"[2,"1","X",{{"a":{}1{}}}]"#,
        "[".repeat(5000),
        "]".repeat(5000)
    );
    assert!(matches!(decode(&deep), Err(FrameError::Json { .. })));
}

#[test]
fn over_long_frame_is_refused_before_parsing() {
    // Not even valid JSON: the length check comes first.
    let big = "[".repeat(MAX_FRAME_BYTES + 1);
    assert_eq!(
        decode(&big).unwrap_err(),
        FrameError::TooLong {
            len: MAX_FRAME_BYTES + 1,
            max: MAX_FRAME_BYTES
        }
    );
}

#[test]
fn payload_errors_name_the_json_path_and_code() {
    let p = json!({"reason":"PowerUp","chargingStation":{"model":"M","vendorName":"V","serialNumber":"x".repeat(26)}});
    let e = decode_payload::<BootNotificationRequest>("BootNotification", &p).unwrap_err();
    assert_eq!(e.path, "chargingStation.serialNumber");
    assert!(
        e.to_string().starts_with(
            "BootNotification payload: chargingStation.serialNumber: invalid length 26"
        ),
        "{e}"
    );
    assert_eq!(e.reply_code(), ErrorCode::PropertyConstraintViolation);

    let p = json!({"reason":"PowerUp","chargingStation":{"model":5,"vendorName":"V"}});
    let e = decode_payload::<BootNotificationRequest>("BootNotification", &p).unwrap_err();
    assert_eq!(e.path, "chargingStation.model");
    assert_eq!(e.reply_code(), ErrorCode::TypeConstraintViolation);

    let p = json!({"reason":"PowerUp","chargingStation":{"model":"M"}});
    let e = decode_payload::<BootNotificationRequest>("BootNotification", &p).unwrap_err();
    assert_eq!(e.reply_code(), ErrorCode::OccurrenceConstraintViolation);
    assert!(e.message.contains("vendorName"), "{e}");

    let p = json!({"reason":"Sneezed","chargingStation":{"model":"M","vendorName":"V"}});
    let e = decode_payload::<BootNotificationRequest>("BootNotification", &p).unwrap_err();
    assert_eq!(e.path, "reason");
    assert_eq!(e.reply_code(), ErrorCode::PropertyConstraintViolation);
}

#[test]
fn validate_catches_what_types_cannot() {
    use ocpp_types::v201::AuthorizeRequest;
    let p = json!({"idToken":{"idToken":"ABC","type":"ISO14443"},"certificate":"-".repeat(6000)});
    assert!(decode_payload::<AuthorizeRequest>("Authorize", &p).is_ok());
    let e = decode_validated::<AuthorizeRequest>("Authorize", &p).unwrap_err();
    assert_eq!(e.path, "certificate");
    assert_eq!(e.reply_code(), ErrorCode::PropertyConstraintViolation);
    assert!(e.message.contains("5500"), "{e}");
}
