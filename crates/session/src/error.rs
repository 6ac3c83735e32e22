//! The one error type of a [`crate::Session`]. Every variant keeps its cause as `#[source]`; the messages
//! name the file (and line and column where the cause knows them) and end with a hint where there is one.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use kdvc_kedro_model::Location;

use crate::code::{Diagnostic, ExtractError, FingerprintError, IntrospectError};

/// Result alias of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Where the name of a pipeline that does not exist came from (it decides the hint).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PipelineOrigin {
    /// A name asked for only to show that pipeline ([`crate::Session::pipelines_view`]).
    Shown,
    /// The pipeline to translate: [`crate::Options::pipeline`], else `[tool.kdvc] pipeline`, else
    /// `__default__`.
    Target,
}

/// A kedro-model error, with the project root its locations are relative to. Its source is the
/// kedro-model error itself.
#[derive(Debug, thiserror::Error)]
#[error("{source}")]
pub struct KedroError {
    /// The cause, with its location relative to the project root.
    #[source]
    pub source: kdvc_kedro_model::Error,
    /// The project root, once the project is found.
    pub root: Option<PathBuf>,
    /// Where the session points when the cause has no location of its own (the `[tool.kdvc] env`
    /// line for an environment that does not exist); absolute.
    pub at: Option<Location>,
}

/// Everything that can go wrong in a session.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The Kedro project's metadata or configuration could not be read (kedro-model).
    #[error(transparent)]
    Kedro(Box<KedroError>),
    /// `[tool.kdvc]`, planning, writing, parameter editing or the fingerprint records (translate).
    #[error(transparent)]
    Translate(#[from] kdvc_translate::Error),
    /// The pipelines' Python could not be read at all.
    #[error(transparent)]
    Extract(#[from] ExtractError),
    /// The static reader could not decide some constructs of the pipelines.
    #[error("{}", static_message(diagnostics))]
    StaticPipelines {
        /// The error diagnostics, each with its file, line, column and hint (files relative to the
        /// project root).
        diagnostics: Vec<Diagnostic>,
        /// The project root the diagnostics' files are relative to.
        root: PathBuf,
    },
    /// Kedro could not be asked for the pipelines (`--introspect`).
    #[error("kdvc --introspect could not read the pipelines through Kedro")]
    Introspect {
        /// Why.
        #[source]
        source: IntrospectError,
    },
    /// No registered pipeline has this name.
    #[error(
        "no pipeline named '{name}' (registered: {})\n  hint: {}",
        registered.join(", "),
        unknown_pipeline_hint(*origin)
    )]
    UnknownPipeline {
        /// The name asked for.
        name: String,
        /// The registered names.
        registered: Vec<String>,
        /// Where the name came from.
        origin: PipelineOrigin,
    },
    /// No node of any registered pipeline has this name.
    #[error("no node named '{name}'\n  hint: `kdvc pipelines` lists the full node names")]
    UnknownNode {
        /// The name asked for.
        name: String,
    },
    /// The code fingerprint engine failed (reading sources or a git revision, its caches).
    #[error(transparent)]
    Fingerprint(#[from] FingerprintError),
    /// A path could not be hashed as DVC would.
    #[error("cannot hash {}", path.display())]
    Hash {
        /// The path as given.
        path: PathBuf,
        /// Why.
        #[source]
        source: kdvc_dvc_model::Error,
    },
    /// A DVC file operation failed (writing a file atomically).
    #[error(transparent)]
    Dvc(#[from] kdvc_dvc_model::Error),
    /// A file could not be read.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating-system error.
        #[source]
        source: std::io::Error,
    },
    /// A parameter setting is not `KEY=VALUE`.
    #[error("-S {item}: expected KEY=VALUE, e.g. -S model.lr=0.1")]
    ParamSetting {
        /// The setting as given.
        item: String,
    },
    /// `dvc exp run` could not be started.
    #[error("cannot run `dvc exp run`: is DVC installed and on PATH?")]
    DvcSpawn {
        /// The operating-system error.
        #[source]
        source: std::io::Error,
    },
    /// `dvc exp run` ran and failed.
    #[error("`dvc exp run` failed ({status})")]
    DvcFailed {
        /// Its exit status.
        status: std::process::ExitStatus,
    },
}

fn static_message(diagnostics: &[Diagnostic]) -> String {
    let text: Vec<String> = diagnostics.iter().map(ToString::to_string).collect();
    format!(
        "the pipelines cannot be read statically:\n{}\n  hint: {}",
        text.join("\n"),
        STATIC_HINT
    )
}

const STATIC_HINT: &str = "rewrite the construct, or pass --introspect to ask Kedro itself";

fn unknown_pipeline_hint(origin: PipelineOrigin) -> &'static str {
    match origin {
        PipelineOrigin::Shown => "pass one of the registered names to --pipeline",
        PipelineOrigin::Target => "set --pipeline or [tool.kdvc] pipeline to a registered name",
    }
}

impl Error {
    /// A kedro-model error of the project at `root` (`None` before the project is found).
    pub(crate) fn kedro(source: kdvc_kedro_model::Error, root: Option<&Path>) -> Self {
        Self::Kedro(Box::new(KedroError {
            source,
            root: root.map(Path::to_path_buf),
            at: None,
        }))
    }

    /// The place in a file this error points at, when its cause knows one; the file is absolute when the
    /// project root is known.
    pub fn location(&self) -> Option<Location> {
        match self {
            Self::Kedro(err) => {
                let Some(loc) = err.source.location() else {
                    return err.at.clone();
                };
                let file = match &err.root {
                    Some(root) if loc.file.is_relative() => root.join(&loc.file),
                    _ => loc.file.clone(),
                };
                let loc = Location::new(file, loc.line, loc.column);
                // An interpolation is pointed at itself rather than at the start of its entry.
                Some(match &err.source {
                    kdvc_kedro_model::Error::Interpolation { expression, .. }
                    | kdvc_kedro_model::Error::UnsupportedResolver { expression, .. } => {
                        crate::report::at_text(loc, expression)
                    }
                    _ => loc,
                })
            }
            Self::Translate(
                kdvc_translate::Error::Config {
                    file, line, col, ..
                }
                | kdvc_translate::Error::Yaml {
                    file, line, col, ..
                },
            ) => Some(Location::new(file.clone(), *line, *col)),
            Self::Translate(kdvc_translate::Error::TrackedByGit { inputs }) => {
                inputs.first().and_then(|i| i.location.clone())
            }
            Self::StaticPipelines { diagnostics, root } => diagnostics
                .first()
                .map(|d| Location::new(root.join(&d.file), d.line, d.col)),
            _ => None,
        }
    }

    /// What to do about this error, for the errors this crate raises itself (the causes' own hints are
    /// part of their messages).
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            Self::StaticPipelines { .. } => Some(STATIC_HINT),
            Self::UnknownPipeline { origin, .. } => Some(unknown_pipeline_hint(*origin)),
            Self::UnknownNode { .. } => Some("`kdvc pipelines` lists the full node names"),
            Self::Translate(kdvc_translate::Error::Config { .. }) => {
                Some("fix this entry of [tool.kdvc] in pyproject.toml (the README lists its keys)")
            }
            _ => None,
        }
    }

    /// The message and every cause on one line, separated by `: ` (for a warning that quotes the error).
    pub fn chain_text(&self) -> String {
        let mut out = self.to_string();
        let mut previous = out.clone();
        let mut cause = std::error::Error::source(self);
        while let Some(err) = cause {
            let text = err.to_string();
            // A variant that shows its cause's message as its own would repeat it.
            if text != previous {
                let _ = write!(out, ": {text}");
            }
            previous = text;
            cause = err.source();
        }
        out
    }
}
