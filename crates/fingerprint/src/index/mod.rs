//! Name resolution across the project (docs/fingerprint.md#name-resolution), the symbol graph, Merkle hashes over its strongly connected
//! components (docs/fingerprint.md#merkle-hashing) and per-node fingerprints.
//!
//! - [`engine`]: listing the project's files, caches, and building an [`Index`];
//! - [`graph`]: the symbol graph and what entries reach;
//! - [`plan`] and [`resolve`]: each node's local hash and targets, by name resolution across modules;
//! - [`merkle`]: Merkle hashes over strongly connected components, and entry hashes;
//! - [`entries`]: fingerprints, records and diffs of entry points;
//! - [`types`]: the public types.

mod engine;
mod entries;
mod graph;
mod ids;
mod merkle;
mod plan;
mod resolve;
mod types;

pub use engine::Engine;
pub use graph::Index;
pub use types::{
    ClosureChange, EntryDiff, EntryPoint, ExternalRecord, Fingerprint, FuncRef, ProjectSources,
    SymbolRecord, Warning, WarningKind,
};
