//! Pure CHAdeMO session cores: the vehicle ([`EvSession`], what an EV
//! simulator plays) and the charger ([`ChargerSession`], what the emulated
//! charger runs). No I/O, threads or clocks: the caller passes `now` and
//! moves [`CanFrame`]s; it calls `tick` every [`super::CYCLE`] (100 ms).
//!
//! Both walk the shared [`Sequence`](super::Sequence) (plug → compatibility
//! check → lock → insulation test → contactors closed → energy transfer →
//! stop). What travels on hard-wired lines in a real installation (d1/d2,
//! switch k, j) is inferred from CAN here, so the same core runs against a
//! real charger over SocketCAN/SLCAN:
//! - switch k ↔ H'102.5.0 charging enabled;
//! - charger lock / d1 ↔ H'109.5.2;
//! - end of insulation test / d2 ↔ H'109.1-2 rising above
//!   [`BATTERY_PRESENT_MIN_V`](super::BATTERY_PRESENT_MIN_V) and falling
//!   back below [`INSULATION_TEST_END_MAX_V`](super::INSULATION_TEST_END_MAX_V),
//!   or [`INSULATION_TEST_MAX`] passing (for chargers that report 0 V).
//!
//! Timing sources (the specification is not public; values as the open
//! implementations code them):
//! - osexpert/ccs32clara-chademo `chademoCharger.cpp` (charger side):
//!   insulation test C-time 20 s, contactor close 4 s, current request 4 s,
//!   stop current ≤ 5 A within 0.5 s (C-time), 10 s fallbacks, D2→D1 0.5 s,
//!   1 s vehicle silence (`LAST_REQUEST_CURRENT_TIMEOUT_CYCLES`).
//! - jamiejones85/ESP32-Chademo `chademo.cpp` (vehicle side): 1 s charger
//!   silence (`lastCommTimeout = 1000`), opening contactors at once when the
//!   charger is unresponsive.

use std::time::Duration;

use crate::protocol::can::{CanFrame, CanId};

use super::{ChademoError, Message};

mod charger;
mod charger_frames;
mod charger_types;
mod ev;
mod ev_frames;
mod ev_types;

pub use charger::ChargerSession;
pub use charger_types::{
    ChargerConfig, ChargerFault, ChargerSessionStatus, ChargerTick, DcSideView, VehicleView,
};
pub use ev::EvSession;
pub use ev_types::{EvStatus, EvStopCause, RuntimeLimits, TransferRequest, VehicleConfig};

/// How long the vehicle tolerates silence from the charger (no H'108 or
/// H'109) before it stops: jamiejones85 `lastCommTimeout = 1000` ms ("allow
/// up to 1 second of comm fault"), symmetric with
/// [`super::VEHICLE_SILENCE_TIMEOUT`].
pub const CHARGER_SILENCE_TIMEOUT: Duration = Duration::from_secs(1);

/// How long the emulated charger keeps its output energised for the
/// insulation test. Our choice for the emulation: one second is long enough
/// for a 100 ms-cycle vehicle to see the test voltage in H'109 and well
/// inside the 20 s C-time ([`INSULATION_TEST_MAX`]).
pub const INSULATION_TEST_DURATION: Duration = Duration::from_secs(1);

/// Longest time from lock (switch k with H'102.5.0) to the end of the
/// insulation test (d2): osexpert "C-time 20 seconds or less from Switch(k)
/// && READY_TO_CHARGE to D2". The vehicle assumes the test over after it;
/// the charger fails the session if the vehicle has not closed its
/// contactors [`CONTACTOR_CLOSE_TIMEOUT`] after it.
pub const INSULATION_TEST_MAX: Duration = Duration::from_secs(20);

/// From d2 to the vehicle clearing H'102.5.3 (contactors closed): osexpert
/// "Spec: max 4 sec".
pub const CONTACTOR_CLOSE_TIMEOUT: Duration = Duration::from_secs(4);

/// From contactors closed to a current request (or a discharge permission):
/// osexpert "Spec: max 4 seconds from CONTACTOR_OPEN... cleared to
/// RequestCurrent > 0".
pub const CURRENT_REQUEST_TIMEOUT: Duration = Duration::from_secs(4);

/// The charger brings its current to ≤ 5 A within this after a normal stop:
/// osexpert "C-time: 0.5 seconds from Switch_k cleared to OutputCurrent <= 5".
/// The emulated charger ramps its DC limits linearly to 0 over it.
pub const STOP_RAMP_DOWN: Duration = Duration::from_millis(500);

/// Fallback when the current does not fall: osexpert `Stopping_WaitForLowAmps`
/// "lets use 10 sec".
pub const STOP_CURRENT_TIMEOUT: Duration = Duration::from_secs(10);

/// Welding detection / vehicle contactors open T-time: osexpert
/// `Stopping_WaitForCarContactorsOpen` "C-time <= 4.0s / T-time 10.0s".
pub const WELDING_DETECTION_TIMEOUT: Duration = Duration::from_secs(10);

/// From vehicle contactors open (d2 off) to unlock (d1 off): osexpert "spec
/// says, after setting D2:false wait 500ms before setting D1:false".
pub const UNLOCK_DELAY: Duration = Duration::from_millis(500);

/// A CAN frame carrying `message` (standard id, eight bytes).
pub(crate) fn to_can(message: &Message) -> Option<CanFrame> {
    let (id, data) = message.encode();
    let id = CanId::standard(id).ok()?;
    CanFrame::new(id, &data).ok()
}

/// Decodes a received CAN frame; extended ids and remote frames are not
/// CHAdeMO.
pub(crate) fn from_can(frame: &CanFrame) -> Result<Message, ChademoError> {
    let id = match frame.id() {
        CanId::Standard(id) if !frame.is_remote() => id,
        other => return Err(ChademoError::UnknownId((other.raw() & 0xFFFF) as u16)),
    };
    Message::decode(id, frame.data())
}

/// `later − earlier`, 0 when the clock seems to run backwards.
pub(crate) fn since(now: Duration, earlier: Duration) -> Duration {
    now.saturating_sub(earlier)
}

/// Rounds and clamps an ampere value to a one-byte CHAdeMO field.
pub(crate) fn amps_u8(a: f64) -> u8 {
    if a.is_nan() || a <= 0.0 {
        0
    } else if a >= 255.0 {
        255
    } else {
        a.round() as u8
    }
}

/// Rounds and clamps a volt value to a two-byte CHAdeMO field.
pub(crate) fn volts_u16(v: f64) -> u16 {
    if v.is_nan() || v <= 0.0 {
        0
    } else if v >= 65535.0 {
        u16::MAX
    } else {
        v.round() as u16
    }
}
