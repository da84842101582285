//! Where report-signing keys live. A bare key name (no path separator)
//! means the per-user keys folder, never the current directory: an
//! installer's laptop runs the tool from many folders (often a shared
//! project folder), and a private key left in one of them gets copied,
//! synced or committed along with it. A name with a separator (`./k`,
//! `dir/k`, `/tmp/k`) is a path and is used as given.
//!
//! The folder: `$V2X_HIL_CONFIG_DIR/keys` when set (tests, portable
//! installs); else on Linux and other Unixes `$XDG_CONFIG_HOME/v2x-hil/keys`
//! (XDG Base Directory Specification 0.8: an absolute path, else
//! `~/.config`), on macOS `~/Library/Application Support/v2x-hil/keys`
//! (Apple's File System Programming Guide), on Windows
//! `%APPDATA%\v2x-hil\keys` (the roaming profile's application data).
//! Created with mode 0700 (XDG: "should be created with permission 0700").

use std::path::{Component, Path, PathBuf};

/// Overrides the per-user configuration folder (keys go in its `keys/`).
pub const CONFIG_DIR_ENV: &str = "V2X_HIL_CONFIG_DIR";

#[derive(Debug, thiserror::Error)]
pub enum KeyStoreError {
    #[error(
        "no per-user configuration folder: {0} is not set (set {CONFIG_DIR_ENV}, or give the key as a path such as ./NAME)"
    )]
    NoConfigDir(&'static str),
    #[error("cannot create the keys folder {path}: {source}")]
    CreateDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A key named on the command line is in neither place.
    #[error("key `{name}` not found: {}", places(.tried))]
    NotFound { name: String, tried: Vec<PathBuf> },
}

fn places(tried: &[PathBuf]) -> String {
    let list: Vec<String> = tried.iter().map(|p| p.display().to_string()).collect();
    format!("no file at {}", list.join(", nor at "))
}

/// Which half of a pair a command wants: it decides the file name a bare
/// name stands for in the keys folder (`NAME.pem` or `NAME.pub.pem`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyHalf {
    Private,
    Public,
}

/// The tool's per-user configuration folder (see the module comment).
pub fn config_dir() -> Result<PathBuf, KeyStoreError> {
    let env = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
    if let Some(dir) = env(CONFIG_DIR_ENV) {
        return Ok(PathBuf::from(dir));
    }
    if cfg!(windows) {
        return env("APPDATA")
            .map(|d| PathBuf::from(d).join("v2x-hil"))
            .ok_or(KeyStoreError::NoConfigDir("APPDATA"));
    }
    let home = env("HOME").map(PathBuf::from);
    if cfg!(target_os = "macos") {
        return home
            .map(|h| h.join("Library/Application Support/v2x-hil"))
            .ok_or(KeyStoreError::NoConfigDir("HOME"));
    }
    // XDG: a relative $XDG_CONFIG_HOME is invalid and is ignored.
    if let Some(xdg) = env("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
    {
        return Ok(xdg.join("v2x-hil"));
    }
    home.map(|h| h.join(".config/v2x-hil"))
        .ok_or(KeyStoreError::NoConfigDir("HOME"))
}

/// `<config>/keys`.
pub fn keys_dir() -> Result<PathBuf, KeyStoreError> {
    Ok(config_dir()?.join("keys"))
}

/// A single file name, no separator: looked up in (or written to) the keys folder.
pub fn is_bare_name(name: &Path) -> bool {
    let mut parts = name.components();
    matches!(
        (parts.next(), parts.next()),
        (Some(Component::Normal(_)), None)
    ) && !name.to_string_lossy().contains(['/', '\\'])
}

/// Where `keys new NAME` writes: the keys folder for a bare name (created
/// 0700 when missing), the path itself otherwise.
pub fn new_key_base(name: &Path) -> Result<PathBuf, KeyStoreError> {
    if !is_bare_name(name) {
        return Ok(name.to_path_buf());
    }
    let dir = keys_dir()?;
    create_private_dir(&dir)?;
    Ok(dir.join(name))
}

fn create_private_dir(dir: &Path) -> Result<(), KeyStoreError> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder
        .create(dir)
        .map_err(|source| KeyStoreError::CreateDir {
            path: dir.to_path_buf(),
            source,
        })
}

/// The key file a command-line NAME means: the file at that path when
/// there is one; else, for a bare name, `NAME` or `NAME.pem` /
/// `NAME.pub.pem` in the keys folder. The error names every place tried.
pub fn resolve(name: &Path, half: KeyHalf) -> Result<PathBuf, KeyStoreError> {
    if name.is_file() {
        return Ok(name.to_path_buf());
    }
    // Shown in full, so the error says which folder "here" was.
    let here = match std::env::current_dir() {
        Ok(cwd) if name.is_relative() => cwd.join(name),
        _ => name.to_path_buf(),
    };
    let mut tried = vec![here];
    if is_bare_name(name) {
        let dir = keys_dir()?;
        let file = name.to_string_lossy();
        let paired = match half {
            KeyHalf::Private => format!("{file}.pem"),
            KeyHalf::Public => format!("{file}.pub.pem"),
        };
        let mut candidates = vec![dir.join(name)];
        if !file.ends_with(".pem") {
            candidates.push(dir.join(paired));
        }
        if let Some(found) = candidates.iter().find(|p| p.is_file()) {
            return Ok(found.clone());
        }
        tried.extend(candidates);
    }
    Err(KeyStoreError::NotFound {
        name: name.display().to_string(),
        tried,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_single_plain_component_is_bare() {
        for bare in ["installer", "k.pem", "site-42"] {
            assert!(is_bare_name(Path::new(bare)), "{bare}");
        }
        for path in ["./k", "/tmp/k", "dir/k", "../k", ".", "", "a\\b"] {
            assert!(!is_bare_name(Path::new(path)), "{path}");
        }
    }

    #[test]
    fn a_missing_key_names_every_place_looked() {
        let err = KeyStoreError::NotFound {
            name: "installer".into(),
            tried: vec!["installer".into(), "/cfg/keys/installer.pem".into()],
        };
        assert_eq!(
            err.to_string(),
            "key `installer` not found: no file at installer, nor at /cfg/keys/installer.pem"
        );
    }
}
