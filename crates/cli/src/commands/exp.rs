//! `kdvc exp run`: DVC experiments with Kedro parameters.

use std::process::ExitCode;

use kdvc_session::Options;

use crate::args::ExpRunArgs;

pub(crate) fn run(args: &ExpRunArgs) -> anyhow::Result<ExitCode> {
    let options = Options {
        env_from_tool_config: true,
        ..super::options(&args.project, None)
    };
    let session = super::open(&args.project, options)?;
    let mut edits = super::with_warnings(&session, |s| Ok(s.param_edits()?))?;
    for item in &args.set {
        let change = edits.set(item)?;
        crate::render::info(&format!(
            "set {} = {} in {} (was {})",
            change.key, change.value, change.file, change.old_value
        ));
    }
    edits.run_experiment(&args.dvc_args)?;
    Ok(ExitCode::SUCCESS)
}
