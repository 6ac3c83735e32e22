//! # kdvc-kedro-model
//!
//! A static model of a [Kedro](https://kedro.org) project, read without Python:
//!
//! - project discovery (`pyproject.toml` with `[tool.kedro]`, the literal parts of `settings.py`);
//! - configuration loading with the rules of Kedro's `OmegaConfigLoader` (environments, file patterns,
//!   merge strategies, `${...}` interpolation, `globals` and `runtime_params` resolvers, YAML 1.1 scalars);
//! - the data catalog (explicit entries, dataset factories, transcoding, versioned and partitioned datasets);
//! - parameters and where each value is defined;
//! - pipelines and nodes, with Kedro's exact node names, namespace renaming and pipeline algebra.
//!
//! What it leaves out: anything that needs Python to run. Reading Python source is the job of
//! `kdvc-pipeline`, which builds the pipeline types defined here. Custom resolvers, hooks that
//! change the catalog at run time and dataset classes' own behaviour are not modelled.

pub mod catalog;
pub mod config;
pub mod error;
#[doc(hidden)]
pub mod fuzz;
pub mod limits;
pub mod params;
pub mod pipeline;
pub mod project;
pub mod settings;
pub mod value;
pub mod yaml;

pub use catalog::{Catalog, DatasetInfo};
pub use config::{KedroConfig, LoadOptions};
pub use error::{Error, Location, Result};
pub use params::{Parameters, Provenance};
pub use project::{Project, ProjectMetadata};
pub use settings::{MergeStrategy, Setting, Settings};
