//! The two ways kdvc types YAML scalars.
//!
//! - [`Schema::Kedro`]: YAML 1.1 as Kedro reads its configuration (PyYAML's `SafeLoader` resolvers,
//!   OmegaConf's extra float rule, no timestamps): `yes`/`no`/`on`/`off` are booleans, `017` is octal,
//!   `0x1F`, `0b11`, `1_000`, `1:30` (sexagesimal) are integers, `1e3` is a float, `2024-01-01` stays a
//!   string. Tags: the core ones (`!!str`, `!!int`, `!!float`, `!!bool`, `!!null`, `!!map`, `!!seq`) and
//!   the non-specific `!`; any other is an error, as in `SafeLoader`.
//! - [`Schema::Core`]: the YAML 1.2 core schema as DVC reads its files (ruamel `typ="safe"`): only
//!   `true`/`false`, `null`/`~`, decimal, `0x`/`0o`/`0b` integers and decimal floats are typed. Tags:
//!   `!!str` only (DVC files hold plain values). [`is_timestamp`] tells which plain strings ruamel
//!   turns into dates.
//!
//! Quoted and block scalars are strings under both.

use crate::error::{Error, ErrorKind, Result};
use crate::tree::{Content, Node, Style, Tag};

/// A scalar typing scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Schema {
    /// Kedro's YAML 1.1 (PyYAML `SafeLoader` + OmegaConf).
    Kedro,
    /// The YAML 1.2 core schema, as DVC (ruamel) reads files.
    Core,
}

/// The type a schema gives a scalar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Type {
    /// `null`, `~`, empty.
    Null,
    /// A boolean.
    Bool,
    /// An integer.
    Int,
    /// A float.
    Float,
    /// A string.
    Str,
    /// The YAML 1.1 merge key `<<` (as a value, PyYAML constructs it as a string).
    Merge,
    /// The YAML 1.1 value key `=`, which `SafeLoader` cannot construct.
    Value,
}

impl Type {
    /// The type's name in messages (`int`, `str`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Self::Null => "null",
            Self::Bool => "bool",
            Self::Int => "int",
            Self::Float => "float",
            Self::Str => "str",
            Self::Merge => "merge",
            Self::Value => "value",
        }
    }
}

/// A typed scalar.
#[derive(Debug, Clone, PartialEq)]
pub enum Scalar {
    /// Null.
    Null,
    /// A boolean.
    Bool(bool),
    /// An integer that fits 64 bits.
    Int(i64),
    /// A float.
    Float(f64),
    /// A string.
    Str(String),
}

impl Schema {
    /// The type of a scalar written with `style` and `tag`; an error message for a tag the schema
    /// cannot construct.
    pub fn scalar_type(
        self,
        text: &str,
        style: Style,
        tag: Option<&Tag>,
    ) -> std::result::Result<Type, String> {
        if let Some(tag) = tag {
            return match (self, tag.core()) {
                (Self::Kedro, Some("str" | "")) | (Self::Core, Some("str")) => Ok(Type::Str),
                (Self::Kedro, Some("int")) => Ok(Type::Int),
                (Self::Kedro, Some("float")) => Ok(Type::Float),
                (Self::Kedro, Some("bool")) => Ok(Type::Bool),
                (Self::Kedro, Some("null")) => Ok(Type::Null),
                (Self::Core, Some(other)) if !other.is_empty() => Err(format!(
                    "unsupported tag !!{other} (DVC files hold plain values)"
                )),
                _ => Err(format!(
                    "could not determine a constructor for the tag '{tag}'"
                )),
            };
        }
        if style != Style::Plain {
            return Ok(Type::Str);
        }
        Ok(self.implicit_type(text))
    }

    /// The type of an untagged plain scalar.
    pub fn implicit_type(self, text: &str) -> Type {
        match self {
            Self::Kedro => kedro_implicit(text),
            Self::Core => {
                if is_core_null(text) {
                    Type::Null
                } else if core_bool(text).is_some() {
                    Type::Bool
                } else if core_int(text).is_some() {
                    Type::Int
                } else if core_float(text).is_some() {
                    Type::Float
                } else {
                    Type::Str
                }
            }
        }
    }

    /// Constructs a scalar of type `ty` from its text. `None` when the text cannot be that type (an
    /// explicit `!!int abc`). A Kedro integer beyond 64 bits becomes the nearest float, as JSON tools
    /// read Python's big ints.
    pub fn construct(self, text: &str, ty: Type) -> Option<Scalar> {
        Some(match (self, ty) {
            (_, Type::Null) => Scalar::Null,
            (_, Type::Str | Type::Merge | Type::Value) => Scalar::Str(text.to_string()),
            (Self::Kedro, Type::Bool) => Scalar::Bool(kedro_bool(text)?),
            (Self::Kedro, Type::Int) => match kedro_int(text) {
                Some(i) => Scalar::Int(i),
                None => Scalar::Float(kedro_wide_int(text)?),
            },
            (Self::Kedro, Type::Float) => Scalar::Float(kedro_float(text)?),
            (Self::Core, Type::Bool) => Scalar::Bool(core_bool(text)?),
            (Self::Core, Type::Int) => Scalar::Int(core_int(text)?),
            (Self::Core, Type::Float) => Scalar::Float(core_float(text)?),
        })
    }

    /// Types an untagged plain scalar (a string when construction fails).
    pub fn resolve_plain(self, text: &str) -> Scalar {
        self.construct(text, self.implicit_type(text))
            .unwrap_or_else(|| Scalar::Str(text.to_string()))
    }

    /// Types a scalar node. `None` for a sequence or a mapping.
    pub fn resolve(self, node: &Node) -> Option<Result<Scalar>> {
        let Content::Scalar { text, style } = &node.content else {
            return None;
        };
        Some(self.resolve_scalar(text, *style, node.tag.as_ref(), node))
    }

    fn resolve_scalar(
        self,
        text: &str,
        style: Style,
        tag: Option<&Tag>,
        node: &Node,
    ) -> Result<Scalar> {
        let ty = self
            .scalar_type(text, style, tag)
            .map_err(|m| Error::new(ErrorKind::Tag(m), node.span))?;
        if ty == Type::Value {
            return Err(Error::new(
                ErrorKind::Tag(
                    "could not determine a constructor for the tag 'tag:yaml.org,2002:value'"
                        .into(),
                ),
                node.span,
            ));
        }
        self.construct(text, ty).ok_or_else(|| {
            Error::new(
                ErrorKind::InvalidScalar {
                    text: text.to_string(),
                    ty: ty.name(),
                },
                node.span,
            )
        })
    }

    /// Whether the schema reads `s`, written plain, as something other than the string `s`.
    pub fn types_plain(self, s: &str) -> bool {
        !matches!(self.implicit_type(s), Type::Str | Type::Merge)
    }
}

/// Checks the tags of every scalar below `node` against `schema` (a loader fails on any of them, used
/// or not).
pub fn check_scalar_tags(node: &Node, schema: Schema) -> Result<()> {
    match &node.content {
        Content::Scalar { text, style } => {
            if node.tag.is_some() {
                schema
                    .scalar_type(text, *style, node.tag.as_ref())
                    .map_err(|m| Error::new(ErrorKind::Tag(m), node.span))?;
            }
            Ok(())
        }
        Content::Seq { items, .. } => items.iter().try_for_each(|n| check_scalar_tags(n, schema)),
        Content::Map { entries, .. } => entries.iter().try_for_each(|(k, v)| {
            check_scalar_tags(k, schema)?;
            check_scalar_tags(v, schema)
        }),
    }
}

// ---------------------------------------------------------------------------------------------------------
// YAML 1.2 core (ruamel, as DVC reads files)

/// Whether a plain scalar is null under the YAML 1.2 core schema (`~`, `null`, empty).
pub fn is_core_null(s: &str) -> bool {
    matches!(s, "" | "~" | "null" | "Null" | "NULL")
}

fn core_bool(s: &str) -> Option<bool> {
    match s {
        "true" | "True" | "TRUE" => Some(true),
        "false" | "False" | "FALSE" => Some(false),
        _ => None,
    }
}

fn core_int(s: &str) -> Option<i64> {
    let (neg, r) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let (radix, digits) = if let Some(h) = r.strip_prefix("0x") {
        (16, h)
    } else if let Some(o) = r.strip_prefix("0o") {
        (8, o)
    } else if let Some(b) = r.strip_prefix("0b") {
        (2, b)
    } else {
        (10, r)
    };
    if !digits.starts_with(|c: char| c.is_ascii_hexdigit()) {
        return None;
    }
    if !digits
        .bytes()
        .all(|b| b == b'_' || char::from(b).is_digit(radix))
    {
        return None;
    }
    let clean: String = digits.chars().filter(|c| *c != '_').collect();
    let v = i64::from_str_radix(&clean, radix).ok()?;
    Some(if neg { -v } else { v })
}

fn core_float(s: &str) -> Option<f64> {
    match s {
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => return Some(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => return Some(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Some(f64::NAN),
        _ => {}
    }
    let r = s.strip_prefix(['-', '+']).unwrap_or(s);
    let (mant, exp) = match r.find(['e', 'E']) {
        Some(i) => (&r[..i], Some(&r[i + 1..])),
        None => (r, None),
    };
    if let Some(e) = exp {
        let e = e.strip_prefix(['-', '+']).unwrap_or(e);
        if e.is_empty() || !e.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
    }
    let (ip, fp) = match mant.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (mant, None),
    };
    let digits_ok = |x: &str| x.bytes().all(|b| b.is_ascii_digit() || b == b'_');
    let ok = match fp {
        Some(f) => {
            digits_ok(ip)
                && digits_ok(f)
                && (ip.starts_with(|c: char| c.is_ascii_digit())
                    || (ip.is_empty() && f.starts_with(|c: char| c.is_ascii_digit())))
        }
        None => {
            exp.is_some()
                && !ip.is_empty()
                && ip.starts_with(|c: char| c.is_ascii_digit())
                && digits_ok(ip)
        }
    };
    if !ok {
        return None;
    }
    s.replace('_', "").parse().ok()
}

/// Whether a plain scalar matches the YAML timestamp pattern ruamel resolves to a date or datetime
/// (`2024-01-01`, `2024-1-1 10:00:00`, `2001-12-14t21:59:43.10-05:00`, ...). Kedro's loader has no
/// timestamp rule, so under [`Schema::Kedro`] these stay strings.
pub fn is_timestamp(s: &str) -> bool {
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
    // Three digit groups of the given (min, max) widths separated by `sep`: where they end.
    let groups = |from: usize, sep: u8, widths: [(usize, usize); 3]| -> Option<usize> {
        let mut i = from;
        for (k, (min, max)) in widths.into_iter().enumerate() {
            if k > 0 {
                if b.get(i) != Some(&sep) {
                    return None;
                }
                i += 1;
            }
            i = digits(i, min, max)?;
        }
        Some(i)
    };
    // Full timestamp: YYYY-M-D(T|t|[ \t]+)H:MM:SS(.f)?([ \t]*(Z|[-+]H(:MM)?))?
    let Some(mut i) = groups(0, b'-', [(4, 4), (1, 2), (1, 2)]) else {
        return false;
    };
    match b.get(i) {
        Some(b'T' | b't') => i += 1,
        Some(b' ' | b'\t') => {
            while matches!(b.get(i), Some(b' ' | b'\t')) {
                i += 1;
            }
        }
        _ => return false,
    }
    let Some(mut i) = groups(i, b':', [(1, 2), (2, 2), (2, 2)]) else {
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

// ---------------------------------------------------------------------------------------------------------
// YAML 1.1 (PyYAML SafeLoader + OmegaConf, as Kedro reads configuration)

/// PyYAML's implicit resolvers (first matching resolver for the first character), with OmegaConf's float
/// rule appended and the timestamp rule removed.
fn kedro_implicit(t: &str) -> Type {
    let Some(first) = t.chars().next() else {
        return Type::Null;
    };
    if "yYnNtTfFoO".contains(first) && is_bool_word(t) {
        return Type::Bool;
    }
    if "-+0123456789.".contains(first) {
        if is_yaml_float(t) {
            return Type::Float;
        }
        if first != '.' && is_yaml_int(t) {
            return Type::Int;
        }
        if is_omegaconf_float(t) {
            return Type::Float;
        }
    }
    if t == "<<" {
        return Type::Merge;
    }
    if matches!(t, "~" | "null" | "Null" | "NULL") {
        return Type::Null;
    }
    if t == "=" {
        return Type::Value;
    }
    Type::Str
}

fn is_bool_word(t: &str) -> bool {
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
    // [-+]?[0-9][0-9_]*
    let signed_digits = |c: &mut Cur<'_>| {
        c.sign();
        c.eat(digit) && {
            c.many(digit_);
            true
        }
    };
    // [-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?
    let dotted = |c: &mut Cur<'_>| {
        if !(signed_digits(c) && c.eat(|x| x == b'.')) {
            return false;
        }
        c.many(digit_);
        exp(c);
        c.end()
    };
    // \.[0-9][0-9_]*(?:[eE][-+][0-9]+)?
    let leading_dot = |c: &mut Cur<'_>| {
        if !(c.eat(|x| x == b'.') && c.eat(digit)) {
            return false;
        }
        c.many(digit_);
        exp(c);
        c.end()
    };
    // [-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*
    let sexagesimal = |c: &mut Cur<'_>| {
        if !(signed_digits(c) && sexagesimal_tail(c) && c.eat(|x| x == b'.')) {
            return false;
        }
        c.many(digit_);
        c.end()
    };
    let alternatives: [&dyn Fn(&mut Cur<'_>) -> bool; 3] = [&dotted, &leading_dot, &sexagesimal];
    alternatives.iter().any(|alt| {
        alt(&mut Cur {
            b: t.as_bytes(),
            i: 0,
        })
    })
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
fn kedro_int(text: &str) -> Option<i64> {
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

/// An integer [`kedro_int`] cannot hold in 64 bits, as the nearest float.
fn kedro_wide_int(text: &str) -> Option<f64> {
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
fn kedro_float(text: &str) -> Option<f64> {
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

fn kedro_bool(text: &str) -> Option<bool> {
    match text.to_ascii_lowercase().as_str() {
        "yes" | "true" | "on" => Some(true),
        "no" | "false" | "off" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typed(schema: Schema, text: &str) -> Scalar {
        schema.resolve_plain(text)
    }

    #[test]
    fn kedro_reads_yaml_1_1() {
        use Scalar::{Bool, Float, Int, Null, Str};
        let s = |x: &str| Str(x.into());
        for (text, want) in [
            ("yes", Bool(true)),
            ("NO", Bool(false)),
            ("on", Bool(true)),
            ("y", s("y")),
            ("017", Int(15)),
            ("0x1F", Int(31)),
            ("1_000", Int(1000)),
            ("1e3", Float(1000.0)),
            ("2024-01-01", s("2024-01-01")),
            ("~", Null),
            ("", Null),
            ("08", s("08")),
            ("1:30", Int(90)),
            ("0b101", Int(5)),
            (".5", Float(0.5)),
            ("1.", Float(1.0)),
            ("-0", Int(0)),
            ("1.0e3", Float(1000.0)),
            ("True", Bool(true)),
            ("+12", Int(12)),
            ("6.02e+23", Float(6.02e23)),
            ("<<", s("<<")),
            ("99999999999999999999", Float(1e20)),
        ] {
            assert_eq!(typed(Schema::Kedro, text), want, "{text:?}");
        }
    }

    #[test]
    fn core_reads_yaml_1_2() {
        use Scalar::{Bool, Float, Int, Null, Str};
        let s = |x: &str| Str(x.into());
        for (text, want) in [
            ("yes", s("yes")),
            ("on", s("on")),
            ("true", Bool(true)),
            ("017", Int(17)),
            ("0o17", Int(15)),
            ("0x1F", Int(31)),
            ("1_000", Int(1000)),
            ("1e3", Float(1000.0)),
            (".5", Float(0.5)),
            ("1:30", s("1:30")),
            ("2024-01-01", s("2024-01-01")),
            ("null", Null),
            ("", Null),
            ("1.2.3", s("1.2.3")),
            ("-", s("-")),
            ("e3", s("e3")),
        ] {
            assert_eq!(typed(Schema::Core, text), want, "{text:?}");
        }
    }

    #[test]
    fn tags() {
        let tag = |suffix: &str| Tag {
            handle: "tag:yaml.org,2002:".into(),
            suffix: suffix.into(),
        };
        let local = Tag {
            handle: "!".into(),
            suffix: "custom".into(),
        };
        let k = |t: &Tag| Schema::Kedro.scalar_type("1", Style::Plain, Some(t));
        let c = |t: &Tag| Schema::Core.scalar_type("1", Style::Plain, Some(t));
        assert_eq!(k(&tag("str")), Ok(Type::Str));
        assert_eq!(k(&tag("float")), Ok(Type::Float));
        assert_eq!(
            k(&local),
            Err("could not determine a constructor for the tag '!custom'".into())
        );
        assert_eq!(c(&tag("str")), Ok(Type::Str));
        assert_eq!(
            c(&tag("int")),
            Err("unsupported tag !!int (DVC files hold plain values)".into())
        );
        assert_eq!(
            Schema::Kedro.scalar_type("x", Style::SingleQuoted, None),
            Ok(Type::Str)
        );
    }

    #[test]
    fn timestamps() {
        for s in [
            "2024-01-01",
            "2024-1-1 10:00:00",
            "2024-01-01T10:00:00Z",
            "2001-12-14 21:59:43.10 -5",
        ] {
            assert!(is_timestamp(s), "{s}");
        }
        for s in [
            "2024-1-1",
            "2024-01-01x",
            "20240101",
            "hello",
            "2024-01-01 10:00",
        ] {
            assert!(!is_timestamp(s), "{s}");
        }
    }
}
