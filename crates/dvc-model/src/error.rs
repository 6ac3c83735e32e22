//! The error type of this crate.

use std::fmt;
use std::path::PathBuf;

/// A position in a text file: 1-based line and column (columns count characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize)]
pub struct Location {
    /// Line number, starting at 1.
    pub line: usize,
    /// Column number, starting at 1.
    pub column: usize,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}, column {}", self.line, self.column)
    }
}

/// Everything that can go wrong while hashing or reading and writing DVC files.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file system operation failed.
    #[error("{op} '{}': {source}", path.display())]
    Io {
        /// What was being done (`read`, `write`, `open`, ...).
        op: &'static str,
        /// The path involved.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The file is not well-formed YAML.
    #[error("'{}' is not valid YAML: {message}, {location}", path.display())]
    Yaml {
        /// The file.
        path: PathBuf,
        /// Where the parser stopped.
        location: Location,
        /// What the parser says.
        message: String,
    },
    /// The YAML is well-formed but does not follow DVC's schema (unknown key, wrong type, missing key).
    #[error("'{}' validation failed.\n{message}, in {yaml_path}, {location}", path.display())]
    Schema {
        /// The file.
        path: PathBuf,
        /// The path of keys and indices to the offending node, as DVC prints it (`stages -> s -> foo`).
        yaml_path: String,
        /// Where the offending node starts.
        location: Location,
        /// What is wrong (`extra keys not allowed`, `expected str`, ...).
        message: String,
    },
    /// A `.dvcignore` file lies inside a directory being hashed; DVC refuses that too.
    #[error(
        ".dvcignore file should not be in collected dir path: '{}' (move its patterns to the .dvcignore \
         of a parent directory)",
        dir.display()
    )]
    IgnoreInCollectedDir {
        /// The directory that contains the `.dvcignore`.
        dir: PathBuf,
    },
    /// A `.dvcignore` pattern could not be compiled.
    #[error("'{}': invalid pattern at line {line}: {message}", path.display())]
    BadIgnorePattern {
        /// The `.dvcignore` file.
        path: PathBuf,
        /// Its 1-based line.
        line: usize,
        /// Why it is invalid.
        message: String,
    },
    /// A path to hash is neither a regular file nor a directory (socket, fifo, broken symlink, ...).
    #[error("'{}' is not a regular file or a directory", path.display())]
    NotAFileOrDir {
        /// The offending path.
        path: PathBuf,
    },
    /// A file name is not valid UTF-8: DVC fails on such names ("surrogates not allowed"), so no hash
    /// DVC would record exists.
    #[error("'{}': the file name is not valid UTF-8, which DVC cannot track (rename the file)", path.display())]
    NotUtf8 {
        /// The offending path.
        path: PathBuf,
    },
    /// A value cannot be written as a DVC file (for instance a stage without `cmd`).
    #[error("cannot write '{}': {message}", path.display())]
    Invalid {
        /// The file being written (or a description of it).
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

impl Error {
    pub(crate) fn io(op: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            op,
            path: path.into(),
            source,
        }
    }
}

/// Result alias of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
