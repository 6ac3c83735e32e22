//! One module per sub-command. Each turns its arguments into [`kdvc_session`] calls and prints the
//! result; this module holds what they share: opening the session and writing to stdout.

mod catalog;
mod completions;
mod exp;
mod fingerprint;
mod hash;
pub(crate) mod k8s;
mod params;
mod pipelines;
mod translate;

use std::process::ExitCode;

use kdvc_session::{Options, PipelineReader, Session};

use crate::args::{Cli, Command, IntrospectWhen, ProjectArgs, ReadArgs};

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
        Command::Completions(args) => completions::run(&args),
    }
}

/// The session options of `--env` (and of `--introspect`/`--python` when the command has them).
pub(crate) fn options(project: &ProjectArgs, read: Option<&ReadArgs>) -> Options {
    let python = read.and_then(|read| read.python.clone());
    let reader = match read.and_then(|read| read.introspect) {
        None => PipelineReader::Configured,
        Some(IntrospectWhen::Never) => PipelineReader::Static,
        Some(IntrospectWhen::Auto) => PipelineReader::Auto { python },
        Some(IntrospectWhen::Always) => PipelineReader::Introspect { python },
    };
    Options {
        env: project.env.clone(),
        reader,
        ..Options::default()
    }
}

/// Opens the Kedro project around `--project`.
pub(crate) fn open(project: &ProjectArgs, options: Options) -> anyhow::Result<Session> {
    let session = Session::open(&project.project, options)?;
    Ok(if crate::progress::enabled() {
        session.with_progress(std::sync::Arc::new(crate::progress::Bars::default()))
    } else {
        session
    })
}

/// Runs `body` on the session, then prints the warnings it collected (before the error, if any).
pub(crate) fn with_warnings<'s, T>(
    session: &'s Session,
    body: impl FnOnce(&'s Session) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    let result = body(session);
    for warning in session.take_warnings() {
        crate::render::warning(&warning, session.root());
    }
    result
}

/// Writes `value` as pretty JSON to stdout.
pub(crate) fn emit_json(value: &impl serde::Serialize) -> anyhow::Result<()> {
    emit(&serde_json::to_string_pretty(value)?)
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
