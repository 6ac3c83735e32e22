//! `kdvc hash`: md5, size and number of files exactly as DVC records them.

use std::path::{Path, PathBuf};

use kdvc_dvc_model::{HashOptions, hash_path};
use serde::Serialize;

use crate::error::{Error, Result};

/// What DVC records for one hashed path (`kdvc hash --json` gives a list of them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HashedPath {
    /// The path as given.
    pub path: String,
    /// `<32 hex>` for a file, `<32 hex>.dir` for a directory.
    pub md5: String,
    /// Size in bytes (the sum of the files' sizes for a directory).
    pub size: u64,
    /// Number of files, for a directory.
    pub nfiles: Option<u64>,
}

/// Hashes each path as `dvc add` would: the `.dvcignore` files of the DVC repository around it apply.
/// Stops at the first path that cannot be hashed ([`Error::Hash`]).
pub fn hash_paths(paths: &[PathBuf]) -> Result<Vec<HashedPath>> {
    paths.iter().map(|path| hash_one(path)).collect()
}

fn hash_one(path: &Path) -> Result<HashedPath> {
    let start = if path.is_dir() {
        path.to_path_buf()
    } else {
        path.parent().map(Path::to_path_buf).unwrap_or_default()
    };
    let start = if start.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        start
    };
    let opts = HashOptions {
        repo_root: kdvc_dvc_model::find_repo_root(&start),
        ..HashOptions::default()
    };
    let info = hash_path(path, &opts).map_err(|source| Error::Hash {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(HashedPath {
        path: path.to_string_lossy().into_owned(),
        md5: info.md5,
        size: info.size,
        nfiles: info.nfiles,
    })
}
