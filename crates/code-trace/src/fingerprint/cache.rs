//! The summary cache: one JSON file per file content in `<project>/.kdvc/cache/summaries/`, keyed by the
//! blake3 of the bytes and the tool, normalizer and grammar versions. Writes are atomic (temp + rename);
//! `.kdvc/.gitignore` keeps the directory out of git.

use std::path::{Path, PathBuf};

use super::summary::FileSummary;
use super::{Error, GRAMMAR_VERSION, NORMALIZER_VERSION, TOOL_VERSION};

/// Version of the summary format (bump when [`FileSummary`] or the summarizer changes).
const SUMMARY_VERSION: &str = "summary-1";

/// The cache key of a file's content.
pub(crate) fn key(content: &[u8]) -> String {
    let mut h = blake3::Hasher::new();
    for part in [
        SUMMARY_VERSION,
        TOOL_VERSION,
        NORMALIZER_VERSION,
        GRAMMAR_VERSION,
    ] {
        h.update(part.as_bytes());
        h.update(b"\0");
    }
    h.update(content);
    h.finalize().to_hex().to_string()
}

/// A directory of cached summaries, or no cache at all.
#[derive(Debug, Clone)]
pub(crate) struct SummaryCache {
    kdvc_dir: Option<PathBuf>,
}

impl SummaryCache {
    /// A cache under `kdvc_dir` (usually `<project>/.kdvc`); `None` disables caching.
    pub(crate) fn new(kdvc_dir: Option<PathBuf>) -> Self {
        Self { kdvc_dir }
    }

    fn dir(&self) -> Option<PathBuf> {
        self.kdvc_dir
            .as_ref()
            .map(|d| d.join("cache").join("summaries"))
    }

    /// The cached summary for `key`, if present and readable (a corrupt entry counts as absent).
    pub(crate) fn get(&self, key: &str) -> Option<FileSummary> {
        let path = self.dir()?.join(format!("{key}.json"));
        let bytes = std::fs::read(path).ok()?;
        serde_json::from_slice(&bytes).ok()
    }

    /// Creates the cache directory and `.kdvc/.gitignore` (`*`) if missing.
    pub(crate) fn prepare(&self) -> Result<(), Error> {
        let (Some(kdvc), Some(dir)) = (&self.kdvc_dir, self.dir()) else {
            return Ok(());
        };
        std::fs::create_dir_all(&dir).map_err(|e| Error::Io {
            path: dir.clone(),
            message: e.to_string(),
        })?;
        let ignore = kdvc.join(".gitignore");
        if !ignore.exists() {
            write_atomic(
                &ignore,
                b"# kdvc's caches and generated state; never commit them.\n*\n",
            )?;
        }
        Ok(())
    }

    /// Stores a summary (atomically).
    pub(crate) fn put(&self, key: &str, summary: &FileSummary) -> Result<(), Error> {
        let Some(dir) = self.dir() else {
            return Ok(());
        };
        let path = dir.join(format!("{key}.json"));
        let json = serde_json::to_vec(summary).map_err(|e| Error::Io {
            path: path.clone(),
            message: e.to_string(),
        })?;
        write_atomic(&path, &json)
    }
}

/// Writes `bytes` to `path` through a temporary file in the same directory and a rename.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let io = |e: std::io::Error| Error::Io {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(
        ".{name}.tmp.{}.{:?}",
        std::process::id(),
        std::thread::current().id()
    ));
    std::fs::write(&tmp, bytes).map_err(io)?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        io(e)
    })
}
