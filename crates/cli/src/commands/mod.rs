//! One module per sub-command. Each turns arguments into library calls and prints the result.

mod catalog;
mod hash;
mod params;
mod pipelines;
mod project;

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
    }
}

/// The file position an error points at, if a library error in its chain knows one.
pub(crate) fn location_of(err: &anyhow::Error) -> Option<SourceLocation> {
    for cause in err.chain() {
        if let Some(e) = cause.downcast_ref::<kdvc_kedro_model::Error>() {
            if let Some(loc) = e.location() {
                return Some(SourceLocation {
                    file: loc.file.clone(),
                    line: loc.line,
                    column: loc.column,
                });
            }
        }
    }
    None
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
