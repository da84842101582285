//! Full-rate waveform history of (v_pcc, i_inverter) in a fixed ring: no
//! allocation while stepping.

/// Kept span; the contract promises at least 10 s.
pub const HISTORY_S: f64 = 11.0;

pub(crate) struct History {
    ring: Vec<(f32, f32)>,
}

impl History {
    pub fn new(rate_hz: f64) -> Self {
        let cap = ((HISTORY_S * rate_hz).ceil() as usize).max(1);
        History {
            ring: vec![(0.0, 0.0); cap],
        }
    }

    pub fn record(&mut self, step: u64, v: f64, i: f64) {
        let cap = self.ring.len() as u64;
        self.ring[(step % cap) as usize] = (v as f32, i as f32);
    }

    /// Steps still kept when the newest is `now_step`.
    pub fn first_kept(&self, now_step: u64) -> u64 {
        now_step.saturating_sub(self.ring.len() as u64 - 1)
    }

    pub fn get(&self, step: u64) -> (f32, f32) {
        let cap = self.ring.len() as u64;
        self.ring[(step % cap) as usize]
    }
}
