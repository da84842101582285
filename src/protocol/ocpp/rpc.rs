//! OCPP-J RPC frames (OCPP 2.0.1 Part 4 §4; OCPP 2.1 Part 4 adds types 5 and 6).
//!
//! ```text
//! [2, "<messageId>", "<action>", {payload}]                        CALL
//! [3, "<messageId>", {payload}]                                     CALLRESULT
//! [4, "<messageId>", "<errorCode>", "<errorDescription>", {details}] CALLERROR
//! [5, "<messageId>", "<errorCode>", "<errorDescription>", {details}] CALLRESULTERROR (2.1)
//! [6, "<messageId>", "<action>", {payload}]                        SEND (2.1)
//! ```
//!
//! [`decode`] bounds the text ([`MAX_FRAME_BYTES`]) before parsing it, so a
//! peer cannot make us parse megabytes; nesting is bounded by serde_json's
//! recursion limit (128 levels), which reports deeper input as a syntax error.
//! Every error says what is wrong and where, and carries the CALLERROR code a
//! receiver answers with ([`FrameError::reply_code`]) and the message id when
//! it could be read ([`FrameError::message_id`]).

use serde_json::Value;
use thiserror::Error;

/// The largest frame we parse (bytes of the WebSocket text message). OCPP
/// leaves the limit to the implementation; 64 KiB holds any 2.0.1 message
/// except a firmware-sized DataTransfer.
pub const MAX_FRAME_BYTES: usize = 65_536;

/// OCPP-J 2.0.1 §4.1.4: the message id is a string of at most 36 characters
/// (a UUID fits exactly).
pub const MAX_MESSAGE_ID_LEN: usize = 36;

/// Message type numbers (OCPP-J 2.0.1 §4.1.3, OCPP 2.1 Part 4 §4.1.3).
const CALL: u64 = 2;
const CALLRESULT: u64 = 3;
const CALLERROR: u64 = 4;
const CALLRESULTERROR: u64 = 5;
const SEND: u64 = 6;

/// One OCPP-J message.
#[derive(Debug, Clone, PartialEq)]
pub enum Frame {
    /// `[2, id, action, {}]`: a request that the peer must answer.
    Call {
        message_id: String,
        action: String,
        payload: Value,
    },
    /// `[3, id, {}]`: the answer to a CALL.
    CallResult { message_id: String, payload: Value },
    /// `[4, id, code, description, {}]`: a CALL that could not be answered.
    CallError {
        message_id: String,
        code: ErrorCode,
        description: String,
        details: Value,
    },
    /// `[5, id, code, description, {}]`, OCPP 2.1 only: a CALLRESULT the
    /// receiver could not process.
    CallResultError {
        message_id: String,
        code: ErrorCode,
        description: String,
        details: Value,
    },
    /// `[6, id, action, {}]`, OCPP 2.1 only: a message that gets no answer.
    Send {
        message_id: String,
        action: String,
        payload: Value,
    },
}

impl Frame {
    pub fn message_id(&self) -> &str {
        match self {
            Frame::Call { message_id, .. }
            | Frame::CallResult { message_id, .. }
            | Frame::CallError { message_id, .. }
            | Frame::CallResultError { message_id, .. }
            | Frame::Send { message_id, .. } => message_id,
        }
    }

    /// The message type number (2..=6).
    pub fn message_type(&self) -> u8 {
        match self {
            Frame::Call { .. } => CALL as u8,
            Frame::CallResult { .. } => CALLRESULT as u8,
            Frame::CallError { .. } => CALLERROR as u8,
            Frame::CallResultError { .. } => CALLRESULTERROR as u8,
            Frame::Send { .. } => SEND as u8,
        }
    }

    /// CALLRESULTERROR and SEND exist only in OCPP 2.1; an `ocpp2.0.1`
    /// connection answers them with MessageTypeNotSupported ([`decode_for`]).
    pub fn ocpp21_only(&self) -> bool {
        matches!(self, Frame::CallResultError { .. } | Frame::Send { .. })
    }

    /// The frame as JSON text. Whatever [`decode`] accepted encodes to text
    /// that decodes to the same frame.
    pub fn encode(&self) -> String {
        let v = match self {
            Frame::Call {
                message_id,
                action,
                payload,
            } => Value::Array(vec![
                CALL.into(),
                message_id.as_str().into(),
                action.as_str().into(),
                payload.clone(),
            ]),
            Frame::CallResult {
                message_id,
                payload,
            } => Value::Array(vec![
                CALLRESULT.into(),
                message_id.as_str().into(),
                payload.clone(),
            ]),
            Frame::CallError {
                message_id,
                code,
                description,
                details,
            } => error_array(CALLERROR, message_id, code, description, details),
            Frame::CallResultError {
                message_id,
                code,
                description,
                details,
            } => error_array(CALLRESULTERROR, message_id, code, description, details),
            Frame::Send {
                message_id,
                action,
                payload,
            } => Value::Array(vec![
                SEND.into(),
                message_id.as_str().into(),
                action.as_str().into(),
                payload.clone(),
            ]),
        };
        v.to_string()
    }
}

fn error_array(kind: u64, id: &str, code: &ErrorCode, description: &str, details: &Value) -> Value {
    Value::Array(vec![
        kind.into(),
        id.into(),
        code.as_str().into(),
        description.into(),
        details.clone(),
    ])
}

/// CALLERROR codes (OCPP-J 2.0.1 §4.3, Table "Valid Error Codes"; 2.1 keeps
/// the same set). A code outside the table decodes to [`ErrorCode::Other`]
/// with its text kept, so a peer's mistake is reported as it was sent and a
/// decoded frame re-encodes byte-for-byte the same code; when *we* answer,
/// we only ever send the listed codes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    FormatViolation,
    GenericError,
    InternalError,
    MessageTypeNotSupported,
    NotImplemented,
    NotSupported,
    OccurrenceConstraintViolation,
    PropertyConstraintViolation,
    ProtocolError,
    RpcFrameworkError,
    SecurityError,
    TypeConstraintViolation,
    /// A code not in the table, as the peer wrote it.
    Other(String),
}

const KNOWN_CODES: [ErrorCode; 12] = [
    ErrorCode::FormatViolation,
    ErrorCode::GenericError,
    ErrorCode::InternalError,
    ErrorCode::MessageTypeNotSupported,
    ErrorCode::NotImplemented,
    ErrorCode::NotSupported,
    ErrorCode::OccurrenceConstraintViolation,
    ErrorCode::PropertyConstraintViolation,
    ErrorCode::ProtocolError,
    ErrorCode::RpcFrameworkError,
    ErrorCode::SecurityError,
    ErrorCode::TypeConstraintViolation,
];

impl ErrorCode {
    pub fn as_str(&self) -> &str {
        match self {
            ErrorCode::FormatViolation => "FormatViolation",
            ErrorCode::GenericError => "GenericError",
            ErrorCode::InternalError => "InternalError",
            ErrorCode::MessageTypeNotSupported => "MessageTypeNotSupported",
            ErrorCode::NotImplemented => "NotImplemented",
            ErrorCode::NotSupported => "NotSupported",
            ErrorCode::OccurrenceConstraintViolation => "OccurrenceConstraintViolation",
            ErrorCode::PropertyConstraintViolation => "PropertyConstraintViolation",
            ErrorCode::ProtocolError => "ProtocolError",
            ErrorCode::RpcFrameworkError => "RpcFrameworkError",
            ErrorCode::SecurityError => "SecurityError",
            ErrorCode::TypeConstraintViolation => "TypeConstraintViolation",
            ErrorCode::Other(s) => s,
        }
    }

    /// Never fails: an unlisted code is [`ErrorCode::Other`].
    pub fn parse(s: &str) -> ErrorCode {
        KNOWN_CODES
            .iter()
            .find(|c| c.as_str() == s)
            .cloned()
            .unwrap_or_else(|| ErrorCode::Other(s.to_string()))
    }

    /// Whether the code is one of the table's (what we may send).
    pub fn is_listed(&self) -> bool {
        !matches!(self, ErrorCode::Other(_))
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a text message is not an OCPP-J frame.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum FrameError {
    #[error("frame is {len} bytes, more than the {max} accepted; not parsed")]
    TooLong { len: usize, max: usize },
    #[error("not JSON: {message} at line {line} column {column}")]
    Json {
        line: usize,
        column: usize,
        message: String,
    },
    #[error("a frame is a JSON array, found {found}")]
    NotArray { found: &'static str },
    #[error("element 0 (message type) must be an integer, found {found}")]
    MessageTypeNotInteger { found: String },
    #[error("message type {number} is not supported{}", on_id(.message_id))]
    UnsupportedMessageType {
        number: String,
        message_id: Option<String>,
    },
    #[error("a {kind} frame has {expected} elements, found {found}{}", on_id(.message_id))]
    Length {
        kind: &'static str,
        expected: usize,
        found: usize,
        message_id: Option<String>,
    },
    #[error("element 1 (message id) must be a string of 1 to {MAX_MESSAGE_ID_LEN} characters, found {found}")]
    MessageId { found: String },
    #[error("element {index} ({name}) must be {expected}, found {found}{}", on_id(.message_id))]
    Element {
        index: usize,
        name: &'static str,
        expected: &'static str,
        found: &'static str,
        message_id: Option<String>,
    },
}

fn on_id(id: &Option<String>) -> String {
    id.as_ref()
        .map(|i| format!(" (message id {i:?})"))
        .unwrap_or_default()
}

impl FrameError {
    /// The CALLERROR code that answers this error (OCPP-J 2.0.1 §4.3): a
    /// frame that cannot be read as an RPC is RpcFrameworkError, an unknown
    /// type number MessageTypeNotSupported, a payload that is not an object
    /// FormatViolation.
    pub fn reply_code(&self) -> ErrorCode {
        match self {
            FrameError::UnsupportedMessageType { .. } => ErrorCode::MessageTypeNotSupported,
            FrameError::Element {
                name: "payload", ..
            } => ErrorCode::FormatViolation,
            _ => ErrorCode::RpcFrameworkError,
        }
    }

    /// The message id, when it could be read, so the receiver can answer with
    /// a CALLERROR carrying it. When it is `None` there is no id to answer
    /// to; OCPP 2.0.1 (errata) has the receiver use `"-1"` then.
    pub fn message_id(&self) -> Option<&str> {
        match self {
            FrameError::UnsupportedMessageType { message_id, .. }
            | FrameError::Length { message_id, .. }
            | FrameError::Element { message_id, .. } => message_id.as_deref(),
            _ => None,
        }
    }
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Describes a value briefly for an error message (at most ~40 characters).
fn brief(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() <= 40 {
        s
    } else {
        let head: String = s.chars().take(37).collect();
        format!("{head}...")
    }
}

/// Reads one OCPP-J frame from the text of a WebSocket message.
pub fn decode(text: &str) -> Result<Frame, FrameError> {
    if text.len() > MAX_FRAME_BYTES {
        return Err(FrameError::TooLong {
            len: text.len(),
            max: MAX_FRAME_BYTES,
        });
    }
    let value: Value = serde_json::from_str(text).map_err(|e| FrameError::Json {
        line: e.line(),
        column: e.column(),
        message: json_message(&e),
    })?;
    let Value::Array(items) = value else {
        return Err(FrameError::NotArray {
            found: kind_of(&value),
        });
    };
    let Some(first) = items.first() else {
        return Err(FrameError::MessageTypeNotInteger {
            found: "nothing (empty array)".into(),
        });
    };
    let number = match first {
        Value::Number(n) if n.is_u64() || n.is_i64() => n,
        other => {
            return Err(FrameError::MessageTypeNotInteger {
                found: brief(other),
            })
        }
    };
    // The id is read before the rest so every later error can carry it.
    let id = read_id(items.get(1));
    let kind = match number.as_u64() {
        Some(CALL) => "CALL",
        Some(CALLRESULT) => "CALLRESULT",
        Some(CALLERROR) => "CALLERROR",
        Some(CALLRESULTERROR) => "CALLRESULTERROR",
        Some(SEND) => "SEND",
        _ => {
            return Err(FrameError::UnsupportedMessageType {
                number: number.to_string(),
                message_id: id.ok(),
            })
        }
    };
    let expected = match kind {
        "CALLRESULT" => 3,
        "CALL" | "SEND" => 4,
        _ => 5,
    };
    if items.len() != expected {
        return Err(FrameError::Length {
            kind,
            expected,
            found: items.len(),
            message_id: id.ok(),
        });
    }
    let message_id = id?;
    let el = Elements {
        items: &items,
        id: &message_id,
    };
    let frame = match kind {
        "CALL" | "SEND" => {
            let action = el.string(2, "action", true)?;
            let payload = el.object(3, "payload")?;
            if kind == "CALL" {
                Frame::Call {
                    message_id,
                    action,
                    payload,
                }
            } else {
                Frame::Send {
                    message_id,
                    action,
                    payload,
                }
            }
        }
        "CALLRESULT" => {
            let payload = el.object(2, "payload")?;
            Frame::CallResult {
                message_id,
                payload,
            }
        }
        _ => {
            let code = ErrorCode::parse(&el.string(2, "error code", true)?);
            let description = el.string(3, "error description", false)?;
            let details = el.object(4, "error details")?;
            if kind == "CALLERROR" {
                Frame::CallError {
                    message_id,
                    code,
                    description,
                    details,
                }
            } else {
                Frame::CallResultError {
                    message_id,
                    code,
                    description,
                    details,
                }
            }
        }
    };
    Ok(frame)
}

/// Like [`decode`], for a connection that negotiated `subprotocol`: on
/// anything but `ocpp2.1`, the 2.1-only types 5 and 6 are refused as
/// MessageTypeNotSupported (OCPP-J 2.0.1 §4.1.3 knows only 2, 3 and 4).
pub fn decode_for(text: &str, subprotocol: &str) -> Result<Frame, FrameError> {
    let frame = decode(text)?;
    if frame.ocpp21_only() && subprotocol != "ocpp2.1" {
        return Err(FrameError::UnsupportedMessageType {
            number: frame.message_type().to_string(),
            message_id: Some(frame.message_id().to_string()),
        });
    }
    Ok(frame)
}

/// serde_json's message without its own " at line L column C" suffix (we
/// say where ourselves).
fn json_message(e: &serde_json::Error) -> String {
    let s = e.to_string();
    match s.rfind(" at line ") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

fn read_id(v: Option<&Value>) -> Result<String, FrameError> {
    match v {
        Some(Value::String(s)) if !s.is_empty() && s.chars().count() <= MAX_MESSAGE_ID_LEN => {
            Ok(s.clone())
        }
        Some(Value::String(s)) if s.is_empty() => Err(FrameError::MessageId {
            found: "an empty string".into(),
        }),
        Some(Value::String(s)) => Err(FrameError::MessageId {
            found: format!("{} characters", s.chars().count()),
        }),
        Some(other) => Err(FrameError::MessageId {
            found: kind_of(other).into(),
        }),
        None => Err(FrameError::MessageId {
            found: "nothing".into(),
        }),
    }
}

struct Elements<'a> {
    items: &'a [Value],
    id: &'a str,
}

impl Elements<'_> {
    fn wrong(
        &self,
        index: usize,
        name: &'static str,
        expected: &'static str,
        found: &'static str,
    ) -> FrameError {
        FrameError::Element {
            index,
            name,
            expected,
            found,
            message_id: Some(self.id.to_string()),
        }
    }

    fn string(
        &self,
        index: usize,
        name: &'static str,
        non_empty: bool,
    ) -> Result<String, FrameError> {
        match self.items.get(index) {
            Some(Value::String(s)) if non_empty && s.is_empty() => {
                Err(self.wrong(index, name, "a non-empty string", "an empty string"))
            }
            Some(Value::String(s)) => Ok(s.clone()),
            Some(other) => Err(self.wrong(index, name, "a string", kind_of(other))),
            None => Err(self.wrong(index, name, "a string", "nothing")),
        }
    }

    fn object(&self, index: usize, name: &'static str) -> Result<Value, FrameError> {
        match self.items.get(index) {
            Some(v @ Value::Object(_)) => Ok(v.clone()),
            Some(other) => Err(self.wrong(index, name, "an object", kind_of(other))),
            None => Err(self.wrong(index, name, "an object", "nothing")),
        }
    }
}
