//! The `firmware_gate` step: the charger is identified (SunSpec model 1),
//! its make and model looked up in the program's firmware catalog, and its
//! running version judged. Approved and at or above the minimum passes;
//! below the minimum, the newest approved image goes on through the same
//! path as a `flash` step (verified first: digest, signature, memory map;
//! nothing is erased for an image that does not verify) and the charger
//! must then report that version; anything else fails with nothing
//! flashed, so a charger is never taken back to older firmware.

use super::gate_result::{FirmwareGate, GateDecision, GateImage};
use super::operator::InstallerAction;
use super::results::Verdict;
use super::runner::{RunEvent, Runner, StepError};
use crate::device::flasher::FlashReport;
use crate::device::Identity;
use crate::firmware::version::DottedVersion;
use crate::model::{ApprovedImage, ApprovedModel, FirmwareGateStep, Judgement};
use std::time::Duration;

/// How long the charger may take to answer again after its bootloader
/// resets it: a real one boots its application and Modbus server anew.
const REBOOT_WAIT: Duration = Duration::from_secs(120);
const REBOOT_POLL: Duration = Duration::from_secs(1);

impl Runner<'_> {
    pub(crate) fn firmware_gate(
        &mut self,
        s: &FirmwareGateStep,
        flashes: &mut Vec<FlashReport>,
    ) -> Result<FirmwareGate, StepError> {
        let catalog = s.catalog.as_ref().ok_or_else(|| {
            StepError::Abort("no firmware catalog is bound: the run has no site naming one".into())
        })?;
        self.role_of(&s.device)?;
        let before = self.rig.devices.charger.identify()?;
        let running = before.firmware.trim().to_string();
        let mut gate = FirmwareGate {
            device: s.device.clone(),
            catalog: catalog.name.clone(),
            catalog_file: catalog.source.display().to_string(),
            make: before.manufacturer.clone(),
            model: before.model.clone(),
            version_before: running.clone(),
            minimum_version: None,
            approved: Vec::new(),
            decision: GateDecision::NoEntry,
            image: None,
            version_after: running.clone(),
            verdict: Verdict::Fail,
            reason: None,
        };
        let Some(entry) = catalog.find(&before.manufacturer, &before.model) else {
            gate.reason = Some(format!(
                "no approved firmware for {} {} in {}: not commissioned",
                before.manufacturer,
                before.model,
                catalog.source.display()
            ));
            return Ok(gate);
        };
        gate.minimum_version = Some(entry.minimum_version.to_string());
        gate.approved = entry.approved_list();
        let approved = gate.approved.join(", ");
        match entry.judge(&running) {
            Judgement::Approved => {
                gate.decision = GateDecision::Approved;
                gate.verdict = Verdict::Pass;
            }
            Judgement::NotApproved => {
                gate.decision = GateDecision::NotApproved;
                let newer = entry
                    .newest()
                    .zip(DottedVersion::parse(&running).ok())
                    .is_some_and(|(n, r)| r > n.version);
                let why = if newer {
                    "newer than every approved version: the gate never installs older firmware"
                } else {
                    "at or above the minimum: the gate does not replace it"
                };
                gate.reason = Some(format!(
                    "firmware {running} is not approved for this model (approved: {approved}): not commissioned; nothing was flashed ({why})"
                ));
            }
            Judgement::Unreadable(e) => {
                gate.decision = GateDecision::Unreadable;
                gate.reason = Some(format!(
                    "the charger's firmware cannot be compared with the catalog ({e}; approved: {approved}): not commissioned; nothing was flashed"
                ));
            }
            Judgement::Update(image) => {
                gate.decision = GateDecision::Update;
                self.update(&mut gate, entry, image, flashes)?;
            }
        }
        Ok(gate)
    }

    /// Puts the newest approved image on a charger below the minimum, and
    /// reads its version again.
    fn update(
        &mut self,
        gate: &mut FirmwareGate,
        entry: &ApprovedModel,
        image: &ApprovedImage,
        flashes: &mut Vec<FlashReport>,
    ) -> Result<(), StepError> {
        let say = format!(
            "The charger runs firmware {}, below the program's minimum {}: it will be updated to {} through its bootloader (it stops while it is flashed, a few minutes). Go on?",
            gate.version_before, entry.minimum_version, image.version
        );
        // Agreeing to an update is not agreeing to export or import.
        let power_confirmed = self.power_confirmed;
        self.ask_installer(InstallerAction::Confirm, &say)?;
        self.power_confirmed = power_confirmed;
        let report = match self.flash_image(&image.image, Some(image.sha256.clone())) {
            Ok(r) => r,
            Err(StepError::Fail(why)) => {
                gate.reason = Some(format!(
                    "the approved image {} does not verify, so nothing was erased: {why}",
                    image.version
                ));
                return Ok(());
            }
            Err(e) => return Err(e),
        };
        self.emit(RunEvent::Flash(&report));
        flashes.push(report.clone());
        // Entering the bootloader stopped the application: no setpoint holds.
        self.charger_setpoint_w = 0.0;
        gate.image = Some(GateImage {
            version: image.version.to_string(),
            file: image.image.display().to_string(),
            sha256: report.sha256.clone(),
        });
        let after = self.identify_after_reset()?;
        gate.version_after = after.firmware.trim().to_string();
        let now = DottedVersion::parse(&gate.version_after).ok();
        if now.as_ref() == Some(&image.version) {
            gate.verdict = Verdict::Pass;
        } else {
            gate.reason = Some(format!(
                "after the update to {} the charger reports firmware {}: not commissioned",
                image.version, gate.version_after
            ));
        }
        Ok(())
    }

    /// The charger's identity once it answers again after the reset.
    fn identify_after_reset(&mut self) -> Result<Identity, StepError> {
        let deadline = self.rig.clock.now() + REBOOT_WAIT;
        loop {
            match self.rig.devices.charger.identify() {
                Ok(id) => return Ok(id),
                Err(e) if e.is_unresponsive() && self.rig.clock.now() < deadline => {
                    self.sleep(REBOOT_POLL)?;
                }
                Err(e) => return Err(e.into()),
            }
        }
    }
}

/// Before the run: the image the gate would put on the site file's charger
/// (its model's newest approved) verifies against the rig — digest,
/// signature, memory map — and carries the version the catalog says; and
/// the catalog knows that model at all. Nothing is connected yet.
pub(crate) fn preflight(g: &FirmwareGateStep, rig: &crate::model::Rig) -> Result<(), String> {
    let (Some(catalog), Some((make, model))) = (&g.catalog, &g.site_charger) else {
        // Unbound: the plan check refuses it, naming the step.
        return Ok(());
    };
    let entry = catalog.find(make, model).ok_or_else(|| {
        format!(
            "{}: the catalog `{}` approves no firmware for {make} {model}, the charger the site file names: add the model to the program's catalog, or correct the site file's charger make and model",
            catalog.source.display(),
            catalog.name
        )
    })?;
    let Some(image) = entry.newest() else {
        return Ok(());
    };
    let Some(fw) = rig.devices.get(&g.device).and_then(|d| d.firmware.as_ref()) else {
        // The plan check refuses a gate without the charger's firmware block.
        return Ok(());
    };
    let verified = super::firmware::verify_for_rig(fw, &image.image, Some(image.sha256.clone()), None)
        .map_err(|e| {
            format!(
                "{}: approved image {} does not verify against rig {}, so the gate could not update a charger below the minimum: {e}",
                image.at,
                image.version,
                rig.source.display()
            )
        })?;
    if let Some(h) = verified.header() {
        if DottedVersion::parse(&h.version).ok().as_ref() != Some(&image.version) {
            return Err(format!(
                "{}: the image {} carries firmware {}, not {} as the catalog says",
                image.at,
                image.image.display(),
                h.version,
                image.version
            ));
        }
    }
    Ok(())
}
