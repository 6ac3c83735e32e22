//! Submitting a run to the cluster and fetching it back, through `kubectl` (so kubeconfig, contexts and
//! exec-auth plugins work as they do for the user).
//!
//! `submit` snapshots the work tree into a commit (`git stash create`, or `HEAD` when clean), pushes it to
//! `refs/kdvc/runs/<run-id>` on the configured remote, renders the Workflow for that ref, creates it with
//! `kubectl create` (never `apply`, which refuses `generateName`), and records the run in
//! `.kdvc/runs/<run-id>.json`. [`fetch_run`] reads it back with `kubectl get wf NAME -o json`.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use crate::config::K8sConfig;
use crate::error::{Error, Result};
use crate::project::{ProjectRequest, StageChoice, render_project};

/// Label carrying the run id.
pub const RUN_ID_LABEL: &str = "kdvc.io/run-id";

/// The record of a submitted run, `.kdvc/runs/<run-id>.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunRecord {
    /// The run id (`r-` and 10 hex digits).
    pub run_id: String,
    /// The Workflow's name, as the API server generated it.
    pub workflow: String,
    /// Its namespace (`None`: kubectl's current one).
    pub namespace: Option<String>,
    /// The commit the pods run.
    pub snapshot: String,
    /// `HEAD` when the run was submitted.
    pub baseline: String,
    /// The ref the snapshot was pushed to.
    pub git_ref: String,
    /// The DVC stages the run executes.
    pub stages: Vec<String>,
}

impl RunRecord {
    /// Where the record of `run_id` lives.
    pub fn path(root: &Path, run_id: &str) -> PathBuf {
        root.join(".kdvc/runs").join(format!("{run_id}.json"))
    }

    /// Reads the record of `run_id`.
    pub fn load(root: &Path, run_id: &str) -> Result<RunRecord> {
        let path = Self::path(root, run_id);
        let text = std::fs::read_to_string(&path).map_err(|source| Error::Io {
            path: path.clone(),
            source,
        })?;
        serde_json::from_str(&text).map_err(|e| Error::Tool {
            program: "kdvc",
            dir: root.to_path_buf(),
            message: format!("{} is not a run record: {e}", path.display()),
        })
    }
}

fn output(
    program: &'static str,
    root: &Path,
    args: &[&str],
    stdin: Option<&[u8]>,
) -> Result<String> {
    let fail = |message: String| Error::Tool {
        program,
        dir: root.to_path_buf(),
        message,
    };
    let mut child = Command::new(program)
        .args(args)
        .current_dir(root)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| {
            fail(format!(
                "cannot start {program}: {e} (is it installed and on PATH?)"
            ))
        })?;
    if let (Some(bytes), Some(mut pipe)) = (stdin, child.stdin.take()) {
        pipe.write_all(bytes)
            .map_err(|e| fail(format!("cannot write to {program}: {e}")))?;
    }
    let out = child
        .wait_with_output()
        .map_err(|e| fail(format!("{program} did not finish: {e}")))?;
    if !out.status.success() {
        return Err(fail(format!(
            "`{program} {}` failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// What [`submit`] did.
#[derive(Debug, Clone, PartialEq)]
pub struct Submitted {
    /// The run's record (also written to `.kdvc/runs/`).
    pub record: RunRecord,
    /// Warnings of the render.
    pub warnings: Vec<String>,
}

/// Submits the stages of `stages` (usually [`StageChoice::Stale`]) of the project at `root`.
pub fn submit(root: &Path, stages: StageChoice) -> Result<Submitted> {
    let cfg = K8sConfig::load(root)?;
    let baseline = output("git", root, &["rev-parse", "HEAD"], None)?;
    let stash = output(
        "git",
        root,
        &["stash", "create", "kdvc k8s run snapshot"],
        None,
    )?;
    let snapshot = if stash.is_empty() {
        baseline.clone()
    } else {
        stash
    };
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let digest = Sha256::digest(format!("{snapshot} {nanos}").as_bytes());
    let run_id = format!("r-{}", &hex::encode(digest)[..10]);
    let git_ref = format!("refs/kdvc/runs/{run_id}");

    let mut rendered = render_project(
        root,
        &ProjectRequest {
            stages,
            git_rev: git_ref.clone(),
        },
    )?;
    rendered
        .workflow
        .metadata
        .labels
        .insert(RUN_ID_LABEL.to_owned(), run_id.clone());
    crate::validate::validate(&rendered.workflow)?;

    output(
        "git",
        root,
        &[
            "push",
            "--quiet",
            &cfg.git_remote,
            &format!("{snapshot}:{git_ref}"),
        ],
        None,
    )?;
    let mut args = vec!["create", "--validate=false", "-o", "json", "-f", "-"];
    if let Some(ns) = &cfg.namespace {
        args.extend(["-n", ns.as_str()]);
    }
    let created = output("kubectl", root, &args, Some(rendered.to_json().as_bytes()))?;
    let created: serde_json::Value = serde_json::from_str(&created).map_err(|e| Error::Tool {
        program: "kubectl",
        dir: root.to_path_buf(),
        message: format!("kubectl create printed no Workflow: {e}"),
    })?;
    let record = RunRecord {
        run_id,
        workflow: created["metadata"]["name"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        namespace: created["metadata"]["namespace"]
            .as_str()
            .map(str::to_owned)
            .or_else(|| cfg.namespace.clone()),
        snapshot,
        baseline,
        git_ref,
        stages: rendered.stages.clone(),
    };
    let path = RunRecord::path(root, &record.run_id);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|source| Error::Io {
            path: dir.to_path_buf(),
            source,
        })?;
    }
    let text = serde_json::to_string_pretty(&record).unwrap_or_default();
    kdvc_dvc_model::write_atomic(&path, text.as_bytes())?;
    Ok(Submitted {
        record,
        warnings: rendered.warnings,
    })
}

/// The Workflow of a recorded run with its current status (`kubectl get wf NAME -o json`).
pub fn fetch_run(root: &Path, run_id: &str) -> Result<serde_json::Value> {
    let record = RunRecord::load(root, run_id)?;
    let mut args = vec![
        "get",
        "workflows.argoproj.io",
        record.workflow.as_str(),
        "-o",
        "json",
    ];
    if let Some(ns) = &record.namespace {
        args.extend(["-n", ns.as_str()]);
    }
    let text = output("kubectl", root, &args, None)?;
    serde_json::from_str(&text).map_err(|e| Error::Tool {
        program: "kubectl",
        dir: root.to_path_buf(),
        message: format!("kubectl get printed no Workflow: {e}"),
    })
}
