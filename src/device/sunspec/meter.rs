//! Site meter driver over SunSpec Modbus (RTU or TCP): the map is found as
//! for the charger ([`super::discovery`]), then its first meter model
//! (201–204) is read whole and decoded by `protocol::sunspec::meter`.
//! `identify` reads model 1; `measure` keeps the meter's sign: import
//! (utility into the site) positive.

use super::client::ModbusClient;
use super::discovery::{self, Directory};
use super::points::regs;
use super::{unsupported, Framing};
use crate::device::{DeviceError, Identity, MeterReading, PhaseReading, SiteMeter};
use crate::protocol::sunspec::decode_string;
use crate::protocol::sunspec::defs::m1;
use crate::protocol::sunspec::meter::{self, MeterBlock, MeterModel, BLOCK_LEN};
use crate::transport::ByteLink;

/// Driver names of the site_meter role.
pub const METER_DRIVERS: &[&str] = &["sunspec-meter"];

pub struct SunSpecMeter {
    client: ModbusClient,
    models: Directory,
    /// The meter model in use and the address of its ID register.
    model: MeterModel,
    address: u16,
}

/// Opens the link, finds the SunSpec map and its meter model.
pub fn connect_meter(
    link: Box<dyn ByteLink>,
    framing: Framing,
    name: &str,
) -> Result<SunSpecMeter, DeviceError> {
    let mut client = ModbusClient::new(link, framing, name);
    let (_, models) = discovery::discover(&mut client, name)?;
    let found = models
        .iter()
        .find_map(|&(id, a, _)| MeterModel::from_id(id).map(|m| (m, a)));
    let Some((model, address)) = found else {
        let ids: Vec<String> = models.iter().map(|m| m.0.to_string()).collect();
        return Err(unsupported(
            name,
            format!(
                "no SunSpec meter model (201, 202, 203 or 204) in the map; it has models {}",
                if ids.is_empty() {
                    "none".into()
                } else {
                    ids.join(", ")
                }
            ),
        ));
    };
    Ok(SunSpecMeter {
        client,
        models,
        model,
        address,
    })
}

impl SunSpecMeter {
    /// `(model id, address of its ID register, L)` in map order.
    pub fn models(&self) -> &[(u16, u16, u16)] {
        &self.models
    }

    /// The meter model this driver reads.
    pub fn meter_model(&self) -> MeterModel {
        self.model
    }

    /// The meter block, decoded.
    pub fn read_block(&mut self) -> Result<MeterBlock, DeviceError> {
        let regs = self.client.read(self.address, BLOCK_LEN as u16)?;
        meter::decode(&regs).map_err(|e| DeviceError::Protocol {
            device: self.client.name().to_string(),
            detail: format!("meter model at {}: {e}", self.address),
        })
    }
}

/// The service voltage of each model (see [`MeterReading::voltage_v`]).
fn service_voltage(b: &MeterBlock) -> Option<f64> {
    let v = &b.values;
    let ll = v.voltage_ll_v.or(v.line_voltage_v[0]);
    let ln = v.voltage_ln_v.or(v.phase_voltage_v[0]);
    match b.model {
        MeterModel::SinglePhase | MeterModel::Wye => ln.or(ll),
        MeterModel::SplitPhase | MeterModel::Delta => ll.or(ln),
    }
}

/// What the role reports, from a decoded block; a mandatory point that is
/// not implemented is an error.
pub fn reading(b: &MeterBlock, device: &str) -> Result<MeterReading, DeviceError> {
    let v = &b.values;
    let need = |x: Option<f64>, what: &str| {
        x.ok_or_else(|| unsupported(device, format!("meter {what} is not implemented")))
    };
    let phases = (0..b.model.phases())
        .map(|i| PhaseReading {
            voltage_v: v.phase_voltage_v[i],
            current_a: v.phase_current_a[i],
            power_w: v.phase_power_w[i],
        })
        .collect();
    Ok(MeterReading {
        model: b.model.id(),
        voltage_v: need(service_voltage(b), "voltage (PhV, PPV)")?,
        current_a: need(v.current_a, "A")?,
        frequency_hz: need(v.frequency_hz, "Hz")?,
        power_w: need(v.power_w, "W")?,
        reactive_var: v.reactive_var,
        phases,
    })
}

impl SiteMeter for SunSpecMeter {
    fn identify(&mut self) -> Result<Identity, DeviceError> {
        let Some(&(_, addr, len)) = self.models.iter().find(|m| m.0 == m1::MODEL_ID) else {
            return Err(unsupported(
                self.client.name(),
                "device has no SunSpec model 1",
            ));
        };
        let m = self.client.read(addr, len.saturating_add(2))?;
        Ok(Identity {
            manufacturer: decode_string(regs(&m, &m1::Mn)),
            model: decode_string(regs(&m, &m1::Md)),
            serial: decode_string(regs(&m, &m1::SN)),
            firmware: decode_string(regs(&m, &m1::Vr)),
        })
    }

    fn measure(&mut self) -> Result<MeterReading, DeviceError> {
        let block = self.read_block()?;
        reading(&block, self.client.name())
    }
}
