//! The firmware gate of commissioning: the site names its program's
//! firmware catalog; a charger below the minimum is updated to the
//! approved image through its bootloader (and SunSpec then reports it), an
//! approved one passes untouched, a newer unknown one or a model the
//! catalog does not list fails with nothing flashed, and an image that
//! does not verify is refused before anything is erased — before the run
//! (exit 2) and, should it change under a running one, at the step.
//!
//! The CLI runs use a plan of the shipped commissioning plan's first three
//! tests (identity, firmware, the settings the site's compliance needs),
//! so each takes a second or two; the whole flow on the shipped plans is
//! in tests/commission.rs.

mod cli_common;
use cli_common::{ok, report_verify, root, v2x};
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use v2x_hil::exec::results::{GateDecision, Verdict};
use v2x_hil::exec::{RunEvent, Runner};
use v2x_hil::rig::{connect_with, ConnectOptions};

const DIGEST_1_1_0: &str = "1c3f3aae17a80a47f6d80fa2ea0975e5d4257b25a7383cb5ab2d0fd366d50e33";
/// v2x-charger-1.0.0.hex's: a real digest, of another image.
const DIGEST_1_0_0: &str = "8764aa2a6e40323e5b8dfcc6cb39326e82ad7f88e4f404310c846a6ad3426fde";

const GATE_PLAN: &str = "plan: identity, firmware and settings
tests:
  - name: the charger is the one the site file names
    steps:
      - identify: { device: charger, serial: site }
  - name: the charger runs approved firmware
    steps:
      - firmware_gate: { device: charger }
  - name: the utility's grid profile is written and reads back
    steps:
      - write_settings: { device: charger, profile: site, anti_islanding: true }
      - read_settings: { device: charger, compare_profile: site }
";

fn text(out: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// One commissioning's inputs in a temporary folder: the example home
/// site naming a copy of the shipped catalog, the home twin, the gate
/// plan and an installer key; each edited by `(from, to)` pairs.
struct Inputs {
    dir: tempfile::TempDir,
    site: PathBuf,
    rig: PathBuf,
    plan: PathBuf,
    key: PathBuf,
    public: PathBuf,
}

fn edited(text: String, edits: &[(&str, &str)]) -> String {
    edits.iter().fold(text, |t, (from, to)| {
        assert!(t.contains(from), "no `{from}` to replace");
        t.replace(from, to)
    })
}

fn inputs(catalog: &[(&str, &str)], site: &[(&str, &str)], rig: &[(&str, &str)]) -> Inputs {
    let dir = tempfile::tempdir().unwrap();
    let at = |p: &str| root().join(p).to_str().unwrap().to_string();
    let catalog_text =
        std::fs::read_to_string(root().join("programs/ma-v2x-pilot-2026/firmware.yaml"))
            .unwrap()
            .replace(
                "../../fixtures/firmware/",
                &format!("{}/", at("fixtures/firmware")),
            );
    std::fs::write(
        dir.path().join("firmware.yaml"),
        edited(catalog_text, catalog),
    )
    .unwrap();
    let site_text = std::fs::read_to_string(root().join("sites/example-home.yaml"))
        .unwrap()
        .replace(
            "../test-plans/profiles/iso-ne-srd.yaml",
            &at("test-plans/profiles/iso-ne-srd.yaml"),
        )
        .replace(
            "../programs/ma-v2x-pilot-2026/firmware.yaml",
            "firmware.yaml",
        );
    let site_path = dir.path().join("site.yaml");
    std::fs::write(&site_path, edited(site_text, site)).unwrap();
    let rig_text = std::fs::read_to_string(root().join("rigs/emulated-site-home.yaml")).unwrap();
    let rig_path = dir.path().join("rig.yaml");
    std::fs::write(&rig_path, edited(rig_text, rig)).unwrap();
    let plan = dir.path().join("plan.yaml");
    std::fs::write(&plan, GATE_PLAN).unwrap();
    ok(&v2x(&[
        "keys",
        "new",
        dir.path().join("installer").to_str().unwrap(),
    ]));
    Inputs {
        key: dir.path().join("installer.pem"),
        public: dir.path().join("installer.pub.pem"),
        site: site_path,
        rig: rig_path,
        plan,
        dir,
    }
}

impl Inputs {
    fn out(&self) -> PathBuf {
        self.dir.path().join("run")
    }

    fn commission(&self) -> std::process::Output {
        v2x(&[
            "commission",
            "--site",
            self.site.to_str().unwrap(),
            "--rig",
            self.rig.to_str().unwrap(),
            "--plan",
            self.plan.to_str().unwrap(),
            "--out",
            self.out().to_str().unwrap(),
            "--sign-key",
            self.key.to_str().unwrap(),
            "--yes",
        ])
    }

    fn report(&self) -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(self.out().join("report.json")).unwrap()).unwrap()
    }

    fn journal(&self) -> String {
        std::fs::read_to_string(self.out().join("journal.jsonl")).unwrap()
    }
}

/// The rig's charger identifies itself as running `version`.
fn running(version: &str) -> (&'static str, String) {
    (
        "serial: EP11-2026-000731, firmware: 1.0.0",
        format!("serial: EP11-2026-000731, firmware: {version}"),
    )
}

/// Nothing reached the charger's bootloader: no flash record, no UDS
/// exchange (an erase is one), the report's firmware as it was found.
fn assert_never_flashed(i: &Inputs, version: &str) {
    let journal = i.journal();
    assert!(!journal.contains("\"kind\":\"flash\""), "a flash record");
    assert!(
        !journal.contains("\"device\":\"charger bootloader\""),
        "the bootloader was spoken to"
    );
    let r = i.report();
    assert_eq!(r["firmware"]["version"], version, "{}", r["firmware"]);
    assert!(r["firmware"]["image_sha256"].is_null());
}

#[test]
fn a_newer_unknown_firmware_is_refused_and_never_flashed() {
    let (from, to) = running("9.9.0");
    let i = inputs(&[], &[], &[(from, &to)]);
    let run = i.commission();
    assert_eq!(run.status.code(), Some(1), "{}", text(&run));
    let said = text(&run);
    assert!(
        said.contains("firmware 9.9.0 refused (approved 1.1.0; minimum 1.1.0)"),
        "{said}"
    );
    ok(&report_verify(&i.out(), &i.public));
    let r = i.report();
    assert_eq!(r["verdict"], "fail");
    let gate = &r["tests"][1];
    assert_eq!(gate["verdict"], "fail");
    let reason = gate["reason"].as_str().unwrap();
    assert!(
        reason.contains("firmware 9.9.0 is not approved for this model (approved: 1.1.0)")
            && reason.contains("nothing was flashed"),
        "{reason}"
    );
    assert_eq!(gate["firmware_gates"][0]["decision"], "not_approved");
    // The compliance summary says it too.
    assert_eq!(r["compliance"]["holds"], false, "{}", r["compliance"]);
    assert!(
        r["compliance"]["reasons"]
            .to_string()
            .contains("not approved"),
        "{}",
        r["compliance"]
    );
    assert_never_flashed(&i, "9.9.0");
}

#[test]
fn an_approved_firmware_passes_untouched() {
    let (from, to) = running("1.1.0");
    let i = inputs(&[], &[], &[(from, &to)]);
    let run = i.commission();
    ok(&run);
    assert!(
        text(&run).contains("firmware 1.1.0 approved (minimum 1.1.0)"),
        "{}",
        text(&run)
    );
    assert_eq!(
        i.report()["tests"][1]["firmware_gates"][0]["decision"],
        "approved"
    );
    assert_never_flashed(&i, "1.1.0");
}

#[test]
fn a_model_the_catalog_does_not_list_fails_with_nothing_flashed() {
    // The site file names the catalogued model; the charger says otherwise.
    let i = inputs(
        &[],
        &[],
        &[("model: BiDi 11 kW, serial", "model: BiDi 22 kW, serial")],
    );
    let run = i.commission();
    assert_eq!(run.status.code(), Some(1), "{}", text(&run));
    let reason = i.report()["tests"][1]["reason"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        reason.contains("no approved firmware for Example Power BiDi 22 kW in")
            && reason.contains("firmware.yaml"),
        "{reason}"
    );
    assert_never_flashed(&i, "1.0.0");
}

#[test]
fn a_catalog_digest_that_does_not_match_its_image_is_refused_before_anything_is_sent() {
    let i = inputs(&[(DIGEST_1_1_0, DIGEST_1_0_0)], &[], &[]);
    let run = i.commission();
    assert_eq!(run.status.code(), Some(2), "{}", text(&run));
    let said = text(&run);
    // Located where the catalog lists the image, and says why.
    let catalog = i.dir.path().join("firmware.yaml");
    let line = std::fs::read_to_string(&catalog)
        .unwrap()
        .lines()
        .position(|l| l.contains("- version: 1.1.0"))
        .unwrap()
        + 1;
    let at = format!(
        "{}:{line}:9: approved image 1.1.0 does not verify",
        catalog.display()
    );
    assert!(said.contains(&at), "no `{at}` in:\n{said}");
    assert!(
        said.contains("SHA-256") || said.contains("sha256"),
        "{said}"
    );
    assert!(!i.out().exists(), "the run began");
}

#[test]
fn the_gate_needs_the_sites_catalog_and_the_chargers_bootloader() {
    // No catalog in the site file.
    let i = inputs(
        &[],
        &[(
            "  firmware_catalog: firmware.yaml   # the program's approved firmware\n",
            "",
        )],
        &[],
    );
    let run = i.commission();
    assert_eq!(run.status.code(), Some(2), "{}", text(&run));
    let said = text(&run);
    assert!(
        said.contains("steps[0].firmware_gate: the firmware gate holds the charger to the program's firmware catalog")
            && said.contains("`site.firmware_catalog`"),
        "{said}"
    );
    assert!(!i.out().exists());

    // No bootloader described for the charger.
    let rig = std::fs::read_to_string(root().join("rigs/emulated-site-home.yaml")).unwrap();
    let (start, end) = (
        rig.find("    firmware:\n").unwrap(),
        rig.find("    emulation:\n").unwrap(),
    );
    let i = inputs(&[], &[], &[(&rig[start..end], "")]);
    let run = i.commission();
    assert_eq!(run.status.code(), Some(2), "{}", text(&run));
    let said = text(&run);
    assert!(
        said.contains("firmware_gate.device: the gate updates a charger below the program's minimum through its bootloader")
            && said.contains("no `firmware:` block"),
        "{said}"
    );
}

/// Runs `plan` (bound to `site`) on the rig with the charger's bootloader
/// connected, the CLI's checks before the run skipped: what the runner
/// itself does. Returns the result, the event kinds, the bootloader's
/// state and what the charger says on SunSpec afterwards.
fn run_directly(
    i: &Inputs,
) -> (
    v2x_hil::exec::RunResult,
    Vec<&'static str>,
    v2x_hil::emulator::bootloader::BootloaderStatus,
    v2x_hil::device::Identity,
) {
    let site = v2x_hil::model::load_site(&i.site).unwrap();
    let rig = v2x_hil::model::load_rig(&i.rig).unwrap();
    let mut plan = v2x_hil::model::load_plan(&i.plan).unwrap();
    plan.bind_site(&site);
    let options = ConnectOptions {
        open_flasher: true,
        ..Default::default()
    };
    let mut c = connect_with(&rig, &options).unwrap();
    let interrupt = AtomicBool::new(false);
    let mut kinds = Vec::new();
    let mut observe = |e: RunEvent| {
        kinds.push(match e {
            RunEvent::Flash(_) => "flash",
            RunEvent::FirmwareGate(_) => "firmware_gate",
            RunEvent::Installer { .. } => "installer",
            _ => "other",
        })
    };
    let result = Runner::new(&mut c.rig, &interrupt, &mut observe).run(&plan);
    let status = c.emulation.as_ref().unwrap().bootloader.clone().unwrap();
    let status = status.lock().unwrap().clone();
    let after = c.rig.devices.charger.identify().unwrap();
    kinds.retain(|k| *k != "other");
    (result, kinds, status, after)
}

#[test]
fn an_old_charger_is_updated_and_sunspec_then_reports_the_approved_version() {
    let i = inputs(&[], &[], &[]);
    let (result, kinds, status, after) = run_directly(&i);
    assert_eq!(result.verdict(), Verdict::Pass, "{:?}", result.tests);
    let t = &result.tests[1];
    let gate = &t.firmware_gates[0];
    assert_eq!(gate.decision, GateDecision::Update);
    assert_eq!(
        (gate.version_before.as_str(), gate.version_after.as_str()),
        ("1.0.0", "1.1.0")
    );
    assert_eq!(gate.image.as_ref().unwrap().sha256, DIGEST_1_1_0);
    assert_eq!(t.flashes.len(), 1);
    // The installer was asked, then the flash, then the gate's record.
    assert_eq!(kinds, ["installer", "flash", "firmware_gate"]);
    assert_eq!(status.running_version.as_deref(), Some("1.1.0"));
    assert_eq!(status.bytes_programmed, 7000);
    assert_eq!(after.firmware, "1.1.0");
}

#[test]
fn an_image_that_fails_verification_at_the_step_is_never_erased() {
    // Past the CLI's check (a catalog changed under a running commissioning,
    // or an image replaced): the step verifies again and erases nothing.
    let i = inputs(&[(DIGEST_1_1_0, DIGEST_1_0_0)], &[], &[]);
    let (result, kinds, status, after) = run_directly(&i);
    assert_eq!(result.verdict(), Verdict::Fail);
    let gate = &result.tests[1].firmware_gates[0];
    assert_eq!(gate.decision, GateDecision::Update);
    assert_eq!(gate.verdict, Verdict::Fail);
    let reason = gate.reason.as_deref().unwrap();
    assert!(
        reason.contains("the approved image 1.1.0 does not verify, so nothing was erased"),
        "{reason}"
    );
    assert!(gate.image.is_none());
    assert_eq!(kinds, ["installer", "firmware_gate"]);
    // The bootloader was never entered: the application still runs 1.0.0.
    assert_eq!(status.running_version.as_deref(), Some("1.0.0"));
    assert_eq!(status.bytes_programmed, 0);
    assert!(!status.unlocked);
    assert_eq!(after.firmware, "1.0.0");
}

#[test]
fn without_a_site_the_plan_check_asks_for_one() {
    let out = v2x(&[
        "plan",
        "check",
        "test-plans/commissioning-home.yaml",
        "--rig",
        "rigs/emulated-site-home.yaml",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let said = text(&out);
    let line = std::fs::read_to_string(root().join("test-plans/commissioning-home.yaml"))
        .unwrap()
        .lines()
        .position(|l| l.contains("- firmware_gate:"))
        .unwrap()
        + 1;
    let at = format!(
        "test-plans/commissioning-home.yaml:{line}:9: tests[1].steps[0].firmware_gate: the firmware gate"
    );
    assert!(said.contains(&at), "no `{at}` in:\n{said}");
}
