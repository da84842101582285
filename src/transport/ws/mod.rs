//! WebSocket transport for OCPP-J (issue 11): the harness is the central
//! system (CSMS) a charger connects to, and the emulated charger's OCPP client
//! connects to it the same way.
//!
//! Everything here is a non-blocking poll state machine: the CSMS driver
//! services its connection from a periodic task that must never block (inside
//! the plant's simulated-time loop on the emulated rig, a 10 ms thread on
//! hardware). tungstenite does the WebSocket framing over any
//! `Read + Write`; a `WouldBlock` from the stream surfaces as
//! `HandshakeError::Interrupted` or `Error::Io(WouldBlock)` and is resumed on
//! the next poll.
//!
//! Streams: nonblocking TCP, TLS over it (rustls; OCPP 2.0.1 security
//! profile 2), or an in-memory [`memory_pipe`] for the emulated rig.

mod auth;
mod client;
mod connection;
mod pipe;
mod server;
mod tls;

pub use auth::BasicAuth;
pub use client::WsClient;
pub use connection::WsConnection;
pub use pipe::{memory_pipe, MemoryStream, PIPE_CAPACITY};
pub use server::{Endpoint, MemoryConnector, WsServer};
pub use tls::{load_server_config, TlsFiles};

use std::path::PathBuf;
use thiserror::Error;

/// The default bound on one inbound WebSocket message, equal to OCPP-J's
/// `protocol::ocpp::MAX_FRAME_BYTES` (the transport does not import the
/// protocol layer above it).
pub const DEFAULT_MAX_FRAME_BYTES: usize = 65_536;

/// A byte stream a WebSocket can run over.
pub trait Stream: std::io::Read + std::io::Write + Send {}
impl<T: std::io::Read + std::io::Write + Send> Stream for T {}

/// What a WebSocket endpoint accepts or offers.
#[derive(Debug, Clone)]
pub struct WsConfig {
    /// Server: the subprotocols accepted, in preference order (e.g.
    /// `["ocpp2.1", "ocpp2.0.1"]`); the first of these the client offers wins.
    pub subprotocols: Vec<String>,
    /// Server: require HTTP Basic auth with this identity (OCPP 2.0.1
    /// security profiles 1 and 2). `None` accepts any client.
    pub basic_auth: Option<BasicAuth>,
    /// Largest inbound message (and frame) in bytes; larger is an error.
    pub max_frame_bytes: usize,
}

impl Default for WsConfig {
    fn default() -> Self {
        WsConfig {
            subprotocols: vec!["ocpp2.1".into(), "ocpp2.0.1".into()],
            basic_auth: None,
            max_frame_bytes: DEFAULT_MAX_FRAME_BYTES,
        }
    }
}

impl WsConfig {
    pub(crate) fn tungstenite(&self) -> tungstenite::protocol::WebSocketConfig {
        tungstenite::protocol::WebSocketConfig::default()
            .max_message_size(Some(self.max_frame_bytes))
            .max_frame_size(Some(self.max_frame_bytes))
    }
}

#[derive(Debug, Error)]
pub enum WsError {
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: String,
        #[source]
        source: std::io::Error,
    },
    #[error("i/o error on {peer}: {source}")]
    Io {
        peer: String,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot use TLS file {}: {reason}", path.display())]
    TlsFile { path: PathBuf, reason: String },
    #[error("TLS configuration: {0}")]
    Tls(String),
    #[error("WebSocket handshake with {peer} refused: {reason}")]
    HandshakeRefused { peer: String, reason: String },
    #[error("the WebSocket connection to {peer} closed")]
    Closed { peer: String },
    #[error("message from {peer} is {size} bytes, more than the {max} accepted")]
    FrameTooBig {
        peer: String,
        size: usize,
        max: usize,
    },
    #[error("WebSocket protocol error from {peer}: {reason}")]
    Protocol { peer: String, reason: String },
}

impl WsError {
    /// Maps a tungstenite error on an established or handshaking connection.
    pub(crate) fn from_tungstenite(peer: &str, e: tungstenite::Error) -> WsError {
        use tungstenite::error::{CapacityError, Error as E};
        let peer = peer.to_string();
        match e {
            E::ConnectionClosed | E::AlreadyClosed => WsError::Closed { peer },
            E::Io(source) if source.kind() == std::io::ErrorKind::UnexpectedEof => {
                WsError::Closed { peer }
            }
            E::Io(source) => WsError::Io { peer, source },
            E::Capacity(CapacityError::MessageTooLong { size, max_size }) => WsError::FrameTooBig {
                peer,
                size,
                max: max_size,
            },
            E::Protocol(tungstenite::error::ProtocolError::HandshakeIncomplete) => {
                WsError::Closed { peer }
            }
            E::Http(resp) => WsError::HandshakeRefused {
                peer,
                reason: format!("HTTP {}", resp.status()),
            },
            E::Protocol(p) => WsError::Protocol {
                peer,
                reason: p.to_string(),
            },
            other => WsError::Protocol {
                peer,
                reason: other.to_string(),
            },
        }
    }
}
