//! The OCPP WebSocket transport: client and server both polled from one
//! thread (so any blocking call would hang the test), over the in-memory
//! pipe, TCP on 127.0.0.1 and TLS with the fixtures/tls certificates.

use std::io::Write;
use std::net::TcpStream;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};
use v2x_hil::transport::ws::{
    BasicAuth, TlsFiles, WsClient, WsConfig, WsConnection, WsError, WsServer,
};

const LIMIT: Duration = Duration::from_secs(10);

fn auth(password: &str) -> BasicAuth {
    BasicAuth {
        username: "CP001".into(),
        password: password.into(),
    }
}

fn cfg(basic: Option<BasicAuth>) -> WsConfig {
    WsConfig {
        subprotocols: vec!["ocpp2.1".into(), "ocpp2.0.1".into()],
        basic_auth: basic,
        max_frame_bytes: 65_536,
    }
}

/// Polls client and server in turn until both have an outcome.
fn handshake(
    server: &mut WsServer,
    client: &mut WsClient,
) -> (Result<WsConnection, WsError>, Result<WsConnection, WsError>) {
    let start = Instant::now();
    let (mut s, mut c) = (None, None);
    while s.is_none() || c.is_none() {
        assert!(
            start.elapsed() < LIMIT,
            "handshake did not finish: server {s:?}, client {c:?}"
        );
        if c.is_none() {
            match client.poll() {
                Ok(Some(conn)) => c = Some(Ok(conn)),
                Ok(None) => {}
                Err(e) => c = Some(Err(e)),
            }
        }
        if s.is_none() {
            s = server.poll_accept();
        }
        std::thread::sleep(Duration::from_micros(200));
    }
    (s.unwrap(), c.unwrap())
}

/// Polls `rx` (and keeps `other` serviced) until a message arrives.
fn recv(rx: &mut WsConnection, other: &mut WsConnection) -> Result<String, WsError> {
    let start = Instant::now();
    loop {
        assert!(start.elapsed() < LIMIT, "nothing received");
        if let Some(t) = rx.poll_recv()? {
            return Ok(t);
        }
        let _ = other.poll_recv();
        std::thread::sleep(Duration::from_micros(200));
    }
}

fn until_closed(conn: &mut WsConnection) -> WsError {
    let start = Instant::now();
    loop {
        assert!(start.elapsed() < LIMIT, "never closed");
        match conn.poll_recv() {
            Ok(None) => std::thread::sleep(Duration::from_micros(200)),
            Ok(Some(t)) => panic!("unexpected message {t}"),
            Err(e) => return e,
        }
    }
}

fn round_trip(server: &mut WsConnection, client: &mut WsConnection) {
    let call = r#"[2,"19223201","BootNotification",{"reason":"PowerUp","chargingStation":{"model":"SingleSocketCharger","vendorName":"VendorX"}}]"#;
    client.send(call).unwrap();
    assert_eq!(recv(server, client).unwrap(), call);
    let result = r#"[3,"19223201",{"currentTime":"2013-02-01T20:53:32.486Z","interval":300,"status":"Accepted"}]"#;
    server.send(result).unwrap();
    assert_eq!(recv(client, server).unwrap(), result);
    // Nothing more to read: a poll returns at once with None.
    assert!(server.poll_recv().unwrap().is_none());
    server.close();
    assert!(matches!(until_closed(client), WsError::Closed { .. }));
    assert!(matches!(server.poll_recv(), Err(WsError::Closed { .. })));
}

fn tcp_client(server: &WsServer) -> TcpStream {
    let s = TcpStream::connect(server.local_addr().unwrap()).unwrap();
    s.set_nonblocking(true).unwrap();
    s
}

#[test]
fn memory_pipe_round_trip() {
    let (mut server, connector) = WsServer::memory(cfg(Some(auth("correct horse"))));
    let mut client = WsClient::start(
        Box::new(connector.connect()),
        "ws://csms/ocpp/CP001",
        &["ocpp2.0.1"],
        Some(&auth("correct horse")),
    );
    let (s, c) = handshake(&mut server, &mut client);
    let (mut s, mut c) = (s.unwrap(), c.unwrap());
    assert_eq!(s.station_id(), "CP001");
    assert_eq!(s.subprotocol(), "ocpp2.0.1");
    assert_eq!(c.subprotocol(), "ocpp2.0.1");
    assert_eq!(s.peer(), "emulated");
    round_trip(&mut s, &mut c);
}

#[test]
fn server_prefers_its_own_order_and_decodes_station_id() {
    let (mut server, connector) = WsServer::memory(cfg(None));
    let mut client = WsClient::start(
        Box::new(connector.connect()),
        "ws://csms/ocpp/CP%20001",
        &["ocpp2.0.1", "ocpp2.1"],
        None,
    );
    let (s, c) = handshake(&mut server, &mut client);
    let s = s.unwrap();
    assert_eq!(s.station_id(), "CP 001");
    assert_eq!(s.subprotocol(), "ocpp2.1");
    assert_eq!(c.unwrap().subprotocol(), "ocpp2.1");
}

#[test]
fn tcp_round_trip() {
    let mut server = WsServer::bind_tcp("127.0.0.1:0", None, cfg(None)).unwrap();
    let mut client = WsClient::start(
        Box::new(tcp_client(&server)),
        "ws://127.0.0.1/ocpp/CP001",
        &["ocpp2.0.1"],
        None,
    );
    let (s, c) = handshake(&mut server, &mut client);
    let (mut s, mut c) = (s.unwrap(), c.unwrap());
    assert!(s.peer().starts_with("127.0.0.1:"), "{}", s.peer());
    round_trip(&mut s, &mut c);
}

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/tls")
        .join(name)
}

fn tls_client(server: &WsServer) -> Box<dyn v2x_hil::transport::ws::Stream> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, ServerName};
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(CertificateDer::from_pem_file(fixture("ca-cert.pem")).unwrap())
        .unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let name = ServerName::try_from("127.0.0.1").unwrap();
    let conn = rustls::ClientConnection::new(Arc::new(config), name).unwrap();
    Box::new(rustls::StreamOwned::new(conn, tcp_client(server)))
}

#[test]
fn tls_round_trip_with_basic_auth() {
    let files = TlsFiles {
        cert_pem: fixture("csms-cert.pem"),
        key_pem: fixture("csms-key.pem"),
    };
    let mut server = WsServer::bind_tcp(
        "127.0.0.1:0",
        Some(files),
        cfg(Some(auth("pw-0123456789abcdef"))),
    )
    .unwrap();
    let mut client = WsClient::start(
        tls_client(&server),
        "wss://127.0.0.1/ocpp/CP001",
        &["ocpp2.0.1"],
        Some(&auth("pw-0123456789abcdef")),
    );
    let (s, c) = handshake(&mut server, &mut client);
    let (mut s, mut c) = (s.unwrap(), c.unwrap());
    assert!(s.peer().starts_with("tls 127.0.0.1:"), "{}", s.peer());
    round_trip(&mut s, &mut c);
}

#[test]
fn tls_files_errors_name_the_file() {
    let files = TlsFiles {
        cert_pem: fixture("csms-cert.pem"),
        key_pem: fixture("missing-key.pem"),
    };
    let e = WsServer::bind_tcp("127.0.0.1:0", Some(files), cfg(None))
        .err()
        .unwrap();
    assert!(e.to_string().contains("missing-key.pem"), "{e}");
    // A certificate file given as the key: no key in it.
    let files = TlsFiles {
        cert_pem: fixture("csms-cert.pem"),
        key_pem: fixture("ca-cert.pem"),
    };
    let e = WsServer::bind_tcp("127.0.0.1:0", Some(files), cfg(None))
        .err()
        .unwrap();
    assert!(e.to_string().contains("ca-cert.pem"), "{e}");
}

#[test]
fn wrong_password_is_refused_with_401_then_a_good_client_gets_in() {
    let mut server = WsServer::bind_tcp("127.0.0.1:0", None, cfg(Some(auth("right")))).unwrap();
    for (who, password) in [("wrong password", Some(auth("wrong"))), ("no auth", None)] {
        let mut bad = WsClient::start(
            Box::new(tcp_client(&server)),
            "ws://127.0.0.1/ocpp/CP001",
            &["ocpp2.0.1"],
            password.as_ref(),
        );
        let (s, c) = handshake(&mut server, &mut bad);
        let s = s.err().unwrap();
        assert!(s.to_string().contains("401"), "{who}: {s}");
        assert!(s.to_string().contains("127.0.0.1:"), "names the peer: {s}");
        let c = c.err().unwrap();
        assert!(c.to_string().contains("401"), "{who}: {c}");
    }
    // The right password under another station identity is refused too.
    let other = BasicAuth {
        username: "CP002".into(),
        password: "right".into(),
    };
    let mut bad = WsClient::start(
        Box::new(tcp_client(&server)),
        "ws://127.0.0.1/ocpp/CP002",
        &["ocpp2.0.1"],
        Some(&other),
    );
    let (s, _) = handshake(&mut server, &mut bad);
    assert!(s.err().unwrap().to_string().contains("401"));

    let mut good = WsClient::start(
        Box::new(tcp_client(&server)),
        "ws://127.0.0.1/ocpp/CP001",
        &["ocpp2.0.1"],
        Some(&auth("right")),
    );
    let (s, c) = handshake(&mut server, &mut good);
    round_trip(&mut s.unwrap(), &mut c.unwrap());
}

#[test]
fn no_common_subprotocol_is_refused() {
    let (mut server, connector) = WsServer::memory(cfg(None));
    // A client that offers only 1.6: the server answers without the header
    // and closes; tungstenite's client refuses that answer itself.
    let mut client = WsClient::start(
        Box::new(connector.connect()),
        "ws://csms/ocpp/CP001",
        &["ocpp1.6"],
        None,
    );
    let (s, c) = handshake(&mut server, &mut client);
    let s = s.err().unwrap();
    assert!(s.to_string().contains("ocpp1.6"), "{s}");
    assert!(c.is_err());

    // A client that offers none gets a completed upgrade that is closed at once.
    let mut client = WsClient::start(
        Box::new(connector.connect()),
        "ws://csms/ocpp/CP001",
        &[],
        None,
    );
    let (s, c) = handshake(&mut server, &mut client);
    assert!(matches!(s, Err(WsError::HandshakeRefused { .. })));
    let mut c = c.unwrap();
    assert_eq!(c.subprotocol(), "");
    assert!(matches!(until_closed(&mut c), WsError::Closed { .. }));
}

#[test]
fn over_size_message_is_an_error() {
    let (mut server, connector) = WsServer::memory(WsConfig {
        max_frame_bytes: 1024,
        ..cfg(None)
    });
    let mut client = WsClient::start(
        Box::new(connector.connect()),
        "ws://csms/ocpp/CP001",
        &["ocpp2.0.1"],
        None,
    );
    let (s, c) = handshake(&mut server, &mut client);
    let (mut s, mut c) = (s.unwrap(), c.unwrap());
    c.send(&"x".repeat(1024)).unwrap();
    assert_eq!(recv(&mut s, &mut c).unwrap().len(), 1024);
    c.send(&"x".repeat(4000)).unwrap();
    let e = recv(&mut s, &mut c).unwrap_err();
    assert!(matches!(e, WsError::FrameTooBig { max: 1024, .. }), "{e}");
}

#[test]
fn garbage_instead_of_an_upgrade_is_an_error() {
    let (mut server, connector) = WsServer::memory(cfg(None));
    let inputs: [&[u8]; 4] = [
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03garbage\r\n\r\n",
        b"GET /ocpp/CP001 HTTP/1.1\r\nHost: x\r\n\r\n",
        b"POST / HTTP/1.1\r\n\r\n",
        b"\x00\x01\x02\r\n\r\n",
    ];
    for bytes in inputs {
        let mut raw = connector.connect();
        raw.write_all(bytes).unwrap();
        let start = Instant::now();
        let e = loop {
            assert!(start.elapsed() < LIMIT, "{bytes:?}");
            if let Some(r) = server.poll_accept() {
                break r.err().unwrap();
            }
        };
        assert!(matches!(e, WsError::HandshakeRefused { .. }), "{e}");
    }
    // A peer that connects and hangs up says so.
    drop(connector.connect());
    let start = Instant::now();
    let e = loop {
        assert!(start.elapsed() < LIMIT);
        if let Some(r) = server.poll_accept() {
            break r.err().unwrap();
        }
    };
    assert!(e.to_string().contains("emulated"), "{e}");

    // TCP garbage too, and the server still serves a real client afterwards.
    let mut tcp = WsServer::bind_tcp("127.0.0.1:0", None, cfg(None)).unwrap();
    let mut junk = TcpStream::connect(tcp.local_addr().unwrap()).unwrap();
    junk.write_all(&[0xff; 300]).unwrap();
    junk.write_all(b"\r\n\r\n").unwrap();
    let start = Instant::now();
    let e = loop {
        assert!(start.elapsed() < LIMIT);
        if let Some(r) = tcp.poll_accept() {
            break r.err().unwrap();
        }
        std::thread::sleep(Duration::from_micros(200));
    };
    assert!(e.to_string().contains("127.0.0.1:"), "{e}");
    let mut good = WsClient::start(
        Box::new(tcp_client(&tcp)),
        "ws://127.0.0.1/ocpp/CP001",
        &["ocpp2.0.1"],
        None,
    );
    let (s, c) = handshake(&mut tcp, &mut good);
    round_trip(&mut s.unwrap(), &mut c.unwrap());
}

#[test]
fn bad_client_url_is_reported_on_poll() {
    let (_server, connector) = WsServer::memory(cfg(None));
    let mut c = WsClient::start(
        Box::new(connector.connect()),
        "not a url",
        &["ocpp2.0.1"],
        None,
    );
    assert!(c.poll().is_err());
    let mut c = WsClient::start(
        Box::new(connector.connect()),
        "ws://csms/ocpp/",
        &["ocpp2.0.1"],
        None,
    );
    assert!(c.poll().is_err());
}
