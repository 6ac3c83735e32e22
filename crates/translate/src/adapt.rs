//! Filling a [`PlanInput`] from `kdvc-kedro-model`'s project, configuration and pipeline.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use kdvc_kedro_model::catalog::Resolution;
use kdvc_kedro_model::pipeline::Pipeline;
use kdvc_kedro_model::{KedroConfig, Provenance};

use crate::error::Result;
use crate::input::{DatasetInfo, DatasetLocation, NodeInput, ParamSource, PlanInput};
use crate::params::annotate_sources;

fn posix(p: &Path) -> String {
    p.to_string_lossy().replace('\\', "/")
}

fn split_key(key: &str) -> Vec<String> {
    key.split('.').map(str::to_string).collect()
}

/// Converts kedro-model's dataset description.
pub fn dataset_info(info: &kdvc_kedro_model::DatasetInfo) -> DatasetInfo {
    let location = match (&info.filepath, info.persisted) {
        (_, false) => DatasetLocation::Memory,
        (None, true) => DatasetLocation::Memory,
        (Some(p), true) if p.contains("://") || p.starts_with('/') || p.contains(":\\") => {
            DatasetLocation::Url(p.clone())
        }
        (Some(p), true) if info.is_directory || info.versioned || info.is_partitioned => {
            DatasetLocation::Directory(p.trim_end_matches('/').to_string())
        }
        (Some(p), true) => DatasetLocation::File(p.clone()),
    };
    let short = info
        .type_as_written
        .clone()
        .unwrap_or_else(|| info.type_name.clone());
    DatasetInfo {
        type_name: Some(short),
        location,
        versioned: info.versioned,
        partitioned: info.is_partitioned,
    }
}

fn sources_of(p: &Provenance, out: &mut Vec<ParamSource>) {
    let mut add = |file: &Path, key: &str| {
        let s = ParamSource {
            file: posix(file),
            key: split_key(key),
            issue: None,
        };
        if !out.contains(&s) {
            out.push(s);
        }
    };
    if !p.runtime {
        add(&p.file, &p.key);
    }
    for r in &p.interpolated_from {
        let Some(origin) = &r.origin else { continue };
        if origin.file.as_os_str() == "--params" {
            continue;
        }
        add(&origin.file, &r.key);
    }
}

/// Builds the planner's input from a loaded configuration and the selected pipeline.
///
/// `env` is the environment to pass to `kedro run --env` (`None` = Kedro's default, no flag); `config`
/// must have been loaded for that environment. Parameter sources are checked against the files as DVC
/// reads them (dates, dotted keys), so this reads the parameters files under `root`.
pub fn from_models(
    root: &Path,
    config: &KedroConfig,
    pipeline: &Pipeline,
    pipeline_name: &str,
    env: Option<&str>,
) -> Result<PlanInput> {
    let nodes = pipeline
        .nodes()
        .iter()
        .map(|node| NodeInput {
            name: node.name.clone(),
            namespace: node.namespace.clone(),
            inputs: node.inputs.clone(),
            outputs: node.outputs.clone(),
            tags: node.tags.iter().cloned().collect(),
        })
        .collect();
    from_parts(root, config, nodes, pipeline_name, env)
}

/// Like [`from_models`], with the nodes given directly in Kedro's topological order (for
/// `kdvc translate --introspect`, where Kedro itself lists them).
pub fn from_parts(
    root: &Path,
    config: &KedroConfig,
    nodes: Vec<NodeInput>,
    pipeline_name: &str,
    env: Option<&str>,
) -> Result<PlanInput> {
    let catalog = config.catalog();
    let params = config.parameters();
    let mut input = PlanInput {
        pipeline: pipeline_name.to_string(),
        env: env.map(str::to_string),
        nodes,
        ..PlanInput::default()
    };
    let leaves = params.leaf_provenance();
    let mut names: BTreeSet<String> = BTreeSet::new();
    for node in &input.nodes {
        names.extend(node.inputs.iter().cloned());
        names.extend(node.outputs.iter().cloned());
    }
    for name in &names {
        let name = name.as_str();
        if name == "parameters" {
            let mut sources: Vec<ParamSource> = Vec::new();
            for f in config.files.iter().filter(|f| f.key == "parameters") {
                let s = ParamSource {
                    file: posix(&f.path),
                    key: Vec::new(),
                    issue: None,
                };
                if !sources.contains(&s) {
                    sources.push(s);
                }
            }
            let mut refs = Vec::new();
            for leaf in &leaves {
                let mut one = Vec::new();
                sources_of(leaf, &mut one);
                // The leaf itself is covered by its whole file; keep only interpolation sources.
                refs.extend(one.into_iter().skip(usize::from(!leaf.runtime)));
            }
            for r in refs {
                if !sources
                    .iter()
                    .any(|s| s.file == r.file && (s.key.is_empty() || s.key == r.key))
                {
                    sources.push(r);
                }
            }
            input.parameters_sources = sources;
            continue;
        }
        if let Some(key) = name.strip_prefix("params:") {
            let Some(p) = params.provenance(key) else {
                continue;
            };
            let mut sources = Vec::new();
            sources_of(&p, &mut sources);
            // Interpolations and other files inside a mapping value.
            let prefix = format!("{key}.");
            for leaf in leaves.iter().filter(|l| l.key.starts_with(&prefix)) {
                let mut one = Vec::new();
                sources_of(leaf, &mut one);
                for (i, s) in one.into_iter().enumerate() {
                    // The leaf's own definition is covered when it sits in the mapping's file.
                    let own = i == 0 && !leaf.runtime;
                    if own && sources.first().is_some_and(|d| d.file == s.file) {
                        continue;
                    }
                    if !sources.contains(&s) {
                        sources.push(s);
                    }
                }
            }
            input.params.insert(key.to_string(), sources);
            continue;
        }
        let info = catalog.resolve(name);
        if matches!(info.resolution, Resolution::Parameter) {
            continue;
        }
        input.datasets.insert(name.to_string(), dataset_info(&info));
    }
    // Mark what DVC cannot track, reading each parameters file once.
    let mut all: Vec<&mut ParamSource> = input.params.values_mut().flatten().collect();
    all.extend(input.parameters_sources.iter_mut());
    annotate_sources(root, all)?;
    Ok(input)
}

/// Parameter key -> sources for every parameter of the configuration (for `kdvc exp run -S`).
pub fn param_sources(config: &KedroConfig) -> BTreeMap<String, Vec<ParamSource>> {
    let params = config.parameters();
    let mut out = BTreeMap::new();
    for name in params.dataset_names() {
        let key = name.trim_start_matches("params:");
        if let Some(p) = params.provenance(key) {
            let mut v = Vec::new();
            sources_of(&p, &mut v);
            out.insert(key.to_string(), v);
        }
    }
    out
}
