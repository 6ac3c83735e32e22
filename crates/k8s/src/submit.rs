//! Submitting a run to the cluster and fetching it back, through `kubectl` (so kubeconfig, contexts and
//! exec-auth plugins work as they do for the user).
//!
//! `submit` snapshots the work tree into a commit (`git stash create`, or `HEAD` when clean, plus the
//! `cache: false` outputs in the work tree, which git usually ignores; parameter edits given as
//! [`SubmitRequest::files`] are written into that commit only, never into the work tree), pushes it to
//! `refs/kdvc/runs/<run-id>` on the configured remote, renders the Workflow for that ref, creates it with
//! `kubectl create` (never `apply`, which refuses `generateName`), and records the run in
//! `.kdvc/runs/<run-id>.json` (a directory git ignores). [`fetch_run`] reads it back with `kubectl get wf NAME -o json`.

use std::collections::BTreeMap;
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
    /// The experiment name `kdvc k8s pull` saves the results under (`None`: DVC generates one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The parameter settings of the run (`KEY=VALUE`, as given to `-S`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub params: Vec<String>,
    /// Files (relative to the project root) the snapshot changes on top of the work tree: the
    /// parameter files the settings edited. `kdvc k8s pull` takes them from the snapshot.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<String>,
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
    output_env(program, root, args, stdin, &[])
}

fn output_env(
    program: &'static str,
    root: &Path,
    args: &[&str],
    stdin: Option<&[u8]>,
    env: &[(&str, &Path)],
) -> Result<String> {
    let fail = |message: String| Error::Tool {
        program,
        dir: root.to_path_buf(),
        message,
    };
    let mut child = Command::new(program)
        .args(args)
        .current_dir(root)
        .envs(env.iter().copied())
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

/// What to submit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubmitRequest {
    /// Which stages (usually [`StageChoice::Stale`]: the changed ones and their downstream).
    pub stages: StageChoice,
    /// New text of files (relative to the project root) for the snapshot only, such as the parameter
    /// files `-S KEY=VALUE` edits; the work tree keeps its own. Stages reading them count as changed.
    pub files: BTreeMap<String, String>,
    /// The parameter settings behind `files` (`KEY=VALUE`), recorded with the run.
    pub params: Vec<String>,
    /// The experiment name the results come back under (`None`: DVC generates one).
    pub name: Option<String>,
}

impl SubmitRequest {
    /// The stages `stages` of the work tree as it is, results under DVC's generated name.
    pub fn new(stages: StageChoice) -> SubmitRequest {
        SubmitRequest {
            stages,
            files: BTreeMap::new(),
            params: Vec::new(),
            name: None,
        }
    }
}

/// Checks that `name` can be a DVC experiment name (a git ref name under `refs/exps/`).
pub fn check_experiment_name(root: &Path, name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && !name.contains('/')
        && Command::new("git")
            .args(["check-ref-format", &format!("refs/exps/aa/bb/{name}")])
            .current_dir(root)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
    if ok {
        Ok(())
    } else {
        Err(Error::Tool {
            program: "git",
            dir: root.to_path_buf(),
            message: format!(
                "'{name}' cannot be an experiment name (it must be a valid git ref name without '/')"
            ),
        })
    }
}

/// A commit holding `base`'s tree with `files` (relative to the project root) replaced, whose parent
/// is `parent`. The work tree and the real index are not touched (a private index file is used).
fn commit_with_files(
    root: &Path,
    base: &str,
    parent: &str,
    files: &BTreeMap<String, Vec<u8>>,
    tag: &str,
) -> Result<String> {
    let prefix = output("git", root, &["rev-parse", "--show-prefix"], None)?;
    let index = root.join(output(
        "git",
        root,
        &["rev-parse", "--git-path", &format!("kdvc-index-{tag}")],
        None,
    )?);
    let env = [("GIT_INDEX_FILE", index.as_path())];
    let result = (|| {
        output_env("git", root, &["read-tree", base], None, &env)?;
        for (file, bytes) in files {
            let blob = output("git", root, &["hash-object", "-w", "--stdin"], Some(bytes))?;
            let path = format!("{prefix}{file}");
            output_env(
                "git",
                root,
                &[
                    "update-index",
                    "--add",
                    "--cacheinfo",
                    &format!("100644,{blob},{path}"),
                ],
                None,
                &env,
            )?;
        }
        let tree = output_env("git", root, &["write-tree"], None, &env)?;
        output(
            "git",
            root,
            &[
                "commit-tree",
                &tree,
                "-p",
                parent,
                "-m",
                "kdvc k8s run snapshot",
            ],
            None,
        )
    })();
    let _ = std::fs::remove_file(&index);
    result
}

/// The `cache: false` outputs (files) of the stages of `<root>/dvc.yaml` that exist in the work tree,
/// by path relative to `root`. They never reach the DVC remote, so the snapshot carries them for the
/// stages a run does not execute.
pub fn uncached_outputs(root: &Path) -> Result<BTreeMap<String, Vec<u8>>> {
    let file = root.join("dvc.yaml");
    let dvc = kdvc_dvc_model::DvcYaml::read(&file)?;
    let mut out = BTreeMap::new();
    for def in dvc.stages.values() {
        let kdvc_dvc_model::StageDef::Stage(st) = def else {
            continue;
        };
        for rel in crate::exec::uncached_paths(st) {
            let path = root.join(&rel);
            if path.is_file() {
                let bytes = std::fs::read(&path).map_err(|source| Error::Io {
                    path: path.clone(),
                    source,
                })?;
                out.insert(rel, bytes);
            }
        }
    }
    Ok(out)
}

/// Submits a run of the project at `root`: snapshot commit, pushed ref, rendered Workflow, `kubectl
/// create`, run record.
pub fn submit(root: &Path, request: &SubmitRequest) -> Result<Submitted> {
    let cfg = K8sConfig::load(root)?;
    if let Some(name) = &request.name {
        check_experiment_name(root, name)?;
    }
    let baseline = output("git", root, &["rev-parse", "HEAD"], None)?;
    let stash = output(
        "git",
        root,
        &["stash", "create", "kdvc k8s run snapshot"],
        None,
    )?;
    let worktree = if stash.is_empty() {
        baseline.clone()
    } else {
        stash
    };
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let digest = Sha256::digest(format!("{worktree} {nanos} {:?}", request.params).as_bytes());
    let run_id = format!("r-{}", &hex::encode(digest)[..10]);
    let git_ref = format!("refs/kdvc/runs/{run_id}");
    // The snapshot: the work tree's tracked files, the `cache: false` outputs it holds (git usually
    // ignores them, but pods of downstream stages read them: fingerprints, metrics), and the `-S` edits.
    let mut files = uncached_outputs(root)?;
    files.extend(
        request
            .files
            .iter()
            .map(|(f, t)| (f.clone(), t.clone().into_bytes())),
    );
    let snapshot = if files.is_empty() {
        worktree
    } else {
        commit_with_files(root, &worktree, &baseline, &files, &run_id)?
    };
    let changed_files: Vec<String> = request.files.keys().cloned().collect();

    let mut rendered = render_project(
        root,
        &ProjectRequest {
            stages: request.stages.clone(),
            git_rev: git_ref.clone(),
            changed_files: changed_files.clone(),
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
        name: request.name.clone(),
        params: request.params.clone(),
        files: changed_files,
    };
    let path = RunRecord::path(root, &record.run_id);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|source| Error::Io {
            path: dir.to_path_buf(),
            source,
        })?;
        // Run records are local bookkeeping: git ignores the directory, so a record never shows up
        // as a change in the work tree or gets into a commit or an experiment.
        let ignore = dir.join(".gitignore");
        if !ignore.exists() {
            kdvc_dvc_model::write_atomic(&ignore, b"*\n")?;
        }
    }
    let text = serde_json::to_string_pretty(&record).unwrap_or_default();
    kdvc_dvc_model::write_atomic(&path, text.as_bytes())?;
    Ok(Submitted {
        record,
        warnings: rendered.warnings,
    })
}

/// The text of `file` (relative to the project root) in the run's snapshot commit.
pub fn snapshot_file(root: &Path, record: &RunRecord, file: &str) -> Result<String> {
    let prefix = output("git", root, &["rev-parse", "--show-prefix"], None)?;
    output_raw(
        "git",
        root,
        &["show", &format!("{}:{prefix}{file}", record.snapshot)],
    )
}

fn output_raw(program: &'static str, root: &Path, args: &[&str]) -> Result<String> {
    let out = Command::new(program)
        .args(args)
        .current_dir(root)
        .output()
        .map_err(|e| Error::Tool {
            program,
            dir: root.to_path_buf(),
            message: format!("cannot start {program}: {e}"),
        })?;
    if !out.status.success() {
        return Err(Error::Tool {
            program,
            dir: root.to_path_buf(),
            message: format!(
                "`{program} {}` failed: {}",
                args.join(" "),
                String::from_utf8_lossy(&out.stderr).trim()
            ),
        });
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The most recently submitted run of the project (the newest record in `.kdvc/runs/`).
pub fn latest_run(root: &Path) -> Result<RunRecord> {
    let dir = root.join(".kdvc/runs");
    let entries = std::fs::read_dir(&dir).map_err(|source| Error::Io {
        path: dir.clone(),
        source,
    })?;
    let newest = entries
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "json"))
        .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
        .max();
    let Some((_, path)) = newest else {
        return Err(Error::Tool {
            program: "kdvc",
            dir: root.to_path_buf(),
            message: format!(
                "no run recorded in {} (submit one with `kdvc k8s submit`)",
                dir.display()
            ),
        });
    };
    let run_id = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    RunRecord::load(root, &run_id)
}

/// The Workflow of a recorded run with its current status (`kubectl get wf NAME -o json`).
pub fn fetch_run(root: &Path, run_id: &str) -> Result<serde_json::Value> {
    fetch_record(root, &RunRecord::load(root, run_id)?)
}

/// The Workflow of `record` with its current status (`kubectl get wf NAME -o json`).
pub fn fetch_record(root: &Path, record: &RunRecord) -> Result<serde_json::Value> {
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
