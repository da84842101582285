//! SunSpec model point tables, generated from the official SunSpec model
//! definitions (github.com/sunspec/models `json/model_<id>.json`, the copy
//! bundled in pysunspec2 1.3.7 `sunspec2/models/json`). Offsets count from the
//! model's `ID` register (offset 0). Only the fixed (non-repeating) part is
//! listed; the trip-curve groups of 707–710 are laid out by [`super::curve`].
//! The meter models 201–204 share one layout ([`meter`]).
//! Do not edit by hand: regenerate with tests/python/gen_sunspec_defs.py.

#![allow(non_upper_case_globals)]

use super::point::{Point, PointType};

/// Model 1 (common): Common.
#[rustfmt::skip]
pub mod m1 {
    use super::*;
    pub const MODEL_ID: u16 = 1;
    /// Registers after ID and L (the model's `L`).
    pub const LEN: u16 = 66;
    pub const ID: Point = Point { name: "ID", offset: 0, size: 1, ty: PointType::Uint16, writable: false, sf: None };
    pub const L: Point = Point { name: "L", offset: 1, size: 1, ty: PointType::Uint16, writable: false, sf: None };
    pub const Mn: Point = Point { name: "Mn", offset: 2, size: 16, ty: PointType::String, writable: false, sf: None };
    pub const Md: Point = Point { name: "Md", offset: 18, size: 16, ty: PointType::String, writable: false, sf: None };
    pub const Opt: Point = Point { name: "Opt", offset: 34, size: 8, ty: PointType::String, writable: false, sf: None };
    pub const Vr: Point = Point { name: "Vr", offset: 42, size: 8, ty: PointType::String, writable: false, sf: None };
    pub const SN: Point = Point { name: "SN", offset: 50, size: 16, ty: PointType::String, writable: false, sf: None };
    pub const DA: Point = Point { name: "DA", offset: 66, size: 1, ty: PointType::Uint16, writable: true, sf: None };
    pub const Pad: Point = Point { name: "Pad", offset: 67, size: 1, ty: PointType::Pad, writable: false, sf: None };
    /// Every fixed point, in register order.
    pub const POINTS: &[Point] = &[ID, L, Mn, Md, Opt, Vr, SN, DA, Pad];
}

/// Model 701 (DERMeasureAC): DER AC Measurement.
#[rustfmt::skip]
pub mod m701 {
    use super::*;
    pub const MODEL_ID: u16 = 701;
    /// Registers after ID and L (the model's `L`).
    pub const LEN: u16 = 153;
    pub const ID: Point = Point { name: "ID", offset: 0, size: 1, ty: PointType::Uint16, writable: false, sf: None };
    pub const L: Point = Point { name: "L", offset: 1, size: 1, ty: PointType::Uint16, writable: false, sf: None };
    pub const ACType: Point = Point { name: "ACType", offset: 2, size: 1, ty: PointType::Enum16, writable: false, sf: None };
    pub const St: Point = Point { name: "St", offset: 3, size: 1, ty: PointType::Enum16, writable: false, sf: None };
    pub const InvSt: Point = Point { name: "InvSt", offset: 4, size: 1, ty: PointType::Enum16, writable: false, sf: None };
    pub const ConnSt: Point = Point { name: "ConnSt", offset: 5, size: 1, ty: PointType::Enum16, writable: false, sf: None };
    pub const Alrm: Point = Point { name: "Alrm", offset: 6, size: 2, ty: PointType::Bitfield32, writable: false, sf: None };
    pub const DERMode: Point = Point { name: "DERMode", offset: 8, size: 2, ty: PointType::Bitfield32, writable: false, sf: None };
    pub const W: Point = Point { name: "W", offset: 10, size: 1, ty: PointType::Int16, writable: false, sf: Some("W_SF") };
    pub const VA: Point = Point { name: "VA", offset: 11, size: 1, ty: PointType::Int16, writable: false, sf: Some("VA_SF") };
    pub const Var: Point = Point { name: "Var", offset: 12, size: 1, ty: PointType::Int16, writable: false, sf: Some("Var_SF") };
    pub const PF: Point = Point { name: "PF", offset: 13, size: 1, ty: PointType::Int16, writable: false, sf: Some("PF_SF") };
    pub const A: Point = Point { name: "A", offset: 14, size: 1, ty: PointType::Int16, writable: false, sf: Some("A_SF") };
    pub const LLV: Point = Point { name: "LLV", offset: 15, size: 1, ty: PointType::Uint16, writable: false, sf: Some("V_SF") };
    pub const LNV: Point = Point { name: "LNV", offset: 16, size: 1, ty: PointType::Uint16, writable: false, sf: Some("V_SF") };
    pub const Hz: Point = Point { name: "Hz", offset: 17, size: 2, ty: PointType::Uint32, writable: false, sf: Some("Hz_SF") };
    pub const TotWhInj: Point = Point { name: "TotWhInj", offset: 19, size: 4, ty: PointType::Uint64, writable: false, sf: Some("TotWh_SF") };
    pub const TotWhAbs: Point = Point { name: "TotWhAbs", offset: 23, size: 4, ty: PointType::Uint64, writable: false, sf: Some("TotWh_SF") };
    pub const TotVarhInj: Point = Point { name: "TotVarhInj", offset: 27, size: 4, ty: PointType::Uint64, writable: false, sf: Some("TotVarh_SF") };
    pub const TotVarhAbs: Point = Point { name: "TotVarhAbs", offset: 31, size: 4, ty: PointType::Uint64, writable: false, sf: Some("TotVarh_SF") };
    pub const TmpAmb: Point = Point { name: "TmpAmb", offset: 35, size: 1, ty: PointType::Int16, writable: false, sf: Some("Tmp_SF") };
    pub const TmpCab: Point = Point { name: "TmpCab", offset: 36, size: 1, ty: PointType::Int16, writable: false, sf: Some("Tmp_SF") };
    pub const TmpSnk: Point = Point { name: "TmpSnk", offset: 37, size: 1, ty: PointType::Int16, writable: false, sf: Some("Tmp_SF") };
    pub const TmpTrns: Point = Point { name: "TmpTrns", offset: 38, size: 1, ty: PointType::Int16, writable: false, sf: Some("Tmp_SF") };
    pub const TmpSw: Point = Point { name: "TmpSw", offset: 39, size: 1, ty: PointType::Int16, writable: false, sf: Some("Tmp_SF") };
    pub const TmpOt: Point = Point { name: "TmpOt", offset: 40, size: 1, ty: PointType::Int16, writable: false, sf: Some("Tmp_SF") };
    pub const WL1: Point = Point { name: "WL1", offset: 41, size: 1, ty: PointType::Int16, writable: false, sf: Some("W_SF") };
    pub const VAL1: Point = Point { name: "VAL1", offset: 42, size: 1, ty: PointType::Int16, writable: false, sf: Some("VA_SF") };
    pub const VarL1: Point = Point { name: "VarL1", offset: 43, size: 1, ty: PointType::Int16, writable: false, sf: Some("Var_SF") };
    pub const PFL1: Point = Point { name: "PFL1", offset: 44, size: 1, ty: PointType::Int16, writable: false, sf: Some("PF_SF") };
    pub const AL1: Point = Point { name: "AL1", offset: 45, size: 1, ty: PointType::Int16, writable: false, sf: Some("A_SF") };
    pub const VL1L2: Point = Point { name: "VL1L2", offset: 46, size: 1, ty: PointType::Uint16, writable: false, sf: Some("V_SF") };
    pub const VL1: Point = Point { name: "VL1", offset: 47, size: 1, ty: PointType::Uint16, writable: false, sf: Some("V_SF") };
    pub const TotWhInjL1: Point = Point { name: "TotWhInjL1", offset: 48, size: 4, ty: PointType::Uint64, writable: false, sf: Some("TotWh_SF") };
    pub const TotWhAbsL1: Point = Point { name: "TotWhAbsL1", offset: 52, size: 4, ty: PointType::Uint64, writable: false, sf: Some("TotWh_SF") };
    pub const TotVarhInjL1: Point = Point { name: "TotVarhInjL1", offset: 56, size: 4, ty: PointType::Uint64, writable: false, sf: Some("TotVarh_SF") };
    pub const TotVarhAbsL1: Point = Point { name: "TotVarhAbsL1", offset: 60, size: 4, ty: PointType::Uint64, writable: false, sf: Some("TotVarh_SF") };
    pub const WL2: Point = Point { name: "WL2", offset: 64, size: 1, ty: PointType::Int16, writable: false, sf: Some("W_SF") };
    pub const VAL2: Point = Point { name: "VAL2", offset: 65, size: 1, ty: PointType::Int16, writable: false, sf: Some("VA_SF") };
    pub const VarL2: Point = Point { name: "VarL2", offset: 66, size: 1, ty: PointType::Int16, writable: false, sf: Some("Var_SF") };
    pub const PFL2: Point = Point { name: "PFL2", offset: 67, size: 1, ty: PointType::Int16, writable: false, sf: Some("PF_SF") };
    pub const AL2: Point = Point { name: "AL2", offset: 68, size: 1, ty: PointType::Int16, writable: false, sf: Some("A_SF") };
    pub const VL2L3: Point = Point { name: "VL2L3", offset: 69, size: 1, ty: PointType::Uint16, writable: false, sf: Some("V_SF") };
    pub const VL2: Point = Point { name: "VL2", offset: 70, size: 1, ty: PointType::Uint16, writable: false, sf: Some("V_SF") };
    pub const TotWhInjL2: Point = Point { name: "TotWhInjL2", offset: 71, size: 4, ty: PointType::Uint64, writable: false, sf: Some("TotWh_SF") };
    pub const TotWhAbsL2: Point = Point { name: "TotWhAbsL2", offset: 75, size: 4, ty: PointType::Uint64, writable: false, sf: Some("TotWh_SF") };
    pub const TotVarhInjL2: Point = Point { name: "TotVarhInjL2", offset: 79, size: 4, ty: PointType::Uint64, writable: false, sf: Some("TotVarh_SF") };
    pub const TotVarhAbsL2: Point = Point { name: "TotVarhAbsL2", offset: 83, size: 4, ty: PointType::Uint64, writable: false, sf: Some("TotVarh_SF") };
    pub const WL3: Point = Point { name: "WL3", offset: 87, size: 1, ty: PointType::Int16, writable: false, sf: Some("W_SF") };
    pub const VAL3: Point = Point { name: "VAL3", offset: 88, size: 1, ty: PointType::Int16, writable: false, sf: Some("VA_SF") };
    pub const VarL3: Point = Point { name: "VarL3", offset: 89, size: 1, ty: PointType::Int16, writable: false, sf: Some("Var_SF") };
    pub const PFL3: Point = Point { name: "PFL3", offset: 90, size: 1, ty: PointType::Int16, writable: false, sf: Some("PF_SF") };
    pub const AL3: Point = Point { name: "AL3", offset: 91, size: 1, ty: PointType::Int16, writable: false, sf: Some("A_SF") };
    pub const VL3L1: Point = Point { name: "VL3L1", offset: 92, size: 1, ty: PointType::Uint16, writable: false, sf: Some("V_SF") };
    pub const VL3: Point = Point { name: "VL3", offset: 93, size: 1, ty: PointType::Uint16, writable: false, sf: Some("V_SF") };
    pub const TotWhInjL3: Point = Point { name: "TotWhInjL3", offset: 94, size: 4, ty: PointType::Uint64, writable: false, sf: Some("TotWh_SF") };
    pub const TotWhAbsL3: Point = Point { name: "TotWhAbsL3", offset: 98, size: 4, ty: PointType::Uint64, writable: false, sf: Some("TotWh_SF") };
    pub const TotVarhInjL3: Point = Point { name: "TotVarhInjL3", offset: 102, size: 4, ty: PointType::Uint64, writable: false, sf: Some("TotVarh_SF") };
    pub const TotVarhAbsL3: Point = Point { name: "TotVarhAbsL3", offset: 106, size: 4, ty: PointType::Uint64, writable: false, sf: Some("TotVarh_SF") };
    pub const ThrotPct: Point = Point { name: "ThrotPct", offset: 110, size: 1, ty: PointType::Uint16, writable: false, sf: None };
    pub const ThrotSrc: Point = Point { name: "ThrotSrc", offset: 111, size: 2, ty: PointType::Bitfield32, writable: false, sf: None };
    pub const A_SF: Point = Point { name: "A_SF", offset: 113, size: 1, ty: PointType::Sunssf, writable: false, sf: None };
    pub const V_SF: Point = Point { name: "V_SF", offset: 114, size: 1, ty: PointType::Sunssf, writable: false, sf: None };
    pub const Hz_SF: Point = Point { name: "Hz_SF", offset: 115, size: 1, ty: PointType::Sunssf, writable: false, sf: None };
    pub const W_SF: Point = Point { name: "W_SF", offset: 116, size: 1, ty: PointType::Sunssf, writable: false, sf: None };
    pub const PF_SF: Point = Point { name: "PF_SF", offset: 117, size: 1, ty: PointType::Sunssf, writable: false, sf: None };
    pub const VA_SF: Point = Point { name: "VA_SF", offset: 118, size: 1, ty: PointType::Sunssf, writable: false, sf: None };
    pub const Var_SF: Point = Point { name: "Var_SF", offset: 119, size: 1, ty: PointType::Sunssf, writable: false, sf: None };
    pub const TotWh_SF: Point = Point { name: "TotWh_SF", offset: 120, size: 1, ty: PointType::Sunssf, writable: false, sf: None };
    pub const TotVarh_SF: Point = Point { name: "TotVarh_SF", offset: 121, size: 1, ty: PointType::Sunssf, writable: false, sf: None };
    pub const Tmp_SF: Point = Point { name: "Tmp_SF", offset: 122, size: 1, ty: PointType::Sunssf, writable: false, sf: None };
    pub const MnAlrmInfo: Point = Point { name: "MnAlrmInfo", offset: 123, size: 32, ty: PointType::String, writable: false, sf: None };
    /// Every fixed point, in register order.
    pub const POINTS: &[Point] = &[ID, L, ACType, St, InvSt, ConnSt, Alrm, DERMode, W, VA, Var, PF, A, LLV, LNV, Hz, TotWhInj, TotWhAbs, TotVarhInj, TotVarhAbs, TmpAmb, TmpCab, TmpSnk, TmpTrns, TmpSw, TmpOt, WL1, VAL1, VarL1, PFL1, AL1, VL1L2, VL1, TotWhInjL1, TotWhAbsL1, TotVarhInjL1, TotVarhAbsL1, WL2, VAL2, VarL2, PFL2, AL2, VL2L3, VL2, TotWhInjL2, TotWhAbsL2, TotVarhInjL2, TotVarhAbsL2, WL3, VAL3, VarL3, PFL3, AL3, VL3L1, VL3, TotWhInjL3, TotWhAbsL3, TotVarhInjL3, TotVarhAbsL3, ThrotPct, ThrotSrc, A_SF, V_SF, Hz_SF, W_SF, PF_SF, VA_SF, Var_SF, TotWh_SF, TotVarh_SF, Tmp_SF, MnAlrmInfo];
}

/// Model 702 (DERCapacity): DER Capacity.
#[rustfmt::skip]
pub mod m702 {
    use super::*;
    pub const MODEL_ID: u16 = 702;
    /// Registers after ID and L (the model's `L`).
    pub const LEN: u16 = 50;
    pub const ID: Point = Point { name: "ID", offset: 0, size: 1, ty: PointType::Uint16, writable: false, sf: None };
    pub const L: Point = Point { name: "L", offset: 1, size: 1, ty: PointType::Uint16, writable: false, sf: None };
    pub const WMaxRtg: Point = Point { name: "WMaxRtg", offset: 2, size: 1, ty: PointType::Uint16, writable: false, sf: Some("W_SF") };
    pub const WOvrExtRtg: Point = Point { name: "WOvrExtRtg", offset: 3, size: 1, ty: PointType::Uint16, writable: false, sf: Some("W_SF") };
    pub const WOvrExtRtgPF: Point = Point { name: "WOvrExtRtgPF", offset: 4, size: 1, ty: PointType::Uint16, writable: false, sf: Some("PF_SF") };
    pub const WUndExtRtg: Point = Point { name: "WUndExtRtg", offset: 5, size: 1, ty: PointType::Uint16, writable: false, sf: Some("W_SF") };
    pub const WUndExtRtgPF: Point = Point { name: "WUndExtRtgPF", offset: 6, size: 1, ty: PointType::Uint16, writable: false, sf: Some("PF_SF") };
    pub const VAMaxRtg: Point = Point { name: "VAMaxRtg", offset: 7, size: 1, ty: PointType::Uint16, writable: false, sf: Some("VA_SF") };
    pub const VarMaxInjRtg: Point = Point { name: "VarMaxInjRtg", offset: 8, size: 1, ty: PointType::Uint16, writable: false, sf: Some("Var_SF") };
    pub const VarMaxAbsRtg: Point = Point { name: "VarMaxAbsRtg", offset: 9, size: 1, ty: PointType::Uint16, writable: false, sf: Some("Var_SF") };
    pub const WChaRteMaxRtg: Point = Point { name: "WChaRteMaxRtg", offset: 10, size: 1, ty: PointType::Uint16, writable: false, sf: Some("W_SF") };
    pub const WDisChaRteMaxRtg: Point = Point { name: "WDisChaRteMaxRtg", offset: 11, size: 1, ty: PointType::Uint16, writable: false, sf: Some("W_SF") };
    pub const VAChaRteMaxRtg: Point = Point { name: "VAChaRteMaxRtg", offset: 12, size: 1, ty: PointType::Uint16, writable: false, sf: Some("VA_SF") };
    pub const VADisChaRteMaxRtg: Point = Point { name: "VADisChaRteMaxRtg", offset: 13, size: 1, ty: PointType::Uint16, writable: false, sf: Some("VA_SF") };
    pub const VNomRtg: Point = Point { name: "VNomRtg", offset: 14, size: 1, ty: PointType::Uint16, writable: false, sf: Some("V_SF") };
    pub const VMaxRtg: Point = Point { name: "VMaxRtg", offset: 15, size: 1, ty: PointType::Uint16, writable: false, sf: Some("V_SF") };
    pub const VMinRtg: Point = Point { name: "VMinRtg", offset: 16, size: 1, ty: PointType::Uint16, writable: false, sf: Some("V_SF") };
    pub const AMaxRtg: Point = Point { name: "AMaxRtg", offset: 17, size: 1, ty: PointType::Uint16, writable: false, sf: Some("A_SF") };
    pub const PFOvrExtRtg: Point = Point { name: "PFOvrExtRtg", offset: 18, size: 1, ty: PointType::Uint16, writable: false, sf: Some("PF_SF") };
    pub const PFUndExtRtg: Point = Point { name: "PFUndExtRtg", offset: 19, size: 1, ty: PointType::Uint16, writable: false, sf: Some("PF_SF") };
    pub const ReactSusceptRtg: Point = Point { name: "ReactSusceptRtg", offset: 20, size: 1, ty: PointType::Uint16, writable: false, sf: Some("S_SF") };
    pub const NorOpCatRtg: Point = Point { name: "NorOpCatRtg", offset: 21, size: 1, ty: PointType::Enum16, writable: false, sf: None };
    pub const AbnOpCatRtg: Point = Point { name: "AbnOpCatRtg", offset: 22, size: 1, ty: PointType::Enum16, writable: false, sf: None };
    pub const CtrlModes: Point = Point { name: "CtrlModes", offset: 23, size: 2, ty: PointType::Bitfield32, writable: false, sf: None };
    pub const IntIslandCatRtg: Point = Point { name: "IntIslandCatRtg", offset: 25, size: 1, ty: PointType::Bitfield16, writable: false, sf: None };
    pub const WMax: Point = Point { name: "WMax", offset: 26, size: 1, ty: PointType::Uint16, writable: true, sf: Some("W_SF") };
    pub const WMaxOvrExt: Point = Point { name: "WMaxOvrExt", offset: 27, size: 1, ty: PointType::Uint16, writable: true, sf: Some("W_SF") };
    pub const WOvrExtPF: Point = Point { name: "WOvrExtPF", offset: 28, size: 1, ty: PointType::Uint16, writable: true, sf: Some("PF_SF") };
    pub const WMaxUndExt: Point = Point { name: "WMaxUndExt", offset: 29, size: 1, ty: PointType::Uint16, writable: true, sf: Some("W_SF") };
    pub const WUndExtPF: Point = Point { name: "WUndExtPF", offset: 30, size: 1, ty: PointType::Uint16, writable: true, sf: Some("PF_SF") };
    pub const VAMax: Point = Point { name: "VAMax", offset: 31, size: 1, ty: PointType::Uint16, writable: true, sf: Some("VA_SF") };
    pub const VarMaxInj: Point = Point { name: "VarMaxInj", offset: 32, size: 1, ty: PointType::Uint16, writable: true, sf: Some("Var_SF") };
    pub const VarMaxAbs: Point = Point { name: "VarMaxAbs", offset: 33, size: 1, ty: PointType::Uint16, writable: true, sf: Some("Var_SF") };
    pub const WChaRteMax: Point = Point { name: "WChaRteMax", offset: 34, size: 1, ty: PointType::Uint16, writable: true, sf: Some("W_SF") };
    pub const WDisChaRteMax: Point = Point { name: "WDisChaRteMax", offset: 35, size: 1, ty: PointType::Uint16, writable: true, sf: Some("W_SF") };
    pub const VAChaRteMax: Point = Point { name: "VAChaRteMax", offset: 36, size: 1, ty: PointType::Uint16, writable: true, sf: Some("VA_SF") };
    pub const VADisChaRteMax: Point = Point { name: "VADisChaRteMax", offset: 37, size: 1, ty: PointType::Uint16, writable: true, sf: Some("VA_SF") };
    pub const VNom: Point = Point { name: "VNom", offset: 38, size: 1, ty: PointType::Uint16, writable: true, sf: Some("V_SF") };
    pub const VMax: Point = Point { name: "VMax", offset: 39, size: 1, ty: PointType::Uint16, writable: true, sf: Some("V_SF") };
    pub const VMin: Point = Point { name: "VMin", offset: 40, size: 1, ty: PointType::Uint16, writable: true, sf: Some("V_SF") };
    pub const AMax: Point = Point { name: "AMax", offset: 41, size: 1, ty: PointType::Uint16, writable: true, sf: Some("A_SF") };
    pub const PFOvrExt: Point = Point { name: "PFOvrExt", offset: 42, size: 1, ty: PointType::Uint16, writable: true, sf: Some("PF_SF") };
    pub const PFUndExt: Point = Point { name: "PFUndExt", offset: 43, size: 1, ty: PointType::Uint16, writable: true, sf: Some("PF_SF") };
    pub const IntIslandCat: Point = Point { name: "IntIslandCat", offset: 44, size: 1, ty: PointType::Bitfield16, writable: true, sf: None };
    pub const W_SF: Point = Point { name: "W_SF", offset: 45, size: 1, ty: PointType::Sunssf, writable: false, sf: None };
    pub const PF_SF: Point = Point { name: "PF_SF", offset: 46, size: 1, ty: PointType::Sunssf, writable: false, sf: None };
    pub const VA_SF: Point = Point { name: "VA_SF", offset: 47, size: 1, ty: PointType::Sunssf, writable: false, sf: None };
    pub const Var_SF: Point = Point { name: "Var_SF", offset: 48, size: 1, ty: PointType::Sunssf, writable: false, sf: None };
    pub const V_SF: Point = Point { name: "V_SF", offset: 49, size: 1, ty: PointType::Sunssf, writable: false, sf: None };
    pub const A_SF: Point = Point { name: "A_SF", offset: 50, size: 1, ty: PointType::Sunssf, writable: false, sf: None };
    pub const S_SF: Point = Point { name: "S_SF", offset: 51, size: 1, ty: PointType::Sunssf, writable: false, sf: None };
    /// Every fixed point, in register order.
    pub const POINTS: &[Point] = &[ID, L, WMaxRtg, WOvrExtRtg, WOvrExtRtgPF, WUndExtRtg, WUndExtRtgPF, VAMaxRtg, VarMaxInjRtg, VarMaxAbsRtg, WChaRteMaxRtg, WDisChaRteMaxRtg, VAChaRteMaxRtg, VADisChaRteMaxRtg, VNomRtg, VMaxRtg, VMinRtg, AMaxRtg, PFOvrExtRtg, PFUndExtRtg, ReactSusceptRtg, NorOpCatRtg, AbnOpCatRtg, CtrlModes, IntIslandCatRtg, WMax, WMaxOvrExt, WOvrExtPF, WMaxUndExt, WUndExtPF, VAMax, VarMaxInj, VarMaxAbs, WChaRteMax, WDisChaRteMax, VAChaRteMax, VADisChaRteMax, VNom, VMax, VMin, AMax, PFOvrExt, PFUndExt, IntIslandCat, W_SF, PF_SF, VA_SF, Var_SF, V_SF, A_SF, S_SF];
}

/// Model 703 (DEREnterService): Enter Service.
#[rustfmt::skip]
pub mod m703 {
    use super::*;
    pub const MODEL_ID: u16 = 703;
    /// Registers after ID and L (the model's `L`).
    pub const LEN: u16 = 17;
    pub const ID: Point = Point { name: "ID", offset: 0, size: 1, ty: PointType::Uint16, writable: false, sf: None };
    pub const L: Point = Point { name: "L", offset: 1, size: 1, ty: PointType::Uint16, writable: false, sf: None };
    pub const ES: Point = Point { name: "ES", offset: 2, size: 1, ty: PointType::Enum16, writable: true, sf: None };
    pub const ESVHi: Point = Point { name: "ESVHi", offset: 3, size: 1, ty: PointType::Uint16, writable: true, sf: Some("V_SF") };
    pub const ESVLo: Point = Point { name: "ESVLo", offset: 4, size: 1, ty: PointType::Uint16, writable: true, sf: Some("V_SF") };
    pub const ESHzHi: Point = Point { name: "ESHzHi", offset: 5, size: 2, ty: PointType::Uint32, writable: true, sf: Some("Hz_SF") };
    pub const ESHzLo: Point = Point { name: "ESHzLo", offset: 7, size: 2, ty: PointType::Uint32, writable: true, sf: Some("Hz_SF") };
    pub const ESDlyTms: Point = Point { name: "ESDlyTms", offset: 9, size: 2, ty: PointType::Uint32, writable: true, sf: None };
    pub const ESRndTms: Point = Point { name: "ESRndTms", offset: 11, size: 2, ty: PointType::Uint32, writable: true, sf: None };
    pub const ESRmpTms: Point = Point { name: "ESRmpTms", offset: 13, size: 2, ty: PointType::Uint32, writable: true, sf: None };
    pub const ESDlyRemTms: Point = Point { name: "ESDlyRemTms", offset: 15, size: 2, ty: PointType::Uint32, writable: false, sf: None };
    pub const V_SF: Point = Point { name: "V_SF", offset: 17, size: 1, ty: PointType::Sunssf, writable: false, sf: None };
    pub const Hz_SF: Point = Point { name: "Hz_SF", offset: 18, size: 1, ty: PointType::Sunssf, writable: false, sf: None };
    /// Every fixed point, in register order.
    pub const POINTS: &[Point] = &[ID, L, ES, ESVHi, ESVLo, ESHzHi, ESHzLo, ESDlyTms, ESRndTms, ESRmpTms, ESDlyRemTms, V_SF, Hz_SF];
}

/// Model 704 (DERCtlAC): DER AC Controls.
#[rustfmt::skip]
pub mod m704 {
    use super::*;
    pub const MODEL_ID: u16 = 704;
    /// Registers after ID and L (the model's `L`).
    pub const LEN: u16 = 65;
    pub const ID: Point = Point { name: "ID", offset: 0, size: 1, ty: PointType::Uint16, writable: false, sf: None };
    pub const L: Point = Point { name: "L", offset: 1, size: 1, ty: PointType::Uint16, writable: false, sf: None };
    pub const PFWInjEna: Point = Point { name: "PFWInjEna", offset: 2, size: 1, ty: PointType::Enum16, writable: true, sf: None };
    pub const PFWInjEnaRvrt: Point = Point { name: "PFWInjEnaRvrt", offset: 3, size: 1, ty: PointType::Enum16, writable: true, sf: None };
    pub const PFWInjRvrtTms: Point = Point { name: "PFWInjRvrtTms", offset: 4, size: 2, ty: PointType::Uint32, writable: true, sf: None };
    pub const PFWInjRvrtRem: Point = Point { name: "PFWInjRvrtRem", offset: 6, size: 2, ty: PointType::Uint32, writable: false, sf: None };
    pub const PFWAbsEna: Point = Point { name: "PFWAbsEna", offset: 8, size: 1, ty: PointType::Enum16, writable: true, sf: None };
    pub const PFWAbsEnaRvrt: Point = Point { name: "PFWAbsEnaRvrt", offset: 9, size: 1, ty: PointType::Enum16, writable: true, sf: None };
    pub const PFWAbsRvrtTms: Point = Point { name: "PFWAbsRvrtTms", offset: 10, size: 2, ty: PointType::Uint32, writable: true, sf: None };
    pub const PFWAbsRvrtRem: Point = Point { name: "PFWAbsRvrtRem", offset: 12, size: 2, ty: PointType::Uint32, writable: false, sf: None };
    pub const WMaxLimPctEna: Point = Point { name: "WMaxLimPctEna", offset: 14, size: 1, ty: PointType::Enum16, writable: true, sf: None };
    pub const WMaxLimPct: Point = Point { name: "WMaxLimPct", offset: 15, size: 1, ty: PointType::Uint16, writable: true, sf: Some("WMaxLimPct_SF") };
    pub const WMaxLimPctRvrt: Point = Point { name: "WMaxLimPctRvrt", offset: 16, size: 1, ty: PointType::Uint16, writable: true, sf: Some("WMaxLimPct_SF") };
    pub const WMaxLimPctEnaRvrt: Point = Point { name: "WMaxLimPctEnaRvrt", offset: 17, size: 1, ty: PointType::Enum16, writable: true, sf: None };
    pub const WMaxLimPctRvrtTms: Point = Point { name: "WMaxLimPctRvrtTms", offset: 18, size: 2, ty: PointType::Uint32, writable: true, sf: None };
    pub const WMaxLimPctRvrtRem: Point = Point { name: "WMaxLimPctRvrtRem", offset: 20, size: 2, ty: PointType::Uint32, writable: false, sf: None };
    pub const WSetEna: Point = Point { name: "WSetEna", offset: 22, size: 1, ty: PointType::Enum16, writable: true, sf: None };
    pub const WSetMod: Point = Point { name: "WSetMod", offset: 23, size: 1, ty: PointType::Enum16, writable: true, sf: None };
    pub const WSet: Point = Point { name: "WSet", offset: 24, size: 2, ty: PointType::Int32, writable: true, sf: Some("WSet_SF") };
    pub const WSetRvrt: Point = Point { name: "WSetRvrt", offset: 26, size: 2, ty: PointType::Int32, writable: true, sf: Some("WSet_SF") };
    pub const WSetPct: Point = Point { name: "WSetPct", offset: 28, size: 1, ty: PointType::Int16, writable: true, sf: Some("WSetPct_SF") };
    pub const WSetPctRvrt: Point = Point { name: "WSetPctRvrt", offset: 29, size: 1, ty: PointType::Int16, writable: true, sf: Some("WSetPct_SF") };
    pub const WSetEnaRvrt: Point = Point { name: "WSetEnaRvrt", offset: 30, size: 1, ty: PointType::Enum16, writable: true, sf: None };
    pub const WSetRvrtTms: Point = Point { name: "WSetRvrtTms", offset: 31, size: 2, ty: PointType::Uint32, writable: true, sf: None };
    pub const WSetRvrtRem: Point = Point { name: "WSetRvrtRem", offset: 33, size: 2, ty: PointType::Uint32, writable: false, sf: None };
    pub const VarSetEna: Point = Point { name: "VarSetEna", offset: 35, size: 1, ty: PointType::Enum16, writable: true, sf: None };
    pub const VarSetMod: Point = Point { name: "VarSetMod", offset: 36, size: 1, ty: PointType::Enum16, writable: true, sf: None };
    pub const VarSetPri: Point = Point { name: "VarSetPri", offset: 37, size: 1, ty: PointType::Enum16, writable: true, sf: None };
    pub const VarSet: Point = Point { name: "VarSet", offset: 38, size: 2, ty: PointType::Int32, writable: true, sf: Some("VarSet_SF") };
    pub const VarSetRvrt: Point = Point { name: "VarSetRvrt", offset: 40, size: 2, ty: PointType::Int32, writable: true, sf: Some("VarSet_SF") };
    pub const VarSetPct: Point = Point { name: "VarSetPct", offset: 42, size: 1, ty: PointType::Int16, writable: true, sf: Some("VarSetPct_SF") };
    pub const VarSetPctRvrt: Point = Point { name: "VarSetPctRvrt", offset: 43, size: 1, ty: PointType::Int16, writable: true, sf: Some("VarSetPct_SF") };
    pub const VarSetEnaRvrt: Point = Point { name: "VarSetEnaRvrt", offset: 44, size: 1, ty: PointType::Enum16, writable: true, sf: None };
    pub const VarSetRvrtTms: Point = Point { name: "VarSetRvrtTms", offset: 45, size: 2, ty: PointType::Uint32, writable: true, sf: None };
    pub const VarSetRvrtRem: Point = Point { name: "VarSetRvrtRem", offset: 47, size: 2, ty: PointType::Uint32, writable: false, sf: None };
    pub const WRmp: Point = Point { name: "WRmp", offset: 49, size: 1, ty: PointType::Uint16, writable: true, sf: None };
    pub const WRmpRef: Point = Point { name: "WRmpRef", offset: 50, size: 1, ty: PointType::Enum16, writable: true, sf: None };
    pub const VarRmp: Point = Point { name: "VarRmp", offset: 51, size: 1, ty: PointType::Uint16, writable: true, sf: None };
    pub const AntiIslEna: Point = Point { name: "AntiIslEna", offset: 52, size: 1, ty: PointType::Enum16, writable: true, sf: None };
    pub const PF_SF: Point = Point { name: "PF_SF", offset: 53, size: 1, ty: PointType::Sunssf, writable: false, sf: None };
    pub const WMaxLimPct_SF: Point = Point { name: "WMaxLimPct_SF", offset: 54, size: 1, ty: PointType::Sunssf, writable: false, sf: None };
    pub const WSet_SF: Point = Point { name: "WSet_SF", offset: 55, size: 1, ty: PointType::Sunssf, writable: false, sf: None };
    pub const WSetPct_SF: Point = Point { name: "WSetPct_SF", offset: 56, size: 1, ty: PointType::Sunssf, writable: false, sf: None };
    pub const VarSet_SF: Point = Point { name: "VarSet_SF", offset: 57, size: 1, ty: PointType::Sunssf, writable: false, sf: None };
    pub const VarSetPct_SF: Point = Point { name: "VarSetPct_SF", offset: 58, size: 1, ty: PointType::Sunssf, writable: false, sf: None };
    pub const PFWInj_PF: Point = Point { name: "PFWInj_PF", offset: 59, size: 1, ty: PointType::Uint16, writable: true, sf: Some("PF_SF") };
    pub const PFWInj_Ext: Point = Point { name: "PFWInj_Ext", offset: 60, size: 1, ty: PointType::Enum16, writable: true, sf: None };
    pub const PFWInjRvrt_PF: Point = Point { name: "PFWInjRvrt_PF", offset: 61, size: 1, ty: PointType::Uint16, writable: true, sf: Some("PF_SF") };
    pub const PFWInjRvrt_Ext: Point = Point { name: "PFWInjRvrt_Ext", offset: 62, size: 1, ty: PointType::Enum16, writable: true, sf: None };
    pub const PFWAbs_PF: Point = Point { name: "PFWAbs_PF", offset: 63, size: 1, ty: PointType::Uint16, writable: true, sf: Some("PF_SF") };
    pub const PFWAbs_Ext: Point = Point { name: "PFWAbs_Ext", offset: 64, size: 1, ty: PointType::Enum16, writable: true, sf: None };
    pub const PFWAbsRvrt_PF: Point = Point { name: "PFWAbsRvrt_PF", offset: 65, size: 1, ty: PointType::Uint16, writable: true, sf: Some("PF_SF") };
    pub const PFWAbsRvrt_Ext: Point = Point { name: "PFWAbsRvrt_Ext", offset: 66, size: 1, ty: PointType::Enum16, writable: true, sf: None };
    /// Every fixed point, in register order.
    pub const POINTS: &[Point] = &[ID, L, PFWInjEna, PFWInjEnaRvrt, PFWInjRvrtTms, PFWInjRvrtRem, PFWAbsEna, PFWAbsEnaRvrt, PFWAbsRvrtTms, PFWAbsRvrtRem, WMaxLimPctEna, WMaxLimPct, WMaxLimPctRvrt, WMaxLimPctEnaRvrt, WMaxLimPctRvrtTms, WMaxLimPctRvrtRem, WSetEna, WSetMod, WSet, WSetRvrt, WSetPct, WSetPctRvrt, WSetEnaRvrt, WSetRvrtTms, WSetRvrtRem, VarSetEna, VarSetMod, VarSetPri, VarSet, VarSetRvrt, VarSetPct, VarSetPctRvrt, VarSetEnaRvrt, VarSetRvrtTms, VarSetRvrtRem, WRmp, WRmpRef, VarRmp, AntiIslEna, PF_SF, WMaxLimPct_SF, WSet_SF, WSetPct_SF, VarSet_SF, VarSetPct_SF, PFWInj_PF, PFWInj_Ext, PFWInjRvrt_PF, PFWInjRvrt_Ext, PFWAbs_PF, PFWAbs_Ext, PFWAbsRvrt_PF, PFWAbsRvrt_Ext];
}

/// Model 707 (DERTripLV): DER Trip LV.
#[rustfmt::skip]
pub mod m707 {
    use super::*;
    pub const MODEL_ID: u16 = 707;
    /// Registers of the fixed part, ID and L included; curves follow.
    pub const FIXED_LEN: u16 = 9;
    pub const ID: Point = Point { name: "ID", offset: 0, size: 1, ty: PointType::Uint16, writable: false, sf: None };
    pub const L: Point = Point { name: "L", offset: 1, size: 1, ty: PointType::Uint16, writable: false, sf: None };
    pub const Ena: Point = Point { name: "Ena", offset: 2, size: 1, ty: PointType::Enum16, writable: true, sf: None };
    pub const AdptCrvReq: Point = Point { name: "AdptCrvReq", offset: 3, size: 1, ty: PointType::Uint16, writable: true, sf: None };
    pub const AdptCrvRslt: Point = Point { name: "AdptCrvRslt", offset: 4, size: 1, ty: PointType::Enum16, writable: false, sf: None };
    pub const NPt: Point = Point { name: "NPt", offset: 5, size: 1, ty: PointType::Uint16, writable: false, sf: None };
    pub const NCrvSet: Point = Point { name: "NCrvSet", offset: 6, size: 1, ty: PointType::Uint16, writable: false, sf: None };
    pub const V_SF: Point = Point { name: "V_SF", offset: 7, size: 1, ty: PointType::Sunssf, writable: false, sf: None };
    pub const Tms_SF: Point = Point { name: "Tms_SF", offset: 8, size: 1, ty: PointType::Sunssf, writable: false, sf: None };
    /// Every fixed point, in register order.
    pub const POINTS: &[Point] = &[ID, L, Ena, AdptCrvReq, AdptCrvRslt, NPt, NCrvSet, V_SF, Tms_SF];
}

/// Model 708 (DERTripHV): DER Trip HV.
#[rustfmt::skip]
pub mod m708 {
    use super::*;
    pub const MODEL_ID: u16 = 708;
    /// Registers of the fixed part, ID and L included; curves follow.
    pub const FIXED_LEN: u16 = 9;
    pub const ID: Point = Point { name: "ID", offset: 0, size: 1, ty: PointType::Uint16, writable: false, sf: None };
    pub const L: Point = Point { name: "L", offset: 1, size: 1, ty: PointType::Uint16, writable: false, sf: None };
    pub const Ena: Point = Point { name: "Ena", offset: 2, size: 1, ty: PointType::Enum16, writable: true, sf: None };
    pub const AdptCrvReq: Point = Point { name: "AdptCrvReq", offset: 3, size: 1, ty: PointType::Uint16, writable: true, sf: None };
    pub const AdptCrvRslt: Point = Point { name: "AdptCrvRslt", offset: 4, size: 1, ty: PointType::Enum16, writable: false, sf: None };
    pub const NPt: Point = Point { name: "NPt", offset: 5, size: 1, ty: PointType::Uint16, writable: false, sf: None };
    pub const NCrvSet: Point = Point { name: "NCrvSet", offset: 6, size: 1, ty: PointType::Uint16, writable: false, sf: None };
    pub const V_SF: Point = Point { name: "V_SF", offset: 7, size: 1, ty: PointType::Sunssf, writable: false, sf: None };
    pub const Tms_SF: Point = Point { name: "Tms_SF", offset: 8, size: 1, ty: PointType::Sunssf, writable: false, sf: None };
    /// Every fixed point, in register order.
    pub const POINTS: &[Point] = &[ID, L, Ena, AdptCrvReq, AdptCrvRslt, NPt, NCrvSet, V_SF, Tms_SF];
}

/// Model 709 (DERTripLF): DER Trip LF.
#[rustfmt::skip]
pub mod m709 {
    use super::*;
    pub const MODEL_ID: u16 = 709;
    /// Registers of the fixed part, ID and L included; curves follow.
    pub const FIXED_LEN: u16 = 9;
    pub const ID: Point = Point { name: "ID", offset: 0, size: 1, ty: PointType::Uint16, writable: false, sf: None };
    pub const L: Point = Point { name: "L", offset: 1, size: 1, ty: PointType::Uint16, writable: false, sf: None };
    pub const Ena: Point = Point { name: "Ena", offset: 2, size: 1, ty: PointType::Enum16, writable: true, sf: None };
    pub const AdptCrvReq: Point = Point { name: "AdptCrvReq", offset: 3, size: 1, ty: PointType::Uint16, writable: true, sf: None };
    pub const AdptCrvRslt: Point = Point { name: "AdptCrvRslt", offset: 4, size: 1, ty: PointType::Enum16, writable: false, sf: None };
    pub const NPt: Point = Point { name: "NPt", offset: 5, size: 1, ty: PointType::Uint16, writable: false, sf: None };
    pub const NCrvSet: Point = Point { name: "NCrvSet", offset: 6, size: 1, ty: PointType::Uint16, writable: false, sf: None };
    pub const Hz_SF: Point = Point { name: "Hz_SF", offset: 7, size: 1, ty: PointType::Sunssf, writable: false, sf: None };
    pub const Tms_SF: Point = Point { name: "Tms_SF", offset: 8, size: 1, ty: PointType::Sunssf, writable: false, sf: None };
    /// Every fixed point, in register order.
    pub const POINTS: &[Point] = &[ID, L, Ena, AdptCrvReq, AdptCrvRslt, NPt, NCrvSet, Hz_SF, Tms_SF];
}

/// Model 710 (DERTripHF): DER Trip HF.
#[rustfmt::skip]
pub mod m710 {
    use super::*;
    pub const MODEL_ID: u16 = 710;
    /// Registers of the fixed part, ID and L included; curves follow.
    pub const FIXED_LEN: u16 = 9;
    pub const ID: Point = Point { name: "ID", offset: 0, size: 1, ty: PointType::Uint16, writable: false, sf: None };
    pub const L: Point = Point { name: "L", offset: 1, size: 1, ty: PointType::Uint16, writable: false, sf: None };
    pub const Ena: Point = Point { name: "Ena", offset: 2, size: 1, ty: PointType::Enum16, writable: true, sf: None };
    pub const AdptCrvReq: Point = Point { name: "AdptCrvReq", offset: 3, size: 1, ty: PointType::Uint16, writable: true, sf: None };
    pub const AdptCrvRslt: Point = Point { name: "AdptCrvRslt", offset: 4, size: 1, ty: PointType::Enum16, writable: false, sf: None };
    pub const NPt: Point = Point { name: "NPt", offset: 5, size: 1, ty: PointType::Uint16, writable: false, sf: None };
    pub const NCrvSet: Point = Point { name: "NCrvSet", offset: 6, size: 1, ty: PointType::Uint16, writable: false, sf: None };
    pub const Hz_SF: Point = Point { name: "Hz_SF", offset: 7, size: 1, ty: PointType::Sunssf, writable: false, sf: None };
    pub const Tms_SF: Point = Point { name: "Tms_SF", offset: 8, size: 1, ty: PointType::Sunssf, writable: false, sf: None };
    /// Every fixed point, in register order.
    pub const POINTS: &[Point] = &[ID, L, Ena, AdptCrvReq, AdptCrvRslt, NPt, NCrvSet, Hz_SF, Tms_SF];
}

/// Meter models 201 (single phase), 202 (split phase), 203 (wye), 204
/// (delta): one layout, point names of 202-204 (model 201 spells offsets
/// 12-14 `PPVphAB`, `PPVphBC`, `PPVphCA`).
#[rustfmt::skip]
pub mod meter {
    use super::*;
    pub const MODEL_IDS: [u16; 4] = [201, 202, 203, 204];
    /// Registers after ID and L (the model's `L`).
    pub const LEN: u16 = 105;
    pub const ID: Point = Point { name: "ID", offset: 0, size: 1, ty: PointType::Uint16, writable: false, sf: None };
    pub const L: Point = Point { name: "L", offset: 1, size: 1, ty: PointType::Uint16, writable: false, sf: None };
    pub const A: Point = Point { name: "A", offset: 2, size: 1, ty: PointType::Int16, writable: false, sf: Some("A_SF") };
    pub const AphA: Point = Point { name: "AphA", offset: 3, size: 1, ty: PointType::Int16, writable: false, sf: Some("A_SF") };
    pub const AphB: Point = Point { name: "AphB", offset: 4, size: 1, ty: PointType::Int16, writable: false, sf: Some("A_SF") };
    pub const AphC: Point = Point { name: "AphC", offset: 5, size: 1, ty: PointType::Int16, writable: false, sf: Some("A_SF") };
    pub const A_SF: Point = Point { name: "A_SF", offset: 6, size: 1, ty: PointType::Sunssf, writable: false, sf: None };
    pub const PhV: Point = Point { name: "PhV", offset: 7, size: 1, ty: PointType::Int16, writable: false, sf: Some("V_SF") };
    pub const PhVphA: Point = Point { name: "PhVphA", offset: 8, size: 1, ty: PointType::Int16, writable: false, sf: Some("V_SF") };
    pub const PhVphB: Point = Point { name: "PhVphB", offset: 9, size: 1, ty: PointType::Int16, writable: false, sf: Some("V_SF") };
    pub const PhVphC: Point = Point { name: "PhVphC", offset: 10, size: 1, ty: PointType::Int16, writable: false, sf: Some("V_SF") };
    pub const PPV: Point = Point { name: "PPV", offset: 11, size: 1, ty: PointType::Int16, writable: false, sf: Some("V_SF") };
    pub const PhVphAB: Point = Point { name: "PhVphAB", offset: 12, size: 1, ty: PointType::Int16, writable: false, sf: Some("V_SF") };
    pub const PhVphBC: Point = Point { name: "PhVphBC", offset: 13, size: 1, ty: PointType::Int16, writable: false, sf: Some("V_SF") };
    pub const PhVphCA: Point = Point { name: "PhVphCA", offset: 14, size: 1, ty: PointType::Int16, writable: false, sf: Some("V_SF") };
    pub const V_SF: Point = Point { name: "V_SF", offset: 15, size: 1, ty: PointType::Sunssf, writable: false, sf: None };
    pub const Hz: Point = Point { name: "Hz", offset: 16, size: 1, ty: PointType::Int16, writable: false, sf: Some("Hz_SF") };
    pub const Hz_SF: Point = Point { name: "Hz_SF", offset: 17, size: 1, ty: PointType::Sunssf, writable: false, sf: None };
    pub const W: Point = Point { name: "W", offset: 18, size: 1, ty: PointType::Int16, writable: false, sf: Some("W_SF") };
    pub const WphA: Point = Point { name: "WphA", offset: 19, size: 1, ty: PointType::Int16, writable: false, sf: Some("W_SF") };
    pub const WphB: Point = Point { name: "WphB", offset: 20, size: 1, ty: PointType::Int16, writable: false, sf: Some("W_SF") };
    pub const WphC: Point = Point { name: "WphC", offset: 21, size: 1, ty: PointType::Int16, writable: false, sf: Some("W_SF") };
    pub const W_SF: Point = Point { name: "W_SF", offset: 22, size: 1, ty: PointType::Sunssf, writable: false, sf: None };
    pub const VA: Point = Point { name: "VA", offset: 23, size: 1, ty: PointType::Int16, writable: false, sf: Some("VA_SF") };
    pub const VAphA: Point = Point { name: "VAphA", offset: 24, size: 1, ty: PointType::Int16, writable: false, sf: Some("VA_SF") };
    pub const VAphB: Point = Point { name: "VAphB", offset: 25, size: 1, ty: PointType::Int16, writable: false, sf: Some("VA_SF") };
    pub const VAphC: Point = Point { name: "VAphC", offset: 26, size: 1, ty: PointType::Int16, writable: false, sf: Some("VA_SF") };
    pub const VA_SF: Point = Point { name: "VA_SF", offset: 27, size: 1, ty: PointType::Sunssf, writable: false, sf: None };
    pub const VAR: Point = Point { name: "VAR", offset: 28, size: 1, ty: PointType::Int16, writable: false, sf: Some("VAR_SF") };
    pub const VARphA: Point = Point { name: "VARphA", offset: 29, size: 1, ty: PointType::Int16, writable: false, sf: Some("VAR_SF") };
    pub const VARphB: Point = Point { name: "VARphB", offset: 30, size: 1, ty: PointType::Int16, writable: false, sf: Some("VAR_SF") };
    pub const VARphC: Point = Point { name: "VARphC", offset: 31, size: 1, ty: PointType::Int16, writable: false, sf: Some("VAR_SF") };
    pub const VAR_SF: Point = Point { name: "VAR_SF", offset: 32, size: 1, ty: PointType::Sunssf, writable: false, sf: None };
    pub const PF: Point = Point { name: "PF", offset: 33, size: 1, ty: PointType::Int16, writable: false, sf: Some("PF_SF") };
    pub const PFphA: Point = Point { name: "PFphA", offset: 34, size: 1, ty: PointType::Int16, writable: false, sf: Some("PF_SF") };
    pub const PFphB: Point = Point { name: "PFphB", offset: 35, size: 1, ty: PointType::Int16, writable: false, sf: Some("PF_SF") };
    pub const PFphC: Point = Point { name: "PFphC", offset: 36, size: 1, ty: PointType::Int16, writable: false, sf: Some("PF_SF") };
    pub const PF_SF: Point = Point { name: "PF_SF", offset: 37, size: 1, ty: PointType::Sunssf, writable: false, sf: None };
    pub const TotWhExp: Point = Point { name: "TotWhExp", offset: 38, size: 2, ty: PointType::Acc32, writable: false, sf: Some("TotWh_SF") };
    pub const TotWhExpPhA: Point = Point { name: "TotWhExpPhA", offset: 40, size: 2, ty: PointType::Acc32, writable: false, sf: Some("TotWh_SF") };
    pub const TotWhExpPhB: Point = Point { name: "TotWhExpPhB", offset: 42, size: 2, ty: PointType::Acc32, writable: false, sf: Some("TotWh_SF") };
    pub const TotWhExpPhC: Point = Point { name: "TotWhExpPhC", offset: 44, size: 2, ty: PointType::Acc32, writable: false, sf: Some("TotWh_SF") };
    pub const TotWhImp: Point = Point { name: "TotWhImp", offset: 46, size: 2, ty: PointType::Acc32, writable: false, sf: Some("TotWh_SF") };
    pub const TotWhImpPhA: Point = Point { name: "TotWhImpPhA", offset: 48, size: 2, ty: PointType::Acc32, writable: false, sf: Some("TotWh_SF") };
    pub const TotWhImpPhB: Point = Point { name: "TotWhImpPhB", offset: 50, size: 2, ty: PointType::Acc32, writable: false, sf: Some("TotWh_SF") };
    pub const TotWhImpPhC: Point = Point { name: "TotWhImpPhC", offset: 52, size: 2, ty: PointType::Acc32, writable: false, sf: Some("TotWh_SF") };
    pub const TotWh_SF: Point = Point { name: "TotWh_SF", offset: 54, size: 1, ty: PointType::Sunssf, writable: false, sf: None };
    pub const TotVAhExp: Point = Point { name: "TotVAhExp", offset: 55, size: 2, ty: PointType::Acc32, writable: false, sf: Some("TotVAh_SF") };
    pub const TotVAhExpPhA: Point = Point { name: "TotVAhExpPhA", offset: 57, size: 2, ty: PointType::Acc32, writable: false, sf: Some("TotVAh_SF") };
    pub const TotVAhExpPhB: Point = Point { name: "TotVAhExpPhB", offset: 59, size: 2, ty: PointType::Acc32, writable: false, sf: Some("TotVAh_SF") };
    pub const TotVAhExpPhC: Point = Point { name: "TotVAhExpPhC", offset: 61, size: 2, ty: PointType::Acc32, writable: false, sf: Some("TotVAh_SF") };
    pub const TotVAhImp: Point = Point { name: "TotVAhImp", offset: 63, size: 2, ty: PointType::Acc32, writable: false, sf: Some("TotVAh_SF") };
    pub const TotVAhImpPhA: Point = Point { name: "TotVAhImpPhA", offset: 65, size: 2, ty: PointType::Acc32, writable: false, sf: Some("TotVAh_SF") };
    pub const TotVAhImpPhB: Point = Point { name: "TotVAhImpPhB", offset: 67, size: 2, ty: PointType::Acc32, writable: false, sf: Some("TotVAh_SF") };
    pub const TotVAhImpPhC: Point = Point { name: "TotVAhImpPhC", offset: 69, size: 2, ty: PointType::Acc32, writable: false, sf: Some("TotVAh_SF") };
    pub const TotVAh_SF: Point = Point { name: "TotVAh_SF", offset: 71, size: 1, ty: PointType::Sunssf, writable: false, sf: None };
    pub const TotVArhImpQ1: Point = Point { name: "TotVArhImpQ1", offset: 72, size: 2, ty: PointType::Acc32, writable: false, sf: Some("TotVArh_SF") };
    pub const TotVArhImpQ1PhA: Point = Point { name: "TotVArhImpQ1PhA", offset: 74, size: 2, ty: PointType::Acc32, writable: false, sf: Some("TotVArh_SF") };
    pub const TotVArhImpQ1PhB: Point = Point { name: "TotVArhImpQ1PhB", offset: 76, size: 2, ty: PointType::Acc32, writable: false, sf: Some("TotVArh_SF") };
    pub const TotVArhImpQ1PhC: Point = Point { name: "TotVArhImpQ1PhC", offset: 78, size: 2, ty: PointType::Acc32, writable: false, sf: Some("TotVArh_SF") };
    pub const TotVArhImpQ2: Point = Point { name: "TotVArhImpQ2", offset: 80, size: 2, ty: PointType::Acc32, writable: false, sf: Some("TotVArh_SF") };
    pub const TotVArhImpQ2PhA: Point = Point { name: "TotVArhImpQ2PhA", offset: 82, size: 2, ty: PointType::Acc32, writable: false, sf: Some("TotVArh_SF") };
    pub const TotVArhImpQ2PhB: Point = Point { name: "TotVArhImpQ2PhB", offset: 84, size: 2, ty: PointType::Acc32, writable: false, sf: Some("TotVArh_SF") };
    pub const TotVArhImpQ2PhC: Point = Point { name: "TotVArhImpQ2PhC", offset: 86, size: 2, ty: PointType::Acc32, writable: false, sf: Some("TotVArh_SF") };
    pub const TotVArhExpQ3: Point = Point { name: "TotVArhExpQ3", offset: 88, size: 2, ty: PointType::Acc32, writable: false, sf: Some("TotVArh_SF") };
    pub const TotVArhExpQ3PhA: Point = Point { name: "TotVArhExpQ3PhA", offset: 90, size: 2, ty: PointType::Acc32, writable: false, sf: Some("TotVArh_SF") };
    pub const TotVArhExpQ3PhB: Point = Point { name: "TotVArhExpQ3PhB", offset: 92, size: 2, ty: PointType::Acc32, writable: false, sf: Some("TotVArh_SF") };
    pub const TotVArhExpQ3PhC: Point = Point { name: "TotVArhExpQ3PhC", offset: 94, size: 2, ty: PointType::Acc32, writable: false, sf: Some("TotVArh_SF") };
    pub const TotVArhExpQ4: Point = Point { name: "TotVArhExpQ4", offset: 96, size: 2, ty: PointType::Acc32, writable: false, sf: Some("TotVArh_SF") };
    pub const TotVArhExpQ4PhA: Point = Point { name: "TotVArhExpQ4PhA", offset: 98, size: 2, ty: PointType::Acc32, writable: false, sf: Some("TotVArh_SF") };
    pub const TotVArhExpQ4PhB: Point = Point { name: "TotVArhExpQ4PhB", offset: 100, size: 2, ty: PointType::Acc32, writable: false, sf: Some("TotVArh_SF") };
    pub const TotVArhExpQ4PhC: Point = Point { name: "TotVArhExpQ4PhC", offset: 102, size: 2, ty: PointType::Acc32, writable: false, sf: Some("TotVArh_SF") };
    pub const TotVArh_SF: Point = Point { name: "TotVArh_SF", offset: 104, size: 1, ty: PointType::Sunssf, writable: false, sf: None };
    pub const Evt: Point = Point { name: "Evt", offset: 105, size: 2, ty: PointType::Bitfield32, writable: false, sf: None };
    /// Every point, in register order.
    pub const POINTS: &[Point] = &[ID, L, A, AphA, AphB, AphC, A_SF, PhV, PhVphA, PhVphB, PhVphC, PPV, PhVphAB, PhVphBC, PhVphCA, V_SF, Hz, Hz_SF, W, WphA, WphB, WphC, W_SF, VA, VAphA, VAphB, VAphC, VA_SF, VAR, VARphA, VARphB, VARphC, VAR_SF, PF, PFphA, PFphB, PFphC, PF_SF, TotWhExp, TotWhExpPhA, TotWhExpPhB, TotWhExpPhC, TotWhImp, TotWhImpPhA, TotWhImpPhB, TotWhImpPhC, TotWh_SF, TotVAhExp, TotVAhExpPhA, TotVAhExpPhB, TotVAhExpPhC, TotVAhImp, TotVAhImpPhA, TotVAhImpPhB, TotVAhImpPhC, TotVAh_SF, TotVArhImpQ1, TotVArhImpQ1PhA, TotVArhImpQ1PhB, TotVArhImpQ1PhC, TotVArhImpQ2, TotVArhImpQ2PhA, TotVArhImpQ2PhB, TotVArhImpQ2PhC, TotVArhExpQ3, TotVArhExpQ3PhA, TotVArhExpQ3PhB, TotVArhExpQ3PhC, TotVArhExpQ4, TotVArhExpQ4PhA, TotVArhExpQ4PhB, TotVArhExpQ4PhC, TotVArh_SF, Evt];
}
