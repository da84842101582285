//! The EV traction battery on the charger's DC side: a Thevenin cell model
//! (open-circuit voltage against SoC, piecewise linear, plus a series
//! resistance: V_t = OCV − I·R, discharge positive) with coulomb counting,
//! and the AC power window the charger may use so the DC side stays inside
//! the vehicle's limits (CHAdeMO 0x100/0x102/0x200).
//!
//! Capacity in Ah: the pack's kWh over its mean OCV, Ah = 1000·kWh / mean(OCV)
//! with mean(OCV) = ∫₀¹ OCV(s) ds. A full 1 → 0 SoC discharge at zero current
//! then releases exactly the nameplate kWh of open-circuit energy
//! (∫OCV dQ = Ah·∫OCV ds), which is how pack energy is usually rated.

use super::ev_api::{DcLimits, EvBatteryConfig, EvBatteryState};

/// The DC/AC conversion efficiency each way unless set: a bidirectional
/// CHAdeMO charger's rated efficiency is about 95–97 % near full power.
pub const DEFAULT_CONVERSION_EFFICIENCY: f64 = 0.96;

pub(crate) struct Battery {
    config: EvBatteryConfig,
    capacity_ah: f64,
    pub soc: f64,
    pub current_a: f64,
    pub energy_out_wh: f64,
}

/// Allowed AC power at the inverter's AC port: `min_w` ≤ 0 (charging,
/// import) and `max_w` ≥ 0 (discharging, export).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Window {
    pub min_w: f64,
    pub max_w: f64,
}

impl Window {
    pub const CLOSED: Window = Window {
        min_w: 0.0,
        max_w: 0.0,
    };
    pub const OPEN: Window = Window {
        min_w: f64::NEG_INFINITY,
        max_w: f64::INFINITY,
    };
}

impl Battery {
    pub fn new(config: EvBatteryConfig) -> Self {
        let mean_ocv = mean_ocv(&config.ocv_table).max(1.0);
        let capacity_ah = (config.capacity_kwh.max(1e-9) * 1000.0 / mean_ocv).max(1e-9);
        Battery {
            soc: config.initial_soc.clamp(0.0, 1.0),
            config,
            capacity_ah,
            current_a: 0.0,
            energy_out_wh: 0.0,
        }
    }

    pub fn capacity_ah(&self) -> f64 {
        self.capacity_ah
    }

    pub fn ocv_v(&self) -> f64 {
        ocv_at(&self.config.ocv_table, self.soc)
    }

    fn r_ohm(&self) -> f64 {
        self.config.internal_resistance_ohm.max(0.0)
    }

    pub fn terminal_v(&self, current_a: f64) -> f64 {
        self.ocv_v() - current_a * self.r_ohm()
    }

    /// The current that carries `p_dc_w` at the terminals: the root of
    /// R·I² − OCV·I + P = 0 nearer zero; beyond the maximum power OCV²/4R
    /// the battery gives its maximum-power current OCV/2R.
    pub fn current_for(&self, p_dc_w: f64) -> f64 {
        let ocv = self.ocv_v();
        let r = self.r_ohm();
        if r < 1e-9 {
            return p_dc_w / ocv.max(1e-3);
        }
        let disc = ocv * ocv - 4.0 * r * p_dc_w;
        if disc <= 0.0 {
            return ocv / (2.0 * r);
        }
        // 2P/(OCV + √disc): the same root, without cancellation at small P.
        2.0 * p_dc_w / (ocv + disc.sqrt())
    }

    /// Moves `dt_s` on at constant AC power `p_ac_w` (export positive): DC
    /// power through the efficiency, coulomb counting, energy out. The
    /// reported current is kept from the last whole cycle unless `whole`:
    /// a part-cycle mean carries the 2f power ripple.
    pub fn advance(&mut self, p_ac_w: f64, efficiency: f64, dt_s: f64, whole: bool) {
        let p_dc = if p_ac_w >= 0.0 {
            p_ac_w / efficiency
        } else {
            p_ac_w * efficiency
        };
        let i = self.current_for(p_dc);
        let v_t = self.terminal_v(i);
        if whole {
            self.current_a = i;
        }
        self.energy_out_wh += v_t * i * dt_s / 3600.0;
        self.soc = (self.soc - i * dt_s / (3600.0 * self.capacity_ah)).clamp(0.0, 1.0);
    }

    /// Can it discharge at all: SoC above the floor and the open-circuit
    /// voltage above the minimum (below that even a small current would take
    /// the terminals under it; above it `window` holds V_t ≥ V_min).
    pub fn may_discharge(&self, limits: &DcLimits) -> bool {
        self.soc > limits.min_discharge_soc
            && self.ocv_v() > limits.min_discharge_voltage_v
            && limits.max_discharge_current_a > 0.0
    }

    /// The AC power window that keeps the DC side inside `limits`: discharge
    /// current ≤ max and terminal voltage ≥ min (I ≤ (OCV − V_min)/R), charge
    /// current ≤ max; nothing past the SoC floor / ceiling.
    pub fn window(&self, limits: &DcLimits, efficiency: f64) -> Window {
        let ocv = self.ocv_v();
        let r = self.r_ohm();
        let max_w = if self.may_discharge(limits) {
            let mut i = limits.max_discharge_current_a;
            if r > 1e-9 {
                i = i.min((ocv - limits.min_discharge_voltage_v) / r);
                // Past OCV/2R more current gives less power.
                i = i.min(ocv / (2.0 * r));
            }
            let i = i.max(0.0);
            (ocv - i * r) * i * efficiency
        } else {
            0.0
        };
        let min_w = if self.soc < limits.max_charge_soc {
            let i = limits.max_charge_current_a.max(0.0);
            -(ocv + i * r) * i / efficiency
        } else {
            0.0
        };
        Window {
            min_w: min_w.min(0.0),
            max_w: max_w.max(0.0),
        }
    }

    pub fn state(&self) -> EvBatteryState {
        let v_t = self.terminal_v(self.current_a);
        EvBatteryState {
            soc: self.soc,
            ocv_v: self.ocv_v(),
            terminal_voltage_v: v_t,
            current_a: self.current_a,
            dc_power_w: v_t * self.current_a,
            energy_out_wh: self.energy_out_wh,
        }
    }
}

/// Piecewise-linear OCV, held flat beyond the table's ends.
pub(crate) fn ocv_at(table: &[(f64, f64)], soc: f64) -> f64 {
    let (Some(first), Some(last)) = (table.first(), table.last()) else {
        return 0.0;
    };
    if soc <= first.0 {
        return first.1;
    }
    if soc >= last.0 {
        return last.1;
    }
    for w in table.windows(2) {
        let ((s0, v0), (s1, v1)) = (w[0], w[1]);
        if soc <= s1 {
            let span = s1 - s0;
            return if span > 0.0 {
                v0 + (v1 - v0) * (soc - s0) / span
            } else {
                v1
            };
        }
    }
    last.1
}

/// ∫₀¹ OCV(s) ds by the trapezoid over the table (exact for piecewise linear).
pub(crate) fn mean_ocv(table: &[(f64, f64)]) -> f64 {
    let (Some(first), Some(last)) = (table.first(), table.last()) else {
        return 0.0;
    };
    let mut area = first.1 * first.0.clamp(0.0, 1.0) + last.1 * (1.0 - last.0.clamp(0.0, 1.0));
    for w in table.windows(2) {
        let ((s0, v0), (s1, v1)) = (w[0], w[1]);
        let (a, b) = (s0.clamp(0.0, 1.0), s1.clamp(0.0, 1.0));
        area += (b - a) * (v0 + v1) / 2.0;
    }
    area
}
