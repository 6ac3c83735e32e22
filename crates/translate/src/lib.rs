//! # kdvc-translate
//!
//! Maps a Kedro project onto DVC: stage planning (one stage per node, fusing nodes joined by in-memory
//! datasets), dependencies, parameters and outputs, merging with an existing `dvc.yaml` without losing a
//! user's own stages, and `.dvc` files for raw inputs.
//!
//! Not yet here: rendering the stages as an Argo Workflow (mission point 5; no issue covers it yet).
//!
//! What it leaves out: file-format details (see `kdvc-dvc-model`) and reading Python (see `kdvc-pipeline` and `kdvc-fingerprint`).

pub mod adapt;
pub mod config;
pub mod emit;
pub mod error;
pub mod fingerprints;
mod gitignore;
pub mod input;
pub mod merge;
pub mod names;
pub mod params;
pub mod plan;
pub mod translate;
mod yaml;

pub use config::{KdvcConfig, MatchRules, OutKind};
pub use error::{Error, Result};
pub use gitignore::NEGATION_BLOCK;
pub use input::{DatasetInfo, DatasetLocation, NodeInput, ParamIssue, ParamSource, PlanInput};
pub use merge::{MergeOutcome, UserStages, merge_dvc_yaml, prune_lock, user_stages};
pub use params::{ParamEdit, annotate_sources, check_source, set_param, set_scalar};
pub use plan::{FingerprintSeam, OutPlan, Plan, PlanOptions, RawInput, StagePlan, plan};
pub use translate::{
    CacheObject, CacheSource, DVCIGNORE_BLOCK, FileChange, HashProgress, TranslateReport,
    Translation, fingerprint_seam, prepare, prepare_project, prepare_project_with, prepare_with,
};
