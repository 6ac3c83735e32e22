//! Merkle hashes over the graph's strongly connected components (docs/fingerprint.md#merkle-hashing), and where an entry's hash starts.

use std::collections::BTreeSet;

use kdvc_python::grammar;
use petgraph::graph::{DiGraph, NodeIndex};

use super::graph::{Index, Key, Tgt};
use super::ids::{Id, IdVec, NodeId};
use super::resolve::Resolver;
use super::types::{EntryPoint, SymbolRecord, Warning};
use crate::normalize::{Digest, hex};
use crate::summary::{self, Ref};
use crate::{GRAMMAR_VERSION, NORMALIZER_VERSION, SCHEMA_VERSION, TOOL_VERSION};

pub(super) fn digest_parts(parts: &[&[u8]]) -> Digest {
    let mut h = blake3::Hasher::new();
    for p in parts {
        h.update(&(p.len() as u64).to_le_bytes());
        h.update(p);
    }
    *h.finalize().as_bytes()
}

/// What an entry point's hash starts from.
pub(super) struct EntryHash {
    pub(super) hash: String,
    pub(super) roots: BTreeSet<NodeId>,
    /// Distributions the entry itself imports (the roots' Merkle hashes cover the closure's).
    pub(super) externals: BTreeSet<String>,
    pub(super) warnings: Vec<Warning>,
    /// Records of the entry's own code (lambda, partial arguments).
    pub(super) extras: Vec<SymbolRecord>,
}

/// The first 16 hex digits of a digest: enough to tell which symbols changed, in records.
pub(crate) fn short_hex(d: &Digest) -> String {
    let mut s = hex(d);
    s.truncate(16);
    s
}

/// Normalized hash and free references of an expression's source (a lambda, partial arguments).
pub(super) fn expression_refs(source: &str) -> (String, Vec<Ref>) {
    let bytes = source.as_bytes();
    match grammar::parse(bytes) {
        Some(tree) if crate::normalize::parsed_cleanly(&tree) => {
            let root = tree.root_node();
            let hash = hex(&crate::normalize::digest(bytes, root));
            let c = summary::collect(bytes, root, false);
            (hash, c.refs.into_iter().collect())
        }
        _ => (
            format!("raw:{}", hex(&crate::normalize::raw_digest(bytes))),
            Vec::new(),
        ),
    }
}

impl Index {
    pub(super) fn compute_deep(&mut self) {
        let mut g: DiGraph<(), ()> = DiGraph::with_capacity(self.nodes.len(), 0);
        for _ in 0..self.nodes.len() {
            g.add_node(());
        }
        for (i, n) in self.nodes.iter_enumerated() {
            for d in &n.deps {
                g.add_edge(NodeIndex::new(i.index()), NodeIndex::new(d.index()), ());
            }
        }
        let sccs = petgraph::algo::tarjan_scc(&g);
        let node_id = |n: &NodeIndex| NodeId::from_index(n.index());
        let mut scc_of: IdVec<NodeId, usize> = IdVec::filled(usize::MAX, self.nodes.len());
        for (si, scc) in sccs.iter().enumerate() {
            for n in scc {
                scc_of[node_id(n)] = si;
            }
        }
        let mut scc_deep: Vec<Digest> = vec![[0; 32]; sccs.len()];
        let mut members: Vec<(&str, Digest)> = Vec::new();
        let mut dep_deeps: Vec<Digest> = Vec::new();
        let mut exts: Vec<(&str, &str)> = Vec::new();
        for (si, scc) in sccs.iter().enumerate() {
            // Unresolved nodes (a build for some entries only) have no edges and are never reached.
            if scc.iter().any(|n| !self.planned[node_id(n)]) {
                continue;
            }
            members.clear();
            dep_deeps.clear();
            exts.clear();
            members.extend(scc.iter().map(|n| {
                let node = &self.nodes[node_id(n)];
                (node.label.as_str(), node.local)
            }));
            members.sort_unstable();
            for n in scc {
                let node = &self.nodes[node_id(n)];
                for d in &node.deps {
                    let ds = scc_of[*d];
                    if ds != si {
                        dep_deeps.push(scc_deep[ds]);
                    }
                }
                for e in &node.externals {
                    exts.push((e.as_str(), self.pins.version(e).unwrap_or("unpinned")));
                }
            }
            // Sorted and unique, as the sets they stand for.
            dep_deeps.sort_unstable();
            dep_deeps.dedup();
            exts.sort_unstable();
            exts.dedup();
            let mut h = blake3::Hasher::new();
            h.update(b"scc\0");
            for (l, d) in &members {
                h.update(&(l.len() as u64).to_le_bytes());
                h.update(l.as_bytes());
                h.update(d);
            }
            h.update(b"deps\0");
            for d in &dep_deeps {
                h.update(d);
            }
            h.update(b"ext\0");
            for (d, v) in &exts {
                h.update(&(d.len() as u64).to_le_bytes());
                h.update(d.as_bytes());
                h.update(&(v.len() as u64).to_le_bytes());
                h.update(v.as_bytes());
            }
            scc_deep[si] = *h.finalize().as_bytes();
        }
        self.deep = IdVec::from_vec(scc_of.iter().map(|&si| scc_deep[si]).collect());
    }

    /// The hash of one entry point and what it starts from (no closure walk: O(size of the entry)).
    pub(super) fn entry_hash(&self, entry: &EntryPoint) -> EntryHash {
        self.entry_hash_with(&mut Resolver::new(self), entry)
    }

    /// [`Index::entry_hash`] with a resolver to reuse (its memo is reset first).
    pub(super) fn entry_hash_with(&self, r: &mut Resolver<'_>, entry: &EntryPoint) -> EntryHash {
        r.reset_memo();
        let _ = r.take_warnings();
        let mut roots: BTreeSet<NodeId> = BTreeSet::new();
        let mut externals: BTreeSet<String> = BTreeSet::new();
        let mut extras: Vec<SymbolRecord> = Vec::new();
        let mut h = blake3::Hasher::new();
        for part in [
            SCHEMA_VERSION,
            TOOL_VERSION,
            GRAMMAR_VERSION,
            NORMALIZER_VERSION,
            self.python.as_str(),
        ] {
            h.update(&(part.len() as u64).to_le_bytes());
            h.update(part.as_bytes());
        }
        let mut tg = Vec::new();
        self.entry_func(r, &entry.func, &mut tg, &mut extras, &mut h);
        for sym in &entry.extra_symbols {
            h.update(b"extra\0");
            h.update(sym.as_bytes());
            tg.extend(r.dotted_symbol(sym));
        }
        for t in tg {
            match t {
                Tgt::Node(n) => {
                    roots.insert(n);
                }
                Tgt::Mod(i) => {
                    roots.insert(self.node(&Key::Module(i)));
                }
                Tgt::Ext(d) => {
                    externals.insert(d);
                }
                Tgt::Ns(_) | Tgt::Builtin => {}
            }
        }
        // The Merkle hashes of the roots cover the whole closure, its code and its pinned distributions.
        h.update(b"roots\0");
        let root_deeps: BTreeSet<Digest> = roots.iter().map(|n| self.deep[*n]).collect();
        for d in &root_deeps {
            h.update(d);
        }
        h.update(b"direct-ext\0");
        for d in &externals {
            h.update(d.as_bytes());
            h.update(b"=");
            h.update(self.pins.version(d).unwrap_or("unpinned").as_bytes());
            h.update(b"\0");
        }
        EntryHash {
            hash: h.finalize().to_hex().to_string(),
            roots,
            externals,
            warnings: r.take_warnings(),
            extras,
        }
    }
}
