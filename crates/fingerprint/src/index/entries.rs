//! Fingerprints of entry points: one with its closure, many at once with their compact record, and diffs.

use std::collections::{BTreeMap, BTreeSet};

use foldhash::{HashMap, HashMapExt};
use rayon::prelude::*;

use super::graph::{Index, Tgt};
use super::ids::{IdVec, NodeId};
use super::merkle::{EntryHash, expression_refs, short_hex};
use super::resolve::Resolver;
use super::types::{
    EntryDiff, EntryPoint, ExternalRecord, Fingerprint, FuncRef, SymbolRecord, Warning, WarningKind,
};
use crate::record::{FingerprintSet, RECORD_VERSION, Record, RecordNode, RecordSymbol};
use crate::summary::Ref;

impl Index {
    pub(super) fn externals_record(&self, dists: BTreeSet<String>) -> Vec<ExternalRecord> {
        dists
            .into_iter()
            .map(|d| ExternalRecord {
                version: self.pins.version(&d).map(str::to_owned),
                dist: d,
            })
            .collect()
    }

    /// The fingerprint of one entry point, with its closure records (computed on demand: the closure walk
    /// is for explanations, the hash itself comes from the Merkle hashes).
    pub fn fingerprint(&self, entry: &EntryPoint) -> Fingerprint {
        let EntryHash {
            hash,
            roots,
            mut externals,
            warnings,
            extras,
        } = self.entry_hash(entry);
        let mut warnings: BTreeSet<Warning> = warnings.into_iter().collect();
        let mut closure = Vec::new();
        for n in self.reachable(roots) {
            let node = &self.nodes[n];
            closure.push(SymbolRecord {
                symbol: node.label.clone(),
                file: node.file.as_deref().map(str::to_owned),
                line: node.line,
                hash: short_hex(&node.local),
            });
            externals.extend(node.externals.iter().cloned());
            warnings.extend(node.warnings.iter().cloned());
        }
        closure.extend(extras);
        closure.sort();
        Fingerprint {
            hash,
            python: self.python.clone(),
            closure,
            externals: self.externals_record(externals),
            warnings: warnings.into_iter().collect(),
        }
    }

    /// The fingerprints of many entries (in parallel, O(V+E) for all of them together: each entry hashes
    /// the Merkle hashes of its roots), the warnings of every closure, and the compact [`Record`] that
    /// explains them.
    pub fn fingerprint_all(&self, entries: &[(String, EntryPoint)]) -> FingerprintSet {
        let hashes: Vec<EntryHash> = entries
            .par_iter()
            .map_init(
                || Resolver::new(self),
                |r, (_, e)| self.entry_hash_with(r, e),
            )
            .collect();
        let mut warnings: BTreeSet<Warning> = BTreeSet::new();
        for e in &hashes {
            warnings.extend(e.warnings.iter().cloned());
        }
        let reach = self.reachable(hashes.iter().flat_map(|e| e.roots.iter().copied()));
        for n in &reach {
            warnings.extend(self.nodes[*n].warnings.iter().cloned());
        }
        let record = self.record(entries, &hashes, &reach);
        FingerprintSet {
            python: self.python.clone(),
            nodes: entries
                .iter()
                .zip(&hashes)
                .map(|((k, _), e)| (k.clone(), e.hash.clone()))
                .collect(),
            warnings: warnings.into_iter().collect(),
            record: Some(record),
            reused: false,
            key: None,
        }
    }

    /// The compact record of `entries`: every reachable symbol once (with its dependencies as ids), each
    /// entry as its roots.
    pub(super) fn record(
        &self,
        entries: &[(String, EntryPoint)],
        hashes: &[EntryHash],
        reach: &[NodeId],
    ) -> Record {
        let mut sorted: Vec<NodeId> = reach.to_vec();
        sorted.sort_by(|a, b| self.nodes[*a].label.cmp(&self.nodes[*b].label));
        let mut id: IdVec<NodeId, u32> = IdVec::filled(u32::MAX, self.nodes.len());
        for (i, n) in sorted.iter().enumerate() {
            id[*n] = u32::try_from(i).unwrap_or(u32::MAX);
        }
        let mut files: Vec<String> = Vec::new();
        let mut file_id: HashMap<&str, u32> = HashMap::new();
        let mut dists: Vec<String> = Vec::new();
        let mut dist_id: HashMap<&str, u32> = HashMap::new();
        let mut symbols = Vec::with_capacity(sorted.len());
        for n in &sorted {
            let node = &self.nodes[*n];
            let file = node
                .file
                .as_deref()
                .map(|f| intern(&mut file_id, &mut files, f));
            let ext: Vec<u32> = node
                .externals
                .iter()
                .map(|d| intern(&mut dist_id, &mut dists, d))
                .collect();
            let mut deps: Vec<u32> = node.deps.iter().map(|d| id[*d]).collect();
            deps.sort_unstable();
            symbols.push(RecordSymbol(
                node.label.clone(),
                file,
                node.line,
                short_hex(&node.local),
                deps,
                ext,
            ));
        }
        let mut nodes = BTreeMap::new();
        for ((key, _), e) in entries.iter().zip(hashes) {
            let mut roots: Vec<u32> = e.roots.iter().map(|n| id[*n]).collect();
            roots.sort_unstable();
            let ext: Vec<u32> = e
                .externals
                .iter()
                .map(|d| intern(&mut dist_id, &mut dists, d))
                .collect();
            nodes.insert(
                key.clone(),
                RecordNode {
                    hash: e.hash.clone(),
                    roots,
                    extras: e.extras.clone(),
                    externals: ext,
                },
            );
        }
        let dists = dists
            .into_iter()
            .map(|d| ExternalRecord {
                version: self.pins.version(&d).map(str::to_owned),
                dist: d,
            })
            .collect();
        Record {
            schema: RECORD_VERSION.to_owned(),
            python: self.python.clone(),
            files,
            dists,
            symbols,
            nodes,
        }
    }

    pub(super) fn entry_func(
        &self,
        r: &mut Resolver<'_>,
        f: &FuncRef,
        tg: &mut Vec<Tgt>,
        extras: &mut Vec<SymbolRecord>,
        h: &mut blake3::Hasher,
    ) {
        match f {
            FuncRef::Function { module, name } => {
                h.update(b"function\0");
                h.update(module.as_bytes());
                h.update(b":");
                h.update(name.as_bytes());
                tg.extend(r.dotted_symbol(&format!("{module}.{name}")));
            }
            FuncRef::Partial {
                inner,
                args,
                module,
            } => {
                h.update(b"partial\0");
                self.entry_func(r, inner, tg, extras, h);
                let (hash, mut refs) = expression_refs(&format!("__kdvc_partial__(\n{args}\n)"));
                refs.retain(|r| !matches!(r, Ref::Name { root, attrs } if root == "__kdvc_partial__" && attrs.is_empty()));
                h.update(hash.as_bytes());
                self.entry_refs(r, module.as_deref(), &refs, tg, h);
                extras.push(SymbolRecord {
                    symbol: format!(
                        "<partial args>{}",
                        module
                            .as_deref()
                            .map(|m| format!(" in {m}"))
                            .unwrap_or_default()
                    ),
                    file: module
                        .as_deref()
                        .and_then(|m| self.by_name.get(m))
                        .map(|i| self.modules[*i].file.clone()),
                    line: 0,
                    hash: hash.chars().take(16).collect(),
                });
            }
            FuncRef::Lambda { module, source } => {
                h.update(b"lambda\0");
                h.update(module.as_bytes());
                let (hash, refs) = expression_refs(source);
                h.update(hash.as_bytes());
                self.entry_refs(r, Some(module), &refs, tg, h);
                extras.push(SymbolRecord {
                    symbol: format!("<lambda> in {module}"),
                    file: self
                        .by_name
                        .get(module)
                        .map(|i| self.modules[*i].file.clone()),
                    line: 0,
                    hash: hash.chars().take(16).collect(),
                });
            }
        }
    }

    pub(super) fn entry_refs(
        &self,
        r: &mut Resolver<'_>,
        module: Option<&str>,
        refs: &[Ref],
        tg: &mut Vec<Tgt>,
        h: &mut blake3::Hasher,
    ) {
        let Some(module) = module else {
            return;
        };
        let Some(&m) = self.by_name.get(module) else {
            r.warnings.push(Warning {
                kind: WarningKind::MissingEntry,
                module: module.to_owned(),
                file: None,
                line: None,
                message: format!(
                    "module {module} of a lambda or partial is not in the project's source roots"
                ),
            });
            return;
        };
        tg.push(Tgt::Mod(m));
        let mut res_map = Vec::new();
        for rf in refs {
            r.resolve_ref(m, rf, tg, &mut res_map);
        }
        res_map.sort();
        for (a, b) in res_map {
            h.update(a.as_bytes());
            h.update(b.as_bytes());
        }
    }

    /// The entries whose fingerprint differs between `self` (old) and `new`, with what changed (closures are
    /// walked only for those).
    pub fn diff(&self, new: &Index, entries: &[(String, EntryPoint)]) -> Vec<EntryDiff> {
        entries
            .par_iter()
            .filter_map(|(key, e)| {
                if self.entry_hash(e).hash == new.entry_hash(e).hash {
                    return None;
                }
                let (a, b) = (self.fingerprint(e), new.fingerprint(e));
                Some(EntryDiff {
                    key: key.clone(),
                    change: b.changed_symbols(&a),
                    before: a.hash,
                    after: b.hash,
                })
            })
            .collect()
    }
}

/// The index of `s` in `list`, appending it (and remembering its index in `ids`) the first time.
fn intern<'s>(ids: &mut HashMap<&'s str, u32>, list: &mut Vec<String>, s: &'s str) -> u32 {
    *ids.entry(s).or_insert_with(|| {
        list.push(s.to_owned());
        u32::try_from(list.len() - 1).unwrap_or(u32::MAX)
    })
}
