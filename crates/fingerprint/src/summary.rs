//! Per-file summaries (docs/fingerprint.md#per-file-summaries): what a module binds at top level, what each definition
//! references, its imports, `__all__`, its side-effecting top-level statements and its dynamic tricks.
//!
//! A summary depends only on the file's bytes (not on its path), so it is cached by content hash.

use std::borrow::Cow;
use std::collections::BTreeSet;

use foldhash::{HashSet, HashSetExt};

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use tree_sitter::Node;

use crate::flat::Flat;
use crate::normalize::{self, Digest, hex, raw_digest};
use kdvc_python::grammar::{self, Kinds};
use kdvc_python::literal_string;

/// Deeper nesting than this is scanned flat (every identifier a free name): conservative, and safe for the
/// stack.
const MAX_DEPTH: usize = 150;

/// A reference from a unit of code to a module-level name (resolved later, across modules).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Ref {
    /// A free name and the attribute chain read from it: `pd.DataFrame` is root `pd`, attrs `[DataFrame]`.
    Name {
        /// The free name.
        root: String,
        /// Attributes read from it, in order.
        attrs: Vec<String>,
    },
    /// An import inside a function, or a literal `importlib.import_module("a.b")` / `__import__("a")`.
    Import {
        /// Number of leading dots (0 = absolute).
        level: u32,
        /// The dotted module (may be empty for `from . import x`).
        module: String,
        /// The imported name for `from m import name` (`*` for a star import), `None` for `import m`.
        name: Option<String>,
    },
    /// `getattr`/`setattr`/`delattr` on a free name with a computed attribute: if the name is a module, the
    /// whole module.
    DynAttr {
        /// The free name the attribute is computed on.
        root: String,
    },
}

/// A dynamic feature that defeats static name resolution.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Dynamic {
    /// `globals()` or `vars()`: the module namespace is read or written by name.
    Globals,
    /// `exec`, `eval` or `compile`: code from strings.
    Exec,
    /// `importlib.import_module(...)` / `__import__(...)` with a computed name.
    DynamicImport,
    /// `sys.modules` is read or written.
    SysModules,
}

/// One unit of code: a definition, a module-level statement or a statement's header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unit {
    /// Structural hash (hex) of the code.
    pub hash: String,
    /// 1-based line where it starts (records only, never hashed).
    pub line: u32,
    /// Module-level names and imports it references.
    pub refs: Vec<Ref>,
    /// Dynamic features it uses.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dynamic: Vec<Dynamic>,
}

/// One alternative binding of a top-level name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Binding {
    /// `def` or `class` (with decorators).
    Def {
        /// True for a class.
        class: bool,
        /// The definition.
        unit: Unit,
    },
    /// An assignment, augmented assignment, mutation (`X[k] = v`, `X.update(...)`, `del X[k]`), `for`/`with`
    /// target or `type X = ...` of the name at module level.
    Store {
        /// The statement.
        unit: Unit,
    },
    /// `import a.b.c` (binds `a`: module `a`, loads `a.b.c`) or `import a.b as c` (binds `c`: module `a.b`).
    Import {
        /// The module the name refers to.
        module: String,
        /// The module the statement loads when it differs (`a.b.c` for `import a.b.c`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        loads: Option<String>,
        /// 1-based line.
        line: u32,
    },
    /// `from m import x [as y]`.
    ImportFrom {
        /// Number of leading dots (0 = absolute).
        level: u32,
        /// The dotted module after the dots (may be empty).
        module: String,
        /// The imported name.
        name: String,
        /// 1-based line.
        line: u32,
    },
    /// A function of this module that declares the name `global` and assigns it.
    GlobalWrite {
        /// The function's top-level name.
        by: String,
    },
}

/// A `from m import *` of a module.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StarImport {
    /// Number of leading dots.
    pub level: u32,
    /// The dotted module after the dots.
    pub module: String,
    /// 1-based line.
    pub line: u32,
}

/// A module-level store into an attribute of an imported name (`othermod.func = patched`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Patch {
    /// The imported name.
    pub root: String,
    /// The attribute chain written.
    pub attrs: Vec<String>,
    /// 1-based line.
    pub line: u32,
}

/// The summary of one Python file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileSummary {
    /// False when the file has syntax errors; its units then hash its raw bytes.
    pub parse_ok: bool,
    /// blake3 of the bytes (hex).
    pub raw_hash: String,
    /// Structural hash of the whole module (hex); the raw hash when it does not parse.
    pub norm_hash: String,
    /// Top-level names with every alternative binding, in source order.
    pub bindings: IndexMap<String, Vec<Binding>>,
    /// Module-level statements with side effects (and headers of compound statements), in source order.
    pub preamble: Vec<Unit>,
    /// The static `__all__`, if the module defines one with literals only.
    pub all_exports: Option<Vec<String>>,
    /// True when `__all__` is computed (not literal).
    #[serde(default)]
    pub all_dynamic: bool,
    /// `from m import *` sources.
    pub star_imports: Vec<StarImport>,
    /// Module-level stores into attributes of imported names.
    pub patches: Vec<Patch>,
    /// The module defines `__getattr__` (PEP 562).
    pub module_getattr: bool,
}

impl FileSummary {
    /// Every dynamic feature used anywhere in the file, with its line.
    pub fn dynamic_uses(&self) -> Vec<(Dynamic, u32)> {
        let mut out = BTreeSet::new();
        let units = self
            .preamble
            .iter()
            .chain(self.bindings.values().flatten().filter_map(|b| match b {
                Binding::Def { unit, .. } | Binding::Store { unit } => Some(unit),
                _ => None,
            }));
        for u in units {
            for d in &u.dynamic {
                out.insert((u.line, *d));
            }
        }
        out.into_iter().map(|(l, d)| (d, l)).collect()
    }
}

/// Summarizes one Python source. Never panics; source with syntax errors is summarized from tree-sitter's
/// error-tolerant tree, with `parse_ok = false` and every unit hashing the raw bytes.
pub fn summarize(src: &[u8]) -> FileSummary {
    let raw = raw_digest(src);
    let tree = grammar::parse(src);
    let mut s = FileSummary {
        parse_ok: false,
        raw_hash: hex(&raw),
        norm_hash: hex(&raw),
        bindings: IndexMap::new(),
        preamble: Vec::new(),
        all_exports: None,
        all_dynamic: false,
        star_imports: Vec::new(),
        patches: Vec::new(),
        module_getattr: false,
    };
    let Some(tree) = tree else {
        return s;
    };
    let root = tree.root_node();
    // Syntax nesting deeper than CPython accepts: not walked (the walkers recurse), the raw bytes hashed.
    if kdvc_python::nesting_error(root).is_some() {
        return s;
    }
    s.parse_ok = !root.has_error();
    let mut w = ModuleWalker {
        src,
        k: grammar::kinds(),
        raw: if s.parse_ok { None } else { Some(raw) },
        seq: 0,
        bound: Vec::new(),
        pending: Vec::new(),
        all: Some(Vec::new()),
        all_seen: false,
        last_full: None,
        module_hash: {
            let mut h = blake3::Hasher::new();
            h.update(b"kdvc-module-merkle\0");
            h
        },
        summary: &mut s,
        flat: Flat::default(),
        scratch: Vec::new(),
        cbufs: CollectBuffers::default(),
    };
    w.module(root);
    w.finish();
    let module_hash = w_hash(w);
    if s.parse_ok {
        s.norm_hash = module_hash;
    }
    s
}

fn w_hash(w: ModuleWalker<'_, '_, '_>) -> String {
    w.module_hash.finalize().to_hex().to_string()
}

struct ModuleWalker<'a, 's, 't> {
    src: &'a [u8],
    k: &'static Kinds,
    /// The raw hash when the file does not parse (every unit hash is salted with it).
    raw: Option<Digest>,
    seq: usize,
    /// (seq, name, binding) in source order.
    bound: Vec<(usize, String, Binding)>,
    /// (seq, root, attrs, unit): attribute/subscript stores and method calls on a module-level name; a
    /// mutation of that name if it is defined here, else a preamble statement (and a patch if imported).
    pending: Vec<(usize, String, Vec<String>, Unit, bool)>,
    all: Option<Vec<String>>,
    all_seen: bool,
    /// The full digest computed by the last [`ModuleWalker::unit`] call on a whole statement.
    last_full: Option<Digest>,
    /// The structural hash of the module: a Merkle hash of its top-level statements' digests (each
    /// statement is walked once, for its unit and for the module hash together).
    module_hash: blake3::Hasher,
    summary: &'s mut FileSummary,
    /// The current unit, flattened (reused between units).
    flat: Flat<'t>,
    /// The normalizer's buffer (reused between units).
    scratch: Vec<u8>,
    /// The reference collector's buffers (reused between units).
    cbufs: CollectBuffers<'a>,
}

impl<'t> ModuleWalker<'_, '_, 't> {
    fn next_seq(&mut self) -> usize {
        self.seq += 1;
        self.seq
    }

    fn bind(&mut self, name: String, b: Binding) {
        let seq = self.next_seq();
        self.bound.push((seq, name, b));
    }

    fn text(&self, n: Node<'_>) -> String {
        String::from_utf8_lossy(&self.src[n.start_byte()..n.end_byte()]).into_owned()
    }

    fn unit(&mut self, n: Node<'t>, header: bool) -> (Unit, Collected) {
        if self.raw.is_none() {
            self.flat.fill_plain_strings(n, self.src);
        } else {
            self.flat.fill(n);
        }
        let digest = normalize::digest_flat(self.src, &self.flat, header, &mut self.scratch);
        self.last_full = if header { None } else { Some(digest) };
        let digest = match self.raw {
            None => digest,
            Some(raw) => {
                let mut h = blake3::Hasher::new();
                h.update(b"unparsed\0");
                h.update(&raw);
                h.update(&digest);
                *h.finalize().as_bytes()
            }
        };
        let mut c = collect_flat_with(self.src, &self.flat, header, &mut self.cbufs);
        let unit = Unit {
            hash: hex(&digest),
            line: line_of(n),
            refs: std::mem::take(&mut c.refs).into_iter().collect(),
            dynamic: c.dynamic.iter().copied().collect(),
        };
        (unit, c)
    }

    fn module(&mut self, root: Node<'t>) {
        let mut c = root.walk();
        let stmts: Vec<Node<'_>> = root.named_children(&mut c).collect();
        let mut first = true;
        for st in stmts {
            if st.kind_id() == self.k.comment {
                continue;
            }
            if first && normalize::is_docstring(self.src, self.k, st) {
                first = false;
                continue;
            }
            first = false;
            if st.kind_id() == self.k.line_continuation {
                continue;
            }
            self.last_full = None;
            self.stmt(st);
            if self.raw.is_none() {
                let id = st.kind_id();
                let k = self.k;
                let compound = id == k.if_statement
                    || id == k.for_statement
                    || id == k.while_statement
                    || id == k.try_statement
                    || id == k.with_statement
                    || id == k.match_statement;
                let d = match self.last_full.take() {
                    Some(d) if !compound => d,
                    _ => {
                        self.flat.fill_plain_strings(st, self.src);
                        normalize::digest_flat(self.src, &self.flat, false, &mut self.scratch)
                    }
                };
                self.module_hash.update(&d);
            }
        }
    }

    fn stmt(&mut self, n: Node<'t>) {
        let k = self.k;
        let id = n.kind_id();
        if id == k.comment || !n.is_named() {
            return;
        }
        if id == k.decorated_definition || id == k.function_definition || id == k.class_definition {
            let def = if id == k.decorated_definition {
                n.child_by_field_id(grammar::fields().definition.get())
                    .unwrap_or(n)
            } else {
                n
            };
            let class = def.kind_id() == k.class_definition;
            let Some(name) = def
                .child_by_field_id(grammar::fields().name.get())
                .map(|x| self.text(x))
            else {
                self.preamble(n);
                return;
            };
            let (unit, c) = self.unit(n, false);
            if name == "__getattr__" && !class {
                self.summary.module_getattr = true;
            }
            for g in &c.global_writes {
                self.bind(g.clone(), Binding::GlobalWrite { by: name.clone() });
            }
            self.bind(name, Binding::Def { class, unit });
        } else if id == k.import_statement {
            self.import(n);
        } else if id == k.import_from_statement {
            self.import_from(n);
        } else if id == k.expression_statement {
            self.expression_statement(n);
        } else if id == k.delete_statement || id == k.type_alias_statement {
            let (unit, c) = self.unit(n, false);
            self.stores(unit, c);
        } else if id == k.if_statement
            || id == k.for_statement
            || id == k.while_statement
            || id == k.try_statement
            || id == k.with_statement
            || id == k.match_statement
        {
            let (unit, c) = self.unit(n, true);
            for name in &c.top_binds {
                self.bind(name.clone(), Binding::Store { unit: unit.clone() });
            }
            self.next_seq();
            self.summary.preamble.push(unit);
            self.blocks(n);
        } else if n.kind() == "pass_statement"
            || id == k.global_statement
            || id == k.nonlocal_statement
        {
            // No effect at module level.
        } else {
            self.preamble(n);
        }
    }

    /// The statements of every body of a compound statement (including elif/else/except/finally/case).
    fn blocks(&mut self, n: Node<'t>) {
        let mut c = n.walk();
        let kids: Vec<Node<'_>> = n.named_children(&mut c).collect();
        for ch in kids {
            if ch.kind_id() == self.k.block {
                let mut c2 = ch.walk();
                let inner: Vec<Node<'_>> = ch.named_children(&mut c2).collect();
                for st in inner {
                    self.stmt(st);
                }
            } else if ch.named_child_count() > 0 && is_clause(ch.kind()) {
                self.blocks(ch);
            }
        }
    }

    fn preamble(&mut self, n: Node<'t>) {
        let (unit, _) = self.unit(n, false);
        self.next_seq();
        self.summary.preamble.push(unit);
    }

    fn stores(&mut self, unit: Unit, c: Collected) {
        // Each name bound or mutated gets the unit, in order; the last one takes it without a copy.
        let mut dests: Vec<(String, Option<Vec<String>>)> = c
            .top_binds
            .into_iter()
            .map(|n| (n, None))
            .chain(c.top_mut_roots.into_iter().map(|(r, a)| (r, Some(a))))
            .collect();
        let Some(last) = dests.pop() else {
            self.next_seq();
            self.summary.preamble.push(unit);
            return;
        };
        for d in dests {
            self.store(d, unit.clone());
        }
        self.store(last, unit);
    }

    /// A store of `unit` into a module-level name (`attrs: None`) or into an attribute chain of one.
    fn store(&mut self, (root, attrs): (String, Option<Vec<String>>), unit: Unit) {
        match attrs {
            None => self.bind(root, Binding::Store { unit }),
            Some(attrs) => {
                let seq = self.next_seq();
                self.pending.push((seq, root, attrs, unit, true));
            }
        }
    }

    fn expression_statement(&mut self, n: Node<'t>) {
        let k = self.k;
        let mut cur = n.walk();
        let kids: Vec<Node<'_>> = n
            .named_children(&mut cur)
            .filter(|x| x.kind_id() != k.comment)
            .collect();
        let (unit, c) = self.unit(n, false);
        if kids.len() == 1
            && (kids[0].kind_id() == k.assignment || kids[0].kind_id() == k.augmented_assignment)
        {
            let a = kids[0];
            if c.top_binds.iter().any(|b| b == "__all__") {
                self.all_assign(a);
            }
            self.stores(unit, c);
            return;
        }
        // `X.update(...)`, `X.append(...)`, `__all__.extend([...])`: a method call on a module-level name.
        if kids.len() == 1
            && kids[0].kind_id() == k.call
            && let Some(f) = kids[0].child_by_field_id(grammar::fields().function.get())
            && let Some((root, attrs)) = chain(self.src, k, f)
            && !attrs.is_empty()
        {
            if root == "__all__" {
                self.all_extend(kids[0], &attrs);
            }
            let seq = self.next_seq();
            self.pending.push((seq, root, attrs, unit, false));
            return;
        }
        self.next_seq();
        self.summary.preamble.push(unit);
    }

    fn all_assign(&mut self, a: Node<'_>) {
        self.all_seen = true;
        let aug = a.kind_id() == self.k.augmented_assignment;
        let right = a.child_by_field_id(grammar::fields().right.get());
        match right.and_then(|r| self.literal_list(r)) {
            Some(names) => {
                if let Some(all) = &mut self.all {
                    if !aug {
                        all.clear();
                    }
                    all.extend(names);
                }
            }
            None => self.all = None,
        }
    }

    fn all_extend(&mut self, call: Node<'_>, attrs: &[String]) {
        self.all_seen = true;
        let arg = call
            .child_by_field_id(grammar::fields().arguments.get())
            .and_then(|a| {
                let mut c = a.walk();
                let v: Vec<Node<'_>> = a
                    .named_children(&mut c)
                    .filter(|x| x.kind_id() != self.k.comment)
                    .collect();
                (v.len() == 1).then(|| v[0])
            });
        let items = match (attrs.first().map(String::as_str), arg) {
            (Some("extend"), Some(arg)) => self.literal_list(arg),
            (Some("append"), Some(arg)) => literal_string(self.src, arg).map(|s| vec![s]),
            _ => None,
        };
        match items {
            Some(names) => {
                if let Some(all) = &mut self.all {
                    all.extend(names);
                }
            }
            None => self.all = None,
        }
    }

    fn literal_list(&self, n: Node<'_>) -> Option<Vec<String>> {
        let k = self.k;
        if n.kind_id() != k.list && n.kind_id() != k.tuple && n.kind_id() != k.expression_list {
            return None;
        }
        let mut c = n.walk();
        n.named_children(&mut c)
            .filter(|x| x.kind_id() != k.comment)
            .map(|x| literal_string(self.src, x))
            .collect()
    }

    fn import(&mut self, n: Node<'_>) {
        let line = line_of(n);
        let mut c = n.walk();
        let names: Vec<Node<'_>> = n
            .children_by_field_id(grammar::fields().name, &mut c)
            .collect();
        for name in names {
            if name.kind_id() == self.k.aliased_import {
                let (Some(m), Some(a)) = (
                    name.child_by_field_id(grammar::fields().name.get()),
                    name.child_by_field_id(grammar::fields().alias.get()),
                ) else {
                    continue;
                };
                let module = dotted(self.src, m);
                self.bind(
                    self.text(a),
                    Binding::Import {
                        module,
                        loads: None,
                        line,
                    },
                );
            } else {
                let full = dotted(self.src, name);
                let root = full.split('.').next().unwrap_or_default().to_owned();
                let loads = (root != full).then(|| full.clone());
                self.bind(
                    root.clone(),
                    Binding::Import {
                        module: root,
                        loads,
                        line,
                    },
                );
            }
        }
    }

    fn import_from(&mut self, n: Node<'_>) {
        let line = line_of(n);
        let Some(m) = n.child_by_field_id(grammar::fields().module_name.get()) else {
            return;
        };
        let (level, module) = module_spec(self.src, self.k, m);
        let mut c = n.walk();
        let kids: Vec<Node<'_>> = n.named_children(&mut c).collect();
        if kids.iter().any(|x| x.kind_id() == self.k.wildcard_import) {
            self.next_seq();
            self.summary.star_imports.push(StarImport {
                level,
                module,
                line,
            });
            return;
        }
        let mut c2 = n.walk();
        let names: Vec<Node<'_>> = n
            .children_by_field_id(grammar::fields().name, &mut c2)
            .collect();
        for name in names {
            let (orig, alias) = if name.kind_id() == self.k.aliased_import {
                let (Some(o), Some(a)) = (
                    name.child_by_field_id(grammar::fields().name.get()),
                    name.child_by_field_id(grammar::fields().alias.get()),
                ) else {
                    continue;
                };
                (dotted(self.src, o), self.text(a))
            } else {
                let d = dotted(self.src, name);
                (d.clone(), d)
            };
            self.bind(
                alias,
                Binding::ImportFrom {
                    level,
                    module: module.clone(),
                    name: orig,
                    line,
                },
            );
        }
    }

    fn finish(&mut self) {
        let defined: HashSet<String> = self
            .bound
            .iter()
            .filter(|(_, _, b)| matches!(b, Binding::Def { .. } | Binding::Store { .. }))
            .map(|(_, n, _)| n.clone())
            .collect();
        let imported: HashSet<String> = self
            .bound
            .iter()
            .filter(|(_, _, b)| matches!(b, Binding::Import { .. } | Binding::ImportFrom { .. }))
            .map(|(_, n, _)| n.clone())
            .collect();
        let mut pre_seq: Vec<(usize, Unit)> = Vec::new();
        for (seq, root, attrs, unit, store) in std::mem::take(&mut self.pending) {
            if defined.contains(&root) {
                self.bound.push((seq, root, Binding::Store { unit }));
            } else {
                if store && imported.contains(&root) && !attrs.is_empty() {
                    self.summary.patches.push(Patch {
                        root: root.clone(),
                        attrs: attrs.clone(),
                        line: unit.line,
                    });
                }
                pre_seq.push((seq, unit));
            }
        }
        if !pre_seq.is_empty() {
            // Keep the preamble in source order: re-sort by line, stable for statements on one line.
            self.summary
                .preamble
                .extend(pre_seq.into_iter().map(|(_, u)| u));
            self.summary.preamble.sort_by_key(|u| u.line);
        }
        self.bound.sort_by_key(|(seq, _, _)| *seq);
        for (_, name, b) in std::mem::take(&mut self.bound) {
            self.summary.bindings.entry(name).or_default().push(b);
        }
        if self.all_seen {
            self.summary.all_exports = self.all.take();
            self.summary.all_dynamic = self.summary.all_exports.is_none();
        }
    }
}

fn is_clause(kind: &str) -> bool {
    matches!(
        kind,
        "elif_clause"
            | "else_clause"
            | "except_clause"
            | "except_group_clause"
            | "finally_clause"
            | "case_clause"
            | "block"
    )
}

fn line_of(n: Node<'_>) -> u32 {
    u32::try_from(n.start_position().row + 1).unwrap_or(u32::MAX)
}

/// Text of a `dotted_name` without whitespace or comments.
fn dotted(src: &[u8], n: Node<'_>) -> String {
    let mut c = n.walk();
    let parts: Vec<String> = n
        .named_children(&mut c)
        .filter(|x| x.kind() == "identifier")
        .map(|x| String::from_utf8_lossy(&src[x.start_byte()..x.end_byte()]).into_owned())
        .collect();
    if parts.is_empty() {
        String::from_utf8_lossy(&src[n.start_byte()..n.end_byte()])
            .trim()
            .to_owned()
    } else {
        parts.join(".")
    }
}

/// `(level, module)` of an import's module part (`..a.b` is `(2, "a.b")`).
fn module_spec(src: &[u8], k: &Kinds, m: Node<'_>) -> (u32, String) {
    if m.kind_id() == k.relative_import {
        let mut level = 0u32;
        let mut module = String::new();
        let mut c = m.walk();
        for ch in m.named_children(&mut c) {
            if ch.kind_id() == k.import_prefix {
                level = u32::try_from(
                    src[ch.start_byte()..ch.end_byte()]
                        .iter()
                        .filter(|b| **b == b'.')
                        .count(),
                )
                .unwrap_or(u32::MAX);
            } else if ch.kind_id() == k.dotted_name {
                module = dotted(src, ch);
            }
        }
        (level, module)
    } else {
        (0, dotted(src, m))
    }
}

/// `a.b.c` as `("a", ["b", "c"])` when the chain is rooted at a plain name.
fn chain(src: &[u8], k: &Kinds, n: Node<'_>) -> Option<(String, Vec<String>)> {
    let mut attrs = Vec::new();
    let mut cur = n;
    loop {
        if cur.kind_id() == k.identifier {
            attrs.reverse();
            return Some((
                String::from_utf8_lossy(&src[cur.start_byte()..cur.end_byte()]).into_owned(),
                attrs,
            ));
        }
        if cur.kind_id() == k.attribute {
            let a = cur.child_by_field_id(grammar::fields().attribute.get())?;
            attrs.push(String::from_utf8_lossy(&src[a.start_byte()..a.end_byte()]).into_owned());
            cur = cur.child_by_field_id(grammar::fields().object.get())?;
        } else if cur.kind_id() == k.subscript {
            attrs.clear();
            cur = cur.child_by_field_id(grammar::fields().value.get())?;
        } else if cur.kind_id() == k.parenthesized_expression {
            let mut c = cur.walk();
            cur = cur
                .named_children(&mut c)
                .find(|x| x.kind_id() != k.comment)?;
        } else {
            return None;
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum ScopeKind {
    Top,
    Function,
    Class,
    Comprehension,
}

/// Names are byte slices of the source while collecting; only free references become strings.
struct Scope<'a> {
    parent: usize,
    kind: ScopeKind,
    bound: HashSet<&'a [u8]>,
    globals: HashSet<&'a [u8]>,
}

struct Use<'a> {
    scope: usize,
    root: &'a [u8],
    attrs: Vec<Cow<'a, [u8]>>,
    dyn_attr: bool,
}

/// An attribute chain read from a name, as source slices (or owned, for `getattr(x, "literal")`).
type Attrs<'a> = Vec<Cow<'a, [u8]>>;

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// What the reference collector found in one unit.
#[derive(Default)]
pub(crate) struct Collected {
    /// Free module-level references.
    pub(crate) refs: BTreeSet<Ref>,
    /// Dynamic features.
    pub(crate) dynamic: BTreeSet<Dynamic>,
    /// Names the unit binds at module level (assignment targets, ...).
    pub(crate) top_binds: Vec<String>,
    /// Roots of attribute/subscript stores at module level, with the attribute chain.
    pub(crate) top_mut_roots: Vec<(String, Vec<String>)>,
    /// Names declared `global` and assigned inside functions of the unit.
    pub(crate) global_writes: BTreeSet<String>,
}

/// Collects the free references of a unit with Python's scoping rules (docs/fingerprint.md#free-names).
pub(crate) fn collect(src: &[u8], n: Node<'_>, skip_blocks: bool) -> Collected {
    let mut flat = Flat::default();
    flat.fill(n);
    collect_flat(src, &flat, skip_blocks)
}

/// [`collect`] over a flattened unit (rooted at entry 0).
pub(crate) fn collect_flat(src: &[u8], flat: &Flat<'_>, skip_blocks: bool) -> Collected {
    collect_flat_with(src, flat, skip_blocks, &mut CollectBuffers::default())
}

/// Buffers the collector reuses from one unit to the next (scopes keep their sets' capacity).
#[derive(Default)]
pub(crate) struct CollectBuffers<'a> {
    scopes: Vec<Scope<'a>>,
    uses: Vec<Use<'a>>,
    order: Vec<usize>,
}

/// [`collect_flat`] with reusable buffers.
pub(crate) fn collect_flat_with<'a>(
    src: &'a [u8],
    flat: &Flat<'_>,
    skip_blocks: bool,
    bufs: &mut CollectBuffers<'a>,
) -> Collected {
    let mut c = Collector {
        src,
        flat,
        k: grammar::kinds(),
        scopes: std::mem::take(&mut bufs.scopes),
        live: 0,
        uses: std::mem::take(&mut bufs.uses),
        order: std::mem::take(&mut bufs.order),
        out: Collected::default(),
        depth: 0,
        skip_blocks,
    };
    c.uses.clear();
    c.new_scope(0, ScopeKind::Top);
    c.visit(0, 0);
    c.resolve();
    bufs.scopes = std::mem::take(&mut c.scopes);
    bufs.uses = std::mem::take(&mut c.uses);
    bufs.order = std::mem::take(&mut c.order);
    c.out
}

struct Collector<'a, 'f, 't> {
    src: &'a [u8],
    flat: &'f Flat<'t>,
    k: &'static Kinds,
    /// Scopes; only the first `live` belong to this unit (the others are kept for reuse).
    scopes: Vec<Scope<'a>>,
    live: usize,
    uses: Vec<Use<'a>>,
    /// Scratch: use indices, sorted to resolve each distinct use once.
    order: Vec<usize>,
    out: Collected,
    depth: usize,
    skip_blocks: bool,
}

impl<'a, 'f, 't> Collector<'a, 'f, 't> {
    fn text(&self, i: usize) -> &'a [u8] {
        let e = self.flat.at(i);
        &self.src[e.start as usize..e.end as usize]
    }

    fn node(&self, i: usize) -> Node<'t> {
        self.flat.at(i).node
    }

    fn field(&self, i: usize, f: std::num::NonZeroU16) -> Option<usize> {
        self.flat.field(i, f.get())
    }

    /// The two fields of a node made of exactly two named parts (`object.attribute`, `function(arguments)`,
    /// `name=value`), read by position; `None` for anything else (a tree with errors, say).
    fn pair(&self, i: usize) -> Option<(usize, usize)> {
        let mut kids = self.named_kids(i);
        match (kids.next(), kids.next(), kids.next()) {
            (Some(a), Some(b), None) => Some((a, b)),
            _ => None,
        }
    }

    /// The `object` and `attribute` of an `attribute` node.
    fn attribute_parts(&self, i: usize) -> (Option<usize>, Option<usize>) {
        match self.pair(i) {
            Some((o, a)) => (Some(o), Some(a)),
            None => {
                let fl = grammar::fields();
                (self.field(i, fl.object), self.field(i, fl.attribute))
            }
        }
    }

    /// The first named part of `i` other than a comment (the `value` of a subscript, the inside of
    /// parentheses).
    fn first_named(&self, i: usize) -> Option<usize> {
        self.named_kids(i).next()
    }

    /// [`chain`] without allocating the names: `a.b.c` as `(a, [b, c])`.
    fn chain_bytes(&self, i: usize) -> Option<(&'a [u8], Attrs<'a>)> {
        let k = self.k;
        let mut attrs = Vec::new();
        let mut cur = i;
        loop {
            let kind = self.flat.kind(cur);
            if kind == k.identifier {
                attrs.reverse();
                return Some((self.text(cur), attrs));
            }
            if kind == k.attribute {
                let (object, attribute) = self.attribute_parts(cur);
                attrs.push(Cow::Borrowed(self.text(attribute?)));
                cur = object?;
            } else if kind == k.subscript {
                attrs.clear();
                cur = self.field(cur, grammar::fields().value)?;
            } else if kind == k.parenthesized_expression {
                cur = self.first_named(cur)?;
            } else {
                return None;
            }
        }
    }

    /// Whether an attribute chain goes through a subscript (`a[0].b`).
    fn has_subscript(&self, i: usize) -> bool {
        let k = self.k;
        let mut cur = i;
        loop {
            let kind = self.flat.kind(cur);
            if kind == k.subscript {
                return true;
            }
            if kind != k.attribute {
                return false;
            }
            match self.attribute_parts(cur).0 {
                Some(o) => cur = o,
                None => return false,
            }
        }
    }

    /// The named children of `i` other than comments.
    fn named_kids(&self, i: usize) -> impl Iterator<Item = usize> + use<'f, 't> {
        let flat = self.flat;
        let comment = self.k.comment;
        flat.children(i).filter(move |&j| {
            let e = flat.at(j);
            e.named && e.kind != comment
        })
    }

    /// The name a `dotted_name` binds in `from m import name` / the root of `import a.b`: its first
    /// identifier.
    fn first_name(&self, i: usize) -> &'a [u8] {
        if self.flat.kind(i) == self.k.dotted_name
            && let Some(first) = self.flat.children(i).find(|&j| self.flat.at(j).named)
        {
            return self.text(first);
        }
        self.text(i)
    }

    fn new_scope(&mut self, parent: usize, kind: ScopeKind) -> usize {
        let i = self.live;
        self.live += 1;
        match self.scopes.get_mut(i) {
            Some(sc) => {
                sc.parent = parent;
                sc.kind = kind;
                sc.bound.clear();
                sc.globals.clear();
            }
            None => self.scopes.push(Scope {
                parent,
                kind,
                bound: HashSet::new(),
                globals: HashSet::new(),
            }),
        }
        i
    }

    fn use_name(&mut self, scope: usize, root: &'a [u8], attrs: Vec<Cow<'a, [u8]>>) {
        if root == b"sys" && attrs.first().is_some_and(|a| a.as_ref() == b"modules") {
            self.out.dynamic.insert(Dynamic::SysModules);
        }
        self.uses.push(Use {
            scope,
            root,
            attrs,
            dyn_attr: false,
        });
    }

    fn bind(&mut self, scope: usize, name: &'a [u8]) {
        let sc = &mut self.scopes[scope];
        if sc.globals.contains(name) {
            self.out.global_writes.insert(lossy(name));
        } else if sc.kind == ScopeKind::Top {
            self.out.top_binds.push(lossy(name));
        } else {
            sc.bound.insert(name);
        }
    }

    fn resolve(&mut self) {
        let uses = std::mem::take(&mut self.uses);
        // Uses of one name in one scope resolve alike; the same name may be local in one scope and free in
        // another, so the scope is part of the key.
        let key = |u: &Use<'a>| (u.scope, u.root, u.dyn_attr);
        let mut order = std::mem::take(&mut self.order);
        order.clear();
        order.extend(0..uses.len());
        order.sort_unstable_by(|&a, &b| {
            let (x, y) = (&uses[a], &uses[b]);
            key(x).cmp(&key(y)).then_with(|| x.attrs.cmp(&y.attrs))
        });
        order.dedup_by(|a, b| {
            let (x, y) = (&uses[*a], &uses[*b]);
            key(x) == key(y) && x.attrs == y.attrs
        });
        for &i in &order {
            let u = &uses[i];
            let mut cur = u.scope;
            let free = loop {
                let sc = &self.scopes[cur];
                if sc.kind == ScopeKind::Top || sc.globals.contains(u.root) {
                    break true;
                }
                if (cur == u.scope || sc.kind != ScopeKind::Class) && sc.bound.contains(u.root) {
                    break false;
                }
                cur = sc.parent;
            };
            if free {
                if u.dyn_attr {
                    self.out.refs.insert(Ref::DynAttr {
                        root: lossy(u.root),
                    });
                }
                self.out.refs.insert(Ref::Name {
                    root: lossy(u.root),
                    attrs: u.attrs.iter().map(|a| lossy(a)).collect(),
                });
            }
        }
        self.order = order;
        self.uses = uses;
    }

    /// Every identifier below `i` as a free use (flat fallback for pathological nesting).
    fn flat_uses(&mut self, i: usize, s: usize) {
        let end = self.flat.at(i).next as usize;
        for j in i..end {
            if self.flat.kind(j) == self.k.identifier {
                let t = self.text(j);
                self.use_name(s, t, Vec::new());
            }
        }
    }

    fn visit(&mut self, i: usize, s: usize) {
        let e = self.flat.at(i);
        if !e.named || e.kind == self.k.comment {
            return;
        }
        if self.depth > MAX_DEPTH {
            self.flat_uses(i, s);
            return;
        }
        self.depth += 1;
        self.visit_inner(i, s);
        self.depth -= 1;
    }

    #[allow(clippy::too_many_lines)]
    fn visit_inner(&mut self, n: usize, s: usize) {
        let k = self.k;
        let fl = grammar::fields();
        let id = self.flat.kind(n);
        if id == k.identifier {
            let t = self.text(n);
            self.use_name(s, t, Vec::new());
        } else if id == k.block && self.skip_blocks {
        } else if id == k.attribute {
            match self.chain_bytes(n) {
                Some((root, attrs)) if !self.has_subscript(n) => self.use_name(s, root, attrs),
                _ => {
                    if let Some(o) = self.attribute_parts(n).0 {
                        self.visit(o, s);
                    }
                }
            }
        } else if id == k.function_definition {
            self.function(n, s);
        } else if id == k.class_definition {
            self.class(n, s);
        } else if id == k.lambda {
            let f = self.new_scope(s, ScopeKind::Function);
            if let Some(p) = self.field(n, fl.parameters) {
                self.params(p, s, f);
            }
            if let Some(b) = self.field(n, fl.body) {
                self.visit(b, f);
            }
        } else if id == k.list_comprehension
            || id == k.set_comprehension
            || id == k.dictionary_comprehension
            || id == k.generator_expression
        {
            let c = self.new_scope(s, ScopeKind::Comprehension);
            for ch in self.named_kids(n) {
                if self.flat.kind(ch) == k.for_in_clause {
                    if let Some(l) = self.field(ch, fl.left) {
                        self.target(l, c);
                    }
                    for r in self.flat.fields(ch, fl.right) {
                        self.visit(r, c);
                    }
                } else {
                    self.visit(ch, c);
                }
            }
        } else if id == k.assignment {
            if let Some(l) = self.field(n, fl.left) {
                self.target(l, s);
            }
            for f in [fl.ty, fl.right] {
                if let Some(x) = self.field(n, f) {
                    self.visit(x, s);
                }
            }
        } else if id == k.augmented_assignment {
            if let Some(l) = self.field(n, fl.left) {
                if self.flat.kind(l) == k.identifier {
                    let t = self.text(l);
                    self.use_name(s, t, Vec::new());
                    self.bind(s, t);
                } else {
                    self.target(l, s);
                }
            }
            if let Some(r) = self.field(n, fl.right) {
                self.visit(r, s);
            }
        } else if id == k.named_expression {
            let mut t = s;
            while self.scopes[t].kind == ScopeKind::Comprehension {
                t = self.scopes[t].parent;
            }
            if let Some(name) = self.field(n, fl.name) {
                let txt = self.text(name);
                self.bind(t, txt);
            }
            if let Some(v) = self.field(n, fl.value) {
                self.visit(v, s);
            }
        } else if id == k.for_statement {
            let left = self.field(n, fl.left);
            if let Some(l) = left {
                self.target(l, s);
            }
            for ch in self.named_kids(n) {
                if Some(ch) != left {
                    self.visit(ch, s);
                }
            }
        } else if id == k.as_pattern || id == k.except_clause {
            let alias = self.field(n, fl.alias);
            for ch in self.named_kids(n) {
                if Some(ch) == alias {
                    self.target(ch, s);
                } else {
                    self.visit(ch, s);
                }
            }
        } else if id == k.import_statement
            || id == k.import_from_statement
            || id == k.future_import_statement
        {
            self.import(n, s);
        } else if id == k.global_statement {
            for ch in self.named_kids(n) {
                let t = self.text(ch);
                self.scopes[s].globals.insert(t);
            }
        } else if id == k.nonlocal_statement {
            for ch in self.named_kids(n) {
                let t = self.text(ch);
                self.scopes[s].bound.insert(t);
            }
        } else if id == k.keyword_argument {
            let value = match self.pair(n) {
                Some((_, v)) => Some(v),
                None => self.field(n, fl.value),
            };
            if let Some(v) = value {
                self.visit(v, s);
            }
        } else if id == k.delete_statement {
            for ch in self.named_kids(n) {
                self.target(ch, s);
            }
        } else if id == k.call {
            self.call(n, s);
        } else if id == k.case_clause {
            for ch in self.named_kids(n) {
                if self.flat.kind(ch) == k.case_pattern {
                    self.pattern(ch, s);
                } else {
                    self.visit(ch, s);
                }
            }
        } else if id == k.dotted_name {
            let mut parts = self.named_kids(n).map(|x| self.text(x));
            if let Some(first) = parts.next() {
                let rest: Attrs<'a> = parts.map(Cow::Borrowed).collect();
                self.use_name(s, first, rest);
            }
        } else if id == k.type_alias_statement {
            if let Some(l) = self.field(n, fl.left) {
                for ch in self.named_kids(l) {
                    if self.flat.kind(ch) == k.identifier {
                        let t = self.text(ch);
                        self.bind(s, t);
                    } else {
                        self.visit(ch, s);
                    }
                }
            }
            if let Some(r) = self.field(n, fl.right) {
                self.visit(r, s);
            }
        } else {
            // `visit` skips anonymous nodes and comments.
            for ch in self.flat.children(n) {
                self.visit(ch, s);
            }
        }
    }

    fn function(&mut self, n: usize, s: usize) {
        let fl = grammar::fields();
        if let Some(name) = self.field(n, fl.name) {
            let t = self.text(name);
            self.bind(s, t);
        }
        let outer = self.type_params(n, s);
        let f = self.new_scope(outer, ScopeKind::Function);
        if let Some(p) = self.field(n, fl.parameters) {
            self.params(p, outer, f);
        }
        if let Some(r) = self.field(n, fl.return_type) {
            self.visit(r, outer);
        }
        if let Some(b) = self.field(n, fl.body) {
            self.visit(b, f);
        }
    }

    fn class(&mut self, n: usize, s: usize) {
        let fl = grammar::fields();
        if let Some(name) = self.field(n, fl.name) {
            let t = self.text(name);
            self.bind(s, t);
        }
        let outer = self.type_params(n, s);
        if let Some(sup) = self.field(n, fl.superclasses) {
            self.visit(sup, outer);
        }
        let c = self.new_scope(outer, ScopeKind::Class);
        if let Some(b) = self.field(n, fl.body) {
            self.visit(b, c);
        }
    }

    /// PEP 695 type parameters get their own scope.
    fn type_params(&mut self, n: usize, s: usize) -> usize {
        let Some(tp) = self.field(n, grammar::fields().type_parameters) else {
            return s;
        };
        let t = self.new_scope(s, ScopeKind::Function);
        for p in self.named_kids(tp) {
            for (i, ch) in self.named_kids(p).enumerate() {
                if i == 0 && self.flat.kind(ch) == self.k.identifier {
                    let txt = self.text(ch);
                    self.bind(t, txt);
                } else {
                    self.visit(ch, t);
                }
            }
        }
        t
    }

    fn params(&mut self, p: usize, outer: usize, inner: usize) {
        let k = self.k;
        let fl = grammar::fields();
        for ch in self.named_kids(p) {
            let id = self.flat.kind(ch);
            if id == k.identifier
                || id == k.list_splat_pattern
                || id == k.dictionary_splat_pattern
                || id == k.tuple_pattern
            {
                self.target(ch, inner);
            } else if id == k.default_parameter || id == k.typed_default_parameter {
                if let Some(nm) = self.field(ch, fl.name) {
                    self.target(nm, inner);
                }
                for f in [fl.ty, fl.value] {
                    if let Some(x) = self.field(ch, f) {
                        self.visit(x, outer);
                    }
                }
            } else if id == k.typed_parameter {
                let ty = self.field(ch, fl.ty);
                for x in self.named_kids(ch) {
                    if Some(x) == ty {
                        self.visit(x, outer);
                    } else {
                        self.target(x, inner);
                    }
                }
            }
        }
    }

    fn target(&mut self, t: usize, s: usize) {
        let k = self.k;
        let id = self.flat.kind(t);
        if id == k.identifier {
            let txt = self.text(t);
            self.bind(s, txt);
        } else if id == k.attribute || id == k.subscript {
            if self.scopes[s].kind == ScopeKind::Top
                && let Some((root, attrs)) = chain(self.src, k, self.node(t))
            {
                self.out.top_mut_roots.push((root, attrs));
            }
            self.visit(t, s);
        } else if id == k.pattern_list
            || id == k.tuple_pattern
            || id == k.list_pattern
            || id == k.tuple
            || id == k.list
            || id == k.expression_list
            || id == k.parenthesized_expression
            || id == k.list_splat_pattern
            || id == k.dictionary_splat_pattern
            || id == k.list_splat
            || id == k.as_pattern_target
        {
            for ch in self.named_kids(t) {
                self.target(ch, s);
            }
        } else {
            self.visit(t, s);
        }
    }

    fn pattern(&mut self, p: usize, s: usize) {
        let k = self.k;
        let id = self.flat.kind(p);
        if id == k.dotted_name {
            let parts: Vec<&'a [u8]> = self.named_kids(p).map(|x| self.text(x)).collect();
            if parts.len() == 1 {
                if parts[0] != b"_" {
                    self.bind(s, parts[0]);
                }
            } else if let Some((first, rest)) = parts.split_first() {
                self.use_name(s, first, rest.iter().map(|r| Cow::Borrowed(*r)).collect());
            }
        } else if id == k.identifier {
            let t = self.text(p);
            self.bind(s, t);
        } else if id == k.class_pattern {
            for (i, ch) in self.named_kids(p).enumerate() {
                if i == 0 && self.flat.kind(ch) == k.dotted_name {
                    self.visit(ch, s);
                } else {
                    self.pattern(ch, s);
                }
            }
        } else if id == k.keyword_pattern {
            for (i, ch) in self.named_kids(p).enumerate() {
                if i > 0 || self.flat.kind(ch) != k.identifier {
                    self.pattern(ch, s);
                }
            }
        } else if id == k.as_pattern {
            let alias = self.field(p, grammar::fields().alias);
            for ch in self.named_kids(p) {
                if Some(ch) == alias {
                    self.target(ch, s);
                } else {
                    self.pattern(ch, s);
                }
            }
        } else if id == k.attribute || id == k.call {
            self.visit(p, s);
        } else {
            for ch in self.named_kids(p) {
                self.pattern(ch, s);
            }
        }
    }

    fn import(&mut self, n: usize, s: usize) {
        let k = self.k;
        let fl = grammar::fields();
        let id = self.flat.kind(n);
        if id == k.future_import_statement {
            return;
        }
        if id == k.import_statement {
            for name in self.flat.fields(n, fl.name) {
                if self.flat.kind(name) == k.aliased_import {
                    if let (Some(m), Some(a)) =
                        (self.field(name, fl.name), self.field(name, fl.alias))
                    {
                        let module = dotted(self.src, self.node(m));
                        let alias = self.text(a);
                        self.bind(s, alias);
                        self.out.refs.insert(Ref::Import {
                            level: 0,
                            module,
                            name: None,
                        });
                    }
                } else {
                    let full = dotted(self.src, self.node(name));
                    let root = self.first_name(name);
                    self.bind(s, root);
                    self.out.refs.insert(Ref::Import {
                        level: 0,
                        module: full,
                        name: None,
                    });
                }
            }
            return;
        }
        let Some(m) = self.field(n, fl.module_name) else {
            return;
        };
        let (level, module) = module_spec(self.src, k, self.node(m));
        if self
            .named_kids(n)
            .any(|x| self.flat.kind(x) == k.wildcard_import)
        {
            self.out.refs.insert(Ref::Import {
                level,
                module,
                name: Some("*".to_owned()),
            });
            return;
        }
        for name in self.flat.fields(n, fl.name) {
            let (orig, alias) = if self.flat.kind(name) == k.aliased_import {
                let (Some(o), Some(a)) = (self.field(name, fl.name), self.field(name, fl.alias))
                else {
                    continue;
                };
                (dotted(self.src, self.node(o)), self.text(a))
            } else {
                (dotted(self.src, self.node(name)), self.first_name(name))
            };
            self.bind(s, alias);
            self.out.refs.insert(Ref::Import {
                level,
                module: module.clone(),
                name: Some(orig),
            });
        }
    }

    fn call(&mut self, n: usize, s: usize) {
        let k = self.k;
        let fl = grammar::fields();
        let (func, arguments) = match self.pair(n) {
            Some((f, a)) => (Some(f), Some(a)),
            None => (self.field(n, fl.function), self.field(n, fl.arguments)),
        };
        let mut args = arguments.into_iter().flat_map(|a| self.named_kids(a));
        let (first, second) = (args.next(), args.next());
        if let Some(f) = func {
            let bare = self.flat.kind(f) == k.identifier;
            let name: &[u8] = if bare {
                self.text(f)
            } else if self.flat.kind(f) == k.attribute {
                self.field(f, fl.attribute)
                    .map_or(&[][..], |a| self.text(a))
            } else {
                &[]
            };
            match name {
                b"globals" | b"vars" if bare => {
                    self.out.dynamic.insert(Dynamic::Globals);
                }
                b"exec" | b"eval" | b"compile" if bare => {
                    self.out.dynamic.insert(Dynamic::Exec);
                }
                b"import_module" | b"__import__" => {
                    match first.and_then(|a| literal_string(self.src, self.node(a))) {
                        Some(lit) if !lit.starts_with('.') => {
                            self.out.refs.insert(Ref::Import {
                                level: 0,
                                module: lit,
                                name: None,
                            });
                        }
                        _ => {
                            self.out.dynamic.insert(Dynamic::DynamicImport);
                        }
                    }
                }
                b"getattr" | b"setattr" | b"hasattr" | b"delattr" if bare => {
                    if let (Some(obj), Some(attr)) = (first, second)
                        && let Some((root, mut attrs)) = self.chain_bytes(obj)
                    {
                        match literal_string(self.src, self.node(attr)) {
                            Some(lit) => {
                                attrs.push(Cow::Owned(lit.into_bytes()));
                                self.use_name(s, root, attrs);
                            }
                            None => self.uses.push(Use {
                                scope: s,
                                root,
                                attrs,
                                dyn_attr: true,
                            }),
                        }
                    }
                }
                _ => {}
            }
            self.visit(f, s);
        }
        if let Some(a) = arguments {
            for ch in self.named_kids(a) {
                self.visit(ch, s);
            }
        }
    }
}
