//! Python's string formatting on values a caller knows: `str.format`, `%` and the conversions and format
//! specifications of f-string fields. Anything outside the supported subset is `None`, never a guess.

/// A value that Python string formatting can render.
pub trait FormatValue {
    /// `str(value)`, when known.
    fn py_str(&self) -> Option<String>;
    /// `repr(value)`, when known.
    fn py_repr(&self) -> Option<String>;
    /// The value when it is an `int` (not a `bool`).
    fn as_int(&self) -> Option<i64>;
    /// The value when it is a `bool`.
    fn as_bool(&self) -> Option<bool>;
}

/// A field's conversion (`!s`, `!r`, or none, as in `{x!r}` and `f"{x!r}"`) applied to `v`; `None` for
/// other conversions (`!a`) and values that cannot be rendered.
pub fn convert<V: FormatValue + ?Sized>(v: &V, conversion: Option<&str>) -> Option<String> {
    match conversion {
        None | Some("s") => v.py_str(),
        Some("r") => v.py_repr(),
        _ => None,
    }
}

/// `format(v, spec)` for the specifications kdvc supports: an `int` with `d`, a width, or a zero-padded
/// width (`03d`, `3`).
pub fn format_spec<V: FormatValue + ?Sized>(v: &V, spec: &str) -> Option<String> {
    let i = v.as_int()?;
    let body = spec.strip_suffix('d').unwrap_or(spec);
    if body.is_empty() {
        return Some(i.to_string());
    }
    let (zero, width) = match body.strip_prefix('0') {
        Some(w) => (true, w),
        None => (false, body),
    };
    let width: usize = width.parse().ok()?;
    Some(if zero {
        format!("{i:0width$}")
    } else {
        format!("{i:>width$}")
    })
}

/// `fmt % args` with `%s`, `%r`, `%d`, `%i` and `%%`; every argument must be used.
pub fn percent_format<V: FormatValue + ?Sized>(fmt: &str, args: &[&V]) -> Option<String> {
    let mut out = String::new();
    let mut it = args.iter();
    let mut chars = fmt.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next()? {
            '%' => out.push('%'),
            's' => out.push_str(&it.next()?.py_str()?),
            'r' => out.push_str(&it.next()?.py_repr()?),
            'd' | 'i' => {
                let v = it.next()?;
                match (v.as_int(), v.as_bool()) {
                    (Some(i), _) => out.push_str(&i.to_string()),
                    (None, Some(b)) => out.push_str(if b { "1" } else { "0" }),
                    (None, None) => return None,
                }
            }
            _ => return None,
        }
    }
    if it.next().is_some() {
        return None;
    }
    Some(out)
}

/// What [`format_fields`] does with a replacement field it cannot fill, and with braces that do not pair.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MissingField {
    /// Python's `str.format`: the whole result is `None`, as it is for a lone `}` or an unclosed `{`.
    Fail,
    /// Kedro's catalog factories (`str.format_map` on what a pattern matched): the field stays as written
    /// (`{name}`), a lone `}` stays, and an unclosed `{` reads to the end of the string.
    Keep,
}

/// Python's `{}` field syntax: `{{` and `}}` are braces, and each `{field}` is replaced by `fill(field)` (the
/// text between the braces, conversion and specification included). Where `fill` gives `None`, `missing`
/// decides. With [`MissingField::Keep`] the result is always `Some`.
pub fn format_fields(
    fmt: &str,
    missing: MissingField,
    mut fill: impl FnMut(&str) -> Option<String>,
) -> Option<String> {
    let strict = missing == MissingField::Fail;
    let mut out = String::new();
    let mut chars = fmt.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                out.push('{');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                out.push('}');
            }
            '{' => {
                let mut field = String::new();
                loop {
                    match chars.next() {
                        Some('}') => break,
                        Some(ch) => field.push(ch),
                        None if strict => return None,
                        None => break,
                    }
                }
                match fill(&field) {
                    Some(v) => out.push_str(&v),
                    None if strict => return None,
                    None => {
                        out.push('{');
                        out.push_str(&field);
                        out.push('}');
                    }
                }
            }
            '}' if strict => return None,
            c => out.push(c),
        }
    }
    Some(out)
}

/// `fmt.format(*pos, **kw)` with automatic, numbered and named fields and the `!s`/`!r` conversions (no
/// format specifications, attributes or indexing in fields).
pub fn str_format<V: FormatValue>(fmt: &str, pos: &[V], kw: &[(String, V)]) -> Option<String> {
    let mut auto = 0usize;
    format_fields(fmt, MissingField::Fail, |field| {
        let (field, conv) = match field.split_once('!') {
            Some((f, c)) => (f, Some(c)),
            None => (field, None),
        };
        if field.contains(':') || field.contains('.') || field.contains('[') {
            return None;
        }
        let v = if field.is_empty() {
            auto += 1;
            pos.get(auto - 1)?
        } else if let Ok(i) = field.parse::<usize>() {
            pos.get(i)?
        } else {
            &kw.iter().find(|(k, _)| *k == field)?.1
        };
        convert(v, conv)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    enum V {
        Int(i64),
        Bool(bool),
        Str(&'static str),
    }

    impl FormatValue for V {
        fn py_str(&self) -> Option<String> {
            Some(match self {
                V::Int(i) => i.to_string(),
                V::Bool(b) => if *b { "True" } else { "False" }.to_owned(),
                V::Str(s) => (*s).to_owned(),
            })
        }
        fn py_repr(&self) -> Option<String> {
            match self {
                V::Str(s) => Some(format!("'{s}'")),
                other => other.py_str(),
            }
        }
        fn as_int(&self) -> Option<i64> {
            match self {
                V::Int(i) => Some(*i),
                _ => None,
            }
        }
        fn as_bool(&self) -> Option<bool> {
            match self {
                V::Bool(b) => Some(*b),
                _ => None,
            }
        }
    }

    #[test]
    fn str_format_fields() {
        let kw = [("k".to_owned(), V::Str("v"))];
        let got = str_format("{}-{0}-{k!r}-{{x}}", &[V::Int(1)], &kw);
        assert_eq!(got.as_deref(), Some("1-1-'v'-{x}"));
        assert_eq!(str_format("{:3}", &[V::Int(1)], &[]), None);
        assert_eq!(str_format("{}{}", &[V::Int(1)], &[]), None);
        assert_eq!(str_format("}", &[V::Int(1)], &[]), None);
    }

    #[test]
    fn missing_fields_kept() {
        let fill = |f: &str| (f == "a").then(|| "1".to_owned());
        let keep = |s| format_fields(s, MissingField::Keep, fill);
        assert_eq!(keep("{a}-{b:x}-}-{{").as_deref(), Some("1-{b:x}-}-{"));
        assert_eq!(keep("x{b").as_deref(), Some("x{b}"));
        assert_eq!(keep("x{a").as_deref(), Some("x1"));
        assert_eq!(format_fields("{b}", MissingField::Fail, fill), None);
        assert_eq!(format_fields("{a", MissingField::Fail, fill), None);
    }

    #[test]
    fn percent_and_specs() {
        let (i, b, s) = (V::Int(7), V::Bool(true), V::Str("a"));
        assert_eq!(
            percent_format("%s %r %d %i %%", &[&s, &s, &i, &b]).as_deref(),
            Some("a 'a' 7 1 %")
        );
        assert_eq!(percent_format("%s", &[&s, &s]), None);
        assert_eq!(format_spec(&i, "03d").as_deref(), Some("007"));
        assert_eq!(format_spec(&i, "3").as_deref(), Some("  7"));
        assert_eq!(format_spec(&b, "d"), None);
        assert_eq!(convert(&s, Some("a")), None);
    }
}
