//! Code fingerprints wired into DVC (docs/fingerprint.md#wiring-into-dvc): per-node fingerprints from
//! `kdvc-fingerprint`, grouped into the generated stages of `dvc.yaml`, written as one small file per stage.
//!
//! `kdvc translate` (with `[tool.kdvc] code_fingerprints`, on by default) adds a stage, `kdvc-fingerprint`,
//! that runs `kdvc fingerprint` whenever the code, the configuration or the pinned packages change, and lists
//! every `.kdvc/fp/<stage>.txt` as an uncached, persistent out; each generated stage depends on its own file. A plain `dvc repro` therefore runs the fingerprint stage first,
//! and reruns exactly the stages whose file content changed. [`update`] writes a file only when its content
//! changes, so an unchanged stage keeps its hash (and its file's mtime).
//!
//! The stage-to-nodes mapping is read from `dvc.yaml` itself (`meta.kdvc.nodes` of each generated stage), so
//! the fingerprints always follow the stages DVC actually runs.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use kdvc_dvc_model::{DvcYaml, StageDef, Value};
use kdvc_fingerprint::{
    Engine, EntryPoint, Fingerprint, FuncRef as FpFunc, ProjectSources, Record, SourceProvider,
    Warning,
};
use kdvc_kedro_model::Project;
use kdvc_kedro_model::catalog::Catalog;
use kdvc_kedro_model::config::KedroConfig;
use kdvc_kedro_model::pipeline::{FuncKind, Node};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::plan::FingerprintWiring;

/// Where `kdvc fingerprint` keeps the last computed record of every node (for `kdvc trace`).
pub const RECORD_FILE: &str = ".kdvc/fingerprints.json";

/// The fingerprint entry point of a Kedro node: its function (or partial / lambda), plus the first-party
/// dataset classes its datasets use through the catalog.
pub fn entry_point(node: &Node, catalog: &Catalog, project: &Project) -> EntryPoint {
    let package = &project.metadata.package_name;
    let plain = FpFunc::Function {
        module: node.func.module.clone(),
        name: node.func.name.clone(),
    };
    let func = match &node.func.kind {
        FuncKind::Plain => plain,
        FuncKind::Partial {
            args_source,
            call_span,
        } => FpFunc::Partial {
            inner: Box::new(plain),
            args: args_source.clone(),
            // Names in the partial's arguments resolve in the module the `partial(...)` is written in.
            module: call_span
                .as_ref()
                .and_then(|span| module_of(project, &span.file)),
        },
        FuncKind::Lambda { source } => FpFunc::Lambda {
            module: node.func.module.clone(),
            source: source.clone(),
        },
        FuncKind::LlmContext { .. } => plain,
    };
    let prefix = format!("{package}.");
    let mut extra: Vec<String> = node
        .inputs
        .iter()
        .chain(&node.outputs)
        .filter(|d| *d != "parameters" && !d.starts_with("params:"))
        .map(|d| catalog.resolve(d).type_name)
        .filter(|t| t.starts_with(&prefix))
        .collect();
    extra.sort();
    extra.dedup();
    // An `llm_context_node` runs its tool builders: their code is part of the node's.
    if let FuncKind::LlmContext { tools } = &node.func.kind {
        extra.extend(tools.iter().cloned());
    }
    EntryPoint {
        func,
        extra_symbols: extra,
    }
}

/// The dotted module name of a Python file below the project's source root (`None` outside it).
fn module_of(project: &Project, file: &Path) -> Option<String> {
    let root = project.source_root();
    let rel = file
        .strip_prefix(&root)
        .or_else(|_| {
            file.strip_prefix(&project.root)
                .and_then(|r| r.strip_prefix(&project.metadata.source_dir))
        })
        .ok()?;
    let mut parts: Vec<String> = rel
        .with_extension("")
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if parts.last().is_some_and(|p| p == "__init__") {
        parts.pop();
    }
    (!parts.is_empty()).then(|| parts.join("."))
}

/// Fingerprints of every node in `nodes`, read from `src` (the work tree, or a git revision), each with
/// its closure (walked on demand: meant for a few nodes, as `kdvc trace` asks).
pub fn node_fingerprints<'a>(
    project: &Project,
    nodes: impl IntoIterator<Item = &'a Node>,
    catalog: &Catalog,
    src: &dyn SourceProvider,
    use_cache: bool,
) -> Result<BTreeMap<String, Fingerprint>> {
    let entries = entries(project, nodes, catalog);
    let index = engine(project, use_cache).summarize(src).map_err(fp_err)?;
    Ok(entries
        .into_iter()
        .map(|(k, e)| {
            let fp = index.fingerprint(&e);
            (k, fp)
        })
        .collect())
}

/// The `(node name, entry point)` pairs of `nodes`, sorted by name, without duplicates.
pub fn entries<'a>(
    project: &Project,
    nodes: impl IntoIterator<Item = &'a Node>,
    catalog: &Catalog,
) -> Vec<(String, EntryPoint)> {
    let mut map: BTreeMap<String, EntryPoint> = BTreeMap::new();
    for node in nodes {
        map.entry(node.name.clone())
            .or_insert_with(|| entry_point(node, catalog, project));
    }
    map.into_iter().collect()
}

/// A fingerprint engine for the project (summaries cached in `.kdvc/` unless `use_cache` is false).
pub fn engine(project: &Project, use_cache: bool) -> Engine {
    let sources = ProjectSources::kedro(
        project.root.clone(),
        project.metadata.source_dir.clone(),
        project.metadata.package_name.clone(),
    );
    let engine = Engine::new(sources);
    if use_cache {
        engine
    } else {
        engine.with_cache_dir(None)
    }
}

fn fp_err(e: kdvc_fingerprint::Error) -> Error {
    Error::Fingerprint(e.to_string())
}

/// One generated stage's code fingerprint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StageFingerprint {
    /// The DVC stage.
    pub stage: String,
    /// Its fingerprint file, relative to the project root.
    pub file: String,
    /// Its nodes and their fingerprints, in the stage's order.
    pub nodes: Vec<(String, String)>,
    /// Whether the file was (re)written because its content changed.
    pub written: bool,
}

/// The outcome of [`update`].
#[derive(Debug, Clone, Serialize)]
pub struct FingerprintRun {
    /// Every generated stage that has a fingerprint file.
    pub stages: Vec<StageFingerprint>,
    /// Every node's fingerprint.
    pub nodes: BTreeMap<String, String>,
    /// The Python version the fingerprints record.
    pub python: String,
    /// True when no input changed since the last run and its fingerprints were reused as they were.
    pub reused: bool,
    /// Fallbacks that widened some closure.
    pub warnings: Vec<Warning>,
}

/// A generated stage that depends on a fingerprint file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FingerprintedStage {
    /// The DVC stage.
    pub stage: String,
    /// Its fingerprint file, relative to the project root.
    pub file: String,
    /// The Kedro nodes it runs (`meta.kdvc.nodes`).
    pub nodes: Vec<String>,
    /// Parameter inputs whose values go into the file (`meta.kdvc.fingerprint_params`).
    pub params: Vec<String>,
}

fn string_list(meta: Option<&Value>, key: &str) -> Vec<String> {
    meta.and_then(|m| m.get("kdvc"))
        .and_then(|k| k.get(key))
        .map(|n| match n {
            Value::Seq(items) => items
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect(),
            _ => Vec::new(),
        })
        .unwrap_or_default()
}

/// The stages of `dvc.yaml` that depend on a fingerprint file of `wiring`, with the Kedro nodes they run,
/// in file order.
pub fn fingerprinted_stages(
    dvc_yaml: &DvcYaml,
    wiring: &FingerprintWiring,
) -> Vec<FingerprintedStage> {
    let mut out = Vec::new();
    for (name, def) in &dvc_yaml.stages {
        let StageDef::Stage(stage) = def else {
            continue;
        };
        let file = wiring.file_for(name);
        if !stage.deps.contains(&file) {
            continue;
        }
        out.push(FingerprintedStage {
            stage: name.clone(),
            file,
            nodes: string_list(stage.meta.as_ref(), "nodes"),
            params: string_list(stage.meta.as_ref(), "fingerprint_params"),
        });
    }
    out
}

/// The text of a stage's fingerprint file: one line per node, `<fingerprint>  <node name>`, then one line
/// per parameter DVC cannot track itself, `<name> = <JSON value>`.
pub fn stage_file_text(
    stage: &str,
    nodes: &[(String, String)],
    params: &[(String, String)],
) -> String {
    let mut text = format!(
        "# Code fingerprints of DVC stage '{stage}', written by `kdvc fingerprint`. Do not edit.\n"
    );
    for (node, fp) in nodes {
        text.push_str(fp);
        text.push_str("  ");
        text.push_str(node);
        text.push('\n');
    }
    for (name, value) in params {
        text.push_str(name);
        text.push_str(" = ");
        text.push_str(value);
        text.push('\n');
    }
    text
}

/// Computes every node's fingerprint from the work tree and rewrites the fingerprint files of the stages
/// in `dvc.yaml` whose content changed; records every node in [`RECORD_FILE`].
///
/// A node named in `dvc.yaml` but missing from `nodes` is an error: the project changed since the last
/// `kdvc translate` (run it again).
pub fn update(
    project: &Project,
    nodes: &[&Node],
    config: &KedroConfig,
    wiring: &FingerprintWiring,
) -> Result<FingerprintRun> {
    let src = kdvc_fingerprint::FsSource::new(project.root.clone());
    update_from(project, nodes, config, wiring, &src)
}

/// [`update`], reading the sources through `src` (the work tree of `project`, possibly wrapped, e.g. to
/// report progress).
pub fn update_from(
    project: &Project,
    nodes: &[&Node],
    config: &KedroConfig,
    wiring: &FingerprintWiring,
    src: &dyn kdvc_fingerprint::SourceProvider,
) -> Result<FingerprintRun> {
    let catalog = config.catalog();
    let root = &project.root;
    let dvc_yaml_path = root.join("dvc.yaml");
    if !dvc_yaml_path.exists() {
        return Err(Error::NoDvcYaml {
            file: dvc_yaml_path,
        });
    }
    let dvc_yaml = DvcYaml::read(&dvc_yaml_path).map_err(|e| Error::Fingerprint(e.to_string()))?;
    let staged = fingerprinted_stages(&dvc_yaml, wiring);
    let by_name: BTreeMap<&str, &Node> = nodes.iter().map(|n| (n.name.as_str(), *n)).collect();
    let mut wanted: Vec<&Node> = Vec::new();
    for FingerprintedStage {
        stage,
        nodes: stage_nodes,
        ..
    } in &staged
    {
        for n in stage_nodes {
            let node = by_name.get(n.as_str()).ok_or_else(|| {
                Error::Fingerprint(format!(
                    "dvc.yaml stage '{stage}' runs Kedro node '{n}', which the project no longer has; \
                     run `kdvc translate` to regenerate dvc.yaml"
                ))
            })?;
            wanted.push(node);
        }
    }
    let entries = entries(project, wanted.iter().copied(), catalog);
    let engine = engine(project, true);
    let record_path = root.join(RECORD_FILE);
    let mut set = engine.fingerprint_entries(src, &entries).map_err(fp_err)?;
    if set.reused && !record_path.exists() {
        // The record was deleted: compute it again.
        let mut fresh = engine
            .summarize(src)
            .map_err(fp_err)?
            .fingerprint_all(&entries);
        fresh.key = set.key.take();
        set = fresh;
    }
    let fps: BTreeMap<String, String> = set.nodes.iter().cloned().collect();

    let mut stages = Vec::new();
    for FingerprintedStage {
        stage,
        file,
        nodes: stage_nodes,
        params,
    } in staged
    {
        let pairs: Vec<(String, String)> = stage_nodes
            .iter()
            .map(|n| (n.clone(), fps[n].clone()))
            .collect();
        let values: Vec<(String, String)> = params
            .iter()
            .map(|p| {
                let value = config
                    .parameters()
                    .lookup_text(p)
                    .unwrap_or_else(|| "null".to_owned());
                (p.clone(), value)
            })
            .collect();
        let text = stage_file_text(&stage, &pairs, &values);
        let path = root.join(&file);
        let written = write_if_changed(&path, &text)?;
        stages.push(StageFingerprint {
            stage,
            file,
            nodes: pairs,
            written,
        });
    }
    if let Some(record) = &set.record {
        let record =
            serde_json::to_string(record).map_err(|e| Error::Fingerprint(e.to_string()))?;
        write_if_changed(&record_path, &record)?;
    }
    // Only now that the files are written may the next run reuse this result.
    engine.save(&set).map_err(fp_err)?;
    Ok(FingerprintRun {
        stages,
        nodes: fps,
        python: set.python,
        reused: set.reused,
        warnings: set.warnings,
    })
}

/// The record written by the last [`update`], if any ([`Record::fingerprint`] rebuilds a node's closure).
pub fn last_record(root: &Path) -> Result<Option<Record>> {
    let path = root.join(RECORD_FILE);
    match std::fs::read_to_string(&path) {
        Ok(text) => serde_json::from_str(&text).map(Some).map_err(|e| {
            Error::Fingerprint(format!(
                "{}: {e}; delete it and run `kdvc fingerprint`",
                path.display()
            ))
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io(path, e)),
    }
}

/// Writes `text` to `path` atomically unless the file already holds exactly that; returns whether it wrote.
fn write_if_changed(path: &PathBuf, text: &str) -> Result<bool> {
    if std::fs::read_to_string(path).is_ok_and(|old| old == text) {
        return Ok(false);
    }
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
    }
    kdvc_dvc_model::write_atomic(path, text.as_bytes())
        .map_err(|e| Error::io(path, std::io::Error::other(e.to_string())))?;
    Ok(true)
}

/// The `(old, new)` fingerprints of one node whose fingerprint differs between two revisions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeDiff {
    /// The Kedro node.
    pub node: String,
    /// The generated DVC stage that runs it, if `dvc.yaml` has one.
    pub stage: Option<String>,
    /// Fingerprint at the old revision.
    pub before: String,
    /// Fingerprint at the new revision.
    pub after: String,
    /// Symbols whose code changed, was added to or removed from the closure.
    pub changed_symbols: Vec<String>,
}
