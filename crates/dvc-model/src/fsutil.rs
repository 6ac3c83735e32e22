//! File-system utilities: atomic writes and the `.gitignore` entries `dvc add` / `dvc repro` make.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Writes `bytes` to `path` atomically: a temporary file in the same directory, fsync, rename (and a
/// best-effort fsync of the directory). Readers see the old or the new content, never a mix.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".kdvc-tmp-")
        .tempfile_in(&dir)
        .map_err(|e| Error::io("create a temporary file in", &dir, e))?;
    tmp.write_all(bytes)
        .map_err(|e| Error::io("write", tmp.path(), e))?;
    tmp.as_file()
        .sync_all()
        .map_err(|e| Error::io("sync", tmp.path(), e))?;
    // Keep the permissions of an existing file (tempfile creates 0600).
    let mode = std::fs::metadata(path).map(|m| m.permissions()).ok();
    let perms = mode.unwrap_or_else(|| {
        use std::os::unix::fs::PermissionsExt;
        std::fs::Permissions::from_mode(0o644)
    });
    std::fs::set_permissions(tmp.path(), perms).map_err(|e| Error::io("chmod", tmp.path(), e))?;
    tmp.persist(path)
        .map_err(|e| Error::io("rename into", path, e.error))?;
    if let Ok(d) = std::fs::File::open(&dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// Makes sure the `.gitignore` of `out`'s parent directory lists `/<basename of out>`, as DVC does for
/// every cached output (`dvc add`, `dvc repro`). Creates the file if needed, appends the entry (with a
/// newline before it if the file does not end with one). Returns whether the file changed.
///
/// `out` is a path on disk (absolute or relative to the current directory).
pub fn ensure_gitignored(out: &Path) -> Result<bool> {
    let name = out.file_name().ok_or_else(|| Error::Invalid {
        path: out.to_path_buf(),
        message: "an output path must end with a file or directory name".into(),
    })?;
    let dir = match out.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let entry = format!("/{}", gitignore_escape(&name.to_string_lossy()));
    let gi = dir.join(".gitignore");
    let text = match std::fs::read_to_string(&gi) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(Error::io("read", &gi, e)),
    };
    if text.lines().any(|l| l == entry) {
        return Ok(false);
    }
    let mut new = text;
    if !new.is_empty() && !new.ends_with('\n') {
        new.push('\n');
    }
    new.push_str(&entry);
    new.push('\n');
    write_atomic(&gi, new.as_bytes())?;
    Ok(true)
}

/// Escapes a file name for a `.gitignore` line as DVC does (pathspec's `GitIgnorePattern.escape`: a
/// backslash before each of `\\ [ ] ! * # ?`).
fn gitignore_escape(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        if "\\[]!*#?".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}
