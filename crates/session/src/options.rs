//! How a [`crate::Session`] reads the project.

use std::path::PathBuf;

/// How the project's pipelines are read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum PipelineReader {
    /// As `[tool.kdvc] introspect` says: `"never"` is [`PipelineReader::Static`], `"auto"` (the default)
    /// [`PipelineReader::Auto`], `"always"` [`PipelineReader::Introspect`], each with the default interpreter.
    #[default]
    Configured,
    /// Statically, without running Python; a construct the static reader refuses is an error.
    Static,
    /// Statically; when the static reader refuses a construct, by Kedro itself (as
    /// [`PipelineReader::Introspect`]), with one [`crate::Warning::Introspected`] naming the construct.
    Auto {
        /// The interpreter (default: the project's `.venv` or `venv`, then `python3`).
        python: Option<PathBuf>,
    },
    /// By Kedro itself: runs the project's Python, which must have Kedro installed.
    Introspect {
        /// The interpreter (default: the project's `.venv` or `venv`, then `python3`).
        python: Option<PathBuf>,
    },
}

/// What a session reads and which settings override `[tool.kdvc]` in `pyproject.toml`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Options {
    /// The Kedro run environment. `None`: see [`Options::env_from_tool_config`].
    pub env: Option<String>,
    /// When [`Options::env`] is `None`, whether `[tool.kdvc] env` chooses the environment (as `kdvc
    /// translate`, `kdvc check` and `kdvc exp run` do); else Kedro's own rule applies (`KEDRO_ENV`, then the
    /// project's default, usually `local`), as for `kdvc pipelines`, `catalog`, `params`, `fingerprint`,
    /// `trace` and `diff`.
    pub env_from_tool_config: bool,
    /// The registered pipeline to translate (overrides `[tool.kdvc] pipeline`; default `__default__`).
    pub pipeline: Option<String>,
    /// Runtime parameters as `kedro run --params` takes them: `key=value,a.b=value`.
    pub runtime_params: Option<String>,
    /// How the pipelines are read.
    pub reader: PipelineReader,
}
