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

/// How many levels a syntax tree may nest before kdvc refuses the file, as CPython refuses more than
/// 200 nested parentheses ("too many nested parentheses"). A nested bracket, call or dict entry takes one
/// or two levels, a nested block two, a unary or binary operator one. The deepest of the 6,700 files of
/// a Kedro and DVC installation (pandas, numpy, pydantic, ...) nests 64 levels. Every recursive reader of
/// Python trees (the pipeline evaluator, the settings reader, the fingerprint summarizer and normalizer)
/// stays within a 2 MiB thread stack on trees this deep, also in debug builds.
pub const MAX_SYNTAX_DEPTH: usize = 400;

/// How many brackets (`(`, `[`, `{`) may be open at once: CPython's tokenizer refuses more ("too many
/// nested parentheses").
pub const MAX_BRACKETS: usize = 200;

/// The message of a file whose syntax nests deeper than [`MAX_SYNTAX_DEPTH`] levels.
fn too_deep_message() -> String {
    format!(
        "the code nests deeper than kdvc's limit of {MAX_SYNTAX_DEPTH} levels here (brackets, calls, \
         operators, blocks); CPython itself refuses more than 200 nested parentheses: split the \
         expression into smaller named parts"
    )
}

/// Parses Python source. A syntax error (an `ERROR` or missing node), or nesting deeper than CPython or
/// kdvc read ([`nesting_error`]), is an error with its position.
pub fn parse(file: &Path, src: &str) -> Result<Tree, ParseError> {
    // One parser per thread, reused from file to file (shared with the fingerprint summaries).
    let tree = grammar::parse(src.as_bytes());
    let tree = tree.ok_or_else(|| ParseError {
        file: file.to_owned(),
        line: 1,
        col: 1,
        message: "the parser gave up".into(),
    })?;
    let root = tree.root_node();
    let deep = nesting_error(root);
    let bad = if root.has_error() {
        first_error(root).or(Some(root))
    } else {
        None
    };
    // The first problem in the file, as CPython reports it.
    if let Some((deep, message)) = deep
        && bad.is_none_or(|b| deep.start_byte() < b.start_byte())
    {
        let (line, col) = line_col(src, deep);
        return Err(ParseError {
            file: file.to_owned(),
            line,
            col,
            message,
        });
    }
    if let Some(bad) = bad {
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

/// The first error or missing node in source order (an explicit walk: the tree may be deep).
fn first_error(node: Node<'_>) -> Option<Node<'_>> {
    let mut cursor = node.walk();
    loop {
        let n = cursor.node();
        if n.is_error() || n.is_missing() {
            return Some(n);
        }
        // Go down into the first child with an error, else on to the next sibling with one.
        if n.has_error() && cursor.goto_first_child() {
            continue;
        }
        loop {
            if cursor.goto_next_sibling() {
                if cursor.node().has_error() {
                    break;
                }
            } else if !cursor.goto_parent() {
                return None;
            }
        }
    }
}

/// Bracket token kind ids: opening, closing.
fn bracket_kinds() -> &'static ([u16; 3], [u16; 3]) {
    static IDS: OnceLock<([u16; 3], [u16; 3])> = OnceLock::new();
    IDS.get_or_init(|| {
        let lang = grammar::language();
        let id = |t: &str| lang.id_for_node_kind(t, false);
        ([id("("), id("["), id("{")], [id(")"), id("]"), id("}")])
    })
}

/// Where a tree nests too deeply to be read, and why: the first bracket that opens more than
/// [`MAX_BRACKETS`] levels (CPython's own limit), or the first node more than [`MAX_SYNTAX_DEPTH`] levels
/// below `root`. A walk with a tree cursor, so it is safe on trees of any depth.
pub fn nesting_error(root: Node<'_>) -> Option<(Node<'_>, String)> {
    let (open, close) = bracket_kinds();
    let mut cursor = root.walk();
    let (mut depth, mut brackets) = (0usize, 0usize);
    loop {
        let node = cursor.node();
        if depth > MAX_SYNTAX_DEPTH {
            return Some((node, too_deep_message()));
        }
        let kind = node.kind_id();
        if open.contains(&kind) {
            brackets += 1;
            if brackets > MAX_BRACKETS {
                return Some((
                    node,
                    format!(
                        "too many nested parentheses: more than {MAX_BRACKETS} brackets open here, \
                         CPython's limit (kdvc's too); split the expression into smaller named parts"
                    ),
                ));
            }
        } else if close.contains(&kind) {
            brackets = brackets.saturating_sub(1);
        }
        if cursor.goto_first_child() {
            depth += 1;
            continue;
        }
        loop {
            if cursor.goto_next_sibling() {
                break;
            }
            if !cursor.goto_parent() {
                return None;
            }
            depth = depth.saturating_sub(1);
        }
    }
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
