//! TLS over a non-blocking byte stream, as a non-blocking byte stream.
//!
//! rustls is sans-I/O; this pumps records between a [`rustls::Connection`]
//! and the stream under it whenever the owner reads or writes, so the
//! handshake advances on the owner's cadence: the vehicle's 100 ms tick and
//! the emulated SECC's 50 ms wake in simulated time, or a TCP socket on
//! hardware. Nothing here waits: a read with no plaintext ready is
//! `WouldBlock`, a write is buffered by rustls (its plaintext buffer sends
//! once the handshake completes) and pushed out as far as the stream takes.

use super::connection::Stream;
use std::io::{self, ErrorKind, Read, Write};

pub struct NonBlockingTls {
    tls: rustls::Connection,
    io: Box<dyn Stream>,
    /// The peer closed the TCP stream (or sent close_notify).
    eof: bool,
}

impl NonBlockingTls {
    pub fn new(tls: impl Into<rustls::Connection>, io: Box<dyn Stream>) -> Self {
        Self {
            tls: tls.into(),
            io,
            eof: false,
        }
    }

    pub fn is_handshaking(&self) -> bool {
        self.tls.is_handshaking()
    }

    /// The negotiated version, once the handshake is done.
    pub fn protocol_version(&self) -> Option<rustls::ProtocolVersion> {
        self.tls.protocol_version()
    }

    /// Takes what the peer sent and sends what rustls has queued. A TLS
    /// alert or bad record is an error (the connection is unusable).
    fn pump(&mut self) -> io::Result<()> {
        while !self.eof && self.tls.wants_read() {
            match self.tls.read_tls(&mut self.io) {
                Ok(0) => self.eof = true,
                Ok(_) => {
                    if let Err(e) = self.tls.process_new_packets() {
                        // Let the peer hear the alert before failing.
                        let _ = self.flush_tls();
                        return Err(io::Error::new(ErrorKind::InvalidData, e));
                    }
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        self.flush_tls()
    }

    fn flush_tls(&mut self) -> io::Result<()> {
        while self.tls.wants_write() {
            match self.tls.write_tls(&mut self.io) {
                Ok(0) => return Err(ErrorKind::WriteZero.into()),
                Ok(_) => {}
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }
}

impl Read for NonBlockingTls {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.pump()?;
        match self.tls.reader().read(buf) {
            Ok(n) => Ok(n),
            // No plaintext yet; the stream's end without close_notify is
            // a truncation, reported as the end all the same.
            Err(e) if e.kind() == ErrorKind::WouldBlock && self.eof => Ok(0),
            Err(e) if e.kind() == ErrorKind::UnexpectedEof => Ok(0),
            Err(e) => Err(e),
        }
    }
}

impl Write for NonBlockingTls {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.tls.writer().write(buf)?;
        self.pump()?;
        if n == 0 && !buf.is_empty() {
            // rustls' plaintext buffer is full: the stream is not taking.
            return Err(ErrorKind::WouldBlock.into());
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.pump()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::ws::memory_pipe;

    #[test]
    fn a_handshake_advances_on_each_side_s_turn_and_carries_bytes() {
        let pki = crate::emulator::v2g_pki::EmulatedV2gPki::generate().unwrap();
        let client = rustls::ClientConnection::new(
            super::super::tls::client_config(std::slice::from_ref(&pki.root)).unwrap(),
            rustls::pki_types::ServerName::IpAddress(
                std::net::Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 1).into(),
            ),
        )
        .unwrap();
        let server = rustls::ServerConnection::new(pki.server_config.clone()).unwrap();
        let (a, b) = memory_pipe();
        let mut ev = NonBlockingTls::new(client, Box::new(a));
        let mut secc = NonBlockingTls::new(server, Box::new(b));
        // Written before the handshake: held, and sent once it completes.
        ev.write_all(b"\x01\xfe\x80\x01").unwrap();
        let mut got = Vec::new();
        let mut buf = [0u8; 64];
        for _ in 0..10 {
            let _ = ev.read(&mut buf);
            match secc.read(&mut buf) {
                Ok(n) => got.extend_from_slice(&buf[..n]),
                Err(e) => assert_eq!(e.kind(), ErrorKind::WouldBlock),
            }
        }
        assert_eq!(got, b"\x01\xfe\x80\x01");
        assert!(!ev.is_handshaking() && !secc.is_handshaking());
        assert_eq!(
            ev.protocol_version(),
            Some(rustls::ProtocolVersion::TLSv1_3)
        );
    }

    #[test]
    fn an_untrusted_secc_fails_the_handshake() {
        let trusted = crate::emulator::v2g_pki::EmulatedV2gPki::generate().unwrap();
        let other = crate::emulator::v2g_pki::EmulatedV2gPki::generate_named("Another V2G Root CA")
            .unwrap();
        let client = rustls::ClientConnection::new(
            super::super::tls::client_config(std::slice::from_ref(&trusted.root)).unwrap(),
            rustls::pki_types::ServerName::IpAddress(std::net::Ipv6Addr::LOCALHOST.into()),
        )
        .unwrap();
        let server = rustls::ServerConnection::new(other.server_config.clone()).unwrap();
        let (a, b) = memory_pipe();
        let mut ev = NonBlockingTls::new(client, Box::new(a));
        let mut secc = NonBlockingTls::new(server, Box::new(b));
        let mut buf = [0u8; 64];
        let mut failure = None;
        for _ in 0..10 {
            if let Err(e) = ev.read(&mut buf) {
                if e.kind() != ErrorKind::WouldBlock {
                    failure = Some(e);
                    break;
                }
            }
            let _ = secc.read(&mut buf);
        }
        let e = failure.expect("the vehicle refuses the SECC");
        assert_eq!(e.kind(), ErrorKind::InvalidData);
        assert!(e.to_string().contains("invalid peer certificate"), "{e}");
    }
}
