//! `kdvc translate` and `kdvc check`.

use std::fmt::Write as _;
use std::process::ExitCode;

use kdvc_session::translate::Translation;
use kdvc_session::{Options, Session};

use crate::args::{TargetArgs, TranslateArgs};

/// Opens the project with the options of `args` over `[tool.kdvc]`.
fn open(args: &TargetArgs) -> anyhow::Result<Session> {
    let options = Options {
        pipeline: args.pipeline.clone(),
        env_from_tool_config: true,
        ..super::options(&args.project, Some(&args.read))
    };
    super::open(&args.project, options)
}

pub(crate) fn translate(args: &TranslateArgs) -> anyhow::Result<ExitCode> {
    let session = open(&args.target)?;
    let translation = super::with_warnings(&session, |s| {
        Ok(if args.dry_run {
            s.translation()?
        } else {
            s.write_translation()?
        })
    })?;
    if args.dry_run {
        let diff = translation.diff();
        super::emit(if diff.is_empty() {
            "nothing to change\n"
        } else {
            &diff
        })?;
    }
    super::emit(&summary(translation, args.dry_run))?;
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn check(args: &TargetArgs) -> anyhow::Result<ExitCode> {
    let session = open(args)?;
    let check = super::with_warnings(&session, |s| Ok(s.check()?))?;
    if check.up_to_date {
        super::emit("dvc.yaml and the .dvc files are up to date\n")?;
        return Ok(ExitCode::SUCCESS);
    }
    super::emit(&check.diff)?;
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
