//! One module per sub-command. Each turns arguments into library calls and prints the result.

mod catalog;
mod exp;
mod fingerprint;
mod hash;
pub(crate) mod k8s;
mod params;
mod pipelines;
mod project;
mod translate;

use std::process::ExitCode;

use crate::args::{Cli, Command};
use crate::render::SourceLocation;

/// Runs the parsed command line.
pub(crate) fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Hash(args) => hash::run(&args),
        Command::Catalog(args) => catalog::run(&args),
        Command::Params(args) => params::run(&args),
        Command::Pipelines(args) => pipelines::run(&args),
        Command::Translate(args) => translate::translate(&args),
        Command::Check(args) => translate::check(&args),
        Command::Exp(crate::args::ExpCommand::Run(args)) => exp::run(&args),
        Command::Fingerprint(args) => fingerprint::fingerprint(&args),
        Command::Trace(args) => fingerprint::trace(&args),
        Command::Diff(args) => fingerprint::diff(&args),
        Command::K8s(command) => k8s::run(&command),
    }
}

/// The root of the project the command works on, once known (error locations are relative to it).
pub(crate) static PROJECT_ROOT: std::sync::OnceLock<std::path::PathBuf> =
    std::sync::OnceLock::new();

/// The file position an error points at, if a library error in its chain knows one.
pub(crate) fn location_of(err: &anyhow::Error) -> Option<SourceLocation> {
    let loc = err.chain().find_map(|cause| {
        cause
            .downcast_ref::<kdvc_kedro_model::Error>()
            .and_then(|e| e.location())
    })?;
    let file = match PROJECT_ROOT.get() {
        Some(root) if loc.file.is_relative() => root.join(&loc.file),
        _ => loc.file.clone(),
    };
    Some(SourceLocation {
        file,
        line: loc.line,
        column: loc.column,
    })
}

/// Writes `text` to stdout (data only), treating a closed pipe as success.
pub(crate) fn emit(text: &str) -> anyhow::Result<()> {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    if !text.ends_with('\n') {
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(())
}
