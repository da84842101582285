//! SCPI (IEEE 488.2) message encode/decode: program messages with the
//! header-path rules, parameters, response data, the error queue's entry
//! format, and the instrument dialects shared by drivers and emulators.
//! Pure: no I/O, never panics on any input.

pub mod command;
pub mod dialect;
pub mod error;
pub mod message;
pub mod response;

pub use command::{boolean, numeric, Numeric, PathResolver, Pattern, Resolved};
pub use error::{ErrorCode, ErrorEntry};
pub use message::{
    expand_channels, find_message_end, parse_message, ChannelRange, Header, Node, Param,
    ProgramUnit,
};

#[cfg(test)]
mod tests;
