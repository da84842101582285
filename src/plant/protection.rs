//! The inverter's protection and service state: the eight IEEE 1547-2018
//! trip functions (§6.4.1 voltage, §6.5.1 frequency: a function trips when
//! its quantity stays beyond the pickup for the clearing time), the SFS
//! island detector, and enter service (§4.10.3: back inside the window for
//! the delay). Times are counted in whole steps so runs are bit-identical.

use super::CeaseReason;
use crate::der::{AntiIslanding, EnterService, TripFunction, TripSettings};

/// The SFS detector declares an island only after the frequency has stayed
/// out of its band this long. A stiff-grid frequency step is then left to
/// the OF/UF functions (OF2 clears in 0.16 s), while an island pushed out by
/// SFS still clears well inside 2 s.
pub const ANTI_ISLANDING_CONFIRM_S: f64 = 0.2;

/// Quantities the protection reads at one step.
pub(crate) struct Reading {
    pub step: u64,
    /// Mean of v² over the last nominal cycle.
    pub mean_v2: f64,
    /// Latest zero-crossing frequency; None when the voltage is not crossing.
    pub f_hz: Option<f64>,
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
    nominal_hz: f64,
    functions: Vec<Function>,
    ai_since: Option<u64>,
    /// The SFS detector's frequency estimate (see `AI_FILTER_CYCLES`).
    ai_f_hz: f64,
    es_since: Option<u64>,
    ceased: Option<CeaseReason>,
    last_trip: Option<CeaseReason>,
}

/// The SFS island detector judges a frequency low-pass filtered over this
/// many nominal cycles, as a PLL's frequency output is: the chopped current
/// into a low-Q island (a home's R ∥ L with no capacitance) distorts the
/// voltage so single half-periods scatter around the drift, and one of them
/// falling back inside the band must not restart the confirmation time. The
/// OF/UF trips keep the half-period value, to meet their clearing times.
pub const AI_FILTER_CYCLES: f64 = 2.0;

fn steps(seconds: f64, rate_hz: f64) -> u64 {
    (seconds.max(0.0) * rate_hz).round() as u64
}

impl Protection {
    pub fn new(nominal_v: f64, nominal_hz: f64, rate_hz: f64, trip: &TripSettings) -> Self {
        let mut p = Protection {
            rate_hz,
            nominal_v,
            nominal_hz,
            functions: Vec::with_capacity(8),
            ai_since: None,
            ai_f_hz: nominal_hz,
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
        self.ai_since = None;
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
        if let Some(f) = r.f_hz {
            let alpha = self.nominal_hz / (AI_FILTER_CYCLES * self.rate_hz);
            self.ai_f_hz += (f - self.ai_f_hz) * alpha.min(1.0);
        }
        let out = ai.enabled
            && r.f_hz.is_some()
            && (self.ai_f_hz - self.nominal_hz).abs() > ai.detect_deviation_hz;
        if !out {
            self.ai_since = None;
            return;
        }
        let since = *self.ai_since.get_or_insert(r.step);
        if r.step - since >= steps(ANTI_ISLANDING_CONFIRM_S, self.rate_hz) {
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
            // The detector starts from what the grid shows now, not from the island.
            self.ai_f_hz = r.f_hz.unwrap_or(self.nominal_hz);
        }
    }
}
