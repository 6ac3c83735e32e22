//! Parsing with error positions, and cheap accessors for tree walkers.

use std::num::NonZeroU16;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use tree_sitter::{Node, Tree};

use crate::grammar;

/// A Python file that tree-sitter could not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, serde::Serialize)]
#[error("{}:{line}:{col}: {message}", file.display())]
pub struct ParseError {
    /// The file.
    pub file: PathBuf,
    /// 1-based line of the first syntax error.
    pub line: usize,
    /// 1-based column of the first syntax error.
    pub col: usize,
    /// What is wrong.
    pub message: String,
}

fn kind_names() -> &'static [&'static str] {
    static KINDS: OnceLock<Vec<&'static str>> = OnceLock::new();
    KINDS.get_or_init(|| {
        let lang = grammar::language();
        (0..lang.node_kind_count())
            .map(|id| {
                u16::try_from(id)
                    .ok()
                    .and_then(|id| lang.node_kind_for_id(id))
                    .unwrap_or("")
            })
            .collect()
    })
}

/// Cheaper forms of tree-sitter's string-keyed node accessors (same results, no per-call string work).
pub trait NodeExt<'t> {
    /// [`Node::kind`] from a table instead of a C string.
    fn kind_str(&self) -> &'t str;
    /// [`Node::child_by_field_name`] with the field id looked up once (from [`grammar::fields`]).
    fn field(&self, f: NonZeroU16) -> Option<Node<'t>>;
}

impl<'t> NodeExt<'t> for Node<'t> {
    fn kind_str(&self) -> &'t str {
        match kind_names().get(usize::from(self.kind_id())) {
            Some(k) if !k.is_empty() => k,
            _ => self.kind(),
        }
    }

    fn field(&self, f: NonZeroU16) -> Option<Node<'t>> {
        self.child_by_field_id(f.get())
    }
}

/// The named children of `node` (comments included), in order. Small nodes are read by index, which is
/// cheaper than a tree cursor; large ones with a cursor (linear).
pub fn named_kids(node: Node<'_>) -> Vec<Node<'_>> {
    let count = node.named_child_count();
    if count <= 8 {
        (0..count)
            .filter_map(|i| u32::try_from(i).ok().and_then(|i| node.named_child(i)))
            .collect()
    } else {
        let mut c = node.walk();
        node.named_children(&mut c).collect()
    }
}

/// Parses Python source. A syntax error (an `ERROR` or missing node) is an error with its position.
pub fn parse(file: &Path, src: &str) -> Result<Tree, ParseError> {
    // One parser per thread, reused from file to file (shared with the fingerprint summaries).
    let tree = grammar::parse(src.as_bytes());
    let tree = tree.ok_or_else(|| ParseError {
        file: file.to_owned(),
        line: 1,
        col: 1,
        message: "the parser gave up".into(),
    })?;
    if tree.root_node().has_error() {
        let bad = first_error(tree.root_node()).unwrap_or(tree.root_node());
        let (line, col) = line_col(src, bad);
        let message = if bad.is_missing() {
            format!("invalid Python syntax: missing `{}`", bad.kind())
        } else {
            let text = node_text(src, bad);
            let snippet: String = text.chars().take(40).collect();
            format!(
                "invalid Python syntax near `{}`",
                snippet.replace('\n', " ")
            )
        };
        return Err(ParseError {
            file: file.to_owned(),
            line,
            col,
            message,
        });
    }
    Ok(tree)
}

fn first_error(node: Node<'_>) -> Option<Node<'_>> {
    if node.is_error() || node.is_missing() {
        return Some(node);
    }
    let mut cursor = node.walk();
    for child in node.children(&mut cursor) {
        if child.has_error()
            && let Some(e) = first_error(child)
        {
            return Some(e);
        }
    }
    None
}

/// The source text of a node.
pub fn node_text<'s>(src: &'s str, node: Node<'_>) -> &'s str {
    src.get(node.start_byte()..node.end_byte()).unwrap_or("")
}

/// 1-based line and character column of a node's start.
pub fn line_col(src: &str, node: Node<'_>) -> (usize, usize) {
    let p = node.start_position();
    let line_start = node.start_byte() - p.column;
    let col = src
        .get(line_start..node.start_byte())
        .map_or(p.column, |s| s.chars().count());
    (p.row + 1, col + 1)
}
