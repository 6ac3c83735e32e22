//! The emitter: block-style YAML in the layout ruamel.yaml produces as DVC configures it (2-space
//! indent, sequences not indented under their key, plain scalars where possible, single quotes
//! otherwise, folding near 80 columns).

use crate::schema::Schema;
use crate::value::{Value, python_float_repr};

/// Whether a string must be quoted so that YAML 1.1 *and* YAML 1.2 readers (ruamel, PyYAML, Kedro's
/// OmegaConf) read it back as the same string: anything that could resolve to null, a bool (`yes`, `on`,
/// `y`, ...), a number (`1_000`, `017`, `0x1f`, `1:30`, `.5`), a date or timestamp, or `=` / `<<`.
pub fn is_ambiguous(s: &str) -> bool {
    if Schema::Core.types_plain(s) {
        return true;
    }
    let lower = s.to_ascii_lowercase();
    if matches!(
        lower.as_str(),
        "y" | "n" | "yes" | "no" | "on" | "off" | "=" | "<<" | ".inf" | "-.inf" | "+.inf" | ".nan"
    ) {
        return true;
    }
    // ruamel's float pattern `[-+]?\.[0-9_]+` matches `._` too (its resolver then fails on it, but the
    // emitter quotes it).
    if let Some(rest) = s.strip_prefix(['-', '+']).unwrap_or(s).strip_prefix('.')
        && !rest.is_empty()
        && rest.bytes().all(|c| c.is_ascii_digit() || c == b'_')
    {
        return true;
    }
    // Dates and timestamps (the pattern ruamel and PyYAML share; `2024-01-01_run` stays plain).
    if crate::schema::is_timestamp(s) {
        return true;
    }
    // YAML 1.1 numbers: signs, digits, underscores, dots, exponents, sexagesimal colons, radix prefixes.
    let r = s.strip_prefix(['-', '+']).unwrap_or(s);
    let first_ok = r.starts_with(|c: char| c.is_ascii_digit() || c == '.');
    let has_digit = r.bytes().any(|c| c.is_ascii_digit());
    if first_ok
        && has_digit
        && r.bytes().all(|c| {
            c.is_ascii_digit() || matches!(c, b'_' | b'.' | b':' | b'e' | b'E' | b'+' | b'-')
        })
    {
        return true;
    }
    if let Some(rest) = r
        .strip_prefix("0x")
        .or_else(|| r.strip_prefix("0b"))
        .or_else(|| r.strip_prefix("0o"))
        && !rest.is_empty()
        && rest.bytes().all(|c| c.is_ascii_hexdigit() || c == b'_')
    {
        return true;
    }
    false
}

/// ruamel's default line width, which DVC keeps.
const BEST_WIDTH: usize = 80;

/// ruamel's `MAX_SIMPLE_KEY_LENGTH`: longer keys are written as explicit `? key` entries.
const MAX_SIMPLE_KEY_LENGTH: usize = 128;

/// ruamel's `check_simple_key` for the keys kdvc writes: shorter than [`MAX_SIMPLE_KEY_LENGTH`]
/// characters and on one line (collections as keys are written as their JSON text).
fn is_simple_key(k: &Value) -> bool {
    let text = match k {
        Value::Str(s) => std::borrow::Cow::Borrowed(s.as_str()),
        Value::Seq(_) | Value::Map(_) => std::borrow::Cow::Owned(k.to_json().to_string()),
        // Null, booleans and numbers are short and on one line.
        _ => return true,
    };
    text.chars().count() < MAX_SIMPLE_KEY_LENGTH && !text.chars().any(is_break)
}

struct Analysis {
    multiline: bool,
    allow_block_plain: bool,
    allow_single_quoted: bool,
}

fn is_break(c: char) -> bool {
    matches!(c, '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
}
fn is_ws_or_break(c: char) -> bool {
    matches!(
        c,
        '\0' | ' ' | '\t' | '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}'
    )
}

/// ruamel's `Emitter.analyze_scalar` for block context with `allow_unicode`.
fn analyze(s: &str) -> Analysis {
    let chars: Vec<char> = s.chars().collect();
    if chars.is_empty() {
        return Analysis {
            multiline: false,
            allow_block_plain: true,
            allow_single_quoted: true,
        };
    }
    let mut block_indicators = s.starts_with("---") || s.starts_with("...");
    let (mut line_breaks, mut special) = (false, false);
    let (mut leading_space, mut leading_break, mut trailing_space, mut trailing_break) =
        (false, false, false, false);
    let (mut break_space, mut space_break) = (false, false);
    let mut preceded_by_ws = true;
    let mut followed_by_ws = chars.len() == 1 || is_ws_or_break(chars[1]);
    let (mut prev_space, mut prev_break) = (false, false);
    let n = chars.len();
    for (i, &ch) in chars.iter().enumerate() {
        if i == 0 {
            if "#,[]{}&*!|>'\"%@`".contains(ch) {
                block_indicators = true;
            }
            if (ch == '?' || ch == ':' || ch == '-') && followed_by_ws {
                block_indicators = true;
            }
        } else {
            if ch == ':' && followed_by_ws {
                block_indicators = true;
            }
            if ch == '#' && preceded_by_ws {
                block_indicators = true;
            }
        }
        if is_break(ch) {
            line_breaks = true;
        }
        if !(ch == '\n' || (' '..='\x7e').contains(&ch)) {
            let unicode = (ch == '\u{85}'
                || ('\u{a0}'..='\u{d7ff}').contains(&ch)
                || ('\u{e000}'..='\u{fffd}').contains(&ch)
                || ('\u{10000}'..'\u{10ffff}').contains(&ch))
                && ch != '\u{feff}';
            if !unicode {
                special = true;
            }
        }
        let (first, last) = (i == 0, i == n - 1);
        if ch == ' ' {
            leading_space |= first;
            trailing_space |= last;
            break_space |= prev_break;
        } else if is_break(ch) {
            leading_break |= first;
            trailing_break |= last;
            space_break |= prev_space;
        }
        prev_space = ch == ' ';
        prev_break = is_break(ch);
        preceded_by_ws = is_ws_or_break(ch);
        followed_by_ws = i + 2 >= n || is_ws_or_break(chars[i + 2]);
    }
    let mut allow_block_plain = true;
    let mut allow_single_quoted = true;
    if leading_space || leading_break || trailing_space || trailing_break {
        allow_block_plain = false;
    }
    if break_space {
        allow_block_plain = false;
        allow_single_quoted = false;
    }
    if space_break || special {
        allow_block_plain = false;
        allow_single_quoted = false;
    }
    if line_breaks || block_indicators {
        allow_block_plain = false;
    }
    Analysis {
        multiline: line_breaks,
        allow_block_plain,
        allow_single_quoted,
    }
}

/// The emitter: writes block-style YAML with ruamel's layout.
pub(crate) struct Emitter {
    out: String,
    /// The column beyond which scalars are folded.
    width: usize,
    column: usize,
    indent: usize,
    whitespace: bool,
    indention: bool,
}

impl Emitter {
    pub(crate) fn new() -> Self {
        Self::with_width(BEST_WIDTH)
    }

    /// An emitter that folds scalars beyond `width` columns.
    pub(crate) fn with_width(width: usize) -> Self {
        Emitter {
            width,
            out: String::new(),
            column: 0,
            indent: 0,
            whitespace: true,
            indention: true,
        }
    }

    pub(crate) fn finish(mut self) -> String {
        if !self.out.ends_with('\n') {
            self.out.push('\n');
        }
        self.out
    }

    fn write(&mut self, s: &str) {
        self.out.push_str(s);
        self.column += s.chars().count();
    }

    fn line_break(&mut self) {
        self.out.push('\n');
        self.column = 0;
        self.whitespace = true;
        self.indention = true;
    }

    fn write_indent(&mut self) {
        let indent = self.indent;
        if !self.indention || self.column > indent || (self.column == indent && !self.whitespace) {
            self.line_break();
        }
        if self.column < indent {
            self.whitespace = true;
            let pad = " ".repeat(indent - self.column);
            self.out.push_str(&pad);
            self.column = indent;
        }
    }

    fn indicator(&mut self, ind: &str, need_ws: bool, whitespace: bool, indention: bool) {
        if !self.whitespace && need_ws {
            self.write(" ");
        }
        self.write(ind);
        self.whitespace = whitespace;
        self.indention = self.indention && indention;
    }

    /// Emits a whole document.
    pub(crate) fn document(&mut self, v: &Value) {
        match v {
            Value::Null => self.write("null"),
            _ => self.node(v, 0, false, false),
        }
        self.line_break();
    }

    /// `seq_item`: the node follows "- "; `map_value`: it follows "key:".
    fn node(&mut self, v: &Value, indent: usize, map_value: bool, seq_item: bool) {
        match v {
            Value::Map(m) if !m.is_empty() => {
                if map_value {
                    self.indent = indent + 2;
                    self.write_indent_newline();
                }
                self.mapping(m, if map_value { indent + 2 } else { indent }, seq_item);
            }
            Value::Seq(items) if !items.is_empty() => {
                if map_value {
                    // Sequences in a mapping are not indented (`key:\n- a`).
                    self.indent = indent;
                    self.write_indent_newline();
                }
                self.sequence(items, indent, seq_item);
            }
            Value::Map(_) => self.indicator("{}", true, false, false),
            Value::Seq(_) => self.indicator("[]", true, false, false),
            scalar => {
                self.indent = indent + 2;
                self.scalar(scalar, false);
            }
        }
    }

    fn write_indent_newline(&mut self) {
        self.line_break();
        let pad = " ".repeat(self.indent);
        self.out.push_str(&pad);
        self.column = self.indent;
    }

    fn mapping(&mut self, m: &[(Value, Value)], indent: usize, inline_first: bool) {
        for (i, (k, v)) in m.iter().enumerate() {
            self.indent = indent;
            if i > 0 || !inline_first {
                self.write_indent();
            }
            if is_simple_key(k) {
                self.scalar(k, true);
                self.indicator(":", false, false, false);
                self.node(v, indent, true, false);
            } else {
                // ruamel's explicit key: `? key` (written like a value, folded), then `: value`
                // on the next line at the mapping's indent.
                self.indicator("?", true, false, true);
                self.indent = indent + 2;
                self.scalar(k, false);
                self.indent = indent;
                self.write_indent();
                self.indicator(":", true, false, true);
                self.after_indicator(v, indent);
            }
        }
    }

    /// The node after a `- ` or an explicit key's `: ` at `indent`: a collection starts on the same
    /// line, indented by 2 (ruamel indents a sequence there, unlike under a simple key).
    fn after_indicator(&mut self, v: &Value, indent: usize) {
        match v {
            Value::Map(m) if !m.is_empty() => {
                self.write(" ");
                self.whitespace = true;
                self.mapping(m, indent + 2, true);
            }
            Value::Seq(s) if !s.is_empty() => {
                self.write(" ");
                self.whitespace = true;
                self.sequence(s, indent + 2, true);
            }
            other => self.node(other, indent, false, true),
        }
    }

    fn sequence(&mut self, items: &[Value], indent: usize, inline_first: bool) {
        for (i, v) in items.iter().enumerate() {
            self.indent = indent;
            if i > 0 || !inline_first {
                self.write_indent();
            }
            self.indicator("-", true, false, true);
            match v {
                // ruamel leaves "- " for a null item.
                Value::Null => self.write(" "),
                other => self.after_indicator(other, indent),
            }
        }
    }

    fn scalar(&mut self, v: &Value, simple_key: bool) {
        let text = match v {
            Value::Null => {
                if simple_key {
                    self.indicator("null", true, false, false);
                }
                return;
            }
            Value::Bool(b) => (if *b { "true" } else { "false" }).to_string(),
            Value::Int(i) => i.to_string(),
            Value::Float(f) => python_float_repr(*f),
            Value::Str(s) => {
                self.string(s, simple_key);
                return;
            }
            Value::Seq(_) | Value::Map(_) => {
                // Complex keys are not used by DVC files; write them as their JSON text.
                let s = v.to_json().to_string();
                self.string(&s, simple_key);
                return;
            }
        };
        self.plain(&text, !simple_key);
    }

    fn string(&mut self, s: &str, simple_key: bool) {
        let a = analyze(s);
        let plain_ok = !(s.is_empty()
            || is_ambiguous(s)
            || !a.allow_block_plain
            || (simple_key && a.multiline));
        if plain_ok {
            self.plain(s, !simple_key);
        } else if s.contains('\'') || s.contains('\n') {
            self.double_quoted(s, !simple_key);
        } else if a.allow_single_quoted && !(simple_key && a.multiline) {
            self.single_quoted(s, !simple_key);
        } else {
            self.double_quoted(s, !simple_key);
        }
    }

    fn plain(&mut self, text: &str, split: bool) {
        if text.is_empty() {
            return;
        }
        if !self.whitespace {
            self.write(" ");
        }
        self.whitespace = false;
        self.indention = false;
        let chars: Vec<char> = text.chars().collect();
        let (mut spaces, mut breaks) = (false, false);
        let (mut start, mut end) = (0usize, 0usize);
        while end <= chars.len() {
            let ch = chars.get(end).copied();
            if spaces {
                if ch != Some(' ') {
                    if start + 1 == end && self.column >= self.width && split {
                        self.write_indent();
                        self.whitespace = false;
                        self.indention = false;
                    } else {
                        let data: String = chars[start..end].iter().collect();
                        self.write(&data);
                    }
                    start = end;
                }
            } else if breaks {
                // Plain scalars never contain line breaks here (analysis forbids them).
                start = end;
            } else if ch.is_none_or(|c| c == ' ' || is_break(c)) {
                let data: String = chars[start..end].iter().collect();
                // ruamel: words longer than the line get a line of their own.
                // (Only after a single space: with more, the spaces before the break would be lost.)
                let single_space_before = start == 0
                    || (chars[start - 1] == ' ' && (start < 2 || chars[start - 2] != ' '));
                // Never in a simple key (`split` is off there): ruamel breaks the key's line there
                // too, and the key no longer reads back.
                if data.chars().count().saturating_add(self.column) > self.width
                    && self.column > self.indent
                    && single_space_before
                    && split
                {
                    self.write_indent();
                }
                self.write(&data);
                start = end;
            }
            if let Some(c) = ch {
                spaces = c == ' ';
                breaks = is_break(c);
            }
            end += 1;
        }
    }

    fn single_quoted(&mut self, text: &str, split: bool) {
        self.indicator("'", true, false, false);
        let chars: Vec<char> = text.chars().collect();
        let (mut spaces, mut breaks) = (false, false);
        let (mut start, mut end) = (0usize, 0usize);
        while end <= chars.len() {
            let ch = chars.get(end).copied();
            if spaces {
                if ch != Some(' ') {
                    if start + 1 == end
                        && self.column > self.width
                        && split
                        && start != 0
                        && end != chars.len()
                    {
                        self.write_indent();
                    } else {
                        let data: String = chars[start..end].iter().collect();
                        self.write(&data);
                    }
                    start = end;
                }
            } else if breaks {
                if ch.is_none_or(|c| !is_break(c)) {
                    if chars[start] == '\n' {
                        self.line_break();
                    }
                    for &br in &chars[start..end] {
                        if br == '\n' {
                            self.line_break();
                        } else {
                            self.out.push(br);
                            self.column = 0;
                            self.whitespace = true;
                            self.indention = true;
                        }
                    }
                    self.write_indent();
                    start = end;
                }
            } else if ch.is_none_or(|c| c == ' ' || is_break(c) || c == '\'') && start < end {
                let data: String = chars[start..end].iter().collect();
                self.write(&data);
                start = end;
            }
            if ch == Some('\'') {
                self.write("''");
                start = end + 1;
            }
            if let Some(c) = ch {
                spaces = c == ' ';
                breaks = is_break(c);
            }
            end += 1;
        }
        self.indicator("'", false, false, false);
    }

    fn double_quoted(&mut self, text: &str, split: bool) {
        self.indicator("\"", true, false, false);
        let chars: Vec<char> = text.chars().collect();
        let (mut start, mut end) = (0usize, 0usize);
        while end <= chars.len() {
            let ch = chars.get(end).copied();
            let needs_escape = ch.is_none_or(|c| {
                "\"\\\u{85}\u{2028}\u{2029}\u{feff}".contains(c)
                    || !((' '..='\x7e').contains(&c)
                        || ('\u{a0}'..='\u{d7ff}').contains(&c)
                        || ('\u{e000}'..='\u{fffd}').contains(&c)
                        || ('\u{10000}'..='\u{10ffff}').contains(&c))
            });
            if needs_escape {
                if start < end {
                    let data: String = chars[start..end].iter().collect();
                    self.write(&data);
                    start = end;
                }
                if let Some(c) = ch {
                    let data = match c {
                        '\0' => "\\0".to_string(),
                        '\x07' => "\\a".into(),
                        '\x08' => "\\b".into(),
                        '\t' => "\\t".into(),
                        '\n' => "\\n".into(),
                        '\x0b' => "\\v".into(),
                        '\x0c' => "\\f".into(),
                        '\r' => "\\r".into(),
                        '\x1b' => "\\e".into(),
                        '"' => "\\\"".into(),
                        '\\' => "\\\\".into(),
                        '\u{85}' => "\\N".into(),
                        '\u{a0}' => "\\_".into(),
                        '\u{2028}' => "\\L".into(),
                        '\u{2029}' => "\\P".into(),
                        c if (c as u32) <= 0xff => format!("\\x{:02X}", c as u32),
                        c if (c as u32) <= 0xffff => format!("\\u{:04X}", c as u32),
                        c => format!("\\U{:08X}", c as u32),
                    };
                    self.write(&data);
                    start = end + 1;
                }
            }
            if end > 0
                && end + 1 < chars.len()
                && (ch == Some(' ') || start >= end)
                && (self.column + end).saturating_sub(start) > self.width
                && split
            {
                // ruamel sometimes drops the backslash where the line break would then read as an
                // extra space (a fold not at a space); keep it there so the value survives.
                let fold_at = if start < end { end } else { start };
                let need_backslash = double_quoted_needs_backslash(&chars, start, end)
                    || chars.get(fold_at) != Some(&' ');
                let mut data: String = chars[start.min(end)..end].iter().collect();
                if need_backslash {
                    data.push('\\');
                }
                if start < end {
                    start = end;
                }
                self.write(&data);
                self.write_indent();
                self.whitespace = false;
                self.indention = false;
                if chars.get(start) == Some(&' ') {
                    if !need_backslash {
                        start += 1;
                    }
                    if need_backslash {
                        self.write("\\");
                    }
                }
            }
            end += 1;
        }
        self.indicator("\"", false, false, false);
    }
}

/// ruamel's decision whether a folded double-quoted line needs a trailing backslash.
fn double_quoted_needs_backslash(text: &[char], start: usize, end: usize) -> bool {
    if text.len() <= end {
        return true;
    }
    let Some(mut space_pos) = text[end..].iter().position(|&c| c == ' ').map(|p| p + end) else {
        return true;
    };
    if let Some(p) = text[end..space_pos].iter().position(|&c| c == '\n') {
        space_pos = p + end;
    }
    let Some(&next) = text.get(space_pos + 1) else {
        return true;
    };
    if text[space_pos] == '\n' && next != ' ' {
        return true;
    }
    let seg = &text[end..space_pos];
    let double_space = end >= 1 && text[end - 1] == ' ' && text[end] == ' ';
    seg.contains(&'"')
        || seg.contains(&'\'')
        || next == ' '
        || next == '\n'
        || double_space
        || start == end
}

/// Writes a string as one YAML scalar the way the emitter writes a mapping value, but never folded:
/// plain when it reads back as the same string under YAML 1.1 and 1.2, else single-quoted, else
/// double-quoted (line breaks, control characters). For files written line by line.
pub fn inline_scalar(s: &str) -> String {
    let mut e = Emitter::with_width(usize::MAX);
    e.string(s, false);
    e.out
}

/// [`to_yaml_string`] without folding long scalars (for blocks kdvc splices into files line by line).
pub fn to_yaml_string_unfolded(v: &Value) -> String {
    let mut e = Emitter::with_width(usize::MAX);
    e.document(v);
    e.finish()
}

/// Serialises a value as a YAML document with DVC's (ruamel's) layout.
pub fn to_yaml_string(v: &Value) -> String {
    let mut e = Emitter::new();
    e.document(v);
    e.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_core(text: &str) -> Value {
        let node = crate::parse(text, &crate::Options::dvc()).unwrap().unwrap();
        Value::from_core_node(&node)
    }

    #[test]
    fn ambiguous_strings_are_quoted() {
        for s in [
            "yes",
            "on",
            "y",
            "N",
            "1_000",
            "017",
            "0x1f",
            "1:30",
            ".5",
            "1e3",
            "2024-01-01",
            "null",
            "~",
            "",
            "true",
            "1.0",
            "=",
            "<<",
            "-1",
            "+1",
        ] {
            let y = to_yaml_string(&Value::map([("k", Value::from(s))]));
            assert!(y.contains('\''), "{s:?} -> {y}");
            assert_eq!(parse_core(&y).get("k"), Some(&Value::from(s)));
        }
        for s in ["abc", "a b", "path/to/file.csv", "-dash", "a:b", "ünï"] {
            let y = to_yaml_string(&Value::map([("k", Value::from(s))]));
            assert_eq!(y, format!("k: {s}\n"));
        }
    }

    #[test]
    fn layout() {
        let v = Value::map([
            ("schema", Value::from("2.0")),
            (
                "stages",
                Value::map([(
                    "s",
                    Value::map([
                        ("cmd", Value::from("echo")),
                        (
                            "deps",
                            Value::Seq(vec![Value::map([
                                ("path", Value::from("a")),
                                ("size", Value::Int(3)),
                            ])]),
                        ),
                        (
                            "params",
                            Value::map([("p.yaml", Value::map([("x", Value::Null)]))]),
                        ),
                    ]),
                )]),
            ),
        ]);
        assert_eq!(
            to_yaml_string(&v),
            "schema: '2.0'\nstages:\n  s:\n    cmd: echo\n    deps:\n    - path: a\n      size: 3\n    params:\n      p.yaml:\n        x:\n"
        );
    }

    #[test]
    fn long_and_multiline_keys_are_explicit_as_ruamel_writes_them() {
        // Expected texts: DVC's `dumps_yaml` (ruamel 0.18) on the same data.
        let long = "k".repeat(130);
        let v = Value::map([
            (
                "top",
                Value::map([
                    (
                        long.as_str(),
                        Value::map([
                            ("a", Value::Int(1)),
                            ("b", Value::Seq(vec![Value::Int(1), Value::Int(2)])),
                        ]),
                    ),
                    (
                        "m\nl",
                        Value::Seq(vec![Value::Int(1), Value::map([("x", Value::Null)])]),
                    ),
                    ("n\nn", Value::Null),
                    ("e\ne", Value::Map(vec![])),
                    ("f\nf", Value::Seq(vec![])),
                    ("s\ns", Value::from("v w")),
                    (
                        "z\nz",
                        Value::Seq(vec![Value::Seq(vec![Value::Int(1), Value::Int(2)])]),
                    ),
                ]),
            ),
            (
                "seq",
                Value::Seq(vec![
                    Value::map([(long.as_str(), Value::Int(1)), ("x", Value::Int(2))]),
                    Value::map([(
                        "a\nb",
                        Value::map([("c", Value::map([("d\ne", Value::Int(1))]))]),
                    )]),
                ]),
            ),
            (
                "t",
                Value::Seq(vec![
                    Value::Null,
                    Value::map([("q\nr", Value::from("s\nt"))]),
                ]),
            ),
        ]);
        let k = &long;
        let expected = format!(
            "top:\n  ? {k}\n  : a: 1\n    b:\n    - 1\n    - 2\n  ? \"m\\nl\"\n  : - 1\n    - x:\n  ? \"n\\nn\"\n  :\n  ? \"e\\ne\"\n  : {{}}\n  ? \"f\\nf\"\n  : []\n  ? \"s\\ns\"\n  : v w\n  ? \"z\\nz\"\n  : - - 1\n      - 2\nseq:\n- ? {k}\n  : 1\n  x: 2\n- ? \"a\\nb\"\n  : c:\n      ? \"d\\ne\"\n      : 1\nt:\n- \n- ? \"q\\nr\"\n  : \"s\\nt\"\n"
        );
        assert_eq!(to_yaml_string(&v), expected);
        assert_eq!(parse_core(&expected), v);

        let v = Value::map([
            ("a: b\nc", Value::Int(1)),
            ("x #y", Value::Int(2)),
            ("a\tb", Value::Int(3)),
            ("- a", Value::Int(6)),
            ("a\x02", Value::Int(7)),
        ]);
        let expected = "? \"a: b\\nc\"\n: 1\n'x #y': 2\n\"a\\tb\": 3\n'- a': 6\n\"a\\x02\": 7\n";
        assert_eq!(to_yaml_string(&v), expected);
        assert_eq!(parse_core(expected), v);
    }

    #[test]
    fn a_long_key_with_spaces_reads_back() {
        // Found by fuzzing: a 134-character plain key with a space was folded as a simple key. ruamel
        // writes it as an explicit key, folded there.
        let key = format!("ab :${{prod_{}ustampb'vb'v", "(".repeat(111));
        let v = Value::map([(key.as_str(), Value::from("${a}"))]);
        let expected = format!("? ab \n  :{}\n: ${{a}}\n", &key[4..]);
        assert_eq!(to_yaml_string(&v), expected);
        assert_eq!(parse_core(&expected), v);
        // Under 128 characters the key stays simple and is never folded (ruamel would break its line
        // and write YAML that does not read back); the value moves to the next line.
        let key = format!("ab {}", "x".repeat(100));
        let v = Value::map([(key.as_str(), Value::Int(1))]);
        let text = to_yaml_string(&v);
        assert_eq!(text, format!("{key}: \n  1\n"));
        assert_eq!(parse_core(&text), v);
    }

    #[test]
    fn only_real_timestamps_are_quoted_as_dates() {
        // As DVC's `dumps_yaml` writes them (ruamel 0.18).
        for (s, dvc) in [
            ("2024-01-01_x", "k: 2024-01-01_x\n"),
            ("20240101x", "k: 20240101x\n"),
            ("2024-01-01", "k: '2024-01-01'\n"),
            ("2024-01-01 10:00:00", "k: '2024-01-01 10:00:00'\n"),
            ("2024-1-1 1:00:00", "k: '2024-1-1 1:00:00'\n"),
            ("2024-01-01T10:00:00Z", "k: '2024-01-01T10:00:00Z'\n"),
            ("._", "k: '._'\n"),
            ("._x", "k: ._x\n"),
            ("-._", "k: '-._'\n"),
        ] {
            assert_eq!(to_yaml_string(&Value::map([("k", Value::from(s))])), dvc);
        }
    }

    #[test]
    fn inline_scalars_read_back_as_the_same_string() {
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
            &"long words ".repeat(20),
        ] {
            let text = format!("k: {}\n", inline_scalar(s));
            assert_eq!(text.lines().count(), 1, "{text}");
            for options in [crate::Options::kedro(), crate::Options::dvc()] {
                let root = crate::parse(&text, &options).unwrap().unwrap();
                let v = Value::from_node(root.get("k").unwrap(), options.schema).unwrap();
                assert_eq!(v, Value::from(s), "{text}");
            }
        }
        assert_eq!(inline_scalar("-x"), "-x");
        assert_eq!(inline_scalar("yes"), "'yes'");
        assert_eq!(inline_scalar("it's: x"), "\"it's: x\"");
    }
}
