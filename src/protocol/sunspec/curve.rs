//! Layout of the trip-curve models 707 (LV), 708 (HV), 709 (LF), 710 (HF):
//! a fixed part (ID, L, Ena, AdptCrvReq, AdptCrvRslt, NPt, NCrvSet, V_SF or
//! Hz_SF, Tms_SF), then `NCrvSet` curves, each `ReadOnly` and the groups
//! MustTrip, MayTrip, MomCess, each `ActPt` and `NPt` points of (V uint16 |
//! Hz uint32, Tms uint32). From sunspec/models json/model_707.json … 710.json.

/// Fixed part, ID and L included (offsets 0–8).
pub const FIXED_LEN: u16 = 9;
pub const ENA: u16 = 2;
pub const ADPT_CRV_REQ: u16 = 3;
pub const ADPT_CRV_RSLT: u16 = 4;
pub const NPT: u16 = 5;
pub const NCRVSET: u16 = 6;
/// V_SF in 707/708, Hz_SF in 709/710.
pub const X_SF: u16 = 7;
pub const TMS_SF: u16 = 8;

/// The three groups of each curve, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CurveGroup {
    MustTrip = 0,
    MayTrip = 1,
    MomCess = 2,
}

/// Layout of one trip model for given NPt and NCrvSet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TripCurveLayout {
    /// 707/708 (voltage, uint16) or 709/710 (frequency, uint32).
    pub frequency: bool,
    pub npt: u16,
    pub ncrv: u16,
}

impl TripCurveLayout {
    pub fn for_model(model_id: u16, npt: u16, ncrv: u16) -> Option<Self> {
        let frequency = match model_id {
            707 | 708 => false,
            709 | 710 => true,
            _ => return None,
        };
        Some(TripCurveLayout {
            frequency,
            npt,
            ncrv,
        })
    }

    /// Registers of the abscissa (V: 1, Hz: 2).
    pub fn x_size(&self) -> u16 {
        if self.frequency {
            2
        } else {
            1
        }
    }

    /// One point: abscissa + Tms (uint32).
    pub fn point_size(&self) -> u16 {
        self.x_size() + 2
    }

    /// ActPt + NPt points.
    pub fn group_size(&self) -> u32 {
        1 + u32::from(self.npt) * u32::from(self.point_size())
    }

    /// ReadOnly + three groups.
    pub fn curve_size(&self) -> u32 {
        1 + 3 * self.group_size()
    }

    /// Total registers including ID and L; `None` if it would not fit a
    /// model. In u64: NCrvSet and NPt come from the device, and 65535
    /// curves of 65535 points do not fit u32 (found by the `sunspec_map`
    /// fuzz target). Offsets below are in range once this is `Some`.
    pub fn total_len(&self) -> Option<u16> {
        let t = u64::from(FIXED_LEN) + u64::from(self.ncrv) * u64::from(self.curve_size());
        u16::try_from(t).ok().filter(|&t| t >= 2)
    }

    /// The model's `L`.
    pub fn model_len(&self) -> Option<u16> {
        self.total_len().map(|t| t - 2)
    }

    /// Offset of curve `crv`'s ReadOnly register (crv from 0).
    pub fn read_only(&self, crv: u16) -> u32 {
        u32::from(FIXED_LEN).saturating_add(u32::from(crv).saturating_mul(self.curve_size()))
    }

    /// Offset of the ActPt register of `group` in curve `crv`.
    pub fn act_pt(&self, crv: u16, group: CurveGroup) -> u32 {
        self.read_only(crv)
            .saturating_add(1)
            .saturating_add((group as u32).saturating_mul(self.group_size()))
    }

    /// Offset of point `pt`'s abscissa (V or Hz).
    pub fn x(&self, crv: u16, group: CurveGroup, pt: u16) -> u32 {
        self.act_pt(crv, group)
            .saturating_add(1)
            .saturating_add(u32::from(pt) * u32::from(self.point_size()))
    }

    /// Offset of point `pt`'s Tms.
    pub fn tms(&self, crv: u16, group: CurveGroup, pt: u16) -> u32 {
        self.x(crv, group, pt)
            .saturating_add(u32::from(self.x_size()))
    }
}
