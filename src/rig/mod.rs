//! Assembling a connected rig from a rig file: a transport per device (a
//! serial port, a TCP socket, a CAN bus, or an in-memory link to an emulated
//! instrument), a driver per role behind the role traits, the evidence taps
//! a run asks for, and the clock they share. This layer sits above `exec`
//! and `emulator`: the runner only receives the role traits
//! ([`ConnectedRig`]), and never sees how they were reached.

mod csms;
mod faults;
mod identify;
mod named;
mod roles;
mod taps;
mod transports;

pub use identify::{identify_all, DeviceAnswer};
pub use transports::describe_transport;

use crate::device::{self, DeviceError};
use crate::emulator::rig::{EmulatedRig, EmulatorError};
use crate::emulator::{SharedPlant, SimClock};
use crate::exec::clock::{Clock, WallClock};
use crate::exec::rig::{ConnectedRig, RigFacts};
use crate::model::{DeviceSpec, FlashMethod, Rig, Role};
use crate::transport::can::CanError;
use crate::transport::TransportError;
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error(
        "the rig mixes emulated devices ({emulated}) with real ones ({real}); \
         an emulated rig runs in simulated time, so all devices must be emulated or none"
    )]
    Mixed { emulated: String, real: String },
    #[error("the rig has no {0}")]
    MissingRole(&'static str),
    #[error(
        "the rig has {0} chargers; a run reaches one at a time (`commission` takes a depot's chargers one after another)"
    )]
    SeveralChargers(usize),
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
    #[error("device `{device}`: {source}")]
    V2g {
        device: String,
        #[source]
        source: crate::transport::v2g::V2gTransportError,
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

/// The emulation behind an emulated rig (none for a real one), and the
/// clock the rig's devices share.
fn emulation_and_clock(
    emulated: bool,
    rig: &Rig,
) -> Result<(Option<EmulatedRig>, Arc<dyn Clock>), ConnectError> {
    let emulation = if emulated {
        Some(EmulatedRig::build(rig)?)
    } else {
        None
    };
    let clock: Arc<dyn Clock> = match &emulation {
        Some(e) => Arc::new(SimClock::new(e.plant.clone())),
        None => Arc::new(WallClock::new()),
    };
    Ok((emulation, clock))
}

pub fn connect_with(rig: &Rig, options: &ConnectOptions) -> Result<Connection, ConnectError> {
    let (emulated, real): (Vec<_>, Vec<_>) = rig
        .devices
        .iter()
        .partition(|(_, d)| d.transport.is_emulated());
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
    let chargers = rig.devices_with_role(Role::Charger).len();
    if chargers > 1 {
        return Err(ConnectError::SeveralChargers(chargers));
    }
    let (emulation, clock) = emulation_and_clock(!emulated.is_empty(), rig)?;
    if let Some(evidence) = &options.evidence {
        evidence.attach_clock(clock.clone());
    }

    let mut roles = roles::Roles::default();
    let mut infos = Vec::new();
    // An emulated rig can have faults injected: its links and the EV's
    // node are built able to fail.
    let wiring = emulation
        .as_ref()
        .map(|e| faults::Wiring::new(rig, e, options));
    for (name, spec) in rig.devices_in_order() {
        if spec.role == Role::EvSimulator && spec.driver == "ccs" {
            let link = transports::open_v2g(name, spec, emulation.as_ref())?;
            roles.add_ccs_ev(name, spec, link, &clock);
        } else if spec.role == Role::EvSimulator {
            let mut bus = transports::open_can(name, spec, emulation.as_ref(), options)?;
            if let Some(w) = &wiring {
                bus = w.ev_node(bus);
            }
            roles.add_ev(name, spec, bus, &clock);
        } else if spec.role == Role::Csms {
            let csms = csms::open_csms(name, spec, emulation.as_ref(), &clock)?;
            roles.add_csms(name, spec, csms);
        } else {
            let fault = wiring.as_ref().and_then(|w| w.link(name));
            let link = transports::open_link(name, spec, emulation.as_ref(), fault)?;
            let link = taps::transcript(link, name, spec, options)?;
            roles.add_link_device(name, spec, link)?;
        }
        infos.push(DeviceInfo {
            name: name.to_string(),
            role: spec.role,
            driver: spec.driver.clone(),
            transport: describe_transport(&spec.transport),
        });
    }
    let charger_spec = roles.charger_spec()?;
    let flasher = match (&charger_spec.firmware, options.open_flasher) {
        (Some(fw), true) => {
            let flasher =
                transports::open_flasher(fw, charger_spec, emulation.as_ref(), &clock, options)?;
            let label = transports::flasher_label(roles.charger_name().unwrap_or("charger"), fw);
            Some(named::Named::<dyn device::flasher::Flasher>::new(label, flasher) as _)
        }
        _ => None,
    };
    let facts = RigFacts {
        name: rig.name.clone(),
        nominal_voltage_v: rig.nominal.voltage_v,
        nominal_frequency_hz: rig.nominal.frequency_hz,
        charger_rating_w: 0.0,
        kind: rig.kind,
        safe_state: rig.safe_state,
        roles: roles.names(),
        firmware: charger_spec.firmware.clone(),
    };
    let (devices, charger_rating_w) = roles.into_devices(rig.kind, flasher)?;
    let injector = wiring.map(faults::Wiring::into_injector);
    let evidence = options
        .evidence
        .clone()
        .map(|e| Arc::new(e) as Arc<dyn crate::exec::faults::EvidenceHealth>);
    Ok(Connection {
        rig: ConnectedRig {
            devices,
            clock,
            facts: RigFacts {
                charger_rating_w,
                ..facts
            },
            faults: injector,
            evidence,
            operator: emulation.as_ref().and_then(EmulatedRig::site_operator),
        },
        devices: infos,
        plant: emulation.as_ref().map(|e| e.plant.clone()),
        emulation,
    })
}

/// Whether each device of a real rig can be reached, each on its own: its
/// link opened (serial port, TCP connection, CAN interface, Ethernet
/// interface) and closed again, nothing sent. For `rig check`, so that
/// every dead device is named, not only the first [`connect`] met. An
/// emulated rig's devices are all reachable (`connect` is the check).
pub fn reach_each(rig: &Rig) -> Vec<(String, Result<(), ConnectError>)> {
    let options = ConnectOptions::default();
    rig.devices_in_order()
        .filter(|(_, spec)| !spec.transport.is_emulated())
        .map(|(name, spec)| {
            let reached = if spec.role == Role::EvSimulator && spec.driver == "ccs" {
                transports::open_v2g(name, spec, None).map(drop)
            } else if spec.role == Role::EvSimulator {
                transports::open_can(name, spec, None, &options).map(drop)
            } else if spec.role == Role::Csms {
                // The central system listens; `connect` binds it.
                Ok(())
            } else {
                transports::open_link(name, spec, None, None).map(drop)
            };
            (name.to_string(), reached)
        })
        .collect()
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
    let (emulation, clock) = emulation_and_clock(emulated, rig)?;
    let flasher = transports::open_flasher(
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
