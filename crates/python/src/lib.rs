//! # kdvc-python
//!
//! Reading Python with tree-sitter, for the rest of kdvc: the grammar and a parser per thread
//! ([`grammar`]), parsing with error positions ([`parse`]), a project's module table ([`ModuleTable`]:
//! dotted module name <-> file), string literals and function signatures.
//!
//! What it leaves out: evaluating or running Python. It depends on no other kdvc crate.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use tree_sitter::{Language, Node, Tree};

pub mod grammar;
mod signature;

pub use grammar::GRAMMAR_VERSION;

pub use signature::{Param, ParamKind, Signature};

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

/// The Python grammar.
fn language() -> &'static Language {
    grammar::language()
}

macro_rules! fields {
    ($($variant:ident = $name:literal),* $(,)?) => {
        /// The grammar's field names that the evaluator reads, looked up once (see [`NodeExt::field`]).
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Field {
            $(
                #[doc = concat!("`", $name, "`")]
                $variant,
            )*
        }
        const FIELD_NAMES: &[&str] = &[$($name),*];
    };
}

fields! {
    Alias = "alias",
    Alternative = "alternative",
    Argument = "argument",
    Arguments = "arguments",
    Attribute = "attribute",
    Body = "body",
    Condition = "condition",
    Consequence = "consequence",
    Definition = "definition",
    Expression = "expression",
    FormatSpecifier = "format_specifier",
    Function = "function",
    Key = "key",
    Left = "left",
    ModuleName = "module_name",
    Name = "name",
    Object = "object",
    Operator = "operator",
    Parameters = "parameters",
    Right = "right",
    TypeConversion = "type_conversion",
    Value = "value",
}

fn field_ids() -> &'static [u16] {
    static IDS: OnceLock<Vec<u16>> = OnceLock::new();
    IDS.get_or_init(|| {
        FIELD_NAMES
            .iter()
            .map(|n| language().field_id_for_name(n).map_or(0, |id| id.get()))
            .collect()
    })
}

fn kind_names() -> &'static [&'static str] {
    static KINDS: OnceLock<Vec<&'static str>> = OnceLock::new();
    KINDS.get_or_init(|| {
        let lang = language();
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
    /// [`Node::child_by_field_name`] with the field id looked up once.
    fn field(&self, f: Field) -> Option<Node<'t>>;
}

impl<'t> NodeExt<'t> for Node<'t> {
    fn kind_str(&self) -> &'t str {
        match kind_names().get(usize::from(self.kind_id())) {
            Some(k) if !k.is_empty() => k,
            _ => self.kind(),
        }
    }

    fn field(&self, f: Field) -> Option<Node<'t>> {
        self.child_by_field_id(field_ids()[f as usize])
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

/// One module of the project: its dotted name, file and parse result.
#[derive(Debug)]
pub struct Module {
    /// Dotted module name (`pkg.pipelines.x.nodes`; a package's `__init__.py` is the package name).
    pub name: String,
    /// The file.
    pub path: PathBuf,
    /// Whether this is a package `__init__.py`.
    pub is_package: bool,
    /// Source text.
    pub src: String,
    /// The syntax tree, or why there is none; parsed on first use unless [`ModuleTable::load`] did it.
    tree: OnceLock<Result<Tree, ParseError>>,
}

impl Module {
    /// The syntax tree, or why there is none (parsed now if it was not yet).
    pub fn tree(&self) -> &Result<Tree, ParseError> {
        self.tree.get_or_init(|| parse(&self.path, &self.src))
    }
}

/// All Python modules under a source root, by dotted name. The pipeline modules (`<top>.pipeline_registry`,
/// `<top>.pipeline` and everything under `<top>.pipelines`) are parsed up front, in parallel; the others when
/// first used.
#[derive(Debug, Default)]
pub struct ModuleTable {
    /// Modules by dotted name.
    pub modules: HashMap<String, Module>,
    /// Directories that are packages (with or without `__init__.py`), by dotted name.
    pub packages: HashMap<String, PathBuf>,
}

impl ModuleTable {
    /// Reads every `.py` file below `source_root/<top>` for each top-level package `top`, and parses the
    /// pipeline modules.
    pub fn load(source_root: &Path, tops: &[&str]) -> std::io::Result<Self> {
        use rayon::prelude::*;
        let mut files = Vec::new();
        let mut packages = HashMap::new();
        for top in tops {
            let dir = source_root.join(top);
            if !dir.is_dir() {
                continue;
            }
            for entry in walkdir::WalkDir::new(&dir)
                .sort_by_file_name()
                .into_iter()
                .filter_entry(|e| {
                    let n = e.file_name().to_string_lossy();
                    e.depth() == 0 || !(n.starts_with('.') || n == "__pycache__")
                })
            {
                let entry = entry.map_err(std::io::Error::other)?;
                let rel = entry
                    .path()
                    .strip_prefix(source_root)
                    .expect("walked below the root");
                if entry.file_type().is_dir() {
                    let name = rel
                        .components()
                        .map(|c| c.as_os_str().to_string_lossy().into_owned())
                        .collect::<Vec<_>>()
                        .join(".");
                    packages.insert(name, entry.path().to_owned());
                } else if rel.extension().is_some_and(|e| e == "py") {
                    files.push((rel.to_owned(), entry.path().to_owned()));
                }
            }
        }
        let modules: Vec<std::io::Result<Module>> = files
            .par_iter()
            .map(|(rel, path)| {
                let src = std::fs::read_to_string(path)?;
                let mut parts: Vec<String> = rel
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                let last = parts.pop().unwrap_or_default();
                let stem = last.strip_suffix(".py").unwrap_or(&last).to_owned();
                let is_package = stem == "__init__";
                if !is_package {
                    parts.push(stem);
                }
                let name = parts.join(".");
                let tree = OnceLock::new();
                if tops.iter().any(|top| is_pipeline_module(top, &name)) {
                    let _ = tree.set(parse(path, &src));
                }
                Ok(Module {
                    name,
                    path: path.clone(),
                    is_package,
                    src,
                    tree,
                })
            })
            .collect();
        let mut table = Self {
            modules: HashMap::new(),
            packages,
        };
        for m in modules {
            let m = m?;
            table.modules.insert(m.name.clone(), m);
        }
        Ok(table)
    }

    /// Whether `name` is a module or package of the project.
    pub fn contains(&self, name: &str) -> bool {
        self.modules.contains_key(name) || self.packages.contains_key(name)
    }
}

/// Whether `name` is a module that pipeline discovery imports (worth parsing ahead of use).
fn is_pipeline_module(top: &str, name: &str) -> bool {
    name.strip_prefix(top)
        .and_then(|rest| rest.strip_prefix('.'))
        .is_some_and(|rest| {
            rest == "pipeline_registry"
                || rest == "pipeline"
                || rest == "pipelines"
                || rest.starts_with("pipelines.")
        })
}

/// The value of a Python string literal node (`string` or `concatenated_string`) without interpolations.
/// Returns `None` for f-strings with interpolations and bytes literals.
pub fn literal_string(src: &str, node: Node<'_>) -> Option<String> {
    let mut out = String::new();
    let mut parts = Vec::new();
    if node.kind_str() == "concatenated_string" {
        parts.extend(named_kids(node));
    } else {
        parts.push(node);
    }
    for part in parts {
        let prefix = string_prefix(src, part);
        if prefix.contains('b') {
            return None;
        }
        for child in named_kids(part) {
            match child.kind_str() {
                "string_content" => out.push_str(&decode_content(src, child, &prefix)),
                "interpolation" => return None,
                _ => {}
            }
        }
    }
    Some(out)
}

/// The lower-cased prefix letters of a `string` node (`f`, `r`, `rb`, ...).
pub fn string_prefix(src: &str, string: Node<'_>) -> String {
    string
        .child(0)
        .map(|s| {
            node_text(src, s)
                .chars()
                .take_while(|c| c.is_ascii_alphabetic())
                .collect::<String>()
                .to_ascii_lowercase()
        })
        .unwrap_or_default()
}

/// The text of a `string_content` node with escapes decoded (`{{` in f-strings becomes `{`).
pub fn decode_content(src: &str, content: Node<'_>, prefix: &str) -> String {
    let raw = node_text(src, content);
    let text = if prefix.contains('f') {
        raw.replace("{{", "{").replace("}}", "}")
    } else {
        raw.to_owned()
    };
    if prefix.contains('r') {
        return text;
    }
    decode_escapes(&text)
}

fn decode_escapes(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('0') => out.push('\0'),
            Some('\\') => out.push('\\'),
            Some('\'') => out.push('\''),
            Some('"') => out.push('"'),
            Some('\n') => {}
            Some('a') => out.push('\x07'),
            Some('b') => out.push('\x08'),
            Some('f') => out.push('\x0c'),
            Some('v') => out.push('\x0b'),
            Some(k @ ('x' | 'u' | 'U')) => {
                let n = match k {
                    'x' => 2,
                    'u' => 4,
                    _ => 8,
                };
                let hex: String = (0..n).filter_map(|_| chars.next()).collect();
                match u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                    Some(ch) => out.push(ch),
                    None => {
                        out.push('\\');
                        out.push(k);
                        out.push_str(&hex);
                    }
                }
            }
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}
