//! A reader of Python literals: the top-level `NAME = <literal>` assignments of a module.
//!
//! It parses the module with `kdvc-python`'s grammar, finds the top-level assignments and evaluates literal
//! right-hand sides: `str` (escapes decoded as Python does, adjacent literals concatenated), `int`,
//! `float`, `bool`, `None`, lists, tuples, sets and dicts (nested, spanning lines). Anything else — a name,
//! a call, an f-string with fields, an operator — becomes [`PyValue::Unknown`] holding the source text; it
//! is never guessed.

use indexmap::IndexMap;
use kdvc_python::grammar::{self, Fields, Kinds};
use kdvc_python::{line_col, literal_string, named_kids, node_text};
use tree_sitter::Node;

/// A Python literal value, or the source text of an expression that is not a literal.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(untagged)]
pub enum PyValue {
    /// `None`.
    None,
    /// `True` / `False`.
    Bool(bool),
    /// An integer that fits in 64 bits.
    Int(i64),
    /// A float.
    Float(f64),
    /// A string (adjacent literals concatenated).
    Str(String),
    /// A list.
    List(Vec<PyValue>),
    /// A tuple.
    Tuple(Vec<PyValue>),
    /// A set.
    Set(Vec<PyValue>),
    /// A dict, in source order.
    Dict(Vec<(PyValue, PyValue)>),
    /// Not a literal: the expression's source text.
    Unknown(String),
}

impl PyValue {
    /// The string, if this is a `str`.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Self::Str(s) => Some(s),
            _ => None,
        }
    }

    /// Whether this value or anything inside it is not a literal.
    pub fn has_unknown(&self) -> bool {
        match self {
            Self::Unknown(_) => true,
            Self::List(v) | Self::Tuple(v) | Self::Set(v) => v.iter().any(Self::has_unknown),
            Self::Dict(d) => d.iter().any(|(k, v)| k.has_unknown() || v.has_unknown()),
            _ => false,
        }
    }
}

/// One top-level assignment found in a module.
#[derive(Debug, Clone, PartialEq)]
pub struct Assignment {
    /// The value (possibly [`PyValue::Unknown`]).
    pub value: PyValue,
    /// 1-based line of the target name.
    pub line: usize,
    /// 1-based column of the target name.
    pub column: usize,
    /// Set when the name is changed after the assignment (`X[k] = v`, `X.update(...)`, `X += ...`) or
    /// assigned inside a block; the value is then not to be trusted.
    pub modified: Option<String>,
}

/// The first syntax error of a module: 1-based line and column, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SyntaxError {
    /// 1-based line.
    pub(crate) line: usize,
    /// 1-based column.
    pub(crate) column: usize,
    /// What is wrong.
    pub(crate) message: String,
}

/// What a module's top-level assignments are, and its first syntax error (the assignments outside the
/// broken statement are still read).
#[derive(Debug, Clone, Default)]
pub(crate) struct Module {
    /// Assignments by name; later assignments replace earlier ones.
    pub(crate) assignments: IndexMap<String, Assignment>,
    /// The first syntax error, if any.
    pub(crate) syntax_error: Option<SyntaxError>,
}

/// Reads the top-level assignments of a Python module. Later assignments replace earlier ones.
#[cfg(test)]
pub(crate) fn assignments(src: &str) -> IndexMap<String, Assignment> {
    read(src).assignments
}

/// Where a module first nests too deeply ([`kdvc_python::nesting_error`]: 1-based line and column, and
/// the message), if it does: CPython refuses such a file, and [`read`] reads nothing of it.
pub(crate) fn too_deep(src: &str) -> Option<(usize, usize, String)> {
    let tree = grammar::parse(src.as_bytes())?;
    let (deep, message) = kdvc_python::nesting_error(tree.root_node())?;
    let (line, column) = line_col(src, deep);
    Some((line, column, message))
}

/// Reads a module: its top-level assignments and its first syntax error.
pub(crate) fn read(src: &str) -> Module {
    let Some(tree) = grammar::parse(src.as_bytes()) else {
        return Module::default();
    };
    // The reader recurses over the tree: a file nested deeper than CPython accepts is not read.
    if let Some((deep, message)) = kdvc_python::nesting_error(tree.root_node()) {
        let (line, column) = line_col(src, deep);
        return Module {
            assignments: IndexMap::new(),
            syntax_error: Some(SyntaxError {
                line,
                column,
                message,
            }),
        };
    }
    let syntax_error = kdvc_python::parse(std::path::Path::new(""), src)
        .err()
        .map(|e| SyntaxError {
            line: e.line,
            column: e.col,
            message: e.message,
        });
    let mut r = Reader {
        src,
        k: grammar::kinds(),
        f: grammar::fields(),
        out: IndexMap::new(),
    };
    for stmt in named_kids(tree.root_node()) {
        r.top_level(stmt);
    }
    Module {
        assignments: r.out,
        syntax_error,
    }
}

struct Reader<'s> {
    src: &'s str,
    k: &'static Kinds,
    f: &'static Fields,
    out: IndexMap<String, Assignment>,
}

impl<'s> Reader<'s> {
    fn text(&self, n: Node<'_>) -> &'s str {
        node_text(self.src, n)
    }

    fn child<'t>(&self, n: Node<'t>, field: std::num::NonZeroU16) -> Option<Node<'t>> {
        n.child_by_field_id(field.get())
    }

    /// One statement of the module.
    fn top_level(&mut self, stmt: Node<'_>) {
        if stmt.kind_id() != self.k.expression_statement {
            self.nested(stmt);
            return;
        }
        for e in named_kids(stmt) {
            if e.kind_id() == self.k.assignment {
                self.assignment(e);
            } else {
                self.changed(e);
            }
        }
    }

    /// `NAME = value`, `A = B = value`, `NAME: T = value`; `X[k] = v` and `X.a = v` change `X`.
    fn assignment(&mut self, a: Node<'_>) {
        let mut targets = Vec::new();
        let mut cur = a;
        let value = loop {
            let Some(left) = self.child(cur, self.f.left) else {
                return;
            };
            if left.kind_id() != self.k.identifier {
                self.changed(left);
                return;
            }
            targets.push(left);
            let right = self.child(cur, self.f.right);
            match right {
                Some(r)
                    if r.kind_id() == self.k.assignment && self.child(cur, self.f.ty).is_none() =>
                {
                    cur = r;
                }
                Some(r) => break self.value(r),
                // `NAME: T` assigns nothing.
                None => return,
            }
        };
        for t in targets {
            let (line, column) = line_col(self.src, t);
            self.out.insert(
                self.text(t).to_owned(),
                Assignment {
                    value: value.clone(),
                    line,
                    column,
                    modified: None,
                },
            );
        }
    }

    /// A statement that changes the name it starts with (`X.update(...)`, `X[k] = v`, `X += [...]`).
    fn changed(&mut self, e: Node<'_>) {
        let target = if e.kind_id() == self.k.augmented_assignment {
            self.child(e, self.f.left)
        } else {
            Some(e)
        };
        let Some(mut root) = target else { return };
        let mut through = false;
        loop {
            let inner = if root.kind_id() == self.k.attribute {
                self.child(root, self.f.object)
            } else if root.kind_id() == self.k.subscript {
                self.child(root, self.f.value)
            } else if root.kind_id() == self.k.call {
                self.child(root, self.f.function)
            } else {
                None
            };
            match inner {
                Some(i) => {
                    root = i;
                    through = true;
                }
                None => break,
            }
        }
        let augmented = e.kind_id() == self.k.augmented_assignment;
        if root.kind_id() != self.k.identifier || !(through || augmented) {
            return;
        }
        let line = e.start_position().row + 1;
        if let Some(a) = self.out.get_mut(self.text(root)) {
            a.modified = Some(format!("changed at line {line}"));
        }
    }

    /// A compound statement: a `NAME = ...` anywhere inside makes `NAME`'s value conditional.
    fn nested(&mut self, n: Node<'_>) {
        let mut c = n.walk();
        let kids: Vec<Node<'_>> = n.named_children(&mut c).collect();
        for kid in kids {
            if kid.kind_id() == self.k.assignment {
                if let Some(left) = self.child(kid, self.f.left)
                    && left.kind_id() == self.k.identifier
                {
                    self.in_block(left);
                }
            } else {
                self.nested(kid);
            }
        }
    }

    fn in_block(&mut self, name: Node<'_>) {
        let (line, column) = line_col(self.src, name);
        let name = self.text(name);
        if let Some(a) = self.out.get_mut(name) {
            a.modified = Some(format!("reassigned inside a block at line {line}"));
        } else if name.chars().all(|c| c.is_ascii_uppercase() || c == '_') {
            let why = format!("assigned inside a block at line {line}");
            self.out.insert(
                name.to_owned(),
                Assignment {
                    value: PyValue::Unknown(why.clone()),
                    line,
                    column,
                    modified: Some(why),
                },
            );
        }
    }

    /// The literal value of an expression, or its source text.
    fn value(&self, n: Node<'_>) -> PyValue {
        self.literal(n)
            .unwrap_or_else(|| PyValue::Unknown(self.text(n).trim().to_owned()))
    }

    fn items(&self, n: Node<'_>) -> Vec<PyValue> {
        named_kids(n)
            .into_iter()
            .filter(|i| i.kind_id() != self.k.comment)
            .map(|i| self.value(i))
            .collect()
    }

    fn literal(&self, n: Node<'_>) -> Option<PyValue> {
        let k = self.k;
        let id = n.kind_id();
        if id == k.string || id == k.concatenated_string {
            literal_string(self.src.as_bytes(), n).map(PyValue::Str)
        } else if id == k.integer || id == k.float {
            number(self.text(n), false)
        } else if id == k.list {
            Some(PyValue::List(self.items(n)))
        } else if id == k.tuple || id == k.expression_list {
            Some(PyValue::Tuple(self.items(n)))
        } else if id == k.parenthesized_expression {
            let inner: Vec<Node<'_>> = named_kids(n)
                .into_iter()
                .filter(|i| i.kind_id() != k.comment)
                .collect();
            match inner.as_slice() {
                [one] => Some(self.value(*one)),
                _ => None,
            }
        } else {
            match n.kind() {
                "true" => Some(PyValue::Bool(true)),
                "false" => Some(PyValue::Bool(false)),
                "none" => Some(PyValue::None),
                "unary_operator" => {
                    let op = self.child(n, self.f.operator).map(|o| self.text(o));
                    let arg = self.child(n, self.f.argument)?;
                    if arg.kind_id() != k.integer && arg.kind_id() != k.float {
                        return None;
                    }
                    match op {
                        Some("-") => number(self.text(arg), true),
                        Some("+") => number(self.text(arg), false),
                        _ => None,
                    }
                }
                "set" => Some(PyValue::Set(self.items(n))),
                "dictionary" => {
                    let mut entries = Vec::new();
                    for pair in named_kids(n) {
                        if pair.kind_id() == k.comment {
                            continue;
                        }
                        if pair.kind() != "pair" {
                            // `**other`: not a literal dict.
                            return None;
                        }
                        let key = self.child(pair, self.f.key)?;
                        let value = self.child(pair, self.f.value)?;
                        entries.push((self.value(key), self.value(value)));
                    }
                    Some(PyValue::Dict(entries))
                }
                _ => None,
            }
        }
    }
}

fn number(text: &str, negative: bool) -> Option<PyValue> {
    let t = text.replace('_', "");
    let lower = t.to_ascii_lowercase();
    let sign = if negative { -1 } else { 1 };
    let radix = |digits: &str, r: u32| {
        i64::from_str_radix(digits, r)
            .ok()
            .map(|v| PyValue::Int(sign * v))
    };
    if let Some(d) = lower.strip_prefix("0x") {
        return radix(d, 16);
    }
    if let Some(d) = lower.strip_prefix("0o") {
        return radix(d, 8);
    }
    if let Some(d) = lower.strip_prefix("0b") {
        return radix(d, 2);
    }
    if lower.ends_with('j') {
        return None;
    }
    if lower.contains(['.', 'e']) {
        let f: f64 = lower.parse().ok()?;
        return Some(PyValue::Float(if negative { -f } else { f }));
    }
    lower.parse::<i64>().ok().map(|v| PyValue::Int(sign * v))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_literals_and_marks_the_rest_unknown() {
        let src = r#"
"""Doc."""
from kedro.config import OmegaConfigLoader  # noqa
import os

CONF_SOURCE = 'conf'  # a comment
CONFIG_LOADER_CLASS = OmegaConfigLoader
CONFIG_LOADER_ARGS = {
    "base_env": "base",
    'default_run_env': "local",  # trailing
    # "ignored": 1,
    "config_patterns": {
        "spark": ["spark*/", r"x\y", "a" "b"],
    },
    "custom_resolvers": {"add": lambda *x: sum(x), "n": os.getenv("X")},
    "nums": (1, -2.5, 0x1F, 1_000, True, None,),
}
HOOKS = (ProjectHooks(),)
X = f"{a}"
if True:
    CONF_SOURCE = "other"
"#;
        let a = assignments(src);
        assert_eq!(a["CONF_SOURCE"].value, PyValue::Str("conf".into()));
        assert!(a["CONF_SOURCE"].modified.is_some());
        assert_eq!(
            a["CONFIG_LOADER_CLASS"].value,
            PyValue::Unknown("OmegaConfigLoader".into())
        );
        let PyValue::Dict(d) = &a["CONFIG_LOADER_ARGS"].value else {
            panic!()
        };
        assert_eq!(
            d[0],
            (PyValue::Str("base_env".into()), PyValue::Str("base".into()))
        );
        assert_eq!(d[1].0, PyValue::Str("default_run_env".into()));
        let PyValue::Dict(p) = &d[2].1 else { panic!() };
        assert_eq!(
            p[0].1,
            PyValue::List(vec![
                PyValue::Str("spark*/".into()),
                PyValue::Str("x\\y".into()),
                PyValue::Str("ab".into())
            ])
        );
        let PyValue::Dict(r) = &d[3].1 else { panic!() };
        assert_eq!(r[0].1, PyValue::Unknown("lambda *x: sum(x)".into()));
        assert_eq!(r[1].1, PyValue::Unknown("os.getenv(\"X\")".into()));
        assert_eq!(
            d[4].1,
            PyValue::Tuple(vec![
                PyValue::Int(1),
                PyValue::Float(-2.5),
                PyValue::Int(31),
                PyValue::Int(1000),
                PyValue::Bool(true),
                PyValue::None
            ])
        );
        assert!(
            matches!(a["HOOKS"].value, PyValue::Tuple(ref v) if v[0] == PyValue::Unknown("ProjectHooks()".into()))
        );
        assert!(matches!(a["X"].value, PyValue::Unknown(_)));
        assert_eq!(a["CONFIG_LOADER_ARGS"].line, 8);
    }

    #[test]
    fn later_changes_mark_the_value() {
        let a = assignments("A = {}\nA['x'] = 1\nB = [1]\nB += [2]\nC = 1 + 2\n");
        assert!(a["A"].modified.is_some());
        assert!(a["B"].modified.is_some());
        assert_eq!(a["C"].value, PyValue::Unknown("1 + 2".into()));
    }

    #[test]
    fn reads_statements_the_way_python_does() {
        let m = read(
            "A = 1; B = 'x\\101' f'y'\nC = 1, -2\nD: int = 3\nE: int\nif x: A = 2\n\
             def f():\n    NEW = 1\nF = {**A}\n",
        );
        let a = &m.assignments;
        assert!(a["A"].modified.as_deref() == Some("reassigned inside a block at line 5"));
        assert_eq!(a["B"].value, PyValue::Str("xAy".into()));
        assert_eq!(
            a["C"].value,
            PyValue::Tuple(vec![PyValue::Int(1), PyValue::Int(-2)])
        );
        assert_eq!((a["D"].value.clone(), a["D"].line), (PyValue::Int(3), 3));
        assert!(!a.contains_key("E"));
        assert!(a["NEW"].modified.is_some());
        assert_eq!(a["F"].value, PyValue::Unknown("{**A}".into()));
        assert_eq!(m.syntax_error, None);
    }

    #[test]
    fn a_syntax_error_is_reported_and_the_rest_is_read() {
        let m = read("CONF_SOURCE = 'conf'\nX = (\n");
        assert_eq!(
            m.assignments["CONF_SOURCE"].value,
            PyValue::Str("conf".into())
        );
        let e = m.syntax_error.expect("a syntax error");
        assert_eq!(e.line, 2);
    }

    #[test]
    fn literals_nested_within_the_syntax_limit_read_and_deeper_ones_are_refused() {
        let max = kdvc_python::MAX_SYNTAX_DEPTH;
        for (open, close) in [
            ("[", "]"),
            ("{'a': ", "}"),
            ("(", ",)"),
            ("-", ""),
            ("((", "))"),
        ] {
            let src = |n: usize| format!("A = 1\nX = {}1{}\n", open.repeat(n), close.repeat(n));
            // The deepest that parses (in the test thread's 2 MiB stack, debug builds included).
            let n = (1..=max)
                .rev()
                .find(|&n| too_deep(&src(n)).is_none())
                .unwrap();
            assert!(n >= max / 4, "{open}: {n}");
            let m = read(&src(n));
            assert_eq!(m.syntax_error, None, "{open} x{n}");
            assert!(m.assignments.contains_key("X"), "{open} x{n}");
            let (line, _, _) = too_deep(&src(n + 1)).expect("too deep");
            assert_eq!(line, 2);
            let m = read(&src(n + 1));
            assert!(
                m.assignments.is_empty() && m.syntax_error.is_some(),
                "{open}"
            );
        }
        assert_eq!(read("2").syntax_error, None);
    }

    #[test]
    fn never_panics_on_garbage() {
        for src in [
            "A = '''x",
            "A = (",
            "A = {1: }",
            "= 1",
            "A = \\",
            "A = 'é\\",
            "A=-",
            "A = {'a' 1}",
        ] {
            let _ = assignments(src);
        }
    }
}
