//! Raw TCP sockets: SCPI on port 5025, Modbus TCP on 502.

use super::{ByteLink, TransportError, WRITE_TIMEOUT};
use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

pub struct TcpLink {
    stream: TcpStream,
    peer: String,
}

impl TcpLink {
    pub fn connect(addr: &str, timeout: Duration) -> Result<Self, TransportError> {
        let open_err = |reason: String| TransportError::Open {
            port: addr.to_string(),
            reason,
        };
        let sock = addr
            .to_socket_addrs()
            .map_err(|e| open_err(e.to_string()))?
            .next()
            .ok_or_else(|| open_err("address resolves to nothing".into()))?;
        let stream =
            TcpStream::connect_timeout(&sock, timeout).map_err(|e| open_err(e.to_string()))?;
        stream
            .set_nodelay(true)
            .map_err(|e| open_err(e.to_string()))?;
        // Reads set their own timeout per call; writes have this one.
        stream
            .set_write_timeout(Some(WRITE_TIMEOUT))
            .map_err(|e| open_err(e.to_string()))?;
        Ok(TcpLink {
            stream,
            peer: addr.to_string(),
        })
    }

    fn io(&self, source: std::io::Error) -> TransportError {
        TransportError::Io {
            link: self.describe(),
            source,
        }
    }
}

/// What a socket timeout looks like (EAGAIN on Linux, ETIMEDOUT elsewhere).
fn is_timeout(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
    )
}

impl ByteLink for TcpLink {
    fn write_all(&mut self, bytes: &[u8]) -> Result<(), TransportError> {
        match self.stream.write_all(bytes) {
            Ok(()) => Ok(()),
            Err(e) if is_timeout(&e) => Err(TransportError::Timeout(WRITE_TIMEOUT)),
            Err(e) => Err(self.io(e)),
        }
    }

    fn read(&mut self, buf: &mut [u8], timeout: Duration) -> Result<usize, TransportError> {
        let timeout = timeout.max(Duration::from_micros(1));
        self.stream
            .set_read_timeout(Some(timeout))
            .map_err(|e| self.io(e))?;
        match self.stream.read(buf) {
            Ok(0) => Err(TransportError::Closed),
            Ok(n) => Ok(n),
            Err(e) if is_timeout(&e) => Err(TransportError::Timeout(timeout)),
            Err(e) => Err(self.io(e)),
        }
    }

    fn clear_input(&mut self) -> Result<(), TransportError> {
        self.stream.set_nonblocking(true).map_err(|e| self.io(e))?;
        let mut scratch = [0u8; 512];
        loop {
            match self.stream.read(&mut scratch) {
                Ok(0) => break,
                Ok(_) => continue,
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
                Err(e) => {
                    let _ = self.stream.set_nonblocking(false);
                    return Err(self.io(e));
                }
            }
        }
        self.stream.set_nonblocking(false).map_err(|e| self.io(e))
    }

    fn describe(&self) -> String {
        format!("tcp {}", self.peer)
    }
}
