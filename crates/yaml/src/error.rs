//! The error type of this crate: what went wrong and where, without the file (callers know it).

use crate::tree::Span;

/// A YAML document that cannot be read into a tree, or a scalar a schema cannot type.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{kind}")]
pub struct Error {
    /// What is wrong.
    pub kind: ErrorKind,
    /// Where (for a syntax error: where the parser stopped).
    pub span: Span,
}

/// What went wrong.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ErrorKind {
    /// Malformed YAML; the parser's message.
    #[error("{0}")]
    Syntax(String),
    /// A second document in a stream that must hold one.
    #[error("expected a single document in the stream, but found another document")]
    MultipleDocuments,
    /// An alias to an anchor not defined before it.
    #[error("found undefined or recursive alias")]
    UndefinedAlias,
    /// Nesting deeper than [`crate::Options::max_depth`].
    #[error("nesting too deep")]
    TooDeep,
    /// More nodes than [`crate::Options::max_nodes`] after alias expansion.
    #[error("the document expands to too many nodes (alias expansion)")]
    TooManyNodes,
    /// The same key twice in one mapping (with [`crate::DuplicateKeys::Reject`]).
    #[error("found duplicate key \"{key}\" (each key may appear once in a mapping)")]
    DuplicateKey {
        /// The key's text.
        key: String,
        /// Where the key first appears.
        first: Span,
    },
    /// A `<<` merge key whose value is neither a mapping nor a list of mappings.
    #[error("while constructing a mapping: expected a mapping or list of mappings for merging")]
    MergeValue,
    /// An item of a `<<` list that is not a mapping.
    #[error("while constructing a mapping: expected a mapping for merging")]
    MergeItem,
    /// A tag the schema has no constructor for (the message says which).
    #[error("{0}")]
    Tag(String),
    /// A scalar that matches a type but cannot be constructed as it (an integer out of range, ...).
    #[error("'{text}' is not a valid {ty} value")]
    InvalidScalar {
        /// The scalar's text.
        text: String,
        /// The type it resolved to (`int`, `float`, `bool`, ...).
        ty: &'static str,
    },
}

impl Error {
    /// An error of `kind` at `span`.
    pub fn new(kind: ErrorKind, span: Span) -> Self {
        Self { kind, span }
    }
}

/// Result alias of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
