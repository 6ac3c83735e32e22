//! YAML reading with the rules Kedro gets from PyYAML + OmegaConf, on `kdvc-yaml`'s marked tree and its
//! [`Schema::Kedro`]. Every YAML parser call of the crate lives here.
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

use std::path::Path;
use std::sync::Arc;

use kdvc_yaml::{Content, ErrorKind, Options, Scalar, Schema, Span};

use crate::error::{Error, Location, Result};
use crate::value::{Map, Node, Origin, Value};

/// Parses one YAML (or JSON) document. `file` is the path shown in messages and origins.
/// An empty document gives `None`.
pub fn parse(text: &str, file: &Path) -> Result<Option<Node>> {
    let file: Arc<Path> = Arc::from(file);
    let tree = kdvc_yaml::parse(text, &Options::kedro()).map_err(|e| convert_error(&file, e))?;
    match tree {
        None => Ok(None),
        Some(tree) => {
            let c = Constructor { file: &file };
            c.construct(&tree, None).map(Some)
        }
    }
}

/// Reads a YAML file as text (`rel` is its path in messages). Bytes that are not UTF-8 are an
/// [`Error::Yaml`] at the line and column of the first one (PyYAML refuses them too).
pub fn read_text(path: &Path, rel: &Path) -> Result<String> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(rel, e))?;
    match String::from_utf8(bytes) {
        Ok(text) => Ok(text),
        Err(e) => {
            let bytes = e.as_bytes();
            let valid = e.utf8_error().valid_up_to();
            let before = String::from_utf8_lossy(bytes.get(..valid).unwrap_or_default());
            let line = before.matches('\n').count() + 1;
            let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            let byte = bytes.get(valid).copied().unwrap_or_default();
            Err(Error::Yaml {
                location: Location::new(rel, line, column),
                message: format!(
                    "the file is not valid UTF-8 (byte 0x{byte:02x}); Kedro reads configuration \
                     files as UTF-8: save it as UTF-8"
                ),
            })
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

/// Converts a plain scalar as Kedro would (used for `--params` values as well).
pub fn scalar_value(text: &str) -> Value {
    exact_int(value_of(Schema::Kedro.resolve_plain(text)), text)
}

/// An integer beyond 64 bits that the schema read as the nearest float: exact when it fits 128 bits
/// (Python's `int` is exact), else the float.
fn exact_int(value: Value, text: &str) -> Value {
    match value {
        Value::Float(f) => wide_int(text).map_or(Value::Float(f), Value::BigInt),
        other => other,
    }
}

/// PyYAML's `construct_yaml_int` in 128 bits (decimal, `0b`, `0x`, leading-zero octal, sexagesimal, `_`
/// separators, a sign); `None` for any other text.
fn wide_int(text: &str) -> Option<i128> {
    let v: String = text.chars().filter(|c| *c != '_').collect();
    let (negative, v) = match v.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, v.strip_prefix('+').unwrap_or(&v)),
    };
    let digits = |d: &str, radix: u32| {
        (!d.is_empty() && d.chars().all(|c| c.is_digit(radix)))
            .then(|| i128::from_str_radix(d, radix).ok())
            .flatten()
    };
    let n = if let Some(d) = v.strip_prefix("0b") {
        digits(d, 2)?
    } else if let Some(d) = v.strip_prefix("0x") {
        digits(d, 16)?
    } else if v.len() > 1 && v.starts_with('0') {
        digits(v, 8)?
    } else if v.contains(':') {
        let mut total: i128 = 0;
        for part in v.split(':') {
            total = total.checked_mul(60)?.checked_add(digits(part, 10)?)?;
        }
        total
    } else {
        digits(v, 10)?
    };
    Some(if negative { n.checked_neg()? } else { n })
}

fn value_of(s: Scalar) -> Value {
    match s {
        Scalar::Null => Value::Null,
        Scalar::Bool(b) => Value::Bool(b),
        Scalar::Int(i) => Value::Int(i),
        Scalar::Float(f) => Value::Float(f),
        Scalar::Str(s) => Value::Str(s),
    }
}

fn location(file: &Path, span: Span) -> Location {
    Location::new(file, span.line, span.column)
}

fn convert_error(file: &Path, e: kdvc_yaml::Error) -> Error {
    match e.kind {
        ErrorKind::DuplicateKey { key, first } => Error::DuplicateKey {
            location: location(file, e.span),
            key,
            first_line: first.line,
        },
        kind => Error::Yaml {
            location: location(file, e.span),
            message: kind.to_string(),
        },
    }
}

struct Constructor<'a> {
    file: &'a Arc<Path>,
}

impl Constructor<'_> {
    fn origin(&self, span: Span) -> Origin {
        Origin {
            file: self.file.clone(),
            line: u32::try_from(span.line).unwrap_or(u32::MAX),
            column: u32::try_from(span.column).unwrap_or(u32::MAX),
        }
    }

    fn err(&self, span: Span, message: impl Into<String>) -> Error {
        Error::Yaml {
            location: location(self.file, span),
            message: message.into(),
        }
    }

    fn tag_error(&self, node: &kdvc_yaml::Node, expected: &str) -> Option<Error> {
        let tag = node.tag.as_ref()?;
        let core = tag.core();
        (core != Some(expected) && core != Some("")).then(|| {
            self.err(
                node.span,
                format!("could not determine a constructor for the tag '{tag}'"),
            )
        })
    }

    /// Builds the node for `tree`; `at` overrides the origin (a mapping value takes its key's position).
    fn construct(&self, tree: &kdvc_yaml::Node, at: Option<Span>) -> Result<Node> {
        let origin = self.origin(at.unwrap_or(tree.span));
        match &tree.content {
            Content::Scalar { text, style } => {
                let scalar = Schema::Kedro
                    .resolve(tree)
                    .expect("a scalar")
                    .map_err(|e| convert_error(self.file, e))?;
                let mut value = value_of(scalar);
                if matches!(value, Value::Float(_))
                    && Schema::Kedro.scalar_type(text, *style, tree.tag.as_ref())
                        == Ok(kdvc_yaml::Type::Int)
                {
                    value = exact_int(value, text);
                }
                Ok(Node::new(value, origin))
            }
            Content::Seq { items, .. } => {
                if let Some(e) = self.tag_error(tree, "seq") {
                    return Err(e);
                }
                let mut out = Vec::with_capacity(items.len());
                for item in items {
                    out.push(self.construct(item, None)?);
                }
                Ok(Node::new(Value::List(out), origin))
            }
            Content::Map { entries, .. } => {
                if let Some(e) = self.tag_error(tree, "map") {
                    return Err(e);
                }
                // The entries come merged in PyYAML's order; a repeated key keeps its first position and
                // takes the last value, as in the Python dict PyYAML builds.
                let mut map = Map::with_capacity(entries.len());
                for (k, v) in entries {
                    let key = self.key_string(k)?;
                    let node = self.construct(v, Some(k.span))?;
                    map.insert(key, node);
                }
                Ok(Node::new(Value::Map(map), origin))
            }
        }
    }

    fn key_string(&self, k: &kdvc_yaml::Node) -> Result<String> {
        let Content::Scalar { text, style } = &k.content else {
            return Err(self.err(
                k.span,
                "found a mapping or sequence used as a mapping key; Kedro config keys must be scalars",
            ));
        };
        let ty = Schema::Kedro
            .scalar_type(text, *style, k.tag.as_ref())
            .map_err(|m| self.err(k.span, m))?;
        Ok(match Schema::Kedro.construct(text, ty) {
            Some(Scalar::Str(s)) => s,
            Some(Scalar::Int(i)) => i.to_string(),
            Some(Scalar::Bool(b)) => b.to_string(),
            Some(Scalar::Null) => {
                return Err(self.err(
                    k.span,
                    "found a null mapping key (`~`, `null` or empty); OmegaConf rejects it \
                     (KeyValidationError: Incompatible key type 'NoneType'): quote the key",
                ));
            }
            Some(Scalar::Float(f)) => crate::value::python_float(f),
            None => text.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(text: &str) -> serde_json::Value {
        parse(text, Path::new("t.yml")).unwrap().unwrap().to_json()
    }

    #[test]
    fn integers_beyond_64_bits_stay_exact() {
        let big = scalar_value("123456789012345678901234567890");
        assert_eq!(big, Value::BigInt(123_456_789_012_345_678_901_234_567_890));
        assert_eq!(big.json_text(), "123456789012345678901234567890");
        // One digit apart: two texts, so a fingerprint file changes with it.
        assert_ne!(
            scalar_value("12345678901234567890").json_text(),
            scalar_value("12345678901234567891").json_text()
        );
        assert_eq!(
            scalar_value("-0x1_0000_0000_0000_0000").json_text(),
            "-18446744073709551616"
        );
        assert_eq!(scalar_value("1.5"), Value::Float(1.5));
        assert!(matches!(scalar_value("1e400"), Value::Float(f) if f.is_infinite()));
    }

    #[test]
    fn a_file_that_is_not_utf8_is_an_error_at_the_byte() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("catalog.yml");
        std::fs::write(&path, b"a: 1\nname: caf\xe9\n").unwrap();
        let e = read_text(&path, Path::new("conf/base/catalog.yml")).unwrap_err();
        let Error::Yaml { location, message } = &e else {
            panic!("{e}")
        };
        assert_eq!((location.line, location.column), (2, 10), "{e}");
        assert!(message.contains("not valid UTF-8 (byte 0xe9)"), "{e}");
        assert!(
            e.to_string().starts_with("conf/base/catalog.yml:2:10: "),
            "{e}"
        );
    }

    #[test]
    fn scalars_are_typed_as_kedro_reads_them() {
        let v = json("a: yes\nb: 017\nc: 2024-01-01\nd: '5'\ne: 1:30\nf: 1e3\ng:\n");
        assert_eq!(
            v,
            serde_json::json!({"a": true, "b": 15, "c": "2024-01-01", "d": "5", "e": 90, "f": 1000.0, "g": null})
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
