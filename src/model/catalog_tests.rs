use super::*;
use crate::model::error::ModelError;

const DIGEST: &str = "1c3f3aae17a80a47f6d80fa2ea0975e5d4257b25a7383cb5ab2d0fd366d50e33";

/// A catalog file as if it were beside the shipped one, so
/// its images resolve to the fixtures.
fn source() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("programs/ma-v2x-pilot-2026/test.yaml")
}

fn good() -> String {
    format!(
        "catalog: Test program approved firmware
chargers:
  - make: Example Power
    model: BiDi 11 kW
    minimum_version: 1.1.0
    approved:
      - version: 1.1.0
        image: ../../fixtures/firmware/v2x-charger-1.1.0.hex
        sha256: {}
      - version: 1.0.0
        image: ../../fixtures/firmware/v2x-charger-1.0.0.hex
        sha256: {DIGEST}
",
        DIGEST.to_ascii_uppercase()
    )
}

fn errors(text: &str) -> Vec<ModelError> {
    match parse_catalog(&source(), text) {
        Ok(c) => panic!("accepted: {c:?}"),
        Err(e) => e.0,
    }
}

/// (line, key path, message) of each error.
fn located(text: &str) -> Vec<(usize, String, String)> {
    errors(text)
        .iter()
        .map(|e| (e.location().line, e.key_path().to_string(), e.to_string()))
        .collect()
}

#[test]
fn a_good_catalog_loads_with_resolved_images_and_lower_case_digests() {
    let c = parse_catalog(&source(), &good()).unwrap();
    assert_eq!(c.name, "Test program approved firmware");
    let m = c.find("Example Power", "BiDi 11 kW").unwrap();
    assert_eq!(m.minimum_version.as_str(), "1.1.0");
    let newest = m.newest().unwrap();
    assert_eq!(newest.version.as_str(), "1.1.0");
    assert_eq!(newest.sha256, DIGEST);
    assert!(newest.image.is_file(), "{}", newest.image.display());
    assert_eq!(newest.at.line, 7);
    assert_eq!(m.approved_list(), ["1.0.0", "1.1.0"]);
}

#[test]
fn unknown_keys_are_located_and_name_the_valid_ones() {
    let text = good().replace(
        "    minimum_version",
        "    minimum: 1.0.0\n    minimum_version",
    );
    let e = located(&text);
    assert_eq!(e.len(), 1, "{e:?}");
    assert_eq!(e[0].0, 5);
    assert!(e[0].2.contains("unknown field `minimum`"), "{}", e[0].2);
    assert!(e[0].2.contains("minimum_version"), "{}", e[0].2);
}

#[test]
fn bad_digests_versions_and_missing_images_are_located() {
    let text = good()
        .replace(&DIGEST.to_ascii_uppercase(), &DIGEST[..63])
        .replace(
            &format!("sha256: {DIGEST}"),
            &format!("sha256: {}g", &DIGEST[..63]),
        )
        .replace("version: 1.0.0", "version: 1.0-rc1")
        .replace("v2x-charger-1.0.0.hex", "v2x-charger-0.9.0.hex");
    let e = located(&text);
    let keys: Vec<&str> = e.iter().map(|(_, k, _)| k.as_str()).collect();
    assert_eq!(
        keys,
        [
            "chargers[0].approved[0].sha256",
            "chargers[0].approved[1].version",
            "chargers[0].approved[1].sha256",
            "chargers[0].approved[1].image",
        ],
        "{e:?}"
    );
    assert_eq!(e[0].0, 9);
    assert!(e[0].2.contains("63 characters, not 64"), "{}", e[0].2);
    assert!(e[1].2.contains("`1.0-rc1` is not a dotted numeric version"));
    assert!(e[2].2.contains("'g' at position 64 is not a hex digit"));
    assert!(e[3].2.contains("no image file"), "{}", e[3].2);
    assert!(e[3].2.contains("v2x-charger-0.9.0.hex"), "{}", e[3].2);
    // The message names the file, line and column.
    assert!(e[0].2.contains("test.yaml:9:9: "), "{}", e[0].2);
}

#[test]
fn the_minimum_must_be_an_approved_version() {
    let e = located(&good().replace("minimum_version: 1.1.0", "minimum_version: 1.2.0"));
    assert_eq!(e.len(), 1, "{e:?}");
    assert_eq!(e[0].1, "chargers[0].minimum_version");
    assert!(
        e[0].2
            .contains("the minimum 1.2.0 is none of the approved versions (1.1.0, 1.0.0)"),
        "{}",
        e[0].2
    );
}

#[test]
fn a_model_twice_or_an_approved_version_twice_is_refused() {
    let twice = good().replace(
        "chargers:\n",
        "chargers:\n  - make: example power\n    model: BIDI 11 kW \n    minimum_version: 1.0.0\n    approved:\n      - { version: 1.0.0, image: ../../fixtures/firmware/v2x-charger-1.0.0.hex, sha256: 00000000000000000000000000000000000000000000000000000000000000ff }\n",
    );
    let e = located(&twice);
    assert_eq!(e.len(), 1, "{e:?}");
    assert_eq!(e[0].1, "chargers[1].model");
    assert!(e[0].2.contains("listed twice"));
    let again = good().replace("version: 1.0.0", "version: 1.1");
    let e = located(&again);
    assert_eq!(e[0].1, "chargers[0].approved[1].version", "{e:?}");
    assert!(e[0].2.contains("version 1.1 is listed twice"), "{}", e[0].2);
}

#[test]
fn an_unquoted_version_with_one_dot_stays_the_text_written() {
    // YAML would read 1.10 as the number 1.1; the catalog keeps the text.
    let text = good()
        .replace("minimum_version: 1.1.0", "minimum_version: 1.10")
        .replace("version: 1.1.0", "version: 1.10");
    let c = parse_catalog(&source(), &text).unwrap();
    let m = &c.models[0];
    assert_eq!(m.minimum_version.as_str(), "1.10");
    assert_eq!(m.newest().unwrap().version.as_str(), "1.10");
}

#[test]
fn an_empty_catalog_or_model_is_refused() {
    let e = located("catalog: x\nchargers: []\n");
    assert_eq!(e[0].1, "chargers");
    let e = located(&good().replace(
        &good()[good().find("      - version: 1.1.0").unwrap()..],
        "      []\n",
    ));
    assert!(
        e.iter().any(|(_, k, _)| k == "chargers[0].approved"),
        "{e:?}"
    );
    assert!(errors("").iter().any(|e| e.to_string().contains("empty")));
}
