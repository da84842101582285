//! A device's `emulation:` keys checked against its role: the charger's
//! (trip_profile, anti_islanding, backup) and the emulated site meter's
//! (ct_reversed, meter_model) each belong to their own role.

use super::check::Checker;
use super::rig::{CtReversed, Role};
use super::rig_load::RawEmulation;

/// SunSpec meter models the emulated site meter serves: 201 (single
/// phase) and 202 (split phase, the 120/240 V service; the default).
pub const EMULATED_METER_MODELS: [u16; 2] = [201, 202];

pub(super) fn check_emulation_keys(c: &mut Checker, ek: &str, role: Role, e: &RawEmulation) {
    let charger_keys = [
        ("trip_profile", e.trip_profile.is_some()),
        ("anti_islanding", e.anti_islanding.is_some()),
        ("backup", e.backup.is_some()),
        ("ocpp", e.ocpp.is_some()),
    ];
    let meter_keys = [
        ("ct_reversed", e.ct_reversed.is_some()),
        ("meter_model", e.meter_model.is_some()),
        ("ocpp", false),
    ];
    let (wrong, valid): (&[(&str, bool)], &str) = match role {
        Role::Charger => (&meter_keys, "trip_profile, anti_islanding, backup, ocpp"),
        Role::SiteMeter => (&charger_keys, "ct_reversed, meter_model"),
        _ => return,
    };
    for (k, _) in wrong.iter().filter(|(_, given)| *given) {
        c.invalid(
            &format!("{ek}.{k}"),
            format!("`{k}` does not apply to {}", role.with_article()),
            format!("emulation keys for {}: {valid}", role.with_article()),
        );
    }
    if role != Role::SiteMeter {
        return;
    }
    if let Some(id) = e.meter_model {
        if !EMULATED_METER_MODELS.contains(&id) {
            c.invalid(
                &format!("{ek}.meter_model"),
                format!("the emulated site meter does not serve model {id}"),
                "expected 201 (single phase) or 202 (split phase, the default)",
            );
        }
    }
    let reversed = e.ct_reversed.unwrap_or_default();
    if e.meter_model == Some(201) && matches!(reversed, CtReversed::L2 | CtReversed::Both) {
        c.invalid(
            &format!("{ek}.ct_reversed"),
            "a single-phase meter (model 201) has one CT, on L1",
            "expected ct_reversed: l1 or none with meter_model: 201",
        );
    }
}
