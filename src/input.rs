//! Reading a file a user names, bounded: the rig, plan, site and profile
//! files, firmware images and keys all come through here, so `/dev/zero`,
//! `/dev/urandom`, a FIFO that never ends or a huge file stop at a stated
//! limit instead of reading until memory runs out.

use std::io::{self, Read};
use std::path::Path;

/// Reads at most `max_bytes` of `path`. Refuses directories and devices
/// (character, block, socket) before reading: they are not files a user
/// writes. Regular files and FIFOs (`<(…)` process substitution) are read
/// through `take(max_bytes + 1)`, so even a stream that never ends stops.
/// Errors name the file; `what` says which limit applies ("rig, plan, site
/// and profile files").
pub fn read_bounded(path: &Path, max_bytes: u64, what: &str) -> io::Result<Vec<u8>> {
    let meta = std::fs::metadata(path)?;
    if let Some(kind) = not_a_file(&meta.file_type()) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{kind}, not a file"),
        ));
    }
    if meta.is_file() && meta.len() > max_bytes {
        return Err(too_large(max_bytes, what));
    }
    let file = std::fs::File::open(path)?;
    read_limited(file, max_bytes, what)
}

/// Reads `reader` to its end, failing once it yields more than `max_bytes`.
pub fn read_limited(reader: impl Read, max_bytes: u64, what: &str) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    reader
        .take(max_bytes.saturating_add(1))
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max_bytes {
        return Err(too_large(max_bytes, what));
    }
    Ok(bytes)
}

fn too_large(max_bytes: u64, what: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::FileTooLarge,
        format!(
            "larger than {} ({max_bytes} bytes), the limit for {what}",
            show_bytes(max_bytes)
        ),
    )
}

/// `4 MiB`, `64 KiB`, `100 bytes`.
pub fn show_bytes(n: u64) -> String {
    const MIB: u64 = 1 << 20;
    const KIB: u64 = 1 << 10;
    if n >= MIB && n.is_multiple_of(MIB) {
        format!("{} MiB", n / MIB)
    } else if n >= KIB && n.is_multiple_of(KIB) {
        format!("{} KiB", n / KIB)
    } else {
        format!("{n} bytes")
    }
}

/// What a non-file is, for the message; `None` for files and FIFOs.
#[cfg(unix)]
fn not_a_file(t: &std::fs::FileType) -> Option<&'static str> {
    use std::os::unix::fs::FileTypeExt;
    if t.is_file() || t.is_fifo() {
        None
    } else if t.is_dir() {
        Some("a directory")
    } else if t.is_char_device() {
        Some("a character device")
    } else if t.is_block_device() {
        Some("a block device")
    } else if t.is_socket() {
        Some("a socket")
    } else {
        Some("a special file")
    }
}

#[cfg(not(unix))]
fn not_a_file(t: &std::fs::FileType) -> Option<&'static str> {
    t.is_dir().then_some("a directory")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_endless_stream_stops_at_the_limit() {
        let e = read_limited(io::repeat(0), 1000, "tests").unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::FileTooLarge);
        assert!(e.to_string().contains("1000 bytes"), "{e}");
        assert_eq!(
            read_limited(&[7u8; 1000][..], 1000, "t").unwrap().len(),
            1000
        );
    }

    #[test]
    fn sizes_read_as_people_write_them() {
        assert_eq!(show_bytes(4 << 20), "4 MiB");
        assert_eq!(show_bytes(64 << 10), "64 KiB");
        assert_eq!(show_bytes(1000), "1000 bytes");
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn devices_and_directories_are_not_files() {
        for (path, kind) in [("/dev/zero", "character device"), ("/", "directory")] {
            let e = read_bounded(Path::new(path), 10, "t").unwrap_err();
            assert_eq!(e.kind(), io::ErrorKind::InvalidInput, "{path}");
            assert!(e.to_string().contains(kind), "{e}");
        }
    }
}
