//! Human output: verdicts, the island table, errors.

use crate::exec::results::{Drift, IslandMeasurement, RunResult, TestResult, Verdict};
use colored::Colorize;

pub fn verdict(v: Verdict) -> colored::ColoredString {
    match v {
        Verdict::Pass => "PASS".green().bold(),
        Verdict::Fail => "FAIL".red().bold(),
        Verdict::Aborted => "ABORTED".yellow().bold(),
    }
}

pub fn clearing_time(t: Option<f64>) -> String {
    match t {
        Some(t) => format!("{t:.3} s"),
        None => "ran on".to_string(),
    }
}

/// The island frequency's drift at cessation, with its direction.
fn drift(m: &IslandMeasurement) -> String {
    match (m.drift, m.frequency_drift_hz) {
        (Drift::Up, Some(d)) => format!("up {d:+.2} Hz"),
        (Drift::Down, Some(d)) => format!("down {d:+.2} Hz"),
        (_, Some(d)) => format!("none {d:+.2} Hz"),
        (_, None) => "-".into(),
    }
}

pub fn island_row(m: &IslandMeasurement) -> String {
    format!(
        "  {:>9} {:>10} {:>14} {:>16}  {}{}",
        format!("{:.0} %", m.power_pct),
        format!("{:.0} %", m.reactive_load_pct),
        clearing_time(m.clearing_time_s),
        drift(m),
        verdict(m.verdict),
        if m.rerun { "  (rerun)" } else { "" }
    )
}

/// `  trip frequency_hz 60 → 62.7: ceased after 0.165 s (limits 0.000–0.177 s) PASS`
pub fn trip_line(m: &crate::exec::results::TripMeasurement) -> String {
    format!(
        "  trip {} {} → {}: {} (limits {:.3}–{:.3} s) {}",
        m.quantity,
        m.from,
        m.to,
        match m.clearing_time_s {
            Some(t) => format!("ceased after {t:.4} s"),
            None => "did not cease".to_string(),
        },
        m.min_clearing_time_s,
        m.max_clearing_time_s,
        verdict(m.verdict)
    )
}

pub fn island_header() -> String {
    format!(
        "  {:>9} {:>10} {:>14} {:>16}  verdict",
        "power", "load Q", "clearing time", "Δf at cessation"
    )
}

/// What the island table's columns mean, printed above its first header.
pub fn island_legend() -> String {
    format!("  {}", ISLAND_COLUMNS.join("\n  "))
        .dimmed()
        .to_string()
}

/// What the island table's columns mean.
const ISLAND_COLUMNS: [&str; 4] = [
    "power: the charger's export, % of its rating; load Q: the island load's reactive power, % of the point where it balances (100 % = resonant at nominal)",
    "clearing time: S3 opening to the charger ceasing to energise (the plan's limit, 2 s by default); \"ran on\": still energised at the end of the watch",
    "Δf at cessation: PCC frequency over the last cycles the charger energised, minus before S3 opened (the load's ring-down after is not counted)",
    "(rerun): a point run again (IEEE 1547.1 §5.10: the points with the longest clearing times are repeated)",
];

pub fn test_line(t: &TestResult) -> String {
    let mut s = format!("{} {}", verdict(t.verdict), t.name.bold());
    if let Some(c) = &t.clause {
        s.push_str(&format!("  [{c}]"));
    }
    if let Some(r) = &t.reason {
        s.push_str(&format!("\n    {r}"));
    }
    s
}

pub fn summary(r: &RunResult) -> String {
    let count = |v| r.tests.iter().filter(|t| t.verdict == v).count();
    let mut s = format!(
        "{}: {} passed, {} failed, {} aborted ({} clock)",
        r.plan,
        count(Verdict::Pass),
        count(Verdict::Fail),
        count(Verdict::Aborted),
        match r.clock {
            crate::exec::clock::ClockKind::Simulated => "simulated",
            crate::exec::clock::ClockKind::Wall => "wall",
        }
    );
    if r.aborted.is_none() && !r.safe_state_errors.is_empty() {
        s.push_str("\nthe rig did not reach its safe state at the end of the run:");
    }
    if let Some(a) = &r.aborted {
        if r.safe_state_errors.is_empty() {
            s.push_str(&format!(
                "\nrun aborted: {a}; the rig was driven to its safe state"
            ));
        } else {
            s.push_str(&format!(
                "\nrun aborted: {a}; the safe state was not reached on every device:"
            ));
        }
    }
    for e in &r.safe_state_errors {
        s.push_str(&format!("\n{}: {e}", "warning".yellow()));
    }
    s
}

pub fn error(message: &str) {
    eprintln!("{}: {message}", "error".red().bold());
}

pub fn warning(message: &str) {
    eprintln!("{}: {message}", "warning".yellow().bold());
}

/// `site compliance: HOLDS` or `site compliance: FAILS` and each reason.
pub fn compliance(c: &crate::report::model::Compliance) -> String {
    if c.holds {
        let settings = match (c.settings.mismatches, c.settings.rows) {
            (Some(_), Some(n)) => format!("all {n} settings match"),
            _ => "settings match".into(),
        };
        return format!(
            "site compliance: {} (charger serial {}; {settings} {})",
            "HOLDS".green().bold(),
            c.serial.site,
            c.settings.profile.as_deref().unwrap_or("the profile")
        );
    }
    let mut out = format!("site compliance: {}", "FAILS".red().bold());
    for r in &c.reasons {
        out.push_str(&format!("\n  {r}"));
    }
    out
}
