//! What every CAN backend hands back and the errors it reports. The frame
//! and identifier types are pure data and live beside the protocols
//! ([`crate::protocol::can`]); they are re-exported here.

pub use crate::protocol::can::{
    CanFrame, CanId, InvalidFrame, EXTENDED_ID_MAX, MAX_DATA_LEN, STANDARD_ID_MAX,
};
use std::time::Duration;
use thiserror::Error;

/// A frame as received, with the time it arrived. Which clock `timestamp`
/// counts on depends on the backend (its docs say): hardware backends give
/// time since the UNIX epoch, the emulated bus gives simulated time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Received {
    pub frame: CanFrame,
    pub timestamp: Duration,
}

/// Errors of the CAN transports. Each cause is its own variant so the CLI
/// can tell an installer what to fix.
#[derive(Debug, Error)]
pub enum CanError {
    /// ENODEV: the interface (e.g. `can0`) does not exist or is not up.
    #[error("no such CAN interface: {0}")]
    NoSuchInterface(String),
    /// EAFNOSUPPORT: the kernel was built without SocketCAN (or the `can` module is not loaded).
    #[error("this kernel has no CAN support (SocketCAN address family unavailable)")]
    NoKernelSupport,
    /// The adapter refused a command (SLCAN BEL reply) or answered nonsense.
    #[error("CAN adapter error: {0}")]
    Adapter(String),
    #[error("cannot open {port}: {reason}")]
    Open { port: String, reason: String },
    #[error("timed out after {after:?} waiting for {what}")]
    Timeout { what: String, after: Duration },
    #[error("i/o error on {link}: {source}")]
    Io {
        link: String,
        #[source]
        source: std::io::Error,
    },
    #[error("the CAN link closed")]
    Closed,
    #[error("invalid CAN frame: {0}")]
    InvalidFrame(String),
}

impl From<InvalidFrame> for CanError {
    fn from(e: InvalidFrame) -> Self {
        CanError::InvalidFrame(e.0)
    }
}
