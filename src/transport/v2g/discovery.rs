//! SECC Discovery Protocol over UDP (ISO 15118-2:2014 §7.10.1.1,
//! DIN SPEC 70121 §8.7.3.1; unchanged for wired links in ISO 15118-20).
//!
//! The EVCC multicasts its request to the IPv6 link-local all-nodes address
//! ff02::1, UDP port 15118, on the interface of its PLC modem, and repeats
//! it until an SECC answers: at most [`SdpRetryPolicy::attempts`] requests,
//! [`SdpRetryPolicy::interval`] apart (50 and 250 ms in the standard).
//! The SECC answers unicast with the IPv6
//! address and TCP port of its V2G server and whether that is TLS.
//!
//! Time is the caller's: [`SdpClient::poll`] and [`SdpSchedule::step`] take
//! "now" as a duration since some start, so the same schedule runs on wall
//! time ([`SdpClient::discover`]) or on the emulated rig's simulated clock.

use super::V2gTransportError;
use crate::protocol::v2gtp::sdp::{SdpRequest, SdpResponse, Security, Transport, SDP_SERVER_PORT};
use std::ffi::CString;
use std::io::ErrorKind;
use std::net::{Ipv6Addr, SocketAddr, SocketAddrV6, UdpSocket};
use std::time::{Duration, Instant};

/// ff02::1, the link-local all-nodes multicast group SDP requests go to.
pub const ALL_NODES: Ipv6Addr = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 1);
/// Largest datagram read: an SDP message is 10 or 28 bytes; anything
/// longer is read whole (up to an Ethernet MTU) and refused by the decoder.
const DATAGRAM_BUF: usize = 1500;
/// Datagrams taken per poll at most, so that a flood on the link cannot
/// keep a poll from returning.
const DATAGRAMS_PER_POLL: usize = 64;
/// How long [`SdpClient::discover`] sleeps between looks at the socket.
const WALL_POLL: Duration = Duration::from_millis(2);

/// How often and how fast the EVCC repeats its SDP request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SdpRetryPolicy {
    /// Requests sent before giving up (the first one included).
    pub attempts: u32,
    /// Time between requests, and how long the last one is waited for.
    pub interval: Duration,
}

impl SdpRetryPolicy {
    /// ISO 15118-2 / DIN SPEC 70121: up to 50 requests, 250 ms apart.
    pub const ISO15118: SdpRetryPolicy = SdpRetryPolicy {
        attempts: 50,
        interval: Duration::from_millis(250),
    };

    /// The longest discovery can take before giving up.
    pub fn total(&self) -> Duration {
        self.interval.saturating_mul(self.attempts)
    }
}

impl Default for SdpRetryPolicy {
    fn default() -> Self {
        Self::ISO15118
    }
}

/// What the EVCC should do now, per its retry policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SdpStep {
    /// Send request number `attempt` (1-based) now.
    Send { attempt: u32 },
    /// Nothing to send before `until` (same time base as `now`).
    Wait { until: Duration },
    /// Every request has been sent and waited for.
    GiveUp { attempts: u32 },
}

/// The retry schedule as a pure state machine over a caller's clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SdpSchedule {
    policy: SdpRetryPolicy,
    sent: u32,
    next_at: Duration,
}

impl SdpSchedule {
    /// A schedule whose first request is due at `start`.
    pub fn new(policy: SdpRetryPolicy, start: Duration) -> Self {
        Self {
            policy,
            sent: 0,
            next_at: start,
        }
    }

    pub fn policy(&self) -> SdpRetryPolicy {
        self.policy
    }

    /// Requests sent so far.
    pub fn sent(&self) -> u32 {
        self.sent
    }

    /// What to do at `now`. A `Send` is counted as sent when returned.
    pub fn step(&mut self, now: Duration) -> SdpStep {
        if now < self.next_at {
            return SdpStep::Wait {
                until: self.next_at,
            };
        }
        if self.sent >= self.policy.attempts {
            return SdpStep::GiveUp {
                attempts: self.sent,
            };
        }
        self.sent += 1;
        self.next_at = now.saturating_add(self.policy.interval);
        SdpStep::Send { attempt: self.sent }
    }
}

/// The interface index (IPv6 scope id) of a network interface by name,
/// e.g. the Green PHY modem's `eth1`.
pub fn interface_index(interface: &str) -> Result<u32, V2gTransportError> {
    let err = |reason: String| V2gTransportError::Interface {
        interface: interface.to_string(),
        reason,
    };
    if interface.is_empty() || interface.len() >= libc::IF_NAMESIZE {
        return Err(err(format!(
            "an interface name has 1 to {} characters",
            libc::IF_NAMESIZE - 1
        )));
    }
    let name = CString::new(interface).map_err(|_| err("the name contains a NUL byte".into()))?;
    // SAFETY: `name` is a valid NUL-terminated string that outlives the call;
    // if_nametoindex only reads it.
    let index = unsafe { libc::if_nametoindex(name.as_ptr()) };
    if index == 0 {
        return Err(err(format!(
            "no such interface on this machine ({})",
            std::io::Error::last_os_error()
        )));
    }
    Ok(index)
}

/// The IPv6 link-local address of `interface` (from /proc/net/if_inet6:
/// address, index, prefix length, scope 0x20 = link, flags, name), where an
/// SECC serves and which its SDP response names.
pub fn link_local_address(interface: &str) -> Result<Ipv6Addr, V2gTransportError> {
    let err = |reason: String| V2gTransportError::Interface {
        interface: interface.to_string(),
        reason,
    };
    let text = std::fs::read_to_string("/proc/net/if_inet6")
        .map_err(|e| err(format!("cannot list IPv6 addresses: {e}")))?;
    text.lines()
        .filter_map(|line| {
            let f: Vec<&str> = line.split_whitespace().collect();
            match f.as_slice() {
                [addr, _, _, "20", _, name] if *name == interface => {
                    u128::from_str_radix(addr, 16).ok().map(Ipv6Addr::from)
                }
                _ => None,
            }
        })
        .next()
        .ok_or_else(|| err("it has no IPv6 link-local (fe80::) address".into()))
}

/// The name of the interface with this index (scope id), if there is one.
pub fn interface_name(index: u32) -> Option<String> {
    if index == 0 {
        return None;
    }
    let mut buf = [0 as libc::c_char; libc::IF_NAMESIZE];
    // SAFETY: `buf` has the IF_NAMESIZE bytes if_indextoname may write.
    let p = unsafe { libc::if_indextoname(index, buf.as_mut_ptr()) };
    if p.is_null() {
        return None;
    }
    // SAFETY: on success the buffer holds a NUL-terminated name.
    let name = unsafe { std::ffi::CStr::from_ptr(buf.as_ptr()) };
    Some(name.to_string_lossy().into_owned())
}

/// An address for messages, with a link-local scope shown as the
/// interface's name: `[fe80::1%eth1]:61000`.
pub fn describe_addr(addr: &SocketAddr) -> String {
    match addr {
        SocketAddr::V6(a) if a.scope_id() != 0 => match interface_name(a.scope_id()) {
            Some(name) => format!("[{}%{name}]:{}", a.ip(), a.port()),
            None => addr.to_string(),
        },
        _ => addr.to_string(),
    }
}

/// IPV6_MULTICAST_IF (std has no setter for it): multicast leaves by this
/// interface. The destination's scope id says the same for ff02::1 on
/// Linux; setting both keeps other stacks right.
fn set_multicast_if_v6(socket: &UdpSocket, scope_id: u32) -> std::io::Result<()> {
    use std::os::fd::AsRawFd;
    let index: libc::c_uint = scope_id;
    // SAFETY: a valid socket descriptor, and a pointer to a c_uint with its
    // size, which is what IPV6_MULTICAST_IF reads.
    let rc = unsafe {
        libc::setsockopt(
            socket.as_raw_fd(),
            libc::IPPROTO_IPV6,
            libc::IPV6_MULTICAST_IF,
            (&index as *const libc::c_uint).cast(),
            std::mem::size_of::<libc::c_uint>() as libc::socklen_t,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

fn udp_err(interface: &str, what: impl Into<String>, source: std::io::Error) -> V2gTransportError {
    V2gTransportError::Udp {
        interface: interface.to_string(),
        what: what.into(),
        source,
    }
}

/// What [`SdpClient::poll`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SdpPoll {
    /// No answer yet; poll again by `until` at the latest.
    Waiting { until: Duration },
    /// An SECC answered.
    Found {
        response: SdpResponse,
        from: SocketAddr,
    },
}

/// The EVCC side of SDP on a real UDP socket (non-blocking).
#[derive(Debug)]
pub struct SdpClient {
    socket: UdpSocket,
    target: SocketAddr,
    /// For messages: "eth1", or the target address for a unicast client.
    label: String,
    scope_id: u32,
    request: SdpRequest,
    schedule: SdpSchedule,
    ignored: u32,
}

impl SdpClient {
    /// A client that multicasts `request` to ff02::1 port 15118 on
    /// `interface`, per `policy`.
    pub fn open(
        interface: &str,
        request: SdpRequest,
        policy: SdpRetryPolicy,
    ) -> Result<Self, V2gTransportError> {
        Self::open_multicast(interface, SDP_SERVER_PORT, request, policy)
    }

    /// As [`open`](Self::open), to another UDP port (tests; an SECC
    /// emulator that cannot take 15118).
    pub fn open_multicast(
        interface: &str,
        port: u16,
        request: SdpRequest,
        policy: SdpRetryPolicy,
    ) -> Result<Self, V2gTransportError> {
        let scope_id = interface_index(interface)?;
        let bind = SocketAddrV6::new(Ipv6Addr::UNSPECIFIED, 0, 0, scope_id);
        let socket = UdpSocket::bind(bind)
            .map_err(|e| udp_err(interface, "bind a UDP socket to [::]:0", e))?;
        set_multicast_if_v6(&socket, scope_id)
            .map_err(|e| udp_err(interface, "send multicast on this interface", e))?;
        socket
            .set_nonblocking(true)
            .map_err(|e| udp_err(interface, "make the UDP socket non-blocking", e))?;
        Ok(Self {
            socket,
            target: SocketAddr::V6(SocketAddrV6::new(ALL_NODES, port, 0, scope_id)),
            label: interface.to_string(),
            scope_id,
            request,
            schedule: SdpSchedule::new(policy, Duration::ZERO),
            ignored: 0,
        })
    }

    /// A client that sends `request` unicast to `target` (an SECC whose
    /// address is known; loopback tests).
    pub fn open_to(
        target: SocketAddr,
        request: SdpRequest,
        policy: SdpRetryPolicy,
    ) -> Result<Self, V2gTransportError> {
        let label = target.to_string();
        let (bind, scope_id): (SocketAddr, u32) = match target {
            SocketAddr::V4(_) => ((std::net::Ipv4Addr::UNSPECIFIED, 0).into(), 0),
            SocketAddr::V6(t) => (
                SocketAddrV6::new(Ipv6Addr::UNSPECIFIED, 0, 0, t.scope_id()).into(),
                t.scope_id(),
            ),
        };
        let socket = UdpSocket::bind(bind)
            .map_err(|e| udp_err(&label, format!("bind a UDP socket to {bind}"), e))?;
        socket
            .set_nonblocking(true)
            .map_err(|e| udp_err(&label, "make the UDP socket non-blocking", e))?;
        Ok(Self {
            socket,
            target,
            label,
            scope_id,
            request,
            schedule: SdpSchedule::new(policy, Duration::ZERO),
            ignored: 0,
        })
    }

    /// Restarts the schedule with its first request due at `start`.
    pub fn restart(&mut self, start: Duration) {
        self.schedule = SdpSchedule::new(self.schedule.policy(), start);
    }

    /// Requests sent so far.
    pub fn sent(&self) -> u32 {
        self.schedule.sent()
    }

    /// Datagrams received that were not a valid SDP response for TCP.
    pub fn ignored(&self) -> u32 {
        self.ignored
    }

    /// The IPv6 scope id requests go out on (0 for a unicast client
    /// without one).
    pub fn scope_id(&self) -> u32 {
        self.scope_id
    }

    /// Where to connect for `response`: its address and port, with this
    /// client's interface as the scope of a link-local address.
    pub fn secc_addr(&self, response: &SdpResponse) -> SocketAddr {
        SocketAddr::V6(SocketAddrV6::new(
            response.address,
            response.port,
            0,
            self.scope_id,
        ))
    }

    /// Takes any response that has arrived, else sends the next request if
    /// one is due at `now`. Never blocks. `Err(NoSecc)` once the policy's
    /// requests have all been sent and waited for.
    pub fn poll(&mut self, now: Duration) -> Result<SdpPoll, V2gTransportError> {
        let mut buf = [0u8; DATAGRAM_BUF];
        for _ in 0..DATAGRAMS_PER_POLL {
            match self.socket.recv_from(&mut buf) {
                Ok((n, from)) => {
                    let datagram = buf.get(..n).unwrap_or(&[]);
                    match SdpResponse::decode(datagram) {
                        Ok(response) if response.transport == Transport::Tcp => {
                            return Ok(SdpPoll::Found { response, from });
                        }
                        Ok(_) => {
                            self.ignored += 1;
                            tracing::debug!(%from, on = %self.label, "SDP response for UDP ignored");
                        }
                        Err(e) => {
                            self.ignored += 1;
                            tracing::debug!(%from, on = %self.label, "datagram ignored: {e}");
                        }
                    }
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                // An ICMP error from an earlier send (port unreachable on a
                // unicast target) surfaces here: no SECC there yet.
                Err(e) if e.kind() == ErrorKind::ConnectionRefused => break,
                Err(e) => return Err(udp_err(&self.label, "receive an SDP response", e)),
            }
        }
        match self.schedule.step(now) {
            SdpStep::Wait { until } => Ok(SdpPoll::Waiting { until }),
            SdpStep::GiveUp { attempts } => Err(V2gTransportError::NoSecc {
                interface: self.label.clone(),
                attempts,
                interval: self.schedule.policy().interval,
            }),
            SdpStep::Send { attempt } => {
                let datagram = self.request.encode();
                match self.socket.send_to(&datagram, self.target) {
                    // A full send buffer loses this request as the network
                    // could; the next attempt follows at the interval.
                    Ok(_) => {}
                    Err(e) if e.kind() == ErrorKind::WouldBlock => {}
                    Err(e) => {
                        return Err(udp_err(
                            &self.label,
                            format!(
                                "send SDP request {attempt} to {}",
                                describe_addr(&self.target)
                            ),
                            e,
                        ))
                    }
                }
                Ok(SdpPoll::Waiting {
                    until: now.saturating_add(self.schedule.policy().interval),
                })
            }
        }
    }

    /// Runs discovery on wall time until an SECC answers or the policy
    /// gives up.
    pub fn discover(&mut self) -> Result<(SdpResponse, SocketAddr), V2gTransportError> {
        let start = Instant::now();
        self.restart(Duration::ZERO);
        loop {
            let now = start.elapsed();
            match self.poll(now)? {
                SdpPoll::Found { response, from } => return Ok((response, from)),
                SdpPoll::Waiting { until } => {
                    std::thread::sleep(until.saturating_sub(now).min(WALL_POLL));
                }
            }
        }
    }
}

/// What an SECC offers: its address and the ports of its V2G servers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeccOffer {
    pub address: Ipv6Addr,
    /// Port of the plain TCP server, if any.
    pub tcp_port: Option<u16>,
    /// Port of the TLS server, if any.
    pub tls_port: Option<u16>,
}

/// The SECC's answer to an SDP request, as a pure function (the emulated
/// rig answers without sockets). The security asked for is given if
/// offered; otherwise the SECC answers with what it has, TLS first, and
/// the EVCC decides whether to accept it. No
/// answer to a request for the reserved UDP transport, nor when nothing is
/// offered.
pub fn answer_sdp(request: &SdpRequest, offer: &SeccOffer) -> Option<SdpResponse> {
    if request.transport != Transport::Tcp {
        return None;
    }
    let (security, port) = match (request.security, offer.tls_port, offer.tcp_port) {
        (Security::Tls, Some(p), _) => (Security::Tls, p),
        (Security::NoTls, _, Some(p)) => (Security::NoTls, p),
        (_, Some(p), _) => (Security::Tls, p),
        (_, None, Some(p)) => (Security::NoTls, p),
        (_, None, None) => return None,
    };
    Some(SdpResponse {
        address: offer.address,
        port,
        security,
        transport: Transport::Tcp,
    })
}

/// The SECC side of SDP on a real UDP socket (non-blocking): answers every
/// valid request with [`answer_sdp`], unicast to its sender. For tests and
/// for an emulated SECC exposed on a real interface.
#[derive(Debug)]
pub struct SdpServer {
    socket: UdpSocket,
    label: String,
    offer: SeccOffer,
    answered: u32,
    ignored: u32,
}

impl SdpServer {
    /// Listens on `[::]:port` and joins ff02::1 on `interface`.
    pub fn bind(interface: &str, port: u16, offer: SeccOffer) -> Result<Self, V2gTransportError> {
        let scope_id = interface_index(interface)?;
        let bind = SocketAddrV6::new(Ipv6Addr::UNSPECIFIED, port, 0, 0);
        let socket = UdpSocket::bind(bind)
            .map_err(|e| udp_err(interface, format!("listen on UDP {bind}"), e))?;
        socket
            .join_multicast_v6(&ALL_NODES, scope_id)
            .map_err(|e| udp_err(interface, "join the ff02::1 multicast group", e))?;
        socket
            .set_nonblocking(true)
            .map_err(|e| udp_err(interface, "make the UDP socket non-blocking", e))?;
        Ok(Self {
            socket,
            label: interface.to_string(),
            offer,
            answered: 0,
            ignored: 0,
        })
    }

    /// Listens on `addr` for unicast requests (loopback tests).
    pub fn bind_addr(addr: SocketAddr, offer: SeccOffer) -> Result<Self, V2gTransportError> {
        let label = addr.to_string();
        let socket =
            UdpSocket::bind(addr).map_err(|e| udp_err(&label, "listen on this address", e))?;
        socket
            .set_nonblocking(true)
            .map_err(|e| udp_err(&label, "make the UDP socket non-blocking", e))?;
        Ok(Self {
            socket,
            label,
            offer,
            answered: 0,
            ignored: 0,
        })
    }

    pub fn local_addr(&self) -> Result<SocketAddr, V2gTransportError> {
        self.socket
            .local_addr()
            .map_err(|e| udp_err(&self.label, "read the socket's address", e))
    }

    /// Requests answered so far.
    pub fn answered(&self) -> u32 {
        self.answered
    }

    /// Datagrams that were not a valid SDP request, or got no answer.
    pub fn ignored(&self) -> u32 {
        self.ignored
    }

    /// Answers every request waiting on the socket; returns how many were
    /// answered. Never blocks.
    pub fn poll(&mut self) -> Result<u32, V2gTransportError> {
        let mut buf = [0u8; DATAGRAM_BUF];
        let mut answered = 0;
        for _ in 0..DATAGRAMS_PER_POLL {
            let (n, from) = match self.socket.recv_from(&mut buf) {
                Ok(got) => got,
                Err(e) if e.kind() == ErrorKind::WouldBlock => return Ok(answered),
                Err(e) if e.kind() == ErrorKind::ConnectionRefused => continue,
                Err(e) => return Err(udp_err(&self.label, "receive an SDP request", e)),
            };
            let request = match SdpRequest::decode(buf.get(..n).unwrap_or(&[])) {
                Ok(r) => r,
                Err(e) => {
                    self.ignored += 1;
                    tracing::debug!(%from, on = %self.label, "datagram ignored: {e}");
                    continue;
                }
            };
            let Some(response) = answer_sdp(&request, &self.offer) else {
                self.ignored += 1;
                continue;
            };
            match self.socket.send_to(&response.encode(), from) {
                Ok(_) => {
                    answered += 1;
                    self.answered += 1;
                }
                // The EVCC repeats its request; a lost answer is recoverable,
                // and one unreachable sender must not stop the server.
                Err(e) => {
                    self.ignored += 1;
                    tracing::warn!(on = %self.label, "cannot send the SDP response to {from}: {e}");
                }
            }
        }
        Ok(answered)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: fn(u64) -> Duration = Duration::from_millis;

    #[test]
    fn schedule_sends_attempts_interval_apart_then_gives_up() {
        let mut s = SdpSchedule::new(SdpRetryPolicy::ISO15118, Duration::ZERO);
        let mut sends = Vec::new();
        let mut now = Duration::ZERO;
        loop {
            match s.step(now) {
                SdpStep::Send { attempt } => sends.push((attempt, now)),
                SdpStep::Wait { until } => now = until,
                SdpStep::GiveUp { attempts } => {
                    assert_eq!(attempts, 50);
                    break;
                }
            }
        }
        assert_eq!(sends.len(), 50);
        assert_eq!(sends[0], (1, Duration::ZERO));
        assert_eq!(sends[49], (50, MS(49 * 250)));
        // The last request is waited for a whole interval too.
        assert_eq!(now, MS(50 * 250));
        assert_eq!(SdpRetryPolicy::ISO15118.total(), MS(12_500));
    }

    #[test]
    fn schedule_waits_between_sends() {
        let policy = SdpRetryPolicy {
            attempts: 2,
            interval: MS(100),
        };
        let mut s = SdpSchedule::new(policy, MS(10));
        assert_eq!(s.step(MS(0)), SdpStep::Wait { until: MS(10) });
        assert_eq!(s.step(MS(10)), SdpStep::Send { attempt: 1 });
        assert_eq!(s.step(MS(50)), SdpStep::Wait { until: MS(110) });
        assert_eq!(s.step(MS(115)), SdpStep::Send { attempt: 2 });
        assert_eq!(s.step(MS(214)), SdpStep::Wait { until: MS(215) });
        assert_eq!(s.step(MS(215)), SdpStep::GiveUp { attempts: 2 });
        let mut none = SdpSchedule::new(
            SdpRetryPolicy {
                attempts: 0,
                interval: MS(1),
            },
            Duration::ZERO,
        );
        assert_eq!(none.step(MS(0)), SdpStep::GiveUp { attempts: 0 });
    }

    #[test]
    fn loopback_index_has_a_name() {
        let lo = interface_index("lo").unwrap();
        assert_eq!(interface_name(lo).as_deref(), Some("lo"));
        assert_eq!(interface_name(0), None);
        let a: SocketAddr = SocketAddrV6::new(ALL_NODES, 15118, 0, lo).into();
        assert_eq!(describe_addr(&a), "[ff02::1%lo]:15118");
        let b: SocketAddr = "[::1]:5".parse().unwrap();
        assert_eq!(describe_addr(&b), "[::1]:5");
    }

    #[test]
    fn bad_interface_names_are_named() {
        for name in ["", "no-such-if0", "a\0b", "a-name-far-too-long-for-linux"] {
            let e = interface_index(name).unwrap_err();
            assert!(
                matches!(&e, V2gTransportError::Interface { interface, .. } if interface == name),
                "{e}"
            );
            assert!(e.to_string().contains("network interface"), "{e}");
        }
    }
}
