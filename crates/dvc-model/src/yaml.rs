//! DVC's reading and writing of YAML, on `kdvc-yaml`: the YAML 1.2 core schema as DVC's ruamel loads
//! files (merge keys, duplicate keys rejected, `!!str` the only tag), and the emitter in ruamel's layout.

use std::path::Path;

pub(crate) use kdvc_yaml::{Content, Node};

use crate::error::{Error, Location, Result};
use crate::value::Value;

/// The location of a node's start.
pub(crate) fn loc(n: &Node) -> Location {
    Location {
        line: n.span.line,
        column: n.span.column,
    }
}

/// Whether a node is a plain null (`key:`, `~`, `null`).
pub(crate) fn is_null(n: &Node) -> bool {
    n.is_plain() && n.as_str().is_some_and(kdvc_yaml::schema::is_core_null)
}

/// Whether a node is a mapping.
pub(crate) fn is_map(n: &Node) -> bool {
    matches!(n.content, Content::Map { .. })
}

/// Whether a node is a sequence.
pub(crate) fn is_seq(n: &Node) -> bool {
    matches!(n.content, Content::Seq { .. })
}

fn yaml_error(path: &Path, e: &kdvc_yaml::Error) -> Error {
    Error::Yaml {
        path: path.to_path_buf(),
        location: Location {
            line: e.span.line,
            column: e.span.column,
        },
        message: e.kind.to_string(),
    }
}

/// Parses a whole file; an empty document is an empty mapping (as DVC's `parse_yaml(...) or {}`).
pub(crate) fn parse(text: &str, path: &Path) -> Result<Node> {
    let options = kdvc_yaml::Options::dvc();
    let root = kdvc_yaml::parse(text, &options).map_err(|e| yaml_error(path, &e))?;
    let empty = || Node {
        span: kdvc_yaml::Span {
            line: 1,
            column: 1,
            ..kdvc_yaml::Span::default()
        },
        tag: None,
        content: Content::Map {
            entries: Vec::new(),
            flow: false,
        },
    };
    let Some(root) = root else {
        return Ok(empty());
    };
    kdvc_yaml::check_scalar_tags(&root, options.schema).map_err(|e| yaml_error(path, &e))?;
    // `key:` with nothing at all: ruamel gives None and DVC turns it into {}.
    if is_null(&root) {
        return Ok(Node {
            span: root.span,
            ..empty()
        });
    }
    Ok(root)
}

/// Converts a node into a generic value (YAML 1.2 core schema).
pub(crate) fn to_value(n: &Node) -> Value {
    Value::from_core_node(n)
}

/// Serialises a value as a YAML document with DVC's (ruamel's) layout.
pub fn to_yaml_string(v: &Value) -> String {
    kdvc_yaml::to_yaml_string(v)
}

/// [`to_yaml_string`] without folding long lines.
pub fn to_yaml_string_unfolded(v: &Value) -> String {
    kdvc_yaml::to_yaml_string_unfolded(v)
}

/// Parses YAML text into a generic value (YAML 1.2 resolution as DVC reads files).
pub fn from_yaml_str(text: &str, path: &Path) -> Result<Value> {
    Ok(to_value(&parse(text, path)?))
}
