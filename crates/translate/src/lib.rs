//! # kdvc-translate
//!
//! Maps a Kedro project onto DVC: stage planning (one stage per node, fusing nodes joined by in-memory
//! datasets), dependencies, parameters and outputs, merging with an existing `dvc.yaml` without losing a
//! user's own stages, and `.dvc` files for raw inputs.
//!
//! Rendering the stages as an Argo Workflow is the job of `kdvc-k8s` (see docs/kubernetes.md).
//!
//! What it leaves out: file-format details (see `kdvc-dvc-model`) and reading Python (see `kdvc-pipeline` and `kdvc-fingerprint`).

//! The entry points are [`prepare_project`] (everything `kdvc translate` would write for a Kedro project, as
//! a [`Translation`] to diff or write) and, below it, [`plan`], which maps a pipeline's nodes and datasets
//! onto stages:
//!
//! ```
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use kdvc_translate::{DatasetInfo, NodeInput, PlanInput, PlanOptions, plan};
//!
//! let node = |name: &str, inputs: &[&str], outputs: &[&str]| NodeInput {
//!     name: name.into(),
//!     namespace: None,
//!     inputs: inputs.iter().map(|s| s.to_string()).collect(),
//!     outputs: outputs.iter().map(|s| s.to_string()).collect(),
//!     tags: Vec::new(),
//! };
//! let mut input = PlanInput { pipeline: "__default__".into(), ..PlanInput::default() };
//! // `clean` hands `cleaned` to `train` in memory: the two nodes become one stage.
//! input.nodes = vec![
//!     node("clean", &["raw"], &["cleaned"]),
//!     node("train", &["cleaned"], &["model"]),
//! ];
//! input.datasets.insert("raw".into(), DatasetInfo::file("pandas.CSVDataset", "data/01_raw/raw.csv"));
//! input.datasets.insert("model".into(), DatasetInfo::file("pickle.PickleDataset", "data/06_models/model.pkl"));
//!
//! let planned = plan(&input, &PlanOptions::default())?;
//! assert_eq!(planned.stages.len(), 1);
//! assert_eq!(planned.stages[0].nodes, ["clean", "train"]);
//! assert_eq!(planned.raw_inputs.len(), 1, "data/01_raw/raw.csv gets a .dvc file");
//! # Ok(())
//! # }
//! ```

pub mod adapt;
pub mod config;
pub mod emit;
pub mod error;
pub mod fingerprints;
#[doc(hidden)]
pub mod fuzz;
pub mod generated;
mod gitignore;
pub mod input;
pub mod merge;
pub mod names;
pub mod params;
pub mod plan;
pub mod scm;
pub mod translate;
mod yaml;

pub use config::{KdvcConfig, MatchRules, OutKind};
pub use error::{Error, Result};
pub use gitignore::NEGATION_BLOCK;
pub use input::{DatasetInfo, DatasetLocation, NodeInput, ParamIssue, ParamSource, PlanInput};
pub use merge::{MergeOutcome, UserStages, merge_dvc_yaml, prune_lock, user_stages};
pub use params::{ParamEdit, annotate_sources, check_source, set_param, set_scalar};
pub use plan::{FingerprintWiring, OutPlan, Plan, PlanOptions, RawInput, StagePlan, plan};
pub use translate::{
    CacheObject, CacheSource, DVCIGNORE_BLOCK, FileChange, FileRemoval, HashProgress,
    TranslateReport, Translation, fingerprint_wiring, prepare, prepare_project,
    prepare_project_with, prepare_with,
};
