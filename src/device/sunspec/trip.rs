//! IEEE 1547 two-stage trips ↔ SunSpec 707–710 must-trip curves.
//!
//! Mapping as in SunSpec's SVP (sunspec/svp_energy_lab
//! `Lib/svpelab/der1547_sunspec.py`, `set_ov`/`set_uv`/`set_of`/`set_uf`):
//! the MustTrip group of the active curve; point 1 = stage 1 (OV1, UV1, OF1,
//! UF1), point 2 = stage 2 (OV2, UV2, OF2, UF2); V = pu × 100 (% of nominal,
//! V_SF), Hz with Hz_SF, Tms = clearing time in seconds with Tms_SF; ActPt =
//! stages in use; Ena = 0 disables the model's functions.

use super::points::regs;
use crate::der::{TripFunction, TripSetting};
use crate::protocol::sunspec::curve::{self, CurveGroup, TripCurveLayout};
use crate::protocol::sunspec::{regs_u32, sunssf, u32_regs, unscaled};

pub const TRIP_MODEL_IDS: [u16; 4] = [707, 708, 709, 710];

/// The functions carried by points 1 and 2 of `model`.
pub fn stages(model: u16) -> [TripFunction; 2] {
    match model {
        707 => [TripFunction::Uv1, TripFunction::Uv2],
        708 => [TripFunction::Ov1, TripFunction::Ov2],
        709 => [TripFunction::Uf1, TripFunction::Uf2],
        _ => [TripFunction::Of1, TripFunction::Of2],
    }
}

type Stages = (Option<TripSetting>, Option<TripSetting>);

struct Parsed {
    layout: TripCurveLayout,
    x_sf: i16,
    tms_sf: i16,
    /// The curve to write: the first one not marked ReadOnly.
    writable_curve: Option<u16>,
}

fn r(m: &[u16], off: u32) -> Option<u16> {
    m.get(off as usize).copied()
}

fn parse(m: &[u16], model: u16) -> Result<Parsed, String> {
    let get = |off: u16| r(m, u32::from(off)).ok_or("model too short".to_string());
    let npt = get(curve::NPT)?;
    let ncrv = get(curve::NCRVSET)?;
    let layout = TripCurveLayout::for_model(model, npt, ncrv)
        .ok_or_else(|| format!("model {model} is not a trip model"))?;
    if npt == 0 || ncrv == 0 || layout.total_len().map(usize::from) != Some(m.len()) {
        return Err(format!(
            "model {model}: NPt {npt} / NCrvSet {ncrv} disagree with its length"
        ));
    }
    let sf = |off| sunssf(get(off)?).ok_or(format!("model {model}: scale factor not implemented"));
    let writable_curve = (0..ncrv).find(|&c| r(m, layout.read_only(c)) == Some(0));
    Ok(Parsed {
        layout,
        x_sf: sf(curve::X_SF)?,
        tms_sf: sf(curve::TMS_SF)?,
        writable_curve,
    })
}

fn scale(raw: u32, sf: i16) -> f64 {
    f64::from(raw) * 10f64.powi(i32::from(sf))
}

/// The two stages in force (curve 1 holds the active settings).
pub fn decode(m: &[u16], model: u16) -> Result<Stages, String> {
    let p = parse(m, model)?;
    if regs(m, &crate::protocol::sunspec::defs::m707::Ena).first() != Some(&1) {
        return Ok((None, None));
    }
    let l = p.layout;
    let act = r(m, l.act_pt(0, CurveGroup::MustTrip))
        .unwrap_or(0)
        .min(l.npt)
        .min(2);
    let mut out = [None, None];
    for i in 0..act {
        let x = if l.frequency {
            regs_u32(
                m.get(l.x(0, CurveGroup::MustTrip, i) as usize..)
                    .unwrap_or(&[]),
            )
            .map(|v| scale(v, p.x_sf))
        } else {
            r(m, l.x(0, CurveGroup::MustTrip, i)).map(|v| scale(u32::from(v), p.x_sf) / 100.0)
        };
        let t = regs_u32(
            m.get(l.tms(0, CurveGroup::MustTrip, i) as usize..)
                .unwrap_or(&[]),
        )
        .map(|v| scale(v, p.tms_sf));
        if let (Some(pickup), Some(clearing_time_s)) = (x, t) {
            out[usize::from(i)] = Some(TripSetting {
                pickup,
                clearing_time_s,
            });
        }
    }
    Ok((out[0], out[1]))
}

/// Register writes `(offset in model, values)` that put `want` in force.
pub fn plan_write(m: &[u16], model: u16, want: Stages) -> Result<Vec<(u16, Vec<u16>)>, String> {
    let p = parse(m, model)?;
    let l = p.layout;
    let stages: Vec<TripSetting> = match want {
        (None, None) => return Ok(vec![(curve::ENA, vec![0])]),
        (Some(a), None) => vec![a],
        (Some(a), Some(b)) => vec![a, b],
        (None, Some(_)) => {
            return Err(format!(
                "model {model}: stage 2 without stage 1 cannot be expressed as a must-trip curve"
            ))
        }
    };
    if stages.len() > usize::from(l.npt) {
        return Err(format!("model {model} has only {} curve points", l.npt));
    }
    let c = p
        .writable_curve
        .ok_or(format!("model {model}: every curve is read-only"))?;
    // ActPt, then every point: ours, the rest as they are.
    let start = l.act_pt(c, CurveGroup::MustTrip);
    let end = start + l.group_size();
    let mut block: Vec<u16> = m
        .get(start as usize..end as usize)
        .ok_or("model too short")?
        .to_vec();
    block[0] = stages.len() as u16;
    for (i, s) in stages.iter().enumerate() {
        let x_off = (l.x(c, CurveGroup::MustTrip, i as u16) - start) as usize;
        let t_off = (l.tms(c, CurveGroup::MustTrip, i as u16) - start) as usize;
        let x = if l.frequency {
            s.pickup
        } else {
            s.pickup * 100.0
        };
        let x_raw = unscaled(x, p.x_sf)
            .filter(|&v| v >= 0)
            .ok_or(format!("model {model}: pickup {} out of range", s.pickup))?;
        let t_raw = unscaled(s.clearing_time_s, p.tms_sf)
            .and_then(|v| u32::try_from(v).ok())
            .ok_or(format!("model {model}: clearing time out of range"))?;
        if l.frequency {
            let [h, lo] = u32_regs(u32::try_from(x_raw).map_err(|_| "pickup too large")?);
            block[x_off] = h;
            block[x_off + 1] = lo;
        } else {
            block[x_off] = u16::try_from(x_raw).map_err(|_| "pickup too large")?;
        }
        let [h, lo] = u32_regs(t_raw);
        block[t_off] = h;
        block[t_off + 1] = lo;
    }
    let start16 = u16::try_from(start).map_err(|_| "model too long")?;
    let mut plan = vec![(start16, block)];
    if c != 0 {
        // Adopt the curve we wrote (AdptCrvReq counts from 1).
        plan.push((curve::ADPT_CRV_REQ, vec![c + 1]));
    }
    plan.push((curve::ENA, vec![1]));
    Ok(plan)
}

/// Whether the read-back `got` equals `want` within the scale-factor step.
pub fn matches(m: &[u16], model: u16, want: Stages, got: Stages) -> bool {
    let Ok(p) = parse(m, model) else { return false };
    let x_step = 10f64.powi(i32::from(p.x_sf)) * if p.layout.frequency { 1.0 } else { 0.01 };
    let t_step = 10f64.powi(i32::from(p.tms_sf));
    let close = |a: Option<TripSetting>, b: Option<TripSetting>| match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => {
            (a.pickup - b.pickup).abs() <= x_step / 2.0 + 1e-9
                && (a.clearing_time_s - b.clearing_time_s).abs() <= t_step / 2.0 + 1e-9
        }
        _ => false,
    };
    close(want.0, got.0) && close(want.1, got.1)
}
