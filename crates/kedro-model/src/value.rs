//! Configuration values that remember where they are defined.

use std::path::Path;
use std::sync::Arc;

use indexmap::IndexMap;

use crate::error::Location;

/// A mapping of configuration values, in source order.
pub type Map = IndexMap<String, Node>;

/// A configuration value as Kedro's loader sees it after YAML 1.1 typing.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `null`, `~` or empty.
    Null,
    /// A boolean (`true`, `yes`, `on`, ...).
    Bool(bool),
    /// An integer (decimal, `0x`, `0b`, leading-zero octal, `1_000`, sexagesimal) that fits 64 bits.
    Int(i64),
    /// An integer beyond 64 bits but within 128 (Python's `int` is exact; one beyond 128 bits is read as
    /// the nearest [`Value::Float`]).
    BigInt(i128),
    /// A float.
    Float(f64),
    /// A string (quoted scalars, dates and everything else).
    Str(String),
    /// A sequence.
    List(Vec<Node>),
    /// A mapping.
    Map(Map),
}

/// Where a value comes from: a file position, or the `--params` overrides.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Origin {
    /// The file (relative to the project root), or `--params` for runtime parameters.
    pub file: Arc<Path>,
    /// 1-based line (0 for runtime parameters).
    pub line: u32,
    /// 1-based column (0 for runtime parameters).
    pub column: u32,
}

impl Origin {
    /// The pseudo-file of `--params` overrides.
    pub const RUNTIME_PARAMS: &'static str = "--params";

    /// An origin for runtime parameters.
    pub fn runtime() -> Self {
        Self {
            file: Arc::from(Path::new(Self::RUNTIME_PARAMS)),
            line: 0,
            column: 0,
        }
    }

    /// Whether the value comes from `--params`.
    pub fn is_runtime(&self) -> bool {
        self.line == 0 && self.file.as_os_str() == Self::RUNTIME_PARAMS
    }

    /// As an error location.
    pub fn location(&self) -> Location {
        Location::new(
            self.file.to_path_buf(),
            self.line as usize,
            self.column as usize,
        )
    }
}

/// What an interpolated value was read from.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Reference {
    /// `key` (`${a.b}`), `globals`, `runtime_params` or `oc.select`.
    pub kind: String,
    /// The key path referred to.
    pub key: String,
    /// Where the value read is defined (`None` when a resolver default was used).
    pub origin: Option<Location>,
}

/// A value with its origin.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// The value.
    pub value: Value,
    /// Where the value starts (for a mapping value: where its key is).
    pub origin: Origin,
    /// For a value produced by interpolation: what it was read from (outermost first).
    pub refs: Vec<Reference>,
}

impl Node {
    /// A node without interpolation references.
    pub fn new(value: Value, origin: Origin) -> Self {
        Self {
            value,
            origin,
            refs: Vec::new(),
        }
    }

    /// The mapping, if this is one.
    pub fn as_map(&self) -> Option<&Map> {
        match &self.value {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    /// The string, if this is one.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// Converts to JSON the way Python's `json.dumps` renders Kedro's dicts (non-finite floats become
    /// `null`, as JSON has no such numbers).
    pub fn to_json(&self) -> serde_json::Value {
        self.value.to_json()
    }
}

impl Value {
    /// Converts to JSON (see [`Node::to_json`]).
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match self {
            Self::Null => J::Null,
            Self::Bool(b) => J::Bool(*b),
            Self::Int(i) => J::from(*i),
            // Exact up to 2^64; beyond, JSON tools read the nearest float.
            Self::BigInt(i) => u64::try_from(*i).map_or_else(
                |_| serde_json::Number::from_f64(*i as f64).map_or(J::Null, J::Number),
                J::from,
            ),
            Self::Float(f) => serde_json::Number::from_f64(*f).map_or(J::Null, J::Number),
            Self::Str(s) => J::String(s.clone()),
            Self::List(l) => J::Array(l.iter().map(Node::to_json).collect()),
            Self::Map(m) => J::Object(m.iter().map(|(k, v)| (k.clone(), v.to_json())).collect()),
        }
    }

    /// JSON text as `serde_json` writes [`Value::to_json`] (compact), except for what JSON numbers cannot
    /// hold, written as Python's `json.dumps` writes them: `Infinity`, `-Infinity`, `NaN`, and integers
    /// beyond 64 bits exactly. What fingerprint files record, so that each value changes the file.
    pub fn json_text(&self) -> String {
        let mut out = String::new();
        self.write_json(&mut out);
        out
    }

    fn write_json(&self, out: &mut String) {
        match self {
            Self::Float(f) if f.is_nan() => out.push_str("NaN"),
            Self::Float(f) if f.is_infinite() => {
                out.push_str(if *f > 0.0 { "Infinity" } else { "-Infinity" });
            }
            Self::BigInt(i) => out.push_str(&i.to_string()),
            Self::List(l) => {
                out.push('[');
                for (i, n) in l.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    n.value.write_json(out);
                }
                out.push(']');
            }
            Self::Map(m) => {
                out.push('{');
                for (i, (k, v)) in m.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push_str(&serde_json::Value::String(k.clone()).to_string());
                    out.push(':');
                    v.value.write_json(out);
                }
                out.push('}');
            }
            other => out.push_str(&other.to_json().to_string()),
        }
    }

    /// A short name of the kind of value, for messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Null => "null",
            Self::Bool(_) => "a boolean",
            Self::Int(_) | Self::BigInt(_) => "an integer",
            Self::Float(_) => "a float",
            Self::Str(_) => "a string",
            Self::List(_) => "a list",
            Self::Map(_) => "a mapping",
        }
    }

    /// The value as Python's `str()` would render it inside a string interpolation.
    pub fn python_str(&self) -> String {
        match self {
            Self::Null => "None".into(),
            Self::Bool(true) => "True".into(),
            Self::Bool(false) => "False".into(),
            Self::Int(i) => i.to_string(),
            Self::BigInt(i) => i.to_string(),
            Self::Float(f) => python_float(*f),
            Self::Str(s) => s.clone(),
            Self::List(l) => format!(
                "[{}]",
                l.iter()
                    .map(|n| n.value.python_repr())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Self::Map(m) => format!(
                "{{{}}}",
                m.iter()
                    .map(|(k, v)| format!("{}: {}", python_repr_str(k), v.value.python_repr()))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }

    fn python_repr(&self) -> String {
        match self {
            Self::Str(s) => python_repr_str(s),
            other => other.python_str(),
        }
    }
}

/// Python's `repr(float)`.
pub(crate) fn python_float(f: f64) -> String {
    if f.is_nan() {
        return "nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "inf".into() } else { "-inf".into() };
    }
    let abs = f.abs();
    if abs != 0.0 && !(1e-4..1e16).contains(&abs) {
        // Python switches to exponent notation: 1e+16, 1e-05.
        let s = format!("{f:e}");
        let (mant, exp) = s.split_once('e').unwrap_or((&s, "0"));
        let exp: i32 = exp.parse().unwrap_or(0);
        let sign = if exp < 0 { '-' } else { '+' };
        return format!("{mant}e{sign}{:02}", exp.abs());
    }
    let s = format!("{f}");
    if s.contains('.') { s } else { format!("{s}.0") }
}

/// Python's `repr()` of a `str` (one implementation, shared with Kedro's node-name rules).
fn python_repr_str(s: &str) -> String {
    crate::pipeline::py_repr_str(s)
}
