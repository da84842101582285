//! Text in the user's files (issue 9, defect 9): a UTF-8 byte order mark is
//! accepted with positions unchanged; control characters and bidirectional
//! controls are refused where they are written, and no message quotes one raw.

use std::path::Path;
use v2x_hil::model::*;

const RIG: &str = include_str!("../fixtures/model/rig.yaml");
const PLAN: &str = include_str!("../fixtures/model/plan.yaml");
const SITE: &str = include_str!("../sites/example-home.yaml");
const PROFILE: &str = include_str!("../test-plans/profiles/ieee1547-2018-cat-ii.yaml");
const BOM: &str = "\u{feff}";

fn rig(text: &str) -> Result<Rig, ModelErrors> {
    parse_rig(Path::new("fixtures/model/rig.yaml"), text)
}

fn plan(text: &str) -> Result<Plan, ModelErrors> {
    parse_plan(Path::new("fixtures/model/plan.yaml"), text)
}

fn site(text: &str) -> Result<Site, ModelErrors> {
    parse_site(Path::new("sites/example-home.yaml"), text)
}

fn profile(text: &str) -> Result<GridProfile, ModelErrors> {
    parse_profile(Path::new("p.yaml"), text)
}

/// (line, column, key path) of every error.
fn places(e: &ModelErrors) -> Vec<(usize, usize, String)> {
    e.iter()
        .map(|x| {
            let l = x.location();
            (l.line, l.column, x.key_path().to_string())
        })
        .collect()
}

#[test]
fn a_byte_order_mark_is_accepted_in_every_kind_of_file() {
    rig(&format!("{BOM}{RIG}")).unwrap();
    plan(&format!("{BOM}{PLAN}")).unwrap();
    site(&format!("{BOM}{SITE}")).unwrap();
    profile(&format!("{BOM}{PROFILE}")).unwrap();

    // From disk too (the BOM as the editor writes it, EF BB BF).
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("plan.yaml");
    let text = "plan: p\ntests:\n  - name: a\n    steps: [{ wait: { s: 1 } }]\n";
    std::fs::write(&p, [b"\xef\xbb\xbf".as_slice(), text.as_bytes()].concat()).unwrap();
    assert_eq!(load_plan(&p).unwrap().name, "p");
}

#[test]
fn with_a_byte_order_mark_errors_keep_their_line_and_column() {
    for broken in [
        // Schema error on the first line (serde's position).
        PLAN.replace("plan: islanding smoke", "plan: [islanding, smoke]"),
        // Semantic error on the first line (the spans pass's position).
        "rig: \"\"\n".to_string() + RIG.split_once('\n').unwrap().1,
        // Further down.
        PLAN.replace("quality_factor: 1.0", "quality_factor: 99"),
    ] {
        let plain = plan(&broken).err().or_else(|| rig(&broken).err()).unwrap();
        let with_bom = format!("{BOM}{broken}");
        let bom = plan(&with_bom)
            .err()
            .or_else(|| rig(&with_bom).err())
            .unwrap();
        assert_eq!(places(&bom), places(&plain), "{}", bom.render());
    }
}

/// A parser of one kind of file, its value dropped.
type Parse = fn(&str) -> Result<(), ModelErrors>;

fn as_plan(t: &str) -> Result<(), ModelErrors> {
    plan(t).map(drop)
}
fn as_rig(t: &str) -> Result<(), ModelErrors> {
    rig(t).map(drop)
}
fn as_site(t: &str) -> Result<(), ModelErrors> {
    site(t).map(drop)
}
fn as_profile(t: &str) -> Result<(), ModelErrors> {
    profile(t).map(drop)
}

#[test]
fn control_and_bidi_characters_are_refused_where_they_are_written() {
    // (parser, file, written, written instead, key path, what the error says)
    let cases: [(Parse, &str, &str, &str, &str, &str); 11] = [
        // Names, clauses and free text in plans, escaped or raw.
        (
            as_plan,
            PLAN,
            "plan: islanding smoke",
            "plan: \"islanding\\e[2J smoke\"",
            "plan",
            "control character U+001B (ESC) at position 10",
        ),
        (
            as_plan,
            PLAN,
            "at 100 % power",
            "at 100 % \u{202e}rewop",
            "tests[0].name",
            "U+202E (RIGHT-TO-LEFT OVERRIDE)",
        ),
        (
            as_plan,
            PLAN,
            "clause: IEEE 1547.1-2020 §5.10",
            "clause: \"IEEE\\a 1547.1\"",
            "tests[0].clause",
            "U+0007 (BEL)",
        ),
        (
            as_plan,
            PLAN,
            "description: one power level, three load points",
            "description: \"one power\\x9b level\"",
            "description",
            "control character U+009B (CSI)",
        ),
        // A line break may be in a description, not in a name.
        (
            as_plan,
            PLAN,
            "name: half power",
            "name: \"half\\npower\"",
            "tests[1].name",
            "U+000A (LINE FEED)",
        ),
        // A step's device reference is text too.
        (
            as_plan,
            PLAN,
            "{ device: s3, quantity",
            "{ device: \"s\\u20663\", quantity",
            "tests[1].steps[1].expect.device",
            "U+2066 (LEFT-TO-RIGHT ISOLATE)",
        ),
        // Rig: its name, a device name (a key), an identity.
        (
            as_rig,
            RIG,
            "rig: emulated-test",
            "rig: \"lab\\e]0;pwned\\a\"",
            "rig",
            "ESC",
        ),
        (
            as_rig,
            RIG,
            "  scope:\n",
            "  \"sc\u{202e}ope\":\n",
            "devices.sc\u{202e}ope",
            "of the key",
        ),
        (
            as_rig,
            RIG,
            "manufacturer: Example",
            "manufacturer: \"Exa\\rmple\"",
            "devices.charger.identity.manufacturer",
            "CARRIAGE RETURN",
        ),
        // Site text and a profile's name.
        (
            as_site,
            SITE,
            "utility: Eversource",
            "utility: \"Ever\\u202Esource\"",
            "site.utility",
            "RIGHT-TO-LEFT OVERRIDE",
        ),
        (
            as_profile,
            PROFILE,
            "profile: IEEE 1547-2018 Category II defaults",
            "profile: \"IEEE 1547-2018\\e[8m Category II\"",
            "profile",
            "ESC",
        ),
    ];
    for (parse, file, from, to, key_path, what) in cases {
        assert!(file.contains(from), "{from}");
        let e = parse(&file.replace(from, to)).expect_err(key_path);
        assert!(
            e.iter()
                .any(|x| x.key_path() == key_path && x.to_string().contains(what)),
            "{key_path} / {what}:\n{}",
            e.render()
        );
        // No message quotes a refused character raw (a key path neither).
        let text = e.render();
        assert!(!text.contains(v2x_hil::model::text::is_refused), "{text:?}");
    }
    let e = as_plan(&PLAN.replace("plan: islanding smoke", "plan: \"a\\eb\"")).unwrap_err();
    assert_eq!(places(&e), [(2, 7, "plan".to_string())]);
    let e = as_rig(&RIG.replace("  scope:\n", "  \"sc\u{202e}ope\":\n")).unwrap_err();
    assert!(
        e.render().contains("devices.sc\\u{202e}ope"),
        "{}",
        e.render()
    );
    as_plan(&PLAN.replace(
        "description: one power level, three load points",
        "description: \"two\\n\\tlines\"",
    ))
    .unwrap();
}

#[test]
fn paths_in_messages_are_escaped_too() {
    let e = load_plan(Path::new("missing-\u{1b}[31m.yaml")).unwrap_err();
    let text = e.render();
    assert!(text.contains("missing-\\u{1b}[31m.yaml"), "{text}");
    assert!(!text.contains('\u{1b}'), "{text:?}");
}
