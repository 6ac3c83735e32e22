//! `kdvc completions SHELL`: a shell completion script on stdout.

use std::process::ExitCode;

use clap::CommandFactory as _;

use crate::args::{Cli, CompletionsArgs};

pub(crate) fn run(args: &CompletionsArgs) -> anyhow::Result<ExitCode> {
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command(), "kdvc", &mut script);
    super::emit(&String::from_utf8(script)?)?;
    Ok(ExitCode::SUCCESS)
}
