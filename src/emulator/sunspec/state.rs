//! What the emulated charger keeps besides the plant: settings the plant has
//! no notion of (device address, enter-service enable, the 704 setpoint
//! registers, trip-curve enables with their stored points).

use crate::der::{TripFunction, TripSetting};
use crate::plant::Plant;

/// One trip model and the IEEE 1547 functions its two must-trip points carry.
///
/// Mapping (as the SunSpec SVP `der1547_sunspec.py` `set_ov`/`set_uv`/
/// `set_of`/`set_uf` write them, sunspec/svp_energy_lab): curve set 1,
/// MustTrip group, point 1 = stage 1 (OV1/UV1/OF1/UF1, the long-time, less
/// severe pickup), point 2 = stage 2 (OV2/UV2/OF2/UF2); V in % of nominal
/// (pu × 100), Hz in hertz, Tms = clearing time in seconds; ActPt = number
/// of stages in use. OV/OF points rise, UV/UF points fall.
#[derive(Debug, Clone, Copy)]
pub struct TripModel {
    pub model_id: u16,
    pub stages: [TripFunction; 2],
}

pub const TRIP_MODELS: [TripModel; 4] = [
    TripModel {
        model_id: 707,
        stages: [TripFunction::Uv1, TripFunction::Uv2],
    },
    TripModel {
        model_id: 708,
        stages: [TripFunction::Ov1, TripFunction::Ov2],
    },
    TripModel {
        model_id: 709,
        stages: [TripFunction::Uf1, TripFunction::Uf2],
    },
    TripModel {
        model_id: 710,
        stages: [TripFunction::Of1, TripFunction::Of2],
    },
];

#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct TripState {
    /// 707–710 `Ena`.
    pub enabled: bool,
    /// 707–710 `AdptCrvReq` as last written.
    pub adopt_request: u16,
    /// The stored must-trip points (stage 1, stage 2); in force when enabled.
    pub curve: [Option<TripSetting>; 2],
}

#[derive(Debug, Clone, PartialEq)]
pub struct Controls {
    synced: bool,
    /// Model 1 `DA`.
    pub device_address: u16,
    /// 703 `ES`: when disabled the charger is held at 0 W.
    pub es_enabled: bool,
    /// 704 `WSetEna`, `WSetMod` (0 = % of WMax, 1 = watts), `WSet`, `WSetPct` raw.
    pub wset_enabled: bool,
    pub wset_mode: u16,
    pub wset_raw: i32,
    pub wset_pct_raw: i16,
    pub trips: [TripState; 4],
}

impl Controls {
    pub fn new(device_address: u16) -> Self {
        Controls {
            synced: false,
            device_address,
            es_enabled: true,
            wset_enabled: false,
            wset_mode: 1,
            wset_raw: 0,
            wset_pct_raw: 0,
            trips: [TripState::default(); 4],
        }
    }

    /// Takes in what the plant holds: trip functions set by anyone else show
    /// up (and enable their model); a disabled model keeps its stored points.
    pub fn sync(&mut self, plant: &Plant) {
        for (k, m) in TRIP_MODELS.iter().enumerate() {
            let live = m.stages.map(|f| plant.trip_settings().get(f));
            let t = &mut self.trips[k];
            if t.enabled || live.iter().any(Option::is_some) || !self.synced {
                t.enabled = live.iter().any(Option::is_some);
                t.curve = live;
            }
        }
        if !self.synced {
            let sp = plant.inverter_status().power_setpoint_w;
            if sp != 0.0 {
                self.wset_enabled = true;
                self.wset_raw = sp.round() as i32;
            }
        }
        self.synced = true;
    }

    /// The plant's power setpoint these controls command.
    pub fn power_setpoint_w(&self, rating_w: f64) -> f64 {
        if !self.es_enabled || !self.wset_enabled {
            return 0.0;
        }
        if self.wset_mode == 0 {
            f64::from(self.wset_pct_raw) * 10f64.powi(i32::from(super::map::SF_WSET_PCT)) / 100.0
                * rating_w
        } else {
            f64::from(self.wset_raw) * 10f64.powi(i32::from(super::map::SF_WSET))
        }
    }
}
