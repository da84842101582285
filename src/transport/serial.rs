//! Serial ports (USB-RS485/RS232 adapters, pseudo-terminals) through `serialport`.

use super::{ByteLink, TransportError};
use std::io::{Read, Write};
use std::time::Duration;

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
        self.port.write_all(bytes).map_err(|e| self.io(e))?;
        self.port.flush().map_err(|e| self.io(e))
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
