//! How an EV reaches a charger's SECC (issue 12): SDP over UDP, V2GTP over
//! TCP and TLS 1.3, and the emulated rig's socketless link. No PLC modem:
//! loopback (`[::1]`, or 127.0.0.1 without IPv6), plus SDP multicast to
//! ff02::1 and TCP to a link-local address on the first interface that
//! allows it (skipped with the reason where none does). The test PKI (V2G
//! root CA → CPO sub-CA → SECC leaf, ECDSA P-384/P-256) is made fresh by
//! rcgen, through the emulated charger's `EmulatedV2gPki`. Property tests: any bytes on the link, cut anywhere, give what
//! the frame splitter gives, never a panic.

mod common;
mod proptest_common;

use iso15118::app_protocol::{AppProtocol, SupportedAppProtocolReq, SupportedAppProtocolRes};
use iso15118::exi::ExiDocument;
use proptest::collection::vec;
use proptest::prelude::*;
use std::net::{Ipv6Addr, SocketAddr, TcpListener, UdpSocket};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};
use v2x_hil::emulator::v2g_pki::EmulatedV2gPki;
use v2x_hil::protocol::v2gtp::sdp::{SdpRequest, SdpResponse, Security, Transport};
use v2x_hil::protocol::v2gtp::{FrameSplitter, Limits, Message, PayloadType};
use v2x_hil::transport::v2g::{
    answer_sdp, client_config, connect_tcp, connect_tls, emulated_link, memory_pipe,
    secc_server_config, SdpClient, SdpPoll, SdpRetryPolicy, SdpSchedule, SdpServer, SdpStep,
    SeccOffer, V2gConnection, V2gTransportError,
};

const T: Duration = Duration::from_secs(5);

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
        .collect()
}

/// ISO 15118-20 SupportedAppProtocolReq, EVerest/libiso15118
/// `test/exi/cb/app_hand/app_hand.cpp` (as in tests/exi_vectors.rs).
fn sap_req() -> Message {
    let exi = unhex("8000f3ab9371d34b9b79d39ba321d34b9b79d189a98989c1d1699181d20a18010000040040");
    Message::new(PayloadType::Exi, exi)
}

/// What the test SECC answers: the iso15118 codec decodes the request and
/// accepts its one protocol.
fn sap_res_for(req: &Message) -> Message {
    let decoded = SupportedAppProtocolReq::from_bytes(&req.payload).expect("SAP request decodes");
    assert_eq!(
        decoded.app_protocols,
        vec![AppProtocol {
            protocol_namespace: "urn:iso:std:iso:15118:-20:AC".into(),
            version_number_major: 1,
            version_number_minor: 0,
            schema_id: 1,
            priority: 1,
        }]
    );
    let res = SupportedAppProtocolRes {
        response_code: iso15118::app_protocol::ResponseCode::OkSuccessfulNegotiation,
        schema_id: Some(1),
    };
    Message::new(
        PayloadType::Exi,
        res.to_vec().expect("SAP response encodes"),
    )
}

fn check_sap_res(res: &Message) {
    assert_eq!(res.payload_type, PayloadType::Exi);
    let decoded = SupportedAppProtocolRes::from_bytes(&res.payload).expect("SAP response decodes");
    assert!(decoded.response_code.is_ok());
    assert_eq!(decoded.schema_id, Some(1));
}

/// Loopback for TCP: `[::1]` where the machine has IPv6, else 127.0.0.1.
fn loopback_listener() -> TcpListener {
    match TcpListener::bind("[::1]:0") {
        Ok(l) => l,
        Err(e) => {
            eprintln!("IPv6 loopback unavailable ({e}): using 127.0.0.1");
            TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1")
        }
    }
}

fn loopback_udp() -> SocketAddr {
    if UdpSocket::bind("[::1]:0").is_ok() {
        "[::1]:0".parse().unwrap()
    } else {
        eprintln!("IPv6 loopback unavailable: SDP unicast test on 127.0.0.1");
        "127.0.0.1:0".parse().unwrap()
    }
}

/// The SECC side of one exchange on an accepted stream.
fn serve_one(mut secc: V2gConnection) {
    let req = secc.recv(T).expect("SECC receives the request");
    secc.send(&sap_res_for(&req))
        .expect("SECC queues the response");
    secc.flush(T).expect("SECC sends the response");
    // Keep the stream open until the EVCC has read (it closes first).
    let _ = secc.recv(T);
}

// ---------------------------------------------------------------- SDP

const OFFER: SeccOffer = SeccOffer {
    address: Ipv6Addr::new(0xfe80, 0, 0, 0, 0x2, 0x1ff, 0xfe00, 0x1),
    tcp_port: Some(61_000),
    tls_port: Some(61_001),
};

#[test]
fn sdp_over_udp_loopback_finds_the_secc() {
    let mut server = SdpServer::bind_addr(loopback_udp(), OFFER).expect("SDP server");
    let target = server.local_addr().unwrap();
    let request = SdpRequest {
        security: Security::Tls,
        transport: Transport::Tcp,
    };
    let policy = SdpRetryPolicy {
        attempts: 50,
        interval: Duration::from_millis(20),
    };
    let mut client = SdpClient::open_to(target, request, policy).expect("SDP client");
    let start = Instant::now();
    let found = loop {
        server.poll().expect("server poll");
        match client.poll(start.elapsed()).expect("client poll") {
            SdpPoll::Found { response, from } => break (response, from),
            SdpPoll::Waiting { .. } => thread::sleep(Duration::from_millis(1)),
        }
    };
    assert_eq!(
        found.0,
        SdpResponse {
            address: OFFER.address,
            port: 61_001,
            security: Security::Tls,
            transport: Transport::Tcp,
        }
    );
    assert_eq!(found.1, target);
    assert!(client.sent() >= 1 && server.answered() >= 1);
    assert_eq!(client.ignored(), 0);
    // The address to connect to carries the client's scope (none here).
    assert_eq!(
        client.secc_addr(&found.0),
        "[fe80::2:1ff:fe00:1]:61001".parse::<SocketAddr>().unwrap()
    );
}

#[test]
fn sdp_gives_up_after_the_policy_with_a_named_error() {
    // A socket that never answers.
    let silent = UdpSocket::bind(loopback_udp()).unwrap();
    let target = silent.local_addr().unwrap();
    let policy = SdpRetryPolicy {
        attempts: 3,
        interval: Duration::from_millis(15),
    };
    let request = SdpRequest {
        security: Security::NoTls,
        transport: Transport::Tcp,
    };
    let mut client = SdpClient::open_to(target, request, policy).unwrap();
    let start = Instant::now();
    let e = client.discover().unwrap_err();
    assert!(start.elapsed() >= Duration::from_millis(45));
    assert!(
        matches!(&e, V2gTransportError::NoSecc { attempts: 3, interface, .. } if *interface == target.to_string()),
        "{e}"
    );
    // The three requests arrived as the standard's bytes.
    silent.set_nonblocking(true).unwrap();
    let mut buf = [0u8; 64];
    let mut got = 0;
    while let Ok((n, _)) = silent.recv_from(&mut buf) {
        assert_eq!(&buf[..n], &[0x01, 0xfe, 0x90, 0x00, 0, 0, 0, 2, 0x10, 0x00]);
        got += 1;
    }
    assert_eq!(got, 3);
}

#[test]
fn sdp_client_ignores_garbage_and_takes_the_valid_answer() {
    let fake = UdpSocket::bind(loopback_udp()).unwrap();
    let target = fake.local_addr().unwrap();
    let request = SdpRequest {
        security: Security::NoTls,
        transport: Transport::Tcp,
    };
    let mut client = SdpClient::open_to(target, request, SdpRetryPolicy::ISO15118).unwrap();
    assert!(matches!(
        client.poll(Duration::ZERO).unwrap(),
        SdpPoll::Waiting { .. }
    ));
    let (_, ev) = fake.recv_from(&mut [0u8; 64]).unwrap();
    fake.send_to(b"\x01\xfe\x90\x01garbage", ev).unwrap();
    let udp = SdpResponse {
        address: Ipv6Addr::LOCALHOST,
        port: 50_000,
        security: Security::NoTls,
        transport: Transport::Udp,
    };
    fake.send_to(&udp.encode(), ev).unwrap();
    let good = SdpResponse {
        transport: Transport::Tcp,
        ..udp
    };
    fake.send_to(&good.encode(), ev).unwrap();
    let deadline = Instant::now() + T;
    loop {
        if let SdpPoll::Found { response, .. } = client.poll(Duration::ZERO).unwrap() {
            assert_eq!(response, good);
            break;
        }
        assert!(Instant::now() < deadline, "no SDP response taken");
        thread::sleep(Duration::from_millis(1));
    }
    assert_eq!(client.ignored(), 2);
}

/// The interfaces with an IPv6 link-local address, by name
/// (from /proc/net/if_inet6: address, index, prefix, scope 0x20 = link).
fn link_local_interfaces() -> Vec<(String, Ipv6Addr)> {
    let text = std::fs::read_to_string("/proc/net/if_inet6").unwrap_or_default();
    let mut out = Vec::new();
    for line in text.lines() {
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.len() < 6 || f[3] != "20" || f[0].len() != 32 {
            continue;
        }
        let Ok(bits) = u128::from_str_radix(f[0], 16) else {
            continue;
        };
        out.push((f[5].to_string(), Ipv6Addr::from(bits)));
    }
    out.sort();
    out
}

#[test]
fn sdp_multicast_then_tcp_to_the_link_local_address_or_skip() {
    // The hardware flow on a real interface: SDP to ff02::1%if, then V2GTP
    // over TCP to the link-local address SDP gave, scoped to the interface.
    // Needs IPv6 and a multicast-capable interface with a link-local
    // address (not loopback); skipped with the reason where none works.
    let candidates = link_local_interfaces();
    let mut reasons = Vec::new();
    for (name, address) in &candidates {
        match multicast_then_tcp(name, *address) {
            Ok(()) => {
                println!("SDP multicast and V2GTP over {name} ({address}): ok");
                return;
            }
            Err(e) => reasons.push(format!("{name}: {e}")),
        }
    }
    if candidates.is_empty() {
        reasons.push("no interface has an IPv6 link-local address".into());
    }
    common::expected_skip(
        "sdp_multicast_then_tcp_to_the_link_local_address_or_skip",
        &format!(
            "SDP multicast to ff02::1 and TCP to a link-local SECC need an IPv6 \
             multicast interface; none worked ({})",
            reasons.join("; ")
        ),
    );
}

fn multicast_then_tcp(interface: &str, address: Ipv6Addr) -> Result<(), String> {
    let scope = v2x_hil::transport::v2g::interface_index(interface).map_err(|e| e.to_string())?;
    let listener = TcpListener::bind(std::net::SocketAddrV6::new(address, 0, 0, scope))
        .map_err(|e| format!("TCP listen on {address}%{interface}: {e}"))?;
    let tcp_port = listener.local_addr().map_err(|e| e.to_string())?.port();
    let offer = SeccOffer {
        address,
        tcp_port: Some(tcp_port),
        tls_port: None,
    };
    let mut server = SdpServer::bind(interface, 0, offer).map_err(|e| e.to_string())?;
    let port = server.local_addr().map_err(|e| e.to_string())?.port();
    let request = SdpRequest {
        security: Security::NoTls,
        transport: Transport::Tcp,
    };
    let policy = SdpRetryPolicy {
        attempts: 5,
        interval: Duration::from_millis(20),
    };
    let mut client =
        SdpClient::open_multicast(interface, port, request, policy).map_err(|e| e.to_string())?;
    let start = Instant::now();
    let response = loop {
        server.poll().map_err(|e| e.to_string())?;
        match client.poll(start.elapsed()).map_err(|e| e.to_string())? {
            SdpPoll::Found { response, .. } => break response,
            SdpPoll::Waiting { .. } => thread::sleep(Duration::from_millis(1)),
        }
    };
    assert_eq!((response.address, response.port), (address, tcp_port));
    let secc_addr = client.secc_addr(&response);
    let secc = thread::spawn(move || {
        let (s, peer) = listener.accept().unwrap();
        s.set_nonblocking(true).unwrap();
        serve_one(V2gConnection::new(
            Box::new(s),
            format!("tcp {peer}"),
            Limits::default(),
        ));
    });
    let mut ev = connect_tcp(secc_addr, T, Limits::default()).map_err(|e| e.to_string())?;
    // The peer is named with the interface, not its index.
    assert_eq!(ev.peer(), format!("tcp [{address}%{interface}]:{tcp_port}"));
    check_sap_res(&ev.exchange(&sap_req(), T).map_err(|e| e.to_string())?);
    drop(ev);
    secc.join()
        .map_err(|_| "SECC thread panicked".to_string())?;
    Ok(())
}

#[test]
fn unknown_interface_is_named() {
    let request = SdpRequest {
        security: Security::Tls,
        transport: Transport::Tcp,
    };
    let e = SdpClient::open("plc-nope9", request, SdpRetryPolicy::ISO15118).unwrap_err();
    assert!(e.to_string().contains("\"plc-nope9\""), "{e}");
    let e = SdpServer::bind("plc-nope9", 0, OFFER).unwrap_err();
    assert!(e.to_string().contains("plc-nope9"), "{e}");
}

#[test]
fn answer_sdp_gives_what_is_asked_if_offered() {
    let req = |security| SdpRequest {
        security,
        transport: Transport::Tcp,
    };
    let tls_only = SeccOffer {
        tcp_port: None,
        ..OFFER
    };
    let tcp_only = SeccOffer {
        tls_port: None,
        ..OFFER
    };
    let none = SeccOffer {
        tcp_port: None,
        tls_port: None,
        ..OFFER
    };
    let got = |r, o: &SeccOffer| answer_sdp(&r, o).map(|a| (a.security, a.port));
    assert_eq!(
        got(req(Security::Tls), &OFFER),
        Some((Security::Tls, 61_001))
    );
    assert_eq!(
        got(req(Security::NoTls), &OFFER),
        Some((Security::NoTls, 61_000))
    );
    assert_eq!(
        got(req(Security::NoTls), &tls_only),
        Some((Security::Tls, 61_001))
    );
    assert_eq!(
        got(req(Security::Tls), &tcp_only),
        Some((Security::NoTls, 61_000))
    );
    assert_eq!(got(req(Security::Tls), &none), None);
    let udp = SdpRequest {
        security: Security::NoTls,
        transport: Transport::Udp,
    };
    assert_eq!(answer_sdp(&udp, &OFFER), None);
    let a = answer_sdp(&req(Security::Tls), &OFFER).unwrap();
    assert_eq!((a.address, a.transport), (OFFER.address, Transport::Tcp));
}

// ----------------------------------------------------- the emulated rig

#[test]
fn emulated_rig_discovers_and_exchanges_on_simulated_time() {
    // SDP without sockets: the EVCC's schedule on a simulated clock, an
    // SECC that answers from the 4th request on (the first three "lost").
    let request = SdpRequest {
        security: Security::NoTls,
        transport: Transport::Tcp,
    };
    let mut schedule = SdpSchedule::new(SdpRetryPolicy::ISO15118, Duration::ZERO);
    let mut now = Duration::ZERO;
    let response = loop {
        match schedule.step(now) {
            SdpStep::Send { attempt } => {
                let datagram = request.encode();
                let seen = SdpRequest::decode(&datagram).unwrap();
                if attempt >= 4 {
                    let answer = answer_sdp(&seen, &OFFER).unwrap().encode();
                    break SdpResponse::decode(&answer).unwrap();
                }
            }
            SdpStep::Wait { until } => now = until,
            SdpStep::GiveUp { .. } => panic!("gave up"),
        }
    };
    assert_eq!(now, Duration::from_millis(750));
    assert_eq!(
        (response.security, response.port),
        (Security::NoTls, 61_000)
    );

    // V2GTP over the in-memory link, serviced by polls only.
    let (mut ev, mut secc) = emulated_link(Limits::default());
    ev.send(&sap_req()).unwrap();
    let req = secc.poll().unwrap().expect("request arrived");
    secc.send(&sap_res_for(&req)).unwrap();
    check_sap_res(&ev.poll().unwrap().expect("response arrived"));
}

// ------------------------------------------------------------- TCP

#[test]
fn v2gtp_over_tcp_exchanges_supported_app_protocol() {
    let listener = loopback_listener();
    let addr = listener.local_addr().unwrap();
    let server = thread::spawn(move || {
        let (s, peer) = listener.accept().unwrap();
        s.set_nonblocking(true).unwrap();
        serve_one(V2gConnection::new(
            Box::new(s),
            format!("tcp {peer}"),
            Limits::default(),
        ));
    });
    let mut ev = connect_tcp(addr, T, Limits::default()).expect("connect");
    assert_eq!(ev.peer(), format!("tcp {addr}"));
    let res = ev.exchange(&sap_req(), T).expect("exchange");
    check_sap_res(&res);
    drop(ev);
    server.join().unwrap();
}

#[test]
fn tcp_exchange_has_a_deadline_and_garbage_is_refused() {
    let listener = loopback_listener();
    let addr = listener.local_addr().unwrap();
    let server = thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        // Read the request, say nothing; then answer with garbage.
        let mut buf = [0u8; 64];
        let _ = std::io::Read::read(&mut s, &mut buf);
        thread::sleep(Duration::from_millis(300));
        std::io::Write::write_all(&mut s, b"\x01\xfe\x80\x01\xff\xff\xff\xff").unwrap();
        thread::sleep(Duration::from_millis(300));
    });
    let mut ev = connect_tcp(addr, T, Limits::default()).unwrap();
    let start = Instant::now();
    let e = ev
        .exchange(&sap_req(), Duration::from_millis(100))
        .unwrap_err();
    assert!(start.elapsed() < Duration::from_secs(1));
    assert!(
        matches!(
            &e,
            V2gTransportError::Timeout {
                what: "a response",
                ..
            }
        ),
        "{e}"
    );
    assert!(e.to_string().contains(&addr.to_string()), "{e}");
    let e = ev.recv(T).unwrap_err();
    assert!(matches!(e, V2gTransportError::Framing { .. }), "{e}");
    assert!(e.to_string().contains("payload length"), "{e}");
    server.join().unwrap();
}

#[test]
fn tcp_connect_refused_names_the_address() {
    // A port nobody listens on: bind, note it, close.
    let addr = loopback_listener().local_addr().unwrap();
    let e = connect_tcp(addr, T, Limits::default()).unwrap_err();
    assert!(
        matches!(&e, V2gTransportError::Connect { addr: a, .. } if *a == addr.to_string()),
        "{e}"
    );
}

// ------------------------------------------------------------- TLS 1.3

/// A V2G PKI: root CA → CPO sub-CA → SECC leaf (the library's, as the
/// emulated charger uses it).
fn make_pki(root_cn: &str) -> EmulatedV2gPki {
    EmulatedV2gPki::generate_named(root_cn).unwrap()
}

/// A TLS SECC on loopback that serves one exchange; returns its address
/// and the thread, which yields the negotiated TLS version (None if the
/// handshake failed).
fn tls_secc(
    config: Arc<rustls::ServerConfig>,
) -> (
    SocketAddr,
    thread::JoinHandle<Option<rustls::ProtocolVersion>>,
) {
    let listener = loopback_listener();
    let addr = listener.local_addr().unwrap();
    let handle = thread::spawn(move || {
        let (mut tcp, peer) = listener.accept().unwrap();
        tcp.set_read_timeout(Some(T)).unwrap();
        let mut conn = rustls::ServerConnection::new(config).unwrap();
        while conn.is_handshaking() {
            if conn.complete_io(&mut tcp).is_err() {
                return None;
            }
        }
        let version = conn.protocol_version();
        tcp.set_nonblocking(true).unwrap();
        serve_one(V2gConnection::new(
            Box::new(rustls::StreamOwned::new(conn, tcp)),
            format!("tls {peer}"),
            Limits::default(),
        ));
        version
    });
    (addr, handle)
}

#[test]
fn v2gtp_over_tls13_exchanges_supported_app_protocol() {
    let pki = make_pki("V2G Root CA");
    let server_cfg = secc_server_config(pki.chain.clone(), pki.leaf_key.clone_key()).unwrap();
    let (addr, server) = tls_secc(server_cfg);
    let client_cfg = client_config(std::slice::from_ref(&pki.root)).unwrap();
    let mut ev = connect_tls(addr, client_cfg, T, Limits::default()).expect("TLS connect");
    assert_eq!(ev.peer(), format!("tls {addr}"));
    check_sap_res(&ev.exchange(&sap_req(), T).expect("exchange"));
    drop(ev);
    assert_eq!(
        server.join().unwrap(),
        Some(rustls::ProtocolVersion::TLSv1_3)
    );
}

#[test]
fn tls_refuses_an_secc_whose_chain_leads_elsewhere() {
    let trusted = make_pki("V2G Root CA");
    let other = make_pki("Another V2G Root CA");
    let client_cfg = client_config(std::slice::from_ref(&trusted.root)).unwrap();

    // A chain from another root.
    let (addr, server) =
        tls_secc(secc_server_config(other.chain, other.leaf_key.clone_key()).unwrap());
    let e = connect_tls(addr, client_cfg.clone(), T, Limits::default()).unwrap_err();
    assert!(
        matches!(&e, V2gTransportError::UntrustedSecc { peer, reason }
            if *peer == format!("tls {addr}") && reason.contains("UnknownIssuer")),
        "{e}"
    );
    assert!(e.to_string().contains("not trusted"), "{e}");
    assert_eq!(server.join().unwrap(), None);

    // The right root, but the SECC leaves out its sub-CA: no path.
    let (addr, server) = tls_secc(
        secc_server_config(trusted.chain[..1].to_vec(), trusted.leaf_key.clone_key()).unwrap(),
    );
    let e = connect_tls(addr, client_cfg, T, Limits::default()).unwrap_err();
    assert!(matches!(e, V2gTransportError::UntrustedSecc { .. }), "{e}");
    assert_eq!(server.join().unwrap(), None);
}

#[test]
fn tls_client_offers_only_tls13() {
    let pki = make_pki("V2G Root CA");
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let tls12_only = rustls::ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS12])
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(pki.chain, pki.leaf_key.clone_key())
        .unwrap();
    let (addr, server) = tls_secc(Arc::new(tls12_only));
    let client_cfg = client_config(std::slice::from_ref(&pki.root)).unwrap();
    let e = connect_tls(addr, client_cfg, T, Limits::default()).unwrap_err();
    assert!(matches!(e, V2gTransportError::Tls { .. }), "{e}");
    assert_eq!(server.join().unwrap(), None);
}

#[test]
fn tls_handshake_has_a_deadline() {
    // A listener that accepts and never speaks TLS.
    let listener = loopback_listener();
    let addr = listener.local_addr().unwrap();
    let server = thread::spawn(move || {
        let (s, _) = listener.accept().unwrap();
        thread::sleep(Duration::from_millis(400));
        drop(s);
    });
    let pki = make_pki("V2G Root CA");
    let client_cfg = client_config(std::slice::from_ref(&pki.root)).unwrap();
    let e = connect_tls(
        addr,
        client_cfg,
        Duration::from_millis(100),
        Limits::default(),
    )
    .unwrap_err();
    assert!(
        matches!(
            e,
            V2gTransportError::Timeout {
                what: "the TLS handshake",
                ..
            }
        ),
        "{e}"
    );
    server.join().unwrap();
}

#[test]
fn tls_config_without_roots_is_refused() {
    let e = client_config(&[]).unwrap_err();
    assert!(e.to_string().contains("no V2G root"), "{e}");
}

// ------------------------------------------------------ any bytes

/// Feeds `chunks` through an in-memory link into a connection, polling
/// after each; returns the messages and whether the link ended in a
/// framing error.
fn through_connection(chunks: &[Vec<u8>]) -> (Vec<Message>, bool) {
    let (ev, mut raw) = memory_pipe();
    let mut conn = V2gConnection::new(Box::new(ev), "emulated SECC", Limits::default());
    let mut got = Vec::new();
    for chunk in chunks {
        std::io::Write::write_all(&mut raw, chunk).unwrap();
        loop {
            match conn.poll() {
                Ok(Some(m)) => got.push(m),
                Ok(None) => break,
                Err(V2gTransportError::Framing { .. }) => return (got, true),
                Err(e) => panic!("unexpected {e}"),
            }
        }
    }
    (got, false)
}

proptest! {
    #![proptest_config(proptest_common::config(256))]

    #[test]
    fn any_bytes_never_panic_and_match_the_splitter(
        chunks in vec(vec(any::<u8>(), 0..40), 0..8),
        lead in prop_oneof![Just(vec![]), Just(vec![0x01, 0xfe, 0x80, 0x01, 0, 0, 0])],
    ) {
        let mut chunks = chunks;
        chunks.insert(0, lead);
        let (got, failed) = through_connection(&chunks);
        let mut splitter = FrameSplitter::new(Limits::default());
        let mut want = Vec::new();
        let mut want_failed = false;
        for chunk in &chunks {
            splitter.push(chunk);
            while let Some(m) = splitter.next_message() {
                match m {
                    Ok(m) => want.push(m),
                    Err(_) => want_failed = true,
                }
            }
        }
        prop_assert_eq!(got, want);
        prop_assert_eq!(failed, want_failed);
    }

    #[test]
    fn framed_messages_arrive_whole_however_the_stream_is_cut(
        payloads in vec((0x8001u16..0x8007, vec(any::<u8>(), 0..300)), 1..6),
        cut in 1usize..64,
    ) {
        let sent: Vec<Message> = payloads
            .into_iter()
            .map(|(t, p)| Message::new(PayloadType::from_u16(t), p))
            .collect();
        let stream: Vec<u8> = sent.iter().flat_map(|m| m.encode().unwrap()).collect();
        let chunks: Vec<Vec<u8>> = stream.chunks(cut).map(<[u8]>::to_vec).collect();
        let (got, failed) = through_connection(&chunks);
        prop_assert!(!failed);
        prop_assert_eq!(got, sent);
    }
}

// ------------------------------------------- the vehicle's Ethernet link

/// The CCS vehicle's hardware link as its driver uses it: SDP multicast on
/// the interface asking for TLS, the TCP connect to the link-local address
/// offered on a worker thread, then TLS 1.3 (the non-blocking wrapper the
/// driver uses) to an SECC whose chain leads to the root the rig names.
/// Needs an IPv6 multicast interface; skipped with the reason where none.
#[test]
fn ethernet_link_discovers_connects_and_runs_tls13_or_skip() {
    let candidates = link_local_interfaces();
    let mut reasons = Vec::new();
    for (name, address) in &candidates {
        match ethernet_link_over(name, *address) {
            Ok(()) => return println!("EthernetLink over {name}: ok"),
            Err(e) => reasons.push(format!("{name}: {e}")),
        }
    }
    common::expected_skip(
        "ethernet_link_discovers_connects_and_runs_tls13_or_skip",
        &format!(
            "the Ethernet link needs an IPv6 multicast interface; none worked ({})",
            reasons.join("; ")
        ),
    );
}

fn ethernet_link_over(interface: &str, address: Ipv6Addr) -> Result<(), String> {
    use std::io::Write;
    use v2x_hil::transport::v2g::link::{EthernetLink, LinkPoll, V2gLink};
    use v2x_hil::transport::v2g::nb_tls::NonBlockingTls;
    let pki = make_pki("V2G Root CA");
    let scope = v2x_hil::transport::v2g::interface_index(interface).map_err(|e| e.to_string())?;
    let listener = TcpListener::bind(std::net::SocketAddrV6::new(address, 0, 0, scope))
        .map_err(|e| format!("TCP listen on {address}%{interface}: {e}"))?;
    let tls_port = listener.local_addr().map_err(|e| e.to_string())?.port();
    let offer = SeccOffer {
        address,
        tcp_port: None,
        tls_port: Some(tls_port),
    };
    let mut sdp = SdpServer::bind(interface, 0, offer).map_err(|e| e.to_string())?;
    let sdp_port = sdp.local_addr().map_err(|e| e.to_string())?.port();
    let server_config = pki.server_config.clone();
    let secc = thread::spawn(move || {
        let start = Instant::now();
        while sdp.answered() == 0 && start.elapsed() < T {
            let _ = sdp.poll();
            thread::sleep(Duration::from_millis(1));
        }
        let (tcp, peer) = listener.accept().unwrap();
        tcp.set_nonblocking(true).unwrap();
        let tls = rustls::ServerConnection::new(server_config).unwrap();
        serve_one(V2gConnection::new(
            Box::new(NonBlockingTls::new(tls, Box::new(tcp))),
            format!("tls {peer}"),
            Limits::default(),
        ));
    });
    let policy = SdpRetryPolicy {
        attempts: 20,
        interval: Duration::from_millis(50),
    };
    let mut link = EthernetLink::new(interface, vec![pki.root.clone()]).with_sdp(sdp_port, policy);
    assert_eq!(link.describe(), interface);
    link.open(SdpRequest {
        security: Security::Tls,
        transport: Transport::Tcp,
    });
    let start = Instant::now();
    let opened = loop {
        match link.poll() {
            LinkPoll::Opened(o) => break o,
            LinkPoll::Failed { reason, .. } => return Err(reason),
            LinkPoll::Pending if start.elapsed() > T => return Err("no outcome".into()),
            LinkPoll::Pending => thread::sleep(Duration::from_millis(1)),
        }
    };
    assert_eq!(opened.offer.security, Security::Tls);
    assert_eq!(opened.offer.port, tls_port);
    assert_eq!(
        SdpResponse::decode(&opened.sdp_answer).unwrap(),
        opened.offer
    );
    let config = client_config(&link.v2g_roots()).map_err(|e| e.to_string())?;
    let tls = rustls::ClientConnection::new(
        config,
        rustls::pki_types::ServerName::IpAddress(opened.peer.ip().into()),
    )
    .map_err(|e| e.to_string())?;
    let mut stream = NonBlockingTls::new(tls, opened.stream);
    stream.flush().map_err(|e| e.to_string())?;
    let mut ev = V2gConnection::new(Box::new(stream), "tls SECC", Limits::default());
    check_sap_res(&ev.exchange(&sap_req(), T).map_err(|e| e.to_string())?);
    drop(ev);
    secc.join().map_err(|_| "SECC thread panicked".to_string())
}

/// A vehicle that needs TLS (ISO 15118-20) refuses an SECC that offers
/// only plain TCP, naming both, and never connects.
#[test]
fn ethernet_link_refuses_an_secc_without_tls() {
    use v2x_hil::transport::v2g::link::{EthernetLink, LinkPoll, V2gLink};
    let test = "ethernet_link_refuses_an_secc_without_tls";
    let Some((interface, address)) = link_local_interfaces().into_iter().next() else {
        return common::expected_skip(test, "no interface has an IPv6 link-local address");
    };
    let offer = SeccOffer {
        address,
        tcp_port: Some(61_000),
        tls_port: None,
    };
    let Ok(mut sdp) = SdpServer::bind(&interface, 0, offer) else {
        return common::expected_skip(test, &format!("cannot listen for SDP on {interface}"));
    };
    let sdp_port = sdp.local_addr().unwrap().port();
    let policy = SdpRetryPolicy {
        attempts: 20,
        interval: Duration::from_millis(50),
    };
    let mut link = EthernetLink::new(&interface, Vec::new()).with_sdp(sdp_port, policy);
    link.open(SdpRequest {
        security: Security::Tls,
        transport: Transport::Tcp,
    });
    let start = Instant::now();
    let reason = loop {
        let _ = sdp.poll();
        match link.poll() {
            LinkPoll::Failed { reason, sdp_answer } => {
                assert!(sdp_answer.is_some());
                break reason;
            }
            LinkPoll::Opened(_) => panic!("connected to an SECC without TLS"),
            LinkPoll::Pending => {
                assert!(start.elapsed() < T, "no outcome");
                thread::sleep(Duration::from_millis(1));
            }
        }
    };
    assert_eq!(
        reason,
        "the SECC offers no TLS but the vehicle asked for TLS"
    );
}
