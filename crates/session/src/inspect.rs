//! What `kdvc pipelines`, `kdvc catalog` and `kdvc params` show: the project as kdvc reads it.

use std::collections::{BTreeSet, HashSet};
use std::path::{Path, PathBuf};

use indexmap::IndexMap;
use serde::Serialize;

use crate::error::{PipelineOrigin, Result};
use crate::session::Session;
use crate::warning::Warning;

/// The registered pipelines and their nodes (`kdvc pipelines --json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PipelinesView {
    /// Pipeline name to pipeline, in registration order.
    pub pipelines: IndexMap<String, PipelineView>,
}

/// One pipeline of a [`PipelinesView`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PipelineView {
    /// Its nodes in topological order.
    pub nodes: Vec<NodeView>,
}

/// One node of a [`PipelineView`], with Kedro's exact names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NodeView {
    /// The full node name (namespace included).
    pub name: String,
    /// The namespace, if any.
    pub namespace: Option<String>,
    /// Input dataset names, in order.
    pub inputs: Vec<String>,
    /// Output dataset names, in order.
    pub outputs: Vec<String>,
    /// Tags, sorted.
    pub tags: BTreeSet<String>,
    /// The dotted module of the node's function.
    pub func_module: String,
    /// The function's name (`partial(<name>)` for a partial).
    pub func_name: String,
}

/// Every catalog entry and every dataset the pipelines use (`kdvc catalog --json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CatalogView {
    /// Dataset name to what it resolves to: the explicit entries in catalog order, then the other
    /// datasets the pipelines use, sorted.
    pub datasets: IndexMap<String, DatasetView>,
}

/// One dataset of a [`CatalogView`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DatasetView {
    /// The dataset type as Kedro imports it.
    #[serde(rename = "type")]
    pub type_name: String,
    /// Its location (relative to the project root, or a URL), if it has one.
    pub filepath: Option<String>,
    /// Whether it is versioned.
    pub versioned: bool,
    /// Whether the data outlives the run (false for memory datasets).
    pub persisted: bool,
}

/// The merged parameters (`kdvc params`): serialized as the parameter tree itself (`kdvc params --json`),
/// with where each leaf value is defined.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamsView {
    /// The merged parameter tree, as Kedro's `config_loader["parameters"]` gives it.
    pub tree: serde_json::Value,
    /// Every leaf value (not a mapping), in Kedro's order.
    pub leaves: Vec<ParamLeaf>,
}

impl Serialize for ParamsView {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.tree.serialize(serializer)
    }
}

/// One leaf of a [`ParamsView`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ParamLeaf {
    /// The dotted key path.
    pub key: String,
    /// Its value (`None` when it cannot be looked up by its dotted key).
    pub value: Option<serde_json::Value>,
    /// Its value as JSON text, as fingerprint files record it: `Infinity`, `-Infinity`, `NaN` and
    /// integers beyond 64 bits written as Python's `json.dumps` writes them (JSON values have no such
    /// numbers).
    #[serde(skip)]
    pub text: Option<String>,
    /// Where it is defined.
    pub origin: ParamOrigin,
}

/// Where a [`ParamLeaf`] is defined.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ParamOrigin {
    /// A line of a parameters file.
    File {
        /// The file, relative to the project root.
        file: PathBuf,
        /// 1-based line.
        line: usize,
    },
    /// The runtime parameters ([`crate::Options::runtime_params`]).
    Runtime,
}

impl Session {
    /// The registered pipelines with their nodes; with `only`, just that pipeline
    /// ([`crate::Error::UnknownPipeline`] when it is not registered).
    pub fn pipelines_view(&self, only: Option<&str>) -> Result<PipelinesView> {
        let registry = self.registry()?;
        let names: Vec<&str> = match only {
            Some(name) => {
                self.registered_pipeline(name, PipelineOrigin::Shown)?;
                vec![name]
            }
            None => registry.names(),
        };
        let mut pipelines = IndexMap::new();
        for name in names {
            let Some(pipeline) = registry.get(name) else {
                continue;
            };
            let nodes = pipeline
                .nodes()
                .iter()
                .map(|n| NodeView {
                    name: n.name.clone(),
                    namespace: n.namespace.clone(),
                    inputs: n.inputs.clone(),
                    outputs: n.outputs.clone(),
                    tags: n.tags.clone(),
                    func_module: n.func.module.clone(),
                    func_name: n.func.display_name(),
                })
                .collect();
            pipelines.insert(name.to_owned(), PipelineView { nodes });
        }
        Ok(PipelinesView { pipelines })
    }

    /// Every explicit catalog entry, then every other dataset the pipelines use (factory matches and
    /// in-memory datasets), resolved. When the pipelines cannot be read, the explicit entries only, with
    /// a [`Warning::CatalogWithoutPipelines`].
    pub fn catalog_view(&self) -> Result<CatalogView> {
        let catalog = self.catalog()?;
        let mut names: Vec<String> = catalog
            .explicit_names()
            .into_iter()
            .map(str::to_owned)
            .collect();
        match self.registry() {
            Ok(registry) => {
                let known: HashSet<String> = names.iter().cloned().collect();
                let mut used = BTreeSet::new();
                for pipeline in registry.pipelines.values() {
                    for node in pipeline.nodes() {
                        used.extend(node.inputs.iter().chain(&node.outputs).cloned());
                    }
                }
                names.extend(used.into_iter().filter(|name| {
                    name != "parameters" && !name.starts_with("params:") && !known.contains(name)
                }));
            }
            Err(err) => self.warn(Warning::CatalogWithoutPipelines(Box::new(err))),
        }
        let datasets = names
            .into_iter()
            .map(|name| {
                let info = catalog.resolve(&name);
                let view = DatasetView {
                    type_name: info.type_name,
                    filepath: info.filepath,
                    versioned: info.versioned,
                    persisted: info.persisted,
                };
                (name, view)
            })
            .collect();
        Ok(CatalogView { datasets })
    }

    /// The merged parameters and where each leaf is defined.
    pub fn params_view(&self) -> Result<ParamsView> {
        let params = self.parameters()?;
        let leaves = params
            .leaf_provenance()
            .into_iter()
            .map(|p| ParamLeaf {
                value: params.lookup(&format!("params:{}", p.key)),
                text: params.lookup_text(&format!("params:{}", p.key)),
                origin: if p.runtime {
                    ParamOrigin::Runtime
                } else {
                    ParamOrigin::File {
                        file: p
                            .file
                            .strip_prefix(self.root())
                            .map_or_else(|_| p.file.clone(), Path::to_path_buf),
                        line: p.line,
                    }
                },
                key: p.key,
            })
            .collect();
        Ok(ParamsView {
            tree: params.to_json(),
            leaves,
        })
    }
}
