//! The body of the `dvc_files` fuzz target (`fuzz/`), a plain function so that `cargo test` replays the
//! saved corpus through it too.

use std::path::Path;

use crate::{DvcFile, DvcLock, DvcYaml};

/// Reads `data` as a `dvc.yaml`, a `dvc.lock` and a `.dvc` file. Errors are fine; panics are bugs.
pub fn dvc_files(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = DvcYaml::parse(text, Path::new("dvc.yaml"));
    let _ = DvcLock::parse(text, Path::new("dvc.lock"));
    let _ = DvcFile::parse(text, Path::new("data.csv.dvc"));
}
