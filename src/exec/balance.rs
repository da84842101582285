//! Tunes the RLC island load to the charger's output, IEEE 1547.1-2020
//! §5.10.3: R for the charger's real power, L and C for quality factor Qf at
//! nominal, then trimmed until the real and reactive power through S3 (which
//! the grid simulator measures) are within the residual limit (≤ 0.02 pu).

use super::runner::{Runner, StepError};
use crate::device::RlcSetting;
use std::time::Duration;

/// Settling time after each load change: several power-loop time constants.
const SETTLE: Duration = Duration::from_millis(600);
const MAX_ITERATIONS: usize = 10;

pub(crate) fn balance_load(
    r: &mut Runner,
    quality_factor: f64,
    max_residual_pu: f64,
) -> Result<RlcSetting, StepError> {
    let rating = r.rig.facts.charger_rating_w;
    let status = r.rig.devices.charger.status()?;
    if !status.energized || status.power_w <= 0.01 * rating {
        return Err(StepError::Fail(format!(
            "balance_load needs the charger exporting; it reports {:.0} W{}",
            status.power_w,
            if status.energized {
                ""
            } else {
                " and not energised"
            }
        )));
    }
    let p = status.power_w;
    let mut setting = RlcSetting {
        p_w: p,
        ql_var: quality_factor * p,
        qc_var: quality_factor * p,
    };
    let load = r
        .rig
        .devices
        .load
        .as_mut()
        .ok_or_else(|| StepError::Abort("the rig has no island load".into()))?;
    load.set_load(setting)?;
    load.set_input(true)?;
    r.sleep(SETTLE)?;
    let tolerance_w = max_residual_pu * rating;
    for _ in 0..MAX_ITERATIONS {
        let through_s3 = r.rig.devices.grid()?.measure()?;
        if through_s3.power_w.abs() <= tolerance_w && through_s3.reactive_var.abs() <= tolerance_w {
            return Ok(setting);
        }
        // Power the grid supplies is load the charger does not cover.
        setting.p_w = (setting.p_w - through_s3.power_w).max(0.0);
        // Inductive vars from the grid: more capacitance cancels them.
        setting.qc_var = (setting.qc_var + through_s3.reactive_var).max(0.0);
        if let Some(load) = r.rig.devices.load.as_mut() {
            load.set_load(setting)?;
        }
        r.sleep(SETTLE)?;
    }
    let m = r.rig.devices.grid()?.measure()?;
    Err(StepError::Fail(format!(
        "could not balance the island load: {:.0} W and {:.0} var still flow through S3 \
         (limit {:.0} W / var = {max_residual_pu} pu)",
        m.power_w, m.reactive_var, tolerance_w
    )))
}
