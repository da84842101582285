//! What an emulated site has that a real one simply has: the utility's
//! service at nominal behind the main breaker (the plant's grid source and
//! S3, never commanded by the harness), the home's own loads, the
//! customer's vehicle plugged into the charger, and the installer's hands
//! at the main breaker.

use super::{lock_plant, SharedPlant, SimClock};
use crate::device::chademo_ev::ChademoEv;
use crate::device::{EvCommand, EvSimulator};
use crate::exec::clock::Clock;
use crate::exec::operator::{InstallerAction, Operator, OperatorError};
use crate::model::EmulatedSite;
use crate::plant::{Agent, Plant};
use crate::transport::can::emulated::EmulatedCanBus;
use std::sync::Arc;
use std::time::Duration;

/// The customer's vehicle on the charger's CHAdeMO bus: plugged in, its
/// owner permitting discharge (a V2X enrolment), so the charger can both
/// import and export (CHAdeMO 0x200 permits discharge while 0x102 keeps
/// requesting charge current: the session is bidirectional).
pub struct SiteVehicle {
    _ev: ChademoEv,
}

/// Sets the site's loads and plugs its vehicle in on `bus`.
pub fn start_site(plant: &SharedPlant, site: &EmulatedSite, bus: &EmulatedCanBus) -> SiteVehicle {
    {
        let mut p = lock_plant(plant);
        p.set_home_load(site.home_load.p_w, site.home_load.q_var);
        p.set_grid_output(true);
        p.close_s3();
    }
    let clock: Arc<dyn Clock> = Arc::new(SimClock::new(plant.clone()));
    let mut ev = ChademoEv::start(
        Box::new(bus.port("vehicle")),
        clock,
        site.vehicle,
        "vehicle",
    );
    // The emulated bus accepts every frame: these cannot fail.
    let _ = ev.command(EvCommand::Plug);
    let _ = ev.command(EvCommand::StartDischarge);
    SiteVehicle { _ev: ev }
}

/// The emulated installer: does what is asked after a person's reaction
/// time, in simulated time, and agrees to every confirmation.
pub struct EmulatedInstaller {
    plant: SharedPlant,
    reaction: Duration,
}

impl EmulatedInstaller {
    pub fn new(plant: SharedPlant, site: &EmulatedSite) -> Self {
        EmulatedInstaller {
            plant,
            reaction: Duration::from_secs_f64(site.installer_reaction_s),
        }
    }
}

impl Operator for EmulatedInstaller {
    /// Returns at once, as a person told what to do walks to the panel:
    /// the breaker moves `installer_reaction_s` later in simulated time,
    /// and the plan's own measurements see it happen.
    fn ask(&mut self, action: InstallerAction, _text: &str) -> Result<(), OperatorError> {
        let mut p = lock_plant(&self.plant);
        let at = p.now() + self.reaction;
        let open = match action {
            InstallerAction::OpenMainBreaker => true,
            InstallerAction::CloseMainBreaker => false,
            InstallerAction::Confirm => return Ok(()),
        };
        p.add_agent(Box::new(BreakerHand {
            at,
            open,
            done: false,
        }));
        Ok(())
    }
}

/// One movement of the main breaker (the plant's S3) at an instant.
struct BreakerHand {
    at: Duration,
    open: bool,
    done: bool,
}

impl Agent for BreakerHand {
    fn next_wake(&self) -> Duration {
        if self.done {
            Duration::MAX
        } else {
            self.at
        }
    }

    fn wake(&mut self, plant: &mut Plant) {
        if self.open {
            plant.open_s3();
        } else {
            plant.close_s3();
        }
        self.done = true;
    }

    fn alive(&self) -> bool {
        !self.done
    }
}
