//! The emulated bidirectional charger: a SunSpec Modbus server (RTU with a
//! unit id, or TCP with MBAP framing) over the plant, with models 1, 701,
//! 702, 703, 704, 707, 708, 709, 710 at base 40000 (see [`map::register_map`]).
//!
//! Reads return the map built live from the plant. Writes to read-only or
//! unmapped registers answer exception 02, invalid values exception 03; in
//! both cases nothing changes. Supported writes: 1 DA; 703 ES, ESVHi, ESVLo,
//! ESHzHi, ESHzLo, ESDlyTms; 704 WSetEna, WSetMod, WSet, WSetPct, AntiIslEna;
//! 707–710 Ena, AdptCrvReq and the curve's group registers (MayTrip and
//! MomCess must stay empty). 702 settings (WMax …) are fixed to the ratings.
//!
//! Beside it, the emulated site meter ([`MeterServer`]: models 1 and 202 or
//! 201), over the same framing.

mod apply;
mod framing;
pub mod map;
mod meter;
mod state;

pub use crate::protocol::modbus::Framing;
pub use map::{register_map, BASE_ADDRESS};
pub use meter::{meter_instrument, meter_values, MeterServer, METER_SCALES};
pub use state::{TripModel, TRIP_MODELS};

use super::bootloader::BootloaderStatus;
use super::Instrument;
use crate::device::Identity;
use crate::plant::Plant;
use crate::protocol::modbus::pdu::{ExceptionCode, Request, Response};
use framing::Splitter;
use state::Controls;
use std::sync::{Arc, Mutex};

/// The emulated charger as an instrument for `SimLink` or the serve loops.
pub fn charger_instrument(framing: Framing, identity: Identity) -> Box<dyn Instrument> {
    Box::new(ChargerServer::new(framing, identity))
}

pub struct ChargerServer {
    identity: Identity,
    controls: Controls,
    splitter: Splitter,
    /// An injected hardware failure: every request is answered with
    /// exception 04, Server Device Failure (Modbus Application Protocol
    /// V1.1b3 §7: an unrecoverable error while performing the action).
    hardware_fault: bool,
    /// A charger that acknowledges writes of its grid-protection settings
    /// (models 703, 707–710) and keeps its own: firmware that wants an
    /// installer unlock first, or has fixed ranges. Commissioning must catch
    /// it by reading the settings back.
    settings_locked: bool,
    /// The charger's bootloader, when the rig gives it one: model 1 `Vr`
    /// reports the version it last started, so a flash shows on SunSpec
    /// as it would on the real charger after its reset.
    bootloader: Option<Arc<Mutex<BootloaderStatus>>>,
}

impl ChargerServer {
    pub fn new(framing: Framing, identity: Identity) -> Self {
        let da = match framing {
            Framing::Rtu { unit_id } => u16::from(unit_id),
            Framing::Tcp => 1,
        };
        let splitter = Splitter::new(framing);
        ChargerServer {
            identity,
            controls: Controls::new(da),
            splitter,
            hardware_fault: false,
            settings_locked: false,
            bootloader: None,
        }
    }

    /// Answers one request PDU against the plant.
    pub fn handle_pdu(&mut self, pdu: &[u8], plant: &mut Plant) -> Option<Vec<u8>> {
        let function = *pdu.first()?;
        if self.hardware_fault {
            let code = ExceptionCode::ServerDeviceFailure;
            return Some(Response::Exception { function, code }.to_bytes());
        }
        let request = match Request::decode(pdu) {
            Ok(r) => r,
            Err(e) => {
                let code = e.exception()?;
                return Some(Response::Exception { function, code }.to_bytes());
            }
        };
        let resp = match self.execute(&request, plant) {
            Ok(r) => r,
            Err(code) => Response::Exception { function, code },
        };
        Some(resp.to_bytes())
    }

    fn execute(&mut self, req: &Request, plant: &mut Plant) -> Result<Response, ExceptionCode> {
        self.controls.sync(plant);
        let identity = self.identity();
        let img = map::build(plant, &identity, &self.controls);
        let base = usize::from(BASE_ADDRESS);
        let window = |address: u16, n: usize| {
            let start = usize::from(address)
                .checked_sub(base)
                .ok_or(ExceptionCode::IllegalDataAddress)?;
            if start + n > img.regs.len() {
                return Err(ExceptionCode::IllegalDataAddress);
            }
            Ok(start)
        };
        match req {
            Request::ReadHoldingRegisters { address, quantity } => {
                let start = window(*address, usize::from(*quantity))?;
                let values = img.regs[start..start + usize::from(*quantity)].to_vec();
                Ok(Response::ReadHoldingRegisters { values })
            }
            Request::WriteSingleRegister { address, value } => {
                self.write(&img, window(*address, 1)?, &[*value], plant)?;
                Ok(Response::WriteSingleRegister {
                    address: *address,
                    value: *value,
                })
            }
            Request::WriteMultipleRegisters { address, values } => {
                self.write(&img, window(*address, values.len())?, values, plant)?;
                Ok(Response::WriteMultipleRegisters {
                    address: *address,
                    quantity: values.len() as u16,
                })
            }
        }
    }

    fn write(
        &mut self,
        img: &map::Image,
        start: usize,
        values: &[u16],
        plant: &mut Plant,
    ) -> Result<(), ExceptionCode> {
        if !img
            .writable
            .iter()
            .skip(start)
            .take(values.len())
            .all(|&w| w)
        {
            return Err(ExceptionCode::IllegalDataAddress);
        }
        let mut regs = img.regs.clone();
        regs[start..start + values.len()].copy_from_slice(values);
        let touched: Vec<u16> = register_map()
            .into_iter()
            .filter(|&(_, a, len)| {
                let m_start = usize::from(a - BASE_ADDRESS);
                let m_end = m_start + 2 + usize::from(len);
                start < m_end && start + values.len() > m_start
            })
            .map(|(id, _, _)| id)
            .collect();
        let touched: Vec<u16> = touched
            .into_iter()
            .filter(|id| !(self.settings_locked && matches!(id, 703 | 707..=710)))
            .collect();
        apply::apply(&regs, &touched, plant, &mut self.controls)
            .map_err(|()| ExceptionCode::IllegalDataValue)
    }
}

impl ChargerServer {
    /// See [`ChargerServer::settings_locked`].
    pub fn with_settings_locked(mut self, locked: bool) -> Self {
        self.settings_locked = locked;
        self
    }

    /// Reports the firmware `bootloader` runs (see [`ChargerServer::bootloader`]).
    pub fn with_bootloader(mut self, bootloader: Option<Arc<Mutex<BootloaderStatus>>>) -> Self {
        self.bootloader = bootloader;
        self
    }

    /// Model 1 as it reads now: the running firmware from the bootloader,
    /// `BOOTLOADER` (as its F189 says) while no application runs.
    fn identity(&self) -> std::borrow::Cow<'_, Identity> {
        let Some(status) = &self.bootloader else {
            return std::borrow::Cow::Borrowed(&self.identity);
        };
        let running = status
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .running_version
            .clone();
        let mut id = self.identity.clone();
        id.firmware = running.unwrap_or_else(|| "BOOTLOADER".into());
        std::borrow::Cow::Owned(id)
    }
}

impl Instrument for ChargerServer {
    fn set_hardware_fault(&mut self, on: bool) {
        self.hardware_fault = on;
    }

    fn receive(&mut self, bytes: &[u8], plant: &mut Plant) -> Vec<u8> {
        let mut splitter = std::mem::take(&mut self.splitter);
        let out = splitter.serve(bytes, |pdu| self.handle_pdu(pdu, plant));
        self.splitter = splitter;
        out
    }
}
