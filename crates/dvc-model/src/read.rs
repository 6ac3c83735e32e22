//! Typed reading of parsed YAML nodes with DVC-style errors (`<message>, in a -> b -> c, line L, column C`).

use std::path::Path;

use indexmap::IndexMap;

use crate::error::{Error, Result};
use crate::value::Value;
use crate::yaml::{Content, Node, is_null, loc, to_value};

/// One step of a YAML path.
#[derive(Debug, Clone)]
pub(crate) enum Seg<'a> {
    Key(&'a str),
    Index(usize),
}

/// The context for reading one file: its path and the YAML path walked so far.
#[derive(Clone)]
pub(crate) struct Cx<'a> {
    pub(crate) file: &'a Path,
    pub(crate) path: Vec<Seg<'a>>,
}

impl<'a> Cx<'a> {
    pub(crate) fn new(file: &'a Path) -> Self {
        Cx {
            file,
            path: Vec::new(),
        }
    }

    pub(crate) fn key(&self, k: &'a str) -> Cx<'a> {
        let mut c = self.clone();
        c.path.push(Seg::Key(k));
        c
    }

    pub(crate) fn index(&self, i: usize) -> Cx<'a> {
        let mut c = self.clone();
        c.path.push(Seg::Index(i));
        c
    }

    pub(crate) fn err(&self, node: &Node, message: impl Into<String>) -> Error {
        let yaml_path = if self.path.is_empty() {
            "the document root".to_string()
        } else {
            self.path
                .iter()
                .map(|s| match s {
                    Seg::Key(k) => (*k).to_string(),
                    Seg::Index(i) => i.to_string(),
                })
                .collect::<Vec<_>>()
                .join(" -> ")
        };
        Error::Schema {
            path: self.file.to_path_buf(),
            yaml_path,
            location: loc(node),
            message: message.into(),
        }
    }

    /// The entries of a mapping, with string keys.
    pub(crate) fn map<'n>(&self, n: &'n Node) -> Result<Vec<(&'n str, &'n Node, &'n Node)>> {
        match &n.content {
            Content::Map { entries, .. } => entries
                .iter()
                .map(|(k, v)| match k.as_str() {
                    Some(s) => Ok((s, k, v)),
                    None => Err(self.err(k, "expected str (mapping keys must be strings)")),
                })
                .collect(),
            _ if is_null(n) => Ok(Vec::new()),
            _ => Err(self.err(n, "expected a dictionary")),
        }
    }

    /// The items of a sequence.
    pub(crate) fn seq<'n>(&self, n: &'n Node) -> Result<&'n [Node]> {
        match &n.content {
            Content::Seq { items, .. } => Ok(items),
            _ => Err(self.err(n, "expected a list")),
        }
    }

    /// A string (a quoted scalar, or a plain one that YAML 1.2 reads as a string).
    pub(crate) fn str(&self, n: &Node) -> Result<String> {
        self.scalar(n, "expected str", |v| match v {
            Value::Str(s) => Some(s),
            _ => None,
        })
    }

    /// The scalar `n` as `pick` takes its value; `expected` is the error otherwise.
    fn scalar<T>(
        &self,
        n: &Node,
        expected: &str,
        pick: impl FnOnce(Value) -> Option<T>,
    ) -> Result<T> {
        match &n.content {
            Content::Scalar { .. } => pick(to_value(n)).ok_or_else(|| self.err(n, expected)),
            _ => Err(self.err(n, expected)),
        }
    }

    /// A string or null (null gives `None`).
    pub(crate) fn opt_str(&self, n: &Node) -> Result<Option<String>> {
        if is_null(n) {
            Ok(None)
        } else {
            self.str(n).map(Some)
        }
    }

    pub(crate) fn bool(&self, n: &Node) -> Result<bool> {
        self.scalar(n, "expected bool", |v| match v {
            Value::Bool(b) => Some(b),
            _ => None,
        })
    }

    pub(crate) fn uint(&self, n: &Node) -> Result<u64> {
        self.scalar(n, "expected int", |v| match v {
            Value::Int(i) if i >= 0 => Some(i as u64),
            _ => None,
        })
    }

    /// A checksum (`md5`, `etag`, `checksum`): a string or an integer (DVC coerces), empty means none.
    pub(crate) fn checksum(&self, n: &Node) -> Result<Option<String>> {
        match &n.content {
            Content::Scalar { .. } => match to_value(n) {
                Value::Null => Ok(None),
                Value::Str(s) if s.is_empty() => Ok(None),
                Value::Str(s) => Ok(Some(s)),
                Value::Int(i) => Ok(Some(i.to_string())),
                _ => Err(self.err(n, "expected str")),
            },
            _ => Err(self.err(n, "expected str")),
        }
    }

    pub(crate) fn str_list(&self, n: &Node) -> Result<Vec<String>> {
        self.seq(n)?
            .iter()
            .enumerate()
            .map(|(i, it)| self.index(i).str(it))
            .collect()
    }

    pub(crate) fn value(&self, n: &Node) -> Value {
        to_value(n)
    }

    pub(crate) fn extra(&self, key: &Node) -> Error {
        self.err(key, "extra keys not allowed")
    }

    pub(crate) fn required(&self, n: &Node, key: &str) -> Error {
        self.key(key).err(n, "required key not provided")
    }

    /// Rejects a duplicate or missing key; helper for string-keyed maps.
    pub(crate) fn string_map<T>(
        &self,
        n: &'a Node,
        mut f: impl FnMut(&Cx<'a>, &'a Node) -> Result<T>,
    ) -> Result<IndexMap<String, T>> {
        let mut out = IndexMap::new();
        for (k, _, v) in self.map(n)? {
            out.insert(k.to_string(), f(&self.key(k), v)?);
        }
        Ok(out)
    }
}
