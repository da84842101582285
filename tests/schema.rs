//! `v2x-hil schema` (issue 14 item 2): the JSON Schema of each file kind,
//! committed under schemas/ and named by a yaml-language-server modeline on
//! the first line of every shipped file. An independent validator
//! (check-jsonschema, the python-jsonschema CLI that pre-commit hooks use)
//! accepts every shipped file and refuses what our loader refuses for its
//! shape.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

const KINDS: [&str; 5] = ["rig", "plan", "site", "profile", "catalog"];

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn tool() -> Command {
    Command::new(env!("CARGO_BIN_EXE_v2x-hil"))
}

fn printed_schema(kind: &str) -> String {
    let out = tool().args(["schema", kind]).output().unwrap();
    assert!(out.status.success(), "schema {kind}: {out:?}");
    String::from_utf8(out.stdout).unwrap()
}

/// The shipped YAML files of each kind, as paths from the repository root.
fn shipped(kind: &str) -> Vec<PathBuf> {
    let folders: &[&str] = match kind {
        "rig" => &["rigs"],
        "plan" => &["test-plans"],
        "site" => &["sites"],
        "profile" => &["test-plans/profiles"],
        "catalog" => &["programs/ma-v2x-pilot-2026"],
        _ => unreachable!(),
    };
    let mut files = Vec::new();
    for folder in folders {
        for entry in std::fs::read_dir(root().join(folder)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "yaml") {
                files.push(path.strip_prefix(root()).unwrap().to_path_buf());
            }
        }
    }
    files.sort();
    assert!(!files.is_empty(), "no shipped {kind} files");
    files
}

#[test]
fn schema_prints_draft_07_json_schema_for_each_kind() {
    for kind in KINDS {
        let schema: serde_json::Value = serde_json::from_str(&printed_schema(kind)).unwrap();
        assert_eq!(
            schema["$schema"], "http://json-schema.org/draft-07/schema#",
            "{kind}"
        );
        assert_eq!(schema["type"], "object", "{kind}");
        // Unknown keys are refused, as the loader's deny_unknown_fields does.
        assert_eq!(schema["additionalProperties"], false, "{kind}");
    }
    let out = tool().args(["schema", "rigg"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("possible values: rig, plan, site, profile, catalog"));
}

#[test]
fn committed_schemas_are_what_the_tool_prints() {
    for kind in KINDS {
        let file = format!("schemas/{kind}.schema.json");
        let committed = std::fs::read_to_string(root().join(&file)).unwrap();
        assert!(
            committed == printed_schema(kind),
            "{file} is not what this build prints: \
             cargo run -- schema {kind} > {file}"
        );
    }
}

#[test]
fn every_shipped_file_names_its_schema_on_its_first_line() {
    for kind in KINDS {
        for file in shipped(kind) {
            let text = std::fs::read_to_string(root().join(&file)).unwrap();
            let first = text.lines().next().unwrap_or("");
            let depth = file.components().count() - 1;
            let want = format!(
                "# yaml-language-server: $schema={}schemas/{kind}.schema.json",
                "../".repeat(depth)
            );
            assert_eq!(first, want, "{}", file.display());
            let target = root()
                .join(file.parent().unwrap())
                .join(want.split_once('=').unwrap().1);
            assert!(target.exists(), "{}: {}", file.display(), target.display());
        }
    }
}

/// check-jsonschema from the Python the interop tests use (.ci/run's venv).
fn check_jsonschema(test: &str) -> Option<PathBuf> {
    let python = common::python(test, &["check_jsonschema"])?;
    let beside = Path::new(&python).with_file_name("check-jsonschema");
    Some(if beside.exists() {
        beside
    } else {
        PathBuf::from("check-jsonschema")
    })
}

fn validate(program: &Path, kind: &str, files: &[PathBuf]) -> std::process::Output {
    Command::new(program)
        .current_dir(root())
        .arg("--schemafile")
        .arg(format!("schemas/{kind}.schema.json"))
        .args(files)
        .output()
        .unwrap()
}

#[test]
fn check_jsonschema_accepts_every_shipped_file() {
    let Some(program) = check_jsonschema("check_jsonschema_accepts_every_shipped_file") else {
        return;
    };
    for kind in KINDS {
        let files = shipped(kind);
        let out = validate(&program, kind, &files);
        assert!(
            out.status.success(),
            "{kind}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// Files whose shape is wrong: check-jsonschema refuses each, and so does
/// the loader (exit 2, the key named).
#[test]
fn check_jsonschema_refuses_what_the_loader_refuses() {
    let Some(program) = check_jsonschema("check_jsonschema_refuses_what_the_loader_refuses") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let plan = "plan: p\ntests:\n  - name: t\n    steps:\n";
    let cases: &[(&str, &str, String, &str)] = &[
        ("plan", "plan check", format!("{plan}      - wiat: {{ s: 1 }}\n"), "wiat"),
        (
            "plan",
            "plan check",
            format!("{plan}      - wait: {{ s: 1 }}\n        island: {{}}\n"),
            "island",
        ),
        (
            "plan",
            "plan check",
            format!("{plan}      - set: {{ device: grid, voltage: 240 }}\n"),
            "voltage",
        ),
        (
            "plan",
            "plan check",
            format!("{plan}      - set: {{ device: grid, output: maybe }}\n"),
            "output",
        ),
        (
            "rig",
            "rig check",
            "rig: r\ndevices:\n  grid:\n    role: grid_simulator\n    transport: { tcp: 'h:1', baudrate: 9 }\n"
                .to_string(),
            "baudrate",
        ),
        (
            "profile",
            "",
            "profile: p\nsource: s\ntrip:\n  ov3: { pickup: 1.2, clearing_time_s: 1 }\n".to_string(),
            "ov3",
        ),
    ];
    for (i, (kind, check, text, key)) in cases.iter().enumerate() {
        let file = dir.path().join(format!("case-{i}.yaml"));
        std::fs::write(&file, text).unwrap();
        let out = validate(&program, kind, std::slice::from_ref(&file));
        assert!(
            !out.status.success(),
            "check-jsonschema accepted case {i} ({kind}):\n{text}"
        );
        if check.is_empty() {
            continue;
        }
        let mut cmd = tool();
        cmd.args(check.split(' ')).arg(&file);
        let ours = cmd.output().unwrap();
        assert_eq!(ours.status.code(), Some(2), "{check} case {i}: {ours:?}");
        let said = String::from_utf8_lossy(&ours.stderr) + String::from_utf8_lossy(&ours.stdout);
        assert!(
            said.contains(key),
            "{check} case {i} does not name {key}: {said}"
        );
    }
    // The site fixtures that the loader refuses for their shape.
    let sites = [
        PathBuf::from("fixtures/sites/unknown-key.yaml"),
        PathBuf::from("fixtures/sites/missing-serial.yaml"),
    ];
    for site in &sites {
        let out = validate(&program, "site", std::slice::from_ref(site));
        assert!(!out.status.success(), "{}", site.display());
    }
}

/// yaml-language-server, the server behind the editors' YAML support, with
/// node: `$V2X_HIL_YAML_LANGUAGE_SERVER`, else what .ci/run installs under
/// target/ci-node (tests/node/package.json).
fn language_server(test: &str) -> Option<PathBuf> {
    if !common::tool(test, "node", &["--version"]) {
        return None;
    }
    let server = std::env::var_os("V2X_HIL_YAML_LANGUAGE_SERVER")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            root().join("target/ci-node/node_modules/yaml-language-server/bin/yaml-language-server")
        });
    if !server.exists() {
        common::skip(
            test,
            &format!(
                "no yaml-language-server at {} (.ci/run installs tests/node/package.json there)",
                server.display()
            ),
        );
        return None;
    }
    Some(server)
}

/// The editor's view of `files`: diagnostics per file, and the completion
/// labels at `complete_at` (line:column from 1) in the first.
fn open_in_editor(
    server: &Path,
    files: &[PathBuf],
    complete_at: Option<&str>,
) -> serde_json::Value {
    let mut cmd = Command::new("node");
    cmd.current_dir(root())
        .arg("tests/node/lsp-check.js")
        .arg(server)
        .args(files);
    if let Some(at) = complete_at {
        cmd.env("COMPLETE_AT", at);
    }
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "lsp-check.js: {out:?}");
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "lsp-check.js printed no JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

#[test]
fn the_editors_language_server_accepts_every_shipped_file() {
    let Some(server) = language_server("the_editors_language_server_accepts_every_shipped_file")
    else {
        return;
    };
    let files: Vec<PathBuf> = KINDS.iter().flat_map(|k| shipped(k)).collect();
    let seen = open_in_editor(&server, &files, None);
    for file in &files {
        let d = &seen["diagnostics"][file.to_str().unwrap()];
        // null would mean the server never answered for the file.
        assert_eq!(d, &serde_json::json!([]), "{}", file.display());
    }
}

/// A new plan that names its schema by the modeline: the editor flags the
/// misspelt key on its line and completes a step's keys from the schema.
#[test]
fn the_editors_language_server_flags_and_completes_a_new_plan() {
    let Some(server) =
        language_server("the_editors_language_server_flags_and_completes_a_new_plan")
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let modeline = format!(
        "# yaml-language-server: $schema={}\n",
        root().join("schemas/plan.schema.json").display()
    );
    let typo = dir.path().join("typo.yaml");
    std::fs::write(
        &typo,
        format!(
            "{modeline}plan: p\ntests:\n  - name: t\n    steps:\n      - set: {{ device: grid, voltag_v: 240 }}\n      - wait: {{ s: 1 }}\n        island: {{}}\n"
        ),
    )
    .unwrap();
    let blank = dir.path().join("blank.yaml");
    std::fs::write(
        &blank,
        format!("{modeline}plan: p\ntests:\n  - name: t\n    steps:\n      - set:\n          \n"),
    )
    .unwrap();
    let seen = open_in_editor(&server, &[blank.clone(), typo.clone()], Some("7:11"));
    let typo_seen = seen["diagnostics"][typo.to_str().unwrap()]
        .as_array()
        .unwrap();
    assert!(
        typo_seen
            .iter()
            .any(|d| d["line"] == 6 && d["message"].as_str().unwrap().contains("voltag_v")),
        "{typo_seen:?}"
    );
    assert!(
        typo_seen.iter().any(|d| d["line"] == 7),
        "a step with two kinds is flagged: {typo_seen:?}"
    );
    let offered: Vec<&str> = seen["completion"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|l| l.as_str())
        .collect();
    for key in ["device", "voltage_v", "frequency_hz", "power_w"] {
        assert!(offered.contains(&key), "{key} not offered: {offered:?}");
    }
}
