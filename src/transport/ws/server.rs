//! The listening side (the CSMS): accepts a charger's connection and walks it
//! through the HTTP upgrade without ever blocking.

use super::auth::{offered_subprotocols, station_id_from_path};
use super::pipe::{memory_pipe, MemoryStream};
use super::tls::{load_server_config, TlsFiles};
use super::{Stream, WsConfig, WsConnection, WsError};
use std::collections::VecDeque;
use std::io::ErrorKind;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::mpsc::{self, Receiver, Sender, TryRecvError};
use std::sync::{Arc, Mutex};
use tungstenite::handshake::server::{Callback, ErrorResponse, Request, Response, ServerHandshake};
use tungstenite::handshake::{HandshakeError, MidHandshake};
use tungstenite::http::{header, HeaderValue, StatusCode};

/// At most this many upgrades in progress at once: a peer that connects and
/// says nothing cannot hold the charger out (the oldest is dropped for a new
/// one). The server needs no clock for this.
const MAX_PENDING: usize = 4;

/// Where connections come from.
pub enum Endpoint {
    /// A nonblocking listener, with TLS when a config is given.
    Tcp {
        listener: TcpListener,
        tls: Option<Arc<rustls::ServerConfig>>,
    },
    /// The emulated rig: each stream received is a new connection.
    Memory { incoming: Receiver<MemoryStream> },
}

/// Connects emulated clients to a [`WsServer::memory`] server.
#[derive(Clone)]
pub struct MemoryConnector {
    tx: Sender<MemoryStream>,
}

impl MemoryConnector {
    /// A new connection: hands one end of a fresh pipe to the server and
    /// returns the other. Should the server be gone, the returned stream
    /// reads EOF at once.
    pub fn connect(&self) -> MemoryStream {
        let (ours, theirs) = memory_pipe();
        let _ = self.tx.send(theirs);
        ours
    }
}

/// What the upgrade callback decided, read back once the handshake ends.
#[derive(Debug, Clone)]
enum Decision {
    Accept {
        station_id: String,
        subprotocol: String,
    },
    /// OCPP-J 2.0.1 Part 4 §3.1.2 (as in 1.6J §4.1.2): "If the CSMS does not
    /// agree to using one of the subprotocols offered by the client, it MUST
    /// complete the WebSocket handshake with a response without a
    /// Sec-WebSocket-Protocol header and then immediately close the
    /// WebSocket connection."
    NoSubprotocol {
        station_id: String,
        offered: Vec<String>,
    },
    Refuse {
        reason: String,
    },
}

/// The tungstenite callback: checks path, Basic auth and subprotocol.
struct Gate {
    cfg: WsConfig,
    decision: Arc<Mutex<Option<Decision>>>,
}

fn refuse(status: StatusCode, basic_challenge: bool) -> ErrorResponse {
    let mut resp = ErrorResponse::new(Some(
        status.canonical_reason().unwrap_or("refused").to_string(),
    ));
    *resp.status_mut() = status;
    if basic_challenge {
        resp.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"OCPP\""),
        );
    }
    resp
}

impl Gate {
    fn decide(&self, req: &Request) -> (Decision, Option<(StatusCode, bool)>) {
        let station_id = match station_id_from_path(req.uri().path()) {
            Ok(id) => id,
            Err(reason) => {
                return (
                    Decision::Refuse {
                        reason: format!("404: {reason}"),
                    },
                    Some((StatusCode::NOT_FOUND, false)),
                )
            }
        };
        if let Some(auth) = &self.cfg.basic_auth {
            let header = req
                .headers()
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok());
            let reason = match header {
                None => Some("401: no Basic auth (security profile 1/2 requires it)".to_string()),
                // A00.FR.203: the username is the station identity.
                Some(_) if station_id != auth.username => Some(format!(
                    "401: station {station_id:?} is not the identity {:?} we accept",
                    auth.username
                )),
                Some(h) if !auth.matches_header(h) => Some(format!(
                    "401: wrong Basic auth credentials for {station_id:?}"
                )),
                Some(_) => None,
            };
            if let Some(reason) = reason {
                return (
                    Decision::Refuse { reason },
                    Some((StatusCode::UNAUTHORIZED, true)),
                );
            }
        }
        let offered = offered_subprotocols(
            req.headers()
                .get_all(header::SEC_WEBSOCKET_PROTOCOL)
                .iter()
                .map(|v| v.as_bytes()),
        );
        match self.cfg.subprotocols.iter().find(|p| offered.contains(p)) {
            Some(p) => (
                Decision::Accept {
                    station_id,
                    subprotocol: p.clone(),
                },
                None,
            ),
            None => (
                Decision::NoSubprotocol {
                    station_id,
                    offered,
                },
                None,
            ),
        }
    }
}

impl Callback for Gate {
    fn on_request(self, req: &Request, mut resp: Response) -> Result<Response, ErrorResponse> {
        let (decision, refusal) = self.decide(req);
        if let Decision::Accept { subprotocol, .. } = &decision {
            if let Ok(v) = HeaderValue::from_str(subprotocol) {
                resp.headers_mut().insert(header::SEC_WEBSOCKET_PROTOCOL, v);
            }
        }
        if let Ok(mut slot) = self.decision.lock() {
            *slot = Some(decision);
        }
        match refusal {
            Some((status, challenge)) => Err(refuse(status, challenge)),
            None => Ok(resp),
        }
    }
}

struct Pending {
    peer: String,
    mid: MidHandshake<ServerHandshake<Box<dyn Stream>, Gate>>,
    decision: Arc<Mutex<Option<Decision>>>,
}

/// The CSMS's listening endpoint. One charger connection at a time is the
/// use, but several upgrades may be in progress.
pub struct WsServer {
    endpoint: Endpoint,
    cfg: WsConfig,
    pending: VecDeque<Pending>,
    ready: VecDeque<Result<WsConnection, WsError>>,
}

impl WsServer {
    /// Listens on `addr` ("0.0.0.0:9000", "127.0.0.1:0"), with TLS when
    /// `tls` names a certificate and key (security profile 2).
    pub fn bind_tcp(addr: &str, tls: Option<TlsFiles>, cfg: WsConfig) -> Result<WsServer, WsError> {
        let tls = tls.as_ref().map(load_server_config).transpose()?;
        let bind_err = |source| WsError::Bind {
            addr: addr.to_string(),
            source,
        };
        let listener = TcpListener::bind(addr).map_err(bind_err)?;
        listener.set_nonblocking(true).map_err(bind_err)?;
        Ok(WsServer::new(Endpoint::Tcp { listener, tls }, cfg))
    }

    /// A server on the emulated rig's in-memory network.
    pub fn memory(cfg: WsConfig) -> (WsServer, MemoryConnector) {
        let (tx, incoming) = mpsc::channel();
        (
            WsServer::new(Endpoint::Memory { incoming }, cfg),
            MemoryConnector { tx },
        )
    }

    /// A server over an endpoint built by the caller (a listener must be
    /// nonblocking).
    pub fn new(endpoint: Endpoint, cfg: WsConfig) -> WsServer {
        WsServer {
            endpoint,
            cfg,
            pending: VecDeque::new(),
            ready: VecDeque::new(),
        }
    }

    pub fn local_addr(&self) -> Option<SocketAddr> {
        match &self.endpoint {
            Endpoint::Tcp { listener, .. } => listener.local_addr().ok(),
            Endpoint::Memory { .. } => None,
        }
    }

    /// Advances accepting and handshaking without blocking. Returns a
    /// connection once one has completed the HTTP upgrade, or an error for a
    /// refused or failed one (naming the peer); the server keeps listening
    /// either way.
    pub fn poll_accept(&mut self) -> Option<Result<WsConnection, WsError>> {
        self.accept_new();
        let mut still = VecDeque::with_capacity(self.pending.len());
        while let Some(p) = self.pending.pop_front() {
            let Pending {
                peer,
                mid,
                decision,
            } = p;
            match mid.handshake() {
                Ok(ws) => {
                    let d = decision.lock().ok().and_then(|mut g| g.take());
                    self.ready.push_back(finish(ws, peer, d));
                }
                Err(HandshakeError::Interrupted(mid)) => still.push_back(Pending {
                    peer,
                    mid,
                    decision,
                }),
                Err(HandshakeError::Failure(e)) => {
                    let d = decision.lock().ok().and_then(|mut g| g.take());
                    self.ready.push_back(Err(failed(peer, e, d)));
                }
            }
        }
        self.pending = still;
        self.ready.pop_front()
    }

    fn accept_new(&mut self) {
        // Bounded per poll so a flood of connects cannot stall the caller.
        for _ in 0..MAX_PENDING {
            let (stream, peer): (Box<dyn Stream>, String) = match &self.endpoint {
                Endpoint::Memory { incoming } => match incoming.try_recv() {
                    Ok(s) => (Box::new(s), "emulated".to_string()),
                    Err(TryRecvError::Empty | TryRecvError::Disconnected) => return,
                },
                Endpoint::Tcp { listener, tls } => match listener.accept() {
                    Ok((s, addr)) => match tcp_stream(s, addr, tls) {
                        Ok(x) => x,
                        Err(e) => {
                            self.ready.push_back(Err(e));
                            continue;
                        }
                    },
                    Err(e) if e.kind() == ErrorKind::WouldBlock => return,
                    Err(e) => {
                        let addr = listener
                            .local_addr()
                            .map(|a| a.to_string())
                            .unwrap_or_default();
                        self.ready.push_back(Err(WsError::Io {
                            peer: format!("listener {addr}"),
                            source: e,
                        }));
                        return;
                    }
                },
            };
            let decision = Arc::new(Mutex::new(None));
            let gate = Gate {
                cfg: self.cfg.clone(),
                decision: decision.clone(),
            };
            // `start` does no I/O; the first `handshake()` is in poll_accept.
            let mid = ServerHandshake::start(stream, gate, Some(self.cfg.tungstenite()));
            if self.pending.len() >= MAX_PENDING {
                if let Some(old) = self.pending.pop_front() {
                    self.ready.push_back(Err(WsError::HandshakeRefused {
                        peer: old.peer,
                        reason: "upgrade still incomplete when newer connections arrived; dropped"
                            .into(),
                    }));
                }
            }
            self.pending.push_back(Pending {
                peer,
                mid,
                decision,
            });
        }
    }
}

fn tcp_stream(
    s: TcpStream,
    addr: SocketAddr,
    tls: &Option<Arc<rustls::ServerConfig>>,
) -> Result<(Box<dyn Stream>, String), WsError> {
    let io_err = |source| WsError::Io {
        peer: addr.to_string(),
        source,
    };
    s.set_nonblocking(true).map_err(io_err)?;
    s.set_nodelay(true).map_err(io_err)?;
    match tls {
        None => Ok((Box::new(s), addr.to_string())),
        Some(cfg) => {
            let conn = rustls::ServerConnection::new(cfg.clone())
                .map_err(|e| WsError::Tls(format!("cannot start TLS with {addr}: {e}")))?;
            Ok((
                Box::new(rustls::StreamOwned::new(conn, s)),
                format!("tls {addr}"),
            ))
        }
    }
}

/// Why an upgrade failed: our own refusal when the callback made one (the
/// 401/404 response has been written by then), else what tungstenite saw.
fn failed(peer: String, e: tungstenite::Error, decision: Option<Decision>) -> WsError {
    if let Some(Decision::Refuse { reason }) = decision {
        return WsError::HandshakeRefused { peer, reason };
    }
    match WsError::from_tungstenite(&peer, e) {
        WsError::Protocol { peer, reason } => WsError::HandshakeRefused {
            peer,
            reason: format!("not a WebSocket upgrade: {reason}"),
        },
        WsError::Closed { peer } => WsError::HandshakeRefused {
            peer,
            reason: "closed before completing the upgrade".into(),
        },
        other => other,
    }
}

/// A completed upgrade becomes a connection, unless no subprotocol was
/// agreed: then it is closed at once (see [`Decision::NoSubprotocol`]).
fn finish(
    mut ws: tungstenite::WebSocket<Box<dyn Stream>>,
    peer: String,
    decision: Option<Decision>,
) -> Result<WsConnection, WsError> {
    match decision {
        Some(Decision::Accept {
            station_id,
            subprotocol,
        }) => Ok(WsConnection::new(ws, station_id, subprotocol, peer)),
        Some(Decision::NoSubprotocol {
            station_id,
            offered,
        }) => {
            let _ = ws.close(None);
            let _ = ws.flush();
            Err(WsError::HandshakeRefused {
                peer,
                reason: format!("station {station_id:?} offered subprotocols {offered:?}, none of which we accept"),
            })
        }
        Some(Decision::Refuse { reason }) => Err(WsError::HandshakeRefused { peer, reason }),
        None => Err(WsError::HandshakeRefused {
            peer,
            reason: "upgrade completed without a decision".into(),
        }),
    }
}
