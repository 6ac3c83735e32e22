//! Per-node transitive code fingerprints (code-fingerprint.md).
//!
//! - [`normalize`]: a structural hash of Python code that ignores formatting, comments and docstrings.

mod grammar;
pub mod normalize;

pub use grammar::GRAMMAR_VERSION;
pub use normalize::{
    NORMALIZER_VERSION, normalize_arguments_hash, normalize_expression_hash, normalize_source_hash,
};
