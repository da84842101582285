//! Reading typed, scaled point values out of a model's registers.

use crate::protocol::sunspec::{ni, regs_u32, sunssf, Point, PointType};

/// The registers of `p` within a model read from its ID register.
pub fn regs<'a>(model: &'a [u16], p: &Point) -> &'a [u16] {
    model.get(p.range()).unwrap_or(&[])
}

/// Raw integer value of `p`, `None` when not implemented (or not numeric).
pub fn raw(model: &[u16], p: &Point) -> Option<i64> {
    let r = regs(model, p);
    match p.ty {
        PointType::Uint16 | PointType::Enum16 | PointType::Bitfield16 => {
            let v = *r.first()?;
            (v != ni::UINT16).then_some(i64::from(v))
        }
        PointType::Int16 | PointType::Sunssf => {
            let v = *r.first()?;
            (v != ni::INT16).then_some(i64::from(v as i16))
        }
        PointType::Uint32 | PointType::Bitfield32 => {
            let v = regs_u32(r)?;
            (v != ni::UINT32).then_some(i64::from(v))
        }
        PointType::Int32 => {
            let v = regs_u32(r)?;
            (v != ni::INT32).then_some(i64::from(v as i32))
        }
        _ => None,
    }
}

/// Scaled value of `p`, its scale factor looked up by name in `table`.
pub fn value(model: &[u16], table: &[Point], p: &Point) -> Option<f64> {
    let v = raw(model, p)? as f64;
    let sf = match p.sf {
        Some(name) => {
            let sf_point = table.iter().find(|q| q.name == name)?;
            sunssf(*regs(model, sf_point).first()?)?
        }
        None => 0,
    };
    Some(v * 10f64.powi(i32::from(sf)))
}
