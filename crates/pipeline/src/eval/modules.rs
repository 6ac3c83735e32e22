//! Module scopes, imports and name resolution across the project's modules.

use std::rc::Rc;

use foldhash::{HashMap, HashMapExt};
use kdvc_python::grammar::fields;
use kdvc_python::{Module, NodeExt, named_kids, node_text};
use tree_sitter::Node as TsNode;

use super::builtins::{builtin_name, builtin_qualified, is_opaque_builtin};
use super::{
    Binding, Evaluator, Frame, MAX_DEPTH, R, Scope, Stop, assignment_chain, identifiers, tree_root,
};
use crate::value::{FuncDef, Value};

impl<'a> Evaluator<'a> {
    pub(super) fn scope(&mut self, m: &'a Module) -> R<Rc<Scope<'a>>> {
        if let Some(s) = self.scopes.get(&m.name) {
            return Ok(s.clone());
        }
        let root = tree_root(m).map_err(Stop::Parse)?;
        let mut scope = Scope {
            bindings: HashMap::new(),
            star: Vec::new(),
        };
        for stmt in named_kids(root) {
            self.collect_bindings(m, stmt, &mut scope, false);
        }
        let rc = Rc::new(scope);
        self.scopes.insert(m.name.clone(), rc.clone());
        Ok(rc)
    }

    pub(super) fn collect_bindings(
        &self,
        m: &'a Module,
        stmt: TsNode<'a>,
        scope: &mut Scope<'a>,
        nested: bool,
    ) {
        let mut add = |name: &str, b: Binding<'a>, at: TsNode<'a>| {
            let b = if nested {
                Binding::Other(
                    at,
                    "is defined inside a conditional, loop or `try` block at module level",
                )
            } else {
                b
            };
            scope
                .bindings
                .entry(name.to_owned())
                .or_default()
                .push((b, at));
        };
        match stmt.kind_str() {
            "import_statement" => {
                let mut c = stmt.walk();
                for name in stmt.children_by_field_name("name", &mut c) {
                    if name.kind_str() == "aliased_import" {
                        let (Some(dn), Some(alias)) =
                            (name.field(fields().name), name.field(fields().alias))
                        else {
                            continue;
                        };
                        add(
                            self.text(m, alias),
                            Binding::Import(self.text(m, dn).to_owned()),
                            stmt,
                        );
                    } else {
                        let full = self.text(m, name);
                        let top = full.split('.').next().unwrap_or(full);
                        add(top, Binding::Import(top.to_owned()), stmt);
                    }
                }
            }
            "import_from_statement" => {
                let Some(from) = self.import_source(m, stmt) else {
                    return;
                };
                let mut c = stmt.walk();
                let mut any = false;
                for name in stmt.children_by_field_name("name", &mut c) {
                    any = true;
                    let (orig, alias) = if name.kind_str() == "aliased_import" {
                        match (name.field(fields().name), name.field(fields().alias)) {
                            (Some(n), Some(a)) => (self.text(m, n), self.text(m, a)),
                            _ => continue,
                        }
                    } else {
                        (self.text(m, name), self.text(m, name))
                    };
                    add(
                        alias,
                        Binding::FromImport(from.clone(), orig.to_owned()),
                        stmt,
                    );
                }
                if !any && !nested {
                    scope.star.push(from);
                }
            }
            "function_definition" => {
                if let Some(n) = stmt.field(fields().name) {
                    add(self.text(m, n), Binding::Def(stmt, false), stmt);
                }
            }
            "decorated_definition" => {
                if let Some(def) = stmt.field(fields().definition)
                    && let Some(n) = def.field(fields().name)
                {
                    let b = if def.kind_str() == "function_definition" {
                        Binding::Def(def, true)
                    } else {
                        Binding::Class
                    };
                    add(self.text(m, n), b, stmt);
                }
            }
            "class_definition" => {
                if let Some(n) = stmt.field(fields().name) {
                    add(self.text(m, n), Binding::Class, stmt);
                }
            }
            "expression_statement" => {
                let Some(e) = stmt.named_child(0) else { return };
                match e.kind_str() {
                    "assignment" => {
                        let (targets, value) = assignment_chain(e);
                        for t in targets {
                            if t.kind_str() == "identifier" {
                                if let Some(v) = value {
                                    add(self.text(m, t), Binding::Assign(v), stmt);
                                }
                            } else {
                                for id in identifiers(t) {
                                    add(
                                        self.text(m, id),
                                        Binding::Other(
                                            stmt,
                                            "is assigned by unpacking at module level",
                                        ),
                                        stmt,
                                    );
                                }
                            }
                        }
                    }
                    "augmented_assignment" => {
                        if let Some(l) = e.field(fields().left) {
                            for id in identifiers(l) {
                                add(
                                    self.text(m, id),
                                    Binding::Other(stmt, "is modified at module level"),
                                    stmt,
                                );
                            }
                        }
                    }
                    _ => {}
                }
            }
            "if_statement" | "for_statement" | "while_statement" | "try_statement"
            | "with_statement" | "block" | "else_clause" | "elif_clause" | "except_clause"
            | "finally_clause" => {
                let mut c = stmt.walk();
                for child in stmt.named_children(&mut c) {
                    self.collect_bindings(m, child, scope, true);
                }
            }
            _ => {}
        }
    }

    /// The absolute module an `import_from_statement` reads from.
    pub(super) fn import_source(&self, m: &Module, stmt: TsNode<'_>) -> Option<String> {
        let module_name = stmt.field(fields().module_name)?;
        if module_name.kind_str() == "relative_import" {
            let mut dots = 0;
            let mut rest = String::new();
            let mut c = module_name.walk();
            for child in module_name.named_children(&mut c) {
                if child.kind_str() == "import_prefix" {
                    dots = node_text(&m.src, child)
                        .chars()
                        .filter(|c| *c == '.')
                        .count();
                } else {
                    rest = node_text(&m.src, child).to_owned();
                }
            }
            let mut base: Vec<&str> = m.name.split('.').collect();
            if !m.is_package {
                base.pop();
            }
            for _ in 1..dots {
                base.pop();
            }
            let mut full = base.join(".");
            if !rest.is_empty() {
                if !full.is_empty() {
                    full.push('.');
                }
                full.push_str(&rest);
            }
            Some(full)
        } else {
            Some(node_text(&m.src, module_name).to_owned())
        }
    }

    pub(super) fn global(&mut self, m: &'a Module, name: &str, at: TsNode<'a>) -> R<Value<'a>> {
        self.global_in(m, name, at, m, 0)
    }

    pub(super) fn global_in(
        &mut self,
        m: &'a Module,
        name: &str,
        at: TsNode<'a>,
        at_m: &'a Module,
        hops: usize,
    ) -> R<Value<'a>> {
        if let Some(v) = self.cache.get(m.name.as_str()).and_then(|c| c.get(name)) {
            return Ok(v.clone());
        }
        if hops > MAX_DEPTH {
            return self.fail(at_m, at, format!("import cycle while resolving `{name}`"));
        }
        let scope = self.scope(m)?;
        let value = match scope.bindings.get(name).map(Vec::as_slice) {
            None | Some([]) => {
                for star in &scope.star {
                    if let Some(sm) = self.table.modules.get(star) {
                        let s = self.scope(sm)?;
                        if s.bindings.contains_key(name) {
                            return self.global_in(sm, name, at, at_m, hops + 1);
                        }
                    } else if !self.table.contains(star) {
                        return self.fail(
                            at_m,
                            at,
                            format!("`{name}` may come from `from {star} import *`, which is outside the project"),
                        );
                    }
                }
                if let Some(b) = builtin_name(name) {
                    return Ok(b);
                }
                if is_opaque_builtin(name) {
                    return Ok(Value::External(format!("builtins.{name}")));
                }
                return self.fail(
                    at_m,
                    at,
                    format!("name `{name}` is not defined in module `{}`", m.name),
                );
            }
            Some([(binding, stmt)]) => match binding {
                Binding::Import(module) => Value::Module(module.clone()),
                Binding::FromImport(from, orig) => {
                    let (from, orig, stmt) = (from.clone(), orig.clone(), *stmt);
                    self.import_attr(&from, &orig, m, stmt, hops)?
                }
                Binding::Def(def, decorated) => Value::Func(Rc::new(FuncDef {
                    module: m,
                    name: name.to_owned(),
                    node: *def,
                    decorated: *decorated,
                    closure: None,
                })),
                Binding::Class => Value::External(format!("{}.{name} (a class)", m.name)),
                Binding::Assign(expr) => {
                    let expr = *expr;
                    let key = (m.name.clone(), name.to_owned());
                    if !self.in_progress.insert(key.clone()) {
                        return self.fail(m, expr, format!("`{name}` refers to itself"));
                    }
                    let mut frame = Frame::new(m);
                    let v = self.eval(&mut frame, expr);
                    self.in_progress.remove(&key);
                    v?
                }
                Binding::Other(stmt, why) => {
                    let stmt = *stmt;
                    return self.fail(
                        m,
                        stmt,
                        format!("`{name}` {why}; kdvc cannot tell its value"),
                    );
                }
            },
            Some(many) => {
                let stmt = many[many.len() - 1].1;
                return self.fail(
                    m,
                    stmt,
                    format!(
                        "`{name}` is bound {} times at module level of `{}`; kdvc does not follow module-level reassignment",
                        many.len(),
                        m.name
                    ),
                );
            }
        };
        self.cache
            .entry(m.name.as_str())
            .or_default()
            .insert(name.to_owned(), value.clone());
        Ok(value)
    }

    /// `from <module> import <name>`, or `<module>.<name>`.
    pub(super) fn import_attr(
        &mut self,
        module: &str,
        name: &str,
        at_m: &'a Module,
        at: TsNode<'a>,
        hops: usize,
    ) -> R<Value<'a>> {
        if let Some(pm) = self.table.modules.get(module) {
            let scope = self.scope(pm)?;
            if scope.bindings.contains_key(name) || !scope.star.is_empty() {
                return self.global_in(pm, name, at, at_m, hops + 1);
            }
        }
        let sub = format!("{module}.{name}");
        if self.table.contains(&sub) {
            return Ok(Value::Module(sub));
        }
        if self.table.contains(module) {
            return self.fail(
                at_m,
                at,
                format!("cannot import name `{name}` from `{module}`: it defines no such name"),
            );
        }
        Ok(builtin_qualified(&sub).unwrap_or(Value::External(sub)))
    }

    pub(super) fn lookup(&mut self, f: &Frame<'a>, name: &str, at: TsNode<'a>) -> R<Value<'a>> {
        if let Some(v) = f.locals.get(name) {
            return Ok(v.clone());
        }
        if let Some(c) = &f.closure
            && let Some(v) = c.get(name)
        {
            return Ok(v.clone());
        }
        self.global(f.module, name, at)
    }
}
