//! A driver per role: which role trait each device of the rig file is
//! reached through, built over its link or bus.

use super::named::Named;
use super::transports::label;
use super::ConnectError;
use crate::device::{self, DeviceError};
use crate::exec::clock::Clock;
use crate::exec::rig::Devices;
use crate::model::{DeviceSpec, EvProtocol, Role, TransportSpec};
use crate::transport::can::CanBus;
use crate::transport::ByteLink;
use std::collections::BTreeMap;
use std::sync::Arc;

/// The drivers connected so far, one slot per role.
#[derive(Default)]
pub(super) struct Roles<'r> {
    grid: Option<Box<dyn device::GridSimulator>>,
    island_switch: Option<Box<dyn device::IslandSwitch>>,
    load: Option<Box<dyn device::IslandLoad>>,
    recorder: Option<Box<dyn device::WaveformRecorder>>,
    charger: Option<(Box<dyn device::Charger>, &'r str, &'r DeviceSpec)>,
    ev: Option<Box<dyn device::EvSimulator>>,
    home_load: Option<Box<dyn device::HomeLoad>>,
    site_meter: Option<Box<dyn device::SiteMeter>>,
    csms: Option<Box<dyn device::csms::CentralSystem>>,
    /// Device name → role, as the rig file declares them.
    names: BTreeMap<String, Role>,
}

impl<'r> Roles<'r> {
    /// The EV simulator: plays the vehicle on its CAN bus.
    pub(super) fn add_ev(
        &mut self,
        name: &str,
        spec: &DeviceSpec,
        bus: Box<dyn CanBus>,
        clock: &Arc<dyn Clock>,
    ) {
        let vehicle = spec.vehicle.unwrap_or_default();
        let ev = device::chademo_ev::ChademoEv::start(bus, clock.clone(), vehicle, name);
        self.ev = Some(Named::<dyn device::EvSimulator>::new(
            label(name, spec),
            Box::new(ev),
        ));
        self.names.insert(name.to_string(), spec.role);
    }

    /// A CCS EV simulator: plays ISO 15118-20, or DIN 70121 (charge only),
    /// on its V2G link, as the rig's `protocol` says.
    pub(super) fn add_ccs_ev(
        &mut self,
        name: &str,
        spec: &DeviceSpec,
        link: Box<dyn crate::transport::v2g::link::V2gLink>,
        clock: &Arc<dyn Clock>,
    ) {
        let vehicle = spec.vehicle.unwrap_or_default();
        let ev: Box<dyn device::EvSimulator> = match spec.protocol.unwrap_or_default() {
            EvProtocol::Iso15118_20 => Box::new(device::ccs_ev::CcsEv::start(
                link,
                clock.clone(),
                vehicle,
                name,
            )),
            EvProtocol::Din70121 => Box::new(device::ccs_ev_din::CcsEvDin::start(
                link,
                clock.clone(),
                vehicle,
                name,
            )),
        };
        self.ev = Some(Named::<dyn device::EvSimulator>::new(label(name, spec), ev));
        self.names.insert(name.to_string(), spec.role);
    }

    /// The central system the charger connects to.
    pub(super) fn add_csms(
        &mut self,
        name: &str,
        spec: &DeviceSpec,
        csms: Box<dyn device::csms::CentralSystem>,
    ) {
        self.csms = Some(Named::<dyn device::csms::CentralSystem>::new(
            label(name, spec),
            csms,
        ));
        self.names.insert(name.to_string(), spec.role);
    }

    /// A device on a byte link (SCPI instruments, the SunSpec charger).
    pub(super) fn add_link_device(
        &mut self,
        name: &'r str,
        spec: &'r DeviceSpec,
        link: Box<dyn ByteLink>,
    ) -> Result<(), ConnectError> {
        let dev_err = |source| ConnectError::Device {
            device: name.to_string(),
            source,
        };
        let driver = spec.driver.as_str();
        let label = label(name, spec);
        match spec.role {
            Role::EvSimulator | Role::Csms => {}
            Role::HomeLoad => {
                let home = device::scpi::home_load(driver, link, name).map_err(dev_err)?;
                self.home_load = Some(Named::<dyn device::HomeLoad>::new(label, home))
            }
            Role::GridSimulator => {
                let grid = device::scpi::grid_simulator(driver, link, name).map_err(dev_err)?;
                self.grid = Some(Named::<dyn device::GridSimulator>::new(label, grid))
            }
            Role::IslandSwitch => {
                let channel = spec.options.channel.as_deref().unwrap_or("1001");
                let switch =
                    device::scpi::island_switch(driver, link, name, channel).map_err(dev_err)?;
                self.island_switch = Some(Named::<dyn device::IslandSwitch>::new(label, switch))
            }
            Role::IslandLoad => {
                let load = device::scpi::island_load(driver, link, name).map_err(dev_err)?;
                self.load = Some(Named::<dyn device::IslandLoad>::new(label, load))
            }
            Role::WaveformRecorder => {
                let recorder =
                    device::scpi::waveform_recorder(driver, link, name).map_err(dev_err)?;
                self.recorder = Some(Named::<dyn device::WaveformRecorder>::new(label, recorder))
            }
            Role::Charger => {
                let c =
                    device::sunspec::connect(link, modbus_framing(spec), name).map_err(dev_err)?;
                let charger = Named::<dyn device::Charger>::new(label, Box::new(c));
                self.charger = Some((charger, name, spec));
            }
            Role::SiteMeter => {
                let m = device::sunspec::connect_meter(link, modbus_framing(spec), name)
                    .map_err(dev_err)?;
                self.site_meter = Some(Named::<dyn device::SiteMeter>::new(label, Box::new(m)));
            }
        }
        self.names.insert(name.to_string(), spec.role);
        Ok(())
    }

    /// The charger's rig-file entry (its firmware block, its ratings).
    pub(super) fn charger_spec(&self) -> Result<&'r DeviceSpec, ConnectError> {
        self.charger
            .as_ref()
            .map(|(_, _, spec)| *spec)
            .ok_or(ConnectError::MissingRole("charger"))
    }

    /// The charger's rig-file name.
    pub(super) fn charger_name(&self) -> Option<&'r str> {
        self.charger.as_ref().map(|(_, name, _)| *name)
    }

    pub(super) fn names(&self) -> BTreeMap<String, Role> {
        self.names.clone()
    }

    /// The runner's devices, and the charger's rating (the rig file's, or
    /// what the charger reports). A lab rig must have its grid simulator
    /// and S3; a site rig has neither.
    pub(super) fn into_devices(
        self,
        kind: crate::model::RigKind,
        flasher: Option<Box<dyn device::flasher::Flasher>>,
    ) -> Result<(Devices, f64), ConnectError> {
        let (mut charger, name, spec) = self.charger.ok_or(ConnectError::MissingRole("charger"))?;
        let rating_w = match spec.ratings.power_w {
            Some(p) => p,
            None => charger
                .rating_w()
                .map_err(|source: DeviceError| ConnectError::Device {
                    device: name.to_string(),
                    source,
                })?,
        };
        if kind == crate::model::RigKind::Lab {
            if self.grid.is_none() {
                return Err(ConnectError::MissingRole("grid simulator"));
            }
            if self.island_switch.is_none() {
                return Err(ConnectError::MissingRole("island switch"));
            }
        }
        let devices = Devices {
            grid: self.grid,
            island_switch: self.island_switch,
            load: self.load,
            recorder: self.recorder,
            charger,
            ev: self.ev,
            home_load: self.home_load,
            flasher,
            site_meter: self.site_meter,
            csms: self.csms,
        };
        Ok((devices, rating_w))
    }
}

/// Modbus TCP on a LAN transport, else RTU at the rig's unit id (1 by
/// default): the charger and the site meter are reached alike.
fn modbus_framing(spec: &DeviceSpec) -> device::sunspec::Framing {
    match spec.transport {
        TransportSpec::EmulatedTcp | TransportSpec::Tcp { .. } => device::sunspec::Framing::Tcp,
        _ => device::sunspec::Framing::Rtu {
            unit_id: spec.options.unit_id.unwrap_or(1),
        },
    }
}
