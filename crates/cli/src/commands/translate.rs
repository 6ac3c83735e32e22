//! `kdvc translate` and `kdvc check`.

use std::fmt::Write as _;
use std::process::ExitCode;

use anyhow::Context as _;
use kdvc_translate::{KdvcConfig, Translation, prepare_project};

use crate::args::{TargetArgs, TranslateArgs};

/// Computes what translate would write for the project and options in `args`.
fn prepare(args: &TargetArgs) -> anyhow::Result<Translation> {
    let project = super::project::discover(&args.project)?;
    let mut cfg = KdvcConfig::load(&project.root)?;
    if args.project.env.is_some() {
        cfg.env.clone_from(&args.project.env);
    }
    if args.pipeline.is_some() {
        cfg.pipeline.clone_from(&args.pipeline);
    }
    let mut project_args = crate::args::ProjectArgs {
        project: args.project.project.clone(),
        env: cfg.env.clone(),
    };
    project_args.project.clone_from(&args.project.project);
    let config = super::project::config(&project, &project_args, None)?;
    let registry = super::project::registry(&project, cfg.env.as_deref(), &args.read)?;
    let name = cfg
        .pipeline
        .clone()
        .unwrap_or_else(|| "__default__".to_owned());
    let pipeline = registry.get(&name).with_context(|| {
        format!(
            "no pipeline named '{name}' (registered: {})\n  hint: set --pipeline or [tool.kdvc] pipeline to a registered name",
            registry.names().join(", ")
        )
    })?;
    Ok(prepare_project(&project, &cfg, &config, pipeline)?)
}

pub(crate) fn translate(args: &TranslateArgs) -> anyhow::Result<ExitCode> {
    let translation = prepare(&args.target)?;
    if args.dry_run {
        let diff = translation.diff();
        super::emit(if diff.is_empty() {
            "nothing to change\n"
        } else {
            &diff
        })?;
    } else {
        translation.write()?;
    }
    super::emit(&summary(&translation, args.dry_run))?;
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn check(args: &TargetArgs) -> anyhow::Result<ExitCode> {
    let translation = prepare(args)?;
    if translation.is_clean() {
        super::emit("dvc.yaml and the .dvc files are up to date\n")?;
        return Ok(ExitCode::SUCCESS);
    }
    super::emit(&translation.diff())?;
    crate::render::hint("run `kdvc translate` and commit the result");
    Ok(ExitCode::from(1))
}

/// The human summary of a translation.
fn summary(t: &Translation, dry_run: bool) -> String {
    let r = &t.report;
    let verb = if dry_run { "would write" } else { "wrote" };
    let mut out = String::new();
    let list = |v: &[String]| {
        if v.is_empty() {
            "-".to_owned()
        } else {
            v.join(", ")
        }
    };
    let _ = writeln!(
        out,
        "{} stages: {} added, {} changed, {} removed, {} unchanged",
        t.plan.stages.len(),
        r.stages_added.len(),
        r.stages_changed.len(),
        r.stages_removed.len(),
        r.stages_unchanged.len()
    );
    if !r.stages_added.is_empty() {
        let _ = writeln!(out, "  added: {}", list(&r.stages_added));
    }
    if !r.stages_changed.is_empty() {
        let _ = writeln!(out, "  changed: {}", list(&r.stages_changed));
    }
    if !r.stages_removed.is_empty() {
        let _ = writeln!(out, "  removed: {}", list(&r.stages_removed));
    }
    for (stage, nodes) in &r.fused_groups {
        let _ = writeln!(
            out,
            "fused into {stage}: {} (joined by in-memory datasets)",
            nodes.join(", ")
        );
    }
    for (dataset, url) in &r.remote_datasets {
        let _ = writeln!(out, "not tracked by DVC (remote): {dataset} at {url}");
    }
    if !r.dvc_files.is_empty() {
        let _ = writeln!(out, "{verb} .dvc files: {}", r.dvc_files.join(", "));
    }
    for (file, lines) in &r.gitignore_changes {
        let _ = writeln!(out, "{verb} {file}: {}", lines.join(" "));
    }
    if !r.lock_pruned.is_empty() {
        let _ = writeln!(out, "pruned dvc.lock entries: {}", r.lock_pruned.join(", "));
    }
    for note in &r.notes {
        let _ = writeln!(out, "note: {note}");
    }
    out
}
