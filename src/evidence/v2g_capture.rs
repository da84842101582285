//! A CCS vehicle's V2G traffic as a packet capture (`v2g.pcapng`) Wireshark
//! opens: each V2GTP frame in one TCP segment of one IPv6 connection from
//! the vehicle (EVCC) to the charger's SECC, at the port the SECC offered in
//! its SDP response (15118 until one is seen), after a three-way handshake, with real sequence numbers and checksums (LINKTYPE_IPV6 =
//! 229, <https://www.tcpdump.org/linktypes.html>). The emulated link has no
//! addresses: the capture uses the link-local fe80::2 (vehicle) and fe80::1
//! (charger) as a Green PHY link would.
//!
//! An ISO 15118-20 session runs inside TLS 1.3. The capture holds the V2GTP
//! frames as they are inside the TLS records, as Wireshark shows a session
//! it can decrypt; the TLS records themselves are not recorded (their keys
//! are the session's own, never written).

use crate::protocol::v2gtp::sdp::SdpResponse;
use crate::transport::can::pcapng::{interface_block, packet_block, section_header_block};
use std::io::Write;
use std::net::Ipv6Addr;
use std::time::Duration;

/// tcpdump LINKTYPE_IPV6: raw IPv6 packets.
pub const LINKTYPE_IPV6: u16 = 229;
/// SDP's UDP port, and the SECC's V2GTP port until SDP names another.
pub const SECC_PORT: u16 = 15118;
/// The vehicle's ephemeral port (IANA dynamic range).
pub const EVCC_PORT: u16 = 49152;
const EVCC_ADDR: Ipv6Addr = Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 2);
const SECC_ADDR: Ipv6Addr = Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 1);

const TCP_FIN: u8 = 0x01;
const TCP_SYN: u8 = 0x02;
const TCP_PSH: u8 = 0x08;
const TCP_ACK: u8 = 0x10;
/// Initial sequence numbers (any value does; fixed so captures repeat).
const ISN_EVCC: u32 = 0x1000_0000;
const ISN_SECC: u32 = 0x2000_0000;

/// RFC 1071 one's-complement sum over 16-bit words.
fn ones_complement_sum(mut sum: u32, bytes: &[u8]) -> u32 {
    let mut chunks = bytes.chunks_exact(2);
    for c in &mut chunks {
        sum += u32::from(u16::from_be_bytes([c[0], c[1]]));
    }
    if let [last] = chunks.remainder() {
        sum += u32::from(*last) << 8;
    }
    sum
}

fn fold(mut sum: u32) -> u16 {
    while sum > 0xFFFF {
        sum = (sum & 0xFFFF) + (sum >> 16);
    }
    !(sum as u16)
}

/// One IPv6 packet (RFC 8200) carrying one TCP segment (RFC 9293) whose
/// checksum covers the IPv6 pseudo-header (RFC 8200 §8.1).
#[allow(clippy::too_many_arguments)]
pub fn ipv6_tcp_packet(
    src: Ipv6Addr,
    dst: Ipv6Addr,
    sport: u16,
    dport: u16,
    seq: u32,
    ack: u32,
    flags: u8,
    payload: &[u8],
) -> Vec<u8> {
    let tcp_len = 20 + payload.len();
    let mut tcp = Vec::with_capacity(tcp_len);
    tcp.extend_from_slice(&sport.to_be_bytes());
    tcp.extend_from_slice(&dport.to_be_bytes());
    tcp.extend_from_slice(&seq.to_be_bytes());
    tcp.extend_from_slice(&ack.to_be_bytes());
    tcp.push(5 << 4); // data offset: 5 words, no options
    tcp.push(flags);
    tcp.extend_from_slice(&65535u16.to_be_bytes()); // window
    tcp.extend_from_slice(&[0, 0, 0, 0]); // checksum, urgent pointer
    tcp.extend_from_slice(payload);
    let tcp_len32 = u32::try_from(tcp_len).unwrap_or(u32::MAX);
    let mut sum = ones_complement_sum(0, &src.octets());
    sum = ones_complement_sum(sum, &dst.octets());
    sum = ones_complement_sum(sum, &tcp_len32.to_be_bytes());
    sum = ones_complement_sum(sum, &[0, 0, 0, 6]);
    sum = ones_complement_sum(sum, &tcp);
    let checksum = fold(sum);
    tcp[16..18].copy_from_slice(&checksum.to_be_bytes());
    let mut ip = Vec::with_capacity(40 + tcp_len);
    ip.extend_from_slice(&[0x60, 0, 0, 0]); // version 6, class 0, flow 0
    ip.extend_from_slice(&u16::try_from(tcp_len).unwrap_or(u16::MAX).to_be_bytes());
    ip.push(6); // next header: TCP
    ip.push(64); // hop limit
    ip.extend_from_slice(&src.octets());
    ip.extend_from_slice(&dst.octets());
    ip.extend_from_slice(&tcp);
    ip
}

/// One IPv6 packet carrying one UDP datagram (RFC 768; its checksum is
/// mandatory over IPv6, RFC 8200 §8.1).
pub fn ipv6_udp_packet(
    src: Ipv6Addr,
    dst: Ipv6Addr,
    sport: u16,
    dport: u16,
    payload: &[u8],
) -> Vec<u8> {
    let udp_len = 8 + payload.len();
    let len16 = u16::try_from(udp_len).unwrap_or(u16::MAX);
    let mut udp = Vec::with_capacity(udp_len);
    udp.extend_from_slice(&sport.to_be_bytes());
    udp.extend_from_slice(&dport.to_be_bytes());
    udp.extend_from_slice(&len16.to_be_bytes());
    udp.extend_from_slice(&[0, 0]);
    udp.extend_from_slice(payload);
    let mut sum = ones_complement_sum(0, &src.octets());
    sum = ones_complement_sum(sum, &dst.octets());
    sum = ones_complement_sum(sum, &u32::from(len16).to_be_bytes());
    sum = ones_complement_sum(sum, &[0, 0, 0, 17]);
    sum = ones_complement_sum(sum, &udp);
    // A computed 0 is sent as all ones (RFC 768).
    let checksum = match fold(sum) {
        0 => 0xFFFF,
        c => c,
    };
    udp[6..8].copy_from_slice(&checksum.to_be_bytes());
    let mut ip = Vec::with_capacity(40 + udp_len);
    ip.extend_from_slice(&[0x60, 0, 0, 0]);
    ip.extend_from_slice(&len16.to_be_bytes());
    ip.push(17); // next header: UDP
    ip.push(255); // hop limit: link-local multicast stays on the link
    ip.extend_from_slice(&src.octets());
    ip.extend_from_slice(&dst.octets());
    ip.extend_from_slice(&udp);
    ip
}

/// IPv6 link-local all-nodes, where an EVCC multicasts its SDP request.
const ALL_NODES: Ipv6Addr = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 1);

/// Writes the capture as messages come: SDP datagrams as UDP (request to
/// ff02::1), then the TCP handshake with the first V2GTP message and one
/// segment per message after, each flushed.
pub struct V2gCapture<W: Write> {
    out: W,
    header_written: bool,
    started: bool,
    /// Next sequence numbers: vehicle → charger, charger → vehicle.
    seq_evcc: u32,
    seq_secc: u32,
    /// The V2GTP server's port, as the SDP response gave it.
    secc_port: u16,
}

impl<W: Write> V2gCapture<W> {
    pub fn new(out: W) -> Self {
        V2gCapture {
            out,
            header_written: false,
            started: false,
            seq_evcc: ISN_EVCC,
            seq_secc: ISN_SECC,
            secc_port: SECC_PORT,
        }
    }

    fn segment(
        &mut self,
        at: Duration,
        from_evcc: bool,
        flags: u8,
        payload: &[u8],
    ) -> std::io::Result<()> {
        let packet = if from_evcc {
            ipv6_tcp_packet(
                EVCC_ADDR,
                SECC_ADDR,
                EVCC_PORT,
                self.secc_port,
                self.seq_evcc,
                self.seq_secc,
                flags,
                payload,
            )
        } else {
            ipv6_tcp_packet(
                SECC_ADDR,
                EVCC_ADDR,
                self.secc_port,
                EVCC_PORT,
                self.seq_secc,
                self.seq_evcc,
                flags,
                payload,
            )
        };
        let advance =
            u32::try_from(payload.len()).unwrap_or(0) + u32::from(flags & (TCP_SYN | TCP_FIN) != 0);
        if from_evcc {
            self.seq_evcc = self.seq_evcc.wrapping_add(advance);
        } else {
            self.seq_secc = self.seq_secc.wrapping_add(advance);
        }
        self.out.write_all(&packet_block(at, &packet))
    }

    /// One V2GTP frame, `from_evcc` (the vehicle sent it) or from the SECC.
    pub fn message(&mut self, at: Duration, from_evcc: bool, frame: &[u8]) -> std::io::Result<()> {
        if !self.header_written {
            self.out.write_all(&section_header_block())?;
            let idb = interface_block(LINKTYPE_IPV6, 65_535, "v2g")
                .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
            self.out.write_all(&idb)?;
            self.header_written = true;
        }
        // SDP (payload types 0x9000/0x9001) is UDP, port 15118 (ISO 15118-2 §7.10.1).
        if matches!(frame.get(2..4), Some([0x90, 0x00 | 0x01])) {
            let packet = if from_evcc {
                ipv6_udp_packet(EVCC_ADDR, ALL_NODES, EVCC_PORT, SECC_PORT, frame)
            } else {
                if let (Ok(offer), false) = (SdpResponse::decode(frame), self.started) {
                    self.secc_port = offer.port;
                }
                ipv6_udp_packet(SECC_ADDR, EVCC_ADDR, SECC_PORT, EVCC_PORT, frame)
            };
            self.out.write_all(&packet_block(at, &packet))?;
            return self.out.flush();
        }
        if !self.started {
            // The connection the vehicle opened to the SECC (RFC 9293 §3.5).
            self.segment(at, true, TCP_SYN, &[])?;
            self.segment(at, false, TCP_SYN | TCP_ACK, &[])?;
            self.segment(at, true, TCP_ACK, &[])?;
            self.started = true;
        }
        self.segment(at, from_evcc, TCP_PSH | TCP_ACK, frame)?;
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tcp_checksum_verifies_to_zero() {
        let p = ipv6_tcp_packet(
            EVCC_ADDR,
            SECC_ADDR,
            EVCC_PORT,
            SECC_PORT,
            1,
            2,
            TCP_PSH | TCP_ACK,
            b"\x01\xfe\x80\x01\x00\x00\x00\x01\x80",
        );
        let tcp = &p[40..];
        let mut sum = ones_complement_sum(0, &EVCC_ADDR.octets());
        sum = ones_complement_sum(sum, &SECC_ADDR.octets());
        sum = ones_complement_sum(sum, &(tcp.len() as u32).to_be_bytes());
        sum = ones_complement_sum(sum, &[0, 0, 0, 6]);
        sum = ones_complement_sum(sum, tcp);
        assert_eq!(fold(sum), 0, "a segment with its checksum sums to all ones");
        assert_eq!(u16::from_be_bytes([p[4], p[5]]) as usize, tcp.len());
    }

    #[test]
    fn sequence_numbers_follow_the_bytes() {
        let mut c = V2gCapture::new(Vec::new());
        c.message(Duration::ZERO, true, &[0u8; 10]).unwrap();
        c.message(Duration::from_millis(100), false, &[0u8; 4])
            .unwrap();
        // SYN takes one number; then the 10 bytes.
        assert_eq!(c.seq_evcc, ISN_EVCC + 1 + 10);
        assert_eq!(c.seq_secc, ISN_SECC + 1 + 4);
    }
}
