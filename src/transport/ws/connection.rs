//! An established OCPP WebSocket, serviced by polling.

use super::{Stream, WsError};
use std::io::ErrorKind;
use tungstenite::protocol::frame::coding::CloseCode;
use tungstenite::protocol::CloseFrame;
use tungstenite::{Message, WebSocket};

/// One open WebSocket (either side). Never blocks: reads return `None` when
/// nothing has arrived, writes queue what the stream does not take yet and
/// later polls flush it.
pub struct WsConnection {
    ws: WebSocket<Box<dyn Stream>>,
    station_id: String,
    subprotocol: String,
    peer: String,
    closed: bool,
}

impl std::fmt::Debug for WsConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WsConnection")
            .field("station_id", &self.station_id)
            .field("subprotocol", &self.subprotocol)
            .field("peer", &self.peer)
            .field("closed", &self.closed)
            .finish()
    }
}

/// How many pings/pongs one `poll_recv` handles before returning.
const MAX_CONTROL_FRAMES_PER_POLL: usize = 64;

fn would_block(e: &tungstenite::Error) -> bool {
    matches!(e, tungstenite::Error::Io(io) if io.kind() == ErrorKind::WouldBlock)
}

impl WsConnection {
    pub(crate) fn new(
        ws: WebSocket<Box<dyn Stream>>,
        station_id: String,
        subprotocol: String,
        peer: String,
    ) -> Self {
        WsConnection {
            ws,
            station_id,
            subprotocol,
            peer,
            closed: false,
        }
    }

    /// The charging station identity (the URL's last path segment,
    /// OCPP 2.0.1 Part 4 §3.1.1).
    pub fn station_id(&self) -> &str {
        &self.station_id
    }

    /// The negotiated subprotocol: "ocpp2.0.1" or "ocpp2.1".
    pub fn subprotocol(&self) -> &str {
        &self.subprotocol
    }

    /// "127.0.0.1:53412", "tls 10.0.0.5:1234" or "emulated".
    pub fn peer(&self) -> String {
        self.peer.clone()
    }

    fn err(&mut self, e: tungstenite::Error) -> WsError {
        let e = WsError::from_tungstenite(&self.peer, e);
        if matches!(e, WsError::Closed { .. }) {
            self.closed = true;
        }
        e
    }

    /// The next text message, if one has arrived. Pings are answered (by
    /// tungstenite, flushed here); a close frame or EOF is
    /// `Err(WsError::Closed)`; a binary message is a protocol error (OCPP-J
    /// 2.0.1 Part 4 §4: messages are text frames).
    pub fn poll_recv(&mut self) -> Result<Option<String>, WsError> {
        if self.closed {
            return Err(WsError::Closed {
                peer: self.peer.clone(),
            });
        }
        // Push out what earlier sends left queued.
        match self.ws.flush() {
            Ok(()) => {}
            Err(e) if would_block(&e) => {}
            Err(e) => return Err(self.err(e)),
        }
        // Control frames are answered in this loop; bounded so a peer that
        // streams pings cannot keep the caller's periodic task here.
        for _ in 0..MAX_CONTROL_FRAMES_PER_POLL {
            match self.ws.read() {
                Ok(Message::Text(t)) => return Ok(Some(t.as_str().to_string())),
                Ok(Message::Binary(b)) => {
                    return Err(WsError::Protocol {
                        peer: self.peer.clone(),
                        reason: format!(
                            "a binary message of {} bytes; OCPP-J uses text messages",
                            b.len()
                        ),
                    })
                }
                Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_)) => continue,
                Ok(Message::Close(_)) => {
                    // tungstenite has queued the closing handshake's reply.
                    let _ = self.ws.flush();
                    self.closed = true;
                    return Err(WsError::Closed {
                        peer: self.peer.clone(),
                    });
                }
                Err(e) if would_block(&e) => return Ok(None),
                Err(e) => return Err(self.err(e)),
            }
        }
        Ok(None)
    }

    /// Queues `text` as one text message and flushes as far as the stream
    /// takes without blocking; later polls flush the rest.
    pub fn send(&mut self, text: &str) -> Result<(), WsError> {
        if self.closed {
            return Err(WsError::Closed {
                peer: self.peer.clone(),
            });
        }
        match self.ws.send(Message::text(text)) {
            Ok(()) => Ok(()),
            Err(e) if would_block(&e) => Ok(()),
            Err(e) => Err(self.err(e)),
        }
    }

    /// Starts the closing handshake (a close frame, flushed if the stream
    /// takes it). Later `poll_recv`s return `Closed`.
    pub fn close(&mut self) {
        if !self.closed {
            let _ = self.ws.close(None);
            let _ = self.ws.flush();
            self.closed = true;
        }
    }

    /// Closes as an endpoint that is going away (RFC 6455 §7.4.1, 1001):
    /// the harness ending its run. Without it the charger only sees the
    /// TCP connection drop (an abnormal closure, 1006).
    pub fn go_away(&mut self) {
        if !self.closed {
            let _ = self.ws.close(Some(CloseFrame {
                code: CloseCode::Away,
                reason: "the central system is shutting down".into(),
            }));
            let _ = self.ws.flush();
            self.closed = true;
        }
    }

    /// Whether the connection has closed (either side).
    pub fn is_closed(&self) -> bool {
        self.closed
    }
}
