//! Command-line arguments (clap derive).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Kedro pipelines as DVC pipelines, with code-aware invalidation.
///
/// kdvc reads a Kedro project statically (no Python needed) and writes what DVC needs to run it.
/// Exit status: 0 on success, 2 on error.
#[derive(Debug, Parser)]
#[command(name = "kdvc", version, about, long_about = None, propagate_version = true)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// The sub-commands.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Show every dataset of the catalog: type, location, versioned, persisted.
    Catalog(ConfigArgs),
    /// Show the merged parameters.
    Params(ConfigArgs),
    /// Hash files or directories exactly as DVC records them (md5, size, nfiles).
    Hash(HashArgs),
    /// Show the project's pipelines and their nodes, read statically (or by Kedro with --introspect).
    Pipelines(PipelinesArgs),
}

/// How the project's pipelines are read.
#[derive(Debug, Args)]
pub(crate) struct ReadArgs {
    /// Ask Kedro itself for the pipelines: runs the project's Python (which must have Kedro installed)
    /// instead of reading the code statically.
    #[arg(long)]
    pub(crate) introspect: bool,
    /// The Python interpreter for --introspect (default: the project's .venv or venv, then python3).
    #[arg(long, value_name = "PATH", requires = "introspect")]
    pub(crate) python: Option<PathBuf>,
}

/// Arguments of `kdvc pipelines`.
#[derive(Debug, Args)]
pub(crate) struct PipelinesArgs {
    #[command(flatten)]
    pub(crate) project: ProjectArgs,
    /// Show only this registered pipeline.
    #[arg(long, short = 'p', value_name = "NAME")]
    pub(crate) pipeline: Option<String>,
    #[command(flatten)]
    pub(crate) read: ReadArgs,
    /// Print JSON: `{"pipelines": {NAME: {"nodes": [...]}}}`, nodes in topological order.
    #[arg(long)]
    pub(crate) json: bool,
}

/// Where the project is and how its configuration is loaded.
#[derive(Debug, Args)]
pub(crate) struct ProjectArgs {
    /// The Kedro project (any directory inside it). Defaults to the current directory.
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub(crate) project: PathBuf,
    /// The Kedro run environment (else KEDRO_ENV, else the project's default, usually `local`).
    #[arg(long, short = 'e', value_name = "ENV")]
    pub(crate) env: Option<String>,
}

/// Arguments of commands that read the project's configuration.
#[derive(Debug, Args)]
pub(crate) struct ConfigArgs {
    #[command(flatten)]
    pub(crate) project: ProjectArgs,
    /// Runtime parameters, as `kedro run --params`: `key=value,a.b=value`.
    #[arg(long, value_name = "K=V,...")]
    pub(crate) params: Option<String>,
    #[command(flatten)]
    pub(crate) read: ReadArgs,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub(crate) json: bool,
}

/// Arguments of `kdvc hash`.
#[derive(Debug, Args)]
pub(crate) struct HashArgs {
    /// Files or directories to hash.
    #[arg(required = true, value_name = "PATH")]
    pub(crate) paths: Vec<PathBuf>,
    /// Print JSON: `[{"path", "md5", "size", "nfiles"}]`.
    #[arg(long)]
    pub(crate) json: bool,
}
