//! Helpers shared by the fuzz targets: the properties that more than one
//! target asserts.

use std::path::Path;
use v2x_hil::model::ModelErrors;

/// Where the loaders think the fuzzed file lives: a folder that does not
/// exist, so a profile the file names by a relative path fails to read
/// (an error located in the file) instead of reading the disk.
pub const SOURCE_DIR: &str = "/nonexistent-v2x-hil-fuzz";

/// Whether the loaders may be given `text` without touching real files: a
/// plan or site names its grid profile by path, and an absolute path would
/// be read (`/dev/zero` forever). Without '/' no path leaves
/// [`SOURCE_DIR`]; without '\\' a YAML escape cannot spell one.
pub fn stays_off_disk(text: &str) -> bool {
    !text.contains('/') && !text.contains('\\')
}

/// Line lengths in characters, splitting at `\n` only and at every YAML
/// line break (CR LF, CR, LF): parsers differ in which they count.
fn line_lengths(text: &str) -> [Vec<usize>; 2] {
    let lf: Vec<usize> = text.split('\n').map(|l| l.chars().count()).collect();
    let any: Vec<usize> = text
        .replace("\r\n", "\n")
        .split(['\n', '\r'])
        .map(|l| l.chars().count())
        .collect();
    [lf, any]
}

/// Whether 1-based (line, column) names a character of `text` or the
/// position just after the end of its line.
pub fn inside(text: &str, line: usize, column: usize) -> bool {
    if line == 0 || column == 0 {
        return false;
    }
    line_lengths(text)
        .iter()
        .any(|lines| lines.get(line - 1).is_some_and(|&len| column <= len + 1))
}

/// Every error located in the fuzzed file points inside it.
pub fn assert_located(source: &Path, text: &str, errors: &ModelErrors) {
    assert!(!errors.is_empty(), "an Err with no error in it");
    for e in &errors.0 {
        let at = e.location();
        if at.file == source {
            assert!(
                inside(text, at.line, at.column),
                "error at {}:{} outside the input ({} bytes): {e}",
                at.line,
                at.column,
                text.len()
            );
        }
    }
}

/// Runs one model loader on `data` and checks its errors' locations.
pub fn fuzz_loader<T>(
    data: &[u8],
    file_name: &str,
    parse: impl Fn(&Path, &str) -> Result<T, ModelErrors>,
) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if !stays_off_disk(text) {
        return;
    }
    let source = Path::new(SOURCE_DIR).join(file_name);
    if let Err(errors) = parse(&source, text) {
        assert_located(&source, text, &errors);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inside_counts_lines_and_columns() {
        assert!(inside("ab\ncd", 2, 3));
        assert!(!inside("ab\ncd", 2, 4));
        assert!(!inside("ab\ncd", 3, 1));
        assert!(inside("ab\rcd", 2, 1));
        assert!(inside("", 1, 1));
    }
}
