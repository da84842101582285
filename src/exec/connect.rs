//! Connects a rig file's devices: a transport per device (serial port, TCP
//! socket, or an in-memory link to an emulated instrument), a driver per role
//! behind the role traits, and the clock they share.

use super::clock::{Clock, WallClock};
use super::rig::{ConnectedRig, Devices, RigFacts};
use crate::device::{self, DeviceError, Identity};
use crate::emulator::rig::{EmulatedRig, EmulatorError, LinkKind};
use crate::emulator::{SharedPlant, SimClock, SimLink};
use crate::model::{DeviceSpec, Rig, Role, TransportSpec};
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
}

/// Connection facts about one device, for `rig check`.
#[derive(Debug, Clone)]
pub struct DeviceInfo {
    pub name: String,
    pub role: Role,
    pub driver: String,
    pub transport: String,
}

/// A connected rig plus, on the emulated rig, the plant (for ground truth in tests).
pub struct Connection {
    pub rig: ConnectedRig,
    pub devices: Vec<DeviceInfo>,
    pub plant: Option<SharedPlant>,
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
    matches!(
        t,
        TransportSpec::EmulatedSerial { .. } | TransportSpec::EmulatedTcp
    )
}

pub fn describe_transport(t: &TransportSpec) -> String {
    match t {
        TransportSpec::EmulatedSerial { baud } => format!("emulated serial @ {baud}"),
        TransportSpec::EmulatedTcp => "emulated LAN".into(),
        TransportSpec::Serial { port, baud } => format!("{port} @ {baud}"),
        TransportSpec::Tcp { addr } => format!("tcp {addr}"),
    }
}

/// The TCP port an instrument listens on when the rig gives only a host.
fn default_port(role: Role) -> u16 {
    match role {
        Role::Charger => 502,
        _ => 5025,
    }
}

pub fn connect(rig: &Rig) -> Result<Connection, ConnectError> {
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

    let mut grid = None;
    let mut island_switch = None;
    let mut load = None;
    let mut recorder = None;
    let mut charger = None;
    let mut infos = Vec::new();
    let mut roles = BTreeMap::new();
    for (name, spec) in rig.devices_in_order() {
        let name = &name.to_string();
        let link = open_link(name, spec, emulation.as_ref())?;
        let dev_err = |source| ConnectError::Device {
            device: name.clone(),
            source,
        };
        match spec.role {
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
            },
        },
        devices: infos,
        plant: emulation.map(|e| e.plant),
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
        (t, None) => {
            return Err(EmulatorError::NotEmulated {
                device: name.to_string(),
                transport: describe_transport(t),
            }
            .into())
        }
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
