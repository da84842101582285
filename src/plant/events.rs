//! Ground truth of island events: when S3 opened, and the instant after
//! which PCC voltage and inverter current stayed below 0.05 pu (IEEE
//! 1547.1-2020 §5.10: the clearing time ends when both are below 0.05 pu);
//! and of grid steps and the charger's cessations, for trip tests.

use super::{step_time, CeaseReason, IslandEvent};
use std::collections::VecDeque;
use std::time::Duration;

/// Grid steps and cessations kept (the most recent): a long run does not
/// grow them without bound.
const KEPT_EVENTS: usize = 256;

/// When the grid's setting changed and when the charger ceased, as the
/// plant saw them (for tests of what the instruments measure).
#[derive(Default)]
pub(crate) struct EventTruth {
    pub grid_steps: VecDeque<Duration>,
    pub cessations: VecDeque<(Duration, CeaseReason)>,
}

impl EventTruth {
    pub fn grid_step(&mut self, at: Duration) {
        if self.grid_steps.len() == KEPT_EVENTS {
            self.grid_steps.pop_front();
        }
        self.grid_steps.push_back(at);
    }

    pub fn ceased(&mut self, at: Duration, why: CeaseReason) {
        if self.cessations.len() == KEPT_EVENTS {
            self.cessations.pop_front();
        }
        self.cessations.push_back((at, why));
    }
}

pub(crate) struct IslandTruth {
    pub events: Vec<IslandEvent>,
    v_thr: f64,
    i_thr: f64,
    /// A run of samples below both thresholds counts as cleared only once
    /// it is one nominal cycle long: a live sinusoid passes below 0.05 pu
    /// around every zero crossing.
    hold_steps: u64,
    open: bool,
    last_above_step: u64,
}

impl IslandTruth {
    pub fn new(nominal_v: f64, rated_a: f64, nominal_hz: f64, rate_hz: f64) -> Self {
        IslandTruth {
            events: Vec::new(),
            v_thr: 0.05 * std::f64::consts::SQRT_2 * nominal_v,
            i_thr: 0.05 * std::f64::consts::SQRT_2 * rated_a,
            hold_steps: (rate_hz / nominal_hz).ceil() as u64,
            open: false,
            last_above_step: 0,
        }
    }

    pub fn open(&mut self, step: u64, at: std::time::Duration) {
        self.events.push(IslandEvent {
            s3_opened_at: at,
            cleared_at: None,
        });
        self.open = true;
        self.last_above_step = step;
    }

    pub fn close(&mut self) {
        self.open = false;
    }

    /// Follows one sample while S3 is open.
    pub fn sample(&mut self, step: u64, v: f64, i: f64, rate_hz: f64) {
        if !self.open {
            return;
        }
        let Some(event) = self.events.last_mut() else {
            return;
        };
        if v.abs() > self.v_thr || i.abs() > self.i_thr {
            self.last_above_step = step;
            event.cleared_at = None;
        } else if step - self.last_above_step == self.hold_steps {
            event.cleared_at = Some(step_time(self.last_above_step, rate_hz));
        }
    }
}
