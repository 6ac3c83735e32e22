//! # kdvc-dvc-model
//!
//! Typed models of DVC 3 files and hashing identical to DVC's:
//!
//! - `dvc.yaml` (strict, every stage field of DVC's schema), `dvc.lock` (schema 2.0) and `.dvc` files,
//!   read and written back with the key order DVC uses;
//! - md5 of files (streamed) and the `.dir` manifest of directories, byte-identical to DVC 3,
//!   honouring `.dvcignore`, symlinks and empty directories; the legacy `md5-dos2unix` hash of DVC 2.
//!
//! What it leaves out: running stages, the DVC cache and remotes, experiments. Those stay DVC's job.
//!
//! The entry points are the file models ([`DvcYaml`], [`DvcLock`], [`DvcFile`]: `parse`/`read`, then
//! `to_yaml`, which writes what DVC itself would write) and [`hash_path`]:
//!
//! ```
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use std::path::Path;
//! use kdvc_dvc_model::{DvcYaml, HashOptions, hash_path};
//!
//! let dir = tempfile::tempdir()?;
//! std::fs::write(dir.path().join("raw.csv"), "a,b\n1,2\n")?;
//! let info = hash_path(&dir.path().join("raw.csv"), &HashOptions::default())?;
//! assert_eq!((info.md5.as_str(), info.size), ("e5ebd4c02cefbe7955977c67ada242b7", 8));
//!
//! let text = "stages:\n  prepare:\n    cmd: python prepare.py\n    deps:\n    - raw.csv\n    outs:\n    - prepared.csv\n";
//! let dvc_yaml = DvcYaml::parse(text, Path::new("dvc.yaml"))?;
//! assert_eq!(dvc_yaml.to_yaml(), text);
//! # Ok(())
//! # }
//! ```

mod dvcignore;
pub mod error;
pub mod fsutil;
#[doc(hidden)]
pub mod fuzz;
pub mod hash;
pub mod model;
mod read;
pub mod value;
pub mod yaml;

pub use error::{Error, Location, Result};
pub use fsutil::{ensure_gitignored, write_atomic};
pub use hash::{
    DirManifest, HashAlgorithm, HashInfo, HashOptions, ManifestEntry, dir_manifest, file_md5,
    find_repo_root, hash_path,
};
pub use model::{
    Artifact, Cmd, DvcFile, DvcLock, DvcYaml, Entry, LockStage, Out, OutFlags, ParamDep, Stage,
    StageDef, TopPlot,
};
pub use value::Value;
