//! The emulated V2GTP network between a CCS vehicle and the emulated
//! charger's SECC: a connect/accept queue of in-memory TCP-like byte pipes
//! (`ws::pipe::memory_pipe`). Each `connect` is a new "TCP connection", as a
//! vehicle plugging in again opens a new socket; the SECC accepts it on its
//! next wake. On hardware this is a TCP socket on the Green PHY interface
//! ([`super::link::EthernetLink`]).
//!
//! An SECC with a TLS server (the emulated charger's, on a throwaway PKI)
//! offers it in SDP as well as its plain TCP server; a connection to the
//! TLS port reaches the SECC already wrapped in its TLS 1.3 server side,
//! and the vehicle's end is wrapped by the vehicle.

use super::connection::Stream;
use super::nb_tls::NonBlockingTls;
use crate::transport::ws::{memory_pipe, MemoryStream};
use rustls::pki_types::CertificateDer;
use std::collections::VecDeque;
use std::io::Read;
use std::sync::{Arc, Mutex};

/// The emulated SECC's plain TCP port (DIN 70121, ISO 15118-2 without TLS).
pub const EMULATED_TCP_PORT: u16 = 15118;
/// The emulated SECC's TLS port; a real SECC picks any and announces it in
/// SDP (ISO 15118-2 §7.10.1.1).
pub const EMULATED_TLS_PORT: u16 = 64109;

#[derive(Clone)]
struct SeccTls {
    server: Arc<rustls::ServerConfig>,
    root: CertificateDer<'static>,
}

/// A connection the SECC has not taken yet, and whether it is to its TLS
/// server.
type Pending = (Box<dyn Stream>, bool);

/// The in-memory network; clones share it.
#[derive(Clone, Default)]
pub struct EmulatedV2gNet {
    pending: Arc<Mutex<VecDeque<Pending>>>,
    tls: Option<SeccTls>,
}

impl EmulatedV2gNet {
    /// A network whose SECC has only a plain TCP server.
    pub fn new() -> Self {
        Self::default()
    }

    /// A network whose SECC also serves TLS 1.3 with `server`; `root` is
    /// the V2G root its chain leads to, which the emulated vehicle trusts.
    pub fn with_tls(server: Arc<rustls::ServerConfig>, root: CertificateDer<'static>) -> Self {
        EmulatedV2gNet {
            pending: Arc::default(),
            tls: Some(SeccTls { server, root }),
        }
    }

    /// The V2G root of the SECC's TLS chain, if it serves TLS.
    pub fn v2g_root(&self) -> Option<CertificateDer<'static>> {
        self.tls.as_ref().map(|t| t.root.clone())
    }

    /// The vehicle's side: a new connection to the SECC's `port` (the one
    /// SDP offered). The vehicle wraps its end in TLS for the TLS port.
    pub fn connect(&self, port: u16) -> MemoryStream {
        let (client, server) = memory_pipe();
        self.arrived(Box::new(server), port == EMULATED_TLS_PORT);
        client
    }

    /// A connection from outside (a real vehicle on the interface `emulate`
    /// serves), to the TLS server if `tls`; the SECC takes it on its next
    /// wake.
    pub fn arrived(&self, stream: Box<dyn Stream>, tls: bool) {
        let tls = tls && self.tls.is_some();
        self.pending
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push_back((stream, tls));
    }

    /// SECC discovery on the emulated link (ISO 15118-2 §7.10.1): the
    /// charger answers a request datagram as [`super::answer_sdp`] does,
    /// offering its servers at fe80::1. `None`: no answer (a datagram that
    /// is not an SDP request, or one for the reserved UDP transport).
    pub fn discover(&self, request: &[u8]) -> Option<Vec<u8>> {
        let request = crate::protocol::v2gtp::sdp::SdpRequest::decode(request).ok()?;
        let offer = super::SeccOffer {
            address: std::net::Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 1),
            tcp_port: Some(EMULATED_TCP_PORT),
            tls_port: self.tls.as_ref().map(|_| EMULATED_TLS_PORT),
        };
        super::answer_sdp(&request, &offer).map(|r| r.encode())
    }

    /// The SECC's side: the oldest connection not yet accepted, its TLS
    /// server side in place for the TLS port.
    pub fn accept(&self) -> Option<Box<dyn Stream>> {
        let (stream, tls) = self
            .pending
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .pop_front()?;
        match (&self.tls, tls) {
            (Some(t), true) => match rustls::ServerConnection::new(t.server.clone()) {
                Ok(conn) => Some(Box::new(NonBlockingTls::new(conn, stream))),
                // A server config that cannot start a connection: the
                // vehicle sees its connection closed.
                Err(_) => None,
            },
            _ => Some(stream),
        }
    }
}

/// Everything readable now, without waiting, and why the stream ended if
/// it did: `Some(None)` when the peer closed it, `Some(Some(error))` when it
/// failed (a TLS alert, a reset).
pub fn read_available(stream: &mut dyn Read) -> (Vec<u8>, Option<Option<std::io::Error>>) {
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return (out, Some(None)),
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => return (out, None),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return (out, Some(Some(e))),
        }
    }
}
