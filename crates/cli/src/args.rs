//! Command-line arguments (clap derive).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Kedro pipelines as DVC pipelines, with code-aware invalidation.
///
/// kdvc reads a Kedro project statically (no Python needed) and writes what DVC needs to run it.
/// Exit status: 0 on success, 2 on error.
#[derive(Debug, Parser)]
#[command(name = "kdvc", version, about, long_about = None, propagate_version = true)]
pub(crate) struct Cli {
    /// How errors, warnings and `kdvc check` findings are printed: `text` (a source snippet with a
    /// caret, on stderr), `json` (one JSON object per line on stderr: severity, message, file, line,
    /// column, end_line, end_column, hint, causes) or `github` (GitHub Actions `::error` annotations
    /// on stdout). Progress bars are never shown with json or github.
    #[arg(long, global = true, value_enum, default_value_t = Format::Text, value_name = "FORMAT")]
    pub(crate) format: Format,
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// The format of diagnostics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    /// For people: a source snippet with a caret, the causes and a hint (colour on a terminal).
    #[default]
    Text,
    /// One JSON object per diagnostic and line, on stderr.
    Json,
    /// GitHub Actions workflow commands (`::error file=...,line=...::message`), on stdout.
    Github,
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
    /// Write dvc.yaml and the .dvc files of raw inputs from the Kedro project.
    Translate(TranslateArgs),
    /// Check that dvc.yaml and the .dvc files are what `kdvc translate` would write.
    ///
    /// Exit status: 0 when they are, 1 (with a unified diff) when they are not, 2 on error. With
    /// `--format github` each stale file is a GitHub Actions error annotation (dvc.yaml's names the
    /// stages that differ); with `--format json` a JSON diagnostic on stderr.
    Check(TargetArgs),
    /// DVC experiments with Kedro parameters.
    #[command(subcommand)]
    Exp(ExpCommand),
    /// Update the per-stage code fingerprint files that dvc.yaml's stages depend on, and print each node's
    /// fingerprint. Files whose content is unchanged are left untouched.
    ///
    /// This is what the `kdvc-fingerprint` stage of a translated dvc.yaml runs when the code or the
    /// configuration changed.
    Fingerprint(FingerprintArgs),
    /// Show a node's code closure (symbols with file and line) and what changed in it since the last
    /// recorded fingerprint.
    Trace(TraceArgs),
    /// List the nodes whose code fingerprint differs between two git revisions (REV2 defaults to the work
    /// tree). Reads the files from git objects, without a checkout.
    Diff(DiffArgs),
    /// Run the pipeline on Kubernetes through Argo Workflows.
    #[command(subcommand)]
    K8s(crate::commands::k8s::K8sCommand),
    /// Print a shell completion script: `kdvc completions bash > ~/.local/share/bash-completion/completions/kdvc`.
    Completions(CompletionsArgs),
}

/// Arguments of `kdvc completions`.
#[derive(Debug, Args)]
pub(crate) struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum, value_name = "SHELL")]
    pub(crate) shell: clap_complete::Shell,
}

/// Arguments of `kdvc fingerprint`.
#[derive(Debug, Args)]
pub(crate) struct FingerprintArgs {
    #[command(flatten)]
    pub(crate) project: ProjectArgs,
    /// Print JSON: `{"stages": [...], "nodes": {NAME: {"hash", ...}}}`.
    #[arg(long)]
    pub(crate) json: bool,
}

/// Arguments of `kdvc trace`.
#[derive(Debug, Args)]
pub(crate) struct TraceArgs {
    #[command(flatten)]
    pub(crate) project: ProjectArgs,
    /// The Kedro node (its full, namespaced name).
    #[arg(value_name = "NODE")]
    pub(crate) node: String,
    /// Print JSON.
    #[arg(long)]
    pub(crate) json: bool,
}

/// Arguments of `kdvc diff`.
#[derive(Debug, Args)]
pub(crate) struct DiffArgs {
    #[command(flatten)]
    pub(crate) project: ProjectArgs,
    /// The old revision (`HEAD~1`, a branch, a commit).
    #[arg(value_name = "REV")]
    pub(crate) rev: String,
    /// The new revision; the work tree when omitted.
    #[arg(value_name = "REV2")]
    pub(crate) rev2: Option<String>,
    /// Print JSON: `[{"node", "stage", "before", "after", "changed_symbols"}]`.
    #[arg(long)]
    pub(crate) json: bool,
}

/// What `kdvc translate` and `kdvc check` translate.
#[derive(Debug, Args)]
pub(crate) struct TargetArgs {
    #[command(flatten)]
    pub(crate) project: ProjectArgs,
    /// The registered pipeline to translate (else `[tool.kdvc] pipeline`, else `__default__`).
    #[arg(long, short = 'p', value_name = "NAME")]
    pub(crate) pipeline: Option<String>,
    #[command(flatten)]
    pub(crate) read: ReadArgs,
}

/// Arguments of `kdvc translate`.
#[derive(Debug, Args)]
pub(crate) struct TranslateArgs {
    #[command(flatten)]
    pub(crate) target: TargetArgs,
    /// Print what would be written instead of writing it.
    #[arg(long)]
    pub(crate) dry_run: bool,
    /// List every stage, file and entry in the summary (by default a few names per category and a
    /// count of the rest).
    #[arg(long, short = 'v', conflicts_with = "quiet")]
    pub(crate) verbose: bool,
    /// Print no summary on success (with --dry-run the diff is still printed; warnings and errors
    /// still go to stderr).
    #[arg(long, short = 'q')]
    pub(crate) quiet: bool,
}

/// `kdvc exp` sub-commands.
#[derive(Debug, Subcommand)]
pub(crate) enum ExpCommand {
    /// Run a DVC experiment with Kedro parameters set: `kdvc exp run -S model.lr=0.1 -- --name lr01`.
    ///
    /// Each KEY is a Kedro parameter key; kdvc edits the file that defines its effective value (after
    /// environment overrides), keeping comments and layout, then runs `dvc exp run` with the arguments
    /// after `--`. With `--queue` or `--temp` the edited files are restored once DVC has taken its copy.
    Run(ExpRunArgs),
}

/// Arguments of `kdvc exp run`.
#[derive(Debug, Args)]
pub(crate) struct ExpRunArgs {
    #[command(flatten)]
    pub(crate) project: ProjectArgs,
    /// A Kedro parameter to set, `KEY=VALUE` (VALUE is read as YAML). Repeatable.
    #[arg(
        short = 'S',
        long = "set-param",
        value_name = "KEY=VALUE",
        required = true
    )]
    pub(crate) set: Vec<String>,
    /// Arguments passed to `dvc exp run` as they are (`--queue`, `--temp`, `-n NAME`, ...).
    #[arg(last = true, value_name = "DVC_ARGS")]
    pub(crate) dvc_args: Vec<String>,
}

/// How the project's pipelines are read.
#[derive(Debug, Args)]
pub(crate) struct ReadArgs {
    /// When to ask Kedro itself for the pipelines (runs the project's Python, which must have Kedro
    /// installed): `always` (what a bare --introspect means), `auto` (read statically, ask Kedro when a
    /// construct is refused) or `never`. Default: [tool.kdvc] introspect, else auto.
    #[arg(
        long,
        value_name = "WHEN",
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "always"
    )]
    pub(crate) introspect: Option<IntrospectWhen>,
    /// The Python interpreter for --introspect (default: the project's .venv or venv, then python3).
    #[arg(long, value_name = "PATH", requires = "introspect")]
    pub(crate) python: Option<PathBuf>,
}

/// The values of `--introspect`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum IntrospectWhen {
    /// Static reading only.
    Never,
    /// Static reading, Kedro when a construct is refused.
    Auto,
    /// Always Kedro.
    Always,
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
