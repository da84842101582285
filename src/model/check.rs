//! Small helpers for semantic validation: collect every located error.

use super::error::{ModelError, ModelErrors};
use super::spans::Spans;

/// Collects semantic errors against one file's spans.
pub(crate) struct Checker<'a> {
    pub spans: &'a Spans,
    pub errors: Vec<ModelError>,
}

impl<'a> Checker<'a> {
    pub fn new(spans: &'a Spans) -> Self {
        Checker {
            spans,
            errors: Vec::new(),
        }
    }

    pub fn invalid(&mut self, key_path: &str, message: impl Into<String>, hint: impl Into<String>) {
        self.errors.push(ModelError::Invalid {
            at: self.spans.location(key_path),
            key_path: key_path.to_string(),
            message: message.into(),
            hint: hint.into(),
        });
    }

    /// Finite and > 0.
    pub fn positive(&mut self, key_path: &str, value: f64) -> bool {
        if value.is_finite() && value > 0.0 {
            true
        } else {
            self.invalid(
                key_path,
                format!("{} is not allowed here", show(value)),
                "expected a finite number greater than 0",
            );
            false
        }
    }

    /// Finite and ≥ 0.
    pub fn non_negative(&mut self, key_path: &str, value: f64) -> bool {
        if value.is_finite() && value >= 0.0 {
            true
        } else {
            self.invalid(
                key_path,
                format!("{} is not allowed here", show(value)),
                "expected a finite number, 0 or greater",
            );
            false
        }
    }

    /// Finite (any sign).
    pub fn finite(&mut self, key_path: &str, value: f64) -> bool {
        if value.is_finite() {
            true
        } else {
            self.invalid(
                key_path,
                format!("{} is not allowed here", show(value)),
                "expected a finite number",
            );
            false
        }
    }

    /// Finite and within `lo..=hi`.
    pub fn within(&mut self, key_path: &str, value: f64, lo: f64, hi: f64, unit: &str) -> bool {
        if value.is_finite() && value >= lo && value <= hi {
            true
        } else {
            self.invalid(
                key_path,
                format!("{}{unit} is out of range", show(value)),
                format!("expected {lo}{unit} to {hi}{unit}"),
            );
            false
        }
    }

    pub fn finish(self) -> Result<(), ModelErrors> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(ModelErrors(self.errors))
        }
    }
}

/// Numbers as a person wrote them (`inf`, `NaN`, `1e400` → `inf`).
pub(crate) fn show(value: f64) -> String {
    if value.is_nan() {
        "NaN".into()
    } else if value.is_infinite() {
        if value > 0.0 { "inf" } else { "-inf" }.into()
    } else {
        format!("{value}")
    }
}

/// `a, b, c` or `(none)`.
pub(crate) fn list(items: &[&str]) -> String {
    if items.is_empty() {
        "(none)".into()
    } else {
        items.join(", ")
    }
}
