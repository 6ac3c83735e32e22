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
    /// Submit a run: snapshot the work tree into a commit pushed to `refs/kdvc/runs/<run-id>`, render
    /// the Workflow for it (the changed stages and their downstream by default) and `kubectl create` it.
    /// Prints the run id (one per line for a sweep); the run is recorded in `.kdvc/runs/<run-id>.json`.
    ///
    /// `-S KEY=VALUE` sets Kedro parameters as `kdvc exp run -S` does, in the snapshot only: the work
    /// tree is left as it is, and the stages reading the edited files count as changed. `-S KEY=V1,V2,V3` is a sweep: one run per value (several swept keys:
    /// every combination), each coming back as its own experiment.
    Submit(K8sSubmitArgs),
    /// Show a run's stages and their phases, read with `kubectl get wf NAME -o json`.
    Status(K8sStatusArgs),
    /// Run one DVC stage the way a Workflow's pod does (inside the pod image; not for local use):
    /// clone, install the upstream results, `dvc repro --pull --single-item`, `dvc push`, and write
    /// the stage's dvc.lock entry and `cache: false` outputs for Argo to pick up.
    Exec(K8sExecArgs),
    /// Bring a finished Workflow's results into the repository: take the run's `-S` parameter edits
    /// from its snapshot, merge the succeeded stages' dvc.lock entries, restore their `cache: false`
    /// outputs, `dvc pull` the rest, and save the result as a DVC experiment (with `--run`: named
    /// `--exp NAME`, else the run's `--name`, else by DVC; with `--status`: only with `--exp NAME`).
    /// A run whose stages did not all succeed is merged as far as it got, not saved.
    ///
    /// Reads the Workflow with its status as `kubectl get wf NAME -o json` prints it.
    Pull(K8sPullArgs),
}

/// Arguments of `kdvc k8s submit`.
#[derive(Debug, Args)]
pub(crate) struct K8sSubmitArgs {
    /// The project (the directory holding dvc.yaml and pyproject.toml). Defaults to the current directory.
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub(crate) project: PathBuf,
    /// Run every stage.
    #[arg(long, conflicts_with = "stage")]
    pub(crate) all: bool,
    /// Run this stage (repeatable).
    #[arg(long, value_name = "NAME")]
    pub(crate) stage: Vec<String>,
    /// Set a Kedro parameter for the run (repeatable), as `kdvc exp run -S` does: KEY=VALUE, VALUE
    /// read as YAML. `KEY=V1,V2,...` sweeps: one run per value, every combination of swept keys.
    #[arg(short = 'S', long = "set-param", value_name = "KEY=VALUE")]
    pub(crate) set: Vec<String>,
    /// The experiment name the results come back under (`kdvc k8s pull`); a sweep's runs are named
    /// NAME-1, NAME-2, ... Without it DVC generates the names.
    #[arg(long, value_name = "EXP_NAME")]
    pub(crate) name: Option<String>,
    /// The Kedro environment whose parameter files `-S` edits, chosen as for `kdvc exp run`.
    #[arg(long, short = 'e', value_name = "ENV")]
    pub(crate) env: Option<String>,
}

/// Arguments of `kdvc k8s status`.
#[derive(Debug, Args)]
pub(crate) struct K8sStatusArgs {
    /// The run id `kdvc k8s submit` printed (default: the latest submitted run).
    #[arg(value_name = "RUN")]
    pub(crate) run: Option<String>,
    /// The project (the directory holding dvc.yaml). Defaults to the current directory.
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub(crate) project: PathBuf,
}

/// Arguments of `kdvc k8s pull`.
#[derive(Debug, Args)]
pub(crate) struct K8sPullArgs {
    /// The project (the directory holding dvc.yaml). Defaults to the current directory.
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub(crate) project: PathBuf,
    /// A run submitted with `kdvc k8s submit` (its Workflow is read with kubectl).
    #[arg(
        long,
        value_name = "RUN_ID",
        required_unless_present = "status",
        conflicts_with = "status"
    )]
    pub(crate) run: Option<String>,
    /// The Workflow JSON with its status, as `kubectl get wf NAME -o json` prints it (`-` for stdin).
    #[arg(long, value_name = "FILE")]
    pub(crate) status: Option<PathBuf>,
    /// Save the result as the DVC experiment NAME (default for `--run`: the name given to `submit
    /// --name`, else one DVC generates). Only a run whose every stage succeeded is saved.
    #[arg(long, value_name = "NAME")]
    pub(crate) exp: Option<String>,
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
        K8sCommand::Exec(args) => exec(args),
        K8sCommand::Submit(args) => submit(args),
        K8sCommand::Pull(args) => pull(args),
        K8sCommand::Status(args) => status(args),
    }
}

fn choice(all: bool, stage: &[String]) -> StageChoice {
    if all {
        StageChoice::All
    } else if !stage.is_empty() {
        StageChoice::Named(stage.to_vec())
    } else {
        StageChoice::Stale
    }
}

fn render(args: &K8sRenderArgs) -> anyhow::Result<ExitCode> {
    let stages = choice(args.all, &args.stage);
    let request = ProjectRequest {
        stages,
        git_rev: args.rev.clone(),
        changed_files: Vec::new(),
    };
    let root = std::path::absolute(&args.project).unwrap_or_else(|_| args.project.clone());
    unless_nothing_to_run(render_project(&root, &request), |rendered| {
        for w in &rendered.warnings {
            crate::render::warn(w);
        }
        super::emit(&rendered.to_json())
    })
}

/// Runs `done` on what a run-producing command returned; "nothing to run" is said, not an error.
fn unless_nothing_to_run<T>(
    result: Result<T, kdvc_k8s::Error>,
    done: impl FnOnce(T) -> anyhow::Result<()>,
) -> anyhow::Result<ExitCode> {
    match result {
        Ok(v) => {
            done(v)?;
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

/// Arguments of `kdvc k8s exec` (what the Workflow's container template passes).
#[derive(Debug, Args)]
pub(crate) struct K8sExecArgs {
    /// The repository to clone.
    #[arg(long, value_name = "URL")]
    pub(crate) git_url: String,
    /// The commit (or ref) to check out.
    #[arg(long, value_name = "REV")]
    pub(crate) rev: String,
    /// The DVC stage to run.
    #[arg(long, value_name = "NAME")]
    pub(crate) stage: String,
    /// JSON list of the upstream stages' dvc.lock fragments.
    #[arg(long, value_name = "JSON", default_value = "[]")]
    pub(crate) upstream_locks: String,
    /// JSON list of the upstream stages' `cache: false` outputs.
    #[arg(long, value_name = "JSON", default_value = "[]")]
    pub(crate) upstream_uncached: String,
    /// Where to write this stage's dvc.lock fragment.
    #[arg(long, value_name = "FILE")]
    pub(crate) lock_out: PathBuf,
    /// Where to write this stage's `cache: false` outputs.
    #[arg(long, value_name = "FILE")]
    pub(crate) uncached_out: PathBuf,
    /// The directory to clone into.
    #[arg(long, value_name = "DIR", default_value = "repo")]
    pub(crate) checkout: PathBuf,
    /// A DVC `config.local` to install (remote credentials), used when the file exists.
    #[arg(long, value_name = "FILE")]
    pub(crate) dvc_config: Option<PathBuf>,
}

fn exec(args: &K8sExecArgs) -> anyhow::Result<ExitCode> {
    let report = kdvc_k8s::exec(&kdvc_k8s::ExecOptions {
        git_url: args.git_url.clone(),
        rev: args.rev.clone(),
        stage: args.stage.clone(),
        upstream_locks: args.upstream_locks.clone(),
        upstream_uncached: args.upstream_uncached.clone(),
        lock_out: args.lock_out.clone(),
        uncached_out: args.uncached_out.clone(),
        checkout: args.checkout.clone(),
        dvc_config: args.dvc_config.clone(),
    })?;
    crate::render::info(&format!(
        "stage {} done (upstream lock entries: {}; upstream uncached files: {}; uncached outputs: {})",
        args.stage,
        report.upstream_stages.len(),
        report.upstream_files.len(),
        report.uncached.len()
    ));
    Ok(ExitCode::SUCCESS)
}

fn pull(args: &K8sPullArgs) -> anyhow::Result<ExitCode> {
    use anyhow::Context as _;
    let root = std::path::absolute(&args.project).unwrap_or_else(|_| args.project.clone());
    let (returned, record) = match (&args.run, &args.status) {
        (Some(run), _) => {
            let record = kdvc_k8s::RunRecord::load(&root, run)?;
            let doc = kdvc_k8s::fetch_record(&root, &record)?;
            (
                kdvc_k8s::bring_back_run(&root, &record, &doc)?,
                Some(record),
            )
        }
        (None, Some(status)) => {
            let text = if status.as_os_str() == "-" {
                std::io::read_to_string(std::io::stdin())
                    .context("cannot read the Workflow from stdin")?
            } else {
                std::fs::read_to_string(status)
                    .with_context(|| format!("cannot read {}", status.display()))?
            };
            let doc: serde_json::Value =
                serde_json::from_str(&text).context("the Workflow is not valid JSON")?;
            (kdvc_k8s::bring_back(&root, &doc)?, None)
        }
        (None, None) => anyhow::bail!("give --run RUN_ID or --status FILE"),
    };
    crate::render::info(&format!(
        "Workflow {}: {} stage(s) merged into dvc.lock, {} uncached file(s) restored",
        returned.phase,
        returned.stages.len(),
        returned.files.len()
    ));
    for (stage, phase) in &returned.not_done {
        crate::render::warn(&format!(
            "stage {stage} did not succeed ({phase}); a new `kdvc k8s submit` runs it again"
        ));
    }
    let name = args
        .exp
        .clone()
        .or_else(|| record.as_ref().and_then(|r| r.name.clone()));
    let save = args.exp.is_some() || record.is_some();
    if save && !returned.not_done.is_empty() {
        crate::render::warn("not saved as an experiment: not every stage succeeded");
    } else if save {
        kdvc_k8s::save_experiment(&root, name.as_deref(), &returned.files)?;
        match &name {
            Some(name) => crate::render::info(&format!("saved as experiment {name}")),
            None => crate::render::info("saved as an experiment (see `dvc exp show`)"),
        }
    }
    Ok(if returned.not_done.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn status(args: &K8sStatusArgs) -> anyhow::Result<ExitCode> {
    let root = std::path::absolute(&args.project).unwrap_or_else(|_| args.project.clone());
    let record = match &args.run {
        Some(run) => kdvc_k8s::RunRecord::load(&root, run)?,
        None => kdvc_k8s::latest_run(&root)?,
    };
    let doc = kdvc_k8s::fetch_record(&root, &record)?;
    let status = kdvc_k8s::run_status(&doc)?;
    let mut out = format!(
        "run {} (Workflow {}): {}\n",
        record.run_id, status.workflow, status.phase
    );
    let width = status
        .stages
        .iter()
        .map(|s| s.stage.len())
        .max()
        .unwrap_or(0);
    for s in &status.stages {
        let times = match (&s.started_at, &s.finished_at) {
            (Some(a), Some(b)) => format!("  {a} .. {b}"),
            (Some(a), None) => format!("  {a} .."),
            _ => String::new(),
        };
        out.push_str(&format!("  {:<width$}  {:<9}{times}\n", s.stage, s.phase));
        if s.phase != "Succeeded"
            && let Some(last) = s
                .message
                .as_deref()
                .and_then(|m| m.lines().rev().find(|l| !l.trim().is_empty()))
        {
            out.push_str(&format!("  {:<width$}    {}\n", "", last.trim()));
        }
    }
    super::emit(out.trim_end())?;
    Ok(ExitCode::SUCCESS)
}

fn submit(args: &K8sSubmitArgs) -> anyhow::Result<ExitCode> {
    let root = std::path::absolute(&args.project).unwrap_or_else(|_| args.project.clone());
    let runs = if args.set.is_empty() {
        vec![kdvc_session::PlannedRun::unchanged(args.name.as_deref())]
    } else {
        let project = crate::args::ProjectArgs {
            project: args.project.clone(),
            env: args.env.clone(),
        };
        let options = kdvc_session::Options {
            env_from_tool_config: true,
            ..super::options(&project, None)
        };
        let session = super::open(&project, options)?;
        super::with_warnings(&session, |s| {
            Ok(s.planned_runs(&args.set, args.name.as_deref())?)
        })?
    };
    let mut ids = Vec::new();
    for run in runs {
        for change in &run.changes {
            crate::render::info(&format!(
                "set {} = {} in {} (was {}) for the run",
                change.key, change.value, change.file, change.old_value
            ));
        }
        let request = kdvc_k8s::SubmitRequest {
            stages: choice(args.all, &args.stage),
            files: run.files,
            params: run.settings,
            name: run.name,
        };
        match kdvc_k8s::submit(&root, &request) {
            Ok(done) => {
                for w in &done.warnings {
                    crate::render::warn(w);
                }
                let r = &done.record;
                crate::render::info(&format!(
                    "submitted Workflow {} ({} stage(s), commit {}); later: kdvc k8s pull --run {}",
                    r.workflow,
                    r.stages.len(),
                    r.snapshot,
                    r.run_id
                ));
                ids.push(r.run_id.clone());
            }
            Err(kdvc_k8s::Error::NothingToRun) => {
                crate::render::info(
                    "nothing to run: every stage is up to date (use --all to run them anyway)",
                );
            }
            Err(e) => return Err(e.into()),
        }
    }
    if !ids.is_empty() {
        super::emit(&ids.join("\n"))?;
    }
    Ok(ExitCode::SUCCESS)
}
