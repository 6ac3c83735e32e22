//! `kdvc translate` and `kdvc check`.

use std::process::ExitCode;

use kdvc_session::{Options, Session};

use crate::args::{Format, TargetArgs, TranslateArgs};

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
    if !args.quiet {
        super::emit(&crate::output::translation_summary(
            translation,
            args.dry_run,
            args.verbose,
        ))?;
    }
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn check(args: &TargetArgs) -> anyhow::Result<ExitCode> {
    let session = open(args)?;
    let check = super::with_warnings(&session, |s| Ok(s.check()?))?;
    if check.up_to_date {
        super::emit("dvc.yaml and the .dvc files are up to date\n")?;
        return Ok(ExitCode::SUCCESS);
    }
    match crate::render::format() {
        Format::Text => {
            super::emit(&check.diff)?;
            crate::render::hint("run `kdvc translate` and commit the result");
        }
        Format::Json => crate::render::emit_reports(&check.stale),
        Format::Github => {
            crate::render::emit_reports(&check.stale);
            super::emit(&check.diff)?;
        }
    }
    Ok(ExitCode::from(1))
}
