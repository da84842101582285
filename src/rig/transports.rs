//! A transport per device: byte links (serial port, TCP socket, the
//! in-memory link to an emulated instrument), CAN buses (SocketCAN, SLCAN,
//! the emulated bus) and the charger's bootloader or debug probe.

use super::taps::{open_traces, record_whole_wire, recorded};
use super::{ConnectError, ConnectOptions};
use crate::device::{self, DeviceLabel};
use crate::emulator::faults::LinkFault;
use crate::emulator::rig::{EmulatedRig, EmulatorError, LinkKind};
use crate::emulator::SimLink;
use crate::exec::clock::Clock;
use crate::model::{DeviceSpec, FirmwareSpec, FlashMethod, Role, TransportSpec};
use crate::protocol::slcan::SlcanBitrate;
use crate::transport::can::slcan::{SlcanBus, SlcanConfig};
use crate::transport::can::{CanBus, CanError, CanId};
use crate::transport::serial::SerialLink;
use crate::transport::tcp::TcpLink;
use crate::transport::ByteLink;
use std::sync::Arc;
use std::time::Duration;

/// Bit rate of the in-memory link standing in for an instrument's LAN port.
const EMULATED_LAN_BIT_RATE: u32 = 100_000_000;
const TCP_CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

pub fn describe_transport(t: &TransportSpec) -> String {
    match t {
        TransportSpec::EmulatedSerial { baud } => format!("emulated serial @ {baud}"),
        TransportSpec::EmulatedTcp => "emulated LAN".into(),
        TransportSpec::Serial { port, baud } => format!("{port} @ {baud}"),
        TransportSpec::Tcp { addr } => format!("tcp {addr}"),
        TransportSpec::EmulatedCan { bit_rate } => {
            format!("emulated CAN @ {} kbit/s", bit_rate / 1000)
        }
        TransportSpec::SocketCan { interface } => format!("socketcan {interface}"),
        TransportSpec::Ethernet { interface } => format!("ethernet {interface}"),
        TransportSpec::Slcan { port, bit_rate, .. } => {
            format!("slcan {port} @ {} kbit/s", bit_rate / 1000)
        }
    }
}

/// The TCP port an instrument listens on when the rig gives only a host.
fn default_port(role: Role) -> u16 {
    match role {
        // Modbus TCP (MODBUS Messaging on TCP/IP Implementation Guide §4.1).
        Role::Charger | Role::SiteMeter => 502,
        _ => 5025,
    }
}

/// `host:port`, with the role's default port when the rig gives only a host.
fn tcp_address(addr: &str, role: Role) -> String {
    if addr.contains(':') {
        addr.to_string()
    } else {
        format!("{addr}:{}", default_port(role))
    }
}

/// How messages name a device: its rig-file name, driver and transport
/// (a TCP address with the port it is reached on).
pub(super) fn label(name: &str, spec: &DeviceSpec) -> DeviceLabel {
    let transport = match &spec.transport {
        TransportSpec::Tcp { addr } => format!("tcp {}", tcp_address(addr, spec.role)),
        t => describe_transport(t),
    };
    DeviceLabel {
        name: name.to_string(),
        driver: spec.driver.clone(),
        transport,
    }
}

/// The charger's bootloader or debug probe, named after the charger.
pub(super) fn flasher_label(charger: &str, fw: &FirmwareSpec) -> DeviceLabel {
    let (driver, transport) = match &fw.method {
        FlashMethod::Uds(t) => ("UDS bootloader", describe_transport(t)),
        FlashMethod::Probe { chip, .. } => ("debug probe", format!("probe-rs {chip}")),
    };
    DeviceLabel {
        name: charger.to_string(),
        driver: driver.to_string(),
        transport,
    }
}

/// `fault`: on an emulated rig, the handle that injects this link's faults.
pub(super) fn open_link(
    name: &str,
    spec: &DeviceSpec,
    emulation: Option<&EmulatedRig>,
    fault: Option<LinkFault>,
) -> Result<Box<dyn ByteLink>, ConnectError> {
    let sim = |link: SimLink| match &fault {
        Some(f) => link.with_fault(f.clone()),
        None => link,
    };
    let transport_err = |source| ConnectError::Transport {
        device: name.to_string(),
        source,
    };
    Ok(match (&spec.transport, emulation) {
        (TransportSpec::EmulatedSerial { baud }, Some(e)) => Box::new(sim(SimLink::new(
            e.plant.clone(),
            e.instrument(name, spec, LinkKind::of(&spec.transport))?,
            *baud,
            10,
            name,
        ))),
        (TransportSpec::EmulatedTcp, Some(e)) => Box::new(sim(SimLink::new(
            e.plant.clone(),
            e.instrument(name, spec, LinkKind::of(&spec.transport))?,
            EMULATED_LAN_BIT_RATE,
            8,
            name,
        ))),
        (TransportSpec::Serial { port, baud }, _) => {
            Box::new(SerialLink::open(port, *baud).map_err(transport_err)?)
        }
        (TransportSpec::Tcp { addr }, _) => {
            let addr = tcp_address(addr, spec.role);
            Box::new(TcpLink::connect(&addr, TCP_CONNECT_TIMEOUT).map_err(transport_err)?)
        }
        (t, _) => {
            return Err(EmulatorError::NotEmulated {
                device: name.to_string(),
                transport: describe_transport(t),
            }
            .into())
        }
    })
}

/// The charger's bootloader over UDS on its diagnostic CAN bus.
pub(super) fn open_flasher(
    fw: &FirmwareSpec,
    charger: &DeviceSpec,
    emulation: Option<&EmulatedRig>,
    clock: &Arc<dyn Clock>,
    options: &ConnectOptions,
) -> Result<Box<dyn device::flasher::Flasher>, ConnectError> {
    use crate::protocol::isotp::IsoTpConfig;
    use crate::transport::can::isotp::IsoTpChannel;
    let name = "charger bootloader";
    let transport = match &fw.method {
        FlashMethod::Uds(t) => t,
        FlashMethod::Probe { chip, selector } => {
            return open_probe(chip, selector.as_deref(), "charger debug probe")
        }
    };
    let bus: Box<dyn CanBus> = match (transport, emulation) {
        (TransportSpec::EmulatedCan { .. }, Some(e)) => {
            let bus = e.firmware_bus().ok_or_else(|| EmulatorError::NotEmulated {
                device: name.into(),
                transport: "emulated CAN".into(),
            })?;
            record_whole_wire(&bus, options, "tester")?;
            Box::new(bus.port("tester"))
        }
        _ => {
            let spec = DeviceSpec {
                transport: transport.clone(),
                ..charger.clone()
            };
            open_can(name, &spec, None, options)?
        }
    };
    let id = |raw: u32| {
        if raw <= 0x7FF {
            CanId::standard(raw as u16)
        } else {
            CanId::extended(raw)
        }
        .map_err(|source| ConnectError::Can {
            device: name.into(),
            source: source.into(),
        })
    };
    let bit_rate = match *transport {
        TransportSpec::EmulatedCan { bit_rate } | TransportSpec::Slcan { bit_rate, .. } => bit_rate,
        _ => 500_000,
    };
    let now = {
        let c = clock.clone();
        Arc::new(move || c.now())
    };
    let channel = IsoTpChannel::new(
        bus,
        IsoTpConfig::new(id(fw.request_id)?, id(fw.response_id)?),
        now,
    )
    .with_bit_rate(bit_rate);
    let mut client = device::uds::UdsClient::new(channel, device::uds::UdsClientConfig::default());
    if let Some(evidence) = options.evidence.clone() {
        client.set_exchange_log(Box::new(move |request, response| {
            evidence.exchange(name, request, response)
        }));
    }
    Ok(Box::new(device::flasher::UdsFlasher::new(
        client,
        fw.memory_map(),
        device::uds::KeyedXorRotate::new(fw.secret()),
        clock.clone(),
        name,
    )))
}

/// A debug probe on the charger's MCU (cargo feature `probe-rs`).
#[cfg(feature = "probe-rs")]
fn open_probe(
    chip: &str,
    selector: Option<&str>,
    name: &str,
) -> Result<Box<dyn device::flasher::Flasher>, ConnectError> {
    device::probe::ProbeFlasher::open(chip, selector)
        .map(|p| Box::new(p) as Box<dyn device::flasher::Flasher>)
        .map_err(|e| ConnectError::Probe {
            device: name.to_string(),
            detail: e.to_string(),
        })
}

#[cfg(not(feature = "probe-rs"))]
fn open_probe(
    _chip: &str,
    _selector: Option<&str>,
    name: &str,
) -> Result<Box<dyn device::flasher::Flasher>, ConnectError> {
    Err(ConnectError::Probe {
        device: name.to_string(),
        detail: "this build has no debug-probe support (cargo feature `probe-rs` is off)".into(),
    })
}

/// A CAN bus for the EV simulator, recorded to a candump log when asked.
/// A CCS vehicle's V2G link: the emulated rig's in-memory network, or an
/// Ethernet interface with a Green PHY modem, trusting the rig's V2G root
/// certificate(s) for the SECC's TLS chain.
pub(super) fn open_v2g(
    name: &str,
    spec: &DeviceSpec,
    emulation: Option<&EmulatedRig>,
) -> Result<Box<dyn crate::transport::v2g::link::V2gLink>, ConnectError> {
    use crate::transport::v2g::link::{EmulatedLink, EthernetLink};
    match (&spec.transport, emulation.and_then(EmulatedRig::v2g_net)) {
        (TransportSpec::EmulatedTcp, Some(net)) => Ok(Box::new(EmulatedLink::new(net))),
        (TransportSpec::Ethernet { interface }, _) => {
            let v2g = |source| ConnectError::V2g {
                device: name.to_string(),
                source,
            };
            crate::transport::v2g::interface_index(interface).map_err(v2g)?;
            let roots = match &spec.v2g_root {
                Some(path) => crate::transport::v2g::load_certificates(path).map_err(v2g)?,
                None => Vec::new(),
            };
            Ok(Box::new(EthernetLink::new(interface, roots)))
        }
        (t, _) => Err(EmulatorError::NotEmulated {
            device: name.to_string(),
            transport: describe_transport(t),
        }
        .into()),
    }
}

pub(super) fn open_can(
    name: &str,
    spec: &DeviceSpec,
    emulation: Option<&EmulatedRig>,
    options: &ConnectOptions,
) -> Result<Box<dyn CanBus>, ConnectError> {
    let can_err = |source: CanError| ConnectError::Can {
        device: name.to_string(),
        source,
    };
    match (&spec.transport, emulation) {
        (TransportSpec::EmulatedCan { .. }, Some(e)) => {
            let bus = e.can_bus().ok_or_else(|| EmulatorError::NotEmulated {
                device: name.to_string(),
                transport: "emulated CAN without an emulated charger".into(),
            })?;
            record_whole_wire(&bus, options, name)?;
            Ok(Box::new(bus.port(name)))
        }
        #[cfg(target_os = "linux")]
        (TransportSpec::SocketCan { interface }, _) => {
            let bus =
                crate::transport::can::socketcan::SocketCanBus::open(interface).map_err(can_err)?;
            Ok(recorded(bus, open_traces(options, interface)?, interface))
        }
        (
            TransportSpec::Slcan {
                port,
                bit_rate,
                baud,
            },
            _,
        ) => {
            let bitrate = SlcanBitrate::from_bps(*bit_rate).ok_or_else(|| {
                can_err(CanError::InvalidFrame(format!(
                    "no SLCAN code for {bit_rate} bit/s"
                )))
            })?;
            let config = SlcanConfig {
                bitrate,
                serial_baud: *baud,
                ..SlcanConfig::default()
            };
            let bus = SlcanBus::open(port, config).map_err(can_err)?;
            Ok(recorded(bus, open_traces(options, "slcan0")?, "slcan0"))
        }
        (t, _) => Err(EmulatorError::NotEmulated {
            device: name.to_string(),
            transport: describe_transport(t),
        }
        .into()),
    }
}
