//! `kdvc fingerprint`, `kdvc trace` and `kdvc diff`: code fingerprints of Kedro nodes.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::process::ExitCode;

use anyhow::Context as _;
use kdvc_fingerprint::{FsSource, GitTreeSource, SourceProvider};
use kdvc_kedro_model::Project;
use kdvc_kedro_model::config::KedroConfig;
use kdvc_kedro_model::pipeline::{Node, Registry};
use kdvc_translate::FingerprintSeam;
use kdvc_translate::fingerprints::{self, NodeDiff};
use serde_json::json;

use crate::args::{DiffArgs, FingerprintArgs, ProjectArgs, ReadArgs, TraceArgs};

/// The project, its configuration and every node of every registered pipeline (deduplicated by name).
struct Loaded {
    project: Project,
    config: KedroConfig,
    registry: Registry,
}

impl Loaded {
    fn new(args: &ProjectArgs) -> anyhow::Result<Self> {
        let project = super::project::discover(args)?;
        let config = super::project::config(&project, args, None)?;
        let read = ReadArgs {
            introspect: false,
            python: None,
        };
        let registry = super::project::registry(&project, Some(config.env()), &read)?;
        Ok(Self {
            project,
            config,
            registry,
        })
    }

    fn nodes(&self) -> Vec<&Node> {
        let mut seen = BTreeMap::new();
        for pipeline in self.registry.pipelines.values() {
            for node in pipeline.nodes() {
                seen.entry(node.name.as_str()).or_insert(node);
            }
        }
        seen.into_values().collect()
    }
}

pub(crate) fn fingerprint(args: &FingerprintArgs) -> anyhow::Result<ExitCode> {
    let loaded = Loaded::new(&args.project)?;
    let nodes = loaded.nodes();
    let run = fingerprints::update(
        &loaded.project,
        &nodes,
        &loaded.config,
        &FingerprintSeam::default(),
    )?;
    for w in &run.warnings {
        crate::render::warn(&format!(
            "{}: {}",
            w.file.as_deref().unwrap_or(&w.module),
            w.message
        ));
    }
    if args.json {
        let nodes: BTreeMap<&String, serde_json::Value> = run
            .nodes
            .iter()
            .map(|(name, hash)| (name, json!({ "hash": hash, "python": run.python })))
            .collect();
        super::emit(&serde_json::to_string_pretty(
            &json!({ "stages": run.stages, "nodes": nodes }),
        )?)?;
    } else {
        let mut out = String::new();
        for (name, hash) in &run.nodes {
            let _ = writeln!(out, "{hash}  {name}");
        }
        let written: Vec<&str> = run
            .stages
            .iter()
            .filter(|s| s.written)
            .map(|s| s.stage.as_str())
            .collect();
        if !written.is_empty() {
            crate::render::info(&format!(
                "updated the fingerprints of stages: {}",
                written.join(", ")
            ));
        }
        super::emit(&out)?;
    }
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn trace(args: &TraceArgs) -> anyhow::Result<ExitCode> {
    let loaded = Loaded::new(&args.project)?;
    let node = loaded
        .nodes()
        .into_iter()
        .find(|n| n.name == args.node)
        .with_context(|| {
            format!(
                "no node named '{}'\n  hint: `kdvc pipelines` lists the full node names",
                args.node
            )
        })?;
    let src = FsSource::new(loaded.project.root.clone());
    let fps = fingerprints::node_fingerprints(
        &loaded.project,
        [node],
        loaded.config.catalog(),
        &src,
        true,
    )?;
    let fp = &fps[&node.name];
    let previous =
        fingerprints::last_record(&loaded.project.root)?.and_then(|r| r.fingerprint(&node.name));
    let change = previous.as_ref().map(|p| fp.changed_symbols(p));
    if args.json {
        super::emit(&serde_json::to_string_pretty(&json!({
            "node": node.name,
            "fingerprint": fp,
            "since_last_record": change,
        }))?)?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut out = String::new();
    let _ = writeln!(out, "{}  {}", fp.hash, node.name);
    let _ = writeln!(out, "closure ({} symbols):", fp.closure.len());
    for s in &fp.closure {
        let place = s
            .file
            .as_deref()
            .map(|f| format!("{f}:{}", s.line))
            .unwrap_or_default();
        let _ = writeln!(out, "  {:<50} {place}", s.symbol);
    }
    if !fp.externals.is_empty() {
        let ext: Vec<String> = fp
            .externals
            .iter()
            .map(|e| {
                format!(
                    "{}{}",
                    e.dist,
                    e.version
                        .as_deref()
                        .map(|v| format!("=={v}"))
                        .unwrap_or_default()
                )
            })
            .collect();
        let _ = writeln!(out, "third-party: {}", ext.join(", "));
    }
    let _ = writeln!(out, "python: {}", fp.python);
    for w in &fp.warnings {
        let _ = writeln!(out, "warning: {}", w.message);
    }
    match (&previous, &change) {
        (None, _) | (_, None) => {
            let _ = writeln!(
                out,
                "no recorded fingerprint yet (run `kdvc fingerprint` or `dvc repro`)"
            );
        }
        (Some(_), Some(c)) if c.is_empty() => {
            let _ = writeln!(out, "unchanged since the last recorded fingerprint");
        }
        (Some(p), Some(c)) => {
            let _ = writeln!(
                out,
                "changed since the last recorded fingerprint ({}):",
                p.hash
            );
            for s in &c.changed {
                let _ = writeln!(out, "  changed: {s}");
            }
            for s in &c.added {
                let _ = writeln!(out, "  added:   {s}");
            }
            for s in &c.removed {
                let _ = writeln!(out, "  removed: {s}");
            }
            for s in &c.externals {
                let _ = writeln!(out, "  package: {s}");
            }
            if let Some(p) = &c.python {
                let _ = writeln!(out, "  python:  {p}");
            }
        }
    }
    super::emit(&out)?;
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn diff(args: &DiffArgs) -> anyhow::Result<ExitCode> {
    let loaded = Loaded::new(&args.project)?;
    let root = loaded.project.root.clone();
    let entries = fingerprints::entries(&loaded.project, loaded.nodes(), loaded.config.catalog());
    let engine = fingerprints::engine(&loaded.project, true);
    let summarize = |src: &dyn SourceProvider| engine.summarize(src);
    let old = summarize(&GitTreeSource::open(&root, &args.rev)?)?;
    let new = match &args.rev2 {
        Some(rev) => summarize(&GitTreeSource::open(&root, rev)?)?,
        None => summarize(&FsSource::new(root.clone()))?,
    };
    let stage_of = stages_by_node(&root);
    let mut diffs: Vec<NodeDiff> = old
        .diff(&new, &entries)
        .into_iter()
        .map(|d| {
            let mut symbols = d.change.changed.clone();
            symbols.extend(d.change.added.iter().cloned());
            symbols.extend(d.change.removed.iter().cloned());
            NodeDiff {
                stage: stage_of.get(&d.key).cloned(),
                node: d.key,
                before: d.before,
                after: d.after,
                changed_symbols: symbols,
            }
        })
        .collect();
    diffs.sort_by(|a, b| a.node.cmp(&b.node));
    if args.json {
        super::emit(&serde_json::to_string_pretty(&diffs)?)?;
    } else {
        let mut out = String::new();
        for d in &diffs {
            let stage = d
                .stage
                .as_deref()
                .map(|s| format!("  (stage {s})"))
                .unwrap_or_default();
            let _ = writeln!(out, "{}{stage}", d.node);
            for s in &d.changed_symbols {
                let _ = writeln!(out, "    {s}");
            }
        }
        if diffs.is_empty() {
            out.push_str("no node's code fingerprint differs\n");
        }
        super::emit(&out)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Node name -> generated stage, from the project's dvc.yaml (empty when there is none).
fn stages_by_node(root: &std::path::Path) -> BTreeMap<String, String> {
    let Ok(dvc_yaml) = kdvc_dvc_model::DvcYaml::read(&root.join("dvc.yaml")) else {
        return BTreeMap::new();
    };
    fingerprints::fingerprinted_stages(&dvc_yaml, &FingerprintSeam::default())
        .into_iter()
        .flat_map(|s| {
            let stage = s.stage;
            s.nodes.into_iter().map(move |n| (n, stage.clone()))
        })
        .collect()
}
