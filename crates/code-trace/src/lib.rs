//! # kdvc-code-trace
//!
//! Everything in kdvc that reads Python, with tree-sitter:
//!
//! - static extraction of Kedro pipelines (`register_pipelines()`, `create_pipeline()`, `node()`,
//!   `pipeline()`), evaluated symbolically into `kdvc-kedro-model` types, with diagnostics for what cannot
//!   be decided statically;
//! - per-node transitive code fingerprints: per-file summaries, cross-module name resolution and a Merkle
//!   hash over the strongly connected components of the symbol graph.
//!
//! What it leaves out: executing Python. The optional introspection mode runs the project's own
//! interpreter only when asked to.

pub mod fingerprint;
pub mod introspect;
pub mod pipeline;
pub mod python;
