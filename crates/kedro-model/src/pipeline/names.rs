//! Python string formatting and transcoding helpers used by Kedro's naming rules.

use crate::pipeline::PipelineError;

/// Python's `repr()` of a `str`: single quotes unless the text contains `'` and no `"`, with Python's escapes.
pub fn py_repr_str(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c if (0x80..0xa0).contains(&(c as u32)) => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

/// Python's `str()` of a `list[str]`: `['a', 'b']`, `[]` when empty.
pub fn py_list_str<S: AsRef<str>>(items: &[S]) -> String {
    let mut out = String::from("[");
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str(&py_repr_str(item.as_ref()));
    }
    out.push(']');
    out
}

/// Splits `name@fmt` into `(name, fmt)`; `fmt` is empty without `@`. More than one `@` is Kedro's error.
pub fn transcode_split(name: &str) -> Result<(&str, &str), PipelineError> {
    let Some(at) = name.bytes().position(|b| b == b'@') else {
        return Ok((name, ""));
    };
    let rest = &name[at + 1..];
    if rest.bytes().any(|b| b == b'@') {
        return Err(PipelineError::TranscodingSeparators {
            name: name.to_owned(),
            found: 1 + rest.bytes().filter(|&b| b == b'@').count(),
        });
    }
    Ok((&name[..at], rest))
}

/// The part of a dataset name before `@` (the whole name without `@`).
pub fn strip_transcoding(name: &str) -> &str {
    match name.bytes().position(|b| b == b'@') {
        Some(at) => &name[..at],
        None => name,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repr_follows_python() {
        assert_eq!(py_repr_str("a"), "'a'");
        assert_eq!(py_repr_str("it's"), "\"it's\"");
        assert_eq!(py_repr_str("a'b\"c"), "'a\\'b\"c'");
        assert_eq!(py_repr_str("back\\slash"), "'back\\\\slash'");
        assert_eq!(py_repr_str("tab\tnl\n"), "'tab\\tnl\\n'");
        assert_eq!(py_repr_str("é"), "'é'");
        assert_eq!(py_list_str::<&str>(&[]), "[]");
        assert_eq!(py_list_str(&["a", "params:b"]), "['a', 'params:b']");
    }

    #[test]
    fn transcoding() {
        assert_eq!(transcode_split("a@pandas").unwrap(), ("a", "pandas"));
        assert_eq!(transcode_split("a").unwrap(), ("a", ""));
        assert!(transcode_split("a@b@c").is_err());
        assert_eq!(strip_transcoding("x@y"), "x");
    }
}
