//! `v2x-hil site check`: exit 0 on the examples, exit 2 with a located error
//! (file, line, key) on each bad fixture.

mod cli_common;
use cli_common::{root, v2x};

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// 1-based line of the first line of `file` containing `needle`.
fn line_of(file: &str, needle: &str) -> usize {
    let body = std::fs::read_to_string(root().join(file)).expect("fixture exists");
    body.lines()
        .position(|l| l.contains(needle))
        .map(|i| i + 1)
        .unwrap_or_else(|| panic!("no `{needle}` in {file}"))
}

#[test]
fn the_examples_pass_with_a_summary() {
    for (file, id, utility, profile, serial) in [
        (
            "sites/example-home.yaml",
            "NE-V2X-0042",
            "Eversource",
            "ISO-NE Source Requirement Document",
            "EP11-2026-000731",
        ),
        (
            "sites/example-depot.yaml",
            "DEPOT-7.bus-v2g",
            "National Grid",
            "IEEE 1547-2018 Category III defaults",
            "000418",
        ),
    ] {
        let out = v2x(&["site", "check", file]);
        let stdout = text(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "{file}: {}", text(&out.stderr));
        for want in [id, utility, profile, serial, "is valid"] {
            assert!(stdout.contains(want), "{file}: no `{want}` in:\n{stdout}");
        }
    }
}

#[test]
fn unconfirmed_profile_values_are_pointed_out() {
    let out = v2x(&["site", "check", "sites/example-home.yaml"]);
    assert!(
        text(&out.stdout).contains("marked unconfirmed"),
        "{}",
        text(&out.stdout)
    );
    let out = v2x(&["site", "check", "sites/example-depot.yaml"]);
    assert!(
        !text(&out.stdout).contains("unconfirmed"),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn bad_fixtures_exit_2_naming_file_line_and_key() {
    for (file, needle, column, key, what) in [
        (
            "fixtures/sites/unknown-key.yaml",
            "firmware:",
            3,
            "charger.firmware",
            "unknown field `firmware`",
        ),
        (
            "fixtures/sites/bad-vin.yaml",
            "vin:",
            3,
            "ev.vin",
            "`O` at position 13",
        ),
        (
            "fixtures/sites/missing-serial.yaml",
            "make: Example Power",
            3,
            "charger",
            "missing field `serial`",
        ),
        (
            "fixtures/sites/bad-date.yaml",
            "commissioned_on:",
            1,
            "commissioned_on",
            "day 30 does not exist",
        ),
        (
            "fixtures/sites/missing-profile.yaml",
            "grid_profile:",
            3,
            "site.grid_profile",
            "cannot read profile",
        ),
    ] {
        let out = v2x(&["site", "check", file]);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{file}: {stderr}");
        assert!(out.stdout.is_empty(), "{file}: {}", text(&out.stdout));
        let at = format!("{file}:{}:{column}: {key}: ", line_of(file, needle));
        assert!(stderr.contains(&at), "{file}: no `{at}` in:\n{stderr}");
        assert!(stderr.contains(what), "{file}: no `{what}` in:\n{stderr}");
    }
}

#[test]
fn a_missing_or_binary_site_file_is_bad_input() {
    let out = v2x(&["site", "check", "fixtures/sites/no-such-site.yaml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("no-such-site.yaml: cannot read"));
    let out = v2x(&["site", "check", "fixtures/model/rig-binary.yaml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("not UTF-8"),
        "{}",
        text(&out.stderr)
    );
    let out = v2x(&["site", "check"]);
    assert_eq!(out.status.code(), Some(2), "usage error");
}

#[test]
fn a_broken_firmware_catalog_is_reported_in_its_own_file() {
    let site = "fixtures/sites/bad-catalog.yaml";
    let catalog = "fixtures/programs/bad-firmware.yaml";
    let out = v2x(&["site", "check", site]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(out.stdout.is_empty(), "{}", text(&out.stdout));
    let at = format!(
        "{site}:{}:3: site.firmware_catalog: firmware catalog",
        line_of(site, "firmware_catalog:")
    );
    assert!(stderr.contains(&at), "no `{at}` in:\n{stderr}");
    // Every mistake, each at its own line of the catalog (as the site
    // file's folder reaches it).
    for (needle, key, what) in [
        (
            "d50e3\n",
            "chargers[0].approved[0].sha256",
            "63 characters, not 64",
        ),
        (
            "1.2.0-beta",
            "chargers[0].approved[1].version",
            "`1.2.0-beta` is not a dotted numeric version",
        ),
        (
            "0.9.0.hex",
            "chargers[0].approved[2].image",
            "no image file",
        ),
    ] {
        let body = std::fs::read_to_string(root().join(catalog)).unwrap();
        let line = body[..body.find(needle).unwrap()].lines().count();
        let at = format!("fixtures/sites/../programs/bad-firmware.yaml:{line}:9: {key}: {what}");
        assert!(stderr.contains(&at), "no `{at}` in:\n{stderr}");
    }
}

#[test]
fn the_examples_show_the_programs_approved_firmware() {
    let out = v2x(&["site", "check", "sites/example-home.yaml"]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        stdout.contains("firmware      Massachusetts V2X pilot 2026, approved charger firmware"),
        "{stdout}"
    );
    assert!(
        stdout.contains("Example Power BiDi 11 kW: minimum 1.1.0, approved 1.1.0"),
        "{stdout}"
    );
}
