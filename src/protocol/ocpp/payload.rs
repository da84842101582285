//! Typed OCPP payloads: a frame's payload object to and from an
//! `ocpp_types::v201` / `v21` message, with errors that name the JSON path.
//!
//! `ocpp-types` bounds strings at the type level (`heapless::String<25>` for
//! a schema `maxLength: 25`), so an over-long field already fails to
//! deserialize here. Note that heapless counts *bytes* where the schema counts
//! characters: a non-ASCII value may be refused below its character limit.
//! What the types cannot express (minimum/maximum, minItems, bounds above
//! 512 characters held in a plain `String`) is checked by
//! [`decode_validated`] through `ocpp_types::validate::Validate`.

use super::rpc::ErrorCode;
use ocpp_types::validate::{ConstraintClass, Validate};
use serde::de::DeserializeOwned;
use serde_json::Value;
use thiserror::Error;

/// Why a payload is not the message its action names.
#[derive(Debug, Clone, PartialEq, Error)]
#[error("{action} payload: {path}: {message}")]
pub struct PayloadError {
    /// The action whose payload this was ("BootNotification").
    pub action: String,
    /// The JSON path of the offending value ("chargingStation.serialNumber"),
    /// or "(payload)" for the payload object itself.
    pub path: String,
    pub message: String,
    code: ErrorCode,
}

impl PayloadError {
    /// The CALLERROR code that answers this error (OCPP-J 2.0.1 §4.3):
    /// a value of the wrong JSON type → TypeConstraintViolation; a missing
    /// required field or an array of the wrong size →
    /// OccurrenceConstraintViolation; a string too long, an enum value not in
    /// the list, a number out of range → PropertyConstraintViolation;
    /// anything else → FormatViolation.
    pub fn reply_code(&self) -> ErrorCode {
        self.code.clone()
    }
}

/// Decodes `payload` (the object of a CALL, CALLRESULT or SEND for `action`)
/// into `T`, e.g. `ocpp_types::v201::BootNotificationRequest`.
pub fn decode_payload<T: DeserializeOwned>(
    action: &str,
    payload: &Value,
) -> Result<T, PayloadError> {
    serde_path_to_error::deserialize(payload).map_err(|e| {
        let path = path_text(&e.path().to_string());
        let message = e.inner().to_string();
        let code = classify(&message);
        PayloadError {
            action: action.to_string(),
            path,
            message,
            code,
        }
    })
}

/// [`decode_payload`], then the schema constraints the types do not carry.
pub fn decode_validated<T: DeserializeOwned + Validate>(
    action: &str,
    payload: &Value,
) -> Result<T, PayloadError> {
    let msg: T = decode_payload(action, payload)?;
    msg.validate().map_err(|e| {
        let full = e.to_string();
        // Display is "path: message" (or just "message" at the root).
        let (path, message) = match full.split_once(": ") {
            Some((p, m)) if !e.path().is_empty() => (p.to_string(), m.to_string()),
            _ => ("(payload)".to_string(), full.clone()),
        };
        let code = match e.kind().constraint_class() {
            ConstraintClass::Occurrence => ErrorCode::OccurrenceConstraintViolation,
            ConstraintClass::Property => ErrorCode::PropertyConstraintViolation,
        };
        PayloadError {
            action: action.to_string(),
            path,
            message,
            code,
        }
    })?;
    Ok(msg)
}

/// The JSON object a message serialises to. Serialising an `ocpp-types`
/// message cannot fail (string keys, finite numbers); should a caller's own
/// type fail anyway, the result is `null`, which the peer will refuse loudly
/// rather than this call panicking.
pub fn encode_payload<T: serde::Serialize>(msg: &T) -> Value {
    serde_json::to_value(msg).unwrap_or(Value::Null)
}

fn path_text(p: &str) -> String {
    if p.is_empty() || p == "." {
        "(payload)".to_string()
    } else {
        p.to_string()
    }
}

/// serde's error messages are the only classification it offers; these
/// prefixes are serde::de::Error's standard texts.
fn classify(message: &str) -> ErrorCode {
    if message.starts_with("invalid type") {
        ErrorCode::TypeConstraintViolation
    } else if message.starts_with("missing field") {
        ErrorCode::OccurrenceConstraintViolation
    } else if message.starts_with("invalid length") {
        // heapless::String says "a string no more than N bytes long";
        // heapless::Vec "a sequence ..." (maxItems).
        if message.contains("string") {
            ErrorCode::PropertyConstraintViolation
        } else {
            ErrorCode::OccurrenceConstraintViolation
        }
    } else if message.starts_with("unknown variant") || message.starts_with("invalid value") {
        ErrorCode::PropertyConstraintViolation
    } else {
        ErrorCode::FormatViolation
    }
}
