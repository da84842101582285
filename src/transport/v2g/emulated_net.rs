//! The emulated V2GTP network between a CCS vehicle and the emulated
//! charger's SECC: a connect/accept queue of in-memory TCP-like byte pipes
//! (`ws::pipe::memory_pipe`). Each `connect` is a new "TCP connection", as a
//! vehicle plugging in again opens a new socket; the SECC accepts it on its
//! next wake. On hardware this is a TCP socket on the Green PHY interface.

use crate::transport::ws::{memory_pipe, MemoryStream};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

/// The in-memory network; clones share it.
#[derive(Clone, Default)]
pub struct EmulatedV2gNet {
    pending: Arc<Mutex<VecDeque<MemoryStream>>>,
}

impl EmulatedV2gNet {
    pub fn new() -> Self {
        Self::default()
    }

    /// The vehicle's side: a new connection to the SECC.
    pub fn connect(&self) -> MemoryStream {
        let (client, server) = memory_pipe();
        self.pending
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push_back(server);
        client
    }

    /// SECC discovery on the emulated link (ISO 15118-2 §7.10.1): the
    /// charger answers a request datagram as [`super::answer_sdp`] does,
    /// offering its plain TCP server at fe80::1 port 15118 (the emulated
    /// SECC has no TLS server). `None`: no answer (a datagram that is not
    /// an SDP request, or one for the reserved UDP transport).
    pub fn discover(&self, request: &[u8]) -> Option<Vec<u8>> {
        let request = crate::protocol::v2gtp::sdp::SdpRequest::decode(request).ok()?;
        let offer = super::SeccOffer {
            address: std::net::Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 1),
            tcp_port: Some(crate::protocol::v2gtp::sdp::SDP_SERVER_PORT),
            tls_port: None,
        };
        super::answer_sdp(&request, &offer).map(|r| r.encode())
    }

    /// The SECC's side: the oldest connection not yet accepted.
    pub fn accept(&self) -> Option<MemoryStream> {
        self.pending
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .pop_front()
    }
}

/// Everything readable now, without waiting; `closed` once the peer is gone.
pub fn read_available(stream: &mut MemoryStream) -> (Vec<u8>, bool) {
    use std::io::Read;
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return (out, true),
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => return (out, false),
            Err(_) => return (out, true),
        }
    }
}
