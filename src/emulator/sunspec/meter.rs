//! The emulated site meter: a SunSpec Modbus server (RTU or TCP) at the
//! service entrance, between the utility (the plant's grid source) and the
//! site, serving model 1 and one meter model, 202 (split phase) by default
//! or 201 (single phase, AN), at base 40000. It reads the plant where the
//! grid simulator's own meter does, on the site's side of the main breaker ([`panel_point`]).
//!
//! Split phase (202): the plant is one 240 V phase; the meter shows it as
//! the two legs of a 120/240 V service, L1-N = L2-N = V/2, L1-L2 = V, the
//! 240 V load current on both legs, each leg half the real and reactive
//! power. Single phase (201): one CT on L1, PhV = V.
//!
//! Signs: import positive (see `protocol::sunspec::meter`). Each leg's
//! current carries its power's sign, as meters with signed int16 currents
//! report it, and a CT installed backwards ([`CtReversed`]) flips its leg's
//! current, real and reactive power: one reversed leg of two makes W read
//! about 0, both make it read inverted. Apparent power stays positive.
//!
//! Read-only: a write anywhere answers exception 02 (Illegal Data Address).
//! Not emulated: energy counters (TotWhImp, TotWhExp read 0, SunSpec's "not
//! accumulated"), power factor; Evt reads 0 (no events).

use super::framing::Splitter;
use super::map::BASE_ADDRESS;
use super::Framing;
use crate::device::Identity;
use crate::emulator::service::{panel_point, ServicePoint};
use crate::emulator::Instrument;
use crate::model::CtReversed;
use crate::plant::Plant;
use crate::protocol::modbus::pdu::{ExceptionCode, Request, Response};
use crate::protocol::sunspec::defs::m1;
use crate::protocol::sunspec::meter::{encode, MeterModel, MeterValues, Scales};
use crate::protocol::sunspec::{encode_string, END_MODEL_ID, SUNS_MARKER};

/// Scale factors the emulated meter publishes: 0.1 A, 0.1 V, 0.01 Hz, and
/// 10 W / VA / var, so a 200 A, 240 V service (48 kW) fits an int16.
pub const METER_SCALES: Scales = Scales {
    a: -1,
    v: -1,
    hz: -2,
    w: 1,
    va: 1,
    var: 1,
    pf: -1,
    wh: 0,
};

/// The emulated meter as an instrument for `SimLink` or the serve loops.
pub fn meter_instrument(
    framing: Framing,
    identity: Identity,
    model: MeterModel,
    ct_reversed: CtReversed,
) -> Box<dyn Instrument> {
    Box::new(MeterServer::new(framing, identity, model, ct_reversed))
}

/// What the meter reads at `sp` (pure: the emulator's physics of the CTs).
pub fn meter_values(sp: &ServicePoint, model: MeterModel, ct: CtReversed) -> MeterValues {
    let legs = model.phases().min(2);
    let share = 1.0 / legs as f64;
    let mut v = MeterValues {
        frequency_hz: Some(sp.frequency_hz),
        events: Some(0),
        ..MeterValues::default()
    };
    let (mut a, mut w, mut q, mut s) = (0.0, 0.0, 0.0, 0.0);
    for leg in 0..legs {
        let sign = if ct.leg(leg) { -1.0 } else { 1.0 };
        let p = sign * sp.power_w * share;
        let i = if p < 0.0 { -sp.current_a } else { sp.current_a };
        let va = sp.voltage_v * share * sp.current_a;
        v.phase_current_a[leg] = Some(i);
        v.phase_voltage_v[leg] = Some(sp.voltage_v * share);
        v.phase_power_w[leg] = Some(p);
        v.phase_reactive_var[leg] = Some(sign * sp.reactive_var * share);
        v.phase_apparent_va[leg] = Some(va);
        a += i;
        w += p;
        q += sign * sp.reactive_var * share;
        s += va;
    }
    v.current_a = Some(a);
    v.power_w = Some(w);
    v.reactive_var = Some(q);
    v.apparent_va = Some(s);
    v.voltage_ln_v = Some(sp.voltage_v * share);
    if model == MeterModel::SplitPhase {
        v.voltage_ll_v = Some(sp.voltage_v);
        v.line_voltage_v[0] = Some(sp.voltage_v);
    }
    v
}

pub struct MeterServer {
    identity: Identity,
    model: MeterModel,
    ct: CtReversed,
    device_address: u16,
    splitter: Splitter,
    /// Injected hardware failure: exception 04 to everything.
    hardware_fault: bool,
}

impl MeterServer {
    pub fn new(framing: Framing, identity: Identity, model: MeterModel, ct: CtReversed) -> Self {
        let device_address = match framing {
            Framing::Rtu { unit_id } => u16::from(unit_id),
            Framing::Tcp => 1,
        };
        MeterServer {
            identity,
            model,
            ct,
            device_address,
            splitter: Splitter::new(framing),
            hardware_fault: false,
        }
    }

    /// The map from BASE_ADDRESS: 'SunS', model 1, the meter model, end model.
    fn image(&self, plant: &Plant) -> Vec<u16> {
        let mut regs = SUNS_MARKER.to_vec();
        let mut common = vec![0u16; usize::from(m1::LEN) + 2];
        for p in m1::POINTS.iter().skip(2) {
            put(&mut common, p.offset, &p.not_implemented());
        }
        put(&mut common, m1::ID.offset, &[m1::MODEL_ID, m1::LEN]);
        let id = &self.identity;
        put(
            &mut common,
            m1::Mn.offset,
            &encode_string(&id.manufacturer, 16),
        );
        put(&mut common, m1::Md.offset, &encode_string(&id.model, 16));
        put(&mut common, m1::Vr.offset, &encode_string(&id.firmware, 8));
        put(&mut common, m1::SN.offset, &encode_string(&id.serial, 16));
        put(&mut common, m1::DA.offset, &[self.device_address]);
        regs.extend(common);
        let values = meter_values(&panel_point(plant), self.model, self.ct);
        regs.extend(encode(self.model, &values, &METER_SCALES));
        regs.extend([END_MODEL_ID, 0]);
        regs
    }

    /// Answers one request PDU against the plant.
    pub fn handle_pdu(&mut self, pdu: &[u8], plant: &Plant) -> Option<Vec<u8>> {
        let function = *pdu.first()?;
        let code = if self.hardware_fault {
            ExceptionCode::ServerDeviceFailure
        } else {
            match Request::decode(pdu) {
                Ok(Request::ReadHoldingRegisters { address, quantity }) => {
                    let img = self.image(plant);
                    let start = usize::from(address).checked_sub(usize::from(BASE_ADDRESS));
                    match start.and_then(|s| img.get(s..s + usize::from(quantity))) {
                        Some(values) => {
                            let values = values.to_vec();
                            return Some(Response::ReadHoldingRegisters { values }.to_bytes());
                        }
                        None => ExceptionCode::IllegalDataAddress,
                    }
                }
                // Nothing of a meter is writable.
                Ok(_) => ExceptionCode::IllegalDataAddress,
                Err(e) => e.exception()?,
            }
        };
        Some(Response::Exception { function, code }.to_bytes())
    }
}

fn put(regs: &mut [u16], offset: u16, values: &[u16]) {
    for (slot, v) in regs.iter_mut().skip(usize::from(offset)).zip(values) {
        *slot = *v;
    }
}

impl Instrument for MeterServer {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn sp(power_w: f64) -> ServicePoint {
        ServicePoint {
            voltage_v: 240.0,
            current_a: power_w.abs() / 240.0,
            frequency_hz: 60.0,
            power_w,
            reactive_var: 0.0,
        }
    }

    #[test]
    fn split_phase_shows_two_legs_of_the_240_v_phase() {
        let v = meter_values(&sp(4800.0), MeterModel::SplitPhase, CtReversed::None);
        assert_eq!(v.voltage_ll_v, Some(240.0));
        assert_eq!(v.phase_voltage_v, [Some(120.0), Some(120.0), None]);
        assert_eq!(v.phase_current_a, [Some(20.0), Some(20.0), None]);
        assert_eq!(v.phase_power_w, [Some(2400.0), Some(2400.0), None]);
        assert_eq!((v.power_w, v.current_a), (Some(4800.0), Some(40.0)));
    }

    #[test]
    fn reversed_cts_flip_their_legs() {
        let one = meter_values(&sp(4800.0), MeterModel::SplitPhase, CtReversed::L2);
        assert_eq!(one.phase_power_w[1], Some(-2400.0));
        assert_eq!(one.phase_current_a[1], Some(-20.0));
        assert_eq!((one.power_w, one.current_a), (Some(0.0), Some(0.0)));
        let both = meter_values(&sp(4800.0), MeterModel::SplitPhase, CtReversed::Both);
        assert_eq!(both.power_w, Some(-4800.0));
        assert_eq!(both.apparent_va, Some(4800.0));
        let single = meter_values(&sp(-3000.0), MeterModel::SinglePhase, CtReversed::L1);
        assert_eq!(
            (single.power_w, single.voltage_ln_v),
            (Some(3000.0), Some(240.0))
        );
        assert_eq!(single.voltage_ll_v, None);
    }
}
