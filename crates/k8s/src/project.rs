//! The whole of `kdvc k8s render` for a project directory: configuration, dvc.yaml, git URL, staleness.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use kdvc_dvc_model::DvcYaml;

use crate::config::K8sConfig;
use crate::error::{Error, Result};
use crate::graph::{Selection, StageGraph};
use crate::render::{RenderOptions, Rendered, render};

/// Environment variables that turn off Kedro's and DVC's usage reporting; set on every `dvc` call.
pub const TELEMETRY_OFF: [(&str, &str); 3] = [
    ("DO_NOT_TRACK", "1"),
    ("KEDRO_DISABLE_TELEMETRY", "true"),
    ("DVC_NO_ANALYTICS", "1"),
];

/// Which stages `kdvc k8s render` runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StageChoice {
    /// Every stage.
    All,
    /// These stages only.
    Named(Vec<String>),
    /// The stages `dvc status` reports as changed, and everything downstream of them.
    Stale,
}

/// A request to render a project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectRequest {
    /// Which stages.
    pub stages: StageChoice,
    /// The revision pods check out (`HEAD` when they should take the pushed branch head).
    pub git_rev: String,
    /// Files (relative to the project root) that the revision changes on top of the work tree, such
    /// as parameter files edited by `-S`: with [`StageChoice::Stale`], the stages that read one of
    /// them (as a dep, inside a dep directory, or as a params file) count as changed too.
    pub changed_files: Vec<String>,
}

/// The stages of `dvc` that read one of `files` (paths relative to the project root): as a dep, inside
/// a dep directory, or as a params file (`params.yaml` for bare keys). Stage `wdir`s are honoured.
pub fn stages_reading(dvc: &DvcYaml, files: &[String]) -> BTreeSet<String> {
    let norm = |p: &str| -> String {
        let mut parts: Vec<&str> = Vec::new();
        for part in p.split('/') {
            match part {
                "" | "." => {}
                ".." => {
                    parts.pop();
                }
                _ => parts.push(part),
            }
        }
        parts.join("/")
    };
    let within = |file: &str, dep: &str| file == dep || file.starts_with(&format!("{dep}/"));
    let mut out = BTreeSet::new();
    for (name, def) in &dvc.stages {
        // foreach/matrix stages cannot be rendered at all (the graph refuses them).
        let kdvc_dvc_model::StageDef::Stage(stage) = def else {
            continue;
        };
        let wdir = stage.wdir.as_deref().unwrap_or(".");
        let at = |p: &str| norm(&format!("{wdir}/{p}"));
        let mut read: Vec<String> = stage.deps.iter().map(|d| at(d)).collect();
        for p in &stage.params {
            match p {
                kdvc_dvc_model::ParamDep::Key(_) => read.push(at("params.yaml")),
                kdvc_dvc_model::ParamDep::Files(map) => read.extend(map.keys().map(|f| at(f))),
            }
        }
        if files
            .iter()
            .any(|f| read.iter().any(|dep| within(&norm(f), dep)))
        {
            out.insert(name.clone());
        }
    }
    out
}

/// The project name: `[project] name`, else `[tool.kedro] project_name`, else the directory name.
pub fn project_name(root: &Path) -> String {
    #[derive(serde::Deserialize)]
    struct Doc {
        project: Option<Named>,
        tool: Option<Tool>,
    }
    #[derive(serde::Deserialize)]
    struct Named {
        name: Option<String>,
    }
    #[derive(serde::Deserialize)]
    struct Tool {
        kedro: Option<Kedro>,
    }
    #[derive(serde::Deserialize)]
    struct Kedro {
        project_name: Option<String>,
    }
    let from_file = std::fs::read_to_string(root.join("pyproject.toml"))
        .ok()
        .and_then(|t| toml::from_str::<Doc>(&t).ok())
        .and_then(|d| {
            d.project
                .and_then(|p| p.name)
                .or_else(|| d.tool.and_then(|t| t.kedro).and_then(|k| k.project_name))
        });
    from_file.unwrap_or_else(|| {
        root.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "project".to_owned())
    })
}

/// The URL pods clone: `git_url`, else the URL of the `git_remote` remote.
pub fn git_url(root: &Path, cfg: &K8sConfig) -> Result<String> {
    if let Some(url) = &cfg.git_url {
        return Ok(url.clone());
    }
    let output = Command::new("git")
        .args(["remote", "get-url", &cfg.git_remote])
        .current_dir(root)
        .output()
        .map_err(|e| Error::Tool {
            program: "git",
            dir: root.to_path_buf(),
            message: e.to_string(),
        })?;
    if !output.status.success() {
        return Err(Error::Tool {
            program: "git",
            dir: root.to_path_buf(),
            message: format!(
                "{} (set [tool.kdvc.k8s] git_url, or git_remote to a remote pods can clone)",
                String::from_utf8_lossy(&output.stderr).trim()
            ),
        });
    }
    Ok(String::from_utf8_lossy(&output.stdout).trim().to_owned())
}

/// The stages of `dvc` that `dvc status --json` (run in `root`, telemetry off) reports as changed.
/// Entries for `.dvc` files are left out.
pub fn stale_stages(root: &Path, dvc: &DvcYaml) -> Result<BTreeSet<String>> {
    let fail = |message: String| Error::Tool {
        program: "dvc",
        dir: root.to_path_buf(),
        message,
    };
    let output = Command::new("dvc")
        .args(["status", "--json"])
        .current_dir(root)
        .envs(TELEMETRY_OFF)
        .output()
        .map_err(|e| fail(format!("{e} (is DVC installed and on PATH?)")))?;
    if !output.status.success() {
        return Err(fail(
            String::from_utf8_lossy(&output.stderr).trim().to_owned(),
        ));
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    // DVC may print warnings before the JSON; the JSON is the last line.
    let json = stdout
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("{}");
    let status: serde_json::Value = serde_json::from_str(json).map_err(|e| {
        fail(format!(
            "unexpected output of `dvc status --json` ({e}): {json}"
        ))
    })?;
    let map = status
        .as_object()
        .ok_or_else(|| fail(format!("unexpected output of `dvc status --json`: {json}")))?;
    Ok(map
        .keys()
        .map(|k| k.strip_prefix("dvc.yaml:").unwrap_or(k))
        .filter(|k| dvc.stages.contains_key(*k))
        .map(str::to_owned)
        .collect())
}

/// Renders the Workflow of the project at `root`: reads `[tool.kdvc.k8s]` from its `pyproject.toml`
/// and its `dvc.yaml`, picks the stages, and returns the validated Workflow.
pub fn render_project(root: &Path, request: &ProjectRequest) -> Result<Rendered> {
    let cfg = K8sConfig::load(root)?;
    let file = root.join("dvc.yaml");
    let dvc = DvcYaml::read(&file)?;
    let graph = StageGraph::new(&dvc, &file)?;
    let selection = match &request.stages {
        StageChoice::All => Selection::All,
        StageChoice::Named(names) => Selection::Stages(names.clone()),
        StageChoice::Stale => {
            let mut stale = stale_stages(root, &dvc)?;
            stale.extend(stages_reading(&dvc, &request.changed_files));
            Selection::Downstream(stale)
        }
    };
    // Unknown stage names are reported before anything else can fail.
    graph.select(&selection)?;
    let opts = RenderOptions {
        project: project_name(root),
        git_url: git_url(root, &cfg)?,
        git_rev: request.git_rev.clone(),
        selection,
    };
    render(&graph, &cfg, &opts)
}
