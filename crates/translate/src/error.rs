//! Typed errors of the translation. Each carries the file and, where there is one, the line and column.

use std::path::PathBuf;

/// Result alias of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong while planning, merging or writing.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Code fingerprints could not be computed or recorded.
    #[error("code fingerprints: {0}")]
    Fingerprint(String),
    /// `kdvc fingerprint` found no `dvc.yaml` to read the fingerprinted stages from.
    #[error(
        "{}: no dvc.yaml here; `kdvc fingerprint` updates the fingerprint files that the stages of \
         dvc.yaml depend on\n  hint: run `kdvc translate` first to write dvc.yaml (or run kdvc in the \
         project that has it)",
        file.display()
    )]
    NoDvcYaml {
        /// Where dvc.yaml was expected.
        file: PathBuf,
    },
    /// Raw inputs git already tracks: a `.dvc` file would track them a second time (`dvc add` refuses
    /// them too). The message names every one, with the `git rm --cached` command that stops git
    /// tracking it.
    #[error("{}", crate::scm::Listing(inputs))]
    TrackedByGit {
        /// The tracked raw inputs, sorted by path.
        inputs: Vec<crate::scm::TrackedInput>,
    },
    /// `[tool.kdvc]` in pyproject.toml is invalid (unknown key, wrong type, bad glob).
    #[error("{file}:{line}:{col}: {message}")]
    Config {
        /// The pyproject.toml.
        file: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        col: usize,
        /// What is wrong and what to do.
        message: String,
    },
    /// A YAML file kdvc has to read (dvc.yaml, dvc.lock, a `.dvc` file, a parameters file) is malformed.
    #[error("{file}:{line}:{col}: {message}")]
    Yaml {
        /// The file.
        file: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        col: usize,
        /// What is wrong and what to do.
        message: String,
    },
    /// A DVC file (dvc.yaml, dvc.lock, a `.dvc` file) does not follow DVC's schema, or cannot be read
    /// or written.
    #[error(transparent)]
    Dvc(#[from] kdvc_dvc_model::Error),
    /// Reading or writing a file failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The path.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// Hashing a raw input failed.
    #[error("cannot hash {}: {message}", path.display())]
    Hash {
        /// The data path.
        path: PathBuf,
        /// What dvc-model said.
        message: String,
    },
    /// The Kedro project could not be read (catalog, parameters, pipelines).
    #[error("{0}")]
    Kedro(String),
    /// A parameter key given to `kdvc exp run -S` cannot be set.
    #[error("parameter '{key}': {message}")]
    Param {
        /// The Kedro parameter key.
        key: String,
        /// What is wrong and what to do.
        message: String,
    },
    /// The plan is inconsistent in a way DVC would reject (e.g. two stages writing the same path).
    #[error("{0}")]
    Plan(String),
}

impl Error {
    /// The place in a file this error points at: the entry of `[tool.kdvc]` or the YAML position.
    pub fn location(&self) -> Option<kdvc_kedro_model::Location> {
        match self {
            Self::Config {
                file, line, col, ..
            }
            | Self::Yaml {
                file, line, col, ..
            } => Some(kdvc_kedro_model::Location::new(file.clone(), *line, *col)),
            Self::TrackedByGit { inputs } => inputs.first().and_then(|i| i.location.clone()),
            _ => None,
        }
    }

    /// An I/O error on `path`.
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io {
            path: path.into(),
            source,
        }
    }

    /// A YAML error in `file` from the parser's error.
    pub(crate) fn yaml(file: impl Into<PathBuf>, e: &kdvc_yaml::Error) -> Self {
        Self::Yaml {
            file: file.into(),
            line: e.span.line,
            col: e.span.column,
            message: e.kind.to_string(),
        }
    }
}
