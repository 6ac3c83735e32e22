//! Python string literals: prefixes, delimiters and escapes, decoded as Python does.

use tree_sitter::Node;

use crate::grammar::kinds;

/// What the prefix and delimiters of one string literal say.
#[derive(Debug, Clone, Copy)]
pub struct StringInfo {
    /// Raw (`r` prefix): escapes stay as written.
    pub raw: bool,
    /// Bytes (`b` prefix).
    pub bytes: bool,
    /// f-string (`f` prefix).
    pub f: bool,
    /// Template string (`t` prefix).
    pub t: bool,
    /// Byte offset where the content starts (after prefix and opening quotes).
    pub content_start: usize,
    /// Length of the closing delimiter (1 or 3).
    pub delim_len: usize,
}

/// Reads the prefix and the delimiters of a `string` node of `src`.
pub fn string_info(src: &[u8], s: Node<'_>) -> StringInfo {
    let k = kinds();
    let mut c = s.walk();
    let start = s
        .children(&mut c)
        .find(|ch| ch.kind_id() == k.string_start)
        .map(|st| (st.start_byte(), st.end_byte()));
    StringInfo::from_start_token(src, s.start_byte(), start)
}

impl StringInfo {
    /// String information from the string's start byte and its `string_start` token's byte range (the prefix
    /// letters and the opening quotes; `None` reads as a plain one-quote string starting at `string_start`).
    pub fn from_start_token(
        src: &[u8],
        string_start: usize,
        start: Option<(usize, usize)>,
    ) -> Self {
        let mut info = Self {
            raw: false,
            bytes: false,
            f: false,
            t: false,
            content_start: string_start,
            delim_len: 1,
        };
        let Some((from, to)) = start else {
            return info;
        };
        let text = &src[from.min(src.len())..to.min(src.len())];
        let mut quotes = 0;
        for &b in text {
            match b.to_ascii_lowercase() {
                b'r' => info.raw = true,
                b'b' => info.bytes = true,
                b'f' => info.f = true,
                b't' => info.t = true,
                b'"' | b'\'' => quotes += 1,
                _ => {}
            }
        }
        info.delim_len = if quotes >= 3 { 3 } else { 1 };
        info.content_start = to;
        info
    }
}

/// The value of the literal text of (a part of) a string (a `string_content` node, say) as text: `None` when
/// it is not valid UTF-8 (a bytes escape, a lone surrogate, or a `\N{...}` escape, which is not decoded).
pub fn decode_text(text: &str, info: &StringInfo) -> Option<String> {
    let mut out = Vec::with_capacity(text.len());
    decode_literal(text.as_bytes(), info, &mut out);
    String::from_utf8(out).ok()
}

/// Decodes the literal text of (a part of) a string into its value bytes, appending to `out`.
///
/// Line endings become `\n` (Python reads sources with universal newlines). f/t-strings turn `{{`/`}}` into
/// braces. Non-raw strings decode their escapes; lone surrogates (`\ud800`) and values that are not valid
/// UTF-8 are encoded with a `0xFF` marker byte, which UTF-8 never contains, so the encoding stays injective.
pub fn decode_literal(text: &[u8], info: &StringInfo, out: &mut Vec<u8>) {
    let mut i = 0;
    let n = text.len();
    while i < n {
        let b = text[i];
        if b == b'\r' {
            out.push(b'\n');
            i += if i + 1 < n && text[i + 1] == b'\n' {
                2
            } else {
                1
            };
            continue;
        }
        if (info.f || info.t) && (b == b'{' || b == b'}') && i + 1 < n && text[i + 1] == b {
            out.push(b);
            i += 2;
            continue;
        }
        if b != b'\\' || info.raw || i + 1 >= n {
            out.push(b);
            i += 1;
            continue;
        }
        let e = text[i + 1];
        i += 2;
        match e {
            b'\n' => {}
            b'\r' => {
                if i < n && text[i] == b'\n' {
                    i += 1;
                }
            }
            b'\\' => out.push(b'\\'),
            b'\'' => out.push(b'\''),
            b'"' => out.push(b'"'),
            b'a' => out.push(7),
            b'b' => out.push(8),
            b'f' => out.push(12),
            b'n' => out.push(b'\n'),
            b'r' => out.push(b'\r'),
            b't' => out.push(b'\t'),
            b'v' => out.push(11),
            b'0'..=b'7' => {
                let mut v: u32 = u32::from(e - b'0');
                let mut k = 0;
                while k < 2 && i < n && (b'0'..=b'7').contains(&text[i]) {
                    v = v * 8 + u32::from(text[i] - b'0');
                    i += 1;
                    k += 1;
                }
                push_value(v, info.bytes, out);
            }
            b'x' => match hex_digits(text, i, 2) {
                Some(v) => {
                    i += 2;
                    push_value(v, info.bytes, out);
                }
                None => out.extend_from_slice(b"\\x"),
            },
            b'u' | b'U' if !info.bytes => {
                let len = if e == b'u' { 4 } else { 8 };
                match hex_digits(text, i, len) {
                    Some(v) => {
                        i += len;
                        push_value(v, false, out);
                    }
                    None => {
                        out.push(b'\\');
                        out.push(e);
                    }
                }
            }
            b'N' if !info.bytes && i < n && text[i] == b'{' => {
                // \N{NAME}: names are case-insensitive; no name table here, so keep the upper-cased name.
                let close = text[i..].iter().position(|&c| c == b'}').map(|p| i + p);
                match close {
                    Some(end) => {
                        out.extend_from_slice(&[0xFF, b'N']);
                        out.extend(text[i + 1..end].iter().map(u8::to_ascii_uppercase));
                        out.push(0xFF);
                        i = end + 1;
                    }
                    None => out.extend_from_slice(b"\\N"),
                }
            }
            other => {
                out.push(b'\\');
                out.push(other);
            }
        }
    }
}

fn hex_digits(text: &[u8], at: usize, len: usize) -> Option<u32> {
    let s = text.get(at..at + len)?;
    let s = std::str::from_utf8(s).ok()?;
    if !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    u32::from_str_radix(s, 16).ok()
}

fn push_value(v: u32, bytes: bool, out: &mut Vec<u8>) {
    if bytes {
        out.push((v & 0xFF) as u8);
        return;
    }
    match char::from_u32(v) {
        Some(ch) => {
            let mut buf = [0u8; 4];
            out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
        }
        None => {
            out.push(0xFF);
            out.extend_from_slice(&v.to_le_bytes());
        }
    }
}

/// The value of a plain string literal (or implicit concatenation of them) without interpolations, if it is
/// valid UTF-8 text. Used for `__all__`, `importlib.import_module("...")` and `getattr(m, "...")`.
pub fn literal_string(src: &[u8], node: Node<'_>) -> Option<String> {
    let k = kinds();
    let parts: Vec<Node<'_>> = if node.kind_id() == k.string {
        vec![node]
    } else if node.kind_id() == k.concatenated_string {
        let mut c = node.walk();
        node.named_children(&mut c)
            .filter(|n| n.kind_id() != k.comment)
            .collect()
    } else {
        return None;
    };
    let mut out = Vec::new();
    for p in parts {
        if p.kind_id() != k.string {
            return None;
        }
        let info = string_info(src, p);
        if info.bytes || info.t {
            return None;
        }
        let mut c = p.walk();
        if p.children(&mut c).any(|ch| ch.kind_id() == k.interpolation) {
            return None;
        }
        let end = p
            .end_byte()
            .saturating_sub(info.delim_len)
            .max(info.content_start);
        decode_literal(&src[info.content_start.min(end)..end], &info, &mut out);
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(prefix: &str) -> StringInfo {
        let src = format!("{prefix}'");
        StringInfo::from_start_token(src.as_bytes(), 0, Some((0, src.len())))
    }

    #[test]
    fn escapes_decode_as_python_does() {
        let plain = info("");
        assert_eq!(
            decode_text(r"a\x41\101\0\n\u00e9\\", &plain).as_deref(),
            Some("aAA\0\n\u{e9}\\")
        );
        assert_eq!(
            decode_text("line\\\r\nnext\r\n", &plain).as_deref(),
            Some("linenext\n")
        );
        assert_eq!(decode_text(r"\q\x4", &plain).as_deref(), Some(r"\q\x4"));
        assert_eq!(decode_text(r"\N{DASH}", &plain), None);
        assert_eq!(decode_text(r"\ud800", &plain), None);
        assert_eq!(
            decode_text(r"\n{{x}}", &info("rf")).as_deref(),
            Some(r"\n{x}")
        );
        assert_eq!(decode_text("{{x}}", &plain).as_deref(), Some("{{x}}"));
    }

    #[test]
    fn prefixes_and_delimiters() {
        let i = StringInfo::from_start_token(b"Rb'''x'''", 0, Some((0, 5)));
        assert!(i.raw && i.bytes && !i.f && !i.t);
        assert_eq!((i.content_start, i.delim_len), (5, 3));
    }
}
