//! The symbol graph: one node per symbol, module preamble, whole module and whole package, its edges and
//! what each entry reaches.

use std::collections::BTreeSet;
use std::sync::Arc;

use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};
use rayon::prelude::*;

use super::engine::ModuleEntry;
use super::ids::{Id, IdVec, ModuleId, NodeId, SymbolId};
use super::merkle::digest_parts;
use super::resolve::Resolver;
use super::types::{EntryPoint, Warning};
use crate::normalize::Digest;
use crate::pins::Pins;
use crate::summary::{Binding, FileSummary, Ref};

/// A resolution target.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(super) enum Tgt {
    /// A graph node (symbol, module preamble, whole module, whole package).
    Node(NodeId),
    /// A first-party module (its preamble node), continuing attribute chains.
    Mod(ModuleId),
    /// A namespace package without `__init__.py` (continues attribute chains, has no code).
    Ns(String),
    /// A third-party distribution.
    Ext(String),
    /// A builtin or standard-library name.
    Builtin,
}

/// How a graph node is looked up.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) enum Key {
    /// A symbol, by module and name.
    Sym(ModuleId, String),
    /// A module's preamble.
    Module(ModuleId),
    /// A whole module.
    Whole(ModuleId),
    /// A whole top-level package.
    Package(String),
}

/// What a graph node stands for.
#[derive(Debug, Clone)]
pub(super) enum What {
    /// A module's preamble (its top-level statements that bind nothing).
    Module(ModuleId),
    /// A whole module (every symbol, the preamble and every import's target).
    Whole(ModuleId),
    /// A symbol of a module.
    Sym(SymbolId),
    /// A whole top-level package.
    Package(String),
}

#[derive(Debug, Clone)]
pub(super) struct GNode {
    /// What the node stands for (how its plan is computed).
    pub(super) what: What,
    pub(super) label: String,
    /// The module's file (shared by every node of the module).
    pub(super) file: Option<Arc<str>>,
    pub(super) line: u32,
    pub(super) local: Digest,
    pub(super) deps: BTreeSet<NodeId>,
    pub(super) externals: BTreeSet<String>,
    pub(super) warnings: BTreeSet<Warning>,
}

/// The resolved symbol graph of one revision of a project, with every SCC's Merkle hash computed.
#[derive(Debug, Clone)]
pub struct Index {
    pub(super) modules: IdVec<ModuleId, ModuleEntry>,
    pub(super) by_name: HashMap<String, ModuleId>,
    pub(super) namespaces: HashSet<String>,
    pub(super) tops: HashSet<String>,
    pub(super) nodes: IdVec<NodeId, GNode>,
    pub(super) keys: HashMap<Key, NodeId>,
    /// Symbol nodes by module and name (looked up by `&str`, without building a [`Key`]).
    pub(super) syms: IdVec<ModuleId, HashMap<String, NodeId>>,
    /// Each node's Merkle hash (its strongly connected component's).
    pub(super) deep: IdVec<NodeId, Digest>,
    /// Which nodes are resolved (all of them, unless built for given entries only).
    pub(super) planned: IdVec<NodeId, bool>,
    pub(super) pins: Pins,
    pub(super) python: String,
    pub(super) warnings: Vec<Warning>,
}

impl Index {
    /// Frees the index on the current rayon pool (it holds a few allocations per symbol of the project).
    pub(super) fn drop_in_parallel(self) {
        let Self { modules, nodes, .. } = self;
        rayon::join(
            || {
                let modules = modules.into_vec();
                modules.into_par_iter().with_min_len(64).for_each(drop);
            },
            || {
                let nodes = nodes.into_vec();
                nodes.into_par_iter().with_min_len(1024).for_each(drop);
            },
        );
    }

    /// The index of `modules`, every node resolved.
    pub(super) fn build(
        modules: Vec<ModuleEntry>,
        pins: Pins,
        python: String,
        warnings: Vec<Warning>,
    ) -> Self {
        let mut idx = Self::unresolved(modules, pins, python, warnings);
        idx.build_graph();
        idx.compute_deep();
        idx
    }

    /// The index of `modules` with only what `entries` reach resolved: enough for
    /// [`Index::fingerprint_all`] of those entries, with the same results as a full build.
    pub(super) fn build_for(
        modules: Vec<ModuleEntry>,
        pins: Pins,
        python: String,
        warnings: Vec<Warning>,
        entries: &[(String, EntryPoint)],
    ) -> Self {
        let mut idx = Self::unresolved(modules, pins, python, warnings);
        idx.build_nodes();
        idx.planned = IdVec::filled(false, idx.nodes.len());
        idx.deep = IdVec::filled([0; 32], idx.nodes.len());
        // The entries' roots need nodes but no edges (their hashes are computed again afterwards).
        let roots: BTreeSet<NodeId> = entries
            .par_iter()
            .map_init(
                || Resolver::new(&idx),
                |r, (_, e)| idx.entry_hash_with(r, e).roots,
            )
            .collect::<Vec<_>>()
            .into_iter()
            .flatten()
            .collect();
        idx.build_reachable(&roots);
        idx.compute_deep();
        idx
    }

    /// An index with modules but no graph yet.
    pub(super) fn unresolved(
        modules: Vec<ModuleEntry>,
        pins: Pins,
        python: String,
        warnings: Vec<Warning>,
    ) -> Self {
        let modules = IdVec::from_vec(modules);
        let by_name: HashMap<String, ModuleId> = modules
            .iter_enumerated()
            .map(|(i, m): (ModuleId, &ModuleEntry)| (m.name.clone(), i))
            .collect();
        let mut namespaces = HashSet::new();
        let mut tops = HashSet::new();
        for m in &modules {
            let parts: Vec<&str> = m.name.split('.').collect();
            tops.insert(parts[0].to_owned());
            for i in 1..parts.len() {
                let prefix = parts[..i].join(".");
                if !by_name.contains_key(&prefix) {
                    namespaces.insert(prefix);
                }
            }
        }
        Self {
            modules,
            by_name,
            namespaces,
            tops,
            nodes: IdVec::default(),
            keys: HashMap::new(),
            syms: IdVec::default(),
            deep: IdVec::default(),
            planned: IdVec::default(),
            pins,
            python,
            warnings,
        }
    }

    /// Warnings about the project as a whole (parse errors are also attached to the closures they affect).
    pub fn warnings(&self) -> &[Warning] {
        &self.warnings
    }

    /// The Python version the fingerprints record.
    pub fn python(&self) -> &str {
        &self.python
    }

    /// Number of first-party modules indexed.
    pub fn module_count(&self) -> usize {
        self.modules.len()
    }

    /// Dotted names of the first-party modules, sorted.
    pub fn module_names(&self) -> Vec<String> {
        let mut v: Vec<String> = self.modules.iter().map(|m| m.name.clone()).collect();
        v.sort();
        v
    }

    /// The summary of a first-party module.
    pub fn summary(&self, module: &str) -> Option<&FileSummary> {
        self.by_name
            .get(module)
            .map(|&i| self.modules[i].summary.as_ref())
    }

    pub(super) fn add_node(
        &mut self,
        key: Key,
        what: What,
        label: String,
        file: Option<Arc<str>>,
        line: u32,
    ) -> NodeId {
        let i = self.nodes.push(GNode {
            what,
            label,
            file,
            line,
            local: [0; 32],
            deps: BTreeSet::new(),
            externals: BTreeSet::new(),
            warnings: BTreeSet::new(),
        });
        match key {
            // Symbols are looked up through `syms` (by `&str`), never through `keys`.
            Key::Sym(m, name) => {
                if self.syms.len() <= m.index() {
                    self.syms.resize_with(m.index() + 1, HashMap::new);
                }
                self.syms[m].insert(name, i);
            }
            key => {
                self.keys.insert(key, i);
            }
        }
        i
    }

    pub(super) fn node(&self, key: &Key) -> NodeId {
        self.keys[key]
    }

    /// The node of symbol `name` of module `m`, if it has code.
    pub(super) fn sym(&self, m: ModuleId, name: &str) -> Option<NodeId> {
        self.syms.get(m).and_then(|t| t.get(name)).copied()
    }

    #[allow(clippy::too_many_lines)]
    /// Creates every node (modules, wholes, symbols with code, packages), without edges.
    pub(super) fn build_nodes(&mut self) {
        for m in self.modules.ids() {
            let name = self.modules[m].name.clone();
            let file: Arc<str> = Arc::from(self.modules[m].file.as_str());
            self.add_node(
                Key::Module(m),
                What::Module(m),
                name.clone(),
                Some(file.clone()),
                1,
            );
            self.add_node(
                Key::Whole(m),
                What::Whole(m),
                format!("{name}:*"),
                Some(file.clone()),
                1,
            );
            let summary = Arc::clone(&self.modules[m].summary);
            for (bi, (sym, alts)) in summary.bindings.iter().enumerate() {
                let line = alts.iter().find_map(|b| match b {
                    Binding::Def { unit, .. } | Binding::Store { unit } => Some(unit.line),
                    _ => None,
                });
                let has_code = alts
                    .iter()
                    .any(|b| matches!(b, Binding::GlobalWrite { .. }))
                    || line.is_some();
                if has_code {
                    self.add_node(
                        Key::Sym(m, sym.clone()),
                        What::Sym(SymbolId {
                            module: m,
                            binding: bi,
                        }),
                        format!("{name}:{sym}"),
                        Some(file.clone()),
                        line.unwrap_or(1),
                    );
                }
            }
        }
        let mut tops: Vec<String> = self.tops.iter().cloned().collect();
        tops.sort();
        for t in tops {
            let label = format!("{t}.*");
            let local = digest_parts(&[b"package", t.as_bytes()]);
            let i = self.add_node(Key::Package(t.clone()), What::Package(t), label, None, 0);
            self.nodes[i].local = local;
        }
    }

    /// Monkeypatches: `other.func = x` makes `other.func` depend on the patching module. Gives
    /// (patched node, patching module) pairs.
    pub(super) fn patch_edges(&self) -> Vec<(NodeId, ModuleId)> {
        let mut r = Resolver::new(self);
        let mut edges = Vec::new();
        for m in self.modules.ids() {
            let s = &self.modules[m].summary;
            for p in &s.patches {
                r.reset_memo();
                let (attrs, last) = p.attrs.split_at(p.attrs.len().saturating_sub(1));
                let mut tg = Vec::new();
                let mut dummy = Vec::new();
                r.resolve_ref(
                    m,
                    &Ref::Name {
                        root: p.root.clone(),
                        attrs: attrs.to_vec(),
                    },
                    &mut tg,
                    &mut dummy,
                );
                for t in tg {
                    if let Tgt::Mod(i) = t
                        && let Some(name) = last.first()
                    {
                        for t2 in r.lookup(i, name, 0) {
                            if let Tgt::Node(n) = t2 {
                                edges.push((n, m));
                            }
                        }
                    }
                }
                let _ = r.take_warnings();
            }
        }
        edges
    }

    /// The patch edges, by patched node.
    pub(super) fn patch_map(&self) -> HashMap<NodeId, Vec<ModuleId>> {
        let mut map: HashMap<NodeId, Vec<ModuleId>> = HashMap::new();
        for (n, m) in self.patch_edges() {
            map.entry(n).or_default().push(m);
        }
        map
    }

    /// Resolves every node.
    pub(super) fn build_graph(&mut self) {
        self.build_nodes();
        let patches = self.patch_map();
        let all: Vec<NodeId> = self.nodes.ids().collect();
        let plans = self.plans(&all);
        self.apply(plans, &patches);
        self.planned = IdVec::filled(true, self.nodes.len());
    }

    /// Resolves only the nodes reachable from `roots` (breadth first, each level in parallel). Their
    /// edges and hashes are exactly those of a full build.
    pub(super) fn build_reachable(&mut self, roots: &BTreeSet<NodeId>) {
        let patches = self.patch_map();
        let mut frontier: Vec<NodeId> = Vec::new();
        for &r in roots {
            if !self.planned[r] {
                self.planned[r] = true;
                frontier.push(r);
            }
        }
        while !frontier.is_empty() {
            let plans = self.plans(&frontier);
            let targets = self.apply(plans, &patches);
            frontier.clear();
            for t in targets {
                if !self.planned[t] {
                    self.planned[t] = true;
                    frontier.push(t);
                }
            }
            frontier.sort_unstable();
        }
    }

    /// Every graph node reachable from `roots` (breadth first, roots first).
    pub(super) fn reachable(&self, roots: impl IntoIterator<Item = NodeId>) -> Vec<NodeId> {
        let mut seen: IdVec<NodeId, bool> = IdVec::filled(false, self.nodes.len());
        let mut order: Vec<NodeId> = Vec::new();
        for r in roots {
            if !seen[r] {
                seen[r] = true;
                order.push(r);
            }
        }
        let mut i = 0;
        while i < order.len() {
            for d in &self.nodes[order[i]].deps {
                if !seen[*d] {
                    seen[*d] = true;
                    order.push(*d);
                }
            }
            i += 1;
        }
        order
    }
}
