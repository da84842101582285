//! The command line explains itself (issue 14 §3): every argument and
//! option of every subcommand has a description; the commands that meet a
//! person's mistake say what to do about it.

mod cli_common;
mod common;
use clap::CommandFactory;
use cli_common::{ok, v2x};

fn undocumented(cmd: &clap::Command, path: &str, out: &mut Vec<String>) {
    for arg in cmd.get_arguments() {
        let id = arg.get_id().as_str();
        if matches!(id, "help" | "version") {
            continue;
        }
        if arg.get_help().is_none() && arg.get_long_help().is_none() {
            out.push(format!("{path} {id}"));
        }
    }
    for sub in cmd.get_subcommands() {
        if sub.get_about().is_none() && sub.get_long_about().is_none() {
            out.push(format!("{path} {} (the subcommand)", sub.get_name()));
        }
        undocumented(sub, &format!("{path} {}", sub.get_name()), out);
    }
}

#[test]
fn every_argument_and_option_has_a_description() {
    let mut missing = Vec::new();
    undocumented(&v2x_hil::cli::Cli::command(), "v2x-hil", &mut missing);
    assert!(missing.is_empty(), "no help text: {missing:#?}");
}

#[test]
fn rig_check_names_every_dead_device() {
    let dir = tempfile::tempdir().unwrap();
    // Ports nothing listens on: taken from the system and released.
    let dead = |_: u8| {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().to_string()
    };
    let rig = dir.path().join("rig.yaml");
    std::fs::write(
        &rig,
        format!(
            "rig: dead lab\nnominal: {{ voltage_v: 240, frequency_hz: 60 }}\n\
             safety_limits: {{ max_grid_voltage_v: 276, max_frequency_deviation_hz: 3.0, max_charger_power_w: 11500 }}\n\
             safe_state: {{ charger_power_w: 0, island_switch: closed, grid: nominal }}\ndevices:\n  \
             grid: {{ role: grid_simulator, driver: ametek-asterion, transport: {{ tcp: \"{}\" }} }}\n  \
             s3: {{ role: island_switch, driver: keysight-34980a, transport: {{ tcp: \"{}\" }}, options: {{ channel: \"1001\" }} }}\n  \
             charger: {{ role: charger, driver: sunspec, transport: {{ tcp: \"{}\" }}, ratings: {{ power_w: 11500 }} }}\n",
            dead(1),
            dead(2),
            dead(3)
        ),
    )
    .unwrap();
    let out = v2x(&["rig", "check", rig.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(3));
    let text = String::from_utf8_lossy(&out.stdout);
    for device in ["grid", "s3", "charger"] {
        assert!(
            text.lines()
                .any(|l| l.contains("unreachable") && l.contains(device)),
            "{device} not named: {text}"
        );
    }
    let out = v2x(&["rig", "check", rig.to_str().unwrap(), "--json"]);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let devices = doc["devices"].as_array().unwrap();
    assert_eq!(devices.len(), 3);
    assert!(devices.iter().all(|d| d["reachable"] == false));
}

#[test]
fn report_verify_says_what_to_do_with_an_unsigned_folder_or_a_private_key() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    let key = dir.path().join("k");
    ok(&v2x(&["keys", "new", key.to_str().unwrap()]));
    ok(&v2x(&[
        "run",
        "test-plans/firmware-update.yaml",
        "--out",
        run.to_str().unwrap(),
    ]));
    let public = format!("{}.pub.pem", key.display());
    let out = v2x(&["report", "verify", run.to_str().unwrap(), "--key", &public]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("is not signed") && err.contains("v2x-hil report sign"),
        "{err}"
    );
    let private = format!("{}.pem", key.display());
    ok(&v2x(&[
        "report",
        "sign",
        run.to_str().unwrap(),
        "--key",
        &private,
    ]));
    let out = v2x(&["report", "verify", run.to_str().unwrap(), "--key", &private]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("private key") && err.contains("report-signing *public* key"),
        "{err}"
    );
    ok(&v2x(&[
        "report",
        "verify",
        run.to_str().unwrap(),
        "--key",
        &public,
    ]));
}

#[test]
fn a_flash_step_shows_the_versions() {
    let out = v2x(&["run", "test-plans/firmware-update.yaml"]);
    ok(&out);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("firmware 1.0.0 → 1.1.0"), "{text}");
}

#[test]
fn emulate_on_a_port_in_use_names_the_option_to_change() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let out = v2x(&["emulate", "--scpi-port", &port]);
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("Address already in use") && err.contains("give --scpi-port another port"),
        "{err}"
    );
}

#[test]
fn completions_are_a_script_the_shell_reads() {
    for shell in ["bash", "zsh", "fish"] {
        let out = v2x(&["completions", shell]);
        ok(&out);
        let script = String::from_utf8(out.stdout).unwrap();
        for word in ["commission", "emulate", "rig", "sign-key"] {
            assert!(script.contains(word), "{shell}: no {word}");
        }
        if shell == "bash" {
            // bash -n parses without running: a syntax error fails.
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("v2x-hil.bash");
            std::fs::write(&path, &script).unwrap();
            let Some(check) = common::run_tool(
                "completions_are_a_script_the_shell_reads",
                std::process::Command::new("bash").arg("-n").arg(&path),
            ) else {
                continue;
            };
            assert!(
                check.status.success(),
                "{}",
                String::from_utf8_lossy(&check.stderr)
            );
        }
    }
}

#[test]
fn the_man_page_has_every_subcommand() {
    let out = v2x(&["man"]);
    ok(&out);
    let page = String::from_utf8(out.stdout).unwrap();
    assert!(page.starts_with(".ie"), "roff");
    assert!(page.contains(".TH v2x-hil 1"));
    for sub in v2x_hil::cli::Cli::command().get_subcommands() {
        let title = format!(".TH v2x-hil-{} 1", sub.get_name());
        assert!(page.contains(&title), "no page for {}", sub.get_name());
    }
}
