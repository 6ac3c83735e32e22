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
