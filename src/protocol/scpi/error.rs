//! SCPI error-queue entries: `<code>,"<message>"` (SCPI-99 Vol. 2 §21.8,
//! IEEE 488.2 §11.5.1). Codes are the standard negative numbers; 0 is
//! "No error".

use std::fmt;

/// A standard SCPI error number with its standard message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ErrorCode {
    pub code: i32,
    pub message: &'static str,
}

impl ErrorCode {
    // SCPI-99 Vol. 2 §21.8.9 command errors (-100..-199).
    pub const NO_ERROR: ErrorCode = ErrorCode::new(0, "No error");
    pub const COMMAND_ERROR: ErrorCode = ErrorCode::new(-100, "Command error");
    pub const INVALID_CHARACTER: ErrorCode = ErrorCode::new(-101, "Invalid character");
    pub const SYNTAX_ERROR: ErrorCode = ErrorCode::new(-102, "Syntax error");
    pub const INVALID_SEPARATOR: ErrorCode = ErrorCode::new(-103, "Invalid separator");
    pub const DATA_TYPE_ERROR: ErrorCode = ErrorCode::new(-104, "Data type error");
    pub const PARAMETER_NOT_ALLOWED: ErrorCode = ErrorCode::new(-108, "Parameter not allowed");
    pub const MISSING_PARAMETER: ErrorCode = ErrorCode::new(-109, "Missing parameter");
    pub const HEADER_SUFFIX_OUT_OF_RANGE: ErrorCode =
        ErrorCode::new(-114, "Header suffix out of range");
    pub const UNDEFINED_HEADER: ErrorCode = ErrorCode::new(-113, "Undefined header");
    pub const NUMERIC_DATA_ERROR: ErrorCode = ErrorCode::new(-120, "Numeric data error");
    pub const INVALID_SUFFIX: ErrorCode = ErrorCode::new(-131, "Invalid suffix");
    pub const CHARACTER_DATA_ERROR: ErrorCode = ErrorCode::new(-140, "Character data error");
    pub const ILLEGAL_PARAMETER_VALUE: ErrorCode = ErrorCode::new(-224, "Illegal parameter value");
    pub const STRING_DATA_ERROR: ErrorCode = ErrorCode::new(-150, "String data error");
    pub const BLOCK_DATA_ERROR: ErrorCode = ErrorCode::new(-160, "Block data error");
    // §21.8.10 execution errors (-200..-299).
    pub const EXECUTION_ERROR: ErrorCode = ErrorCode::new(-200, "Execution error");
    pub const SETTINGS_CONFLICT: ErrorCode = ErrorCode::new(-221, "Settings conflict");
    pub const DATA_OUT_OF_RANGE: ErrorCode = ErrorCode::new(-222, "Data out of range");
    pub const DATA_STALE: ErrorCode = ErrorCode::new(-230, "Data corrupt or stale");
    pub const HARDWARE_ERROR: ErrorCode = ErrorCode::new(-240, "Hardware error");
    // §21.8.11 device-specific errors (-300..-399).
    pub const DEVICE_SPECIFIC_ERROR: ErrorCode = ErrorCode::new(-300, "Device-specific error");
    pub const QUEUE_OVERFLOW: ErrorCode = ErrorCode::new(-350, "Queue overflow");
    pub const INPUT_BUFFER_OVERRUN: ErrorCode = ErrorCode::new(-363, "Input buffer overrun");
    // §21.8.12 query errors (-400..-499).
    pub const QUERY_INTERRUPTED: ErrorCode = ErrorCode::new(-410, "Query INTERRUPTED");

    pub const fn new(code: i32, message: &'static str) -> Self {
        ErrorCode { code, message }
    }

    /// The error-queue entry for this code.
    pub fn entry(self) -> ErrorEntry {
        ErrorEntry {
            code: self.code,
            message: self.message.to_string(),
        }
    }
}

/// One entry of an instrument's error queue, as `SYST:ERR?` returns it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorEntry {
    pub code: i32,
    pub message: String,
}

impl ErrorEntry {
    pub fn is_no_error(&self) -> bool {
        self.code == 0
    }

    /// Parses `-113,"Undefined header"` (a message may carry `;detail`
    /// inside the quotes, SCPI-99 §21.8.2; it is kept verbatim). Returns
    /// `None` for anything else.
    pub fn parse(text: &str) -> Option<ErrorEntry> {
        let text = text.trim();
        let (num, rest) = text.split_once(',')?;
        let code: i32 = num.trim().trim_start_matches('+').parse().ok()?;
        let message = super::response::parse_string(rest.trim())?;
        Some(ErrorEntry { code, message })
    }
}

impl fmt::Display for ErrorEntry {
    /// Formats the queue entry, doubling embedded quotes (IEEE 488.2 §8.7.8).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{},{}",
            self.code,
            super::response::format_string(&self.message)
        )
    }
}
