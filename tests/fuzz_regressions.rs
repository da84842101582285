//! Inputs the fuzz targets in `fuzz/` found a defect with (issue 9), kept
//! as regression tests in the normal suite. Each names its target.

use std::path::Path;
use v2x_hil::model::{parse_plan, parse_profile, parse_rig, parse_site, ModelErrors};

/// Lines as YAML breaks them, in characters.
fn line_lengths(text: &str) -> Vec<usize> {
    text.split("\r\n")
        .flat_map(|l| l.split(['\n', '\r']))
        .map(|l| l.chars().count())
        .collect()
}

fn assert_inside(text: &str, errors: &ModelErrors) {
    let lines = line_lengths(text);
    for e in &errors.0 {
        let at = e.location();
        let len = lines.get(at.line.wrapping_sub(1));
        assert!(
            len.is_some_and(|&len| at.column >= 1 && at.column <= len + 1),
            "{e} is outside the {}-line input",
            lines.len()
        );
    }
}

/// `model_rig`, `model_site`, `model_plan`, `model_profile`: a syntax
/// error at the end of a file without a final newline was located on a
/// line after the last one (both YAML parsers end the last line
/// themselves); it is now at the end of the last line.
#[test]
fn syntax_errors_at_the_end_of_a_file_without_newline_point_inside_it() {
    let dir = Path::new("/nonexistent-v2x-hil-fuzz");
    let rig = "rig: a\nrigchar";
    let e = parse_rig(&dir.join("rig.yaml"), rig).unwrap_err();
    assert_inside(rig, &e);
    let at = e.0[0].location();
    assert_eq!((at.line, at.column), (2, 8), "{}", e.render());

    let site = "site:\n  id: N-VX\n-E20201  site\0\0addres\0\0s \0:";
    assert_inside(site, &parse_site(&dir.join("site.yaml"), site).unwrap_err());

    let plan = "plan: tiny\ntests:\n  - name: grid answers\n    steps:\n      - expect: { device: grid, quantity: voltage_v, value: 240, tolerance: 2, within_ll run ";
    assert_inside(plan, &parse_plan(&dir.join("plan.yaml"), plan).unwrap_err());

    let profile =
        "profile: p\ntrip:\n  of2: { pickup: 52.0, clearing_time_s: 0.16 }\n  of1: { pickufop: 51";
    assert_inside(
        profile,
        &parse_profile(&dir.join("profile.yaml"), profile).unwrap_err(),
    );

    // With a final newline the end of the file is the start of an empty line.
    let e = parse_rig(&dir.join("rig.yaml"), "rig: a\nrigchar\n").unwrap_err();
    assert_inside("rig: a\nrigchar\n", &e);
}

/// `model_plan`: an empty step (only a comment after its dash) at the end
/// of a file without a final newline was located on the line after the
/// last; it is now at the end of the file.
#[test]
fn an_empty_node_that_ends_the_file_is_located_inside_it() {
    let plan = "plan: p\ntests:\n  - name: setup\n    steps:\n      - close: { device: s3 }\n      - # the grid is lost";
    let e = parse_plan(Path::new("/nonexistent-v2x-hil-fuzz/plan.yaml"), plan).unwrap_err();
    assert_inside(plan, &e);
    assert!(e.render().contains("steps[1]"), "{}", e.render());
}

/// `model_rig`: a duplicate empty key whose second copy ends a file broken
/// into lines by CR alone was located on the line after the last.
#[test]
fn a_duplicate_key_that_ends_the_file_is_located_inside_it() {
    let rig = "?\r\r\r?\r ";
    let e = parse_rig(Path::new("/nonexistent-v2x-hil-fuzz/rig.yaml"), rig).unwrap_err();
    assert_inside(rig, &e);
    assert!(e.render().contains("duplicate key"), "{}", e.render());

    // `model_site`: the same with LF lines before the CR-only ones.
    let site =
        "esit:\n+++++t?lety: iE\r?\rty: iE\resit:\n+++++t?lety: iE\r?\rty: iE\r?\r\r\r?\r\r\r ";
    let e = parse_site(Path::new("/nonexistent-v2x-hil-fuzz/site.yaml"), site).unwrap_err();
    assert_inside(site, &e);
}

/// `report_fold`: a report's numbers did not survive canonical JSON and
/// back: serde_json's default float parser may be one ULP off, so a
/// journal value re-read gave another shortest form
/// (-0.000012478351304347828 came back …827). The crate now parses with
/// `float_roundtrip`: every number reads back to the same bits.
#[test]
fn canonical_numbers_read_back_to_the_same_value() {
    use v2x_hil::report::canonical::{es_number, to_canonical_string};
    for text in [
        "-0.000012478351304347828",
        "9.318695464467623",
        "-4.678712660869565e-7",
        "59.99981250058593",
    ] {
        let v: serde_json::Value = serde_json::from_str(text).unwrap();
        let x = v.as_f64().unwrap();
        let written = es_number(x);
        let back: f64 = serde_json::from_str::<serde_json::Value>(&written)
            .unwrap()
            .as_f64()
            .unwrap();
        assert_eq!(back.to_bits(), x.to_bits(), "{text} → {written}");
        assert_eq!(to_canonical_string(&v), written);
    }
}

/// `sunspec_map`: a trip-curve model announcing 65535 curves of 65535
/// points overflowed u32 while its length was computed; it is now "does
/// not fit a model" (the driver refuses the model).
#[test]
fn a_trip_curve_layout_too_large_for_any_model_is_refused_not_overflowed() {
    use v2x_hil::protocol::sunspec::curve::TripCurveLayout;
    for id in [707, 708, 709, 710] {
        let l = TripCurveLayout::for_model(id, u16::MAX, u16::MAX).unwrap();
        assert_eq!(l.total_len(), None);
        assert_eq!(l.model_len(), None);
        // Offsets saturate rather than wrap.
        let _ = l.tms(
            u16::MAX,
            v2x_hil::protocol::sunspec::curve::CurveGroup::MomCess,
            u16::MAX,
        );
    }
}
