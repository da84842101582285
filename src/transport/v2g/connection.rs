//! Whole V2GTP messages over a non-blocking byte stream: a TCP socket, TLS
//! over it, or the emulated rig's in-memory pipe.
//!
//! [`V2gConnection::poll`] never blocks: it writes what the stream takes and
//! returns a message once one is whole, so the emulated rig can service the
//! link from its simulated-time loop. [`V2gConnection::recv`] and
//! [`V2gConnection::exchange`] wait on wall time for hardware, each with a
//! deadline. A header the [`FrameSplitter`] refuses ends the connection
//! (ISO 15118-2 §7.8.3.2: a V2GTP header that cannot be processed closes
//! the TCP connection).

use super::discovery::describe_addr;
use super::V2gTransportError;
use crate::protocol::v2gtp::{FrameSplitter, Limits, Message};
use rustls::pki_types::ServerName;
use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A byte stream V2GTP can run over; reads and writes must not block
/// (`ErrorKind::WouldBlock` when there is nothing to do).
pub trait Stream: Read + Write + Send {}
impl<T: Read + Write + Send> Stream for T {}

/// How long the wall-time waits sleep between looks at the stream.
const WALL_POLL: Duration = Duration::from_millis(1);
/// Bytes read per call.
const READ_CHUNK: usize = 4096;

/// A V2GTP connection, EVCC or SECC side.
pub struct V2gConnection {
    stream: Box<dyn Stream>,
    splitter: FrameSplitter,
    /// Framed bytes the stream has not yet taken.
    outbox: Vec<u8>,
    peer: String,
    closed: bool,
}

impl std::fmt::Debug for V2gConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("V2gConnection")
            .field("peer", &self.peer)
            .field("unsent", &self.outbox.len())
            .field("buffered", &self.splitter.buffered())
            .field("closed", &self.closed)
            .finish()
    }
}

impl V2gConnection {
    /// Wraps a connected non-blocking `stream`; `peer` names it in errors
    /// ("tls [fe80::1%3]:50000", "emulated SECC").
    pub fn new(stream: Box<dyn Stream>, peer: impl Into<String>, limits: Limits) -> Self {
        Self {
            stream,
            splitter: FrameSplitter::new(limits),
            outbox: Vec::new(),
            peer: peer.into(),
            closed: false,
        }
    }

    pub fn peer(&self) -> &str {
        &self.peer
    }

    /// Whether the connection has ended (closed by the peer, or a framing
    /// or I/O error).
    pub fn is_closed(&self) -> bool {
        self.closed
    }

    /// Framed bytes queued but not yet taken by the stream.
    pub fn unsent(&self) -> usize {
        self.outbox.len()
    }

    fn closed_err(&self) -> V2gTransportError {
        V2gTransportError::Closed {
            peer: self.peer.clone(),
        }
    }

    fn fail(&mut self, e: std::io::Error) -> V2gTransportError {
        self.closed = true;
        io_error(&self.peer, e)
    }

    /// Frames `message` and queues it; writes as much as the stream takes
    /// now. The rest goes out on later polls.
    pub fn send(&mut self, message: &Message) -> Result<(), V2gTransportError> {
        if self.closed {
            return Err(self.closed_err());
        }
        let frame = message
            .encode()
            .map_err(|source| V2gTransportError::Encode {
                peer: self.peer.clone(),
                source,
            })?;
        self.outbox.extend_from_slice(&frame);
        self.write_some().map(|_| ())
    }

    /// Writes queued bytes until the stream would block; true when none
    /// are left.
    fn write_some(&mut self) -> Result<bool, V2gTransportError> {
        while !self.outbox.is_empty() {
            match self.stream.write(&self.outbox) {
                Ok(0) => {
                    self.closed = true;
                    return Err(self.closed_err());
                }
                Ok(n) => {
                    self.outbox.drain(..n.min(self.outbox.len()));
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                Err(e) => return Err(self.fail(e)),
            }
        }
        // TLS keeps records of its own until the socket takes them.
        match self.stream.flush() {
            Ok(()) => {}
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::Interrupted) => {}
            Err(e) => return Err(self.fail(e)),
        }
        Ok(self.outbox.is_empty())
    }

    fn take(&mut self) -> Result<Option<Message>, V2gTransportError> {
        match self.splitter.next_message() {
            None => Ok(None),
            Some(Ok(m)) => Ok(Some(m)),
            Some(Err(source)) => {
                self.closed = true;
                Err(V2gTransportError::Framing {
                    peer: self.peer.clone(),
                    source,
                })
            }
        }
    }

    /// Writes what is queued, reads what has arrived, and returns the next
    /// whole message if there is one. Never blocks.
    pub fn poll(&mut self) -> Result<Option<Message>, V2gTransportError> {
        if let Some(m) = self.take()? {
            return Ok(Some(m));
        }
        if self.closed {
            return Err(self.closed_err());
        }
        self.write_some()?;
        let mut buf = [0u8; READ_CHUNK];
        loop {
            match self.stream.read(&mut buf) {
                Ok(0) => {
                    self.closed = true;
                    return Err(self.closed_err());
                }
                Ok(n) => {
                    self.splitter.push(buf.get(..n).unwrap_or(&[]));
                    if let Some(m) = self.take()? {
                        return Ok(Some(m));
                    }
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) if e.kind() == ErrorKind::WouldBlock => {
                    // A TLS handshake or a write that was waiting for the
                    // socket may have moved on with this read.
                    self.write_some()?;
                    return Ok(None);
                }
                Err(e) if e.kind() == ErrorKind::UnexpectedEof => {
                    self.closed = true;
                    return Err(self.closed_err());
                }
                Err(e) => return Err(self.fail(e)),
            }
        }
    }

    /// Waits on wall time, at most `timeout`, until every queued byte has
    /// been taken by the stream.
    pub fn flush(&mut self, timeout: Duration) -> Result<(), V2gTransportError> {
        let deadline = Instant::now() + timeout;
        loop {
            if self.closed {
                return Err(self.closed_err());
            }
            if self.write_some()? {
                return Ok(());
            }
            if Instant::now() >= deadline {
                return Err(self.timeout("the peer to take our message", timeout));
            }
            std::thread::sleep(WALL_POLL);
        }
    }

    fn timeout(&self, what: &'static str, waited: Duration) -> V2gTransportError {
        V2gTransportError::Timeout {
            peer: self.peer.clone(),
            what,
            waited,
        }
    }

    /// Waits on wall time, at most `timeout`, for the next message.
    pub fn recv(&mut self, timeout: Duration) -> Result<Message, V2gTransportError> {
        self.wait(timeout, "a V2GTP message")
    }

    /// Sends `request` and waits on wall time, at most `timeout` for the
    /// whole exchange, for the next message (its response).
    pub fn exchange(
        &mut self,
        request: &Message,
        timeout: Duration,
    ) -> Result<Message, V2gTransportError> {
        self.send(request)?;
        self.wait(timeout, "a response")
    }

    fn wait(
        &mut self,
        timeout: Duration,
        what: &'static str,
    ) -> Result<Message, V2gTransportError> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(m) = self.poll()? {
                return Ok(m);
            }
            if Instant::now() >= deadline {
                return Err(self.timeout(what, timeout));
            }
            std::thread::sleep(WALL_POLL);
        }
    }
}

/// Maps an I/O error on an established stream; a TLS failure carried in it
/// is named as such.
fn io_error(peer: &str, e: std::io::Error) -> V2gTransportError {
    if let Some(tls) = e.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>()) {
        return tls_error(peer, tls);
    }
    if e.kind() == ErrorKind::UnexpectedEof {
        return V2gTransportError::Closed {
            peer: peer.to_string(),
        };
    }
    V2gTransportError::Io {
        peer: peer.to_string(),
        source: e,
    }
}

fn tls_error(peer: &str, e: &rustls::Error) -> V2gTransportError {
    match e {
        rustls::Error::InvalidCertificate(reason) => V2gTransportError::UntrustedSecc {
            peer: peer.to_string(),
            reason: format!("{reason:?}"),
        },
        other => V2gTransportError::Tls {
            peer: peer.to_string(),
            reason: other.to_string(),
        },
    }
}

pub(crate) fn connect_socket(
    addr: SocketAddr,
    timeout: Duration,
) -> Result<TcpStream, V2gTransportError> {
    let err = |source| V2gTransportError::Connect {
        addr: describe_addr(&addr),
        source,
    };
    let tcp = TcpStream::connect_timeout(&addr, timeout).map_err(err)?;
    tcp.set_nodelay(true).map_err(err)?;
    tcp.set_nonblocking(true).map_err(err)?;
    Ok(tcp)
}

/// Connects to an SECC's plain TCP server (SDP security "no TLS": DIN SPEC
/// 70121, ISO 15118-2 without TLS). A link-local `addr` needs its
/// interface's scope id ([`SdpClient::secc_addr`](super::SdpClient::secc_addr)).
pub fn connect_tcp(
    addr: SocketAddr,
    timeout: Duration,
    limits: Limits,
) -> Result<V2gConnection, V2gTransportError> {
    let tcp = connect_socket(addr, timeout)?;
    Ok(V2gConnection::new(
        Box::new(tcp),
        format!("tcp {}", describe_addr(&addr)),
        limits,
    ))
}

/// Connects to an SECC's TLS server and completes the handshake within
/// `timeout` (connect included). `config` comes from
/// [`tls::client_config`](super::tls::client_config): TLS 1.3 only, the
/// SECC's chain checked against the V2G roots it holds. A chain that does
/// not lead to one is refused with [`V2gTransportError::UntrustedSecc`].
pub fn connect_tls(
    addr: SocketAddr,
    config: Arc<rustls::ClientConfig>,
    timeout: Duration,
    limits: Limits,
) -> Result<V2gConnection, V2gTransportError> {
    let deadline = Instant::now() + timeout;
    let peer = format!("tls {}", describe_addr(&addr));
    let mut tcp = connect_socket(addr, timeout)?;
    // The SECC is reached by address, never by name: the ServerName only
    // fills the handshake (no SNI is sent for an IP address).
    let mut conn = rustls::ClientConnection::new(config, ServerName::IpAddress(addr.ip().into()))
        .map_err(|e| V2gTransportError::TlsConfig(e.to_string()))?;
    while conn.is_handshaking() {
        match conn.complete_io(&mut tcp) {
            Ok(_) => {}
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::Interrupted) => {
                if Instant::now() >= deadline {
                    return Err(V2gTransportError::Timeout {
                        peer,
                        what: "the TLS handshake",
                        waited: timeout,
                    });
                }
                std::thread::sleep(WALL_POLL);
            }
            Err(e) if e.kind() == ErrorKind::UnexpectedEof => {
                return Err(V2gTransportError::Tls {
                    peer,
                    reason: "the SECC closed the connection during the handshake".into(),
                })
            }
            Err(e) => return Err(io_error(&peer, e)),
        }
    }
    // Anything the handshake left to write goes out on the first poll.
    let stream = rustls::StreamOwned::new(conn, tcp);
    Ok(V2gConnection::new(Box::new(stream), peer, limits))
}

/// The emulated rig's link: an EVCC end and an SECC end joined by an
/// in-memory pipe ([`memory_pipe`](super::memory_pipe)), no sockets.
pub fn emulated_link(limits: Limits) -> (V2gConnection, V2gConnection) {
    let (ev, secc) = super::memory_pipe();
    (
        V2gConnection::new(Box::new(ev), "emulated SECC", limits),
        V2gConnection::new(Box::new(secc), "emulated EVCC", limits),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::v2gtp::PayloadType;

    #[test]
    fn emulated_link_carries_messages_both_ways() {
        let (mut ev, mut secc) = emulated_link(Limits::default());
        assert!(ev.poll().unwrap().is_none());
        let req = Message::new(PayloadType::Exi, vec![0x80, 0x00, 0x01]);
        ev.send(&req).unwrap();
        assert_eq!(secc.poll().unwrap(), Some(req));
        let res = Message::new(PayloadType::Iso20Dc, vec![1; 3000]);
        secc.send(&res).unwrap();
        assert_eq!(ev.poll().unwrap(), Some(res));
        drop(secc);
        let e = ev.poll().unwrap_err();
        assert!(matches!(e, V2gTransportError::Closed { ref peer } if peer == "emulated SECC"));
        assert!(ev.is_closed());
    }

    #[test]
    fn garbage_closes_the_connection_with_its_location() {
        let (ev, mut raw) = crate::transport::ws::memory_pipe();
        let mut ev = V2gConnection::new(Box::new(ev), "emulated SECC", Limits::default());
        raw.write_all(b"HTTP/1.1 200 OK\r\n").unwrap();
        let e = ev.poll().unwrap_err();
        assert!(matches!(e, V2gTransportError::Framing { .. }), "{e}");
        assert!(e.to_string().contains("stream byte 0"), "{e}");
        assert!(matches!(ev.poll(), Err(V2gTransportError::Closed { .. })));
    }

    #[test]
    fn recv_has_a_deadline() {
        let (mut ev, _secc) = emulated_link(Limits::default());
        let e = ev.recv(Duration::from_millis(20)).unwrap_err();
        assert!(
            matches!(
                e,
                V2gTransportError::Timeout {
                    what: "a V2GTP message",
                    ..
                }
            ),
            "{e}"
        );
    }
}
