//! Charger driver over SunSpec Modbus (RTU or TCP): discovery of the 'SunS'
//! map at base 0, 40000 or 50000, a model directory from the scan to the end
//! model, and the [`Charger`] role through models 1, 701, 702, 703, 704 and
//! the trip-curve models 707–710. Every write is verified by reading back.

mod client;
mod discovery;
mod meter;
mod points;
mod trip;

pub use crate::protocol::modbus::Framing;
pub use client::ModbusClient;
pub use meter::{connect_meter, SunSpecMeter, METER_DRIVERS};

use crate::der::{EnterService, TripSettings};
use crate::device::{Charger, ChargerStatus, DeviceError, Identity};
use crate::protocol::sunspec::defs::{m1, m701, m702, m703, m704};
use crate::protocol::sunspec::{decode_string, u32_regs, unscaled};
use crate::transport::ByteLink;
use points::{raw, regs, value};

pub struct SunSpecCharger {
    client: ModbusClient,
    base: u16,
    models: Vec<(u16, u16, u16)>,
}

/// Opens the link, finds the SunSpec map and scans its models.
pub fn connect(
    link: Box<dyn ByteLink>,
    framing: Framing,
    name: &str,
) -> Result<SunSpecCharger, DeviceError> {
    let mut client = ModbusClient::new(link, framing, name);
    let (base, models) = discovery::discover(&mut client, name)?;
    Ok(SunSpecCharger {
        client,
        base,
        models,
    })
}

fn unsupported(device: &str, detail: impl Into<String>) -> DeviceError {
    DeviceError::Unsupported {
        device: device.to_string(),
        detail: detail.into(),
    }
}

impl SunSpecCharger {
    /// `(model id, address of its ID register, L)` in map order.
    pub fn models(&self) -> &[(u16, u16, u16)] {
        &self.models
    }

    pub fn base_address(&self) -> u16 {
        self.base
    }

    /// The Modbus client, for raw register access (diagnostics, tests).
    pub fn client(&mut self) -> &mut ModbusClient {
        &mut self.client
    }

    fn unsupported(&self, detail: impl Into<String>) -> DeviceError {
        unsupported(self.client.name(), detail)
    }

    fn mismatch(&self, what: &str) -> DeviceError {
        DeviceError::NotApplied {
            device: self.client.name().to_string(),
            detail: format!(
                "acknowledged the write of {what} but reads back its own values: the setting did not take"
            ),
        }
    }

    /// Address and L of model `id`.
    fn find(&self, id: u16) -> Result<(u16, u16), DeviceError> {
        self.models
            .iter()
            .find(|m| m.0 == id)
            .map(|&(_, a, l)| (a, l))
            .ok_or_else(|| self.unsupported(format!("device has no SunSpec model {id}")))
    }

    /// The whole model, from its ID register, and its address.
    fn read_model(&mut self, id: u16) -> Result<(u16, Vec<u16>), DeviceError> {
        let (addr, len) = self.find(id)?;
        let regs = self.client.read(addr, len.saturating_add(2))?;
        Ok((addr, regs))
    }

    fn need(&self, v: Option<f64>, what: &str) -> Result<f64, DeviceError> {
        v.ok_or_else(|| self.unsupported(format!("{what} is not implemented")))
    }
}

impl Charger for SunSpecCharger {
    fn identify(&mut self) -> Result<Identity, DeviceError> {
        let (_, m) = self.read_model(1)?;
        Ok(Identity {
            manufacturer: decode_string(regs(&m, &m1::Mn)),
            model: decode_string(regs(&m, &m1::Md)),
            serial: decode_string(regs(&m, &m1::SN)),
            firmware: decode_string(regs(&m, &m1::Vr)),
        })
    }

    fn rating_w(&mut self) -> Result<f64, DeviceError> {
        let (_, m) = self.read_model(702)?;
        self.need(value(&m, m702::POINTS, &m702::WMaxRtg), "702 WMaxRtg")
    }

    fn set_power_w(&mut self, power_w: f64) -> Result<(), DeviceError> {
        let (addr, m) = self.read_model(704)?;
        let sf = raw(&m, &m704::WSet_SF).unwrap_or(0) as i16;
        let w = unscaled(power_w, sf)
            .and_then(|w| i32::try_from(w).ok())
            .ok_or_else(|| self.unsupported(format!("{power_w} W does not fit 704 WSet")))?;
        // WSetEna = ENABLED, WSetMod = WATTS (1), WSet: contiguous at 22..=25.
        let [hi, lo] = u32_regs(w as u32);
        self.client
            .write(addr + m704::WSetEna.offset, &[1, 1, hi, lo])?;
        let (_, back) = self.read_model(704)?;
        let ok = raw(&back, &m704::WSetEna) == Some(1)
            && raw(&back, &m704::WSetMod) == Some(1)
            && raw(&back, &m704::WSet) == Some(i64::from(w));
        if !ok {
            return Err(self.mismatch("704 WSet"));
        }
        Ok(())
    }

    fn status(&mut self) -> Result<ChargerStatus, DeviceError> {
        let (_, m) = self.read_model(701)?;
        let t = m701::POINTS;
        let voltage_v = value(&m, t, &m701::LNV)
            .or_else(|| value(&m, t, &m701::LLV))
            .unwrap_or(0.0);
        let st_on = raw(&m, &m701::St) == Some(1);
        let connected = raw(&m, &m701::ConnSt).is_none_or(|c| c == 1);
        Ok(ChargerStatus {
            power_w: self.need(value(&m, t, &m701::W), "701 W")?,
            voltage_v,
            frequency_hz: value(&m, t, &m701::Hz).unwrap_or(0.0),
            energized: st_on,
            tripped: raw(&m, &m701::Alrm).is_some_and(|a| a != 0),
            connected,
        })
    }

    fn read_trip_settings(&mut self) -> Result<TripSettings, DeviceError> {
        let mut out = TripSettings::default();
        for model in trip::TRIP_MODEL_IDS {
            let (_, m) = self.read_model(model)?;
            let (a, b) = trip::decode(&m, model).map_err(|d| self.unsupported(d))?;
            let [f1, f2] = trip::stages(model);
            out.set(f1, a);
            out.set(f2, b);
        }
        Ok(out)
    }

    fn write_trip_settings(&mut self, settings: &TripSettings) -> Result<(), DeviceError> {
        for model in trip::TRIP_MODEL_IDS {
            let [f1, f2] = trip::stages(model);
            let want = (settings.get(f1), settings.get(f2));
            let (addr, m) = self.read_model(model)?;
            let plan = trip::plan_write(&m, model, want).map_err(|d| self.unsupported(d))?;
            for (offset, values) in plan {
                self.client.write(addr + offset, &values)?;
            }
            let (_, back) = self.read_model(model)?;
            let got = trip::decode(&back, model).map_err(|d| self.unsupported(d))?;
            if !trip::matches(&back, model, want, got) {
                return Err(self.mismatch(&format!("model {model} trip curve")));
            }
        }
        Ok(())
    }

    fn anti_islanding_enabled(&mut self) -> Result<bool, DeviceError> {
        let (_, m) = self.read_model(704)?;
        match raw(&m, &m704::AntiIslEna) {
            Some(v) => Ok(v == 1),
            None => Err(self.unsupported("704 AntiIslEna is not implemented")),
        }
    }

    fn set_anti_islanding(&mut self, enabled: bool) -> Result<(), DeviceError> {
        let (addr, _) = self.find(704)?;
        self.client
            .write(addr + m704::AntiIslEna.offset, &[u16::from(enabled)])?;
        if self.anti_islanding_enabled()? != enabled {
            return Err(self.mismatch("704 AntiIslEna"));
        }
        Ok(())
    }

    fn read_enter_service(&mut self) -> Result<EnterService, DeviceError> {
        let (_, m) = self.read_model(703)?;
        let t = m703::POINTS;
        Ok(EnterService {
            voltage_max_pu: self.need(value(&m, t, &m703::ESVHi), "703 ESVHi")? / 100.0,
            voltage_min_pu: self.need(value(&m, t, &m703::ESVLo), "703 ESVLo")? / 100.0,
            frequency_max_hz: self.need(value(&m, t, &m703::ESHzHi), "703 ESHzHi")?,
            frequency_min_hz: self.need(value(&m, t, &m703::ESHzLo), "703 ESHzLo")?,
            delay_s: self.need(value(&m, t, &m703::ESDlyTms), "703 ESDlyTms")?,
        })
    }

    fn write_enter_service(&mut self, es: &EnterService) -> Result<(), DeviceError> {
        let (addr, m) = self.read_model(703)?;
        let v_sf = raw(&m, &m703::V_SF).unwrap_or(0) as i16;
        let hz_sf = raw(&m, &m703::Hz_SF).unwrap_or(0) as i16;
        let u16v = |v: f64, sf: i16| unscaled(v, sf).and_then(|r| u16::try_from(r).ok());
        let u32v = |v: f64, sf: i16| unscaled(v, sf).and_then(|r| u32::try_from(r).ok());
        let (Some(vhi), Some(vlo), Some(fhi), Some(flo), Some(dly)) = (
            u16v(es.voltage_max_pu * 100.0, v_sf),
            u16v(es.voltage_min_pu * 100.0, v_sf),
            u32v(es.frequency_max_hz, hz_sf),
            u32v(es.frequency_min_hz, hz_sf),
            u32v(es.delay_s, 0),
        ) else {
            return Err(self.unsupported("enter-service values do not fit model 703"));
        };
        // ES (kept as it is), ESVHi, ESVLo, ESHzHi, ESHzLo, ESDlyTms: offsets 2..=10.
        let es_flag = regs(&m, &m703::ES).first().copied().unwrap_or(1);
        let mut block = vec![es_flag, vhi, vlo];
        block.extend(u32_regs(fhi));
        block.extend(u32_regs(flo));
        block.extend(u32_regs(dly));
        self.client.write(addr + m703::ES.offset, &block)?;
        let (_, back) = self.read_model(703)?;
        if back.get(2..=10) != Some(block.as_slice()) {
            return Err(self.mismatch("703 enter service"));
        }
        Ok(())
    }
}
