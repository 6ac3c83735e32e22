//! Parameters: the merged tree, the `params:` names Kedro registers, and where each value is defined.

use std::path::PathBuf;

use crate::value::{Map, Node, Reference, Value};

/// The merged parameters of one environment (`config_loader["parameters"]`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Parameters {
    tree: Map,
}

/// Where a parameter's effective value is defined.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Provenance {
    /// The parameter key path (`model.split.ratio`).
    pub key: String,
    /// The file defining it (relative to the project root), or `--params`.
    pub file: PathBuf,
    /// 1-based line of the key (0 for `--params`).
    pub line: usize,
    /// 1-based column of the key (0 for `--params`).
    pub column: usize,
    /// Set when the value comes from `--params`.
    pub runtime: bool,
    /// For an interpolated value: what it was read from (e.g. `globals` key `seed` in `conf/base/globals.yml`).
    pub interpolated_from: Vec<Reference>,
}

impl Parameters {
    /// Wraps a merged parameters tree.
    pub fn new(tree: Map) -> Self {
        Self { tree }
    }

    /// The tree.
    pub fn tree(&self) -> &Map {
        &self.tree
    }

    /// The whole tree as JSON (what the `parameters` dataset holds).
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::Value::Object(
            self.tree
                .iter()
                .map(|(k, v)| (k.clone(), v.to_json()))
                .collect(),
        )
    }

    /// The node at a dotted key path, walking mappings (a key containing a dot is also found).
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.named()
            .into_iter()
            .rev()
            .find(|(n, _)| n == key)
            .map(|(_, node)| node)
    }

    /// Kedro's dataset lookup: `parameters` gives the whole tree, `params:a.b` the value at `a.b`.
    pub fn lookup(&self, dataset_name: &str) -> Option<serde_json::Value> {
        if dataset_name == "parameters" {
            return Some(self.to_json());
        }
        let key = dataset_name.strip_prefix("params:")?;
        self.get(key).map(Node::to_json)
    }

    /// [`Self::lookup`] as JSON text ([`Value::json_text`]): `Infinity`, `-Infinity`, `NaN` and integers
    /// beyond 64 bits as Python's `json.dumps` writes them, so that each distinct value has its own text.
    pub fn lookup_text(&self, dataset_name: &str) -> Option<String> {
        if dataset_name == "parameters" {
            return Some(Value::Map(self.tree.clone()).json_text());
        }
        let key = dataset_name.strip_prefix("params:")?;
        self.get(key).map(|n| n.value.json_text())
    }

    /// Every `params:` dataset name Kedro registers, in its order: each top-level key, recursing into
    /// mappings with `.`-joined keys (lists are leaves).
    pub fn dataset_names(&self) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        for (n, _) in self.named() {
            let name = format!("params:{n}");
            if !names.contains(&name) {
                names.push(name);
            }
        }
        names
    }

    fn named(&self) -> Vec<(String, &Node)> {
        fn add<'a>(name: String, node: &'a Node, out: &mut Vec<(String, &'a Node)>) {
            out.push((name.clone(), node));
            if let Value::Map(m) = &node.value {
                for (k, v) in m {
                    add(format!("{name}.{k}"), v, out);
                }
            }
        }
        let mut out = Vec::new();
        for (k, v) in &self.tree {
            add(k.clone(), v, &mut out);
        }
        out
    }

    /// Where the effective value at `key` is defined (after environment overrides and `--params`), and,
    /// for an interpolated value, what it was read from.
    pub fn provenance(&self, key: &str) -> Option<Provenance> {
        self.get(key).map(|node| provenance_of(key, node))
    }

    /// Provenance of every leaf (non-mapping value), keyed by dotted path, in tree order.
    pub fn leaf_provenance(&self) -> Vec<Provenance> {
        self.named()
            .into_iter()
            .filter(|(_, n)| !matches!(n.value, Value::Map(_)))
            .map(|(k, n)| provenance_of(&k, n))
            .collect()
    }
}

fn provenance_of(key: &str, node: &Node) -> Provenance {
    Provenance {
        key: key.to_string(),
        file: node.origin.file.to_path_buf(),
        line: node.origin.line as usize,
        column: node.origin.column as usize,
        runtime: node.origin.is_runtime(),
        interpolated_from: node.refs.clone(),
    }
}
