//! Layouts asserted against the published model definitions
//! (github.com/sunspec/models json/model_<id>.json as bundled in pysunspec2
//! 1.3.7; offsets counted from ID = 0, read off the JSON point order/sizes).

use super::curve::{CurveGroup, TripCurveLayout};
use super::defs::*;
use super::*;

#[test]
fn model_lengths() {
    // model_1.json: Mn..Pad sum to 66 registers after ID, L.
    assert_eq!(m1::LEN, 66);
    // "L" point "value": 153 / 50 / 17 / 65 in model_701/702/703/704.json.
    assert_eq!(m701::LEN, 153);
    assert_eq!(m702::LEN, 50);
    assert_eq!(m703::LEN, 17);
    assert_eq!(m704::LEN, 65);
    for fixed in [
        m707::FIXED_LEN,
        m708::FIXED_LEN,
        m709::FIXED_LEN,
        m710::FIXED_LEN,
    ] {
        assert_eq!(fixed, curve::FIXED_LEN);
    }
}

#[test]
fn point_offsets() {
    // model_1.json: Mn string(16) at 2, Md at 18, Opt(8) 34, Vr(8) 42, SN 50, DA 66, Pad 67.
    assert_eq!((m1::Mn.offset, m1::Mn.size), (2, 16));
    assert_eq!((m1::Md.offset, m1::Vr.offset, m1::SN.offset), (18, 42, 50));
    assert_eq!((m1::DA.offset, m1::Pad.offset), (66, 67));
    // model_701.json: Alrm bitfield32 at 6, W 10, LNV 16, Hz uint32 at 17, A_SF 113, V_SF 114.
    assert_eq!(m701::Alrm.offset, 6);
    assert_eq!(m701::Alrm.ty, PointType::Bitfield32);
    assert_eq!(
        (m701::W.offset, m701::A.offset, m701::LNV.offset),
        (10, 14, 16)
    );
    assert_eq!((m701::Hz.offset, m701::Hz.ty), (17, PointType::Uint32));
    assert_eq!(
        (m701::A_SF.offset, m701::V_SF.offset, m701::Hz_SF.offset),
        (113, 114, 115)
    );
    assert_eq!(m701::W_SF.offset, 116);
    assert_eq!((m701::MnAlrmInfo.offset, m701::MnAlrmInfo.size), (123, 32));
    // model_702.json: WMaxRtg 2, VNomRtg 14, AbnOpCatRtg 22, WMax 26 (RW), W_SF 45, V_SF 49.
    assert_eq!((m702::WMaxRtg.offset, m702::VNomRtg.offset), (2, 14));
    assert_eq!(m702::AbnOpCatRtg.offset, 22);
    assert_eq!((m702::WMax.writable, m702::WMax.offset), (true, 26));
    assert_eq!((m702::W_SF.offset, m702::V_SF.offset), (45, 49));
    // model_703.json: ES 2, ESVHi 3, ESVLo 4, ESHzHi 5, ESHzLo 7, ESDlyTms 9, V_SF 17, Hz_SF 18.
    assert_eq!(
        (m703::ES.offset, m703::ESVHi.offset, m703::ESVLo.offset),
        (2, 3, 4)
    );
    assert_eq!(
        (
            m703::ESHzHi.offset,
            m703::ESHzLo.offset,
            m703::ESDlyTms.offset
        ),
        (5, 7, 9)
    );
    assert_eq!((m703::V_SF.offset, m703::Hz_SF.offset), (17, 18));
    // model_704.json: WSetEna 22, WSetMod 23, WSet int32 24, WSetPct 28, AntiIslEna 52,
    // WSet_SF 55, WSetPct_SF 56, PFWAbsRvrt.Ext 66.
    assert_eq!((m704::WSetEna.offset, m704::WSetMod.offset), (22, 23));
    assert_eq!((m704::WSet.offset, m704::WSet.ty), (24, PointType::Int32));
    assert_eq!((m704::WSetPct.offset, m704::AntiIslEna.offset), (28, 52));
    assert_eq!((m704::WSet_SF.offset, m704::WSetPct_SF.offset), (55, 56));
    assert_eq!(m704::PFWAbsRvrt_Ext.offset, 66);
    // model_707.json fixed part: Ena 2, AdptCrvReq 3, AdptCrvRslt 4, NPt 5, NCrvSet 6, V_SF 7, Tms_SF 8.
    assert_eq!(m707::Ena.offset, curve::ENA);
    assert_eq!(m707::AdptCrvReq.offset, curve::ADPT_CRV_REQ);
    assert_eq!(m707::NPt.offset, curve::NPT);
    assert_eq!(m707::V_SF.offset, curve::X_SF);
    assert_eq!(m709::Hz_SF.offset, curve::X_SF);
    assert_eq!(m710::Tms_SF.offset, curve::TMS_SF);
}

#[test]
fn curve_layouts() {
    // With NPt = 1, model_707.json gives ReadOnly 9, MustTrip.ActPt 10, Pt.V 11,
    // Pt.Tms 12, MayTrip.ActPt 14, MomCess.ActPt 18, MomCess.Pt.Tms 20.
    let lv = TripCurveLayout::for_model(707, 1, 1).unwrap();
    assert_eq!(lv.read_only(0), 9);
    assert_eq!(lv.act_pt(0, CurveGroup::MustTrip), 10);
    assert_eq!(
        (
            lv.x(0, CurveGroup::MustTrip, 0),
            lv.tms(0, CurveGroup::MustTrip, 0)
        ),
        (11, 12)
    );
    assert_eq!(lv.act_pt(0, CurveGroup::MayTrip), 14);
    assert_eq!(lv.act_pt(0, CurveGroup::MomCess), 18);
    assert_eq!(lv.tms(0, CurveGroup::MomCess, 0), 20);
    assert_eq!(lv.total_len(), Some(22));
    // model_709.json with NPt = 1: Pt.Hz uint32 at 11, Tms 13, MayTrip.ActPt 15,
    // MomCess.ActPt 20, MomCess.Pt.Tms 23; one curve is 16 registers.
    let lf = TripCurveLayout::for_model(709, 1, 1).unwrap();
    assert_eq!(
        (
            lf.x(0, CurveGroup::MustTrip, 0),
            lf.tms(0, CurveGroup::MustTrip, 0)
        ),
        (11, 13)
    );
    assert_eq!(lf.act_pt(0, CurveGroup::MayTrip), 15);
    assert_eq!(lf.act_pt(0, CurveGroup::MomCess), 20);
    assert_eq!(lf.tms(0, CurveGroup::MomCess, 0), 23);
    assert_eq!(lf.curve_size(), 16);
    // The charger's maps: NPt 2, one curve → L = 29 (707/708) and 35 (709/710).
    assert_eq!(
        TripCurveLayout::for_model(708, 2, 1).unwrap().model_len(),
        Some(29)
    );
    assert_eq!(
        TripCurveLayout::for_model(710, 2, 1).unwrap().model_len(),
        Some(35)
    );
    // Second curve of an NPt 2 LV model starts after 22 registers.
    let lv2 = TripCurveLayout::for_model(707, 2, 2).unwrap();
    assert_eq!(lv2.read_only(1) - lv2.read_only(0), 22);
    assert!(TripCurveLayout::for_model(705, 1, 1).is_none());
}

#[test]
fn values_and_strings() {
    assert_eq!(unscaled(61.2, -2), Some(6120));
    assert_eq!(unscaled(0.16, -2), Some(16));
    assert!((scaled(6120.0, -2) - 61.2).abs() < 1e-9);
    assert_eq!(unscaled(f64::NAN, 0), None);
    let regs = encode_string("ACME", 4);
    assert_eq!(regs, vec![0x4143, 0x4D45, 0, 0]);
    assert_eq!(decode_string(&regs), "ACME");
    assert_eq!(decode_string(&[0xFFFF]), "\u{FFFD}\u{FFFD}");
    assert_eq!(regs_u32(&u32_regs(0xDEAD_BEEF)), Some(0xDEAD_BEEF));
    assert_eq!(sunssf(0xFFFE), Some(-2));
    assert_eq!(sunssf(0x8000), None);
    assert_eq!(
        SUNS_MARKER,
        [u16::from_be_bytes(*b"Su"), u16::from_be_bytes(*b"nS")]
    );
    assert!(m701::W.is_not_implemented(&[0x8000]));
    assert_eq!(m701::Hz.not_implemented(), vec![0xFFFF, 0xFFFF]);
}

#[test]
fn generated_tables_are_contiguous() {
    let tables: [(&[Point], u16); 9] = [
        (m1::POINTS, 1),
        (m701::POINTS, 701),
        (m702::POINTS, 702),
        (m703::POINTS, 703),
        (m704::POINTS, 704),
        (m707::POINTS, 707),
        (m708::POINTS, 708),
        (m709::POINTS, 709),
        (m710::POINTS, 710),
    ];
    for (points, id) in tables {
        assert_eq!((points[0].name, points[1].name), ("ID", "L"), "model {id}");
        let mut next = 0;
        for p in points {
            assert_eq!(p.offset, next, "model {id} point {}", p.name);
            next += p.size;
        }
        let lens = [m1::LEN, m701::LEN, m702::LEN, m703::LEN, m704::LEN];
        if let Some(i) = [1, 701, 702, 703, 704].iter().position(|&m| m == id) {
            assert_eq!(next, lens[i] + 2, "model {id}");
        } else {
            assert_eq!(next, curve::FIXED_LEN, "model {id}");
        }
    }
}
