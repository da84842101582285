//! The pipeline every user file goes through: bytes (at most
//! [`MAX_FILE_BYTES`]) → UTF-8, a leading BOM dropped → spans pass (syntax,
//! depth and alias caps, control characters, duplicate keys) → serde with
//! key paths → typed value.

use super::error::{Location, ModelError, ModelErrors};
use super::spans::{self, Spans};
use serde::de::DeserializeOwned;
use std::path::Path;

/// Largest rig, plan, site or profile file. The biggest shipped file is a
/// few KB; a plan at the step limits written out in full is about 2 MB.
pub const MAX_FILE_BYTES: u64 = 4 << 20;

/// The byte order mark some editors write first (UTF-8: EF BB BF).
const BOM: char = '\u{FEFF}';

/// Reads a file as UTF-8 text, bounded; bad bytes are a located syntax error.
pub(crate) fn read_text(path: &Path) -> Result<String, ModelErrors> {
    let bytes =
        crate::input::read_bounded(path, MAX_FILE_BYTES, "rig, plan, site and profile files")
            .map_err(|source| ModelError::Io {
                file: path.to_path_buf(),
                source,
            })?;
    text_from_bytes(path, bytes)
}

/// UTF-8 check with the position of the first bad byte. A leading BOM is
/// dropped first, so positions count from the first character people see.
pub(crate) fn text_from_bytes(path: &Path, mut bytes: Vec<u8>) -> Result<String, ModelErrors> {
    let mut utf8_bom = [0u8; 3];
    BOM.encode_utf8(&mut utf8_bom);
    if bytes.starts_with(&utf8_bom) {
        bytes.drain(..utf8_bom.len());
    }
    String::from_utf8(bytes).map_err(|e| {
        let good = e.as_bytes().get(..e.utf8_error().valid_up_to()).unwrap_or(&[]);
        let line = good.iter().filter(|&&b| b == b'\n').count() + 1;
        let line_start = good
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        // Column in characters, like the YAML parsers count it.
        let column = String::from_utf8_lossy(good.get(line_start..).unwrap_or(&[]))
            .chars()
            .count()
            + 1;
        ModelErrors::from(ModelError::Syntax {
            at: Location {
                file: path.to_path_buf(),
                line,
                column,
            },
            message: "the file is not UTF-8 text (binary data?); rig, plan and profile files are YAML text".into(),
        })
    })
}

/// Parses `text` into `T` (a `deny_unknown_fields` serde type), returning
/// the value and its spans. `expected` describes the top level for an empty
/// file (e.g. "a rig: a mapping with keys rig, nominal, …").
pub(crate) fn parse_doc<T: DeserializeOwned>(
    file: &Path,
    text: &str,
    expected: &str,
) -> Result<(T, Spans), ModelErrors> {
    // yaml-rust2 reads a BOM as content ("missing field" at 1:2); it only
    // marks the encoding, and columns count from after it.
    let text = text.strip_prefix(BOM).unwrap_or(text);
    let scan = spans::scan(file, text)?;
    if !scan.errors.is_empty() {
        return Err(ModelErrors(scan.errors));
    }
    if !scan.has_content {
        return Err(ModelError::Schema {
            at: Location::start_of(file),
            key_path: String::new(),
            message: format!("the file is empty; expected {expected}"),
        }
        .into());
    }
    let de = serde_yaml::Deserializer::from_str(text);
    match serde_path_to_error::deserialize::<_, T>(de) {
        Ok(v) => Ok((v, scan.spans)),
        Err(e) => {
            let key_path = match e.path().to_string() {
                p if p == "." => String::new(),
                p => p,
            };
            let inner = e.into_inner();
            let at = match inner.location() {
                Some(l) => {
                    let (line, column) = spans::clamp_to_text(text, l.line(), l.column());
                    Location {
                        file: file.to_path_buf(),
                        line,
                        column,
                    }
                }
                None => scan.spans.location(&key_path),
            };
            let message = clean_message(&inner.to_string());
            Err(ModelError::Schema {
                at,
                key_path,
                message,
            }
            .into())
        }
    }
}

/// Drops serde_yaml's own ` at line N column M` suffix and `path: ` prefix
/// (we print both ourselves) and words serde's struct names for people.
fn clean_message(raw: &str) -> String {
    let mut msg = raw;
    if let Some(i) = msg.rfind(" at line ") {
        let tail = &msg[i + " at line ".len()..];
        if tail
            .chars()
            .all(|c| c.is_ascii_digit() || c == ' ' || "column".contains(c))
        {
            msg = &msg[..i];
        }
    }
    if let Some(i) = msg.find(": ") {
        if !msg[..i].contains(' ') && !msg[..i].is_empty() {
            msg = &msg[i + 2..];
        }
    }
    let mut out = String::new();
    let mut rest = msg;
    // serde names the Rust struct (`expected struct RawRig`); people want "a mapping".
    while let Some(i) = rest.find("expected struct ") {
        out.push_str(&rest[..i]);
        let after = &rest[i + "expected struct ".len()..];
        let end = after
            .find(|c: char| !c.is_ascii_alphanumeric() && c != '_')
            .unwrap_or(after.len());
        let name = after[..end].trim_start_matches("Raw");
        out.push_str(&format!("expected a mapping ({})", snake(name)));
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

/// `SetStep` → `set step`.
fn snake(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push(' ');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_yaml_suffix_and_prefix_are_dropped() {
        assert_eq!(
            clean_message("devices.grid: unknown field `x`, expected `y` at line 3 column 5"),
            "unknown field `x`, expected `y`"
        );
        assert_eq!(
            clean_message("invalid type: sequence, expected struct RawSetStep"),
            "invalid type: sequence, expected a mapping (set step)"
        );
        assert_eq!(clean_message("missing field `s`"), "missing field `s`");
    }

    #[test]
    fn a_leading_bom_is_dropped_before_positions_are_counted() {
        let e = text_from_bytes(Path::new("f"), b"\xef\xbb\xbfa\xff".to_vec()).unwrap_err();
        let at = e.0[0].location();
        assert_eq!((at.line, at.column), (1, 2));
        let t = text_from_bytes(Path::new("f"), b"\xef\xbb\xbfa: 1".to_vec()).unwrap();
        assert_eq!(t, "a: 1");
    }

    #[test]
    fn utf8_error_position_counts_characters() {
        let e = text_from_bytes(
            Path::new("f"),
            "ab\né€x\u{0}".bytes().chain([0xffu8]).collect(),
        )
        .unwrap_err();
        let at = e.0[0].location();
        assert_eq!((at.line, at.column), (2, 5));
    }
}
