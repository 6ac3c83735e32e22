//! The `kdvc` command-line tool: Kedro pipelines as DVC pipelines.
//!
//! Arguments, output and progress only; the logic lives in the library crates, reached through
//! `kdvc-session`. Data goes to stdout, diagnostics to stderr. Exit status 0 on success, 2 on error (and 1 where a command documents it, such
//! as `kdvc check` finding differences).

mod args;
mod commands;
mod output;
mod progress;
mod render;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = args::Cli::parse();
    render::init(cli.format);
    match commands::run(cli) {
        Ok(code) => code,
        Err(err) => {
            if render::is_broken_pipe(&err) {
                return ExitCode::SUCCESS;
            }
            render::report(&err);
            ExitCode::from(2)
        }
    }
}
