//! Loading a project for a command: discovery, configuration and pipelines.

use std::path::Path;

use anyhow::Context as _;
use kdvc_kedro_model::Project;
use kdvc_kedro_model::config::{KedroConfig, LoadOptions};
use kdvc_kedro_model::pipeline::Registry;
use kdvc_pipeline::{ProjectLayout, Severity, extract_pipelines};

use crate::args::{ProjectArgs, ReadArgs};

/// Finds the Kedro project around `--project`.
pub(crate) fn discover(args: &ProjectArgs) -> anyhow::Result<Project> {
    // An absolute path makes "not a Kedro project" name the real directory.
    let start = std::path::absolute(&args.project).unwrap_or_else(|_| args.project.clone());
    let project = Project::discover(&start)?;
    let _ = super::PROJECT_ROOT.set(project.root.clone());
    Ok(project)
}

/// Loads the configuration for `--env` and `--params`.
pub(crate) fn config(
    project: &Project,
    args: &ProjectArgs,
    params: Option<&str>,
) -> anyhow::Result<KedroConfig> {
    let options = LoadOptions {
        env: args.env.clone(),
        runtime_params: params.map(str::to_owned),
        environ: None,
    };
    Ok(KedroConfig::load(project, &options)?)
}

/// Reads the pipelines statically, or through Kedro with `--introspect`. Warnings go to stderr.
pub(crate) fn registry(
    project: &Project,
    env: Option<&str>,
    read: &ReadArgs,
) -> anyhow::Result<Registry> {
    if read.introspect {
        return kdvc_pipeline::introspect::introspect_pipelines(
            &project.root,
            read.python.as_deref(),
            env,
        )
        .context("kdvc --introspect could not read the pipelines through Kedro");
    }
    let layout = ProjectLayout::from(project);
    let extraction = extract_pipelines(&layout)?;
    let root = project.root.clone();
    let (errors, warnings): (Vec<_>, Vec<_>) = extraction
        .diagnostics
        .iter()
        .cloned()
        .map(|d| d.relative_to(&root))
        .partition(|d| d.severity == Severity::Error);
    for w in &warnings {
        crate::render::warn(&w.to_string());
    }
    match extraction.registry {
        Some(registry) if errors.is_empty() => Ok(registry),
        _ => {
            let text: Vec<String> = errors.iter().map(ToString::to_string).collect();
            anyhow::bail!(
                "the pipelines cannot be read statically:\n{}\n  hint: rewrite the construct, or pass --introspect to ask Kedro itself",
                text.join("\n")
            )
        }
    }
}

/// Shows `path` relative to the project root when it is inside it.
pub(crate) fn relative(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .to_string_lossy()
        .into_owned()
}
