//! # kdvc-k8s
//!
//! Runs a translated DVC pipeline on Kubernetes through [Argo Workflows](https://argoproj.github.io/workflows/):
//! one Argo DAG task per DVC stage, all running one shared container template (`kdvc k8s exec` in the
//! project's image), with the DVC remote as the only data channel between pods. Argo schedules; kdvc
//! only renders and checks the Workflow.
//!
//! The entry point is [`render_project`]: it reads `[tool.kdvc.k8s]` ([`K8sConfig`]) from the project's
//! `pyproject.toml` and its `dvc.yaml`, builds the [`StageGraph`] (DVC's out -> dep path rule), picks the
//! stages, renders the [`Workflow`] and validates it ([`validate()`]: the vendored Argo schema plus a
//! semantic lint). [`render()`] does the same from a graph and a configuration already in memory:
//!
//! ```
//! use std::path::Path;
//! use kdvc_dvc_model::DvcYaml;
//! use kdvc_k8s::{K8sConfig, RenderOptions, Selection, StageGraph, render};
//!
//! let dvc = DvcYaml::parse(
//!     "stages:\n  prepare:\n    cmd: kedro run --nodes=prepare\n    outs: [data/clean.csv]\n\
//!      \x20 train_model:\n    cmd: kedro run --nodes=train\n    deps: [data/clean.csv]\n    outs: [model.pkl]\n",
//!     Path::new("dvc.yaml"),
//! )?;
//! let cfg = K8sConfig::from_toml_str(
//!     "[tool.kdvc.k8s]\nimage = \"registry.example.com/demo@sha256:0123\"\n",
//!     Path::new("pyproject.toml"),
//! )?
//! .expect("the table is there");
//! let graph = StageGraph::new(&dvc, Path::new("dvc.yaml"))?;
//! let rendered = render(
//!     &graph,
//!     &cfg,
//!     &RenderOptions {
//!         project: "demo".into(),
//!         git_url: "https://git.example.com/demo.git".into(),
//!         git_rev: "HEAD".into(),
//!         selection: Selection::All,
//!     },
//! )?;
//! let tasks = &rendered.workflow.template("pipeline").unwrap().dag.as_ref().unwrap().tasks;
//! assert_eq!(tasks[1].name, kdvc_k8s::names::task_name("train_model"));
//! assert_eq!(tasks[1].dependencies, [kdvc_k8s::names::task_name("prepare")]);
//! assert!(rendered.to_json().starts_with("{\n  \"apiVersion\": \"argoproj.io/v1alpha1\""));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Modules
//!
//! - [`workflow`] - the typed Argo Workflow subset kdvc emits, serialised as JSON (never YAML: Kubernetes
//!   reads manifests as YAML 1.1, where `on`, `yes` or `y` would turn into booleans);
//! - [`names`] - Kubernetes and Argo name rules; stage names become task names with a hash suffix;
//! - [`config`] - `[tool.kdvc.k8s]`;
//! - [`graph`] - the stage graph and stage selection;
//! - [`render`](mod@render) - the Workflow of a stage graph;
//! - [`validate`](mod@validate) - schema validation and the semantic lint;
//! - [`exec`](mod@exec) - the pod side: one stage in a fresh clone, its `dvc.lock` entry as output;
//! - [`submit`] - a snapshot commit, `kubectl create`, the run record, and fetching it back;
//! - [`status`] - a Workflow's node status (plain or compressed) and the phase of each stage;
//! - [`results`] - a finished Workflow's results back into the repository, as an experiment;
//! - [`emulator`] - a local stand-in for Argo's controller, for tests without a cluster.
//!
//! ## The schema
//!
//! `schemas/argo-workflow.schema.json` is `api/jsonschema/schema.json` of `argoproj/argo-workflows` at
//! commit `f016ad89eb269d282aec06dc491c29f396a38df4` (v4.1.2), with two patches: every object definition
//! that lists `properties` is closed (`"additionalProperties": false`, so a misspelt field is an error),
//! and `IntOrString` accepts strings and integers (upstream types it as a string only). kdvc checks
//! Workflows against its `Workflow` definition directly, for readable errors.

pub mod config;
pub mod emulator;
pub mod error;
pub mod exec;
pub mod graph;
pub mod names;
pub mod project;
pub mod render;
pub mod results;
pub mod status;
pub mod submit;
pub mod validate;
pub mod workflow;

pub use config::{K8sConfig, Quantity, ResourceConfig, RetryPolicy, Seconds, StageOverride};
pub use error::{Error, Problem, Result};
pub use exec::{ExecOptions, ExecReport, exec};
pub use graph::{Selection, StageGraph, StageNode};
pub use project::{
    ProjectRequest, StageChoice, git_url, project_name, render_project, stages_reading,
    stale_stages,
};
pub use render::{RenderOptions, Rendered, render, render_unvalidated};
pub use results::{
    Returned, WorkflowResults, bring_back, bring_back_run, save_experiment, workflow_results,
};
pub use status::{RunStatus, StageStatus, decode_compressed_nodes, run_status};
pub use submit::{
    RunRecord, SubmitRequest, Submitted, check_experiment_name, fetch_record, fetch_run,
    latest_run, snapshot_file, submit,
};
pub use validate::{lint, schema_problems, validate, validate_json};
pub use workflow::Workflow;
