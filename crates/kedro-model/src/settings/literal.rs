//! A tiny reader of Python literals: the top-level `NAME = <literal>` assignments of a module.
//!
//! It tokenizes Python just enough (strings of every quote style and prefix, comments, brackets, line
//! continuations) to find top-level assignments and to evaluate literal right-hand sides: `str`, `int`,
//! `float`, `bool`, `None`, lists, tuples, sets and dicts (nested, spanning lines). Anything else — a name,
//! a call, an f-string, an operator — becomes [`PyValue::Unknown`] holding the source text; it is never
//! guessed.

use indexmap::IndexMap;

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

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Name(String),
    Num(String),
    /// A string literal: decoded value, or `None` for an f-string / bytes (not a plain str literal).
    Str(Option<String>),
    Op(&'static str),
    Newline,
}

#[derive(Debug, Clone)]
struct Token {
    tok: Tok,
    line: usize,
    column: usize,
    start: usize,
    end: usize,
}

const OPS: [&str; 47] = [
    "**=", "//=", ">>=", "<<=", "...", "==", "!=", "<=", ">=", "**", "//", "->", "+=", "-=", "*=",
    "/=", "%=", "&=", "|=", "^=", "@=", ":=", "<<", ">>", "=", "+", "-", "*", "/", "%", "&", "|",
    "^", "~", "<", ">", "(", ")", "[", "]", "{", "}", ",", ":", ".", ";", "@",
];

fn tokenize(src: &str) -> Vec<Token> {
    let bytes = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let mut line = 1;
    let mut line_start = 0;
    let mut depth: usize = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let column = src[line_start..i].chars().count() + 1;
        match c {
            b'\n' => {
                if depth == 0 && out.last().is_some_and(|t: &Token| t.tok != Tok::Newline) {
                    out.push(Token {
                        tok: Tok::Newline,
                        line,
                        column,
                        start: i,
                        end: i,
                    });
                }
                i += 1;
                line += 1;
                line_start = i;
            }
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'\\' if bytes.get(i + 1) == Some(&b'\n') => {
                i += 2;
                line += 1;
                line_start = i;
            }
            b'\\' if bytes.get(i + 1) == Some(&b'\r') && bytes.get(i + 2) == Some(&b'\n') => {
                i += 3;
                line += 1;
                line_start = i;
            }
            b' ' | b'\t' | b'\r' | b'\x0c' => i += 1,
            b'0'..=b'9' => {
                let start = i;
                while i < bytes.len() {
                    let b = bytes[i];
                    let prev = bytes[i - 1];
                    if b.is_ascii_alphanumeric()
                        || b == b'_'
                        || b == b'.'
                        || ((b == b'+' || b == b'-')
                            && (prev == b'e' || prev == b'E')
                            && !is_hex(&src[start..i]))
                    {
                        i += 1;
                    } else {
                        break;
                    }
                }
                out.push(Token {
                    tok: Tok::Num(src[start..i].to_string()),
                    line,
                    column,
                    start,
                    end: i,
                });
            }
            b'.' if bytes.get(i + 1).is_some_and(u8::is_ascii_digit) => {
                let start = i;
                i += 1;
                while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                    i += 1;
                }
                out.push(Token {
                    tok: Tok::Num(src[start..i].to_string()),
                    line,
                    column,
                    start,
                    end: i,
                });
            }
            b'"' | b'\'' => {
                let start = i;
                let (tok, end, lines, last_nl) = read_string(src, i, "");
                i = end;
                if let Some(nl) = last_nl {
                    line += lines;
                    line_start = nl + 1;
                }
                out.push(Token {
                    tok,
                    line: line - lines,
                    column,
                    start,
                    end,
                });
            }
            _ if c == b'_' || c.is_ascii_alphabetic() || c >= 0x80 => {
                let start = i;
                while i < bytes.len()
                    && (bytes[i] == b'_' || bytes[i].is_ascii_alphanumeric() || bytes[i] >= 0x80)
                {
                    i += 1;
                }
                let word = &src[start..i];
                // String prefixes: r, b, u, f, rb, br, fr, rf (any case).
                if word.len() <= 2
                    && word.chars().all(|ch| "rRbBuUfF".contains(ch))
                    && matches!(bytes.get(i), Some(b'"' | b'\''))
                {
                    let (tok, end, lines, last_nl) = read_string(src, i, word);
                    i = end;
                    if let Some(nl) = last_nl {
                        line += lines;
                        line_start = nl + 1;
                    }
                    out.push(Token {
                        tok,
                        line: line - lines,
                        column,
                        start,
                        end,
                    });
                } else {
                    out.push(Token {
                        tok: Tok::Name(word.to_string()),
                        line,
                        column,
                        start,
                        end: i,
                    });
                }
            }
            _ => {
                let rest = &src[i..];
                if let Some(op) = OPS.iter().find(|op| rest.starts_with(**op)) {
                    match *op {
                        "(" | "[" | "{" => depth += 1,
                        ")" | "]" | "}" => depth = depth.saturating_sub(1),
                        _ => {}
                    }
                    out.push(Token {
                        tok: Tok::Op(op),
                        line,
                        column,
                        start: i,
                        end: i + op.len(),
                    });
                    i += op.len();
                } else {
                    // Any other character (`!`, `$`, `?`, a stray byte): skip it, keeping char boundaries.
                    i += rest.chars().next().map_or(1, char::len_utf8);
                }
            }
        }
    }
    if out.last().is_some_and(|t| t.tok != Tok::Newline) {
        out.push(Token {
            tok: Tok::Newline,
            line,
            column: 1,
            start: src.len(),
            end: src.len(),
        });
    }
    out
}

fn is_hex(s: &str) -> bool {
    s.starts_with("0x") || s.starts_with("0X")
}

/// Reads a string literal whose quote starts at byte `i`. Returns the token, the end offset, the number of
/// newlines inside it and the offset of the last newline.
fn read_string(src: &str, i: usize, prefix: &str) -> (Tok, usize, usize, Option<usize>) {
    let bytes = src.as_bytes();
    let q = bytes[i];
    let triple = bytes.get(i + 1) == Some(&q) && bytes.get(i + 2) == Some(&q);
    let raw = prefix.contains(['r', 'R']);
    let plain = !prefix.contains(['f', 'F', 'b', 'B']);
    let mut j = if triple { i + 3 } else { i + 1 };
    let mut lines = 0;
    let mut last_nl = None;
    let body_start = j;
    let body_end;
    loop {
        if j >= bytes.len() {
            body_end = bytes.len();
            break;
        }
        let b = bytes[j];
        if b == b'\\' {
            if bytes.get(j + 1) == Some(&b'\n') {
                lines += 1;
                last_nl = Some(j + 1);
            }
            j += 2;
            continue;
        }
        if b == b'\n' {
            if !triple {
                body_end = j;
                break;
            }
            lines += 1;
            last_nl = Some(j);
        }
        if b == q && (!triple || (bytes.get(j + 1) == Some(&q) && bytes.get(j + 2) == Some(&q))) {
            body_end = j;
            j += if triple { 3 } else { 1 };
            break;
        }
        j += 1;
    }
    let j = j.min(bytes.len());
    let body = src.get(body_start..body_end.min(src.len())).unwrap_or("");
    let value = if !plain {
        None
    } else if raw {
        Some(body.to_string())
    } else {
        unescape(body)
    };
    (Tok::Str(value), j, lines, last_nl)
}

fn unescape(s: &str) -> Option<String> {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            None => out.push('\\'),
            Some('\n') => {}
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('0') => out.push('\0'),
            Some('a') => out.push('\x07'),
            Some('b') => out.push('\x08'),
            Some('f') => out.push('\x0c'),
            Some('v') => out.push('\x0b'),
            Some(c @ ('\\' | '\'' | '"')) => out.push(c),
            Some('x') => {
                let h: String = chars.by_ref().take(2).collect();
                out.push(char::from_u32(u32::from_str_radix(&h, 16).ok()?)?);
            }
            Some('u') => {
                let h: String = chars.by_ref().take(4).collect();
                out.push(char::from_u32(u32::from_str_radix(&h, 16).ok()?)?);
            }
            Some('U') => {
                let h: String = chars.by_ref().take(8).collect();
                out.push(char::from_u32(u32::from_str_radix(&h, 16).ok()?)?);
            }
            // \N{...} and octal escapes are rare in settings; give up rather than guess.
            Some('N' | '1'..='7') => return None,
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
        }
    }
    Some(out)
}

struct Parser<'a> {
    src: &'a str,
    toks: &'a [Token],
    pos: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|t| &t.tok)
    }

    fn is_op(&self, op: &str) -> bool {
        matches!(self.peek(), Some(Tok::Op(o)) if *o == op)
    }

    /// Parses a value; when it is not a literal, skips to the next `,`/closer at this depth and returns
    /// the skipped source text as [`PyValue::Unknown`].
    fn value(&mut self) -> PyValue {
        self.value_until(false)
    }

    /// Like [`Self::value`]; `key` makes a top-level `:` end the value (a dict key).
    fn value_until(&mut self, key: bool) -> PyValue {
        let start = self.pos;
        match self.literal() {
            Some(v) if self.at_value_end(key) => v,
            _ => {
                self.pos = start;
                self.skip_expression(key);
                let s = self.toks.get(start).map_or(self.src.len(), |t| t.start);
                let e = if self.pos > start {
                    self.toks[self.pos - 1].end
                } else {
                    s
                };
                PyValue::Unknown(self.src.get(s..e).unwrap_or("").trim().to_string())
            }
        }
    }

    fn at_value_end(&self, key: bool) -> bool {
        matches!(
            self.peek(),
            None | Some(Tok::Newline | Tok::Op(",") | Tok::Op(")") | Tok::Op("]") | Tok::Op("}"))
        ) || (key && self.is_op(":"))
    }

    fn skip_expression(&mut self, key: bool) {
        let mut depth = 0usize;
        while let Some(t) = self.peek() {
            match t {
                Tok::Newline if depth == 0 => break,
                Tok::Op("(" | "[" | "{") => depth += 1,
                Tok::Op(")" | "]" | "}") => {
                    if depth == 0 {
                        break;
                    }
                    depth -= 1;
                }
                Tok::Op(",") if depth == 0 => break,
                Tok::Op(":") if depth == 0 && key => break,
                _ => {}
            }
            self.pos += 1;
        }
    }

    fn literal(&mut self) -> Option<PyValue> {
        let tok = self.peek()?.clone();
        match tok {
            Tok::Str(first) => {
                let mut acc = first;
                self.pos += 1;
                while let Some(Tok::Str(next)) = self.peek().cloned() {
                    acc = match (acc, next) {
                        (Some(a), Some(b)) => Some(a + &b),
                        _ => None,
                    };
                    self.pos += 1;
                }
                acc.map(PyValue::Str)
            }
            Tok::Num(n) => {
                self.pos += 1;
                number(&n, false)
            }
            Tok::Op(sign @ ("-" | "+")) => {
                self.pos += 1;
                match self.peek().cloned() {
                    Some(Tok::Num(n)) => {
                        self.pos += 1;
                        number(&n, sign == "-")
                    }
                    _ => None,
                }
            }
            Tok::Name(n) => {
                self.pos += 1;
                match n.as_str() {
                    "True" => Some(PyValue::Bool(true)),
                    "False" => Some(PyValue::Bool(false)),
                    "None" => Some(PyValue::None),
                    _ => None,
                }
            }
            Tok::Op("[") => {
                self.pos += 1;
                self.sequence("]").map(|(v, _)| PyValue::List(v))
            }
            Tok::Op("(") => {
                self.pos += 1;
                let (items, trailing_comma) = self.sequence(")")?;
                if items.len() == 1 && !trailing_comma {
                    items.into_iter().next()
                } else {
                    Some(PyValue::Tuple(items))
                }
            }
            Tok::Op("{") => {
                self.pos += 1;
                self.dict_or_set()
            }
            _ => None,
        }
    }

    fn sequence(&mut self, close: &str) -> Option<(Vec<PyValue>, bool)> {
        let mut items = Vec::new();
        let mut trailing_comma = false;
        loop {
            if self.is_op(close) {
                self.pos += 1;
                return Some((items, trailing_comma));
            }
            self.peek()?;
            items.push(self.value());
            trailing_comma = false;
            if self.is_op(",") {
                self.pos += 1;
                trailing_comma = true;
            } else if !self.is_op(close) {
                return None;
            }
        }
    }

    fn dict_or_set(&mut self) -> Option<PyValue> {
        if self.is_op("}") {
            self.pos += 1;
            return Some(PyValue::Dict(Vec::new()));
        }
        let mut entries = Vec::new();
        let mut set = Vec::new();
        let mut is_set = None;
        loop {
            if self.is_op("}") {
                self.pos += 1;
                break;
            }
            if self.is_op("**") || self.peek().is_none() {
                return None;
            }
            let key = self.value_until(true);
            if self.is_op(":") {
                if is_set == Some(true) {
                    return None;
                }
                is_set = Some(false);
                self.pos += 1;
                let value = self.value();
                entries.push((key, value));
            } else {
                if is_set == Some(false) {
                    return None;
                }
                is_set = Some(true);
                set.push(key);
            }
            if self.is_op(",") {
                self.pos += 1;
            } else if !self.is_op("}") {
                return None;
            }
        }
        Some(if is_set == Some(true) {
            PyValue::Set(set)
        } else {
            PyValue::Dict(entries)
        })
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

/// Reads the top-level assignments of a Python module. Later assignments replace earlier ones.
pub(crate) fn assignments(src: &str) -> IndexMap<String, Assignment> {
    let toks = tokenize(src);
    let mut out: IndexMap<String, Assignment> = IndexMap::new();
    let mut stmt_start = 0;
    for (idx, t) in toks.iter().enumerate() {
        if t.tok != Tok::Newline {
            continue;
        }
        let stmt = &toks[stmt_start..=idx];
        stmt_start = idx + 1;
        let Some(first) = stmt.first() else { continue };
        let Tok::Name(name) = &first.tok else {
            continue;
        };
        let second = stmt.get(1).map(|t| &t.tok);
        if first.column != 1 {
            // Inside a block (if/try/def/...): an assignment there makes the value conditional.
            if matches!(second, Some(Tok::Op("="))) {
                if let Some(a) = out.get_mut(name) {
                    a.modified = Some(format!("reassigned inside a block at line {}", first.line));
                } else if name.chars().all(|c| c.is_ascii_uppercase() || c == '_') {
                    out.insert(
                        name.clone(),
                        Assignment {
                            value: PyValue::Unknown(format!(
                                "assigned inside a block at line {}",
                                first.line
                            )),
                            line: first.line,
                            column: first.column,
                            modified: Some(format!(
                                "assigned inside a block at line {}",
                                first.line
                            )),
                        },
                    );
                }
            }
            continue;
        }
        match second {
            Some(Tok::Op("=")) => {
                // Targets: NAME = NAME = ... = value
                let mut targets = vec![(name.clone(), first.line, first.column)];
                let mut p = 2;
                while let (Some(Tok::Name(n)), Some(Tok::Op("="))) =
                    (stmt.get(p).map(|t| &t.tok), stmt.get(p + 1).map(|t| &t.tok))
                {
                    targets.push((n.clone(), stmt[p].line, stmt[p].column));
                    p += 2;
                }
                let value = parse_rhs(src, &stmt[p..]);
                for (n, line, column) in targets {
                    out.insert(
                        n,
                        Assignment {
                            value: value.clone(),
                            line,
                            column,
                            modified: None,
                        },
                    );
                }
            }
            Some(Tok::Op(":")) => {
                // Annotated assignment NAME: T = value
                if let Some(eq) = stmt.iter().position(|t| t.tok == Tok::Op("=")) {
                    let value = parse_rhs(src, &stmt[eq + 1..]);
                    out.insert(
                        name.clone(),
                        Assignment {
                            value,
                            line: first.line,
                            column: first.column,
                            modified: None,
                        },
                    );
                }
            }
            Some(Tok::Op(op))
                if *op == "[" || *op == "." || (op.ends_with('=') && op.len() >= 2) =>
            {
                if let Some(a) = out.get_mut(name) {
                    a.modified = Some(format!("changed at line {}", first.line));
                }
            }
            _ => {}
        }
    }
    out
}

fn parse_rhs(src: &str, toks: &[Token]) -> PyValue {
    let mut p = Parser { src, toks, pos: 0 };
    let v = p.value();
    match p.peek() {
        None | Some(Tok::Newline) | Some(Tok::Op(";")) => v,
        _ => {
            let s = toks.first().map_or(0, |t| t.start);
            let e = toks
                .iter()
                .rev()
                .find(|t| t.tok != Tok::Newline)
                .map_or(s, |t| t.end);
            PyValue::Unknown(src.get(s..e).unwrap_or("").trim().to_string())
        }
    }
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
