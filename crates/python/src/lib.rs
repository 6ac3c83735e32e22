//! # kdvc-python
//!
//! Reading Python with tree-sitter, for the rest of kdvc. The entry point is [`ModuleTable::load`]: every
//! module of a project by dotted name (`pkg.pipelines.x.nodes` <-> `src/pkg/pipelines/x/nodes.py`), each
//! with its source and syntax tree. Around it:
//!
//! - [`grammar`]: the one Python grammar, a parser per thread ([`grammar::parse`]) and the node kind and
//!   field ids that tree walkers compare;
//! - [`read_source`]: a source file decoded as Python decodes it (UTF-8, or latin-1 under a coding line);
//! - [`parse`]: a parse that reports the first syntax error's position ([`ParseError`]), or where the code
//!   nests deeper than CPython and kdvc's tree walkers accept ([`nesting_error`], [`MAX_BRACKETS`],
//!   [`MAX_SYNTAX_DEPTH`]), plus [`node_text`], [`line_col`] and cheap node accessors ([`NodeExt`],
//!   [`named_kids`]);
//! - Python literals, one implementation each: string prefixes and escapes ([`literal`],
//!   [`literal_string`]), string formatting ([`format`](mod@format): `str.format`, `%`, f-string fields), the builtins
//!   table ([`is_builtin`]) and function signatures with Python's argument binding ([`Signature`]).
//!
//! ```
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use kdvc_python::{ModuleTable, grammar, literal_string};
//!
//! let src = tempfile::tempdir()?;
//! std::fs::create_dir_all(src.path().join("pkg/pipelines"))?;
//! std::fs::write(src.path().join("pkg/__init__.py"), "")?;
//! std::fs::write(src.path().join("pkg/pipelines/names.py"), "RAW = 'raw\\x5fdata'\n")?;
//!
//! let table = ModuleTable::load(src.path(), &["pkg"])?;
//! let module = &table.modules["pkg.pipelines.names"];
//! let tree = module.tree().as_ref().map_err(Clone::clone)?;
//! // `RAW = '...'`: module > expression_statement > assignment, whose right side is the string.
//! let assignment = tree.root_node().named_child(0).and_then(|s| s.named_child(0)).unwrap();
//! let right = assignment.child_by_field_id(grammar::fields().right.get()).unwrap();
//! assert_eq!(literal_string(module.src.as_bytes(), right).as_deref(), Some("raw_data"));
//! assert!(table.contains("pkg.pipelines"));
//! # Ok(())
//! # }
//! ```
//!
//! What it leaves out: evaluating or running Python. It depends on no other kdvc crate.

pub mod builtins;
pub mod format;
pub mod grammar;
pub mod literal;
mod modules;
mod signature;
mod source;
mod syntax;

pub use builtins::is_builtin;
pub use grammar::GRAMMAR_VERSION;
pub use literal::literal_string;
pub use modules::{Module, ModuleTable};
pub use signature::{Param, ParamKind, Signature};
pub use source::read_source;
pub use syntax::{
    MAX_BRACKETS, MAX_SYNTAX_DEPTH, NodeExt, ParseError, line_col, named_kids, nesting_error,
    node_text, parse,
};
