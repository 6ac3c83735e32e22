//! Resolving graph nodes: each node's plan is its local hash, its targets and its warnings (docs/fingerprint.md#name-resolution, #merkle-hashing).

use std::borrow::Cow;

use foldhash::HashMap;
use rayon::prelude::*;

use super::graph::{Index, Key, Tgt, What};
use super::ids::{ModuleId, NodeId, SymbolId};
use super::merkle::digest_parts;
use super::resolve::Resolver;
use super::types::{Warning, WarningKind};
use crate::normalize::Digest;
use crate::summary::Binding;

/// How each reference of a unit resolved: (reference, target label), hashed into the unit's node.
pub(super) type ResMap<'a> = Vec<(String, Cow<'a, str>)>;

/// The targets of an import binding of module `m` (nothing for other bindings).
pub(super) fn import_targets(r: &mut Resolver<'_>, m: ModuleId, b: &Binding, tg: &mut Vec<Tgt>) {
    match b {
        Binding::Import { module, loads, .. } => {
            tg.extend(r.module(module, m, 0));
            if let Some(l) = loads {
                tg.extend(r.module(l, m, 0));
            }
        }
        Binding::ImportFrom {
            level,
            module,
            name,
            line,
        } => tg.extend(r.import_from(m, *level, module, name, *line, 0)),
        _ => {}
    }
}

/// What resolving one graph node gives: the node, its local hash, its targets and its warnings.
pub(super) type Plan = (NodeId, Digest, Vec<Tgt>, Vec<Warning>);

/// Nodes resolved per parallel task (each plan still has its own memo).
pub(super) const RESOLVE_CHUNK: usize = 64;

impl Index {
    /// The plans of `nodes`, in parallel over fixed chunks. Each plan is resolved with a fresh memo, so it
    /// depends on its node alone: never on the thread count, on other nodes, or on which nodes are planned.
    pub(super) fn plans(&self, nodes: &[NodeId]) -> Vec<Plan> {
        nodes
            .par_chunks(RESOLVE_CHUNK)
            .flat_map_iter(|chunk| {
                let mut r = Resolver::new(self);
                chunk
                    .iter()
                    .map(|&n| self.node_plan(&mut r, n))
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    /// Records plans as the nodes' local hashes, edges, distributions and warnings; gives the targets.
    pub(super) fn apply(
        &mut self,
        plans: Vec<Plan>,
        patches: &HashMap<NodeId, Vec<ModuleId>>,
    ) -> Vec<NodeId> {
        let mut targets = Vec::new();
        for (node, local, tg, warns) in plans {
            self.nodes[node].local = local;
            for t in tg {
                match t {
                    Tgt::Node(n) => {
                        self.nodes[node].deps.insert(n);
                    }
                    Tgt::Mod(i) => {
                        let n = self.node(&Key::Module(i));
                        if n != node {
                            self.nodes[node].deps.insert(n);
                        }
                    }
                    Tgt::Ext(d) => {
                        self.nodes[node].externals.insert(d);
                    }
                    Tgt::Ns(_) | Tgt::Builtin => {}
                }
            }
            if let Some(ms) = patches.get(&node) {
                for m in ms {
                    let target = self.node(&Key::Module(*m));
                    self.nodes[node].deps.insert(target);
                }
            }
            self.nodes[node].warnings.extend(warns);
            targets.extend(self.nodes[node].deps.iter().copied());
        }
        targets
    }

    /// The plan (local hash, targets, warnings) of one node.
    pub(super) fn node_plan(&self, r: &mut Resolver<'_>, node: NodeId) -> Plan {
        r.reset_memo();
        let _ = r.take_warnings();
        match &self.nodes[node].what {
            What::Module(m) => self.preamble_plan(r, node, *m),
            What::Sym(sym) => self.symbol_plan(r, node, *sym),
            What::Whole(m) => self.whole_plan(r, node, *m),
            What::Package(t) => {
                let prefix = format!("{t}.");
                let tg: Vec<Tgt> = self
                    .modules
                    .ids()
                    .filter(|&i| {
                        self.modules[i].name == *t || self.modules[i].name.starts_with(&prefix)
                    })
                    .map(|i| Tgt::Node(r.whole(i)))
                    .collect();
                (node, self.nodes[node].local, tg, Vec::new())
            }
        }
    }

    /// The plan of module `m`'s preamble node.
    pub(super) fn preamble_plan(&self, r: &mut Resolver<'_>, node: NodeId, m: ModuleId) -> Plan {
        let me = &self.modules[m];
        let s = &me.summary;
        // Module preamble.
        let mut res_map = Vec::new();
        let mut tg = Vec::new();
        let mut h = blake3::Hasher::new();
        h.update(b"module\0");
        h.update(me.name.as_bytes());
        h.update(&[u8::from(s.parse_ok), u8::from(me.is_package)]);
        for u in &s.preamble {
            h.update(u.hash.as_bytes());
            r.unit(m, u, &mut tg, &mut res_map);
        }
        for st in &s.star_imports {
            h.update(format!("star:{}:{}", st.level, st.module).as_bytes());
            match r.absolutize(m, st.level, &st.module, st.line) {
                Some(abs) => {
                    let t = r.module(&abs, m, st.line);
                    tg.extend(t);
                }
                None => tg.push(Tgt::Node(r.whole(m))),
            }
        }
        if let Some((parent, _)) = me.name.rsplit_once('.')
            && let Some(p) = self.by_name.get(parent)
        {
            tg.push(Tgt::Mod(*p));
        }
        if !s.parse_ok {
            r.warn(m, Some(1), WarningKind::ParseError, "the file has syntax errors; its raw bytes are hashed, so any edit to it changes the fingerprints of its users".to_owned());
        }
        let mut warns = r.take_warnings();
        res_map.sort();
        for (a, b) in &res_map {
            h.update(a.as_bytes());
            h.update(b.as_bytes());
        }
        (
            node,
            *h.finalize().as_bytes(),
            tg,
            std::mem::take(&mut warns),
        )
    }

    /// The plan of symbol node `node`: binding `bi` of module `m`.
    pub(super) fn symbol_plan(&self, r: &mut Resolver<'_>, node: NodeId, symbol: SymbolId) -> Plan {
        let m = symbol.module;
        let me = &self.modules[m];
        let s = &me.summary;
        let Some((sym, alts)) = s.bindings.get_index(symbol.binding) else {
            return (node, [0; 32], Vec::new(), Vec::new());
        };
        {
            let mut res_map = Vec::new();
            let mut tg = vec![Tgt::Mod(m)];
            let mut h = blake3::Hasher::new();
            h.update(b"symbol\0");
            h.update(me.name.as_bytes());
            h.update(b":");
            h.update(sym.as_bytes());
            for b in alts {
                match b {
                    Binding::Def { class, unit } => {
                        h.update(if *class { b"class" } else { b"def\0\0" });
                        h.update(unit.hash.as_bytes());
                        r.unit(m, unit, &mut tg, &mut res_map);
                    }
                    Binding::Store { unit } => {
                        h.update(b"store");
                        h.update(unit.hash.as_bytes());
                        r.unit(m, unit, &mut tg, &mut res_map);
                    }
                    Binding::GlobalWrite { by } => {
                        h.update(b"global");
                        h.update(by.as_bytes());
                        if let Some(n) = self.sym(m, by) {
                            tg.push(Tgt::Node(n));
                        }
                    }
                    Binding::Import { module, .. } => {
                        h.update(b"import");
                        h.update(module.as_bytes());
                        import_targets(r, m, b, &mut tg);
                    }
                    Binding::ImportFrom {
                        level,
                        module,
                        name,
                        ..
                    } => {
                        h.update(format!("from:{level}:{module}:{name}").as_bytes());
                        import_targets(r, m, b, &mut tg);
                    }
                }
            }
            res_map.sort();
            for (a, b) in &res_map {
                h.update(a.as_bytes());
                h.update(b.as_bytes());
            }
            (node, *h.finalize().as_bytes(), tg, r.take_warnings())
        }
    }

    /// The plan of module `m`'s whole-module node.
    pub(super) fn whole_plan(&self, r: &mut Resolver<'_>, node: NodeId, m: ModuleId) -> Plan {
        let me = &self.modules[m];
        let s = &me.summary;
        // Whole module: every symbol, the preamble, and every import's target.
        let mut tg = vec![Tgt::Mod(m)];
        for (sym, alts) in &s.bindings {
            if let Some(n) = self.sym(m, sym) {
                tg.push(Tgt::Node(n));
            }
            for b in alts {
                import_targets(r, m, b, &mut tg);
            }
        }
        for st in &s.star_imports {
            if let Some(abs) = r.absolutize(m, st.level, &st.module, st.line) {
                for t in r.module(&abs, m, st.line) {
                    tg.push(match t {
                        Tgt::Mod(i) => Tgt::Node(r.whole(i)),
                        other => other,
                    });
                }
            }
        }
        let local = digest_parts(&[b"whole", me.name.as_bytes(), s.norm_hash.as_bytes()]);
        (node, local, tg, r.take_warnings())
    }
}
