//! The CCS vehicle's network, as its driver sees it: SECC discovery and
//! then a connection, started at plug-in and polled on the vehicle's
//! cadence, never blocking the caller.
//!
//! - [`EmulatedLink`]: the emulated rig's in-memory network; the SECC
//!   answers at once, on simulated time.
//! - [`EthernetLink`]: an Ethernet interface bound to a HomePlug Green PHY
//!   modem (SLAC is the modem's side). SDP multicast to ff02::1 with the
//!   standard's retries, then TCP to the link-local address offered; both
//!   wait on wall time, so they run on a worker thread and the driver takes
//!   the result when it is there.
//!
//! Either way the driver wraps the stream in TLS 1.3 when the SECC offers
//! TLS ([`super::nb_tls`]), trusting the roots [`V2gLink::v2g_roots`] gives.

use super::connection::{connect_socket, Stream};
use super::discovery::{describe_addr, SdpClient, SdpRetryPolicy};
use super::emulated_net::EmulatedV2gNet;
use crate::protocol::v2gtp::sdp::{SdpRequest, SdpResponse, Security};
use rustls::pki_types::CertificateDer;
use std::net::{IpAddr, SocketAddr};
use std::sync::mpsc;
use std::time::Duration;

/// How long the TCP connect to the offered SECC may take on hardware.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);

/// A connection to the SECC, as discovery found it.
pub struct Opened {
    /// The SDP response datagram (evidence).
    pub sdp_answer: Vec<u8>,
    pub offer: SdpResponse,
    pub stream: Box<dyn Stream>,
    /// The SECC's address, for TLS and messages.
    pub peer: SocketAddr,
}

/// What [`V2gLink::poll`] found.
pub enum LinkPoll {
    Pending,
    Opened(Opened),
    /// Discovery or the connection failed; the reason names the
    /// interface or address. The SDP answer, if one came.
    Failed {
        reason: String,
        sdp_answer: Option<Vec<u8>>,
    },
}

pub trait V2gLink: Send {
    /// Starts discovery with `request` (its security is what the vehicle
    /// requires) and then the connection. Replaces any attempt under way.
    fn open(&mut self, request: SdpRequest);
    /// The outcome, once there; `Pending` until then. Never blocks.
    fn poll(&mut self) -> LinkPoll;
    /// The V2G roots the vehicle trusts for the SECC's TLS chain.
    fn v2g_roots(&self) -> Vec<CertificateDer<'static>>;
    /// "emulated V2GTP link", "eth1".
    fn describe(&self) -> String;
}

/// The SECC's answer must give what the vehicle asked for: an ISO 15118-20
/// vehicle needs TLS; a DIN 70121 one has none.
fn check_offer(asked: &SdpRequest, offer: &SdpResponse) -> Result<(), String> {
    if offer.security != asked.security {
        return Err(format!(
            "the SECC offers {} but the vehicle asked for {}",
            security_name(offer.security),
            security_name(asked.security)
        ));
    }
    Ok(())
}

fn security_name(s: Security) -> &'static str {
    match s {
        Security::Tls => "TLS",
        Security::NoTls => "no TLS",
    }
}

/// The emulated rig's network.
pub struct EmulatedLink {
    net: EmulatedV2gNet,
    outcome: Option<LinkPoll>,
}

impl EmulatedLink {
    pub fn new(net: EmulatedV2gNet) -> Self {
        EmulatedLink { net, outcome: None }
    }
}

impl V2gLink for EmulatedLink {
    fn open(&mut self, request: SdpRequest) {
        let outcome = match self.net.discover(&request.encode()) {
            None => LinkPoll::Failed {
                reason: "no SECC answered the SDP request on the emulated link".into(),
                sdp_answer: None,
            },
            Some(answer) => match SdpResponse::decode(&answer) {
                Err(e) => LinkPoll::Failed {
                    reason: format!("SDP response: {e}"),
                    sdp_answer: Some(answer),
                },
                Ok(offer) => match check_offer(&request, &offer) {
                    Err(reason) => LinkPoll::Failed {
                        reason,
                        sdp_answer: Some(answer),
                    },
                    Ok(()) => LinkPoll::Opened(Opened {
                        stream: Box::new(self.net.connect(offer.port)),
                        peer: SocketAddr::new(IpAddr::V6(offer.address), offer.port),
                        sdp_answer: answer,
                        offer,
                    }),
                },
            },
        };
        self.outcome = Some(outcome);
    }

    fn poll(&mut self) -> LinkPoll {
        self.outcome.take().unwrap_or(LinkPoll::Pending)
    }

    fn v2g_roots(&self) -> Vec<CertificateDer<'static>> {
        self.net.v2g_root().into_iter().collect()
    }

    fn describe(&self) -> String {
        "emulated V2GTP link".into()
    }
}

/// An Ethernet interface with a Green PHY modem.
pub struct EthernetLink {
    interface: String,
    roots: Vec<CertificateDer<'static>>,
    policy: SdpRetryPolicy,
    /// SDP's UDP port (15118; tests may move it).
    sdp_port: u16,
    pending: Option<mpsc::Receiver<LinkPoll>>,
}

impl EthernetLink {
    /// `roots`: the V2G root certificates the vehicle trusts (the rig's
    /// `v2g_root` file); empty for DIN 70121, which has no TLS.
    pub fn new(interface: &str, roots: Vec<CertificateDer<'static>>) -> Self {
        EthernetLink {
            interface: interface.to_string(),
            roots,
            policy: SdpRetryPolicy::ISO15118,
            sdp_port: crate::protocol::v2gtp::sdp::SDP_SERVER_PORT,
            pending: None,
        }
    }

    /// SDP to another UDP port and retry policy (an SECC emulator that
    /// cannot take 15118; tests).
    pub fn with_sdp(mut self, port: u16, policy: SdpRetryPolicy) -> Self {
        self.sdp_port = port;
        self.policy = policy;
        self
    }
}

fn discover_and_connect(
    interface: &str,
    port: u16,
    policy: SdpRetryPolicy,
    request: SdpRequest,
) -> LinkPoll {
    let failed =
        |reason: String, sdp_answer: Option<Vec<u8>>| LinkPoll::Failed { reason, sdp_answer };
    let mut client = match SdpClient::open_multicast(interface, port, request, policy) {
        Ok(c) => c,
        Err(e) => return failed(e.to_string(), None),
    };
    let (offer, _from) = match client.discover() {
        Ok(found) => found,
        Err(e) => return failed(e.to_string(), None),
    };
    let answer = offer.encode();
    if let Err(reason) = check_offer(&request, &offer) {
        return failed(reason, Some(answer));
    }
    let addr = client.secc_addr(&offer);
    match connect_socket(addr, CONNECT_TIMEOUT) {
        Ok(tcp) => LinkPoll::Opened(Opened {
            sdp_answer: answer,
            offer,
            stream: Box::new(tcp),
            peer: addr,
        }),
        Err(e) => failed(
            format!("{e} (offered by SDP as {})", describe_addr(&addr)),
            Some(answer),
        ),
    }
}

impl V2gLink for EthernetLink {
    fn open(&mut self, request: SdpRequest) {
        let (tx, rx) = mpsc::channel();
        let (interface, port, policy) = (self.interface.clone(), self.sdp_port, self.policy);
        let spawned = std::thread::Builder::new()
            .name(format!("sdp {interface}"))
            .spawn(move || {
                let _ = tx.send(discover_and_connect(&interface, port, policy, request));
            });
        self.pending = match spawned {
            Ok(_) => Some(rx),
            Err(e) => {
                let (tx, rx) = mpsc::channel();
                let _ = tx.send(LinkPoll::Failed {
                    reason: format!("cannot start SECC discovery: {e}"),
                    sdp_answer: None,
                });
                Some(rx)
            }
        };
    }

    fn poll(&mut self) -> LinkPoll {
        let Some(rx) = &self.pending else {
            return LinkPoll::Pending;
        };
        match rx.try_recv() {
            Ok(outcome) => {
                self.pending = None;
                outcome
            }
            Err(mpsc::TryRecvError::Empty) => LinkPoll::Pending,
            Err(mpsc::TryRecvError::Disconnected) => {
                self.pending = None;
                LinkPoll::Failed {
                    reason: format!("SECC discovery on {} stopped", self.interface),
                    sdp_answer: None,
                }
            }
        }
    }

    fn v2g_roots(&self) -> Vec<CertificateDer<'static>> {
        self.roots.clone()
    }

    fn describe(&self) -> String {
        self.interface.clone()
    }
}
