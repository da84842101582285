//! The emulated rig: one plant built from the rig file, and a factory for
//! each device's emulated instrument. `run` joins them to the drivers by
//! in-memory links; `emulate` serves them on TCP ports and pseudo-terminals.

use super::bootloader::{Bootloader, BootloaderConfig, BootloaderStatus, FlashGeometry};
use super::ccs_secc::CcsSeccAgent;
use super::chademo_charger::{charger_session_config, ChargerCanAgent};
use super::lock_plant;
use super::{Instrument, SharedPlant};
use crate::der::{EnterService, TripSettings};
use crate::device::Identity;
use crate::model::{DeviceSpec, ModelErrors, Rig, Role, TransportSpec, VehicleSpec};
use crate::model::{FirmwareSpec, FlashMethod};
use crate::plant::{BackupConfig, EvBatteryConfig, InverterConfig, Plant, PlantConfig};
use crate::protocol::sunspec::meter::MeterModel;
use crate::transport::can::emulated::EmulatedCanBus;
use crate::transport::can::CanId;
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum EmulatorError {
    #[error("device `{device}`: no emulator for driver `{driver}`")]
    UnknownDriver { device: String, driver: String },
    #[error("device `{device}` is not emulated (transport {transport})")]
    NotEmulated { device: String, transport: String },
    #[error("the rig has no charger; the plant needs its rating")]
    NoCharger,
    #[error("{0}")]
    Profile(String),
    #[error("the emulated charger's TLS server: {0}")]
    V2gTls(String),
}

impl From<ModelErrors> for EmulatorError {
    fn from(e: ModelErrors) -> Self {
        EmulatorError::Profile(e.render())
    }
}

/// What carries an emulated instrument's bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkKind {
    Serial,
    Tcp,
}

impl LinkKind {
    pub fn of(t: &TransportSpec) -> Self {
        match t {
            TransportSpec::EmulatedTcp | TransportSpec::Tcp { .. } => LinkKind::Tcp,
            _ => LinkKind::Serial,
        }
    }
}

pub struct EmulatedRig {
    pub plant: SharedPlant,
    /// The CHAdeMO bus between the charger and the EV simulator, when the
    /// rig has an emulated EV simulator.
    can_bus: Option<EmulatedCanBus>,
    /// The V2GTP link between the charger's SECC and a CCS EV simulator.
    v2g_net: Option<crate::transport::v2g::EmulatedV2gNet>,
    /// The charger's diagnostic bus, where its bootloader answers UDS.
    firmware_bus: Option<EmulatedCanBus>,
    /// What the emulated bootloader is doing (tests, `rig check`).
    pub bootloader: Option<Arc<Mutex<BootloaderStatus>>>,
    /// An emulated site's own vehicle (kept plugged in while the rig lives).
    site_vehicle: Option<super::site::SiteVehicle>,
    site: Option<crate::model::EmulatedSite>,
    /// The emulated network's end of the rig's central system: the csms
    /// driver takes it, the charger's OCPP client dials it.
    csms_server: Mutex<Option<crate::transport::ws::WsServer>>,
}

impl EmulatedRig {
    /// Builds the plant from the rig's nominal values, plant settings and the
    /// charger's emulation block (trip profile, anti-islanding).
    pub fn build(rig: &Rig) -> Result<Self, EmulatorError> {
        Self::build_dialing(rig, None)
    }

    /// [`Self::build`], with the charger's OCPP client dialling a real
    /// central system at `csms_url` (`emulate --csms`) instead of the
    /// emulated one.
    pub fn build_dialing(rig: &Rig, csms_url: Option<&str>) -> Result<Self, EmulatorError> {
        let charger = rig
            .devices
            .values()
            .find(|d| d.role == Role::Charger)
            .ok_or(EmulatorError::NoCharger)?;
        let rating_w = charger
            .ratings
            .power_w
            .unwrap_or(rig.safety_limits.max_charger_power_w);
        let mut trip = TripSettings::ieee1547_cat_ii_at(rig.nominal.frequency_hz);
        let mut enter_service = EnterService::ieee1547_default_at(rig.nominal.frequency_hz);
        let mut anti_islanding = crate::der::AntiIslanding::default();
        if let Some(emulation) = &charger.emulation {
            if let Some(path) = &emulation.trip_profile {
                let profile = crate::model::load_profile(path)?;
                trip = profile.trip;
                if let Some(es) = profile.enter_service {
                    enter_service = es;
                }
            }
            anti_islanding = emulation.anti_islanding;
        }
        let config = PlantConfig {
            nominal_voltage_v: rig.nominal.voltage_v,
            nominal_frequency_hz: rig.nominal.frequency_hz,
            step_rate_hz: f64::from(rig.plant.step_rate_hz),
            inverter: InverterConfig {
                rating_w,
                trip,
                enter_service,
                anti_islanding,
            },
        };
        let mut plant = Plant::new(config);
        if let Some(backup) = charger.emulation.as_ref().and_then(|e| e.backup) {
            plant.set_backup(BackupConfig {
                enabled: backup.enabled,
                transfer_time: Duration::from_secs_f64(backup.transfer_time_s),
            });
        }
        // A lab's EV simulator is driven by the plan; a site's vehicle is
        // the customer's, played here and reached only through the charger.
        let site = (rig.kind == crate::model::RigKind::Site)
            .then(|| rig.emulated_site.unwrap_or_default());
        let ev = match &site {
            Some(s) => Some((s.vehicle, 500_000)),
            None => rig
                .devices_in_order()
                .find(|(_, d)| d.role == Role::EvSimulator)
                .and_then(|(_, d)| match d.transport {
                    TransportSpec::EmulatedCan { bit_rate } => {
                        Some((d.vehicle.unwrap_or_default(), bit_rate))
                    }
                    _ => None,
                }),
        };
        // A CCS vehicle: the charger's SECC on the emulated V2GTP link, over
        // the same EV battery and DC side as CHAdeMO.
        let ccs_vehicle = match &site {
            Some(_) => None,
            None => rig
                .devices_in_order()
                .find(|(_, d)| d.role == Role::EvSimulator && d.driver == "ccs")
                .filter(|(_, d)| d.transport == TransportSpec::EmulatedTcp)
                .map(|(_, d)| d.vehicle.unwrap_or_default()),
        };
        let plant = Arc::new(Mutex::new(plant));
        let v2g_net = ccs_vehicle
            .map(|vehicle| {
                // TLS 1.3 for ISO 15118-20 on a PKI made for this rig.
                crate::emulator::v2g_pki::EmulatedV2gPki::generate().map(|pki| (vehicle, pki))
            })
            .transpose()
            .map_err(EmulatorError::V2gTls)?;
        let v2g_net = v2g_net.map(|(vehicle, pki)| {
            let net = crate::transport::v2g::EmulatedV2gNet::with_tls(pki.server_config, pki.root);
            let mut p = lock_plant(&plant);
            p.attach_ev(battery_for(&vehicle));
            p.add_agent(Box::new(CcsSeccAgent::new(
                net.clone(),
                rating_w,
                vehicle.min_discharge_voltage_v,
            )));
            net
        });
        let can_bus = ev.map(|(vehicle, bit_rate)| {
            let mut p = lock_plant(&plant);
            p.attach_ev(battery_for(&vehicle));
            drop(p);
            let bus = emulated_bus(&plant, "can0", bit_rate);
            let agent = ChargerCanAgent::new(
                bus.port("charger"),
                charger_session_config(rating_w, &vehicle),
            );
            lock_plant(&plant).add_agent(Box::new(agent));
            bus
        });
        let mut bootloader = None;
        let firmware_bus = match &charger.firmware {
            Some(fw) => match fw.method {
                FlashMethod::Uds(TransportSpec::EmulatedCan { bit_rate }) => {
                    let bus = emulated_bus(&plant, "can1", bit_rate);
                    let agent = Bootloader::new(
                        Box::new(bus.port("bootloader")),
                        bootloader_config(fw, &identity_of(charger))?,
                    );
                    bootloader = Some(agent.status());
                    lock_plant(&plant).add_agent(Box::new(agent));
                    Some(bus)
                }
                _ => None,
            },
            None => None,
        };
        let site_vehicle = match (&site, &can_bus) {
            (Some(s), Some(bus)) => Some(super::site::start_site(&plant, s, bus)),
            _ => None,
        };
        let csms_server = super::ocpp::start_emulated_network(
            rig,
            charger,
            &identity_of(charger),
            &plant,
            &bootloader,
            csms_url,
        )?;
        Ok(EmulatedRig {
            csms_server: Mutex::new(csms_server),
            plant,
            can_bus,
            v2g_net,
            firmware_bus,
            bootloader,
            site_vehicle,
            site,
        })
    }

    /// The emulated central system's server end (once).
    pub fn take_csms_server(&self) -> Option<crate::transport::ws::WsServer> {
        self.csms_server
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
    }

    /// The installer's hands on an emulated site.
    pub fn site_operator(&self) -> Option<Box<dyn crate::exec::operator::Operator>> {
        self.site.as_ref().map(|s| {
            Box::new(super::site::EmulatedInstaller::new(self.plant.clone(), s))
                as Box<dyn crate::exec::operator::Operator>
        })
    }

    /// Whether this is an emulated site (its vehicle plugged in).
    pub fn is_site(&self) -> bool {
        self.site_vehicle.is_some()
    }

    pub fn firmware_bus(&self) -> Option<EmulatedCanBus> {
        self.firmware_bus.clone()
    }

    /// The emulated V2GTP network a CCS EV simulator connects on.
    pub fn v2g_net(&self) -> Option<crate::transport::v2g::EmulatedV2gNet> {
        self.v2g_net.clone()
    }

    pub fn can_bus(&self) -> Option<EmulatedCanBus> {
        self.can_bus.clone()
    }

    /// A fresh emulated instrument for one device of the rig, speaking the
    /// framing of the link it is served on (Modbus RTU on a serial line,
    /// Modbus TCP on a socket).
    pub fn instrument(
        &self,
        name: &str,
        spec: &DeviceSpec,
        link: LinkKind,
    ) -> Result<Box<dyn Instrument>, EmulatorError> {
        let identity = identity(name, spec);
        let framing = match link {
            LinkKind::Tcp => super::sunspec::Framing::Tcp,
            LinkKind::Serial => super::sunspec::Framing::Rtu {
                unit_id: spec.options.unit_id.unwrap_or(1),
            },
        };
        match spec.role {
            Role::Charger => {
                let locked = spec.emulation.as_ref().is_some_and(|e| e.settings_locked);
                Ok(Box::new(
                    super::sunspec::ChargerServer::new(framing, identity)
                        .with_settings_locked(locked)
                        .with_bootloader(self.bootloader.clone()),
                ))
            }
            Role::SiteMeter => {
                let e = spec.emulation.as_ref();
                // The rig loader allows only 201 and 202; 202 is the default.
                let model = e
                    .and_then(|e| e.meter_model)
                    .and_then(MeterModel::from_id)
                    .unwrap_or(MeterModel::SplitPhase);
                let ct = e.map(|e| e.ct_reversed).unwrap_or_default();
                Ok(super::sunspec::meter_instrument(
                    framing, identity, model, ct,
                ))
            }
            _ => super::scpi::emulated_instrument(&spec.driver, identity, ratings(spec)).map_err(
                |_| EmulatorError::UnknownDriver {
                    device: name.to_string(),
                    driver: spec.driver.clone(),
                },
            ),
        }
    }
}

/// A CAN bus in the plant's simulated time: a blocking receive lets the
/// plant (and its agents) run until a frame arrives.
fn emulated_bus(plant: &SharedPlant, name: &str, bit_rate: u32) -> EmulatedCanBus {
    let time = lock_plant(plant).sim_time();
    let advancer = plant.clone();
    EmulatedCanBus::new(
        name,
        bit_rate,
        Arc::new(move || time.now()),
        Some(Arc::new(move |t| lock_plant(&advancer).advance_to(t))),
    )
}

fn can_id(id: u32) -> Result<CanId, EmulatorError> {
    let id = if id <= 0x7FF {
        CanId::standard(id as u16)
    } else {
        CanId::extended(id)
    };
    id.map_err(|e| EmulatorError::Profile(format!("firmware CAN id: {e}")))
}

/// The emulated charger's bootloader, from the rig's firmware block.
fn bootloader_config(
    fw: &FirmwareSpec,
    identity: &Identity,
) -> Result<BootloaderConfig, EmulatorError> {
    let app = fw
        .memory_map
        .first()
        .ok_or_else(|| EmulatorError::Profile("the firmware memory map is empty".into()))?;
    Ok(BootloaderConfig {
        request_id: can_id(fw.request_id)?,
        response_id: can_id(fw.response_id)?,
        flash: FlashGeometry::emulated_charger(),
        app_start: app.start,
        app_length: app.length,
        secret: fw.secret(),
        serial: identity.serial.clone(),
        factory_version: identity.firmware.clone(),
        // 4 KiB of data per TransferData plus SID and counter.
        max_block_len: 4096 + 2,
    })
}

pub(super) fn identity_of(charger: &DeviceSpec) -> Identity {
    identity("charger", charger)
}

/// The plant's battery for the vehicle the EV simulator plays: its capacity
/// and SoC, with a typical NMC open-circuit curve scaled to its maximum voltage.
fn battery_for(v: &VehicleSpec) -> EvBatteryConfig {
    let typical = EvBatteryConfig::typical_62kwh();
    let top = typical.ocv_table.last().map_or(1.0, |p| p.1);
    let scale = v.max_battery_voltage_v / top;
    EvBatteryConfig {
        capacity_kwh: v.capacity_kwh,
        initial_soc: v.initial_soc_pct / 100.0,
        ocv_table: typical
            .ocv_table
            .iter()
            .map(|&(soc, volts)| (soc, volts * scale))
            .collect(),
        internal_resistance_ohm: typical.internal_resistance_ohm,
    }
}

fn ratings(spec: &DeviceSpec) -> super::scpi::ScpiRatings {
    let mut r = super::scpi::ScpiRatings::default();
    if let Some(v) = spec.ratings.voltage_max_v {
        r.voltage_max_v = v;
    }
    if let Some(p) = spec.ratings.power_w {
        r.power_max_w = p;
    }
    // The same QL/QC rating `plan check` holds balance_load to.
    if let Some(q) = spec.ratings.reactive_max_var() {
        r.reactive_max_var = q;
    }
    if let Some(channel) = spec.options.channel.as_deref().and_then(|c| c.parse().ok()) {
        r.s3_channel = channel;
    }
    r
}

/// What the emulated device answers to *IDN? / model 1.
fn identity(name: &str, spec: &DeviceSpec) -> Identity {
    let id = spec.identity.clone().unwrap_or_default();
    Identity {
        manufacturer: id.manufacturer.unwrap_or_else(|| "v2x-hil".into()),
        model: id
            .model
            .unwrap_or_else(|| format!("emulated {}", spec.driver)),
        serial: id.serial.unwrap_or_else(|| format!("EMU-{name}")),
        firmware: id
            .firmware
            .unwrap_or_else(|| env!("CARGO_PKG_VERSION").to_string()),
    }
}
