//! Bringing a finished Workflow's results back into the local repository.
//!
//! From the Workflow object with its status (`kubectl get wf NAME -o json`, or the emulator's result):
//! the `lock` fragments of the succeeded tasks are merged into `dvc.lock`, their `uncached` outputs are
//! restored (md5-checked), `dvc pull` fetches the cached outputs from the remote, `dvc status` must then
//! report the merged stages as up to date, and optionally
//! `dvc exp save` records the result as an experiment.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::error::{Error, Result};
use crate::exec::{apply_lock_fragments, apply_uncached};
use crate::project::TELEMETRY_OFF;
use crate::submit::{RunRecord, snapshot_file};

/// What the Workflow reported, read from its `status`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct WorkflowResults {
    /// The Workflow's phase (`Succeeded`, `Failed`, `Running`, ...).
    pub phase: String,
    /// The lock fragment of every succeeded stage, by stage name.
    pub locks: BTreeMap<String, Value>,
    /// The `cache: false` outputs of every succeeded stage, by stage name.
    pub uncached: BTreeMap<String, Value>,
    /// Stages that did not succeed, with their phase.
    pub not_done: BTreeMap<String, String>,
}

/// What [`bring_back`] did.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Returned {
    /// The Workflow's phase.
    pub phase: String,
    /// Stages whose lock entries were merged.
    pub stages: Vec<String>,
    /// `cache: false` files restored.
    pub files: Vec<String>,
    /// Stages that did not succeed, with their phase (run them again later).
    pub not_done: BTreeMap<String, String>,
}

fn bad(message: String) -> Error {
    Error::Tool {
        program: "kdvc",
        dir: PathBuf::new(),
        message,
    }
}

/// Reads the results out of a Workflow object (a `WorkflowList` with one item is accepted too).
pub fn workflow_results(doc: &Value) -> Result<WorkflowResults> {
    let doc = crate::status::single_workflow(doc)?;
    let nodes = crate::status::workflow_nodes(doc, true)?;
    let status = &doc["status"];
    // Task name -> stage, from the DAG the Workflow ran.
    let stage_of: BTreeMap<String, String> = crate::status::task_stages(doc).into_iter().collect();
    let mut out = WorkflowResults {
        phase: status["phase"].as_str().unwrap_or_default().to_owned(),
        ..WorkflowResults::default()
    };
    let mut seen = BTreeMap::new();
    for node in nodes.values() {
        let Some(stage) = node["displayName"].as_str().and_then(|t| stage_of.get(t)) else {
            continue;
        };
        let phase = node["phase"].as_str().unwrap_or_default();
        // The task's node: its Pod, or with retries Argo's Retry node, which carries the outputs of
        // the attempt that succeeded.
        if phase != "Succeeded" || !(node["type"] == "Pod" || node["type"] == "Retry") {
            seen.entry(stage.clone())
                .or_insert_with(|| phase.to_owned());
            continue;
        }
        seen.insert(stage.clone(), "Succeeded".to_owned());
        let param = |name: &str| -> Result<Option<Value>> {
            let Some(text) = node["outputs"]["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|p| p["name"] == name)
                .and_then(|p| p["value"].as_str())
            else {
                return Ok(None);
            };
            serde_json::from_str(text)
                .map(Some)
                .map_err(|e| bad(format!("stage '{stage}': output '{name}' is not JSON: {e}")))
        };
        let lock = param("lock")?
            .ok_or_else(|| bad(format!("stage '{stage}' succeeded without a lock output")))?;
        out.locks.insert(stage.clone(), lock);
        if let Some(u) = param("uncached")? {
            out.uncached.insert(stage.clone(), u);
        }
    }
    for stage in stage_of.values() {
        match seen.get(stage).map(String::as_str) {
            Some("Succeeded") => {}
            Some(phase) => {
                out.not_done.insert(stage.clone(), phase.to_owned());
            }
            None => {
                out.not_done.insert(stage.clone(), "NotStarted".to_owned());
            }
        }
    }
    Ok(out)
}

fn dvc(root: &Path, args: &[&str]) -> Result<()> {
    let output = Command::new("dvc")
        .args(args)
        .current_dir(root)
        .envs(TELEMETRY_OFF)
        .output()
        .map_err(|e| Error::Tool {
            program: "dvc",
            dir: root.to_path_buf(),
            message: format!("{e} (is DVC installed and on PATH?)"),
        })?;
    if output.status.success() {
        return Ok(());
    }
    Err(Error::Tool {
        program: "dvc",
        dir: root.to_path_buf(),
        message: format!(
            "`dvc {}` failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr).trim()
        ),
    })
}

/// Merges the results of the Workflow `doc` into the repository at `root` and `dvc pull`s the outputs
/// of the stages that succeeded, then checks with `dvc status` that those stages are up to date (an
/// error otherwise). Stages that did not succeed are reported, not touched.
pub fn bring_back(root: &Path, doc: &Value) -> Result<Returned> {
    let results = workflow_results(doc)?;
    let fragments: Vec<Value> = results.locks.values().cloned().collect();
    let stages = apply_lock_fragments(root, &fragments)?;
    let uncached: Vec<Value> = results.uncached.values().cloned().collect();
    let files = apply_uncached(root, &uncached)?;
    if !stages.is_empty() {
        let mut args = vec!["pull", "--quiet"];
        args.extend(stages.iter().map(String::as_str));
        dvc(root, &args)?;
        // What was merged must now be up to date, as after a local `dvc repro`.
        let dvc_yaml = kdvc_dvc_model::DvcYaml::read(&root.join("dvc.yaml"))?;
        let stale = crate::project::stale_stages(root, &dvc_yaml)?;
        let still: Vec<&str> = stages
            .iter()
            .filter(|s| stale.contains(*s))
            .map(String::as_str)
            .collect();
        if !still.is_empty() {
            return Err(Error::Tool {
                program: "dvc",
                dir: root.to_path_buf(),
                message: format!(
                    "after merging the run, `dvc status` still reports {} as changed (did the work \
                     tree change since the run was submitted?)",
                    still.join(", ")
                ),
            });
        }
    }
    Ok(Returned {
        phase: results.phase,
        stages,
        files,
        not_done: results.not_done,
    })
}

/// [`bring_back`] for a recorded run: first the files the run's snapshot changed on top of the work
/// tree (the parameter files `-S` edited) are taken from the snapshot, so that the work tree holds the
/// parameters the pods ran with, as after a local `kdvc exp run -S`.
pub fn bring_back_run(root: &Path, record: &RunRecord, doc: &Value) -> Result<Returned> {
    // Read everything before writing anything.
    workflow_results(doc)?;
    let mut texts = Vec::new();
    for file in &record.files {
        texts.push((file, snapshot_file(root, record, file)?));
    }
    for (file, text) in texts {
        kdvc_dvc_model::write_atomic(&root.join(file), text.as_bytes())?;
    }
    bring_back(root, doc)
}

/// Records the work tree as the DVC experiment `name` (`dvc exp save`; `None`: DVC generates the
/// name), including the restored `cache: false` files, which DVC would otherwise leave out.
pub fn save_experiment(root: &Path, name: Option<&str>, include: &[String]) -> Result<()> {
    let mut args = vec!["exp", "save", "--quiet"];
    if let Some(name) = name {
        args.extend(["-n", name]);
    }
    for f in include {
        args.push("-I");
        args.push(f);
    }
    dvc(root, &args)
}
