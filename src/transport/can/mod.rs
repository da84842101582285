//! CAN transports: one [`CanBus`] trait for classic CAN frames and its
//! backends — SocketCAN (Linux `can0`/`vcan0`), SLCAN USB adapters over a
//! serial port, and the emulated bus of the emulated rig — plus wire timing
//! and candump logging shared by all of them.

pub mod candump;
pub mod emulated;
pub mod frame;
pub mod isotp;
pub mod pcapng;
pub mod recording;
pub mod slcan;
#[cfg(target_os = "linux")]
pub mod socketcan;

/// Wire timing of classic CAN frames (moved to [`crate::protocol::can`]).
pub use crate::protocol::can::timing;
pub use frame::{CanError, CanFrame, CanId, InvalidFrame, Received};
pub use recording::RecordingBus;

use std::time::Duration;

/// A CAN bus as one node sees it.
pub trait CanBus: Send {
    /// Queues `frame` for transmission (returns once the backend accepted it).
    fn send(&mut self, frame: &CanFrame) -> Result<(), CanError>;
    /// Waits up to `timeout` for a frame; `Ok(None)` if none came.
    fn recv(&mut self, timeout: Duration) -> Result<Option<Received>, CanError>;
    /// For messages: "socketcan can0", "slcan /dev/ttyACM0 @ 500 kbit/s", "emulated".
    fn describe(&self) -> String;
}

impl<B: CanBus + ?Sized> CanBus for Box<B> {
    fn send(&mut self, frame: &CanFrame) -> Result<(), CanError> {
        (**self).send(frame)
    }
    fn recv(&mut self, timeout: Duration) -> Result<Option<Received>, CanError> {
        (**self).recv(timeout)
    }
    fn describe(&self) -> String {
        (**self).describe()
    }
}
