//! Site file: every validation rule, with the error's location asserted.

use super::*;
use crate::model::load::text_from_bytes;

const HOME: &str = include_str!("../../sites/example-home.yaml");
const HOME_PATH: &str = "sites/example-home.yaml";

fn parse(text: &str) -> Result<Site, ModelErrors> {
    parse_site(Path::new(HOME_PATH), text)
}

fn errs(text: &str) -> ModelErrors {
    match parse(text) {
        Ok(_) => panic!("expected errors for:\n{text}"),
        Err(e) => e,
    }
}

/// `HOME` with one line's value replaced: the line that starts (after
/// indentation) with `key:`.
fn with(key: &str, value: &str) -> String {
    let mut out = String::new();
    let mut hit = false;
    for line in HOME.lines() {
        let indent = line.len() - line.trim_start().len();
        if !hit && line.trim_start().starts_with(&format!("{key}:")) {
            hit = true;
            out.push_str(&format!("{}{key}: {value}\n", &line[..indent]));
        } else {
            out.push_str(line);
            out.push('\n');
        }
    }
    assert!(hit, "no line `{key}:` in the example");
    out
}

/// (line, column, key path) of the only error.
fn one(e: &ModelErrors) -> (usize, usize, String) {
    assert_eq!(e.len(), 1, "expected one error, got:\n{}", e.render());
    let at = e.0[0].location();
    assert_eq!(at.file, Path::new(HOME_PATH));
    (at.line, at.column, e.0[0].key_path().to_string())
}

fn line_of(text: &str, needle: &str) -> usize {
    text.lines()
        .position(|l| l.contains(needle))
        .map(|i| i + 1)
        .unwrap_or_else(|| panic!("no `{needle}`"))
}

#[test]
fn the_home_example_loads_with_its_profile() {
    let s = parse(HOME).unwrap_or_else(|e| panic!("{}", e.render()));
    assert_eq!(s.site.id, "NE-V2X-0042");
    assert_eq!(s.site.utility, "Eversource");
    assert_eq!(
        s.site.program.as_deref(),
        Some("Massachusetts V2X pilot 2026")
    );
    assert_eq!(s.charger.serial, "EP11-2026-000731");
    assert_eq!(s.ev.vin.as_deref(), Some("1FTVW1ELXNWG00123"));
    assert_eq!(s.installer.licence.as_deref(), Some("MA-E-21345"));
    assert_eq!(s.commissioned_on, Some(IsoDate::new(2026, 11, 26).unwrap()));
    let p = s.profile.as_ref().expect("profile loaded");
    assert!(p.name.starts_with("ISO-NE"), "{}", p.name);
    assert_eq!(s.site.grid_profile.name, p.name);
    assert_eq!(
        s.site.grid_profile.path,
        Path::new("sites/../test-plans/profiles/iso-ne-srd.yaml")
    );
    assert_eq!(p.path, s.site.grid_profile.path);
}

#[test]
fn the_site_serializes_with_the_profile_name_and_path_only() {
    let s = parse(HOME).unwrap();
    let v = serde_json::to_value(&s).unwrap();
    assert_eq!(v["site"]["grid_profile"]["name"], s.profile.unwrap().name);
    assert_eq!(
        v["site"]["grid_profile"]["path"],
        "sites/../test-plans/profiles/iso-ne-srd.yaml"
    );
    assert_eq!(v["commissioned_on"], "2026-11-26");
    assert_eq!(v["ev"]["vin"], "1FTVW1ELXNWG00123");
    assert!(v.get("profile").is_none(), "{v:#}");
    assert!(!v.to_string().contains("clearing_time_s"), "{v}");
    let back: Site = serde_json::from_value(v).unwrap();
    assert_eq!(back.site, parse(HOME).unwrap().site);
    assert!(back.profile.is_none());
}

#[test]
fn the_depot_example_loads_and_optional_keys_may_be_omitted() {
    let path = Path::new("sites/example-depot.yaml");
    let s = load_site(path).unwrap_or_else(|e| panic!("{}", e.render()));
    assert_eq!(s.charger.serial, "000418");
    assert_eq!(s.ev.vin, None);
    assert_eq!(s.installer.licence, None);
    assert_eq!(s.commissioned_on, None);
    assert!(s.profile.unwrap().name.contains("Category III"));
    let v = serde_json::to_value(s_without_optionals()).unwrap();
    assert!(v["ev"].get("vin").is_none(), "{v:#}");
    assert!(v["site"].get("program").is_none(), "{v:#}");
    assert!(v["installer"].get("licence").is_none(), "{v:#}");
    assert!(v.get("commissioned_on").is_none(), "{v:#}");
}

fn s_without_optionals() -> Site {
    let mut h = parse(HOME).unwrap();
    h.ev.vin = None;
    h.site.program = None;
    h.installer.licence = None;
    h.commissioned_on = None;
    h
}

#[test]
fn numbers_and_dates_written_bare_stay_text() {
    let s = parse(&with("serial", "000418")).unwrap();
    assert_eq!(s.charger.serial, "000418");
    let s = parse(&with("model", "3")).unwrap();
    assert_eq!(s.charger.model, "3");
}

#[test]
fn unknown_keys_are_refused_and_name_the_valid_ones() {
    let text = HOME.replace("  serial: EP11", "  firmware: 1.2.0\n  serial: EP11");
    let e = errs(&text);
    let (line, col, key) = one(&e);
    assert_eq!((line, col), (line_of(&text, "firmware: 1.2.0"), 3));
    assert_eq!(key, "charger.firmware");
    let msg = e.render();
    assert!(msg.contains("unknown field `firmware`"), "{msg}");
    assert!(msg.contains("serial"), "{msg}");
    let e = errs(&format!("{HOME}notes: hi\n"));
    assert_eq!(
        one(&e),
        (line_of(HOME, "commissioned_on") + 1, 1, "notes".into())
    );
}

#[test]
fn missing_required_keys_are_located_at_their_mapping() {
    let text = HOME.replace("  serial: EP11-2026-000731\n", "");
    let e = errs(&text);
    let (line, _, key) = one(&e);
    assert_eq!(key, "charger");
    assert_eq!(line, line_of(&text, "make: Example Power"));
    assert!(
        e.render().contains("missing field `serial`"),
        "{}",
        e.render()
    );
    let text = HOME.replace("  utility: Eversource\n", "");
    assert!(errs(&text).render().contains("missing field `utility`"));
}

#[test]
fn duplicate_keys_are_refused() {
    let text = HOME.replace("  serial: EP11", "  make: Other\n  serial: EP11");
    let e = errs(&text);
    let (line, col, key) = one(&e);
    assert_eq!(
        (line, col, key.as_str()),
        (line_of(&text, "Other"), 3, "charger.make")
    );
    assert!(e.render().contains("duplicate key"), "{}", e.render());
}

#[test]
fn empty_file_lists_the_keys() {
    let e = errs("# nothing\n");
    assert_eq!(one(&e), (1, 1, String::new()));
    assert!(e.render().contains("installer"), "{}", e.render());
}

#[test]
fn text_values_must_be_one_nonblank_bounded_line() {
    let e = errs(&with("utility", "\"  \""));
    assert_eq!(
        one(&e),
        (line_of(HOME, "utility"), 3, "site.utility".into())
    );
    assert!(e.render().contains("empty"));
    for null in ["", "~", "null"] {
        let e = errs(&with("serial", null));
        assert_eq!(one(&e).2, "charger.serial", "{null}: {}", e.render());
    }
    let e = errs(&with("serial", "\"EP11\\n2026\""));
    assert_eq!(
        one(&e),
        (line_of(HOME, "serial"), 3, "charger.serial".into())
    );
    assert!(e.render().contains("control character"), "{}", e.render());
    let e = errs(&with("company", &"x".repeat(MAX_TEXT_CHARS + 1)));
    assert_eq!(
        one(&e),
        (line_of(HOME, "company"), 3, "installer.company".into())
    );
    assert!(parse(&with("company", &"é".repeat(MAX_TEXT_CHARS))).is_ok());
    for (key, path) in [
        ("address", "site.address"),
        ("program", "site.program"),
        ("licence", "installer.licence"),
        ("name", "installer.name"),
    ] {
        let e = errs(&with(key, "\"\""));
        assert_eq!(one(&e), (line_of(HOME, &format!("{key}:")), 3, path.into()));
    }
    // ev.make / ev.model: the second `make:` / `model:` in the file.
    let text = HOME.replace("make: Ford", "make: \"\"");
    assert_eq!(
        one(&errs(&text)),
        (line_of(HOME, "Ford"), 3, "ev.make".into())
    );
}

#[test]
fn site_id_rules() {
    let line = line_of(HOME, "id:");
    for (id, why) in [
        ("\"\"", "empty"),
        ("~", "empty"),
        (&"A".repeat(MAX_SITE_ID_CHARS + 1) as &str, "65 characters"),
        ("NE/V2X", "position 3"),
        ("\"NE V2X\"", "position 3"),
        ("..", "punctuation"),
        ("-rm", "punctuation"),
    ] {
        let e = errs(&with("id", id));
        assert_eq!(one(&e), (line, 3, "site.id".into()), "{id}");
        assert!(e.render().contains(why), "{id}: {}", e.render());
    }
    let ok = "a".repeat(MAX_SITE_ID_CHARS);
    assert_eq!(parse(&with("id", &ok)).unwrap().site.id, ok);
    assert!(parse(&with("id", "7.bus_v2g-1")).is_ok());
}

#[test]
fn vin_rules() {
    let line = line_of(HOME, "vin:");
    for (vin, why) in [
        ("1FTVW1ELXNWG0012", "16 characters"),
        ("1FTVW1ELXNWG001234", "18 characters"),
        ("1FTVW1ELXNWGO0123", "`O` at position 13"),
        ("IFTVW1ELXNWG00123", "`I` at position 1"),
        ("1FTVW1ELXNWG0012Q", "`Q` at position 17"),
        ("1FTVW1ELXNWG0012-", "'-' at position 17"),
        ("1FTVW1ELXNWG0012é", "'é' at position 17"),
        ("1ftvw1elxnwg00123", "capitals: 1FTVW1ELXNWG00123"),
    ] {
        let e = errs(&with("vin", vin));
        assert_eq!(one(&e), (line, 3, "ev.vin".into()), "{vin}");
        assert!(e.render().contains(why), "{vin}: {}", e.render());
    }
    assert!(errs(&with("vin", "1FTVW1ELXNWGO0123"))
        .render()
        .contains("digit 0"));
    // No check digit: a European VIN whose 9th character is no NA check digit.
    let s = parse(&with("vin", "WVWZZZ1KZ6W612345")).unwrap();
    assert_eq!(s.ev.vin.as_deref(), Some("WVWZZZ1KZ6W612345"));
}

#[test]
fn commissioned_on_rules() {
    let line = line_of(HOME, "commissioned_on");
    for (date, why) in [
        ("2026-02-30", "day 30 does not exist"),
        ("2026-13-01", "month 13"),
        ("26-11-2026", "YYYY-MM-DD"),
        ("2026-11-26T09:00:00Z", "YYYY-MM-DD"),
        ("\"next week\"", "YYYY-MM-DD"),
        ("20261126", "YYYY-MM-DD"),
    ] {
        let e = errs(&with("commissioned_on", date));
        assert_eq!(one(&e), (line, 1, "commissioned_on".into()), "{date}");
        assert!(e.render().contains(why), "{date}: {}", e.render());
    }
    assert_eq!(
        parse(&with("commissioned_on", "2028-02-29"))
            .unwrap()
            .commissioned_on
            .map(|d| d.to_string()),
        Some("2028-02-29".into())
    );
    assert_eq!(
        parse(&with("commissioned_on", "~"))
            .unwrap()
            .commissioned_on,
        None
    );
}

#[test]
fn a_missing_profile_is_located_at_grid_profile() {
    let e = errs(&with("grid_profile", "../test-plans/profiles/nope.yaml"));
    assert_eq!(
        one(&e),
        (line_of(HOME, "grid_profile"), 3, "site.grid_profile".into())
    );
    let msg = e.render();
    assert!(msg.contains("cannot read profile"), "{msg}");
    assert!(msg.contains("relative to the site file"), "{msg}");
    for empty in ["\"\"", "~", ""] {
        let e = errs(&with("grid_profile", empty));
        assert_eq!(one(&e).2, "site.grid_profile", "{empty}");
        assert!(
            e.render().contains("no grid profile path"),
            "{}",
            e.render()
        );
    }
}

#[test]
fn a_broken_profile_reports_errors_located_in_the_profile_file() {
    let dir = tempfile::tempdir().unwrap();
    let profile = dir.path().join("bad-profile.yaml");
    let ok = include_str!("../../test-plans/profiles/iso-ne-srd.yaml");
    let bad = ok.replace("ov1: { pickup: 1.10", "ov1: { pickup: 0.90");
    assert_ne!(ok, bad);
    std::fs::write(&profile, &bad).unwrap();
    let site_path = dir.path().join("site.yaml");
    let text = with("grid_profile", "bad-profile.yaml");
    let e = parse_site(&site_path, &text).unwrap_err();
    let at_site = e
        .iter()
        .find(|x| x.key_path() == "site.grid_profile")
        .unwrap_or_else(|| panic!("{}", e.render()));
    assert_eq!(at_site.location().file, site_path);
    assert_eq!(at_site.location().line, line_of(&text, "grid_profile"));
    let in_profile = e
        .iter()
        .find(|x| x.key_path() == "trip.ov1.pickup")
        .unwrap_or_else(|| panic!("{}", e.render()));
    assert_eq!(in_profile.location().file, profile);
    assert_eq!(in_profile.location().line, line_of(&bad, "ov1:"));
}

#[test]
fn every_semantic_error_is_collected() {
    let text = with("id", "\"\"")
        .replace("1FTVW1ELXNWG00123", "SHORT")
        .replace("2026-11-26", "2026-11-31")
        .replace("Eversource", "\"\"")
        .replace("iso-ne-srd.yaml", "missing.yaml");
    let e = errs(&text);
    let mut keys: Vec<&str> = e.iter().map(|x| x.key_path()).collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "commissioned_on",
            "ev.vin",
            "site.grid_profile",
            "site.id",
            "site.utility"
        ],
        "{}",
        e.render()
    );
    for err in e.iter() {
        assert!(
            err.to_string().starts_with(&format!("{HOME_PATH}:")),
            "{err}"
        );
    }
}

/// xorshift64*: small, deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const TOKENS: &[&str] = &[
    "[",
    "]",
    "{",
    "}",
    ":",
    "- ",
    "\n",
    "  ",
    "#",
    "&a ",
    "*a",
    "!!str ",
    "'",
    "\"",
    ",",
    "?",
    "|",
    ">",
    "---\n",
    "~",
    "null",
    "\t",
    "\u{0}",
    "é",
    "site",
    "vin",
    "0000-00-00",
    "9999-99-99",
    "IOQ",
    "..",
    "/",
    "<<: *a\n",
];

/// Random bytes and random mutations of the example: never a panic, every
/// failure a located error.
#[test]
fn never_panics_on_random_bytes_or_mutations() {
    let mut rng = Rng(0x5eed_5173_0f5e);
    let check = |r: Result<Site, ModelErrors>| {
        if let Err(e) = r {
            assert!(!e.is_empty());
            for err in e.iter() {
                let at = err.location();
                assert!(at.line >= 1 && at.column >= 1, "{err}");
            }
        }
    };
    for _ in 0..400 {
        let n = rng.below(300);
        let bytes: Vec<u8> = (0..n).map(|_| rng.next() as u8).collect();
        match text_from_bytes(Path::new(HOME_PATH), bytes) {
            Ok(text) => check(parse(&text)),
            Err(e) => assert_eq!(e.len(), 1),
        }
    }
    let chars: Vec<char> = HOME.chars().collect();
    for _ in 0..600 {
        let mut c = chars.clone();
        for _ in 0..1 + rng.below(4) {
            let at = rng.below(c.len() + 1).min(c.len());
            match rng.below(3) {
                0 if at < c.len() => {
                    let end = (at + 1 + rng.below(8)).min(c.len());
                    c.drain(at..end);
                }
                1 => {
                    let t = TOKENS[rng.below(TOKENS.len())];
                    for (i, ch) in t.chars().enumerate() {
                        c.insert(at + i, ch);
                    }
                }
                _ => {
                    if at < c.len() {
                        c[at] = char::from(rng.next() as u8 & 0x7f);
                    }
                }
            }
        }
        check(parse(&c.into_iter().collect::<String>()));
    }
}
