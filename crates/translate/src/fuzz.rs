//! The body of the `kdvc_config` fuzz target (`fuzz/`), a plain function so that `cargo test` replays the
//! saved corpus through it too.

use std::path::Path;

use crate::KdvcConfig;

/// Reads `data` as a `pyproject.toml` with a `[tool.kdvc]` table. Errors are fine; panics are bugs.
pub fn kdvc_config(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = KdvcConfig::from_toml_str(text, Path::new("pyproject.toml"));
}
