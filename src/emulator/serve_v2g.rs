//! The emulated charger's SECC on a real network interface, for `emulate`:
//! a vehicle on that link (this harness's `{ ethernet: … }` vehicle, or a
//! real EV emulator's communication controller) discovers it over SDP and
//! reaches it by TCP or TLS 1.3, and the same SECC agent that serves the
//! in-memory link answers on the plant in real time.

use crate::protocol::v2gtp::sdp::SDP_SERVER_PORT;
use crate::transport::v2g::{
    interface_index, link_local_address, EmulatedV2gNet, SdpServer, SeccOffer, V2gTransportError,
};
use std::net::{Ipv6Addr, SocketAddrV6, TcpListener, TcpStream};
use std::time::Duration;

/// How often the serving thread looks at its sockets.
const POLL: Duration = Duration::from_millis(2);

/// Where the SECC serves.
#[derive(Debug, Clone)]
pub struct SeccEndpoints {
    pub interface: String,
    pub address: Ipv6Addr,
    pub sdp_port: u16,
    pub tcp_port: u16,
    pub tls_port: Option<u16>,
}

fn listen(
    interface: &str,
    address: Ipv6Addr,
    scope: u32,
) -> Result<TcpListener, V2gTransportError> {
    let bind = SocketAddrV6::new(address, 0, 0, scope);
    let listener = TcpListener::bind(bind).map_err(|source| V2gTransportError::Connect {
        addr: format!("listen on [{address}%{interface}]"),
        source,
    })?;
    listener
        .set_nonblocking(true)
        .map_err(|source| V2gTransportError::Io {
            peer: interface.to_string(),
            source,
        })?;
    Ok(listener)
}

fn take(listener: &TcpListener) -> Option<TcpStream> {
    let (stream, _) = listener.accept().ok()?;
    stream.set_nonblocking(true).ok()?;
    stream.set_nodelay(true).ok()?;
    Some(stream)
}

/// Serves `net`'s SECC on `interface`: SDP on UDP `sdp_port` (15118 unless
/// told), its plain TCP and (when the net has one) TLS servers on ephemeral
/// ports of the interface's link-local address. Runs on a thread of its own
/// for as long as the process does.
pub fn serve_secc(
    net: EmulatedV2gNet,
    interface: &str,
    sdp_port: Option<u16>,
) -> Result<SeccEndpoints, V2gTransportError> {
    let scope = interface_index(interface)?;
    let address = link_local_address(interface)?;
    let plain = listen(interface, address, scope)?;
    let tls = match net.v2g_root() {
        Some(_) => Some(listen(interface, address, scope)?),
        None => None,
    };
    let port = |l: &TcpListener| l.local_addr().map(|a| a.port()).unwrap_or(0);
    let offer = SeccOffer {
        address,
        tcp_port: Some(port(&plain)),
        tls_port: tls.as_ref().map(port),
    };
    let mut sdp = SdpServer::bind(interface, sdp_port.unwrap_or(SDP_SERVER_PORT), offer)?;
    let endpoints = SeccEndpoints {
        interface: interface.to_string(),
        address,
        sdp_port: sdp.local_addr()?.port(),
        tcp_port: port(&plain),
        tls_port: tls.as_ref().map(port),
    };
    std::thread::Builder::new()
        .name(format!("secc {interface}"))
        .spawn(move || loop {
            // A bad datagram is counted and ignored by the server; a socket
            // error ends nothing here (the next poll tries again).
            let _ = sdp.poll();
            while let Some(stream) = take(&plain) {
                net.arrived(Box::new(stream), false);
            }
            while let Some(stream) = tls.as_ref().and_then(take) {
                net.arrived(Box::new(stream), true);
            }
            std::thread::sleep(POLL);
        })
        .map_err(|source| V2gTransportError::Io {
            peer: interface.to_string(),
            source,
        })?;
    Ok(endpoints)
}
