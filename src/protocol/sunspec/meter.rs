//! SunSpec meter models 201 (single phase, AN or AB), 202 (split phase,
//! ABN: the North American 120/240 V service), 203 (wye, ABCN) and 204
//! (delta, ABC): one model block, from its `ID` register, decoded to scaled
//! values and encoded from them. Pure: no I/O, never panics on any registers.
//!
//! Layout (sunspec/models `json/model_201.json` … `model_204.json`, one
//! layout for all four, [`defs::meter`](super::defs::meter)): `L` = 105;
//! A 2, AphA–AphC 3–5, A_SF 6, PhV 7, PhVphA–C 8–10, PPV 11, PhVphAB–CA
//! 12–14, V_SF 15, Hz 16, Hz_SF 17, W 18, WphA–C 19–21, W_SF 22, VA 23–26,
//! VA_SF 27, VAR 28–31, VAR_SF 32, PF 33–36, PF_SF 37 (all int16), TotWhExp
//! 38 and TotWhImp 46 (acc32), TotWh_SF 54, Evt 105 (bitfield32). On 202
//! phase A and B are the legs L1 and L2.
//!
//! Sign convention: the model definitions describe `W` only as "Total Real
//! Power" and give it no direction in words; what fixes it is their pair of
//! energy counters, `TotWhImp` "Total Real Energy Imported" and `TotWhExp`
//! "… Exported". Here `W`, `WphX`, `VAR` and `VARphX` are read in the
//! meter's import direction: positive while the site imports from the
//! utility (the direction `TotWhImp` accumulates), negative while it exports.
//! This is the opposite of DER model 701, whose `W` is "positive for DER
//! generation" (`model_701.json`): a charger exporting 5 kW reads +5 kW on
//! its own 701 and about −5 kW (plus the site's load) on the service meter.
//!
//! Not implemented: int16 and sunssf 0x8000, acc32 0 ("not accumulated"),
//! bitfield32 0xFFFFFFFF (pysunspec2 `mb.py` `SUNS_UNIMPL_*`). A scale
//! factor that is not implemented counts as 0, as pysunspec2 reads it
//! (Hz_SF, VA_SF, VAR_SF and PF_SF are optional in these models).

use super::defs::meter as m;
use super::{ni, regs_u32, u32_regs, Point};

/// Values of phases A, B, C (L1, L2 on 202); `None`: not implemented.
pub type PerPhase = [Option<f64>; 3];

/// Which meter model a block is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MeterModel {
    /// 201: single phase, AN or AB.
    SinglePhase,
    /// 202: split single phase, ABN (120/240 V).
    SplitPhase,
    /// 203: wye-connected three phase, ABCN.
    Wye,
    /// 204: delta-connected three phase, ABC.
    Delta,
}

impl MeterModel {
    pub const ALL: [MeterModel; 4] = [
        MeterModel::SinglePhase,
        MeterModel::SplitPhase,
        MeterModel::Wye,
        MeterModel::Delta,
    ];

    pub fn id(self) -> u16 {
        match self {
            MeterModel::SinglePhase => 201,
            MeterModel::SplitPhase => 202,
            MeterModel::Wye => 203,
            MeterModel::Delta => 204,
        }
    }

    pub fn from_id(id: u16) -> Option<Self> {
        MeterModel::ALL.into_iter().find(|m| m.id() == id)
    }

    /// Phases (legs) the model meters.
    pub fn phases(self) -> usize {
        match self {
            MeterModel::SinglePhase => 1,
            MeterModel::SplitPhase => 2,
            MeterModel::Wye | MeterModel::Delta => 3,
        }
    }
}

/// The scaled values of one meter block. Powers are import positive (see
/// the module's sign convention).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MeterValues {
    /// `A`: total AC current.
    pub current_a: Option<f64>,
    pub phase_current_a: PerPhase,
    /// `PhV`: line-to-neutral voltage, average of the active phases.
    pub voltage_ln_v: Option<f64>,
    /// `PhVphA`…`PhVphC`.
    pub phase_voltage_v: PerPhase,
    /// `PPV`: line-to-line voltage, average of the active phases.
    pub voltage_ll_v: Option<f64>,
    /// `PhVphAB`, `PhVphBC`, `PhVphCA` (201: `PPVphAB`…).
    pub line_voltage_v: PerPhase,
    pub frequency_hz: Option<f64>,
    /// `W`: total real power, import positive.
    pub power_w: Option<f64>,
    pub phase_power_w: PerPhase,
    pub apparent_va: Option<f64>,
    pub phase_apparent_va: PerPhase,
    /// `VAR`, in the same reference direction as `power_w`.
    pub reactive_var: Option<f64>,
    pub phase_reactive_var: PerPhase,
    /// `PF`, percent.
    pub power_factor_pct: Option<f64>,
    pub phase_power_factor_pct: PerPhase,
    /// `TotWhExp`: energy exported to the utility.
    pub exported_wh: Option<f64>,
    /// `TotWhImp`: energy imported from the utility.
    pub imported_wh: Option<f64>,
    /// `Evt`: meter event flags (bit 2 Power_Failure … bit 7 Missing_Sensor).
    pub events: Option<u32>,
}

/// A decoded meter block.
#[derive(Debug, Clone, PartialEq)]
pub struct MeterBlock {
    pub model: MeterModel,
    pub values: MeterValues,
}

/// The scale factors an encoder publishes (sunssf points).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scales {
    pub a: i16,
    pub v: i16,
    pub hz: i16,
    pub w: i16,
    pub va: i16,
    pub var: i16,
    pub pf: i16,
    pub wh: i16,
}

/// Registers of a whole meter block, ID and L included.
pub const BLOCK_LEN: usize = m::LEN as usize + 2;

/// SunSpec Information Model Specification: scale factors are −10 … 10.
const SF_RANGE: std::ops::RangeInclusive<i16> = -10..=10;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MeterError {
    #[error("model {0} is not a SunSpec meter model (201, 202, 203 or 204)")]
    NotAMeter(u16),
    #[error("model {model} has L = {len}; the meter models have L = 105")]
    Length { model: u16, len: u16 },
    #[error("{got} registers: a meter block is 107 (ID, L and 105)")]
    Short { got: usize },
    #[error("{point} = {value} is not a scale factor (expected -10 to 10)")]
    ScaleFactor { point: &'static str, value: i16 },
}

/// The int16 points and the fields they hold, in one table for both ways.
fn int16_fields(v: &mut MeterValues) -> [(&'static Point, &mut Option<f64>); 29] {
    let [ia, ib, ic] = &mut v.phase_current_a;
    let [va, vb, vc] = &mut v.phase_voltage_v;
    let [vab, vbc, vca] = &mut v.line_voltage_v;
    let [wa, wb, wc] = &mut v.phase_power_w;
    let [sa, sb, sc] = &mut v.phase_apparent_va;
    let [qa, qb, qc] = &mut v.phase_reactive_var;
    let [pfa, pfb, pfc] = &mut v.phase_power_factor_pct;
    [
        (&m::A, &mut v.current_a),
        (&m::AphA, ia),
        (&m::AphB, ib),
        (&m::AphC, ic),
        (&m::PhV, &mut v.voltage_ln_v),
        (&m::PhVphA, va),
        (&m::PhVphB, vb),
        (&m::PhVphC, vc),
        (&m::PPV, &mut v.voltage_ll_v),
        (&m::PhVphAB, vab),
        (&m::PhVphBC, vbc),
        (&m::PhVphCA, vca),
        (&m::Hz, &mut v.frequency_hz),
        (&m::W, &mut v.power_w),
        (&m::WphA, wa),
        (&m::WphB, wb),
        (&m::WphC, wc),
        (&m::VA, &mut v.apparent_va),
        (&m::VAphA, sa),
        (&m::VAphB, sb),
        (&m::VAphC, sc),
        (&m::VAR, &mut v.reactive_var),
        (&m::VARphA, qa),
        (&m::VARphB, qb),
        (&m::VARphC, qc),
        (&m::PF, &mut v.power_factor_pct),
        (&m::PFphA, pfa),
        (&m::PFphB, pfb),
        (&m::PFphC, pfc),
    ]
}

fn acc32_fields(v: &mut MeterValues) -> [(&'static Point, &mut Option<f64>); 2] {
    [
        (&m::TotWhExp, &mut v.exported_wh),
        (&m::TotWhImp, &mut v.imported_wh),
    ]
}

/// The scale-factor point a value point names.
fn sf_point(p: &Point) -> Option<&'static Point> {
    let name = p.sf?;
    m::POINTS.iter().find(|q| q.name == name)
}

fn scale_of(s: &Scales, sf: &Point) -> i16 {
    match sf.name {
        "A_SF" => s.a,
        "V_SF" => s.v,
        "Hz_SF" => s.hz,
        "W_SF" => s.w,
        "VA_SF" => s.va,
        "VAR_SF" => s.var,
        "PF_SF" => s.pf,
        _ => s.wh,
    }
}

fn reg(block: &[u16], p: &Point) -> u16 {
    block
        .get(usize::from(p.offset))
        .copied()
        .unwrap_or(ni::INT16)
}

/// The scale factor of `p`, 0 when not implemented.
fn decode_sf(block: &[u16], p: &Point) -> Result<i16, MeterError> {
    let Some(sf) = sf_point(p) else { return Ok(0) };
    let raw = reg(block, sf);
    if raw == ni::SUNSSF {
        return Ok(0);
    }
    let value = raw as i16;
    if !SF_RANGE.contains(&value) {
        return Err(MeterError::ScaleFactor {
            point: sf.name,
            value,
        });
    }
    Ok(value)
}

/// Decodes a meter block read from its ID register (at least 107 registers;
/// more are ignored).
pub fn decode(block: &[u16]) -> Result<MeterBlock, MeterError> {
    if block.len() < BLOCK_LEN {
        return Err(MeterError::Short { got: block.len() });
    }
    let id = reg(block, &m::ID);
    let model = MeterModel::from_id(id).ok_or(MeterError::NotAMeter(id))?;
    let len = reg(block, &m::L);
    if len != m::LEN {
        return Err(MeterError::Length { model: id, len });
    }
    let mut values = MeterValues::default();
    for (p, field) in int16_fields(&mut values) {
        let raw = reg(block, p);
        if raw != ni::INT16 {
            *field = Some(f64::from(raw as i16) * 10f64.powi(i32::from(decode_sf(block, p)?)));
        }
    }
    for (p, field) in acc32_fields(&mut values) {
        let raw = regs_u32(block.get(p.range()).unwrap_or(&[])).unwrap_or(ni::ACC32);
        if raw != ni::ACC32 {
            *field = Some(f64::from(raw) * 10f64.powi(i32::from(decode_sf(block, p)?)));
        }
    }
    let evt = regs_u32(block.get(m::Evt.range()).unwrap_or(&[])).unwrap_or(ni::BITFIELD32);
    values.events = (evt != ni::BITFIELD32).then_some(evt);
    Ok(MeterBlock { model, values })
}

/// `value` at scale `sf` as an int16 register, saturating short of the
/// not-implemented value; NaN is not implemented.
fn int16_reg(value: f64, sf: i16) -> u16 {
    let raw = (value / 10f64.powi(i32::from(sf))).round();
    if raw.is_nan() {
        return ni::INT16;
    }
    raw.clamp(-32767.0, 32767.0) as i16 as u16
}

/// The 107 registers of a meter block (ID, L, points); `None` values are
/// written as not implemented. An energy that rounds to 0 reads back as not
/// accumulated (SunSpec acc32).
pub fn encode(model: MeterModel, values: &MeterValues, scales: &Scales) -> Vec<u16> {
    let mut block = vec![0u16; BLOCK_LEN];
    let mut put = |p: &Point, regs: &[u16]| {
        for (slot, r) in block.iter_mut().skip(usize::from(p.offset)).zip(regs) {
            *slot = *r;
        }
    };
    put(&m::ID, &[model.id()]);
    put(&m::L, &[m::LEN]);
    for p in m::POINTS.iter().skip(2) {
        put(p, &p.not_implemented());
    }
    let mut v = values.clone();
    for (p, field) in int16_fields(&mut v) {
        if let Some(x) = *field {
            let sf = sf_point(p).map_or(0, |sf| scale_of(scales, sf));
            put(p, &[int16_reg(x, sf)]);
        }
    }
    for (p, field) in acc32_fields(&mut v) {
        if let Some(x) = *field {
            let raw = (x / 10f64.powi(i32::from(scales.wh))).round();
            let raw = if raw.is_nan() { 0.0 } else { raw };
            put(p, &u32_regs(raw.clamp(0.0, f64::from(u32::MAX)) as u32));
        }
    }
    for sf in [
        &m::A_SF,
        &m::V_SF,
        &m::Hz_SF,
        &m::W_SF,
        &m::VA_SF,
        &m::VAR_SF,
        &m::PF_SF,
        &m::TotWh_SF,
    ] {
        put(sf, &[scale_of(scales, sf) as u16]);
    }
    put(&m::Evt, &u32_regs(values.events.unwrap_or(ni::BITFIELD32)));
    block
}

#[cfg(test)]
#[path = "meter_tests.rs"]
mod tests;
