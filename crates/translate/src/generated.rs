//! The `.dvc` files translate generates carry a mark, `meta: {generated_by: kdvc}` (DVC keeps a `.dvc` file's
//! `meta` through `dvc add` and `dvc commit`). With it, translate removes its own `.dvc` files once their raw
//! input has moved or left the pipeline, with their `.gitignore` lines, as `dvc remove` would; a `.dvc` file
//! without the mark is the user's and is never removed (docs/dvc.md#generated-dvc-files).

use std::path::Path;
use std::process::Command;

use kdvc_dvc_model::{DvcFile, HashInfo, Value};

/// The key of the mark in a generated `.dvc` file's `meta`.
pub const GENERATED_BY: &str = "generated_by";

/// The mark's value.
pub const GENERATOR: &str = "kdvc";

/// Whether a `.dvc` file carries translate's mark.
pub fn is_generated(file: &DvcFile) -> bool {
    match &file.meta {
        Some(Value::Map(entries)) => entries.iter().any(|(k, v)| {
            matches!((k, v), (Value::Str(k), Value::Str(v)) if k == GENERATED_BY && v == GENERATOR)
        }),
        _ => false,
    }
}

/// The `.dvc` file translate writes for a raw input (`name` relative to the `.dvc` file's directory). When
/// a `.dvc` file is there already (`old`), its description and `meta` are kept, as `dvc add` keeps them:
/// a file of the user's stays unmarked, so it stays the user's. A new file gets the mark.
pub fn dvc_file_for(name: String, info: &HashInfo, old: Option<&DvcFile>) -> DvcFile {
    let mut file = DvcFile::for_output(name, info);
    match old {
        Some(old) => {
            file.desc.clone_from(&old.desc);
            file.meta.clone_from(&old.meta);
        }
        None => {
            file.meta = Some(Value::map([(GENERATED_BY, Value::Str(GENERATOR.into()))]));
        }
    }
    file
}

/// The `.dvc` files below `root` that git tracks or would track (`git ls-files --cached --others
/// --exclude-standard`), relative to `root`, POSIX. Empty when `root` is not in a git work tree or git
/// cannot be run: then nothing is treated as stale.
pub fn candidate_dvc_files(root: &Path) -> Vec<String> {
    let out = Command::new("git")
        .current_dir(root)
        .args([
            "ls-files",
            "-z",
            "--cached",
            "--others",
            "--exclude-standard",
            "--",
            "*.dvc",
        ])
        .output();
    let Ok(out) = out else {
        return Vec::new();
    };
    if !out.status.success() {
        return Vec::new();
    }
    let mut files: Vec<String> = out
        .stdout
        .split(|b| *b == 0)
        .filter(|p| !p.is_empty())
        .map(|p| String::from_utf8_lossy(p).into_owned())
        .filter(|p| p.ends_with(".dvc") && root.join(p).is_file())
        .collect();
    files.sort();
    files.dedup();
    files
}
