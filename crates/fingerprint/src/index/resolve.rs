//! Name resolution across modules (docs/fingerprint.md#name-resolution): names, attribute chains, imports and re-exports to targets, with
//! conservative fallbacks.

use std::borrow::Cow;

use foldhash::HashMap;

use super::graph::{Index, Key, Tgt};
use super::ids::{IdVec, ModuleId, NodeId};
use super::plan::ResMap;
use super::types::{Warning, WarningKind};
use crate::pins;
use crate::summary::{Binding, Dynamic, Ref, Unit};

/// Resolves references of one module to targets (docs/fingerprint.md#name-resolution), memoised per (module, name).
pub(super) struct Resolver<'a> {
    pub(super) idx: &'a Index,
    /// Per module (created on first use): name -> targets. Reset for every plan (see
    /// [`Resolver::reset_memo`]).
    pub(super) memo: IdVec<ModuleId, Option<HashMap<String, Vec<Tgt>>>>,
    /// Modules whose memo has entries.
    pub(super) touched: Vec<ModuleId>,
    pub(super) warnings: Vec<Warning>,
    /// Line of the unit being resolved (for warnings).
    pub(super) line: Option<u32>,
}

impl<'a> Resolver<'a> {
    pub(super) fn new(idx: &'a Index) -> Self {
        Self {
            idx,
            memo: IdVec::filled(None, idx.modules.len()),
            touched: Vec::new(),
            warnings: Vec::new(),
            line: None,
        }
    }

    /// Forgets every memoised lookup, so that what follows depends on nothing resolved before: a
    /// lookup's result can depend on the lookups in progress (an import cycle is cut where it is entered).
    pub(super) fn reset_memo(&mut self) {
        for m in self.touched.drain(..) {
            if let Some(t) = self.memo[m].as_mut() {
                t.clear();
            }
        }
    }

    pub(super) fn take_warnings(&mut self) -> Vec<Warning> {
        std::mem::take(&mut self.warnings)
    }

    pub(super) fn warn(
        &mut self,
        m: ModuleId,
        line: Option<u32>,
        kind: WarningKind,
        message: String,
    ) {
        let me = &self.idx.modules[m];
        self.warnings.push(Warning {
            kind,
            module: me.name.clone(),
            file: Some(me.file.clone()),
            line,
            message,
        });
    }

    pub(super) fn whole(&self, m: ModuleId) -> NodeId {
        self.idx.keys[&Key::Whole(m)]
    }

    pub(super) fn package(&self, top: &str) -> Option<NodeId> {
        self.idx.keys.get(&Key::Package(top.to_owned())).copied()
    }

    pub(super) fn top_package_of(&self, m: ModuleId) -> Tgt {
        let top = self.idx.modules[m]
            .name
            .split('.')
            .next()
            .unwrap_or_default();
        self.package(top)
            .map_or(Tgt::Node(self.whole(m)), Tgt::Node)
    }

    /// Resolves the refs and dynamic flags of one unit, appending targets and `(ref, target)` pairs.
    pub(super) fn unit(
        &mut self,
        m: ModuleId,
        u: &Unit,
        tg: &mut Vec<Tgt>,
        res_map: &mut ResMap<'a>,
    ) {
        self.line = Some(u.line);
        for rf in &u.refs {
            self.resolve_ref(m, rf, tg, res_map);
        }
        self.line = None;
        for d in &u.dynamic {
            match d {
                Dynamic::Globals | Dynamic::Exec | Dynamic::SysModules => {
                    tg.push(Tgt::Node(self.whole(m)));
                    self.warn(
                        m,
                        Some(u.line),
                        WarningKind::DynamicCode,
                        format!(
                            "{} at line {}: the whole module is part of the closure",
                            match d {
                                Dynamic::Globals => "globals()/vars()",
                                Dynamic::Exec => "exec/eval/compile",
                                _ => "sys.modules",
                            },
                            u.line
                        ),
                    );
                }
                Dynamic::DynamicImport => {
                    tg.push(self.top_package_of(m));
                    self.warn(m, Some(u.line), WarningKind::DynamicImport, format!(
                        "import with a computed module name at line {}: the whole first-party package is part of the closure; \
                         use a literal module name to narrow it", u.line));
                }
            }
        }
    }

    pub(super) fn label(&self, t: &Tgt) -> Cow<'a, str> {
        match t {
            Tgt::Node(n) => Cow::Borrowed(self.idx.nodes[*n].label.as_str()),
            Tgt::Mod(i) => Cow::Owned(format!("module {}", self.idx.modules[*i].name)),
            Tgt::Ns(n) => Cow::Owned(format!("namespace {n}")),
            Tgt::Ext(d) => Cow::Owned(format!("dist {d}")),
            Tgt::Builtin => Cow::Borrowed("builtin"),
        }
    }

    pub(super) fn resolve_ref(
        &mut self,
        m: ModuleId,
        rf: &Ref,
        tg: &mut Vec<Tgt>,
        res_map: &mut ResMap<'a>,
    ) {
        let (key, found) = match rf {
            Ref::Name { root, attrs } => {
                let mut cur = self.name(m, root);
                let mut passed = Vec::new();
                for a in attrs {
                    let mut next = Vec::new();
                    for t in std::mem::take(&mut cur) {
                        match t {
                            Tgt::Mod(i) => {
                                passed.push(Tgt::Mod(i));
                                let found = self.lookup(i, a, 0);
                                if found.is_empty() {
                                    passed.push(Tgt::Node(self.whole(i)));
                                } else {
                                    next.extend(found);
                                }
                            }
                            Tgt::Ns(ns) => {
                                let full = format!("{ns}.{a}");
                                next.extend(self.module(&full, m, 0));
                            }
                            other => passed.push(other),
                        }
                    }
                    if next.is_empty() {
                        break;
                    }
                    cur = next;
                }
                passed.extend(cur);
                let key = if attrs.is_empty() {
                    root.clone()
                } else {
                    format!("{root}.{}", attrs.join("."))
                };
                (key, passed)
            }
            Ref::Import {
                level,
                module,
                name,
            } => {
                let mut out = Vec::new();
                match self.absolutize(m, *level, module, 0) {
                    Some(abs) => match name.as_deref() {
                        None => {
                            let parts: Vec<&str> = abs.split('.').collect();
                            for i in 1..=parts.len() {
                                out.extend(self.module(&parts[..i].join("."), m, 0));
                            }
                        }
                        Some("*") => {
                            for t in self.module(&abs, m, 0) {
                                out.push(match t {
                                    Tgt::Mod(i) => Tgt::Node(self.whole(i)),
                                    o => o,
                                });
                            }
                        }
                        Some(n) => out.extend(self.import_from(m, 0, &abs, n, 0, 0)),
                    },
                    None => out.push(Tgt::Node(self.whole(m))),
                }
                (
                    format!(
                        "import {}{module}:{}",
                        ".".repeat(*level as usize),
                        name.as_deref().unwrap_or("")
                    ),
                    out,
                )
            }
            Ref::DynAttr { root } => {
                let mut out = Vec::new();
                for t in self.name(m, root) {
                    match t {
                        Tgt::Mod(i) => out.push(Tgt::Node(self.whole(i))),
                        Tgt::Ns(ns) => {
                            let top = ns.split('.').next().unwrap_or_default().to_owned();
                            if let Some(p) = self.package(&top) {
                                out.push(Tgt::Node(p));
                            }
                        }
                        _ => {}
                    }
                }
                (format!("getattr {root}"), out)
            }
        };
        for t in &found {
            res_map.push((key.clone(), self.label(t)));
        }
        tg.extend(found);
    }

    /// A free name of module `m`.
    pub(super) fn name(&mut self, m: ModuleId, name: &str) -> Vec<Tgt> {
        let found = self.lookup(m, name, 0);
        if !found.is_empty() {
            return found;
        }
        if kdvc_python::is_builtin(name) {
            return vec![Tgt::Builtin];
        }
        self.warn(m, self.line, WarningKind::Unresolved, format!(
            "name `{name}` is not defined at module level, imported or builtin: the whole module is part of the closure"));
        vec![Tgt::Node(self.whole(m))]
    }

    /// `x` looked up in module `m`'s namespace: bindings, submodule, star imports, `__getattr__`.
    pub(super) fn lookup(&mut self, m: ModuleId, x: &str, depth: usize) -> Vec<Tgt> {
        if let Some(v) = self.memo[m].as_ref().and_then(|t| t.get(x)) {
            return v.clone();
        }
        if depth > 40 {
            return vec![Tgt::Node(self.whole(m))];
        }
        // Guard against import cycles: a re-entrant lookup sees the whole module.
        let whole = self.whole(m);
        let t = self.memo[m].get_or_insert_default();
        if t.is_empty() {
            self.touched.push(m);
        }
        t.insert(x.to_owned(), vec![Tgt::Node(whole)]);
        let mut out = self.lookup_uncached(m, x, depth);
        out.sort();
        out.dedup();
        self.memo[m]
            .get_or_insert_default()
            .insert(x.to_owned(), out.clone());
        out
    }

    pub(super) fn lookup_uncached(&mut self, m: ModuleId, x: &str, depth: usize) -> Vec<Tgt> {
        let idx = self.idx;
        let me = &idx.modules[m];
        let s = &me.summary;
        let mut out = Vec::new();
        if let Some(alts) = s.bindings.get(x) {
            if let Some(n) = idx.sym(m, x) {
                out.push(Tgt::Node(n));
            }
            for b in alts {
                match b {
                    Binding::Import {
                        module,
                        loads,
                        line,
                    } => {
                        out.extend(self.module(module, m, *line));
                        if let Some(l) = loads {
                            out.extend(self.module(l, m, *line));
                        }
                    }
                    Binding::ImportFrom {
                        level,
                        module,
                        name,
                        line,
                    } => {
                        out.extend(self.import_from(m, *level, module, name, *line, depth + 1));
                    }
                    _ => {}
                }
            }
            return out;
        }
        let sub = format!("{}.{x}", me.name);
        if let Some(&i) = idx.by_name.get(&sub) {
            return vec![Tgt::Mod(i)];
        }
        if idx.namespaces.contains(&sub) {
            return vec![Tgt::Ns(sub)];
        }
        for st in &s.star_imports {
            let Some(abs) = self.absolutize(m, st.level, &st.module, st.line) else {
                continue;
            };
            match idx.by_name.get(&abs) {
                Some(&src) => {
                    let ss = &idx.modules[src].summary;
                    let exported = match &ss.all_exports {
                        Some(all) => all.iter().any(|a| a == x),
                        None => !x.starts_with('_'),
                    };
                    if exported {
                        out.extend(self.lookup(src, x, depth + 1));
                    }
                }
                None => {
                    let top = abs.split('.').next().unwrap_or_default();
                    if !idx.tops.contains(top) && !pins::is_stdlib(top) {
                        out.push(Tgt::Ext(pins::dist_of(top)));
                    } else if pins::is_stdlib(top) {
                        out.push(Tgt::Builtin);
                    }
                }
            }
        }
        if !out.is_empty() {
            return out;
        }
        if s.module_getattr {
            return vec![Tgt::Node(self.whole(m))];
        }
        out
    }

    /// A dotted module: first-party module, namespace package, unknown first-party (whole package), stdlib
    /// or third-party distribution.
    pub(super) fn module(&mut self, abs: &str, from: ModuleId, line: u32) -> Vec<Tgt> {
        let idx = self.idx;
        if let Some(&i) = idx.by_name.get(abs) {
            return vec![Tgt::Mod(i)];
        }
        if idx.namespaces.contains(abs) {
            return vec![Tgt::Ns(abs.to_owned())];
        }
        let top = abs.split('.').next().unwrap_or_default();
        if idx.tops.contains(top) {
            self.warn(from, (line > 0).then_some(line), WarningKind::UnknownModule, format!(
                "module `{abs}` is not in the project's source roots: the whole package `{top}` is part of the closure"));
            return self.package(top).map(Tgt::Node).into_iter().collect();
        }
        if pins::is_stdlib(top) || top.is_empty() {
            return vec![Tgt::Builtin];
        }
        vec![Tgt::Ext(pins::dist_of(top))]
    }

    /// `from <level/module> import name` written in module `m`; `depth` counts the lookups that led here
    /// (0 for an import read directly) and bounds re-export chains.
    pub(super) fn import_from(
        &mut self,
        m: ModuleId,
        level: u32,
        module: &str,
        name: &str,
        line: u32,
        depth: usize,
    ) -> Vec<Tgt> {
        let Some(abs) = self.absolutize(m, level, module, line) else {
            return vec![Tgt::Node(self.whole(m))];
        };
        let idx = self.idx;
        let mut out = Vec::new();
        if let Some(&i) = idx.by_name.get(&abs) {
            out.push(Tgt::Mod(i));
            let found = self.lookup(i, name, depth + 1);
            if found.is_empty() {
                self.warn(m, (line > 0).then_some(line), WarningKind::Unresolved, format!(
                    "`{name}` is not defined in module `{abs}`: the whole module is part of the closure"));
                out.push(Tgt::Node(self.whole(i)));
            } else {
                out.extend(found);
            }
            return out;
        }
        if idx.namespaces.contains(&abs) {
            return self.module(&format!("{abs}.{name}"), m, line);
        }
        out.extend(self.module(&abs, m, line));
        out
    }

    /// Absolute module of a (possibly relative) import written in module `m`.
    pub(super) fn absolutize(
        &mut self,
        m: ModuleId,
        level: u32,
        module: &str,
        line: u32,
    ) -> Option<String> {
        if level == 0 {
            return Some(module.to_owned());
        }
        let me = &self.idx.modules[m];
        let mut parts: Vec<&str> = me.name.split('.').collect();
        if !me.is_package {
            parts.pop();
        }
        let mut ok = true;
        for _ in 1..level {
            ok &= parts.pop().is_some();
        }
        if !ok || parts.is_empty() {
            self.warn(m, (line > 0).then_some(line), WarningKind::BadRelativeImport, format!(
                "relative import with {level} dot(s) goes above the top-level package: the whole module is part of the closure"));
            return None;
        }
        if !module.is_empty() {
            parts.push(module);
        }
        Some(parts.join("."))
    }

    /// A dotted symbol such as `pkg.mod.Class.method`: the longest first-party module prefix, then the
    /// attribute chain; third-party prefixes give their distribution.
    pub(super) fn dotted_symbol(&mut self, dotted: &str) -> Vec<Tgt> {
        let parts: Vec<&str> = dotted.split('.').collect();
        for i in (1..parts.len()).rev() {
            let module = parts[..i].join(".");
            if let Some(&m) = self.idx.by_name.get(&module) {
                let rf = Ref::Name {
                    root: parts[i].to_owned(),
                    attrs: parts[i + 1..].iter().map(|s| (*s).to_owned()).collect(),
                };
                let mut tg = vec![Tgt::Mod(m)];
                let found = self.lookup(m, parts[i], 0);
                if found.is_empty() {
                    self.warnings.push(Warning {
                        kind: WarningKind::MissingEntry,
                        module: module.clone(),
                        file: Some(self.idx.modules[m].file.clone()),
                        line: None,
                        message: format!("`{}` is not defined in module `{module}`: the whole module is fingerprinted", parts[i]),
                    });
                    tg.push(Tgt::Node(self.whole(m)));
                    return tg;
                }
                let mut dummy = Vec::new();
                self.resolve_ref(m, &rf, &mut tg, &mut dummy);
                return tg;
            }
        }
        let top = parts[0];
        if self.idx.tops.contains(top) {
            self.warnings.push(Warning {
                kind: WarningKind::MissingEntry,
                module: dotted.to_owned(),
                file: None,
                line: None,
                message: format!("no module of `{dotted}` is in the project's source roots: the whole package `{top}` is fingerprinted"),
            });
            return self.package(top).map(Tgt::Node).into_iter().collect();
        }
        if pins::is_stdlib(top) {
            return vec![Tgt::Builtin];
        }
        vec![Tgt::Ext(pins::dist_of(top))]
    }
}
