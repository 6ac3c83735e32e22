//! The YAML files translate edits in place (dvc.yaml, parameters files), read as written: `kdvc-yaml`'s
//! marked tree without merges, so that every node's byte span points at its own text.

use std::path::Path;

use kdvc_yaml::{Node, Options, Schema};

use crate::error::{Error, Result};

/// Parses `text` as written (no `<<` merges, duplicate keys kept), typing scalars with `schema`.
/// An empty document gives `None`.
pub(crate) fn parse_source(text: &str, schema: Schema, file: &Path) -> Result<Option<Node>> {
    kdvc_yaml::parse(text, &Options::source(schema)).map_err(|e| Error::yaml(file, &e))
}
