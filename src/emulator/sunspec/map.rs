//! The charger's SunSpec register map, built live from the plant on every
//! request. Layout from the official model definitions (see
//! `protocol::sunspec::defs`); unimplemented points hold the SunSpec
//! not-implemented values.

use super::state::{Controls, TRIP_MODELS};
use crate::der::TripFunction;
use crate::device::Identity;
use crate::plant::{CeaseReason, InverterMode, Plant};
use crate::protocol::sunspec::curve::{self, CurveGroup, TripCurveLayout};
use crate::protocol::sunspec::defs::{m1, m701, m702, m703, m704};
use crate::protocol::sunspec::{encode_string, u32_regs, Point, SUNS_MARKER};

/// The map starts at 40000, the SunSpec default base (SunSpec Modbus Spec §4.1).
pub const BASE_ADDRESS: u16 = 40000;
/// Trip curves: two points (stage 1, stage 2) on one curve set.
pub const TRIP_NPT: u16 = 2;
pub const TRIP_NCRV: u16 = 1;

// Scale factors the emulator publishes (sunssf points).
pub const SF_A: i16 = -2;
pub const SF_V: i16 = -1;
pub const SF_HZ_701: i16 = -3;
pub const SF_W: i16 = 0;
pub const SF_ES_V: i16 = -1;
pub const SF_ES_HZ: i16 = -2;
pub const SF_WSET: i16 = 0;
pub const SF_WSET_PCT: i16 = -2;
pub const SF_TRIP_V: i16 = -1;
pub const SF_TRIP_HZ: i16 = -2;
pub const SF_TRIP_TMS: i16 = -2;

/// `(model id, L)` in map order, end model excluded.
pub fn models() -> Vec<(u16, u16)> {
    let trip_len = |id| {
        TripCurveLayout::for_model(id, TRIP_NPT, TRIP_NCRV)
            .and_then(|l| l.model_len())
            .unwrap_or(0)
    };
    vec![
        (1, m1::LEN),
        (701, m701::LEN),
        (702, m702::LEN),
        (703, m703::LEN),
        (704, m704::LEN),
        (707, trip_len(707)),
        (708, trip_len(708)),
        (709, trip_len(709)),
        (710, trip_len(710)),
    ]
}

/// `(model id, address of its ID register, L)` for every model, end model last.
pub fn register_map() -> Vec<(u16, u16, u16)> {
    let mut addr = BASE_ADDRESS + 2;
    let mut out = Vec::new();
    for (id, len) in models() {
        out.push((id, addr, len));
        addr += 2 + len;
    }
    out.push((0xFFFF, addr, 0));
    out
}

/// Offset (from BASE_ADDRESS) of model `id`'s ID register.
pub fn model_offset(id: u16) -> Option<usize> {
    register_map()
        .into_iter()
        .find(|&(m, _, _)| m == id)
        .map(|(_, a, _)| usize::from(a - BASE_ADDRESS))
}

/// Register image of the whole map from BASE_ADDRESS, and which registers
/// a client may write.
pub struct Image {
    pub regs: Vec<u16>,
    pub writable: Vec<bool>,
}

impl Image {
    fn put(&mut self, model_at: usize, point: &Point, regs: &[u16]) {
        let start = model_at + usize::from(point.offset);
        for (i, &r) in regs.iter().enumerate().take(usize::from(point.size)) {
            if let Some(slot) = self.regs.get_mut(start + i) {
                *slot = r;
            }
        }
    }

    fn put_ni(&mut self, model_at: usize, points: &[Point]) {
        for p in points {
            self.put(model_at, p, &p.not_implemented());
        }
    }

    fn allow(&mut self, from: usize, len: usize) {
        for w in self.writable.iter_mut().skip(from).take(len) {
            *w = true;
        }
    }

    fn allow_point(&mut self, model_at: usize, p: &Point) {
        self.allow(model_at + usize::from(p.offset), usize::from(p.size));
    }
}

/// Saturating conversions that never produce the not-implemented value.
pub fn u16_of(v: f64) -> u16 {
    v.round().clamp(0.0, 65534.0) as u16
}
pub fn i16_of(v: f64) -> u16 {
    v.round().clamp(-32767.0, 32767.0) as i16 as u16
}
pub fn u32_of(v: f64) -> [u16; 2] {
    u32_regs(v.round().clamp(0.0, 4_294_967_294.0) as u32)
}
pub fn i32_of(v: f64) -> [u16; 2] {
    u32_regs(v.round().clamp(-2_147_483_647.0, 2_147_483_647.0) as i32 as u32)
}
fn sf(s: i16) -> [u16; 1] {
    [s as u16]
}
fn at(v: f64, s: i16) -> f64 {
    v / 10f64.powi(i32::from(s))
}

/// Builds the image from the plant and the emulator's own control state.
pub fn build(plant: &Plant, identity: &Identity, c: &Controls) -> Image {
    let map = register_map();
    let total = map
        .last()
        .map(|&(_, a, _)| usize::from(a - BASE_ADDRESS) + 2)
        .unwrap_or(0);
    let mut img = Image {
        regs: vec![0; total],
        writable: vec![false; total],
    };
    img.regs[0] = SUNS_MARKER[0];
    img.regs[1] = SUNS_MARKER[1];
    for &(id, addr, len) in &map {
        let o = usize::from(addr - BASE_ADDRESS);
        img.regs[o] = id;
        img.regs[o + 1] = len;
        match id {
            1 => common(&mut img, o, identity, c),
            701 => measurements(&mut img, o, plant),
            702 => capacity(&mut img, o, plant),
            703 => enter_service(&mut img, o, plant, c),
            704 => controls(&mut img, o, c, plant),
            707..=710 => trip(&mut img, o, id, c),
            _ => {}
        }
    }
    img
}

fn common(img: &mut Image, o: usize, id: &Identity, c: &Controls) {
    img.put_ni(o, m1::POINTS.get(2..).unwrap_or(&[]));
    img.put(o, &m1::Mn, &encode_string(&id.manufacturer, 16));
    img.put(o, &m1::Md, &encode_string(&id.model, 16));
    img.put(o, &m1::Vr, &encode_string(&id.firmware, 8));
    img.put(o, &m1::SN, &encode_string(&id.serial, 16));
    img.put(o, &m1::DA, &[c.device_address]);
    img.allow_point(o, &m1::DA);
}

/// 701 Alrm bits (model_701.json symbols) for why the inverter ceased.
fn alarm_bits(reason: Option<CeaseReason>) -> u32 {
    match reason {
        Some(CeaseReason::Trip(f)) => match f {
            TripFunction::Ov1 | TripFunction::Ov2 => 1 << 10, // AC_OVER_VOLT
            TripFunction::Uv1 | TripFunction::Uv2 => 1 << 11, // AC_UNDER_VOLT
            TripFunction::Of1 | TripFunction::Of2 => 1 << 8,  // OVER_FREQUENCY
            TripFunction::Uf1 | TripFunction::Uf2 => 1 << 9,  // UNDER_FREQUENCY
        },
        Some(CeaseReason::AntiIslanding) => 1 << 4, // GRID_DISCONNECT
        _ => 0,
    }
}

fn tripped_reason(plant: &Plant) -> Option<CeaseReason> {
    let st = plant.inverter_status();
    let is_trip = |r: &CeaseReason| matches!(r, CeaseReason::Trip(_) | CeaseReason::AntiIslanding);
    st.cease_reason
        .filter(is_trip)
        .or(st.last_trip.filter(is_trip))
}

fn measurements(img: &mut Image, o: usize, plant: &Plant) {
    img.put_ni(o, m701::POINTS.get(2..).unwrap_or(&[]));
    let m = plant.measure();
    let st = plant.inverter_status();
    img.put(o, &m701::ACType, &[0]); // SINGLE_PHASE
    let forming = plant.inverter_mode() == InverterMode::GridForming;
    img.put(o, &m701::St, &[u16::from(st.energized || forming)]);
    let inv_st = match st.cease_reason {
        None if st.energized => 3,                 // RUNNING
        Some(CeaseReason::EnterServiceDelay) => 7, // STANDBY
        Some(CeaseReason::Disabled) => 0,          // OFF
        Some(_) => 6,                              // FAULT
        None => 7,
    };
    img.put(o, &m701::InvSt, &[inv_st]);
    // Disconnected while ceased, and while a V2H charger's transfer switch is open.
    img.put(
        o,
        &m701::ConnSt,
        &[u16::from(st.energized && plant.mid_closed())],
    );
    let reason = tripped_reason(plant);
    img.put(o, &m701::Alrm, &u32_regs(alarm_bits(reason)));
    // Bit 0 GRID_FOLLOWING, bit 1 GRID_FORMING (model_701.json DERMode).
    img.put(o, &m701::DERMode, &u32_regs(if forming { 2 } else { 1 }));
    // What the charger measures at its own AC terminals: the PCC while its
    // transfer switch is closed, the home bus it forms while it is open.
    let (w, a, v, hz) = if forming && !plant.mid_closed() {
        let h = plant.home_measure();
        (h.power_w, h.current_rms_a, h.voltage_rms_v, h.frequency_hz)
    } else {
        (
            m.inverter_power_w,
            m.inverter_current_rms_a,
            m.pcc_voltage_rms_v,
            m.pcc_frequency_hz,
        )
    };
    img.put(o, &m701::W, &[i16_of(at(w, SF_W))]);
    img.put(o, &m701::A, &[i16_of(at(a, SF_A))]);
    img.put(o, &m701::LNV, &[u16_of(at(v, SF_V))]);
    img.put(o, &m701::Hz, &u32_of(at(hz, SF_HZ_701)));
    img.put(o, &m701::A_SF, &sf(SF_A));
    img.put(o, &m701::V_SF, &sf(SF_V));
    img.put(o, &m701::Hz_SF, &sf(SF_HZ_701));
    img.put(o, &m701::W_SF, &sf(SF_W));
    let info = match reason {
        Some(CeaseReason::Trip(f)) => format!("{f} trip"),
        Some(CeaseReason::AntiIslanding) => "island detected".to_string(),
        _ => String::new(),
    };
    img.put(o, &m701::MnAlrmInfo, &encode_string(&info, 32));
}

fn capacity(img: &mut Image, o: usize, plant: &Plant) {
    img.put_ni(o, m702::POINTS.get(2..).unwrap_or(&[]));
    let cfg = plant.config();
    let w = [u16_of(at(cfg.inverter.rating_w, SF_W))];
    let v = [u16_of(at(cfg.nominal_voltage_v, SF_V))];
    let a = [u16_of(at(
        cfg.inverter.rating_w / cfg.nominal_voltage_v.max(1.0),
        SF_A,
    ))];
    for p in [
        &m702::WMaxRtg,
        &m702::VAMaxRtg,
        &m702::WChaRteMaxRtg,
        &m702::WDisChaRteMaxRtg,
    ] {
        img.put(o, p, &w);
    }
    for p in [
        &m702::WMax,
        &m702::VAMax,
        &m702::WChaRteMax,
        &m702::WDisChaRteMax,
    ] {
        img.put(o, p, &w);
    }
    img.put(o, &m702::VNomRtg, &v);
    img.put(o, &m702::VNom, &v);
    img.put(o, &m702::AMaxRtg, &a);
    img.put(o, &m702::AMax, &a);
    img.put(o, &m702::NorOpCatRtg, &[1]); // CAT_B
    img.put(o, &m702::AbnOpCatRtg, &[1]); // CAT_2
                                          // FIXED_W, LV_TRIP, HV_TRIP, LF_TRIP, HF_TRIP.
    let modes: u32 = (1 << 1) | (1 << 7) | (1 << 8) | (1 << 12) | (1 << 13);
    img.put(o, &m702::CtrlModes, &u32_regs(modes));
    img.put(o, &m702::W_SF, &sf(SF_W));
    img.put(o, &m702::VA_SF, &sf(SF_W));
    img.put(o, &m702::V_SF, &sf(SF_V));
    img.put(o, &m702::A_SF, &sf(SF_A));
}

fn enter_service(img: &mut Image, o: usize, plant: &Plant, c: &Controls) {
    img.put_ni(o, m703::POINTS.get(2..).unwrap_or(&[]));
    let es = plant.enter_service();
    img.put(o, &m703::ES, &[u16::from(c.es_enabled)]);
    img.put(
        o,
        &m703::ESVHi,
        &[u16_of(at(es.voltage_max_pu * 100.0, SF_ES_V))],
    );
    img.put(
        o,
        &m703::ESVLo,
        &[u16_of(at(es.voltage_min_pu * 100.0, SF_ES_V))],
    );
    img.put(o, &m703::ESHzHi, &u32_of(at(es.frequency_max_hz, SF_ES_HZ)));
    img.put(o, &m703::ESHzLo, &u32_of(at(es.frequency_min_hz, SF_ES_HZ)));
    img.put(o, &m703::ESDlyTms, &u32_of(es.delay_s));
    img.put(o, &m703::ESRndTms, &u32_regs(0)); // no randomised delay
    img.put(o, &m703::V_SF, &sf(SF_ES_V));
    img.put(o, &m703::Hz_SF, &sf(SF_ES_HZ));
    for p in [
        &m703::ES,
        &m703::ESVHi,
        &m703::ESVLo,
        &m703::ESHzHi,
        &m703::ESHzLo,
        &m703::ESDlyTms,
    ] {
        img.allow_point(o, p);
    }
}

fn controls(img: &mut Image, o: usize, c: &Controls, plant: &Plant) {
    img.put_ni(o, m704::POINTS.get(2..).unwrap_or(&[]));
    img.put(o, &m704::WSetEna, &[u16::from(c.wset_enabled)]);
    img.put(o, &m704::WSetMod, &[c.wset_mode]);
    img.put(o, &m704::WSet, &u32_regs(c.wset_raw as u32));
    img.put(o, &m704::WSetPct, &[c.wset_pct_raw as u16]);
    img.put(
        o,
        &m704::AntiIslEna,
        &[u16::from(plant.anti_islanding().enabled)],
    );
    img.put(o, &m704::WSet_SF, &sf(SF_WSET));
    img.put(o, &m704::WSetPct_SF, &sf(SF_WSET_PCT));
    for p in [
        &m704::WSetEna,
        &m704::WSetMod,
        &m704::WSet,
        &m704::WSetPct,
        &m704::AntiIslEna,
    ] {
        img.allow_point(o, p);
    }
}

fn trip(img: &mut Image, o: usize, id: u16, c: &Controls) {
    let Some(k) = TRIP_MODELS.iter().position(|m| m.model_id == id) else {
        return;
    };
    let Some(layout) = TripCurveLayout::for_model(id, TRIP_NPT, TRIP_NCRV) else {
        return;
    };
    let total = usize::from(layout.total_len().unwrap_or(0));
    // Every register past the fixed part starts as "not implemented".
    for r in img
        .regs
        .iter_mut()
        .skip(o + usize::from(curve::FIXED_LEN))
        .take(total - 9)
    {
        *r = 0xFFFF;
    }
    let state = &c.trips[k];
    let set = |img: &mut Image, off: u32, regs: &[u16]| {
        for (i, &r) in regs.iter().enumerate() {
            if let Some(slot) = img.regs.get_mut(o + off as usize + i) {
                *slot = r;
            }
        }
    };
    set(img, u32::from(curve::ENA), &[u16::from(state.enabled)]);
    set(img, u32::from(curve::ADPT_CRV_REQ), &[state.adopt_request]);
    set(img, u32::from(curve::ADPT_CRV_RSLT), &[1]); // COMPLETED
    set(img, u32::from(curve::NPT), &[TRIP_NPT]);
    set(img, u32::from(curve::NCRVSET), &[TRIP_NCRV]);
    let x_sf = if layout.frequency {
        SF_TRIP_HZ
    } else {
        SF_TRIP_V
    };
    set(img, u32::from(curve::X_SF), &sf(x_sf));
    set(img, u32::from(curve::TMS_SF), &sf(SF_TRIP_TMS));
    set(img, layout.read_only(0), &[0]); // RW
    let active: Vec<_> = state.curve.iter().map_while(|s| *s).collect();
    set(
        img,
        layout.act_pt(0, CurveGroup::MustTrip),
        &[active.len() as u16],
    );
    for (i, s) in active.iter().enumerate() {
        let x = if layout.frequency {
            u32_of(at(s.pickup, SF_TRIP_HZ)).to_vec()
        } else {
            vec![u16_of(at(s.pickup * 100.0, SF_TRIP_V))]
        };
        set(img, layout.x(0, CurveGroup::MustTrip, i as u16), &x);
        set(
            img,
            layout.tms(0, CurveGroup::MustTrip, i as u16),
            &u32_of(at(s.clearing_time_s, SF_TRIP_TMS)),
        );
    }
    for g in [CurveGroup::MayTrip, CurveGroup::MomCess] {
        set(img, layout.act_pt(0, g), &[0]);
    }
    img.allow(o + usize::from(curve::ENA), 2); // Ena, AdptCrvReq
    img.allow(
        o + layout.act_pt(0, CurveGroup::MustTrip) as usize,
        total - 10,
    );
}
