//! The one error type of the config model: every variant names the file and, where known, the line
//! and column, says what is wrong and what to do about it.

use std::fmt;
use std::path::{Path, PathBuf};

/// A position in a file: the file (relative to the project root where possible), 1-based line and column.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub struct Location {
    /// The file, relative to the project root when it is inside it.
    pub file: PathBuf,
    /// 1-based line (0 when unknown).
    pub line: usize,
    /// 1-based column (0 when unknown).
    pub column: usize,
}

impl Location {
    /// A location in `file` at `line`:`column` (both 1-based).
    pub fn new(file: impl Into<PathBuf>, line: usize, column: usize) -> Self {
        Self {
            file: file.into(),
            line,
            column,
        }
    }

    /// A location that names only the file.
    pub fn file(file: impl Into<PathBuf>) -> Self {
        Self::new(file, 0, 0)
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if self.line > 0 {
            write!(f, ":{}", self.line)?;
            if self.column > 0 {
                write!(f, ":{}", self.column)?;
            }
        }
        Ok(())
    }
}

/// Everything that can go wrong while reading a Kedro project's metadata and configuration.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// No `pyproject.toml` with a `[tool.kedro]` table in the directory or any parent.
    #[error(
        "{start}: not a Kedro project: no pyproject.toml with a [tool.kedro] table in this directory or any \
         parent\n  hint: run kdvc inside a Kedro project or pass --project <DIR>"
    )]
    NotAKedroProject {
        /// Where the search started.
        start: PathBuf,
    },

    /// A file or directory could not be read.
    #[error("{path}: cannot read: {source}")]
    Io {
        /// The path that failed.
        path: PathBuf,
        /// The operating-system error.
        #[source]
        source: std::io::Error,
    },

    /// `pyproject.toml` is not valid TOML or `[tool.kedro]` has the wrong shape.
    #[error("{location}: invalid pyproject.toml: {message}\n  hint: {hint}")]
    Pyproject {
        /// Where.
        location: Location,
        /// What is wrong.
        message: String,
        /// What to do.
        hint: String,
    },

    /// A setting in `settings.py` is needed but is not a literal kdvc can read.
    #[error(
        "{location}: {setting} in settings.py is not a literal value ({detail}); kdvc reads settings.py \
         without running it\n  hint: write {setting} as a literal (strings, numbers, lists, dicts)"
    )]
    UnreadableSetting {
        /// Where it is assigned.
        location: Location,
        /// The setting, e.g. `CONF_SOURCE` or `CONFIG_LOADER_ARGS["base_env"]`.
        setting: String,
        /// Why it could not be read.
        detail: String,
    },

    /// A setting has a value Kedro would reject.
    #[error("{location}: invalid {setting}: {message}")]
    InvalidSetting {
        /// Where it is assigned.
        location: Location,
        /// The setting.
        setting: String,
        /// What is wrong.
        message: String,
    },

    /// Malformed YAML or JSON.
    #[error("{location}: invalid YAML: {message}\n  hint: fix the YAML syntax at this position")]
    Yaml {
        /// Where the parser stopped.
        location: Location,
        /// The parser's message.
        message: String,
    },

    /// The same key twice in one mapping of one file.
    #[error(
        "{location}: duplicate key '{key}' (first defined at line {first_line})\n  hint: YAML forbids a key \
         twice in one mapping; remove or rename one of them"
    )]
    DuplicateKey {
        /// The second occurrence.
        location: Location,
        /// The key.
        key: String,
        /// Line of the first occurrence.
        first_line: usize,
    },

    /// The same key in two files of one environment (Kedro: `Duplicate keys found in A and B: k`).
    #[error(
        "{second}: duplicate {what} '{keys}' also defined in {first} (same environment)\n  hint: Kedro \
         refuses the same {what} in two {config} files of one environment; keep it in one file, or \
         prefix it with '_' if it is a template"
    )]
    DuplicateKeysAcrossFiles {
        /// The config key (`catalog`, `parameters`, ...).
        config: String,
        /// "top-level key" or "parameter".
        what: &'static str,
        /// The first file (and the key's line there).
        first: Box<Location>,
        /// The second file (and the key's line there).
        second: Location,
        /// The duplicate keys, comma-separated and sorted.
        keys: String,
    },

    /// `${...}` refers to a key that does not exist.
    #[error(
        "{location}: interpolation '{expression}' cannot be resolved: {message}\n  hint: {hint}"
    )]
    Interpolation {
        /// Where the value with the interpolation is.
        location: Location,
        /// The whole `${...}` expression.
        expression: String,
        /// What is wrong.
        message: String,
        /// What to do.
        hint: String,
    },

    /// Interpolations that refer to each other in a cycle.
    #[error(
        "{location}: circular interpolation: {chain}\n  hint: break the cycle so that every ${{...}} ends at a \
         plain value"
    )]
    CircularInterpolation {
        /// Where the cycle was detected.
        location: Location,
        /// The key paths of the cycle, `a -> b -> a`.
        chain: String,
    },

    /// A resolver Kedro does not allow here, or a custom one kdvc cannot run.
    #[error(
        "{location}: unsupported interpolation type '{resolver}' in '{expression}'\n  hint: {hint}"
    )]
    UnsupportedResolver {
        /// Where.
        location: Location,
        /// The resolver name.
        resolver: String,
        /// The whole expression.
        expression: String,
        /// What to do.
        hint: String,
    },

    /// The run environment (or base environment) directory does not exist.
    #[error(
        "{path}: configuration environment '{env}' does not exist (Kedro: \"Given configuration path either \
         does not exist or is not a valid directory\")\n  hint: {hint}"
    )]
    MissingEnvironment {
        /// The missing directory, relative to the project root.
        path: PathBuf,
        /// The environment name.
        env: String,
        /// What to do.
        hint: String,
    },

    /// No configuration files for a key in either environment.
    #[error(
        "{conf_dir}: no YAML or JSON files for '{config}' in environments {envs} matching {patterns}\n  hint: \
         add e.g. conf/base/{config}.yml"
    )]
    MissingConfig {
        /// The config key.
        config: String,
        /// The conf root.
        conf_dir: PathBuf,
        /// The environments searched.
        envs: String,
        /// The patterns used.
        patterns: String,
    },

    /// A top-level value of a config file that must be a mapping is not.
    #[error("{location}: {message}\n  hint: {hint}")]
    InvalidConfig {
        /// Where.
        location: Location,
        /// What is wrong.
        message: String,
        /// What to do.
        hint: String,
    },

    /// A second catch-all dataset factory pattern.
    #[error(
        "{location}: multiple catch-all patterns found in the catalog: {patterns}\n  hint: Kedro allows one \
         catch-all pattern (a pattern with only placeholders, like '{{default}}'); remove all but one"
    )]
    MultipleCatchAll {
        /// The second catch-all.
        location: Location,
        /// All catch-all patterns.
        patterns: String,
    },

    /// A dataset factory uses a placeholder its key does not have.
    #[error(
        "{location}: dataset pattern '{pattern}' uses placeholders {placeholders} that are not in the pattern \
         name\n  hint: every {{placeholder}} in the configuration must appear in the pattern key"
    )]
    PatternPlaceholder {
        /// Where the pattern is.
        location: Location,
        /// The pattern.
        pattern: String,
        /// The unknown placeholders.
        placeholders: String,
    },

    /// A malformed `--params` string.
    #[error("--params '{input}': {message}\n  hint: use --params key1=value1,key2.sub=value2")]
    RuntimeParams {
        /// The whole string.
        input: String,
        /// What is wrong.
        message: String,
    },

    /// A dataset's `credentials` name that the credentials files do not define.
    #[error(
        "{location}: unable to find credentials '{name}'\n  hint: define '{name}' in conf/<env>/credentials.yml"
    )]
    MissingCredentials {
        /// Where the reference is.
        location: Location,
        /// The credentials key.
        name: String,
    },

    /// Input that exceeds one of kdvc's depth or work limits (see `docs/limits.md`): a chain or nesting of
    /// interpolations that is too deep, a value that grows too large, a name too long to match.
    #[error("{location}: {message} (limit: {limit})\n  hint: {hint}")]
    LimitExceeded {
        /// Where the value that hit the limit is.
        location: Location,
        /// What is too deep or too large.
        message: String,
        /// The limit that was hit, with its unit.
        limit: String,
        /// What to do.
        hint: String,
    },

    /// A dataset `type` Kedro could not import.
    #[error("{location}: invalid dataset type '{type_name}': {message}")]
    InvalidType {
        /// Where.
        location: Location,
        /// The type as written.
        type_name: String,
        /// What is wrong.
        message: String,
    },
}

/// Result type of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// An I/O error for `path`.
    pub fn io(path: impl AsRef<Path>, source: std::io::Error) -> Self {
        Self::Io {
            path: path.as_ref().to_path_buf(),
            source,
        }
    }

    /// The location this error points at, when it has one.
    pub fn location(&self) -> Option<&Location> {
        match self {
            Self::Pyproject { location, .. }
            | Self::UnreadableSetting { location, .. }
            | Self::InvalidSetting { location, .. }
            | Self::Yaml { location, .. }
            | Self::DuplicateKey { location, .. }
            | Self::Interpolation { location, .. }
            | Self::CircularInterpolation { location, .. }
            | Self::UnsupportedResolver { location, .. }
            | Self::InvalidConfig { location, .. }
            | Self::MultipleCatchAll { location, .. }
            | Self::PatternPlaceholder { location, .. }
            | Self::MissingCredentials { location, .. }
            | Self::InvalidType { location, .. }
            | Self::LimitExceeded { location, .. } => Some(location),
            Self::DuplicateKeysAcrossFiles { second, .. } => Some(second),
            _ => None,
        }
    }
}
