//! Located errors for the user's files: every error names file, line and
//! column, the key path, and what would be valid.

use std::fmt;
use std::io;
use std::path::PathBuf;

/// Messages quote what files and command lines say; written escaped
/// (README "Input limits"), so nothing in them acts on a terminal.
fn escape(text: &str) -> std::borrow::Cow<'_, str> {
    super::text::escape(text)
}

/// A position in a user's file; `line` and `column` are 1-based.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Location {
    pub file: PathBuf,
    pub line: usize,
    pub column: usize,
}

impl Location {
    /// The first character of `file`: used when nothing more precise is known.
    pub fn start_of(file: impl Into<PathBuf>) -> Self {
        Location {
            file: file.into(),
            line: 1,
            column: 1,
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let file = self.file.display().to_string();
        write!(f, "{}:{}:{}", escape(&file), self.line, self.column)
    }
}

/// Writes `key_path: ` unless the error is about the document as a whole.
fn key_prefix(key_path: &str) -> String {
    if key_path.is_empty() {
        String::new()
    } else {
        format!("{}: ", escape(key_path))
    }
}

/// One problem in a rig, plan or profile file.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// The file cannot be read at all.
    #[error("{}: cannot read: {}", escape(&file.display().to_string()), escape(&source.to_string()))]
    Io { file: PathBuf, source: io::Error },
    /// YAML syntax error, bytes that are not UTF-8, or nesting deeper than the cap.
    #[error("{at}: {}", escape(message))]
    Syntax { at: Location, message: String },
    /// Wrong type, unknown key (the message lists the valid keys), missing key,
    /// duplicate key.
    #[error("{at}: {}{}", key_prefix(key_path), escape(message))]
    Schema {
        at: Location,
        key_path: String,
        message: String,
    },
    /// Well-formed but semantically wrong; `hint` says what would be valid.
    #[error("{at}: {}{} ({})", key_prefix(key_path), escape(message), escape(hint))]
    Invalid {
        at: Location,
        key_path: String,
        message: String,
        hint: String,
    },
    /// A plan step beyond a rig safety limit or a device's rating; points
    /// at both places.
    #[error(
        "{at}: {}{} (declared at {limit_at})",
        key_prefix(key_path),
        escape(message)
    )]
    SafetyLimit {
        at: Location,
        key_path: String,
        message: String,
        limit_at: Location,
        limit_key: String,
    },
}

impl ModelError {
    /// Where the error is (for `Io`, the start of the file).
    pub fn location(&self) -> Location {
        match self {
            ModelError::Io { file, .. } => Location::start_of(file.clone()),
            ModelError::Syntax { at, .. }
            | ModelError::Schema { at, .. }
            | ModelError::Invalid { at, .. }
            | ModelError::SafetyLimit { at, .. } => at.clone(),
        }
    }

    /// Where the error is, to correct it (`None` for `Io`, which has no place).
    pub(crate) fn location_mut(&mut self) -> Option<&mut Location> {
        match self {
            ModelError::Io { .. } => None,
            ModelError::Syntax { at, .. }
            | ModelError::Schema { at, .. }
            | ModelError::Invalid { at, .. }
            | ModelError::SafetyLimit { at, .. } => Some(at),
        }
    }

    /// The key path the error is about ("" for the whole document).
    pub fn key_path(&self) -> &str {
        match self {
            ModelError::Io { .. } | ModelError::Syntax { .. } => "",
            ModelError::Schema { key_path, .. }
            | ModelError::Invalid { key_path, .. }
            | ModelError::SafetyLimit { key_path, .. } => key_path,
        }
    }
}

/// All problems found in a file (validation collects every semantic error,
/// not only the first).
#[derive(Debug, thiserror::Error)]
pub struct ModelErrors(pub Vec<ModelError>);

impl ModelErrors {
    /// One error per line, in the order found.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for e in &self.0 {
            out.push_str(&e.to_string());
            out.push('\n');
        }
        out
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn iter(&self) -> std::slice::Iter<'_, ModelError> {
        self.0.iter()
    }
}

impl fmt::Display for ModelErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for e in &self.0 {
            if !first {
                f.write_str("\n")?;
            }
            first = false;
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl From<ModelError> for ModelErrors {
    fn from(e: ModelError) -> Self {
        ModelErrors(vec![e])
    }
}

impl<'a> IntoIterator for &'a ModelErrors {
    type Item = &'a ModelError;
    type IntoIter = std::slice::Iter<'a, ModelError>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}
