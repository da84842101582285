//! A rig file's `transport:` forms: emulated, serial, TCP and CAN links,
//! validated with their baud and bit rates.

use super::check::Checker;
use super::rig::TransportSpec;
use serde::Deserialize;

/// Baud rates a serial device may use (the standard UART set).
pub const STANDARD_BAUDS: [u32; 11] = [
    1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400, 460800, 921600,
];

/// Baud of `{ emulated: serial }` when the rig omits it.
pub const DEFAULT_EMULATED_BAUD: u32 = 115_200;

#[derive(Deserialize, Clone, Copy, PartialEq, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub(crate) enum EmulatedKind {
    Serial,
    Tcp,
    Can,
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename = "transport")]
pub(crate) struct RawTransport {
    emulated: Option<EmulatedKind>,
    serial: Option<String>,
    tcp: Option<String>,
    socketcan: Option<String>,
    slcan: Option<String>,
    ethernet: Option<String>,
    baud: Option<u32>,
    bit_rate: Option<u32>,
}

pub(crate) const TRANSPORT_FORMS: &str = "expected one of { emulated: serial, baud: 115200 }, { emulated: tcp }, { serial: /dev/ttyUSB0, baud: 115200 }, { tcp: \"192.0.2.10:5025\" }, and for CAN { emulated: can, bit_rate: 500000 }, { socketcan: can0 }, { slcan: /dev/ttyACM0, bit_rate: 500000 }, and for a CCS vehicle { ethernet: eth1 }";

/// Classic CAN bit rates an SLCAN adapter can set (S0–S8, Lawicel CANUSB manual).
pub const CAN_BIT_RATES: [u32; 9] = [
    10_000, 20_000, 50_000, 100_000, 125_000, 250_000, 500_000, 800_000, 1_000_000,
];

pub(crate) fn validate_transport(
    c: &mut Checker,
    key: &str,
    t: &RawTransport,
) -> Option<TransportSpec> {
    let kinds = [
        t.emulated.is_some(),
        t.serial.is_some(),
        t.tcp.is_some(),
        t.socketcan.is_some(),
        t.slcan.is_some(),
        t.ethernet.is_some(),
    ]
    .iter()
    .filter(|&&b| b)
    .count();
    if kinds != 1 {
        c.invalid(
            key,
            "give exactly one of `emulated`, `serial`, `tcp`, `socketcan`, `slcan`, `ethernet`",
            TRANSPORT_FORMS,
        );
        return None;
    }
    let baud_key = format!("{key}.baud");
    let check_baud = |c: &mut Checker, baud: u32| {
        if STANDARD_BAUDS.contains(&baud) {
            true
        } else {
            let valid: Vec<String> = STANDARD_BAUDS.iter().map(|b| b.to_string()).collect();
            c.invalid(
                &baud_key,
                format!("{baud} is not a standard baud rate"),
                format!("expected one of {}", valid.join(", ")),
            );
            false
        }
    };
    let no_baud = |c: &mut Checker, what: &str| {
        if t.baud.is_some() {
            c.invalid(
                &baud_key,
                format!("`baud` does not apply to {what}"),
                "remove `baud`",
            );
            false
        } else {
            true
        }
    };
    let is_can =
        t.emulated == Some(EmulatedKind::Can) || t.socketcan.is_some() || t.slcan.is_some();
    let bit_rate = t.bit_rate.unwrap_or(500_000);
    if let Some(b) = t.bit_rate {
        if !is_can {
            c.invalid(
                &format!("{key}.bit_rate"),
                "`bit_rate` is for CAN transports",
                "remove `bit_rate`",
            );
            return None;
        }
        if !CAN_BIT_RATES.contains(&b) {
            let valid: Vec<String> = CAN_BIT_RATES.iter().map(|b| b.to_string()).collect();
            c.invalid(
                &format!("{key}.bit_rate"),
                format!("{b} bit/s is not a CAN bit rate an adapter can set"),
                format!("expected one of {}", valid.join(", ")),
            );
            return None;
        }
    }
    if t.emulated == Some(EmulatedKind::Can) {
        if t.baud.is_some() {
            c.invalid(
                &format!("{key}.baud"),
                "`baud` does not apply to an emulated CAN bus",
                "use `bit_rate`",
            );
            return None;
        }
        return Some(TransportSpec::EmulatedCan { bit_rate });
    }
    if let Some(interface) = &t.socketcan {
        if t.baud.is_some() || t.bit_rate.is_some() {
            c.invalid(
                key,
                "a SocketCAN interface's bit rate is set with `ip link`, not here",
                "remove `baud` and `bit_rate`",
            );
            return None;
        }
        if interface.trim().is_empty() || interface.len() > 15 {
            c.invalid(
                &format!("{key}.socketcan"),
                format!("`{interface}` is not a network interface name"),
                "expected e.g. can0 or vcan0 (at most 15 characters)",
            );
            return None;
        }
        return Some(TransportSpec::SocketCan {
            interface: interface.clone(),
        });
    }
    if let Some(interface) = &t.ethernet {
        if t.baud.is_some() || t.bit_rate.is_some() {
            c.invalid(
                key,
                "`baud` and `bit_rate` do not apply to an Ethernet interface",
                "remove `baud` and `bit_rate`",
            );
            return None;
        }
        // IFNAMSIZ is 16 with its NUL (Linux if.h).
        if interface.trim().is_empty() || interface.len() > 15 || interface.contains('/') {
            c.invalid(
                &format!("{key}.ethernet"),
                format!("`{interface}` is not a network interface name"),
                "expected the interface of the Green PHY modem, e.g. eth1 or enx00b0…",
            );
            return None;
        }
        return Some(TransportSpec::Ethernet {
            interface: interface.clone(),
        });
    }
    if let Some(port) = &t.slcan {
        let baud = t.baud.unwrap_or(DEFAULT_EMULATED_BAUD);
        if port.trim().is_empty() {
            c.invalid(
                &format!("{key}.slcan"),
                "empty serial port",
                "expected a device path such as /dev/ttyACM0",
            );
            return None;
        }
        return check_baud(c, baud).then(|| TransportSpec::Slcan {
            port: port.clone(),
            bit_rate,
            baud,
        });
    }
    match (t.emulated, &t.serial, &t.tcp) {
        (Some(EmulatedKind::Serial), _, _) => {
            let baud = t.baud.unwrap_or(DEFAULT_EMULATED_BAUD);
            check_baud(c, baud).then_some(TransportSpec::EmulatedSerial { baud })
        }
        (Some(EmulatedKind::Tcp), _, _) => {
            no_baud(c, "an emulated TCP link").then_some(TransportSpec::EmulatedTcp)
        }
        (None, Some(port), _) => {
            let ok_port = if port.trim().is_empty() {
                c.invalid(
                    &format!("{key}.serial"),
                    "empty serial port",
                    "expected a device path such as /dev/ttyUSB0 or COM3",
                );
                false
            } else {
                true
            };
            match t.baud {
                None => {
                    c.invalid(
                        key,
                        "a serial transport needs `baud`",
                        "add e.g. `baud: 115200`",
                    );
                    None
                }
                Some(baud) => (check_baud(c, baud) && ok_port).then(|| TransportSpec::Serial {
                    port: port.clone(),
                    baud,
                }),
            }
        }
        (None, None, Some(addr)) => {
            let ok_addr = valid_host_port(addr);
            if !ok_addr {
                c.invalid(
                    &format!("{key}.tcp"),
                    format!("`{addr}` is not host:port"),
                    "expected e.g. \"192.0.2.10:5025\" or \"gridsim.lab:5025\"",
                );
            }
            (no_baud(c, "a TCP link") && ok_addr).then(|| TransportSpec::Tcp { addr: addr.clone() })
        }
        _ => None,
    }
}

/// `host:port` or `[v6]:port` with a non-zero port.
fn valid_host_port(addr: &str) -> bool {
    if addr.parse::<std::net::SocketAddr>().is_ok() {
        return true;
    }
    match addr.rsplit_once(':') {
        Some((host, port)) => {
            !host.is_empty()
                && !host.contains(|ch: char| ch.is_whitespace() || ch == ':')
                && port.parse::<u16>().is_ok_and(|p| p != 0)
        }
        None => false,
    }
}
