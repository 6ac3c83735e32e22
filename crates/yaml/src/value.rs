//! A generic YAML value: what the emitter writes and what [`crate::Schema::Core`] reads a tree into.

use std::fmt::Write as _;

use crate::schema::Schema;
use crate::tree::{Content, Node};

/// A YAML value. Mapping keys keep their type and order.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `null`, `~` or nothing.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A float; written like Python's `repr` (`1e-07`, `0.001`, `1.0`).
    Float(f64),
    /// A string.
    Str(String),
    /// A sequence.
    Seq(Vec<Value>),
    /// A mapping, in file order.
    Map(Vec<(Value, Value)>),
}

impl Value {
    /// A mapping from string keys.
    pub fn map<K: Into<String>>(entries: impl IntoIterator<Item = (K, Value)>) -> Value {
        Value::Map(
            entries
                .into_iter()
                .map(|(k, v)| (Value::Str(k.into()), v))
                .collect(),
        )
    }

    /// The value of a tree under the YAML 1.2 core schema (DVC's reading). Explicit tags are not
    /// checked here (see [`crate::check_scalar_tags`]); a tagged scalar is a string.
    pub fn from_core_node(node: &Node) -> Value {
        match &node.content {
            Content::Scalar { text, .. } if node.is_plain() => {
                Value::from(Schema::Core.resolve_plain(text))
            }
            Content::Scalar { text, .. } => Value::Str(text.clone()),
            Content::Seq { items, .. } => {
                Value::Seq(items.iter().map(Value::from_core_node).collect())
            }
            Content::Map { entries, .. } => Value::Map(
                entries
                    .iter()
                    .map(|(k, v)| (Value::from_core_node(k), Value::from_core_node(v)))
                    .collect(),
            ),
        }
    }

    /// The value of a tree under `schema`, explicit tags included (an error for a tag the schema
    /// cannot construct).
    pub fn from_node(node: &Node, schema: Schema) -> crate::Result<Value> {
        Ok(match &node.content {
            Content::Scalar { .. } => match schema.resolve(node) {
                Some(s) => Value::from(s?),
                None => Value::Null,
            },
            Content::Seq { items, .. } => Value::Seq(
                items
                    .iter()
                    .map(|n| Value::from_node(n, schema))
                    .collect::<crate::Result<_>>()?,
            ),
            Content::Map { entries, .. } => Value::Map(
                entries
                    .iter()
                    .map(|(k, v)| Ok((Value::from_node(k, schema)?, Value::from_node(v, schema)?)))
                    .collect::<crate::Result<_>>()?,
            ),
        })
    }

    /// The value at string key `key`, for a mapping.
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Map(m) => m
                .iter()
                .find(|(k, _)| matches!(k, Value::Str(s) if s == key))
                .map(|(_, v)| v),
            _ => None,
        }
    }

    /// The string, for a string value.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// Converts to JSON (mapping keys are rendered as strings, as `json.dumps` does).
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match self {
            Value::Null => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Int(i) => J::from(*i),
            Value::Float(f) => serde_json::Number::from_f64(*f).map_or(J::Null, J::Number),
            Value::Str(s) => J::String(s.clone()),
            Value::Seq(v) => J::Array(v.iter().map(Value::to_json).collect()),
            Value::Map(m) => J::Object(
                m.iter()
                    .map(|(k, v)| (k.key_string(), v.to_json()))
                    .collect(),
            ),
        }
    }

    /// Converts from JSON.
    pub fn from_json(v: &serde_json::Value) -> Value {
        use serde_json::Value as J;
        match v {
            J::Null => Value::Null,
            J::Bool(b) => Value::Bool(*b),
            J::Number(n) => n
                .as_i64()
                .map_or_else(|| Value::Float(n.as_f64().unwrap_or(f64::NAN)), Value::Int),
            J::String(s) => Value::Str(s.clone()),
            J::Array(a) => Value::Seq(a.iter().map(Value::from_json).collect()),
            J::Object(o) => Value::map(o.iter().map(|(k, v)| (k.clone(), Value::from_json(v)))),
        }
    }

    /// A key rendered as Python's `json.dumps` renders dict keys.
    fn key_string(&self) -> String {
        match self {
            Value::Str(s) => s.clone(),
            Value::Null => "null".into(),
            Value::Bool(b) => b.to_string(),
            Value::Int(i) => i.to_string(),
            Value::Float(f) => python_float_repr(*f),
            other => format!("{other:?}"),
        }
    }
}

impl From<crate::schema::Scalar> for Value {
    fn from(s: crate::schema::Scalar) -> Self {
        use crate::schema::Scalar;
        match s {
            Scalar::Null => Value::Null,
            Scalar::Bool(b) => Value::Bool(b),
            Scalar::Int(i) => Value::Int(i),
            Scalar::Float(f) => Value::Float(f),
            Scalar::Str(s) => Value::Str(s),
        }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::Str(s.to_string())
    }
}
impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::Str(s)
    }
}
impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}
impl From<i64> for Value {
    fn from(i: i64) -> Self {
        Value::Int(i)
    }
}
impl From<f64> for Value {
    fn from(f: f64) -> Self {
        Value::Float(f)
    }
}

/// Formats a float exactly like Python's `repr(float)` (shortest round-trip digits; scientific notation
/// below 1e-4 and from 1e16, with a signed exponent of at least two digits). Non-finite values use YAML's
/// `.inf`, `-.inf` and `.nan`.
pub fn python_float_repr(f: f64) -> String {
    if f.is_nan() {
        return ".nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 {
            ".inf".into()
        } else {
            "-.inf".into()
        };
    }
    let sci = format!("{f:e}"); // e.g. "-1.2345e-7", "0e0"
    let (mant, exp) = sci.split_once('e').expect("exponent");
    let exp: i32 = exp.parse().expect("exponent digits");
    let (neg, mant) = mant.strip_prefix('-').map_or((false, mant), |m| (true, m));
    let digits: String = mant.chars().filter(|c| *c != '.').collect();
    let mut out = String::new();
    if neg {
        out.push('-');
    }
    if (-4..16).contains(&exp) {
        let n = digits.len() as i32;
        if exp >= 0 {
            let int_len = exp + 1;
            if n <= int_len {
                out.push_str(&digits);
                out.extend(std::iter::repeat_n('0', (int_len - n) as usize));
                out.push_str(".0");
            } else {
                out.push_str(&digits[..int_len as usize]);
                out.push('.');
                out.push_str(&digits[int_len as usize..]);
            }
        } else {
            out.push_str("0.");
            out.extend(std::iter::repeat_n('0', (-exp - 1) as usize));
            out.push_str(&digits);
        }
    } else {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        let sign = if exp < 0 { '-' } else { '+' };
        let _ = write!(out, "e{sign}{:02}", exp.abs());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::python_float_repr as r;

    #[test]
    fn python_repr() {
        assert_eq!(r(1e-7), "1e-07");
        assert_eq!(r(0.001), "0.001");
        assert_eq!(r(1.0), "1.0");
        assert_eq!(r(0.0), "0.0");
        assert_eq!(r(-0.0), "-0.0");
        assert_eq!(r(1e16), "1e+16");
        assert_eq!(r(1e15), "1000000000000000.0");
        assert_eq!(r(123.456), "123.456");
        assert_eq!(r(0.0001), "0.0001");
        assert_eq!(r(0.00012), "0.00012");
        assert_eq!(r(1.5e-5), "1.5e-05");
        assert_eq!(r(-2.5e300), "-2.5e+300");
        assert_eq!(r(0.1 + 0.2), "0.30000000000000004");
    }
}
