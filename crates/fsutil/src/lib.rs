//! # kdvc-fsutil
//!
//! The file-system helpers every kdvc crate shares:
//!
//! - [`write_atomic`]: a temporary file in the same directory, fsync, rename; readers see the old or the
//!   new content, never a mix, and a failed write leaves the old file;
//! - [`temp_path`] and [`is_stale_temp`]: every temporary file kdvc makes is named
//!   `.kdvc-tmp-<pid>-…`, so that a later run can tell one left by a killed process and remove it;
//! - [`gitignore_escape`] and [`gitignore_with_line`]: the `.gitignore` entries DVC writes for the
//!   outputs it caches (`/name`, special characters escaped, appended once).
//!
//! ```
//! let dir = tempfile::tempdir()?;
//! let gi = dir.path().join(".gitignore");
//! let line = format!("/{}", kdvc_fsutil::gitignore_escape("raw[1].csv"));
//! assert_eq!(line, "/raw\\[1\\].csv");
//! let text = kdvc_fsutil::gitignore_with_line("*.log", &line).expect("not there yet");
//! kdvc_fsutil::write_atomic(&gi, text.as_bytes())?;
//! assert_eq!(std::fs::read_to_string(&gi)?, "*.log\n/raw\\[1\\].csv\n");
//! assert_eq!(kdvc_fsutil::gitignore_with_line(&text, &line), None);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// A file-system operation that failed, with the path it failed on.
#[derive(Debug, thiserror::Error)]
#[error("{op} '{}': {source}", path.display())]
pub struct Error {
    /// What was being done (`write`, `rename into`, ...).
    pub op: &'static str,
    /// The path involved.
    pub path: PathBuf,
    /// The underlying error.
    #[source]
    pub source: std::io::Error,
}

impl Error {
    fn new(op: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self {
            op,
            path: path.into(),
            source,
        }
    }
}

/// The prefix of every temporary file kdvc makes: `.kdvc-tmp-<pid>-<rest>`.
pub const TEMP_PREFIX: &str = ".kdvc-tmp-";

/// How old a temporary file must be to count as left behind when the process that made it cannot be told
/// apart from a live one (no `/proc`): a write takes milliseconds.
pub const STALE_TEMP_AGE: Duration = Duration::from_secs(60);

fn own_prefix() -> String {
    format!("{TEMP_PREFIX}{}-", std::process::id())
}

/// A temporary path in `dir` for this process, ending in `name`: `.kdvc-tmp-<pid>-<name>`.
pub fn temp_path(dir: &Path, name: &str) -> PathBuf {
    dir.join(format!("{}{name}", own_prefix()))
}

/// Whether `path` is a kdvc temporary file (`.kdvc-tmp-*`) that an interrupted process left behind: the
/// process named in it no longer runs (checked in `/proc`, where there is one), or the file is older than
/// [`STALE_TEMP_AGE`]. A temporary file of a process still running, this one included, is not stale.
pub fn is_stale_temp(path: &Path) -> bool {
    let Some(rest) = path
        .file_name()
        .and_then(|n| n.to_str())
        .and_then(|n| n.strip_prefix(TEMP_PREFIX))
    else {
        return false;
    };
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return false;
    };
    if !meta.is_file() {
        return false;
    }
    let pid = rest
        .split_once('-')
        .and_then(|(pid, _)| pid.parse::<u32>().ok());
    let proc_fs = Path::new("/proc/self").exists();
    if let (Some(pid), true) = (pid, proc_fs) {
        return pid != std::process::id() && !Path::new("/proc").join(pid.to_string()).exists();
    }
    meta.modified()
        .ok()
        .and_then(|t| SystemTime::now().duration_since(t).ok())
        .is_some_and(|age| age >= STALE_TEMP_AGE)
}

/// The stale temporary files ([`is_stale_temp`]) directly in `dir` (not below it), sorted. A directory
/// that cannot be read has none.
pub fn stale_temp_files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| is_stale_temp(p))
        .collect();
    out.sort();
    out
}

/// Writes `bytes` to `path` atomically: a temporary file in the same directory, fsync, rename (and a
/// best-effort fsync of the directory). Readers see the old or the new content, never a mix. An
/// existing file keeps its permissions; a new one gets `0644`.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(&own_prefix())
        .tempfile_in(&dir)
        .map_err(|e| Error::new("create a temporary file in", &dir, e))?;
    tmp.write_all(bytes)
        .map_err(|e| Error::new("write", tmp.path(), e))?;
    tmp.as_file()
        .sync_all()
        .map_err(|e| Error::new("sync", tmp.path(), e))?;
    // Keep the permissions of an existing file (tempfile creates 0600).
    let mode = std::fs::metadata(path).map(|m| m.permissions()).ok();
    let perms = mode.unwrap_or_else(|| {
        use std::os::unix::fs::PermissionsExt;
        std::fs::Permissions::from_mode(0o644)
    });
    std::fs::set_permissions(tmp.path(), perms).map_err(|e| Error::new("chmod", tmp.path(), e))?;
    tmp.persist(path)
        .map_err(|e| Error::new("rename into", path, e.error))?;
    if let Ok(d) = std::fs::File::open(&dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// Escapes a file name for a `.gitignore` line as DVC does (pathspec's `GitIgnorePattern.escape`: a
/// backslash before each of `\ [ ] ! * # ?`).
pub fn gitignore_escape(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        if "\\[]!*#?".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// `text` (a `.gitignore`) with `line` appended the way DVC appends it: after a newline if the text does
/// not end with one. `None` when the line is already there.
pub fn gitignore_with_line(text: &str, line: &str) -> Option<String> {
    if text.lines().any(|l| l == line) {
        return None;
    }
    let mut new = String::with_capacity(text.len() + line.len() + 2);
    new.push_str(text);
    if !new.is_empty() && !new.ends_with('\n') {
        new.push('\n');
    }
    new.push_str(line);
    new.push('\n');
    Some(new)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_writes_replace_and_keep_permissions() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f.txt");
        write_atomic(&p, b"one").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"one");
        assert_eq!(
            std::fs::metadata(&p).unwrap().permissions().mode() & 0o777,
            0o644
        );
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
        write_atomic(&p, b"two").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"two");
        assert_eq!(
            std::fs::metadata(&p).unwrap().permissions().mode() & 0o777,
            0o600
        );
        // Only the file itself is left (no temporaries).
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        let e = write_atomic(&dir.path().join("missing/f.txt"), b"x").unwrap_err();
        assert_eq!(e.op, "create a temporary file in");
    }

    #[test]
    fn temporary_files_of_gone_processes_are_stale() {
        let dir = tempfile::tempdir().unwrap();
        let mine = temp_path(dir.path(), "dvc.yaml");
        std::fs::write(&mine, "x").unwrap();
        // pid_max is at most 2^22 on Linux: this process cannot exist.
        let gone = dir.path().join(format!("{TEMP_PREFIX}4294967290-abc"));
        std::fs::write(&gone, "x").unwrap();
        let old = dir.path().join(format!("{TEMP_PREFIX}old"));
        let f = std::fs::File::create(&old).unwrap();
        f.set_modified(SystemTime::now() - 2 * STALE_TEMP_AGE)
            .unwrap();
        let fresh = dir.path().join(format!("{TEMP_PREFIX}fresh"));
        std::fs::write(&fresh, "x").unwrap();
        std::fs::write(dir.path().join("dvc.yaml"), "x").unwrap();
        assert!(!is_stale_temp(&mine), "this process runs");
        assert_eq!(stale_temp_files(dir.path()), [gone, old]);
        // write_atomic's temporary file is named for this process too, and gone after the rename.
        write_atomic(&dir.path().join("dvc.yaml"), b"y").unwrap();
        assert_eq!(
            std::fs::read_dir(dir.path())
                .unwrap()
                .filter(|e| e
                    .as_ref()
                    .unwrap()
                    .file_name()
                    .to_string_lossy()
                    .starts_with(&own_prefix()))
                .count(),
            1,
            "only `mine` is this process's"
        );
    }

    #[test]
    fn gitignore_lines() {
        assert_eq!(gitignore_escape("a[1]#.csv"), "a\\[1\\]\\#.csv");
        assert_eq!(gitignore_escape("a!*?\\b"), "a\\!\\*\\?\\\\b");
        assert_eq!(gitignore_with_line("", "/a").as_deref(), Some("/a\n"));
        assert_eq!(gitignore_with_line("x", "/a").as_deref(), Some("x\n/a\n"));
        assert_eq!(gitignore_with_line("x\n/a\n", "/a"), None);
    }
}
