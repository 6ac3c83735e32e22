//! What the planner needs to know about a Kedro project, independent of how it was read.
//!
//! [`PlanInput`] is deliberately small and plain so that planning can be unit-tested on inline inputs;
//! `PlanInput::from_models` (in [`crate::adapt`]) fills it from `kdvc-kedro-model`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// One Kedro node, as the planner sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeInput {
    /// The full (namespaced) node name, exactly as `kedro run --nodes` expects it.
    pub name: String,
    /// The node's namespace, if any (`a.b`).
    #[serde(default)]
    pub namespace: Option<String>,
    /// Input dataset names (`params:x`, `parameters` and transcoded `x@fmt` included), in order.
    #[serde(default)]
    pub inputs: Vec<String>,
    /// Output dataset names, in order.
    #[serde(default)]
    pub outputs: Vec<String>,
    /// Tags.
    #[serde(default)]
    pub tags: Vec<String>,
}

/// Where a dataset keeps its data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "path", rename_all = "snake_case")]
pub enum DatasetLocation {
    /// A local file, path relative to the project root (posix separators).
    File(String),
    /// A local directory, relative to the project root (versioned and partitioned datasets, Spark dirs).
    Directory(String),
    /// A remote location (`s3://...`, `https://...`): DVC cannot track it here.
    Url(String),
    /// No persistent storage (MemoryDataset, SQL tables, APIs, ...): the data does not survive the process.
    Memory,
}

impl DatasetLocation {
    /// The local path, for file and directory locations.
    pub fn local_path(&self) -> Option<&str> {
        match self {
            Self::File(p) | Self::Directory(p) => Some(p),
            _ => None,
        }
    }

    /// Whether the data survives the process that wrote it (files, directories, remote locations).
    pub fn persists(&self) -> bool {
        !matches!(self, Self::Memory)
    }
}

/// What the planner knows about one catalog dataset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DatasetInfo {
    /// The dataset type as written in the catalog (`pandas.CSVDataset`), if known.
    #[serde(default)]
    pub type_name: Option<String>,
    /// Where the data lives.
    pub location: DatasetLocation,
    /// `versioned: true`: the location is the directory holding one sub-directory per version.
    #[serde(default)]
    pub versioned: bool,
    /// `partitions.PartitionedDataset` / `IncrementalDataset`: the location is the partitions directory.
    #[serde(default)]
    pub partitioned: bool,
}

impl DatasetInfo {
    /// A dataset kept in memory.
    pub fn memory() -> Self {
        Self {
            type_name: Some("MemoryDataset".into()),
            location: DatasetLocation::Memory,
            versioned: false,
            partitioned: false,
        }
    }

    /// A plain local file of the given type.
    pub fn file(type_name: &str, path: &str) -> Self {
        Self {
            type_name: Some(type_name.into()),
            location: DatasetLocation::File(path.into()),
            versioned: false,
            partitioned: false,
        }
    }
}

/// Why DVC cannot track one parameter key itself, so that kdvc falls back to a file dependency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ParamIssue {
    /// The value is, or contains, a YAML date: DVC fails with "Object of type date is not JSON serializable".
    Date,
    /// A key on the path contains `.`: DVC cannot address it ("Parameters 'a.b' are missing").
    DottedKey,
    /// The key is not in the file as DVC reads it (e.g. a merge key or anchor trick); not addressable.
    NotAddressable,
}

/// One place that defines (part of) a parameter's effective value.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ParamSource {
    /// The parameters file, relative to the project root (posix separators).
    pub file: String,
    /// The key path in that file (`["model", "lr"]`). Empty = the whole file.
    pub key: Vec<String>,
    /// Set when DVC cannot track this key (computed from the file as DVC reads it, see
    /// [`crate::params::check_source`]).
    #[serde(default)]
    pub issue: Option<ParamIssue>,
}

impl ParamSource {
    /// A source at `file` / dotted `key` without known issues.
    pub fn new(file: &str, key: &[&str]) -> Self {
        Self {
            file: file.into(),
            key: key.iter().map(|s| (*s).to_string()).collect(),
            issue: None,
        }
    }
}

/// Everything the planner needs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanInput {
    /// The registered pipeline name the plan is for (`__default__`).
    pub pipeline: String,
    /// The Kedro run environment, when one is configured (`--env`).
    #[serde(default)]
    pub env: Option<String>,
    /// The pipeline's nodes in Kedro's topological order.
    pub nodes: Vec<NodeInput>,
    /// Dataset name (as nodes use it, transcoding included) -> what the catalog says. Names not here are
    /// undeclared: Kedro keeps them in memory.
    #[serde(default)]
    pub datasets: BTreeMap<String, DatasetInfo>,
    /// Parameter key (without `params:`) -> the places defining its effective value: the defining file and
    /// key after environment overrides, plus every key an interpolation in the value reads from.
    #[serde(default)]
    pub params: BTreeMap<String, Vec<ParamSource>>,
    /// Sources for the `parameters` input: whole parameters files (empty key) plus interpolation sources.
    #[serde(default)]
    pub parameters_sources: Vec<ParamSource>,
}

impl PlanInput {
    /// Builds the input from kedro-model's configuration and the selected pipeline; see
    /// [`crate::adapt::from_models`].
    pub fn from_models(
        root: &std::path::Path,
        config: &kdvc_kedro_model::KedroConfig,
        pipeline: &kdvc_kedro_model::pipeline::Pipeline,
        pipeline_name: &str,
        env: Option<&str>,
    ) -> crate::Result<Self> {
        crate::adapt::from_models(root, config, pipeline, pipeline_name, env)
    }
}
