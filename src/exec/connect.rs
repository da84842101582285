//! Connects a rig file's devices: a transport per device (serial port, TCP
//! socket, or an in-memory link to an emulated instrument), a driver per role
//! behind the role traits, and the clock they share.

use super::clock::{Clock, WallClock};
use super::rig::{ConnectedRig, Devices, RigFacts};
use crate::device::{self, DeviceError, Identity};
use crate::emulator::rig::{EmulatedRig, EmulatorError, LinkKind};
use crate::emulator::{SharedPlant, SimClock, SimLink};
use crate::model::{DeviceSpec, FlashMethod, Rig, Role, TransportSpec};
use crate::protocol::slcan::SlcanBitrate;
use crate::transport::can::candump::{CandumpWriter, LogRecord};
use crate::transport::can::slcan::{SlcanBus, SlcanConfig};
use crate::transport::can::{CanBus, CanError, CanId, RecordingBus};
use crate::transport::serial::SerialLink;
use crate::transport::tcp::TcpLink;
use crate::transport::{ByteLink, TransportError};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

/// Bit rate of the in-memory link standing in for an instrument's LAN port.
const EMULATED_LAN_BIT_RATE: u32 = 100_000_000;
const TCP_CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error(
        "the rig mixes emulated devices ({emulated}) with real ones ({real}); \
         an emulated rig runs in simulated time, so all devices must be emulated or none"
    )]
    Mixed { emulated: String, real: String },
    #[error("the rig has no {0}")]
    MissingRole(&'static str),
    #[error("device `{device}`: {source}")]
    Transport {
        device: String,
        #[source]
        source: TransportError,
    },
    #[error("device `{device}`: {source}")]
    Device {
        device: String,
        #[source]
        source: DeviceError,
    },
    #[error(transparent)]
    Emulator(#[from] EmulatorError),
    #[error("device `{device}`: {source}")]
    Can {
        device: String,
        #[source]
        source: CanError,
    },
    #[error("{device}: {detail}")]
    Probe { device: String, detail: String },
    #[error("cannot write the transcript of `{device}`: {source}")]
    Transcript {
        device: String,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot write the CAN log {path}: {source}")]
    Log {
        path: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Connection facts about one device, for `rig check`.
#[derive(Debug, Clone)]
pub struct DeviceInfo {
    pub name: String,
    pub role: Role,
    pub driver: String,
    pub transport: String,
}

/// A connected rig plus, on the emulated rig, the plant (for ground truth in
/// tests) and the rest of the emulation (buses for fault injection, the
/// bootloader's state).
pub struct Connection {
    pub rig: ConnectedRig,
    pub devices: Vec<DeviceInfo>,
    pub plant: Option<SharedPlant>,
    pub emulation: Option<EmulatedRig>,
}

impl std::ops::Deref for Connection {
    type Target = ConnectedRig;
    fn deref(&self) -> &ConnectedRig {
        &self.rig
    }
}

impl std::ops::DerefMut for Connection {
    fn deref_mut(&mut self) -> &mut ConnectedRig {
        &mut self.rig
    }
}

fn is_emulated(t: &TransportSpec) -> bool {
    t.is_emulated()
}

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
        TransportSpec::Slcan { port, bit_rate, .. } => {
            format!("slcan {port} @ {} kbit/s", bit_rate / 1000)
        }
    }
}

/// The TCP port an instrument listens on when the rig gives only a host.
fn default_port(role: Role) -> u16 {
    match role {
        Role::Charger => 502,
        _ => 5025,
    }
}

/// What a run asks of the connection besides the rig file.
#[derive(Debug, Clone, Default)]
pub struct ConnectOptions {
    /// Record every CAN bus to `<dir>/<bus>.log` (candump format).
    pub can_log_dir: Option<std::path::PathBuf>,
    /// Also connect the charger's bootloader or debug probe (only when a
    /// flash is asked for: nothing is touched that the run does not need).
    pub open_flasher: bool,
    /// Keep every byte link's traffic: a transcript per device and an
    /// `exchange` journal record per request/reply.
    pub evidence: Option<crate::evidence::Evidence>,
}

pub fn connect(rig: &Rig) -> Result<Connection, ConnectError> {
    connect_with(rig, &ConnectOptions::default())
}

pub fn connect_with(rig: &Rig, options: &ConnectOptions) -> Result<Connection, ConnectError> {
    let (emulated, real): (Vec<_>, Vec<_>) = rig
        .devices
        .iter()
        .partition(|(_, d)| is_emulated(&d.transport));
    if !emulated.is_empty() && !real.is_empty() {
        let names = |v: &[(&String, &DeviceSpec)]| {
            v.iter()
                .map(|(n, _)| n.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        return Err(ConnectError::Mixed {
            emulated: names(&emulated),
            real: names(&real),
        });
    }
    let emulation = if emulated.is_empty() {
        None
    } else {
        Some(EmulatedRig::build(rig)?)
    };
    let clock: Arc<dyn Clock> = match &emulation {
        Some(e) => Arc::new(SimClock::new(e.plant.clone())),
        None => Arc::new(WallClock::new()),
    };
    if let Some(evidence) = &options.evidence {
        evidence.attach_clock(clock.clone());
    }

    let mut grid = None;
    let mut island_switch = None;
    let mut load = None;
    let mut recorder = None;
    let mut charger = None;
    let mut ev = None;
    let mut home_load = None;
    let mut infos = Vec::new();
    let mut roles = BTreeMap::new();
    for (name, spec) in rig.devices_in_order() {
        let name = &name.to_string();
        let dev_err = |source| ConnectError::Device {
            device: name.clone(),
            source,
        };
        if spec.role == Role::EvSimulator {
            let bus = open_can(name, spec, emulation.as_ref(), options)?;
            let vehicle = spec.vehicle.unwrap_or_default();
            ev = Some(Box::new(device::chademo_ev::ChademoEv::start(
                bus,
                clock.clone(),
                vehicle,
                name,
            )) as Box<dyn device::EvSimulator>);
            roles.insert(name.clone(), spec.role);
            infos.push(DeviceInfo {
                name: name.clone(),
                role: spec.role,
                driver: spec.driver.clone(),
                transport: describe_transport(&spec.transport),
            });
            continue;
        }
        let mut link = open_link(name, spec, emulation.as_ref())?;
        if let Some(evidence) = &options.evidence {
            link = Box::new(
                crate::evidence::tap::TappedLink::new(link, name, spec.role.name(), evidence)
                    .map_err(|source| ConnectError::Transcript {
                        device: name.clone(),
                        source,
                    })?,
            );
        }
        match spec.role {
            Role::EvSimulator => {}
            Role::HomeLoad => {
                home_load =
                    Some(device::scpi::home_load(&spec.driver, link, name).map_err(dev_err)?)
            }
            Role::GridSimulator => {
                grid =
                    Some(device::scpi::grid_simulator(&spec.driver, link, name).map_err(dev_err)?)
            }
            Role::IslandSwitch => {
                let channel = spec
                    .options
                    .channel
                    .clone()
                    .unwrap_or_else(|| "1001".into());
                island_switch = Some(
                    device::scpi::island_switch(&spec.driver, link, name, &channel)
                        .map_err(dev_err)?,
                )
            }
            Role::IslandLoad => {
                load = Some(device::scpi::island_load(&spec.driver, link, name).map_err(dev_err)?)
            }
            Role::WaveformRecorder => {
                recorder = Some(
                    device::scpi::waveform_recorder(&spec.driver, link, name).map_err(dev_err)?,
                )
            }
            Role::Charger => {
                let framing = match spec.transport {
                    TransportSpec::EmulatedTcp | TransportSpec::Tcp { .. } => {
                        device::sunspec::Framing::Tcp
                    }
                    _ => device::sunspec::Framing::Rtu {
                        unit_id: spec.options.unit_id.unwrap_or(1),
                    },
                };
                let c = device::sunspec::connect(link, framing, name).map_err(dev_err)?;
                charger = Some((Box::new(c) as Box<dyn device::Charger>, spec));
            }
        }
        roles.insert(name.clone(), spec.role);
        infos.push(DeviceInfo {
            name: name.clone(),
            role: spec.role,
            driver: spec.driver.clone(),
            transport: describe_transport(&spec.transport),
        });
    }
    let (mut charger, charger_spec) = charger.ok_or(ConnectError::MissingRole("charger"))?;
    let charger_rating_w = match charger_spec.ratings.power_w {
        Some(p) => p,
        None => charger.rating_w().map_err(|source| ConnectError::Device {
            device: "charger".into(),
            source,
        })?,
    };
    let devices = Devices {
        grid: grid.ok_or(ConnectError::MissingRole("grid simulator"))?,
        island_switch: island_switch.ok_or(ConnectError::MissingRole("island switch"))?,
        load,
        recorder,
        charger,
        ev,
        home_load,
        flasher: match (&charger_spec.firmware, options.open_flasher) {
            (Some(fw), true) => Some(open_flasher(
                fw,
                charger_spec,
                emulation.as_ref(),
                &clock,
                options,
            )?),
            _ => None,
        },
    };
    Ok(Connection {
        rig: ConnectedRig {
            devices,
            clock,
            facts: RigFacts {
                name: rig.name.clone(),
                nominal_voltage_v: rig.nominal.voltage_v,
                nominal_frequency_hz: rig.nominal.frequency_hz,
                charger_rating_w,
                safe_state: rig.safe_state,
                roles,
                firmware: charger_spec.firmware.clone(),
            },
        },
        devices: infos,
        plant: emulation.as_ref().map(|e| e.plant.clone()),
        emulation,
    })
}

fn open_link(
    name: &str,
    spec: &DeviceSpec,
    emulation: Option<&EmulatedRig>,
) -> Result<Box<dyn ByteLink>, ConnectError> {
    let transport_err = |source| ConnectError::Transport {
        device: name.to_string(),
        source,
    };
    Ok(match (&spec.transport, emulation) {
        (TransportSpec::EmulatedSerial { baud }, Some(e)) => Box::new(SimLink::new(
            e.plant.clone(),
            e.instrument(name, spec, LinkKind::of(&spec.transport))?,
            *baud,
            10,
            name,
        )),
        (TransportSpec::EmulatedTcp, Some(e)) => Box::new(SimLink::new(
            e.plant.clone(),
            e.instrument(name, spec, LinkKind::of(&spec.transport))?,
            EMULATED_LAN_BIT_RATE,
            8,
            name,
        )),
        (TransportSpec::Serial { port, baud }, _) => {
            Box::new(SerialLink::open(port, *baud).map_err(transport_err)?)
        }
        (TransportSpec::Tcp { addr }, _) => {
            let addr = if addr.contains(':') {
                addr.clone()
            } else {
                format!("{addr}:{}", default_port(spec.role))
            };
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

/// Only the charger's flasher, for `v2x-hil flash`: an installer's laptop
/// has the charger on the bench, not the grid simulator and the rest.
pub struct FlasherConnection {
    pub flasher: Box<dyn device::flasher::Flasher>,
    pub clock: Arc<dyn Clock>,
    /// On the emulated rig: the plant, buses and bootloader state.
    pub emulation: Option<EmulatedRig>,
}

pub fn connect_flasher(rig: &Rig) -> Result<FlasherConnection, ConnectError> {
    let (_, charger) = rig
        .devices_with_role(Role::Charger)
        .into_iter()
        .next()
        .ok_or(ConnectError::MissingRole("charger"))?;
    let fw = charger
        .firmware
        .as_ref()
        .ok_or(ConnectError::MissingRole("charger firmware block"))?;
    let emulated = matches!(&fw.method, FlashMethod::Uds(t) if t.is_emulated());
    let emulation = if emulated {
        Some(EmulatedRig::build(rig)?)
    } else {
        None
    };
    let clock: Arc<dyn Clock> = match &emulation {
        Some(e) => Arc::new(SimClock::new(e.plant.clone())),
        None => Arc::new(WallClock::new()),
    };
    let flasher = open_flasher(
        fw,
        charger,
        emulation.as_ref(),
        &clock,
        &ConnectOptions::default(),
    )?;
    Ok(FlasherConnection {
        flasher,
        clock,
        emulation,
    })
}

/// The charger's bootloader over UDS on its diagnostic CAN bus.
fn open_flasher(
    fw: &crate::model::FirmwareSpec,
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
            record_whole_wire(&bus, options)?;
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
            source,
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

/// `<bus>.log` (candump) and `<bus>.pcapng` of the same frames.
type Trace = (
    std::io::BufWriter<std::fs::File>,
    crate::transport::can::recording::PcapngSink,
);

/// The trace files of one bus, when the run keeps evidence.
fn open_traces(options: &ConnectOptions, interface: &str) -> Result<Option<Trace>, ConnectError> {
    let Some(dir) = &options.can_log_dir else {
        return Ok(None);
    };
    let create = |ext: &str| {
        let path = dir.join(format!("{interface}.{ext}"));
        std::fs::File::create(&path)
            .map(std::io::BufWriter::new)
            .map_err(|e| ConnectError::Log { path, source: e })
    };
    let candump = create("log")?;
    let path = dir.join(format!("{interface}.pcapng"));
    let pcapng = crate::transport::can::pcapng::PcapngWriter::new(
        Box::new(create("pcapng")?) as Box<dyn std::io::Write + Send>,
        interface,
    )
    .map_err(|e| ConnectError::Log { path, source: e })?;
    Ok(Some((candump, pcapng)))
}

/// Every frame on an emulated bus, once, stamped in simulated time; a
/// monitor has no direction, so the pcapng has no epb_flags.
fn record_whole_wire(
    bus: &crate::transport::can::emulated::EmulatedCanBus,
    options: &ConnectOptions,
) -> Result<(), ConnectError> {
    let Some((candump, mut pcapng)) = open_traces(options, bus.name())? else {
        return Ok(());
    };
    let mut writer = CandumpWriter::new(candump);
    let interface = bus.name().to_string();
    bus.set_monitor(Some(Box::new(
        move |r: &crate::transport::can::Received| {
            let _ = writer.write(&LogRecord {
                timestamp: r.timestamp,
                interface: interface.clone(),
                frame: r.frame,
                direction: None,
            });
            let _ = pcapng.write(r.timestamp, &r.frame, None);
        },
    )));
    Ok(())
}

/// A CAN bus for the EV simulator, recorded to a candump log when asked.
fn open_can(
    name: &str,
    spec: &DeviceSpec,
    emulation: Option<&EmulatedRig>,
    options: &ConnectOptions,
) -> Result<Box<dyn CanBus>, ConnectError> {
    let can_err = |source: CanError| ConnectError::Can {
        device: name.to_string(),
        source,
    };
    let log = |interface: &str| open_traces(options, interface);
    match (&spec.transport, emulation) {
        (TransportSpec::EmulatedCan { .. }, Some(e)) => {
            let bus = e.can_bus().ok_or_else(|| EmulatorError::NotEmulated {
                device: name.to_string(),
                transport: "emulated CAN without an emulated charger".into(),
            })?;
            record_whole_wire(&bus, options)?;
            Ok(Box::new(bus.port(name)))
        }
        #[cfg(target_os = "linux")]
        (TransportSpec::SocketCan { interface }, _) => {
            let bus =
                crate::transport::can::socketcan::SocketCanBus::open(interface).map_err(can_err)?;
            recorded(bus, log(interface)?, interface)
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
            recorded(bus, log("slcan0")?, "slcan0")
        }
        (t, _) => Err(EmulatorError::NotEmulated {
            device: name.to_string(),
            transport: describe_transport(t),
        }
        .into()),
    }
}

/// `log`: the bus's `<bus>.log` (candump) and `<bus>.pcapng`, opened together.
fn recorded<B: CanBus + 'static>(
    bus: B,
    log: Option<(
        std::io::BufWriter<std::fs::File>,
        crate::transport::can::recording::PcapngSink,
    )>,
    interface: &str,
) -> Result<Box<dyn CanBus>, ConnectError> {
    Ok(match log {
        None => Box::new(bus),
        Some((candump, pcapng)) => Box::new(
            RecordingBus::new(
                bus,
                candump,
                interface,
                Box::new(|| {
                    std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .unwrap_or_default()
                }),
            )
            .with_pcapng(pcapng),
        ),
    })
}

/// What one device answered to identification.
pub struct DeviceAnswer {
    pub device: String,
    pub role: String,
    pub driver: String,
    pub transport: String,
    pub identity: Result<Identity, String>,
}

pub fn identify_all(c: &mut Connection) -> Vec<DeviceAnswer> {
    let infos = c.devices.clone();
    let d = &mut c.rig.devices;
    infos
        .into_iter()
        .map(|info| {
            let identity = match info.role {
                Role::GridSimulator => d.grid.identify(),
                Role::IslandSwitch => d.island_switch.identify(),
                Role::IslandLoad => match d.load.as_mut() {
                    Some(l) => l.identify(),
                    None => continue_missing(),
                },
                Role::WaveformRecorder => match d.recorder.as_mut() {
                    Some(r) => r.identify(),
                    None => continue_missing(),
                },
                Role::Charger => d.charger.identify(),
                Role::EvSimulator => match d.ev.as_mut() {
                    Some(e) => e.identify(),
                    None => continue_missing(),
                },
                Role::HomeLoad => match d.home_load.as_mut() {
                    Some(h) => h.identify(),
                    None => continue_missing(),
                },
            };
            DeviceAnswer {
                device: info.name,
                role: info.role.name().to_string(),
                driver: info.driver,
                transport: info.transport,
                identity: identity.map_err(|e| e.to_string()),
            }
        })
        .collect()
}

fn continue_missing() -> Result<Identity, DeviceError> {
    Err(DeviceError::Unsupported {
        device: "rig".into(),
        detail: "device declared but not connected".into(),
    })
}
