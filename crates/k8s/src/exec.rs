//! The pod side: `kdvc k8s exec` runs one DVC stage in a fresh clone and reports its `dvc.lock` entry.
//!
//! 1. clone `git_url` into `checkout` and check out `rev`;
//! 2. install the DVC remote's `config.local` when one is mounted;
//! 3. write the upstream stages' lock entries into `dvc.lock` and their `cache: false` outputs into the
//!    work tree (each checked against its md5);
//! 4. `dvc repro --pull --single-item STAGE`, then `dvc push STAGE`;
//! 5. write the stage's lock entry (`{"schema": "2.0", "stages": {STAGE: ...}}`) to `lock_out` and its
//!    `cache: false` outputs to `uncached_out` (`{PATH: {"md5", "text" or "hex"}}`).
//!
//! Every `git` and `dvc` call runs with telemetry off; their output goes to the pod's log.

use std::path::{Component, Path, PathBuf};
use std::process::Command;

use kdvc_dvc_model::{DvcLock, DvcYaml, StageDef};
use md5::{Digest as _, Md5};
use serde_json::{Map, Value, json};

use crate::error::{Error, Result};
use crate::project::TELEMETRY_OFF;

/// Largest `cache: false` output carried in the `uncached` output parameter.
pub const MAX_UNCACHED_BYTES: u64 = 64 * 1024;

/// What `kdvc k8s exec` gets from the Workflow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecOptions {
    /// The repository to clone.
    pub git_url: String,
    /// The commit (or ref) to check out.
    pub rev: String,
    /// The DVC stage to run.
    pub stage: String,
    /// JSON list of upstream lock fragments.
    pub upstream_locks: String,
    /// JSON list of upstream `uncached` outputs.
    pub upstream_uncached: String,
    /// Where to write this stage's lock fragment.
    pub lock_out: PathBuf,
    /// Where to write this stage's `cache: false` outputs.
    pub uncached_out: PathBuf,
    /// The directory to clone into (must not exist, or be empty).
    pub checkout: PathBuf,
    /// A DVC `config.local` to install, when it exists.
    pub dvc_config: Option<PathBuf>,
}

fn tool_error(program: &'static str, dir: &Path, message: impl Into<String>) -> Error {
    Error::Tool {
        program,
        dir: dir.to_path_buf(),
        message: message.into(),
    }
}

/// Runs `program args` in `dir` with telemetry off and the output inherited (the pod's log).
fn run(program: &'static str, dir: &Path, args: &[&str]) -> Result<()> {
    let status = Command::new(program)
        .args(args)
        .current_dir(dir)
        .envs(TELEMETRY_OFF)
        .status()
        .map_err(|e| tool_error(program, dir, format!("cannot start {program}: {e}")))?;
    if status.success() {
        Ok(())
    } else {
        Err(tool_error(
            program,
            dir,
            format!("`{program} {}` exited with {status}", args.join(" ")),
        ))
    }
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Parses a JSON list parameter (`[]` when empty).
fn json_list(text: &str, what: &str, dir: &Path) -> Result<Vec<Value>> {
    if text.trim().is_empty() {
        return Ok(Vec::new());
    }
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Array(items)) => Ok(items),
        Ok(_) => Err(tool_error(
            "kdvc",
            dir,
            format!("{what} is not a JSON list"),
        )),
        Err(e) => Err(tool_error(
            "kdvc",
            dir,
            format!("{what} is not valid JSON: {e}"),
        )),
    }
}

/// A relative path without `..`, safe to write under the repository.
fn safe_relative(path: &str) -> Option<PathBuf> {
    let p = Path::new(path);
    p.components()
        .all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
        .then(|| p.to_path_buf())
}

/// Writes the stages of `fragments` (each `{"schema": "2.0", "stages": {...}}`) into `<root>/dvc.lock`,
/// replacing entries of the same stages and keeping the others. Returns the stages written.
pub fn apply_lock_fragments(root: &Path, fragments: &[Value]) -> Result<Vec<String>> {
    let file = root.join("dvc.lock");
    let mut lock = if file.exists() {
        DvcLock::read(&file)?
    } else {
        DvcLock::default()
    };
    let mut written = Vec::new();
    for (i, fragment) in fragments.iter().enumerate() {
        // JSON is YAML: dvc-model's strict reader checks the fragment like a dvc.lock.
        let text = serde_json::to_string(fragment).unwrap_or_default();
        let parsed = DvcLock::parse(&text, Path::new(&format!("upstream lock fragment {i}")))?;
        if parsed.schema != "2.0" {
            return Err(tool_error(
                "kdvc",
                root,
                format!(
                    "lock fragment {i} has schema '{}', expected '2.0'",
                    parsed.schema
                ),
            ));
        }
        for (name, entry) in parsed.stages {
            written.push(name.clone());
            lock.stages.insert(name, entry);
        }
    }
    if !written.is_empty() {
        lock.write(&file)?;
    }
    Ok(written)
}

/// Writes the `cache: false` outputs of `items` (each `{PATH: {"md5", "text" | "hex"}}`) under `root`,
/// checking every md5. Returns the paths written.
pub fn apply_uncached(root: &Path, items: &[Value]) -> Result<Vec<String>> {
    let mut written = Vec::new();
    for item in items {
        let Some(files) = item.as_object() else {
            return Err(tool_error(
                "kdvc",
                root,
                "an uncached output set is not a JSON object",
            ));
        };
        for (path, v) in files {
            let bad = |m: &str| tool_error("kdvc", root, format!("uncached output '{path}': {m}"));
            let rel = safe_relative(path)
                .ok_or_else(|| bad("not a relative path inside the repository"))?;
            let bytes = if let Some(text) = v.get("text").and_then(Value::as_str) {
                text.as_bytes().to_vec()
            } else if let Some(h) = v.get("hex").and_then(Value::as_str) {
                hex::decode(h).map_err(|_| bad("bad hex"))?
            } else {
                return Err(bad("neither text nor hex"));
            };
            let md5 = hex::encode(Md5::digest(&bytes));
            if v.get("md5").and_then(Value::as_str) != Some(md5.as_str()) {
                return Err(bad("md5 mismatch"));
            }
            let dest = root.join(&rel);
            if let Some(parent) = dest.parent() {
                std::fs::create_dir_all(parent).map_err(io(parent))?;
            }
            kdvc_dvc_model::write_atomic(&dest, &bytes)?;
            written.push(path.clone());
        }
    }
    Ok(written)
}

/// The paths (relative to the repository root, through the stage's `wdir`) of a stage's `cache: false`
/// outputs, metrics and plots.
pub(crate) fn uncached_paths(st: &kdvc_dvc_model::Stage) -> impl Iterator<Item = String> + '_ {
    st.outs
        .iter()
        .chain(&st.metrics)
        .chain(&st.plots)
        .filter(|o| o.flags.cache == Some(false))
        .map(|o| match st.wdir.as_deref() {
            Some(w) if !w.is_empty() && w != "." => format!("{w}/{}", o.path),
            _ => o.path.clone(),
        })
}

/// The `cache: false` outputs of `stage` in `<root>/dvc.yaml`, as the `uncached` output value.
pub fn collect_uncached(root: &Path, stage: &str) -> Result<Value> {
    let file = root.join("dvc.yaml");
    let dvc = DvcYaml::read(&file)?;
    let Some(StageDef::Stage(st)) = dvc.stages.get(stage) else {
        return Err(Error::UnknownStage {
            file,
            stage: stage.to_owned(),
        });
    };
    let mut out = Map::new();
    for rel in uncached_paths(st) {
        let path = root.join(&rel);
        let bytes = std::fs::read(&path).map_err(io(&path))?;
        if bytes.len() as u64 > MAX_UNCACHED_BYTES {
            return Err(tool_error(
                "kdvc",
                root,
                format!(
                    "'{rel}' is a `cache: false` output of {} bytes; at most {MAX_UNCACHED_BYTES} travel \
                     between pods (make it a cached output)",
                    bytes.len()
                ),
            ));
        }
        let md5 = hex::encode(Md5::digest(&bytes));
        let entry = match String::from_utf8(bytes) {
            Ok(text) => json!({"md5": md5, "text": text}),
            Err(e) => json!({"md5": md5, "hex": hex::encode(e.into_bytes())}),
        };
        out.insert(rel, entry);
    }
    Ok(Value::Object(out))
}

/// The lock fragment of `stage` from `<root>/dvc.lock`.
pub fn lock_fragment(root: &Path, stage: &str) -> Result<Value> {
    let file = root.join("dvc.lock");
    let lock = DvcLock::read(&file)?;
    let entry = lock.stages.get(stage).ok_or_else(|| Error::UnknownStage {
        file: file.clone(),
        stage: stage.to_owned(),
    })?;
    let fragment = DvcLock {
        stages: [(stage.to_owned(), entry.clone())].into_iter().collect(),
        ..DvcLock::default()
    };
    Ok(fragment.to_value().to_json())
}

/// What [`exec`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecReport {
    /// Upstream stages whose lock entries were written.
    pub upstream_stages: Vec<String>,
    /// Uncached upstream files written.
    pub upstream_files: Vec<String>,
    /// Uncached outputs of the stage reported.
    pub uncached: Vec<String>,
}

/// Runs one stage as a pod does (see the module documentation).
pub fn exec(opts: &ExecOptions) -> Result<ExecReport> {
    let repo = &opts.checkout;
    let parent = repo
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(io(parent))?;
    let repo_str = repo.to_string_lossy();
    run(
        "git",
        parent,
        &["clone", "--quiet", &opts.git_url, &repo_str],
    )?;
    if run("git", repo, &["checkout", "--quiet", "--detach", &opts.rev]).is_err() {
        // A commit not on a branch (a pushed snapshot ref): fetch it by name.
        run("git", repo, &["fetch", "--quiet", "origin", &opts.rev])?;
        run(
            "git",
            repo,
            &["checkout", "--quiet", "--detach", "FETCH_HEAD"],
        )?;
    }
    if let Some(cfg) = &opts.dvc_config
        && cfg.is_file()
    {
        let dest = repo.join(".dvc/config.local");
        std::fs::copy(cfg, &dest).map_err(io(&dest))?;
    }
    let locks = json_list(&opts.upstream_locks, "--upstream-locks", repo)?;
    let upstream_stages = apply_lock_fragments(repo, &locks)?;
    let uncached = json_list(&opts.upstream_uncached, "--upstream-uncached", repo)?;
    let upstream_files = apply_uncached(repo, &uncached)?;

    run(
        "dvc",
        repo,
        &["repro", "--pull", "--single-item", &opts.stage],
    )?;
    run("dvc", repo, &["push", &opts.stage])?;

    let fragment = lock_fragment(repo, &opts.stage)?;
    let uncached = collect_uncached(repo, &opts.stage)?;
    let names: Vec<String> = uncached
        .as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    for (path, value) in [(&opts.lock_out, &fragment), (&opts.uncached_out, &uncached)] {
        if let Some(dir) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(io(dir))?;
        }
        let text = serde_json::to_string(value).unwrap_or_default();
        kdvc_dvc_model::write_atomic(path, text.as_bytes())?;
    }
    Ok(ExecReport {
        upstream_stages,
        upstream_files,
        uncached: names,
    })
}
