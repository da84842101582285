//! Byte transports the drivers speak over: a serial port (tty or pty), a TCP
//! socket, or an in-memory link to an emulator (`emulator::SimLink`). Drivers
//! see only [`ByteLink`], so the same driver runs on hardware and emulator.

pub mod can;
pub mod serial;
pub mod tcp;
pub mod v2g;
pub mod ws;

use std::time::Duration;
use thiserror::Error;

/// How long a write may wait for the other side to take the bytes (a
/// peer that stopped reading fills the socket or tty buffers): a request
/// is a few hundred bytes, so anything longer means the peer is gone.
pub const WRITE_TIMEOUT: Duration = Duration::from_secs(2);

#[derive(Debug, Error)]
pub enum TransportError {
    #[error("timed out after {0:?} waiting for a reply")]
    Timeout(Duration),
    #[error("cannot open {port}: {reason}")]
    Open { port: String, reason: String },
    #[error("the link closed")]
    Closed,
    #[error("i/o error on {link}: {source}")]
    Io {
        link: String,
        #[source]
        source: std::io::Error,
    },
}

/// A full-duplex byte stream to one instrument.
pub trait ByteLink: Send {
    /// Sends all of `bytes`, or fails with `Timeout` once the peer has
    /// taken none for [`WRITE_TIMEOUT`].
    fn write_all(&mut self, bytes: &[u8]) -> Result<(), TransportError>;
    /// Waits up to `timeout` for at least one byte and returns how many were
    /// read into `buf`; `Err(Timeout)` if none came.
    fn read(&mut self, buf: &mut [u8], timeout: Duration) -> Result<usize, TransportError>;
    /// Discards anything received but not read (before a new transaction).
    fn clear_input(&mut self) -> Result<(), TransportError>;
    /// For messages: "/dev/ttyUSB0 @ 115200", "tcp 192.0.2.10:5025", "emulated".
    fn describe(&self) -> String;
    /// Told by the driver when one request and its reply (if any) are
    /// complete, so an evidence tap can journal the exchange as a whole
    /// (`evidence::tap`). Links that keep no evidence ignore it.
    fn exchanged(&mut self, _request: &[u8], _reply: Option<&[u8]>) {}
}
