//! Serial ports (USB-RS485/RS232 adapters, pseudo-terminals) through `serialport`.

use super::{ByteLink, TransportError, WRITE_TIMEOUT};
use std::io::Read;
use std::time::{Duration, Instant};

/// Writes all of `bytes` to a serial port within `timeout` in all, however
/// the kernel splits the writes (`serialport`'s own timeout is per call);
/// `TimedOut` once the port has taken no more in time.
pub(crate) fn write_within(
    port: &mut dyn serialport::SerialPort,
    bytes: &[u8],
    timeout: Duration,
) -> std::io::Result<()> {
    let deadline = Instant::now() + timeout;
    let mut rest = bytes;
    while !rest.is_empty() {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "the port took no more bytes",
            ));
        }
        port.set_timeout(left).map_err(std::io::Error::other)?;
        match port.write(rest) {
            Ok(0) => return Err(std::io::ErrorKind::WriteZero.into()),
            Ok(n) => rest = rest.get(n..).unwrap_or_default(),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    port.flush()
}

pub struct SerialLink {
    port: Box<dyn serialport::SerialPort>,
    name: String,
    baud: u32,
}

impl SerialLink {
    pub fn open(path: &str, baud: u32) -> Result<Self, TransportError> {
        let port = serialport::new(path, baud)
            .timeout(Duration::from_millis(100))
            .open()
            .map_err(|e| TransportError::Open {
                port: path.to_string(),
                reason: e.to_string(),
            })?;
        Ok(SerialLink {
            port,
            name: path.to_string(),
            baud,
        })
    }

    fn io(&self, source: std::io::Error) -> TransportError {
        TransportError::Io {
            link: self.describe(),
            source,
        }
    }
}

impl ByteLink for SerialLink {
    fn write_all(&mut self, bytes: &[u8]) -> Result<(), TransportError> {
        match write_within(self.port.as_mut(), bytes, WRITE_TIMEOUT) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {
                Err(TransportError::Timeout(WRITE_TIMEOUT))
            }
            Err(e) => Err(self.io(e)),
        }
    }

    fn read(&mut self, buf: &mut [u8], timeout: Duration) -> Result<usize, TransportError> {
        self.port
            .set_timeout(timeout)
            .map_err(|e| self.io(std::io::Error::other(e)))?;
        match self.port.read(buf) {
            Ok(0) => Err(TransportError::Closed),
            Ok(n) => Ok(n),
            Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {
                Err(TransportError::Timeout(timeout))
            }
            Err(e) => Err(self.io(e)),
        }
    }

    fn clear_input(&mut self) -> Result<(), TransportError> {
        self.port
            .clear(serialport::ClearBuffer::Input)
            .map_err(|e| self.io(std::io::Error::other(e)))
    }

    fn describe(&self) -> String {
        format!("{} @ {} baud", self.name, self.baud)
    }
}
