//! Writes: the written registers are laid over the current image, every
//! model they touch is decoded and validated, and only if all of it is valid
//! is anything applied (no partial writes).

use super::map::{self, model_offset, SF_ES_HZ, SF_ES_V, SF_TRIP_HZ, SF_TRIP_TMS, SF_TRIP_V};
use super::state::{Controls, TripState, TRIP_MODELS};
use crate::der::{AntiIslanding, EnterService, TripSetting};
use crate::plant::Plant;
use crate::protocol::sunspec::curve::{self, CurveGroup, TripCurveLayout};
use crate::protocol::sunspec::defs::{m1, m703, m704};
use crate::protocol::sunspec::{regs_u32, scaled, Point};

/// Longest clearing time accepted, seconds (Table 15 widens to 1000 s).
const MAX_CLEARING_S: f64 = 100_000.0;

struct Changes {
    da: Option<u16>,
    es: Option<(bool, EnterService)>,
    ctl: Option<(bool, u16, i32, i16, bool)>,
    trips: Vec<(usize, TripState)>,
}

fn get(img: &[u16], o: usize, p: &Point) -> Vec<u16> {
    img.get(o + usize::from(p.offset)..o + usize::from(p.offset) + usize::from(p.size))
        .map(<[u16]>::to_vec)
        .unwrap_or_default()
}

fn one(img: &[u16], o: usize, p: &Point) -> u16 {
    get(img, o, p).first().copied().unwrap_or(0xFFFF)
}

fn u32p(img: &[u16], o: usize, p: &Point) -> u32 {
    regs_u32(&get(img, o, p)).unwrap_or(u32::MAX)
}

fn flag(v: u16) -> Result<bool, ()> {
    match v {
        0 => Ok(false),
        1 => Ok(true),
        _ => Err(()),
    }
}

/// Validates and applies a write to `touched` models whose registers now read
/// as `img`. `Err` means an illegal data value; nothing was changed.
pub fn apply(img: &[u16], touched: &[u16], plant: &mut Plant, c: &mut Controls) -> Result<(), ()> {
    let mut ch = Changes {
        da: None,
        es: None,
        ctl: None,
        trips: Vec::new(),
    };
    let cfg = plant.config().clone();
    let f_nom = cfg.nominal_frequency_hz;
    for &id in touched {
        let o = model_offset(id).ok_or(())?;
        match id {
            1 => {
                let da = one(img, o, &m1::DA);
                if !(1..=247).contains(&da) {
                    return Err(());
                }
                ch.da = Some(da);
            }
            703 => {
                let enabled = flag(one(img, o, &m703::ES))?;
                let v = |p: &Point| {
                    let r = one(img, o, p);
                    (r != 0xFFFF)
                        .then(|| scaled(f64::from(r), SF_ES_V) / 100.0)
                        .ok_or(())
                };
                let hz = |p: &Point| {
                    let r = u32p(img, o, p);
                    (r != u32::MAX)
                        .then(|| scaled(f64::from(r), SF_ES_HZ))
                        .ok_or(())
                };
                let delay = u32p(img, o, &m703::ESDlyTms);
                let es = EnterService {
                    voltage_max_pu: v(&m703::ESVHi)?,
                    voltage_min_pu: v(&m703::ESVLo)?,
                    frequency_max_hz: hz(&m703::ESHzHi)?,
                    frequency_min_hz: hz(&m703::ESHzLo)?,
                    delay_s: f64::from(delay),
                };
                let ok = es.voltage_min_pu >= 0.5
                    && es.voltage_min_pu < es.voltage_max_pu
                    && es.voltage_max_pu <= 1.5
                    && es.frequency_min_hz >= 0.8 * f_nom
                    && es.frequency_min_hz < es.frequency_max_hz
                    && es.frequency_max_hz <= 1.2 * f_nom
                    && delay <= 3600;
                if !ok {
                    return Err(());
                }
                ch.es = Some((enabled, es));
            }
            704 => {
                let ena = flag(one(img, o, &m704::WSetEna))?;
                let mode = one(img, o, &m704::WSetMod);
                if mode > 1 {
                    return Err(());
                }
                let w = regs_u32(&get(img, o, &m704::WSet)).ok_or(())? as i32;
                let pct = one(img, o, &m704::WSetPct) as i16;
                let anti = flag(one(img, o, &m704::AntiIslEna))?;
                let w_abs = scaled(f64::from(w), map::SF_WSET).abs();
                let pct_abs = scaled(f64::from(pct), map::SF_WSET_PCT).abs();
                // int32/int16 not-implemented values are out of range too.
                if w_abs > cfg.inverter.rating_w || pct_abs > 100.0 {
                    return Err(());
                }
                ch.ctl = Some((ena, mode, w, pct, anti));
            }
            707..=710 => {
                let k = TRIP_MODELS
                    .iter()
                    .position(|m| m.model_id == id)
                    .ok_or(())?;
                let state = decode_trip(img, o, id, f_nom)?;
                ch.trips.push((k, state));
            }
            _ => return Err(()),
        }
    }
    // Everything validated: apply.
    if let Some(da) = ch.da {
        c.device_address = da;
    }
    if let Some((enabled, es)) = ch.es {
        c.es_enabled = enabled;
        plant.set_enter_service(es);
    }
    if let Some((ena, mode, w, pct, anti)) = ch.ctl {
        c.wset_enabled = ena;
        c.wset_mode = mode;
        c.wset_raw = w;
        c.wset_pct_raw = pct;
        if plant.anti_islanding().enabled != anti {
            plant.set_anti_islanding(AntiIslanding {
                enabled: anti,
                ..plant.anti_islanding()
            });
        }
    }
    if ch.es.is_some() || ch.ctl.is_some() {
        plant.set_power_setpoint_w(c.power_setpoint_w(cfg.inverter.rating_w));
    }
    if !ch.trips.is_empty() {
        let mut trip = plant.trip_settings().clone();
        for (k, state) in ch.trips {
            let m = &TRIP_MODELS[k];
            for (i, f) in m.stages.iter().enumerate() {
                trip.set(*f, if state.enabled { state.curve[i] } else { None });
            }
            c.trips[k] = state;
        }
        plant.set_trip_settings(trip);
    }
    Ok(())
}

fn decode_trip(img: &[u16], o: usize, id: u16, f_nom: f64) -> Result<TripState, ()> {
    let layout = TripCurveLayout::for_model(id, map::TRIP_NPT, map::TRIP_NCRV).ok_or(())?;
    let r = |off: u32| img.get(o + off as usize).copied().unwrap_or(0xFFFF);
    let r32 = |off: u32| (u32::from(r(off)) << 16) | u32::from(r(off + 1));
    let enabled = flag(r(u32::from(curve::ENA)))?;
    // One curve set: adopting curve 1 is immediate; 0 means no request.
    let adopt_request = r(u32::from(curve::ADPT_CRV_REQ));
    if adopt_request > map::TRIP_NCRV {
        return Err(());
    }
    // No may-trip or momentary-cessation curves: they must stay empty.
    for g in [CurveGroup::MayTrip, CurveGroup::MomCess] {
        if r(layout.act_pt(0, g)) != 0 {
            return Err(());
        }
    }
    let act = r(layout.act_pt(0, CurveGroup::MustTrip));
    if act > map::TRIP_NPT {
        return Err(());
    }
    let over = matches!(id, 708 | 710);
    let mut curve_pts = [None, None];
    for i in 0..act {
        let x = if layout.frequency {
            let raw = r32(layout.x(0, CurveGroup::MustTrip, i));
            if raw == u32::MAX {
                return Err(());
            }
            scaled(f64::from(raw), SF_TRIP_HZ)
        } else {
            let raw = r(layout.x(0, CurveGroup::MustTrip, i));
            if raw == 0xFFFF {
                return Err(());
            }
            scaled(f64::from(raw), SF_TRIP_V) / 100.0
        };
        let tms = r32(layout.tms(0, CurveGroup::MustTrip, i));
        if tms == u32::MAX {
            return Err(());
        }
        let t = scaled(f64::from(tms), SF_TRIP_TMS);
        // Pickups on the right side of nominal: V in pu, Hz within ±20 %.
        let in_range = match (layout.frequency, over) {
            (false, false) => (0.0..=1.0).contains(&x),
            (false, true) => (1.0..=2.0).contains(&x),
            (true, false) => (0.8 * f_nom..=f_nom).contains(&x),
            (true, true) => (f_nom..=1.2 * f_nom).contains(&x),
        };
        if !in_range || t > MAX_CLEARING_S {
            return Err(());
        }
        curve_pts[usize::from(i)] = Some(TripSetting {
            pickup: x,
            clearing_time_s: t,
        });
    }
    // Stage 2 is the more severe one: further from nominal.
    if let [Some(a), Some(b)] = curve_pts {
        if (over && b.pickup < a.pickup) || (!over && b.pickup > a.pickup) {
            return Err(());
        }
    }
    Ok(TripState {
        enabled,
        adopt_request,
        curve: curve_pts,
    })
}
