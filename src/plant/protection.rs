//! The inverter's protection and service state: the eight IEEE 1547-2018
//! trip functions (§6.4.1 voltage, §6.5.1 frequency: a function trips when
//! its quantity stays beyond the pickup for the clearing time), the SFS
//! island detector (islanding.rs), and enter service (§4.10.3: back inside
//! the window for the delay). Times are counted in whole steps so runs are
//! bit-identical.

use super::islanding::IslandDetector;
use super::CeaseReason;
use crate::der::{AntiIslanding, EnterService, TripFunction, TripSettings};

/// Quantities the protection reads at one step.
pub(crate) struct Reading {
    pub step: u64,
    /// Mean of v² over the last nominal cycle.
    pub mean_v2: f64,
    /// Latest zero-crossing frequency; None when the voltage is not crossing.
    pub f_hz: Option<f64>,
    /// The PLL's frequency estimate (the island detector's input).
    pub f_pll_hz: f64,
    /// The estimate rests at the edge of the PLL's range.
    pub pll_pinned: bool,
}

#[derive(Clone, Copy)]
struct Function {
    function: TripFunction,
    /// Threshold: v² in V² for voltage functions, Hz for frequency ones.
    threshold: f64,
    clearing_steps: u64,
    beyond_since: Option<u64>,
}

pub(crate) struct Protection {
    rate_hz: f64,
    nominal_v: f64,
    functions: Vec<Function>,
    islanding: IslandDetector,
    es_since: Option<u64>,
    ceased: Option<CeaseReason>,
    last_trip: Option<CeaseReason>,
}

fn steps(seconds: f64, rate_hz: f64) -> u64 {
    (seconds.max(0.0) * rate_hz).round() as u64
}

impl Protection {
    pub fn new(nominal_v: f64, nominal_hz: f64, rate_hz: f64, trip: &TripSettings) -> Self {
        let mut p = Protection {
            rate_hz,
            nominal_v,
            functions: Vec::with_capacity(8),
            islanding: IslandDetector::new(nominal_hz, rate_hz),
            es_since: None,
            ceased: None,
            last_trip: None,
        };
        p.configure(trip);
        p
    }

    /// Takes new settings; a missing function is disabled. Running timers
    /// of functions that stay configured are kept.
    pub fn configure(&mut self, trip: &TripSettings) {
        let old = std::mem::take(&mut self.functions);
        for function in TripFunction::ALL {
            let Some(s) = trip.get(function) else {
                continue;
            };
            let threshold = if function.is_voltage() {
                let v = s.pickup * self.nominal_v;
                v * v
            } else {
                s.pickup
            };
            let beyond_since = old
                .iter()
                .find(|f| f.function == function)
                .and_then(|f| f.beyond_since);
            self.functions.push(Function {
                function,
                threshold,
                clearing_steps: steps(s.clearing_time_s, self.rate_hz),
                beyond_since,
            });
        }
    }

    pub fn energized(&self) -> bool {
        self.ceased.is_none()
    }

    pub fn cease_reason(&self) -> Option<CeaseReason> {
        match self.ceased {
            Some(_) if self.es_since.is_some() => Some(CeaseReason::EnterServiceDelay),
            other => other,
        }
    }

    pub fn last_trip(&self) -> Option<CeaseReason> {
        self.last_trip
    }

    fn cease(&mut self, why: CeaseReason) {
        self.ceased = Some(why);
        self.last_trip = Some(why);
        self.es_since = None;
        self.islanding.reset();
        for f in &mut self.functions {
            f.beyond_since = None;
        }
    }

    /// Advances the state by one step. Returns true while energised.
    pub fn step(&mut self, r: &Reading, ai: &AntiIslanding, es: &EnterService) -> bool {
        if self.ceased.is_some() {
            self.enter_service(r, es);
        } else {
            self.trips(r);
            if self.ceased.is_none() {
                self.anti_islanding(r, ai);
            }
        }
        self.ceased.is_none()
    }

    fn trips(&mut self, r: &Reading) {
        let mut tripped = None;
        for f in &mut self.functions {
            let q = if f.function.is_voltage() {
                Some(r.mean_v2)
            } else {
                r.f_hz
            };
            let beyond = q.is_some_and(|q| {
                if f.function.is_over() {
                    q > f.threshold
                } else {
                    q < f.threshold
                }
            });
            if !beyond {
                f.beyond_since = None;
                continue;
            }
            let since = *f.beyond_since.get_or_insert(r.step);
            if tripped.is_none() && r.step - since >= f.clearing_steps {
                tripped = Some(f.function);
            }
        }
        if let Some(f) = tripped {
            self.cease(CeaseReason::Trip(f));
        }
    }

    fn anti_islanding(&mut self, r: &Reading, ai: &AntiIslanding) {
        if r.f_hz.is_none() {
            // No voltage crossing: nothing to judge (UV acts on a dead PCC).
            self.islanding.reset();
            return;
        }
        if self.islanding.step(r.step, r.f_pll_hz, r.pll_pinned, ai) {
            self.cease(CeaseReason::AntiIslanding);
        }
    }

    fn enter_service(&mut self, r: &Reading, es: &EnterService) {
        let v_lo = es.voltage_min_pu * self.nominal_v;
        let v_hi = es.voltage_max_pu * self.nominal_v;
        let inside = r.mean_v2 >= v_lo * v_lo
            && r.mean_v2 <= v_hi * v_hi
            && r.f_hz
                .is_some_and(|f| f >= es.frequency_min_hz && f <= es.frequency_max_hz);
        if !inside {
            self.es_since = None;
            return;
        }
        let since = *self.es_since.get_or_insert(r.step);
        if r.step - since >= steps(es.delay_s, self.rate_hz) {
            self.ceased = None;
            self.es_since = None;
            self.last_trip = None;
        }
    }
}
