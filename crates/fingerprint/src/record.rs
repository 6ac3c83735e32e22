//! The compact record of a fingerprint run (docs/fingerprint.md#records-and-explanations): enough to explain, later, which
//! symbols of a node's closure changed, without storing every node's closure.
//!
//! Every symbol reachable from some node is stored once, with a short hash of its own code, its file and
//! line, its dependencies (as ids into the same table) and the distributions it imports; a node is its hash
//! and its roots. A node's closure is rebuilt on demand by walking the table ([`Record::fingerprint`]). For
//! 2,000 nodes whose closures hold 1,000 symbols each, the record holds each shared symbol once instead of
//! two million closure entries.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::index::{ExternalRecord, Fingerprint, SymbolRecord, Warning};

/// Version of the [`Record`] format.
pub const RECORD_VERSION: &str = "kdvc-fp-record-2";

/// One symbol of a [`Record`]: `(symbol, file id, line, short hash, dependency ids, distribution ids)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordSymbol(
    /// `pkg.mod:name`, as in [`SymbolRecord::symbol`].
    pub String,
    /// Index into [`Record::files`].
    pub Option<u32>,
    /// 1-based line.
    pub u32,
    /// Short hash of the symbol's own code.
    pub String,
    /// Indexes into [`Record::symbols`] of the symbols it depends on.
    pub Vec<u32>,
    /// Indexes into [`Record::dists`] of the distributions it imports.
    pub Vec<u32>,
);

/// One node of a [`Record`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordNode {
    /// The node's fingerprint.
    pub hash: String,
    /// Indexes into [`Record::symbols`] where its closure starts.
    pub roots: Vec<u32>,
    /// Records of the node's own code (lambda, partial arguments).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extras: Vec<SymbolRecord>,
    /// Indexes into [`Record::dists`] of distributions the entry itself imports.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub externals: Vec<u32>,
}

/// The record of the fingerprints of many nodes (see the module docs).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    /// [`RECORD_VERSION`].
    pub schema: String,
    /// The Python version recorded.
    pub python: String,
    /// Files, relative to the project root.
    pub files: Vec<String>,
    /// Third-party distributions and their pinned versions.
    pub dists: Vec<ExternalRecord>,
    /// Every symbol reachable from a node, sorted by name.
    pub symbols: Vec<RecordSymbol>,
    /// The nodes by key.
    pub nodes: BTreeMap<String, RecordNode>,
}

impl Record {
    /// The recorded fingerprint of node `key`, with its closure rebuilt from the symbol table (warnings are
    /// not recorded). `None` if the record has no such node.
    pub fn fingerprint(&self, key: &str) -> Option<Fingerprint> {
        let node = self.nodes.get(key)?;
        let n = self.symbols.len();
        let mut seen = vec![false; n];
        let mut stack: Vec<usize> = Vec::new();
        for r in &node.roots {
            let r = *r as usize;
            if r < n && !seen[r] {
                seen[r] = true;
                stack.push(r);
            }
        }
        let mut dists: BTreeSet<u32> = node.externals.iter().copied().collect();
        let mut closure = node.extras.clone();
        while let Some(i) = stack.pop() {
            let RecordSymbol(symbol, file, line, hash, deps, ext) = &self.symbols[i];
            closure.push(SymbolRecord {
                symbol: symbol.clone(),
                file: file.and_then(|f| self.files.get(f as usize).cloned()),
                line: *line,
                hash: hash.clone(),
            });
            dists.extend(ext.iter().copied());
            for d in deps {
                let d = *d as usize;
                if d < n && !seen[d] {
                    seen[d] = true;
                    stack.push(d);
                }
            }
        }
        closure.sort();
        let mut externals: Vec<ExternalRecord> = dists
            .into_iter()
            .filter_map(|d| self.dists.get(d as usize).cloned())
            .collect();
        externals.sort();
        externals.dedup();
        Some(Fingerprint {
            hash: node.hash.clone(),
            python: self.python.clone(),
            closure,
            externals,
            warnings: Vec::new(),
        })
    }
}

/// The fingerprints of many nodes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FingerprintSet {
    /// The Python version recorded.
    pub python: String,
    /// `(key, fingerprint)` of every entry, in input order.
    pub nodes: Vec<(String, String)>,
    /// Fallbacks that widened some closure, sorted.
    pub warnings: Vec<Warning>,
    /// The record that explains the fingerprints; `None` when they were reused unchanged from the last run
    /// (the record written then still holds).
    #[serde(skip)]
    pub record: Option<Record>,
    /// True when nothing changed since the last run and its result was reused without resolving anything.
    #[serde(skip)]
    pub reused: bool,
    /// The combined hash of every input (sources, lock files, entries, versions), when known.
    #[serde(default)]
    pub key: Option<String>,
}
