//! File-system utilities: atomic writes and the `.gitignore` entries `dvc add` / `dvc repro` make, on
//! `kdvc-fsutil`.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

impl From<kdvc_fsutil::Error> for Error {
    fn from(e: kdvc_fsutil::Error) -> Self {
        Error::Io {
            op: e.op,
            path: e.path,
            source: e.source,
        }
    }
}

/// Writes `bytes` to `path` atomically ([`kdvc_fsutil::write_atomic`]).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    Ok(kdvc_fsutil::write_atomic(path, bytes)?)
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
    let entry = format!(
        "/{}",
        kdvc_fsutil::gitignore_escape(&name.to_string_lossy())
    );
    let gi = dir.join(".gitignore");
    let text = match std::fs::read_to_string(&gi) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(Error::io("read", &gi, e)),
    };
    let Some(new) = kdvc_fsutil::gitignore_with_line(&text, &entry) else {
        return Ok(false);
    };
    write_atomic(&gi, new.as_bytes())?;
    Ok(true)
}
