//! The charge-point side: a nonblocking client handshake over any stream,
//! for the emulated charger's OCPP client and for tests.

use super::auth::{station_id_from_path, BasicAuth};
use super::{Stream, WsConfig, WsConnection, WsError, DEFAULT_MAX_FRAME_BYTES};
use tungstenite::client::IntoClientRequest;
use tungstenite::handshake::client::{ClientHandshake, Request};
use tungstenite::handshake::{HandshakeError, MidHandshake};
use tungstenite::http::{header, HeaderValue};

enum State {
    Start {
        stream: Box<dyn Stream>,
        request: Request,
    },
    Mid(MidHandshake<ClientHandshake<Box<dyn Stream>>>),
    Failed(Option<WsError>),
    Done,
}

/// A client upgrade in progress.
pub struct WsClient {
    state: State,
    station_id: String,
    peer: String,
}

impl WsClient {
    /// Starts the upgrade to `url` ("ws://csms/ocpp/CP001"; the host is only
    /// the Host header, the stream is already connected), offering
    /// `subprotocols` in preference order, with Basic auth if given. Nothing
    /// is sent until the first [`poll`](Self::poll); a bad URL is reported
    /// there.
    pub fn start(
        stream: Box<dyn Stream>,
        url: &str,
        subprotocols: &[&str],
        basic_auth: Option<&BasicAuth>,
    ) -> WsClient {
        let peer = url.to_string();
        let station_id = url
            .parse::<tungstenite::http::Uri>()
            .ok()
            .and_then(|u| station_id_from_path(u.path()).ok());
        let built = build_request(url, subprotocols, basic_auth);
        let state = match (built, station_id.as_ref()) {
            (Ok(request), Some(_)) => State::Start { stream, request },
            (Err(reason), _) => State::Failed(Some(WsError::Protocol {
                peer: peer.clone(),
                reason,
            })),
            (Ok(_), None) => State::Failed(Some(WsError::Protocol {
                peer: peer.clone(),
                reason: format!("URL {url:?} has no station identity as its last path segment"),
            })),
        };
        WsClient {
            state,
            station_id: station_id.unwrap_or_default(),
            peer,
        }
    }

    /// `Ok(Some(conn))` once the upgrade completed; `Ok(None)` while still
    /// handshaking. After `Some` or an error, further polls report `Closed`.
    pub fn poll(&mut self) -> Result<Option<WsConnection>, WsError> {
        let result = match std::mem::replace(&mut self.state, State::Done) {
            State::Start { stream, request } => {
                let cfg = WsConfig {
                    max_frame_bytes: DEFAULT_MAX_FRAME_BYTES,
                    ..WsConfig::default()
                };
                tungstenite::client::client_with_config(request, stream, Some(cfg.tungstenite()))
            }
            State::Mid(mid) => mid.handshake(),
            State::Failed(e) => {
                return Err(e.unwrap_or_else(|| WsError::Closed {
                    peer: self.peer.clone(),
                }));
            }
            State::Done => {
                return Err(WsError::Closed {
                    peer: self.peer.clone(),
                })
            }
        };
        match result {
            Ok((ws, resp)) => {
                let sub = resp
                    .headers()
                    .get(header::SEC_WEBSOCKET_PROTOCOL)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("")
                    .to_string();
                Ok(Some(WsConnection::new(
                    ws,
                    self.station_id.clone(),
                    sub,
                    self.peer.clone(),
                )))
            }
            Err(HandshakeError::Interrupted(mid)) => {
                self.state = State::Mid(mid);
                Ok(None)
            }
            Err(HandshakeError::Failure(e)) => Err(match e {
                tungstenite::Error::Http(resp) => WsError::HandshakeRefused {
                    peer: self.peer.clone(),
                    reason: format!("HTTP {}", resp.status()),
                },
                other => match WsError::from_tungstenite(&self.peer, other) {
                    WsError::Protocol { peer, reason } => {
                        WsError::HandshakeRefused { peer, reason }
                    }
                    e => e,
                },
            }),
        }
    }
}

fn build_request(
    url: &str,
    subprotocols: &[&str],
    auth: Option<&BasicAuth>,
) -> Result<Request, String> {
    let mut req = url
        .into_client_request()
        .map_err(|e| format!("bad URL {url:?}: {e}"))?;
    if !subprotocols.is_empty() {
        let v = HeaderValue::from_str(&subprotocols.join(", "))
            .map_err(|e| format!("bad subprotocol list: {e}"))?;
        req.headers_mut().insert(header::SEC_WEBSOCKET_PROTOCOL, v);
    }
    if let Some(a) = auth {
        let v = HeaderValue::from_str(&a.header_value())
            .map_err(|e| format!("bad credentials: {e}"))?;
        req.headers_mut().insert(header::AUTHORIZATION, v);
    }
    Ok(req)
}
