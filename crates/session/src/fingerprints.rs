//! `kdvc fingerprint`, `kdvc trace` and `kdvc diff`: code fingerprints of Kedro nodes.
//!
//! These read every node of every registered pipeline (not only the target pipeline): `dvc.yaml` decides
//! which of them its stages run.

use std::collections::BTreeMap;
use std::path::Path;

use kdvc_translate::FingerprintWiring;
use kdvc_translate::fingerprints::{self, StageFingerprint};
use serde::Serialize;

pub use kdvc_translate::fingerprints::NodeDiff;

use crate::code::{ClosureChange, Fingerprint, FsSource, GitTreeSource, SourceProvider};
use crate::error::{Error, Result};
use crate::session::Session;
use crate::warning::Warning;

/// What [`Session::update_fingerprints`] did (`kdvc fingerprint --json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FingerprintReport {
    /// Every generated stage of `dvc.yaml` that has a fingerprint file, in file order.
    pub stages: Vec<StageFingerprint>,
    /// Every node's fingerprint, sorted by node name.
    pub nodes: BTreeMap<String, NodeHash>,
}

/// One node's fingerprint in a [`FingerprintReport`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NodeHash {
    /// The fingerprint (hex).
    pub hash: String,
    /// The Python version it records.
    pub python: String,
}

impl FingerprintReport {
    /// The stages whose fingerprint file was (re)written because its content changed.
    pub fn written_stages(&self) -> Vec<&str> {
        self.stages
            .iter()
            .filter(|s| s.written)
            .map(|s| s.stage.as_str())
            .collect()
    }
}

/// A node's code closure and what changed in it since the last record (`kdvc trace --json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TraceReport {
    /// The node.
    pub node: String,
    /// Its fingerprint now, with the closure that explains it.
    pub fingerprint: Fingerprint,
    /// What changed since the fingerprint `kdvc fingerprint` last recorded (`None`: no record yet).
    pub since_last_record: Option<ClosureChange>,
    /// The recorded fingerprint [`TraceReport::since_last_record`] compares with (not serialized).
    #[serde(skip)]
    pub recorded_hash: Option<String>,
}

impl Session {
    /// Computes every node's fingerprint from the work tree and rewrites the fingerprint files of the
    /// stages in `dvc.yaml` whose content changed; records every node for [`Session::trace`]. Fallback
    /// warnings are collected.
    pub fn update_fingerprints(&self) -> Result<FingerprintReport> {
        let config = self.kedro_config()?;
        let nodes = self.all_nodes()?;
        let src = FsSource::new(self.root().to_path_buf());
        let run = self.with_source_progress(&src, |src| {
            fingerprints::update_from(
                self.project(),
                &nodes,
                config,
                &FingerprintWiring::default(),
                src,
            )
        })?;
        for w in run.warnings {
            self.warn(Warning::Fingerprint(w));
        }
        let python = run.python;
        let nodes = run
            .nodes
            .into_iter()
            .map(|(name, hash)| {
                let python = python.clone();
                (name, NodeHash { hash, python })
            })
            .collect();
        Ok(FingerprintReport {
            stages: run.stages,
            nodes,
        })
    }

    /// The code closure of node `name` (symbols with file and line, third-party packages, Python
    /// version) and what changed in it since the last recorded fingerprint.
    pub fn trace(&self, name: &str) -> Result<TraceReport> {
        let config = self.kedro_config()?;
        let node = self
            .all_nodes()?
            .into_iter()
            .find(|n| n.name == name)
            .ok_or_else(|| Error::UnknownNode {
                name: name.to_owned(),
            })?;
        let src = FsSource::new(self.root().to_path_buf());
        let mut fps = self.with_source_progress(&src, |src| {
            fingerprints::node_fingerprints(self.project(), [node], config.catalog(), src, true)
        })?;
        let fingerprint = fps.remove(&node.name).ok_or_else(|| {
            kdvc_translate::Error::Fingerprint(format!("no fingerprint for node '{}'", node.name))
        })?;
        let previous = fingerprints::last_record(self.root())?.and_then(|r| r.fingerprint(name));
        let since_last_record = previous.as_ref().map(|p| fingerprint.changed_symbols(p));
        Ok(TraceReport {
            node: node.name.clone(),
            fingerprint,
            since_last_record,
            recorded_hash: previous.map(|p| p.hash),
        })
    }

    /// The nodes whose code fingerprint differs between git revision `old` and `new` (the work tree when
    /// `None`), read from git objects without a checkout, sorted by node name.
    pub fn diff(&self, old: &str, new: Option<&str>) -> Result<Vec<NodeDiff>> {
        let config = self.kedro_config()?;
        let root = self.root();
        let entries = fingerprints::entries(self.project(), self.all_nodes()?, config.catalog());
        let engine = fingerprints::engine(self.project(), true);
        let summarize = |src: &dyn SourceProvider| engine.summarize(src);
        let before = summarize(&GitTreeSource::open(root, old)?)?;
        let after = match new {
            Some(rev) => summarize(&GitTreeSource::open(root, rev)?)?,
            None => self.with_source_progress(&FsSource::new(root.to_path_buf()), summarize)?,
        };
        let stage_of = stages_by_node(root);
        let mut diffs: Vec<NodeDiff> = before
            .diff(&after, &entries)
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
        Ok(diffs)
    }
}

/// Node name -> generated stage, from the project's dvc.yaml (empty when there is none).
fn stages_by_node(root: &Path) -> BTreeMap<String, String> {
    let Ok(dvc_yaml) = kdvc_dvc_model::DvcYaml::read(&root.join("dvc.yaml")) else {
        return BTreeMap::new();
    };
    fingerprints::fingerprinted_stages(&dvc_yaml, &FingerprintWiring::default())
        .into_iter()
        .flat_map(|s| {
            let stage = s.stage;
            s.nodes.into_iter().map(move |n| (n, stage.clone()))
        })
        .collect()
}
