//! How an EV (EVCC) reaches a charger's SECC over a CCS link (issue 12):
//! SECC Discovery Protocol over UDP, then V2GTP over TCP or TLS 1.3.
//!
//! ```text
//!  EVCC                                         SECC
//!   │ SDP request, UDP multicast ff02::1%if :15118 │   discovery: up to 50 tries, 250 ms apart
//!   │ ───────────────────────────────────────────► │   (ISO 15118-2 §7.10.1.1)
//!   │ ◄─────────────────────────────────────────── │   SDP response, unicast: address, port, security
//!   │ TCP connect [addr%if]:port, TLS 1.3 for -20   │   (ISO 15118-20 §7.7.3)
//!   │ V2GTP frames: SupportedAppProtocolReq/Res, …  │
//! ```
//!
//! - [`discovery`]: the SDP client ([`SdpClient`]) and server
//!   ([`SdpServer`]) on real UDP sockets, the retry policy as data
//!   ([`SdpRetryPolicy`], [`SdpSchedule`]) so that the emulated rig runs the
//!   same schedule on its simulated clock, and [`answer_sdp`], the SECC's
//!   answer as a pure function for the emulated rig.
//! - [`V2gConnection`]: whole V2GTP messages over any non-blocking byte
//!   stream (TCP, TLS, or the emulated rig's [`memory_pipe`]); every wait
//!   has a deadline.
//! - [`tls`]: the EVCC's TLS 1.3 client configuration, which trusts the
//!   V2G root(s) it is given and refuses an SECC whose chain does not lead
//!   to one ([`V2gTransportError::UntrustedSecc`]).
//!
//! Nothing here panics on any bytes a peer sends: frames are cut by
//! [`FrameSplitter`](crate::protocol::v2gtp::FrameSplitter) and SDP
//! datagrams decoded by [`crate::protocol::v2gtp::sdp`], both fuzzed.

pub mod connection;
pub mod discovery;
pub mod emulated_net;
pub mod link;
pub mod nb_tls;
pub mod tls;

pub use crate::transport::ws::{memory_pipe, MemoryStream};
pub use connection::{connect_tcp, connect_tls, emulated_link, Stream, V2gConnection};
pub use discovery::{
    answer_sdp, describe_addr, interface_index, interface_name, link_local_address, SdpClient,
    SdpPoll, SdpRetryPolicy, SdpSchedule, SdpServer, SdpStep, SeccOffer,
};
pub use emulated_net::{read_available, EmulatedV2gNet};
pub use tls::{client_config, load_certificates, secc_server_config};

use crate::protocol::v2gtp::{StreamError, V2gtpError};
use std::path::PathBuf;
use std::time::Duration;
use thiserror::Error;

/// Everything that can go wrong reaching or talking to an SECC. Each
/// variant names the interface or peer address and what was being done.
#[derive(Debug, Error)]
pub enum V2gTransportError {
    #[error("network interface {interface:?}: {reason}")]
    Interface { interface: String, reason: String },
    #[error("SDP on {interface}: cannot {what}: {source}")]
    Udp {
        interface: String,
        what: String,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "no SECC answered on {interface}: {attempts} SDP request(s) sent {interval:?} apart, \
         no valid response"
    )]
    NoSecc {
        interface: String,
        attempts: u32,
        interval: Duration,
    },
    #[error("cannot connect to the SECC at {addr}: {source}")]
    Connect {
        addr: String,
        #[source]
        source: std::io::Error,
    },
    #[error("timed out after {waited:?} waiting for {what} from {peer}")]
    Timeout {
        peer: String,
        what: &'static str,
        waited: Duration,
    },
    #[error("i/o error on {peer}: {source}")]
    Io {
        peer: String,
        #[source]
        source: std::io::Error,
    },
    #[error("the V2GTP connection to {peer} closed")]
    Closed { peer: String },
    #[error("V2GTP from {peer}: {source}; the connection is closed")]
    Framing {
        peer: String,
        #[source]
        source: StreamError,
    },
    #[error("cannot frame a message for {peer}: {source}")]
    Encode {
        peer: String,
        #[source]
        source: V2gtpError,
    },
    #[error("TLS configuration: {0}")]
    TlsConfig(String),
    #[error("cannot use certificate file {}: {reason}", path.display())]
    TlsFile { path: PathBuf, reason: String },
    #[error(
        "the SECC at {peer} is not trusted: its certificate chain does not lead to a trusted \
         V2G root ({reason})"
    )]
    UntrustedSecc { peer: String, reason: String },
    #[error("TLS with the SECC at {peer} failed: {reason}")]
    Tls { peer: String, reason: String },
}
