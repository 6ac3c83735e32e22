//! `kdvc k8s ...`: the pipeline on Kubernetes through Argo Workflows. Argument parsing and printing
//! only; everything else is in `kdvc-k8s`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand};
use kdvc_k8s::{ProjectRequest, StageChoice, render_project};

/// `kdvc k8s` sub-commands.
#[derive(Debug, Subcommand)]
pub(crate) enum K8sCommand {
    /// Print the Argo Workflow (JSON) that runs the pipeline's stages on Kubernetes, validated against
    /// Argo's schema and rules.
    ///
    /// By default the stages `dvc status` reports as changed and every stage downstream of them;
    /// `--all` for every stage, `--stage NAME` for chosen ones. Configured in `[tool.kdvc.k8s]` of
    /// pyproject.toml (at least `image`). Pipe it to `kubectl create -f -`.
    Render(K8sRenderArgs),
}

/// Arguments of `kdvc k8s render`.
#[derive(Debug, Args)]
pub(crate) struct K8sRenderArgs {
    /// The project (the directory holding dvc.yaml and pyproject.toml). Defaults to the current directory.
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub(crate) project: PathBuf,
    /// Run every stage.
    #[arg(long, conflicts_with = "stage")]
    pub(crate) all: bool,
    /// Run this stage (repeatable); stages between two chosen ones are not run.
    #[arg(long, value_name = "NAME")]
    pub(crate) stage: Vec<String>,
    /// The git revision the pods check out (a commit pushed to the remote pods clone).
    #[arg(long, value_name = "REV", default_value = "HEAD")]
    pub(crate) rev: String,
}

/// Runs a `kdvc k8s` sub-command.
pub(crate) fn run(command: &K8sCommand) -> anyhow::Result<ExitCode> {
    match command {
        K8sCommand::Render(args) => render(args),
    }
}

fn render(args: &K8sRenderArgs) -> anyhow::Result<ExitCode> {
    let stages = if args.all {
        StageChoice::All
    } else if !args.stage.is_empty() {
        StageChoice::Named(args.stage.clone())
    } else {
        StageChoice::Stale
    };
    let request = ProjectRequest {
        stages,
        git_rev: args.rev.clone(),
    };
    let root = std::path::absolute(&args.project).unwrap_or_else(|_| args.project.clone());
    match render_project(&root, &request) {
        Ok(rendered) => {
            for w in &rendered.warnings {
                crate::render::warn(w);
            }
            super::emit(&rendered.to_json())?;
            Ok(ExitCode::SUCCESS)
        }
        Err(kdvc_k8s::Error::NothingToRun) => {
            crate::render::info(
                "nothing to run: every stage is up to date (use --all to run them anyway)",
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => Err(e.into()),
    }
}
