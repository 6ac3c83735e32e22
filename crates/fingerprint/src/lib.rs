//! # kdvc-fingerprint
//!
//! Per-node transitive code fingerprints. The entry point is [`Engine`]: [`Engine::summarize`] builds an
//! [`Index`] of a project's Python, and [`Index::fingerprint`] gives one node's [`Fingerprint`];
//! [`Engine::fingerprint_entries`] fingerprints many nodes with caches (what `kdvc fingerprint` runs).
//!
//! A Kedro node's fingerprint covers all first-party code it can execute, normalized so that formatting,
//! comments and docstrings never matter, plus the pinned versions of the third-party distributions that code
//! imports, the project's Python version and the versions of the grammar and the normalizer.
//!
//! - [`normalize`]: the structural hash of Python code (docs/fingerprint.md#normalization).
//! - [`summary`]: per-file summaries (docs/fingerprint.md#per-file-summaries): bindings with every alternative, references, imports, `__all__`,
//!   preamble, dynamic features; one parse per file on a thread-local parser, and one tree walk per unit
//!   into a flat pre-order buffer that both the normalizer and the reference collector read.
//!   Cached by content in one packed file, `<project>/.kdvc/cache/summaries.json`, next to a stat cache
//!   (unchanged files are not even read) and the last result (see [`Engine::fingerprint_entries`]).
//! - [`Engine`] + [`SourceProvider`] ([`FsSource`] for the working tree, [`GitTreeSource`] for a revision
//!   read from git objects) build an [`Index`]: name resolution across modules (docs/fingerprint.md#name-resolution) with conservative
//!   fallbacks, a symbol graph and Merkle hashes over its strongly connected components (docs/fingerprint.md#merkle-hashing).
//! - [`Index::fingerprint_all`] hashes many nodes in O(V+E) together: a node's hash combines the Merkle
//!   hashes of its entry's roots with its own extras, and no closure is materialized; it also gives the
//!   compact [`Record`] (each reachable symbol once, nodes as roots) that [`Record::fingerprint`] explains.
//! - [`Engine::fingerprint_entries`] is what `kdvc fingerprint` runs: with no input changed (every source
//!   file's content hash, lock files, entries, versions) it reuses the last result without resolving
//!   anything; otherwise it resolves only the symbols the entries reach (each symbol's resolution depends
//!   on that symbol alone, so the result equals a full index's). [`Engine::save`] remembers a result.
//! - [`Index::fingerprint`] gives one node's [`Fingerprint`] with its closure walked on demand (symbol, file,
//!   line, short hash), third-party versions and warnings; [`Fingerprint::changed_symbols`] and
//!   [`Index::diff`] explain changes.
//!
//! ```
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use kdvc_fingerprint::{Engine, EntryPoint, FsSource, ProjectSources};
//!
//! let root = tempfile::tempdir()?;
//! let nodes = root.path().join("src/my_pkg/pipelines/clean");
//! std::fs::create_dir_all(&nodes)?;
//! std::fs::write(root.path().join("src/my_pkg/__init__.py"), "")?;
//! std::fs::write(
//!     nodes.join("nodes.py"),
//!     "def helper(x):\n    return x.strip()\n\ndef clean(raw):\n    return helper(raw)\n",
//! )?;
//!
//! let sources = ProjectSources::kedro(root.path(), "src", "my_pkg");
//! let index = Engine::new(sources).summarize(&FsSource::new(root.path()))?;
//! let fp = index.fingerprint(&EntryPoint::function("my_pkg.pipelines.clean.nodes", "clean"));
//! // The closure holds the module's preamble, `clean` and the `helper` it calls.
//! let symbols: Vec<&str> = fp.closure.iter().map(|s| s.symbol.as_str()).collect();
//! let nodes = "my_pkg.pipelines.clean.nodes";
//! assert_eq!(symbols, [nodes.to_owned(), format!("{nodes}:clean"), format!("{nodes}:helper")]);
//! assert_eq!(fp.hash.len(), 64);
//! # Ok(())
//! # }
//! ```
//!
//! Known blind spots (docs/fingerprint.md#blind-spots): code reached only through objects of unknown type, code
//! loaded by computed strings (flagged and widened where detected), files read by the code, and changes
//! inside third-party packages that no lock or requirements file pins.

mod cache;
mod flat;
#[doc(hidden)]
pub mod fuzz;
mod index;
pub mod normalize;
mod pins;
mod record;
mod source;
pub mod summary;

use std::path::PathBuf;

pub use index::{
    ClosureChange, Engine, EntryDiff, EntryPoint, ExternalRecord, Fingerprint, FuncRef, Index,
    ProjectSources, SymbolRecord, Warning, WarningKind,
};
pub use kdvc_python::GRAMMAR_VERSION;
pub use normalize::{
    NORMALIZER_VERSION, normalize_arguments_hash, normalize_expression_hash, normalize_source_hash,
};
pub use pins::PIN_FILES;
pub use record::{FingerprintSet, RECORD_VERSION, Record, RecordNode, RecordSymbol};
pub use source::{FileStamp, FsSource, GitTreeSource, SourceProvider};
pub use summary::{Binding, Dynamic, FileSummary, Patch, Ref, StarImport, Unit, summarize};

/// Version of the fingerprint algorithm (resolution and graph rules); part of every fingerprint. It is
/// bumped by hand when the algorithm changes, not with every kdvc release, so upgrading kdvc does not rerun
/// every stage.
pub const TOOL_VERSION: &str = "kdvc-fingerprint-2";

/// Version of the fingerprint record format.
pub const SCHEMA_VERSION: &str = "kdvc-fp-schema-1";

/// Errors of the fingerprint engine.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file or directory could not be read or written.
    #[error("{}: {message}", path.display())]
    Io {
        /// The path concerned.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// A git revision could not be read.
    #[error("cannot read revision `{rev}` of the git repository at {}: {message}", path.display())]
    Git {
        /// The project path the repository was searched from.
        path: PathBuf,
        /// The revision asked for.
        rev: String,
        /// What went wrong, and what to do.
        message: String,
    },
}

/// Parses `src` with this thread's tree-sitter parser and reports whether it has no syntax errors; the
/// raw-parse baseline the benchmarks compare fingerprinting against.
pub fn parses_cleanly(src: &[u8]) -> bool {
    kdvc_python::grammar::parse(src).is_some_and(|t| !t.root_node().has_error())
}
