//! The CI examples in ci-examples/ (README "Running plans in CI") are YAML
//! their CI engines read, lock the rig through the engine's own control
//! (GitHub's concurrency group, GitLab's resource_group), publish JUnit and
//! the run folders, and every `v2x-hil` command in them is one this build
//! parses, naming files that exist in this repository (the rig aside: it is
//! the lab's own).

use clap::Parser;
use std::path::Path;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Every command line of the file that starts with `v2x-hil`.
fn commands(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| {
            let l = l
                .trim()
                .trim_start_matches("- ")
                .trim_start_matches("run: ");
            l.starts_with("v2x-hil ").then(|| l.to_string())
        })
        .collect()
}

fn check_commands(file: &str) -> usize {
    let text = std::fs::read_to_string(root().join(file)).unwrap();
    let commands = commands(&text);
    for c in &commands {
        let words: Vec<&str> = c.split_whitespace().collect();
        if let Err(e) = v2x_hil::cli::Cli::try_parse_from(&words) {
            panic!("{file}: `{c}` does not parse: {e}");
        }
        for w in &words {
            if w.starts_with("test-plans/") {
                assert!(
                    root().join(w).exists(),
                    "{file}: {w} is not in the repository"
                );
            }
        }
    }
    commands.len()
}

#[test]
fn the_github_actions_example_locks_the_rig_and_keeps_the_evidence() {
    let file = "ci-examples/github-actions-hil.yml";
    let doc: serde_yaml::Value =
        serde_yaml::from_str(&std::fs::read_to_string(root().join(file)).unwrap()).unwrap();
    assert_eq!(doc["concurrency"]["group"], "v2x-rig-lab-a");
    assert_eq!(doc["concurrency"]["cancel-in-progress"], false);
    let job = &doc["jobs"]["hil"];
    let labels = job["runs-on"].as_sequence().unwrap();
    assert!(labels.iter().any(|l| l == "self-hosted"));
    assert!(labels.iter().any(|l| l == "v2x-rig-lab-a"));
    let steps = serde_yaml::to_string(&job["steps"]).unwrap();
    assert!(steps.contains("actions/upload-artifact") && steps.contains("path: runs/"));
    assert!(steps.contains("junit/*.xml"));
    assert!(check_commands(file) >= 3);
}

#[test]
fn the_gitlab_example_locks_the_rig_and_keeps_the_evidence() {
    let file = "ci-examples/gitlab-ci-hil.yml";
    let doc: serde_yaml::Value =
        serde_yaml::from_str(&std::fs::read_to_string(root().join(file)).unwrap()).unwrap();
    let template = &doc[".hil-lab-a"];
    assert_eq!(template["resource_group"], "v2x-rig-lab-a");
    assert_eq!(template["tags"][0], "v2x-rig-lab-a");
    assert_eq!(template["artifacts"]["reports"]["junit"], "junit/*.xml");
    assert_eq!(template["artifacts"]["when"], "always");
    for job in ["anti-islanding", "v2g-dispatch"] {
        assert_eq!(doc[job]["extends"], ".hil-lab-a");
    }
    assert!(check_commands(file) >= 3);
}
