//! A small YAML layer over `saphyr-parser`: a tree whose nodes keep their byte spans and scalar styles
//! (needed to splice files without touching what kdvc does not own), DVC-style scalar quoting for the
//! files kdvc writes, and the checks for values DVC cannot track (dates).

use std::collections::HashMap;

use saphyr_parser::{Event, Parser, ScalarStyle, Span};

/// A parsed YAML node with its position in the source text.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum YNode {
    /// A scalar with its (unresolved) text and style.
    Scalar {
        /// The scalar's text after unescaping, before type resolution.
        value: String,
        /// Plain, quoted or block.
        style: ScalarStyle,
        /// Whether an explicit tag was given (`!!str x`).
        tagged: bool,
        /// Where it is.
        pos: Pos,
    },
    /// A sequence.
    Seq {
        /// Items in order.
        items: Vec<YNode>,
        /// Where it starts.
        pos: Pos,
        /// Whether it is written in flow style (`[a, b]`).
        flow: bool,
    },
    /// A mapping.
    Map {
        /// Entries in order.
        entries: Vec<(YNode, YNode)>,
        /// Where it starts.
        pos: Pos,
        /// Whether it is written in flow style (`{a: b}`).
        flow: bool,
    },
}

/// A position: byte range in the source and 1-based line / column of the start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Pos {
    /// Byte offset of the start.
    pub start: usize,
    /// Byte offset one past the end (meaningful for scalars).
    pub end: usize,
    /// 1-based line.
    pub line: usize,
    /// 1-based column (characters).
    pub col: usize,
}

/// A YAML syntax error with its position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct YamlError {
    /// What the parser said.
    pub message: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub col: usize,
}

impl YNode {
    /// The node's position.
    pub(crate) fn pos(&self) -> Pos {
        match self {
            YNode::Scalar { pos, .. } | YNode::Seq { pos, .. } | YNode::Map { pos, .. } => *pos,
        }
    }

    /// The scalar text, if this is a scalar.
    pub(crate) fn as_str(&self) -> Option<&str> {
        match self {
            YNode::Scalar { value, .. } => Some(value),
            _ => None,
        }
    }

    /// The value of key `key` in a mapping.
    pub(crate) fn get(&self, key: &str) -> Option<&YNode> {
        match self {
            YNode::Map { entries, .. } => entries
                .iter()
                .find(|(k, _)| k.as_str() == Some(key))
                .map(|(_, v)| v),
            _ => None,
        }
    }

    /// Whether this is a null scalar (YAML 1.2 core schema: `~`, `null`, empty plain).
    pub(crate) fn is_null(&self) -> bool {
        matches!(self, YNode::Scalar { value, style: ScalarStyle::Plain, tagged: false, .. }
            if matches!(value.as_str(), "" | "~" | "null" | "Null" | "NULL"))
    }

    /// Follows a path of mapping keys; a segment that parses as an integer also indexes sequences.
    pub(crate) fn lookup(&self, path: &[String]) -> Option<&YNode> {
        let mut cur = self;
        for seg in path {
            cur = match cur {
                YNode::Map { .. } => cur.get(seg)?,
                YNode::Seq { items, .. } => items.get(seg.parse::<usize>().ok()?)?,
                YNode::Scalar { .. } => return None,
            };
        }
        Some(cur)
    }

    /// Whether this node or anything below it is a plain scalar that a YAML 1.2 loader with timestamp
    /// support (ruamel, which DVC uses) turns into a date or datetime.
    pub(crate) fn contains_timestamp(&self) -> bool {
        match self {
            YNode::Scalar {
                value,
                style,
                tagged,
                ..
            } => {
                (*style == ScalarStyle::Plain && !*tagged && is_yaml_timestamp(value))
                    || (*tagged && is_yaml_timestamp(value))
            }
            YNode::Seq { items, .. } => items.iter().any(YNode::contains_timestamp),
            YNode::Map { entries, .. } => entries
                .iter()
                .any(|(k, v)| k.contains_timestamp() || v.contains_timestamp()),
        }
    }

    /// A canonical JSON-like value for comparisons in tests and checks (YAML 1.2 core schema).
    pub(crate) fn to_value(&self) -> serde_json::Value {
        match self {
            YNode::Scalar {
                value,
                style,
                tagged,
                ..
            } => {
                if *style != ScalarStyle::Plain || *tagged {
                    return serde_json::Value::String(value.clone());
                }
                resolve_plain(value)
            }
            YNode::Seq { items, .. } => {
                serde_json::Value::Array(items.iter().map(YNode::to_value).collect())
            }
            YNode::Map { entries, .. } => serde_json::Value::Object(
                entries
                    .iter()
                    .map(|(k, v)| (k.as_str().unwrap_or_default().to_string(), v.to_value()))
                    .collect(),
            ),
        }
    }
}

/// Resolves a plain scalar with the YAML 1.2 core schema.
pub(crate) fn resolve_plain(value: &str) -> serde_json::Value {
    match value {
        "" | "~" | "null" | "Null" | "NULL" => return serde_json::Value::Null,
        "true" | "True" | "TRUE" => return serde_json::Value::Bool(true),
        "false" | "False" | "FALSE" => return serde_json::Value::Bool(false),
        _ => {}
    }
    if let Ok(i) = value.parse::<i64>() {
        return serde_json::Value::from(i);
    }
    let looks_float = value
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+' | '-'))
        && value.chars().any(|c| c.is_ascii_digit());
    if looks_float && let Ok(f) = value.parse::<f64>() {
        return serde_json::Value::from(f);
    }
    serde_json::Value::String(value.to_string())
}

/// Whether a plain scalar matches the YAML timestamp regexp (`2024-01-01`, `2024-1-1 10:00:00`, ...).
pub(crate) fn is_yaml_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |from: usize, min: usize, max: usize| -> Option<usize> {
        let mut n = 0;
        while from + n < b.len() && n < max && b[from + n].is_ascii_digit() {
            n += 1;
        }
        (n >= min).then_some(from + n)
    };
    // Date only: exactly YYYY-MM-DD.
    if b.len() == 10
        && digits(0, 4, 4) == Some(4)
        && b[4] == b'-'
        && digits(5, 2, 2) == Some(7)
        && b[7] == b'-'
        && digits(8, 2, 2) == Some(10)
    {
        return true;
    }
    // Full timestamp: YYYY-M-D(T|t|[ \t]+)H:MM:SS(.f)?([ \t]*(Z|[-+]H(:MM)?))?
    let Some(mut i) = digits(0, 4, 4) else {
        return false;
    };
    if b.get(i) != Some(&b'-') {
        return false;
    }
    let Some(j) = digits(i + 1, 1, 2) else {
        return false;
    };
    if b.get(j) != Some(&b'-') {
        return false;
    }
    let Some(j) = digits(j + 1, 1, 2) else {
        return false;
    };
    i = j;
    match b.get(i) {
        Some(b'T' | b't') => i += 1,
        Some(b' ' | b'\t') => {
            while matches!(b.get(i), Some(b' ' | b'\t')) {
                i += 1;
            }
        }
        _ => return false,
    }
    let Some(j) = digits(i, 1, 2) else {
        return false;
    };
    if b.get(j) != Some(&b':') {
        return false;
    }
    let Some(j) = digits(j + 1, 2, 2) else {
        return false;
    };
    if b.get(j) != Some(&b':') {
        return false;
    }
    let Some(mut i) = digits(j + 1, 2, 2) else {
        return false;
    };
    if b.get(i) == Some(&b'.') {
        i += 1;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
    }
    if i == b.len() {
        return true;
    }
    while matches!(b.get(i), Some(b' ' | b'\t')) {
        i += 1;
    }
    match b.get(i) {
        Some(b'Z') => i + 1 == b.len(),
        Some(b'+' | b'-') => {
            let Some(j) = digits(i + 1, 1, 2) else {
                return false;
            };
            if j == b.len() {
                return true;
            }
            b.get(j) == Some(&b':') && digits(j + 1, 2, 2) == Some(b.len())
        }
        _ => false,
    }
}

/// Converts character indices (what saphyr reports) into byte offsets.
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
            .unwrap_or_else(|| *self.offsets.last().unwrap_or(&0))
    }
}

/// Parses the first document of `text`. An empty document gives `None`.
pub(crate) fn parse(text: &str) -> Result<Option<YNode>, YamlError> {
    let idx = CharIndex::new(text);
    let mut parser = Parser::new_from_str(text);
    let mut stack: Vec<Builder> = Vec::new();
    let mut anchors: HashMap<usize, YNode> = HashMap::new();
    let mut root: Option<YNode> = None;
    let pos_of = |span: &Span| Pos {
        start: idx.byte(span.start.index()),
        end: idx.byte(span.end.index()),
        line: span.start.line(),
        col: span.start.col() + 1,
    };
    while let Some(ev) = parser.next_event() {
        let (ev, span) = ev.map_err(|e| YamlError {
            message: e.info().to_string(),
            line: e.marker().line(),
            col: e.marker().col() + 1,
        })?;
        let done: Option<(YNode, usize)> = match ev {
            Event::StreamEnd | Event::DocumentEnd => {
                if root.is_some() || matches!(ev, Event::StreamEnd) {
                    break;
                }
                None
            }
            Event::Nothing | Event::StreamStart | Event::DocumentStart(_) => None,
            Event::Alias(id) => {
                let node = anchors.get(&id).cloned().ok_or_else(|| YamlError {
                    message: format!("unknown alias {id}"),
                    line: span.start.line(),
                    col: span.start.col() + 1,
                })?;
                Some((node, 0))
            }
            Event::Scalar(value, style, anchor, tag) => Some((
                YNode::Scalar {
                    value: value.into_owned(),
                    style,
                    tagged: tag.is_some(),
                    pos: pos_of(&span),
                },
                anchor,
            )),
            Event::SequenceStart(anchor, _) => {
                let flow = text[idx.byte(span.start.index())..].starts_with('[');
                stack.push(Builder::Seq(Vec::new(), pos_of(&span), anchor, flow));
                None
            }
            Event::MappingStart(anchor, _) => {
                let flow = text[idx.byte(span.start.index())..].starts_with('{');
                stack.push(Builder::Map(Vec::new(), None, pos_of(&span), anchor, flow));
                None
            }
            Event::SequenceEnd | Event::MappingEnd => match stack.pop() {
                Some(Builder::Seq(items, pos, anchor, flow)) => {
                    Some((YNode::Seq { items, pos, flow }, anchor))
                }
                Some(Builder::Map(entries, _, pos, anchor, flow)) => {
                    Some((YNode::Map { entries, pos, flow }, anchor))
                }
                None => None,
            },
        };
        if let Some((node, anchor)) = done {
            if anchor != 0 {
                anchors.insert(anchor, node.clone());
            }
            match stack.last_mut() {
                Some(Builder::Seq(items, ..)) => items.push(node),
                Some(Builder::Map(entries, pending, ..)) => match pending.take() {
                    Some(k) => entries.push((k, node)),
                    None => *pending = Some(node),
                },
                None => root = Some(node),
            }
        }
    }
    Ok(root)
}

enum Builder {
    Seq(Vec<YNode>, Pos, usize, bool),
    Map(Vec<(YNode, YNode)>, Option<YNode>, Pos, usize, bool),
}

/// Renders a string as a YAML scalar the way kdvc writes its files: plain when that reads back as the
/// same string under both YAML 1.1 and 1.2, else single-quoted, else double-quoted (control characters).
pub(crate) fn scalar(s: &str) -> String {
    if is_plain_safe(s) {
        return s.to_string();
    }
    if s.chars().all(|c| !c.is_control()) {
        return format!("'{}'", s.replace('\'', "''"));
    }
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Whether `s` can be written as a plain scalar and reads back as the same string (YAML 1.1 and 1.2).
pub(crate) fn is_plain_safe(s: &str) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    if first.is_whitespace() || s.ends_with(char::is_whitespace) {
        return false;
    }
    if "-?:,[]{}#&*!|>'\"%@`".contains(first) {
        // `-x` / `./x` are fine only when followed by a non-space; keep it simple and quote, except
        // for a leading `-` followed by a letter, which is common in arguments.
        if !(first == '-' && s.len() > 1 && !s[1..].starts_with([' ', '-'])) {
            return false;
        }
    }
    if s.contains(": ") || s.contains(" #") || s.ends_with(':') || s.contains('\t') {
        return false;
    }
    if s.chars().any(|c| c.is_control() || c == '\u{feff}') {
        return false;
    }
    // Anything a YAML 1.1 or 1.2 resolver would type (bool, null, number, date).
    let lower = s.to_ascii_lowercase();
    if matches!(
        lower.as_str(),
        "y" | "n"
            | "yes"
            | "no"
            | "on"
            | "off"
            | "true"
            | "false"
            | "null"
            | "~"
            | ".nan"
            | ".inf"
            | "-.inf"
            | "+.inf"
    ) {
        return false;
    }
    if !matches!(resolve_plain(s), serde_json::Value::String(_)) || is_yaml_timestamp(s) {
        return false;
    }
    // YAML 1.1 numbers: 0x.., 0o.., 0b.., 1_000, 1:30 (sexagesimal), .5, +1, 1e3.
    let unsigned = s.strip_prefix(['+', '-']).unwrap_or(s);
    let starts_numeric = unsigned.starts_with(|c: char| c.is_ascii_digit())
        || (unsigned.starts_with('.') && unsigned[1..].starts_with(|c: char| c.is_ascii_digit()));
    if starts_numeric
        && unsigned.chars().all(|c| {
            c.is_ascii_hexdigit()
                || matches!(c, '.' | '_' | ':' | '+' | '-' | 'x' | 'o' | 'X' | 'O')
        })
    {
        return false;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps() {
        for s in [
            "2024-01-01",
            "2024-1-1 10:00:00",
            "2024-01-01T10:00:00Z",
            "2001-12-14 21:59:43.10 -5",
        ] {
            assert!(is_yaml_timestamp(s), "{s}");
        }
        for s in [
            "2024-1-1",
            "2024-01-01x",
            "20240101",
            "hello",
            "2024-01-01 10:00",
        ] {
            assert!(!is_yaml_timestamp(s), "{s}");
        }
    }

    #[test]
    fn spans_are_bytes() {
        let text = "é: 1\nkey:\n  sub: 'quoted'\n  list: [a, 2024-01-01]\n";
        let root = parse(text).unwrap().unwrap();
        let sub = root.lookup(&["key".into(), "sub".into()]).unwrap();
        let p = sub.pos();
        assert_eq!(&text[p.start..p.end], "'quoted'");
        assert_eq!((p.line, p.col), (3, 8));
        assert!(root.get("key").unwrap().contains_timestamp());
        assert!(!root.get("é").unwrap().contains_timestamp());
    }

    #[test]
    fn scalar_quoting_round_trips() {
        for s in [
            "plain",
            "a b",
            "yes",
            "1.0",
            "0x1F",
            "2024-01-01",
            "a: b",
            "x #y",
            "'q'",
            "-x",
            "- x",
            "",
            "kedro run --nodes='a,b'",
            "tab\there",
            "null",
            "line\nbreak",
            "{a}",
            "[x]",
            "1:30",
        ] {
            let text = format!("k: {}\n", scalar(s));
            let root = parse(&text).unwrap().unwrap();
            let v = root.get("k").unwrap();
            assert_eq!(v.as_str(), Some(s), "{text}");
            assert_eq!(v.to_value(), serde_json::Value::String(s.into()), "{text}");
        }
    }
}
