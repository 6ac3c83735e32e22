//! The marked tree: every node keeps its byte span, line and column, its scalar style and tag.
//!
//! Built from `saphyr-parser` events. Aliases are expanded (the copy keeps the anchored node's span),
//! `<<` merge keys are applied in the order of the [`Schema`]'s loader, and duplicate keys are rejected
//! when [`Options::duplicate_keys`] says so.

use std::collections::HashMap;

use saphyr_parser::{Event, Parser, ScalarStyle};

use crate::error::{Error, ErrorKind, Result};
use crate::schema::{Schema, Type};

/// Where a node is: byte range in the source and the 1-based line and column (in characters) of its
/// start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Span {
    /// Byte offset of the start.
    pub start: usize,
    /// Byte offset one past the end.
    pub end: usize,
    /// 1-based line of the start.
    pub line: usize,
    /// 1-based column of the start, counted in characters.
    pub column: usize,
}

/// How a scalar is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Style {
    /// Unquoted: subject to the schema's implicit typing.
    Plain,
    /// `'single quoted'`.
    SingleQuoted,
    /// `"double quoted"`.
    DoubleQuoted,
    /// A `|` block.
    Literal,
    /// A `>` block.
    Folded,
}

impl From<ScalarStyle> for Style {
    fn from(s: ScalarStyle) -> Self {
        match s {
            ScalarStyle::Plain => Self::Plain,
            ScalarStyle::SingleQuoted => Self::SingleQuoted,
            ScalarStyle::DoubleQuoted => Self::DoubleQuoted,
            ScalarStyle::Literal => Self::Literal,
            ScalarStyle::Folded => Self::Folded,
        }
    }
}

/// An explicit tag (`!!str`, `!custom`, `!`), as the parser resolved its handle.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Tag {
    /// The handle: `tag:yaml.org,2002:` for `!!`, `!` for local tags.
    pub handle: String,
    /// What follows the handle (`str`, `custom`, empty for the non-specific `!`).
    pub suffix: String,
}

impl Tag {
    /// The YAML core-schema name (`str`, `int`, `map`, ...) of a `!!` tag, `Some("")` for the
    /// non-specific `!`, `None` for any other tag.
    pub fn core(&self) -> Option<&str> {
        if self.handle == "tag:yaml.org,2002:" || self.handle == "!!" {
            Some(self.suffix.as_str())
        } else if self.handle == "!" && self.suffix.is_empty() {
            Some("")
        } else {
            None
        }
    }
}

impl std::fmt::Display for Tag {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}{}", self.handle, self.suffix)
    }
}

/// A node of the tree.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// Where it is written (for an alias: where the anchored node is written).
    pub span: Span,
    /// Its explicit tag, if any.
    pub tag: Option<Tag>,
    /// What it holds.
    pub content: Content,
}

/// The content of a [`Node`].
#[derive(Debug, Clone, PartialEq)]
pub enum Content {
    /// A scalar: its text after unescaping, before typing.
    Scalar {
        /// The text.
        text: String,
        /// How it is written.
        style: Style,
    },
    /// A sequence.
    Seq {
        /// The items in order.
        items: Vec<Node>,
        /// Written in flow style (`[a, b]`).
        flow: bool,
    },
    /// A mapping, in document order (after `<<` merges, in the order of the schema's loader).
    Map {
        /// The entries.
        entries: Vec<(Node, Node)>,
        /// Written in flow style (`{a: b}`).
        flow: bool,
    },
}

impl Node {
    /// The scalar's text, for a scalar of any style.
    pub fn as_str(&self) -> Option<&str> {
        match &self.content {
            Content::Scalar { text, .. } => Some(text),
            _ => None,
        }
    }

    /// The scalar's style, for a scalar.
    pub fn style(&self) -> Option<Style> {
        match &self.content {
            Content::Scalar { style, .. } => Some(*style),
            _ => None,
        }
    }

    /// Whether this is an untagged plain scalar (the only kind implicit typing applies to).
    pub fn is_plain(&self) -> bool {
        self.tag.is_none() && self.style() == Some(Style::Plain)
    }

    /// The entries, for a mapping.
    pub fn entries(&self) -> Option<&[(Node, Node)]> {
        match &self.content {
            Content::Map { entries, .. } => Some(entries),
            _ => None,
        }
    }

    /// The items, for a sequence.
    pub fn items(&self) -> Option<&[Node]> {
        match &self.content {
            Content::Seq { items, .. } => Some(items),
            _ => None,
        }
    }

    /// The value of the last entry whose key's text is `key`, for a mapping (the one a loader keeps
    /// when a key repeats, as after PyYAML-style merging).
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entries()?
            .iter()
            .rev()
            .find(|(k, _)| k.as_str() == Some(key))
            .map(|(_, v)| v)
    }

    /// Whether this is an untagged plain scalar `schema` reads as null.
    pub fn is_null(&self, schema: Schema) -> bool {
        self.is_plain()
            && self
                .as_str()
                .is_some_and(|t| schema.implicit_type(t) == Type::Null)
    }

    /// Follows a path of mapping keys; a segment that parses as an integer also indexes sequences.
    pub fn lookup<S: AsRef<str>>(&self, path: &[S]) -> Option<&Node> {
        let mut cur = self;
        for seg in path {
            let seg = seg.as_ref();
            cur = match &cur.content {
                Content::Map { .. } => cur.get(seg)?,
                Content::Seq { items, .. } => items.get(seg.parse::<usize>().ok()?)?,
                Content::Scalar { .. } => return None,
            };
        }
        Some(cur)
    }

    /// The number of nodes in this subtree.
    fn count(&self) -> usize {
        match &self.content {
            Content::Scalar { .. } => 1,
            Content::Seq { items, .. } => 1 + items.iter().map(Node::count).sum::<usize>(),
            Content::Map { entries, .. } => {
                1 + entries
                    .iter()
                    .map(|(k, v)| k.count() + v.count())
                    .sum::<usize>()
            }
        }
    }
}

/// What to do with a key that appears twice in one mapping.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DuplicateKeys {
    /// Keep both entries (a reader that only locates nodes).
    Allow,
    /// Reject the second one with [`ErrorKind::DuplicateKey`]. Which keys count is the schema's rule:
    /// with [`Schema::Kedro`], keys typed as strings (OmegaConf's loader); with [`Schema::Core`], all
    /// scalar keys but `<<`, compared on their text.
    Reject,
}

/// How to build the tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// The schema whose loader the tree follows (merge order, duplicate-key rule).
    pub schema: Schema,
    /// Duplicate-key policy.
    pub duplicate_keys: DuplicateKeys,
    /// Whether `<<` merge keys are applied (else they stay ordinary entries).
    pub merge_keys: bool,
    /// Upper bound on nodes after alias expansion (guards against alias bombs).
    pub max_nodes: usize,
    /// Upper bound on nesting depth.
    pub max_depth: usize,
}

impl Options {
    /// Kedro's loader: YAML 1.1 typing, duplicate string keys rejected, merges applied as PyYAML does.
    pub const fn kedro() -> Self {
        Self {
            schema: Schema::Kedro,
            duplicate_keys: DuplicateKeys::Reject,
            merge_keys: true,
            max_nodes: 2_000_000,
            max_depth: 400,
        }
    }

    /// DVC's loader (ruamel, YAML 1.2): duplicate keys rejected, merges applied as ruamel does.
    pub const fn dvc() -> Self {
        Self {
            schema: Schema::Core,
            duplicate_keys: DuplicateKeys::Reject,
            merge_keys: true,
            max_nodes: 2_000_000,
            max_depth: 400,
        }
    }

    /// The source as written: no merges, duplicates kept (for editing files in place).
    pub const fn source(schema: Schema) -> Self {
        Self {
            schema,
            duplicate_keys: DuplicateKeys::Allow,
            merge_keys: false,
            max_nodes: 2_000_000,
            max_depth: 400,
        }
    }
}

/// Converts saphyr's character indices into byte offsets.
struct CharIndex {
    /// Empty for ASCII text, where character and byte indices agree.
    offsets: Vec<usize>,
    len: usize,
}

impl CharIndex {
    fn new(text: &str) -> Self {
        if text.is_ascii() {
            return Self {
                offsets: Vec::new(),
                len: text.len(),
            };
        }
        let mut offsets: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
        offsets.push(text.len());
        Self {
            offsets,
            len: text.len(),
        }
    }

    fn byte(&self, char_index: usize) -> usize {
        if self.offsets.is_empty() {
            return char_index.min(self.len);
        }
        self.offsets
            .get(char_index)
            .copied()
            .unwrap_or_else(|| self.offsets.last().copied().unwrap_or(0))
    }

    fn span(&self, s: &saphyr_parser::Span) -> Span {
        Span {
            start: self.byte(s.start.index()),
            end: self.byte(s.end.index()),
            line: s.start.line(),
            column: s.start.col() + 1,
        }
    }
}

enum Frame {
    Seq(Node, usize),
    Map(Node, Option<Node>, usize),
}

/// Parses one YAML (or JSON) document into a tree. An empty stream gives `None`; a second document is
/// an error.
pub fn parse(text: &str, options: &Options) -> Result<Option<Node>> {
    let idx = CharIndex::new(text);
    let mut parser = Parser::new_from_str(text);
    let mut stack: Vec<Frame> = Vec::new();
    let mut anchors: HashMap<usize, Node> = HashMap::new();
    let mut root: Option<Node> = None;
    let mut documents = 0usize;
    let mut nodes = 0usize;
    while let Some(ev) = parser.next_event() {
        let (event, span) = ev.map_err(|e| {
            let m = e.marker();
            let at = Span {
                start: idx.byte(m.index()),
                end: idx.byte(m.index()),
                line: m.line(),
                column: m.col() + 1,
            };
            Error::new(ErrorKind::Syntax(e.info().to_string()), at)
        })?;
        let here = idx.span(&span);
        let is_seq = matches!(event, Event::SequenceStart(..));
        let done = match event {
            Event::StreamStart | Event::StreamEnd | Event::Nothing | Event::DocumentEnd => None,
            Event::DocumentStart(_) => {
                documents += 1;
                if documents > 1 {
                    return Err(Error::new(ErrorKind::MultipleDocuments, here));
                }
                None
            }
            Event::Alias(id) => {
                let node = anchors
                    .get(&id)
                    .cloned()
                    .ok_or_else(|| Error::new(ErrorKind::UndefinedAlias, here))?;
                nodes += node.count();
                Some((node, 0))
            }
            Event::Scalar(value, style, anchor, tag) => {
                nodes += 1;
                Some((
                    Node {
                        span: here,
                        tag: tag.map(|t| Tag {
                            handle: t.handle.clone(),
                            suffix: t.suffix.clone(),
                        }),
                        content: Content::Scalar {
                            text: value.into_owned(),
                            style: style.into(),
                        },
                    },
                    anchor,
                ))
            }
            Event::SequenceStart(anchor, tag) | Event::MappingStart(anchor, tag) => {
                if stack.len() >= options.max_depth {
                    return Err(Error::new(ErrorKind::TooDeep, here));
                }
                let flow = text[here.start..].starts_with(if is_seq { '[' } else { '{' });
                let node = Node {
                    span: here,
                    tag: tag.map(|t| Tag {
                        handle: t.handle.clone(),
                        suffix: t.suffix.clone(),
                    }),
                    content: if is_seq {
                        Content::Seq {
                            items: Vec::new(),
                            flow,
                        }
                    } else {
                        Content::Map {
                            entries: Vec::new(),
                            flow,
                        }
                    },
                };
                stack.push(if is_seq {
                    Frame::Seq(node, anchor)
                } else {
                    Frame::Map(node, None, anchor)
                });
                None
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let (mut node, anchor) = match stack.pop() {
                    Some(Frame::Seq(node, anchor) | Frame::Map(node, None, anchor)) => {
                        (node, anchor)
                    }
                    _ => {
                        return Err(Error::new(
                            ErrorKind::Syntax("unbalanced collection".into()),
                            here,
                        ));
                    }
                };
                nodes += 1;
                node.span.end = here.end.max(node.span.start);
                if let Content::Map { entries, .. } = &mut node.content {
                    if options.duplicate_keys == DuplicateKeys::Reject {
                        check_duplicates(entries, options.schema)?;
                    }
                    if options.merge_keys {
                        *entries = merge(std::mem::take(entries), options.schema)?;
                    }
                }
                Some((node, anchor))
            }
        };
        if nodes > options.max_nodes {
            return Err(Error::new(ErrorKind::TooManyNodes, here));
        }
        let Some((node, anchor)) = done else {
            continue;
        };
        if anchor > 0 {
            anchors.insert(anchor, node.clone());
        }
        match stack.last_mut() {
            None => root = Some(node),
            Some(Frame::Seq(seq, _)) => {
                if let Content::Seq { items, .. } = &mut seq.content {
                    items.push(node);
                }
            }
            Some(Frame::Map(map, pending, _)) => match pending.take() {
                None => *pending = Some(node),
                Some(key) => {
                    if let Content::Map { entries, .. } = &mut map.content {
                        entries.push((key, node));
                    }
                }
            },
        }
    }
    Ok(root)
}

/// Whether `key` is a `<<` merge key (plain and untagged).
fn is_merge_key(key: &Node) -> bool {
    key.is_plain() && key.as_str() == Some("<<")
}

/// Rejects a key written twice among a mapping's own entries (before merging).
fn check_duplicates(entries: &[(Node, Node)], schema: Schema) -> Result<()> {
    let mut seen: HashMap<&str, Span> = HashMap::new();
    for (k, _) in entries {
        let Content::Scalar { text, style } = &k.content else {
            continue;
        };
        let counts = match schema {
            // OmegaConf's loader: keys PyYAML types as strings, compared on their text.
            Schema::Kedro => schema.scalar_type(text, *style, k.tag.as_ref()) == Ok(Type::Str),
            Schema::Core => text != "<<",
        };
        if !counts {
            continue;
        }
        if let Some(first) = seen.get(text.as_str()) {
            return Err(Error::new(
                ErrorKind::DuplicateKey {
                    key: text.clone(),
                    first: *first,
                },
                k.span,
            ));
        }
        seen.insert(text, k.span);
    }
    Ok(())
}

/// The mappings a `<<` value merges, in the order written.
fn merge_sources(value: Node) -> Result<Vec<Vec<(Node, Node)>>> {
    match value.content {
        Content::Map { entries, .. } => Ok(vec![entries]),
        Content::Seq { items, .. } => items
            .into_iter()
            .map(|it| match it.content {
                Content::Map { entries, .. } => Ok(entries),
                _ => Err(Error::new(ErrorKind::MergeItem, it.span)),
            })
            .collect(),
        _ => Err(Error::new(ErrorKind::MergeValue, value.span)),
    }
}

/// Applies the `<<` entries of a mapping (whose merge sources are already flattened).
///
/// - [`Schema::Kedro`] (PyYAML's `flatten_mapping`): the merged entries come first (for a list, the
///   last listed first), then the mapping's own; a key may repeat and, as in a Python dict, the last
///   value wins at the first position. So own keys win, then the first listed source.
/// - [`Schema::Core`] (ruamel): the own entries in document order, then each merged key not already
///   present, the first listed source winning.
fn merge(entries: Vec<(Node, Node)>, schema: Schema) -> Result<Vec<(Node, Node)>> {
    if !entries.iter().any(|(k, _)| is_merge_key(k)) {
        return Ok(entries);
    }
    let mut own = Vec::with_capacity(entries.len());
    let mut merged: Vec<(Node, Node)> = Vec::new();
    for (k, v) in entries {
        if !is_merge_key(&k) {
            own.push((k, v));
            continue;
        }
        let sources = merge_sources(v)?;
        match schema {
            Schema::Kedro => {
                for src in sources.into_iter().rev() {
                    merged.extend(src);
                }
            }
            Schema::Core => {
                for src in sources {
                    for (sk, sv) in src {
                        if !merged.iter().any(|(mk, _)| same_key(mk, &sk)) {
                            merged.push((sk, sv));
                        }
                    }
                }
            }
        }
    }
    Ok(match schema {
        Schema::Kedro => {
            merged.extend(own);
            merged
        }
        Schema::Core => {
            let extra: Vec<_> = merged
                .into_iter()
                .filter(|(mk, _)| !own.iter().any(|(ok, _)| same_key(ok, mk)))
                .collect();
            own.extend(extra);
            own
        }
    })
}

fn same_key(a: &Node, b: &Node) -> bool {
    matches!((a.as_str(), b.as_str()), (Some(x), Some(y)) if x == y)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_are_bytes() {
        let text = "é: 1\nkey:\n  sub: 'quoted'\n  list: [a, 2024-01-01]\n";
        let root = parse(text, &Options::source(Schema::Core))
            .unwrap()
            .unwrap();
        let sub = root.lookup(&["key", "sub"]).unwrap();
        let s = sub.span;
        assert_eq!(&text[s.start..s.end], "'quoted'");
        assert_eq!((s.line, s.column), (3, 8));
        assert_eq!(sub.style(), Some(Style::SingleQuoted));
        let list = root.lookup(&["key", "list"]).unwrap();
        assert!(matches!(list.content, Content::Seq { flow: true, .. }));
        assert_eq!(
            root.lookup(&["key", "list", "1"]).unwrap().as_str(),
            Some("2024-01-01")
        );
    }

    #[test]
    fn merge_orders_follow_the_loader() {
        let text = "_a: &a {x: 1, y: 2}\n_b: &b {y: 3, z: 4}\nm:\n  w: 0\n  <<: [*a, *b]\n  x: 9\n";
        let keys = |o: &Options| -> Vec<(String, String)> {
            let root = parse(text, o).unwrap().unwrap();
            root.get("m")
                .unwrap()
                .entries()
                .unwrap()
                .iter()
                .map(|(k, v)| {
                    (
                        k.as_str().unwrap().into(),
                        v.as_str().unwrap_or("[..]").into(),
                    )
                })
                .collect()
        };
        let pairs = |v: &[(&str, &str)]| -> Vec<(String, String)> {
            v.iter().map(|(a, b)| ((*a).into(), (*b).into())).collect()
        };
        // PyYAML: merged (last listed first), then own; a Python dict keeps the last value.
        assert_eq!(
            keys(&Options::kedro()),
            pairs(&[
                ("y", "3"),
                ("z", "4"),
                ("x", "1"),
                ("y", "2"),
                ("w", "0"),
                ("x", "9")
            ])
        );
        // ruamel: own first, then merged keys not present, first listed source winning.
        assert_eq!(
            keys(&Options::dvc()),
            pairs(&[("w", "0"), ("x", "9"), ("y", "2"), ("z", "4")])
        );
        let raw = keys(&Options::source(Schema::Core));
        assert_eq!(raw[1].0, "<<");
    }

    #[test]
    fn errors_carry_positions() {
        let e = parse("a: 1\nb: 2\na: 3\n", &Options::dvc()).unwrap_err();
        assert!(matches!(e.kind, ErrorKind::DuplicateKey { ref first, .. } if first.line == 1));
        assert_eq!((e.span.line, e.span.column), (3, 1));
        // Kedro only counts keys typed as strings: `1` and `'1'` are different keys.
        assert!(parse("1: a\n'1': b\n", &Options::kedro()).is_ok());
        assert!(parse("1: a\n'1': b\n", &Options::dvc()).is_err());
        assert!(parse("a: 1\na: 2\n", &Options::source(Schema::Core)).is_ok());
        let e = parse("a: [1, 2\nb: 3\n", &Options::dvc()).unwrap_err();
        assert!(matches!(e.kind, ErrorKind::Syntax(_)));
        let e = parse("a: 1\n---\nb: 2\n", &Options::dvc()).unwrap_err();
        assert_eq!(e.kind, ErrorKind::MultipleDocuments);
        let e = parse("a: {<<: 1}\n", &Options::dvc()).unwrap_err();
        assert_eq!(e.kind, ErrorKind::MergeValue);
        let deep = "[".repeat(60) + &"]".repeat(60);
        let shallow = Options {
            max_depth: 50,
            ..Options::kedro()
        };
        assert_eq!(parse(&deep, &shallow).unwrap_err().kind, ErrorKind::TooDeep);
        let bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n\
                    c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n\
                    e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n\
                    g: [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\n";
        assert_eq!(
            parse(bomb, &Options::kedro()).unwrap_err().kind,
            ErrorKind::TooManyNodes
        );
        assert_eq!(parse("", &Options::kedro()).unwrap(), None);
    }

    #[test]
    fn error_messages() {
        let cases = [
            ("syntax", "a: [1, 2\nb: 3\n", Options::dvc()),
            ("duplicate", "a: 1\nb: 2\na: 3\n", Options::kedro()),
            ("two documents", "a: 1\n---\nb: 2\n", Options::kedro()),
            ("merge value", "a: {<<: 1}\n", Options::kedro()),
            ("merge item", "a: {<<: [1]}\n", Options::dvc()),
        ];
        let mut out = String::new();
        for (name, text, options) in cases {
            let e = parse(text, &options).unwrap_err();
            out.push_str(&format!("{name}: {}:{}: {e}\n", e.span.line, e.span.column));
        }
        insta::assert_snapshot!(out, @r#"
        syntax: 2:2: illegal placement of ':' indicator
        duplicate: 3:1: found duplicate key "a" (each key may appear once in a mapping)
        two documents: 2:1: expected a single document in the stream, but found another document
        merge value: 1:9: while constructing a mapping: expected a mapping or list of mappings for merging
        merge item: 1:10: while constructing a mapping: expected a mapping for merging
        "#);
    }
}
