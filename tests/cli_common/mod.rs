//! Running the built `v2x-hil` binary from the repository root, as the
//! CLI tests do.

#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Command, Output};

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `v2x-hil ARGS` in the repository root, colours off.
pub fn v2x(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_v2x-hil"))
        .args(args)
        .current_dir(root())
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

/// `v2x-hil report verify RUN --key PUBLIC`.
pub fn report_verify(run: &std::path::Path, public: &std::path::Path) -> Output {
    v2x(&[
        "report",
        "verify",
        run.to_str().unwrap(),
        "--key",
        public.to_str().unwrap(),
    ])
}

/// Asserts exit 0, showing what the binary printed when not.
pub fn ok(out: &Output) {
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `v2x-hil emulate` on ephemeral TCP ports, and where it serves each
/// device: `tcp` (device → host:port) and `pty` (device → path, the EV's
/// CHAdeMO bus behind an emulated SLCAN adapter). Stop it with [`Emulate::stop`]
/// (or drop it: the process is killed).
pub struct Emulate {
    pub child: std::process::Child,
    pub tcp: std::collections::BTreeMap<String, String>,
    pub pty: std::collections::BTreeMap<String, String>,
}

impl Emulate {
    pub fn start() -> Emulate {
        // grid, s3, load, scope, charger, home on TCP; the EV's CAN on a pty.
        Emulate::start_with(&[], 6, 1)
    }

    /// `emulate EXTRA…`, waiting until it has printed `tcp` TCP and `pty`
    /// pseudo-terminal endpoints.
    pub fn start_with(extra: &[&str], tcp: usize, pty: usize) -> Emulate {
        use std::io::{BufRead, BufReader};
        let mut child = Command::new(env!("CARGO_BIN_EXE_v2x-hil"))
            .args([
                "emulate",
                "--scpi-port",
                "0",
                "--modbus-port",
                "0",
                "--meter-port",
                "0",
            ])
            .args(extra)
            .current_dir(root())
            .env("NO_COLOR", "1")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut emulate = Emulate {
            child,
            tcp: Default::default(),
            pty: Default::default(),
        };
        while emulate.tcp.len() < tcp || emulate.pty.len() < pty {
            let line = lines.next().expect("emulate prints its endpoints").unwrap();
            let words: Vec<&str> = line.split_whitespace().collect();
            for (kind, map) in [("tcp", &mut emulate.tcp), ("pty", &mut emulate.pty)] {
                if let Some(pos) = words.iter().position(|w| *w == kind) {
                    map.insert(words[0].to_string(), words[pos + 1].to_string());
                }
            }
        }
        // Keep reading its stdout so it never blocks on a full pipe.
        std::thread::spawn(move || lines.for_each(drop));
        emulate
    }

    pub fn signal(&self, signal: i32) {
        // SAFETY: kill(2) on the pid of a child we spawned and have not reaped.
        unsafe {
            libc::kill(self.child.id() as i32, signal);
        }
    }

    /// Ctrl-C, as a person stops it; returns its exit code.
    pub fn stop(mut self) -> Option<i32> {
        self.signal(libc::SIGCONT);
        self.signal(libc::SIGINT);
        self.child.wait().ok().and_then(|s| s.code())
    }
}

impl Drop for Emulate {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `v2x-hil ARGS` in the background (colours off, output captured).
pub fn spawn_v2x(args: &[&str]) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_v2x-hil"))
        .args(args)
        .current_dir(root())
        .env("NO_COLOR", "1")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap()
}

/// Waits up to `bound` for the child to end; kills it (and fails) if it
/// does not: a run must end.
pub fn wait_bounded(mut child: std::process::Child, bound: std::time::Duration) -> Output {
    let start = std::time::Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            return child.wait_with_output().unwrap();
        }
        if start.elapsed() > bound {
            let _ = child.kill();
            let out = child.wait_with_output().unwrap();
            panic!(
                "still running after {bound:?}: killed\n{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// The journal's records once `kind` is among them (or `bound` passed).
pub fn wait_for_record(journal: &std::path::Path, kind: &str, bound: std::time::Duration) {
    let start = std::time::Instant::now();
    let needle = format!("\"kind\":\"{kind}\"");
    while start.elapsed() < bound {
        if std::fs::read_to_string(journal)
            .unwrap_or_default()
            .contains(&needle)
        {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    panic!(
        "no `{kind}` record in {} after {bound:?}",
        journal.display()
    );
}
