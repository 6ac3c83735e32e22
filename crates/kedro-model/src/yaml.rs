//! YAML reading with the rules Kedro gets from PyYAML + OmegaConf. Every YAML parser call of the crate
//! lives here.
//!
//! - YAML 1.1 implicit typing of plain scalars (PyYAML's `SafeLoader` resolvers, OmegaConf's extra float
//!   rule, no timestamps): `yes`/`no`/`on`/`off` are booleans, `017` is octal, `0x1F`, `0b11`, `1_000`,
//!   `1:30` (sexagesimal) are integers, `1e3` is a float, `2024-01-01` stays a string. Quoted and block
//!   scalars are strings.
//! - Core tags (`!!str`, `!!int`, `!!float`, `!!bool`, `!!null`, `!!map`, `!!seq`); any other tag is an error,
//!   as in `SafeLoader`.
//! - A string key twice in one mapping is an error (OmegaConf's loader); anchors, aliases and `<<` merge keys
//!   (a mapping or a list of mappings; the first listed wins, the mapping's own keys win over merged ones).
//! - One document per file; an empty file is an empty mapping.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use saphyr_parser::{Event, Parser, ScalarStyle, Span, Tag};

use crate::error::{Error, Location, Result};
use crate::value::{Map, Node, Origin, Value};

/// Upper bound on nodes built from one file (guards against alias bombs).
const MAX_NODES: usize = 2_000_000;
/// Upper bound on nesting depth.
const MAX_DEPTH: usize = 400;

#[derive(Debug, Clone)]
enum Raw {
    Scalar {
        text: String,
        style: ScalarStyle,
        tag: Option<Tag>,
        line: u32,
        column: u32,
    },
    Seq {
        items: Vec<Raw>,
        tag: Option<Tag>,
        line: u32,
        column: u32,
    },
    Map {
        entries: Vec<(Raw, Raw)>,
        tag: Option<Tag>,
        line: u32,
        column: u32,
    },
}

impl Raw {
    fn pos(&self) -> (u32, u32) {
        match self {
            Self::Scalar { line, column, .. }
            | Self::Seq { line, column, .. }
            | Self::Map { line, column, .. } => (*line, *column),
        }
    }
}

fn pos_of(span: &Span) -> (u32, u32) {
    let line = u32::try_from(span.start.line()).unwrap_or(u32::MAX);
    let column = u32::try_from(span.start.col() + 1).unwrap_or(u32::MAX);
    (line, column)
}

/// Parses one YAML (or JSON) document. `file` is the path shown in messages and origins.
/// An empty document gives `None`.
pub fn parse(text: &str, file: &Path) -> Result<Option<Node>> {
    let file: Arc<Path> = Arc::from(file);
    let raw = build(text, &file)?;
    match raw {
        None => Ok(None),
        Some(raw) => {
            let mut b = Constructor { file: &file };
            b.construct(&raw, None, 0).map(Some)
        }
    }
}

/// Parses a YAML document that must be a mapping (a Kedro config file). An empty file is an empty mapping.
pub fn parse_mapping(text: &str, file: &Path) -> Result<Node> {
    let origin = Origin {
        file: Arc::from(file),
        line: 1,
        column: 1,
    };
    match parse(text, file)? {
        None => Ok(Node::new(Value::Map(Map::new()), origin)),
        Some(node) if matches!(node.value, Value::Map(_)) => Ok(node),
        Some(node) => Err(Error::InvalidConfig {
            location: node.origin.location(),
            message: format!(
                "the file holds {} at the top level, not a mapping of keys",
                node.value.kind()
            ),
            hint: "a Kedro configuration file must be a mapping (key: value)".into(),
        }),
    }
}

fn yaml_err(file: &Path, line: usize, column: usize, message: impl Into<String>) -> Error {
    Error::Yaml {
        location: Location::new(file, line, column),
        message: message.into(),
    }
}

enum Frame {
    Seq(Vec<Raw>, Option<Tag>, (u32, u32), usize),
    Map(Vec<(Raw, Raw)>, Option<Raw>, Option<Tag>, (u32, u32), usize),
}

/// Builds the raw tree from parser events, expanding aliases.
fn build(text: &str, file: &Path) -> Result<Option<Raw>> {
    let mut parser = Parser::new_from_str(text);
    let mut stack: Vec<Frame> = Vec::new();
    let mut anchors: HashMap<usize, Raw> = HashMap::new();
    let mut root: Option<Raw> = None;
    let mut documents = 0usize;
    let mut nodes = 0usize;
    loop {
        let (event, span) = match parser.next_event() {
            None => break,
            Some(Ok(x)) => x,
            Some(Err(e)) => {
                let m = e.marker();
                return Err(yaml_err(file, m.line(), m.col() + 1, e.info()));
            }
        };
        let (line, column) = pos_of(&span);
        let complete = match event {
            Event::StreamStart | Event::StreamEnd | Event::Nothing | Event::DocumentEnd => None,
            Event::DocumentStart(_) => {
                documents += 1;
                if documents > 1 {
                    return Err(yaml_err(
                        file,
                        line as usize,
                        column as usize,
                        "expected a single document in the stream, but found another document",
                    ));
                }
                None
            }
            Event::Alias(id) => match anchors.get(&id) {
                Some(raw) => {
                    nodes += count(raw);
                    Some((raw.clone(), 0))
                }
                None => {
                    return Err(yaml_err(
                        file,
                        line as usize,
                        column as usize,
                        "found undefined or recursive alias",
                    ));
                }
            },
            Event::Scalar(text, style, anchor, tag) => {
                nodes += 1;
                Some((
                    Raw::Scalar {
                        text: text.into_owned(),
                        style,
                        tag: tag.map(std::borrow::Cow::into_owned),
                        line,
                        column,
                    },
                    anchor,
                ))
            }
            Event::SequenceStart(anchor, tag) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(yaml_err(
                        file,
                        line as usize,
                        column as usize,
                        "nesting too deep",
                    ));
                }
                stack.push(Frame::Seq(
                    Vec::new(),
                    tag.map(std::borrow::Cow::into_owned),
                    (line, column),
                    anchor,
                ));
                None
            }
            Event::MappingStart(anchor, tag) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(yaml_err(
                        file,
                        line as usize,
                        column as usize,
                        "nesting too deep",
                    ));
                }
                stack.push(Frame::Map(
                    Vec::new(),
                    None,
                    tag.map(std::borrow::Cow::into_owned),
                    (line, column),
                    anchor,
                ));
                None
            }
            Event::SequenceEnd => match stack.pop() {
                Some(Frame::Seq(items, tag, (line, column), anchor)) => {
                    nodes += 1;
                    Some((
                        Raw::Seq {
                            items,
                            tag,
                            line,
                            column,
                        },
                        anchor,
                    ))
                }
                _ => {
                    return Err(yaml_err(
                        file,
                        line as usize,
                        column as usize,
                        "unbalanced sequence",
                    ));
                }
            },
            Event::MappingEnd => match stack.pop() {
                Some(Frame::Map(entries, None, tag, (line, column), anchor)) => {
                    nodes += 1;
                    Some((
                        Raw::Map {
                            entries,
                            tag,
                            line,
                            column,
                        },
                        anchor,
                    ))
                }
                _ => {
                    return Err(yaml_err(
                        file,
                        line as usize,
                        column as usize,
                        "unbalanced mapping",
                    ));
                }
            },
        };
        if nodes > MAX_NODES {
            return Err(yaml_err(
                file,
                line as usize,
                column as usize,
                "the document expands to too many nodes (alias expansion)",
            ));
        }
        let Some((raw, anchor)) = complete else {
            continue;
        };
        if anchor > 0 {
            anchors.insert(anchor, raw.clone());
        }
        match stack.last_mut() {
            None => root = Some(raw),
            Some(Frame::Seq(items, ..)) => items.push(raw),
            Some(Frame::Map(entries, pending, ..)) => match pending.take() {
                None => *pending = Some(raw),
                Some(key) => entries.push((key, raw)),
            },
        }
    }
    Ok(root)
}

fn count(raw: &Raw) -> usize {
    match raw {
        Raw::Scalar { .. } => 1,
        Raw::Seq { items, .. } => 1 + items.iter().map(count).sum::<usize>(),
        Raw::Map { entries, .. } => {
            1 + entries
                .iter()
                .map(|(k, v)| count(k) + count(v))
                .sum::<usize>()
        }
    }
}

/// The core-schema name of a tag (`str`, `int`, ...), `Some("")` for the non-specific `!`, `None` for
/// others.
fn core_tag(tag: &Tag) -> Option<&str> {
    if tag.handle == "tag:yaml.org,2002:" || tag.handle == "!!" {
        Some(tag.suffix.as_str())
    } else if tag.handle == "!" && tag.suffix.is_empty() {
        Some("")
    } else {
        None
    }
}

fn tag_text(tag: &Tag) -> String {
    if tag.handle == "tag:yaml.org,2002:" {
        format!("tag:yaml.org,2002:{}", tag.suffix)
    } else {
        format!("{}{}", tag.handle, tag.suffix)
    }
}

/// The YAML 1.1 type PyYAML + OmegaConf give a scalar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Null,
    Bool,
    Int,
    Float,
    Str,
    Merge,
    ValueTag,
}

fn scalar_kind(
    text: &str,
    style: ScalarStyle,
    tag: Option<&Tag>,
) -> std::result::Result<Kind, String> {
    if let Some(tag) = tag {
        return match core_tag(tag) {
            Some("str" | "") => Ok(Kind::Str),
            Some("int") => Ok(Kind::Int),
            Some("float") => Ok(Kind::Float),
            Some("bool") => Ok(Kind::Bool),
            Some("null") => Ok(Kind::Null),
            _ => Err(format!(
                "could not determine a constructor for the tag '{}'",
                tag_text(tag)
            )),
        };
    }
    if style != ScalarStyle::Plain {
        return Ok(Kind::Str);
    }
    Ok(implicit_kind(text))
}

/// PyYAML's implicit resolvers (first matching resolver for the first character), with OmegaConf's float
/// rule appended and the timestamp rule removed.
fn implicit_kind(t: &str) -> Kind {
    let Some(first) = t.chars().next() else {
        return Kind::Null;
    };
    if "yYnNtTfFoO".contains(first) && is_bool(t) {
        return Kind::Bool;
    }
    if "-+0123456789.".contains(first) {
        if is_yaml_float(t) {
            return Kind::Float;
        }
        if first != '.' && is_yaml_int(t) {
            return Kind::Int;
        }
        if is_omegaconf_float(t) {
            return Kind::Float;
        }
    }
    if t == "<<" {
        return Kind::Merge;
    }
    if matches!(t, "~" | "null" | "Null" | "NULL") {
        return Kind::Null;
    }
    if t == "=" {
        return Kind::ValueTag;
    }
    Kind::Str
}

fn is_bool(t: &str) -> bool {
    matches!(
        t,
        "yes"
            | "Yes"
            | "YES"
            | "no"
            | "No"
            | "NO"
            | "true"
            | "True"
            | "TRUE"
            | "false"
            | "False"
            | "FALSE"
            | "on"
            | "On"
            | "ON"
            | "off"
            | "Off"
            | "OFF"
    )
}

/// A tiny cursor for hand-written versions of the resolver regexes.
struct Cur<'a> {
    b: &'a [u8],
    i: usize,
}

impl Cur<'_> {
    fn eat(&mut self, pred: impl Fn(u8) -> bool) -> bool {
        if self.i < self.b.len() && pred(self.b[self.i]) {
            self.i += 1;
            true
        } else {
            false
        }
    }
    fn many(&mut self, pred: impl Fn(u8) -> bool) -> usize {
        let s = self.i;
        while self.eat(&pred) {}
        self.i - s
    }
    fn sign(&mut self) {
        self.eat(|c| c == b'-' || c == b'+');
    }
    fn end(&self) -> bool {
        self.i == self.b.len()
    }
    fn lit(&mut self, s: &str) -> bool {
        if self.b[self.i..].starts_with(s.as_bytes()) {
            self.i += s.len();
            true
        } else {
            false
        }
    }
}

fn digit(c: u8) -> bool {
    c.is_ascii_digit()
}
fn digit_(c: u8) -> bool {
    c.is_ascii_digit() || c == b'_'
}

fn inf_nan(t: &str) -> bool {
    let s = t.strip_prefix(['-', '+']).unwrap_or(t);
    matches!(s, ".inf" | ".Inf" | ".INF") || matches!(t, ".nan" | ".NaN" | ".NAN")
}

/// `(?::[0-5]?[0-9])+` from the cursor.
fn sexagesimal_tail(c: &mut Cur<'_>) -> bool {
    let mut n = 0;
    loop {
        let save = c.i;
        if !c.eat(|x| x == b':') {
            break;
        }
        let d = c.many(digit);
        let ok = match d {
            1 => true,
            2 => c.b[c.i - 2] <= b'5',
            _ => false,
        };
        if !ok {
            c.i = save;
            break;
        }
        n += 1;
    }
    n > 0
}

/// PyYAML's float resolver.
fn is_yaml_float(t: &str) -> bool {
    if inf_nan(t) {
        return true;
    }
    let exp = |c: &mut Cur<'_>| {
        let save = c.i;
        if c.eat(|x| x == b'e' || x == b'E')
            && c.eat(|x| x == b'-' || x == b'+')
            && c.many(digit) > 0
        {
            return;
        }
        c.i = save;
    };
    // [-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?
    let mut c = Cur {
        b: t.as_bytes(),
        i: 0,
    };
    c.sign();
    if c.eat(digit) {
        c.many(digit_);
        if c.eat(|x| x == b'.') {
            c.many(digit_);
            exp(&mut c);
            if c.end() {
                return true;
            }
        }
    }
    // \.[0-9][0-9_]*(?:[eE][-+][0-9]+)?
    let mut c = Cur {
        b: t.as_bytes(),
        i: 0,
    };
    if c.eat(|x| x == b'.') && c.eat(digit) {
        c.many(digit_);
        exp(&mut c);
        if c.end() {
            return true;
        }
    }
    // [-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*
    let mut c = Cur {
        b: t.as_bytes(),
        i: 0,
    };
    c.sign();
    if c.eat(digit) {
        c.many(digit_);
        if sexagesimal_tail(&mut c) && c.eat(|x| x == b'.') {
            c.many(digit_);
            return c.end();
        }
    }
    false
}

/// PyYAML's int resolver.
fn is_yaml_int(t: &str) -> bool {
    let b = t.as_bytes();
    let mut c = Cur { b, i: 0 };
    c.sign();
    let start = c.i;
    // 0b[0-1_]+
    if c.lit("0b") && c.many(|x| x == b'0' || x == b'1' || x == b'_') > 0 && c.end() {
        return true;
    }
    c.i = start;
    // 0x[0-9a-fA-F_]+
    if c.lit("0x") && c.many(|x| x.is_ascii_hexdigit() || x == b'_') > 0 && c.end() {
        return true;
    }
    c.i = start;
    // 0[0-7_]+
    if c.eat(|x| x == b'0') && c.many(|x| (b'0'..=b'7').contains(&x) || x == b'_') > 0 && c.end() {
        return true;
    }
    c.i = start;
    // 0 | [1-9][0-9_]*
    if c.eat(|x| x == b'0') && c.end() {
        return true;
    }
    c.i = start;
    if c.eat(|x| (b'1'..=b'9').contains(&x)) {
        c.many(digit_);
        if c.end() {
            return true;
        }
        // [1-9][0-9_]*(?::[0-5]?[0-9])+
        if sexagesimal_tail(&mut c) && c.end() {
            return true;
        }
    }
    false
}

/// OmegaConf's extra float resolver.
fn is_omegaconf_float(t: &str) -> bool {
    if inf_nan(t) {
        return true;
    }
    // [0-9]+(?:_[0-9]+)*
    let int_part = |c: &mut Cur<'_>| -> bool {
        if c.many(digit) == 0 {
            return false;
        }
        loop {
            let save = c.i;
            if c.eat(|x| x == b'_') && c.many(digit) > 0 {
                continue;
            }
            c.i = save;
            return true;
        }
    };
    let exp = |c: &mut Cur<'_>, sign_required: bool| -> bool {
        let save = c.i;
        if c.eat(|x| x == b'e' || x == b'E') {
            let signed = c.eat(|x| x == b'-' || x == b'+');
            if (signed || !sign_required) && c.many(digit) > 0 {
                return true;
            }
        }
        c.i = save;
        false
    };
    let b = t.as_bytes();
    // [-+]?INT\.[0-9_]*(?:[eE][-+]?[0-9]+)?
    let mut c = Cur { b, i: 0 };
    c.sign();
    if int_part(&mut c) && c.eat(|x| x == b'.') {
        c.many(digit_);
        exp(&mut c, false);
        if c.end() {
            return true;
        }
    }
    // [-+]?INT(?:[eE][-+]?[0-9]+)
    let mut c = Cur { b, i: 0 };
    c.sign();
    if int_part(&mut c) && exp(&mut c, false) && c.end() {
        return true;
    }
    // \.INT(?:[eE][-+][0-9]+)?
    let mut c = Cur { b, i: 0 };
    if c.eat(|x| x == b'.') && int_part(&mut c) {
        exp(&mut c, true);
        if c.end() {
            return true;
        }
    }
    // [-+]?INT(?::[0-5]?[0-9])+\.[0-9_]*
    let mut c = Cur { b, i: 0 };
    c.sign();
    if int_part(&mut c) && sexagesimal_tail(&mut c) && c.eat(|x| x == b'.') {
        c.many(digit_);
        return c.end();
    }
    false
}

/// PyYAML's `construct_yaml_int`.
fn construct_int(text: &str) -> Option<i64> {
    let v: String = text.chars().filter(|c| *c != '_').collect();
    let (sign, v) = match v.strip_prefix('-') {
        Some(rest) => (-1i64, rest.to_string()),
        None => (1, v.strip_prefix('+').unwrap_or(&v).to_string()),
    };
    let n = if v == "0" {
        0
    } else if let Some(d) = v.strip_prefix("0b") {
        i64::from_str_radix(d, 2).ok()?
    } else if let Some(d) = v.strip_prefix("0x") {
        i64::from_str_radix(d, 16).ok()?
    } else if v.starts_with('0') {
        i64::from_str_radix(&v, 8).ok()?
    } else if v.contains(':') {
        let mut total: i64 = 0;
        for part in v.split(':') {
            total = total
                .checked_mul(60)?
                .checked_add(part.parse::<i64>().ok()?)?;
        }
        total
    } else {
        v.parse().ok()?
    };
    n.checked_mul(sign)
}

/// An integer [`construct_int`] cannot hold in 64 bits, as the nearest float.
fn construct_wide_int(text: &str) -> Option<f64> {
    let v: String = text.chars().filter(|c| *c != '_').collect();
    let (negative, v) = match v.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, v.strip_prefix('+').unwrap_or(&v)),
    };
    let (digits, radix) = if let Some(d) = v.strip_prefix("0b") {
        (d, 2)
    } else if let Some(d) = v.strip_prefix("0x") {
        (d, 16)
    } else if v.starts_with('0') && v.len() > 1 {
        (&v[1..], 8)
    } else if v.contains(':') {
        return None;
    } else {
        let f: f64 = v.parse().ok()?;
        return Some(if negative { -f } else { f });
    };
    let mut f = 0.0f64;
    for c in digits.chars() {
        f = f * f64::from(radix) + f64::from(c.to_digit(radix)?);
    }
    Some(if negative { -f } else { f })
}

/// PyYAML's `construct_yaml_float`.
fn construct_float(text: &str) -> Option<f64> {
    let v: String = text
        .chars()
        .filter(|c| *c != '_')
        .collect::<String>()
        .to_lowercase();
    let (sign, v) = match v.strip_prefix('-') {
        Some(rest) => (-1.0, rest.to_string()),
        None => (1.0, v.strip_prefix('+').unwrap_or(&v).to_string()),
    };
    if v == ".inf" {
        return Some(sign * f64::INFINITY);
    }
    if v == ".nan" {
        return Some(f64::NAN);
    }
    if v.contains(':') {
        let mut total = 0.0;
        for part in v.split(':') {
            total = total * 60.0 + part.parse::<f64>().ok()?;
        }
        return Some(sign * total);
    }
    v.parse::<f64>().ok().map(|f| sign * f)
}

fn construct_bool(text: &str) -> Option<bool> {
    match text.to_ascii_lowercase().as_str() {
        "yes" | "true" | "on" => Some(true),
        "no" | "false" | "off" => Some(false),
        _ => None,
    }
}

/// Converts a plain scalar as Kedro would (used for `--params` values as well).
pub fn scalar_value(text: &str) -> Value {
    typed(text, implicit_kind(text)).unwrap_or_else(|| Value::Str(text.to_string()))
}

fn typed(text: &str, kind: Kind) -> Option<Value> {
    Some(match kind {
        Kind::Null => Value::Null,
        Kind::Bool => Value::Bool(construct_bool(text)?),
        // Python ints have no size limit; one beyond 64 bits is kept as the nearest float (JSON tools read
        // such numbers as floats anyway).
        Kind::Int => match construct_int(text) {
            Some(i) => Value::Int(i),
            None => Value::Float(construct_wide_int(text)?),
        },
        Kind::Float => Value::Float(construct_float(text)?),
        Kind::Str | Kind::Merge | Kind::ValueTag => Value::Str(text.to_string()),
    })
}

struct Constructor<'a> {
    file: &'a Arc<Path>,
}

impl Constructor<'_> {
    fn origin(&self, (line, column): (u32, u32)) -> Origin {
        Origin {
            file: self.file.clone(),
            line,
            column,
        }
    }

    fn err(&self, (line, column): (u32, u32), message: impl Into<String>) -> Error {
        yaml_err(self.file, line as usize, column as usize, message)
    }

    /// Builds the node for `raw`; `at` overrides the origin (a mapping value takes its key's position).
    fn construct(&mut self, raw: &Raw, at: Option<(u32, u32)>, depth: usize) -> Result<Node> {
        let origin = self.origin(at.unwrap_or_else(|| raw.pos()));
        match raw {
            Raw::Scalar {
                text, style, tag, ..
            } => {
                let kind =
                    scalar_kind(text, *style, tag.as_ref()).map_err(|m| self.err(raw.pos(), m))?;
                if kind == Kind::ValueTag {
                    return Err(self.err(
                        raw.pos(),
                        "could not determine a constructor for the tag 'tag:yaml.org,2002:value'",
                    ));
                }
                let value = typed(text, kind).ok_or_else(|| {
                    self.err(
                        raw.pos(),
                        format!("'{text}' is not a valid {kind:?} value").to_lowercase(),
                    )
                })?;
                Ok(Node::new(value, origin))
            }
            Raw::Seq { items, tag, .. } => {
                if let Some(tag) = tag
                    && !matches!(core_tag(tag), Some("seq" | ""))
                {
                    return Err(self.err(
                        raw.pos(),
                        format!(
                            "could not determine a constructor for the tag '{}'",
                            tag_text(tag)
                        ),
                    ));
                }
                let mut out = Vec::with_capacity(items.len());
                for item in items {
                    out.push(self.construct(item, None, depth + 1)?);
                }
                Ok(Node::new(Value::List(out), origin))
            }
            Raw::Map { tag, .. } => {
                if let Some(tag) = tag
                    && !matches!(core_tag(tag), Some("map" | ""))
                {
                    return Err(self.err(
                        raw.pos(),
                        format!(
                            "could not determine a constructor for the tag '{}'",
                            tag_text(tag)
                        ),
                    ));
                }
                let entries = self.flatten(raw, depth)?;
                let mut map = Map::with_capacity(entries.len());
                for (k, v) in entries {
                    let key = self.key_string(k)?;
                    let node = self.construct(v, Some(k.pos()), depth + 1)?;
                    map.insert(key, node);
                }
                Ok(Node::new(Value::Map(map), origin))
            }
        }
    }

    fn key_string(&self, k: &Raw) -> Result<String> {
        match k {
            Raw::Scalar { text, style, tag, .. } => {
                let kind = scalar_kind(text, *style, tag.as_ref()).map_err(|m| self.err(k.pos(), m))?;
                Ok(match typed(text, kind) {
                    Some(Value::Str(s)) => s,
                    Some(Value::Int(i)) => i.to_string(),
                    Some(Value::Bool(b)) => b.to_string(),
                    Some(Value::Null) => {
                        return Err(self.err(
                            k.pos(),
                            "found a null mapping key (`~`, `null` or empty); OmegaConf rejects it \
                             (KeyValidationError: Incompatible key type 'NoneType'): quote the key",
                        ));
                    }
                    Some(Value::Float(f)) => crate::value::python_float(f),
                    _ => text.clone(),
                })
            }
            _ => Err(self.err(
                k.pos(),
                "found a mapping or sequence used as a mapping key; Kedro config keys must be scalars",
            )),
        }
    }

    /// The entries of a mapping after the duplicate-key check and `<<` merge flattening.
    fn flatten<'r>(&self, raw: &'r Raw, depth: usize) -> Result<Vec<(&'r Raw, &'r Raw)>> {
        let Raw::Map { entries, .. } = raw else {
            return Ok(Vec::new());
        };
        if depth > MAX_DEPTH {
            return Err(self.err(raw.pos(), "nesting too deep"));
        }
        // OmegaConf's loader: string-typed keys must be unique (compared on their text).
        let mut seen: HashMap<&str, u32> = HashMap::new();
        for (k, _) in entries {
            if let Raw::Scalar {
                text,
                style,
                tag,
                line,
                column,
            } = k
                && scalar_kind(text, *style, tag.as_ref()) == Ok(Kind::Str)
            {
                if let Some(first) = seen.get(text.as_str()) {
                    return Err(Error::DuplicateKey {
                        location: Location::new(
                            self.file.as_ref(),
                            *line as usize,
                            *column as usize,
                        ),
                        key: text.clone(),
                        first_line: *first as usize,
                    });
                }
                seen.insert(text, *line);
            }
        }
        let mut merged: Vec<(&Raw, &Raw)> = Vec::new();
        let mut own: Vec<(&Raw, &Raw)> = Vec::new();
        for (k, v) in entries {
            let is_merge = matches!(k, Raw::Scalar { text, style: ScalarStyle::Plain, tag: None, .. } if text == "<<");
            if !is_merge {
                own.push((k, v));
                continue;
            }
            match v {
                Raw::Map { .. } => merged.extend(self.flatten(v, depth + 1)?),
                Raw::Seq { items, .. } => {
                    let mut subs = Vec::new();
                    for item in items {
                        if !matches!(item, Raw::Map { .. }) {
                            return Err(self.err(
                                item.pos(),
                                "while constructing a mapping: expected a mapping for merging",
                            ));
                        }
                        subs.push(self.flatten(item, depth + 1)?);
                    }
                    for sub in subs.into_iter().rev() {
                        merged.extend(sub);
                    }
                }
                _ => {
                    return Err(self.err(
                        v.pos(),
                        "while constructing a mapping: expected a mapping or list of mappings for merging",
                    ));
                }
            }
        }
        merged.extend(own);
        Ok(merged)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(text: &str) -> serde_json::Value {
        parse(text, Path::new("t.yml")).unwrap().unwrap().to_json()
    }

    #[test]
    fn yaml_1_1_scalars() {
        let v = json(
            "a: yes\nb: NO\nc: on\nd: y\ne: 017\nf: 0x1F\ng: 1_000\nh: 1e3\ni: 2024-01-01\nj: '5'\nk: ~\nl: 08\n\
             m: 1:30\nn: 0b101\no: .5\np: 1.\nq: -0\nr: 1.0e3\ns: True\nt: \"yes\"\nu: \nv: +12\nw: 6.02e+23\n",
        );
        assert_eq!(
            v,
            serde_json::json!({"a": true, "b": false, "c": true, "d": "y", "e": 15, "f": 31, "g": 1000,
                "h": 1000.0, "i": "2024-01-01", "j": "5", "k": null, "l": "08", "m": 90, "n": 5, "o": 0.5,
                "p": 1.0, "q": 0, "r": 1000.0, "s": true, "t": "yes", "u": null, "v": 12, "w": 6.02e23})
        );
    }

    #[test]
    fn anchors_and_merge_keys() {
        let v = json(
            "_csv: &csv\n  type: pandas.CSVDataset\n  load_args: {sep: ','}\n_b: &b {x: 1, type: B}\n\
             a:\n  <<: *csv\n  filepath: a.csv\nb:\n  <<: [*b, *csv]\n  x: 2\nc: *b\n",
        );
        assert_eq!(v["a"]["type"], "pandas.CSVDataset");
        assert_eq!(v["a"]["load_args"]["sep"], ",");
        assert_eq!(v["b"]["type"], "B");
        assert_eq!(v["b"]["x"], 2);
        assert_eq!(v["c"]["x"], 1);
    }

    #[test]
    fn duplicate_keys_and_bad_yaml_are_errors() {
        let e = parse("a: 1\nb: 2\na: 3\n", Path::new("x.yml")).unwrap_err();
        assert!(
            matches!(e, Error::DuplicateKey { first_line: 1, .. }),
            "{e}"
        );
        assert_eq!(e.location().unwrap().line, 3);
        let e = parse("a: [1, 2\nb: 3\n", Path::new("x.yml")).unwrap_err();
        assert!(matches!(e, Error::Yaml { .. }), "{e}");
        let e = parse("a: !custom 1\n", Path::new("x.yml")).unwrap_err();
        assert!(e.to_string().contains("constructor"), "{e}");
    }

    #[test]
    fn origins_point_at_keys() {
        let n = parse("a:\n  b: 1\n  c:\n    - x\n", Path::new("f.yml"))
            .unwrap()
            .unwrap();
        let a = n.as_map().unwrap()["a"].as_map().unwrap();
        assert_eq!((a["b"].origin.line, a["b"].origin.column), (2, 3));
        assert_eq!((a["c"].origin.line, a["c"].origin.column), (3, 3));
    }
}
