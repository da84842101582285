//! What an instrument at the utility's service point sees: the terminals
//! of the plant's grid source (the utility, or the grid simulator standing
//! in for it), where the grid simulator's own meter and a service-entrance
//! site meter both measure.

use crate::plant::Plant;

/// RMS values at the service point; power and reactive power flow from the
/// grid into the site (the PCC) when positive.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct ServicePoint {
    pub voltage_v: f64,
    /// Magnitude: apparent power over voltage.
    pub current_a: f64,
    pub frequency_hz: f64,
    pub power_w: f64,
    pub reactive_var: f64,
}

/// Grid off: nothing; S3 open: the unloaded source; otherwise the plant's
/// last-cycle measurement of what flows from the grid into the PCC.
pub fn service_point(plant: &Plant) -> ServicePoint {
    let idle = |voltage_v| ServicePoint {
        voltage_v,
        frequency_hz: plant.grid_frequency_hz(),
        ..ServicePoint::default()
    };
    if !plant.grid_output() {
        return idle(0.0);
    }
    if !plant.s3_closed() {
        return idle(plant.grid_voltage_v());
    }
    let m = plant.measure();
    let s = m.grid_power_w.hypot(m.grid_reactive_var);
    ServicePoint {
        voltage_v: m.pcc_voltage_rms_v,
        current_a: if m.pcc_voltage_rms_v > 0.0 {
            s / m.pcc_voltage_rms_v
        } else {
            0.0
        },
        frequency_hz: m.pcc_frequency_hz,
        power_w: m.grid_power_w,
        reactive_var: m.grid_reactive_var,
    }
}

/// What a site meter on the site's side of the main breaker sees (CTs on
/// the panel's main conductors, voltage taps on the panel bus; NEC 230.82
/// puts the service disconnect ahead of such equipment): the same as
/// [`service_point`] with the breaker closed; with it open no current, and
/// the panel's own voltage: none, unless the site backfeeds it.
pub fn panel_point(plant: &Plant) -> ServicePoint {
    if plant.s3_closed() && plant.grid_output() {
        return service_point(plant);
    }
    let m = plant.measure();
    ServicePoint {
        voltage_v: m.pcc_voltage_rms_v,
        current_a: 0.0,
        frequency_hz: m.pcc_frequency_hz,
        power_w: 0.0,
        reactive_var: 0.0,
    }
}
