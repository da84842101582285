//! Shared setup for the SCPI integration tests.
#![allow(dead_code)]

use std::sync::{Arc, Mutex};
use v2x_hil::der::{AntiIslanding, EnterService, TripSettings};
use v2x_hil::device::Identity;
use v2x_hil::emulator::scpi::{emulated_instrument, ScpiRatings};
use v2x_hil::emulator::{SharedPlant, SimLink};
use v2x_hil::plant::{InverterConfig, Plant, PlantConfig};

pub fn plant() -> SharedPlant {
    Arc::new(Mutex::new(Plant::new(PlantConfig {
        nominal_voltage_v: 240.0,
        nominal_frequency_hz: 60.0,
        step_rate_hz: 20_000.0,
        inverter: InverterConfig {
            rating_w: 11_500.0,
            trip: TripSettings::ieee1547_cat_ii(),
            enter_service: EnterService::ieee1547_default(),
            anti_islanding: AntiIslanding::default(),
        },
    })))
}

pub fn identity(model: &str) -> Identity {
    Identity {
        manufacturer: "Emulated".into(),
        model: model.into(),
        serial: "SN0001".into(),
        firmware: "1.0".into(),
    }
}

pub fn link(plant: &SharedPlant, driver: &str, baud: u32) -> SimLink {
    let inst = emulated_instrument(driver, identity(driver), ScpiRatings::default()).unwrap();
    SimLink::new(plant.clone(), inst, baud, 10, driver)
}
