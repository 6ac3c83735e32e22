//! Statements of function bodies: assignments, `if`, `for`, `while`, `return`, calls for effect.

use std::rc::Rc;

use foldhash::{HashMap, HashMapExt};
use kdvc_python::grammar::fields;
use kdvc_python::{NodeExt, named_kids};
use tree_sitter::Node as TsNode;

use super::{Binding, Evaluator, Flow, Frame, R, Scope, assignment_chain, dedup, dict_set};
use crate::value::{FuncDef, Value};

impl<'a> Evaluator<'a> {
    pub(super) fn exec_block(&mut self, f: &mut Frame<'a>, block: TsNode<'a>) -> R<Flow<'a>> {
        for s in named_kids(block) {
            match self.exec_stmt(f, s)? {
                Flow::Normal => {}
                other => return Ok(other),
            }
        }
        Ok(Flow::Normal)
    }

    /// [`Self::exec_stmt`] without counting the step.
    pub(super) fn exec_node(&mut self, f: &mut Frame<'a>, s: TsNode<'a>) -> R<Flow<'a>> {
        let m = f.module;
        match s.kind_str() {
            "comment" | "pass_statement" => Ok(Flow::Normal),
            "expression_statement" => {
                let Some(e) = s.named_child(0) else {
                    return Ok(Flow::Normal);
                };
                match e.kind_str() {
                    "assignment" => {
                        let (targets, value) = assignment_chain(e);
                        let Some(value) = value else {
                            return Ok(Flow::Normal);
                        };
                        let v = self.eval(f, value)?;
                        for t in targets {
                            self.assign(f, t, v.clone())?;
                        }
                        Ok(Flow::Normal)
                    }
                    "augmented_assignment" => {
                        let l = e.field(fields().left).expect("left");
                        let r = e.field(fields().right).expect("right");
                        let op = self
                            .text(m, e.field(fields().operator).expect("op"))
                            .trim_end_matches('=');
                        let cur = self.eval(f, l)?;
                        let rv = self.eval(f, r)?;
                        let nv = match (op, cur, rv) {
                            (
                                "+",
                                Value::List(mut a),
                                other @ (Value::Tuple(_) | Value::Set(_) | Value::Dict(_)),
                            ) => {
                                a.extend(self.iterate(m, r, other)?);
                                Value::List(a)
                            }
                            (op, cur, rv) => self.binop(m, e, op, cur, rv)?,
                        };
                        self.assign(f, l, nv)?;
                        Ok(Flow::Normal)
                    }
                    "string" | "concatenated_string" | "ellipsis" => Ok(Flow::Normal),
                    "call" => self.exec_call_stmt(f, e),
                    _ => self.fail(
                        m,
                        e,
                        "an expression statement with effects kdvc cannot follow",
                    ),
                }
            }
            "return_statement" => {
                let v = match s.named_child(0) {
                    Some(e) => self.eval(f, e)?,
                    None => Value::None,
                };
                Ok(Flow::Return(v))
            }
            "if_statement" => {
                let cond = s.field(fields().condition).expect("condition");
                let v = self.eval(f, cond)?;
                if self.truthy(m, cond, &v)? {
                    return self.exec_block(f, s.field(fields().consequence).expect("body"));
                }
                let mut c = s.walk();
                let alts: Vec<_> = s.children_by_field_name("alternative", &mut c).collect();
                for alt in alts {
                    if alt.kind_str() == "elif_clause" {
                        let cond = alt.field(fields().condition).expect("condition");
                        let v = self.eval(f, cond)?;
                        if self.truthy(m, cond, &v)? {
                            return self
                                .exec_block(f, alt.field(fields().consequence).expect("body"));
                        }
                    } else {
                        return self.exec_block(f, alt.field(fields().body).expect("else body"));
                    }
                }
                Ok(Flow::Normal)
            }
            "for_statement" => {
                let left = s.field(fields().left).expect("target");
                let right = s.field(fields().right).expect("iterable");
                let body = s.field(fields().body).expect("body");
                let it = self.eval(f, right)?;
                let items = self.iterate(m, right, it)?;
                let mut broke = false;
                for item in items {
                    self.assign(f, left, item)?;
                    match self.exec_block(f, body)? {
                        Flow::Break => {
                            broke = true;
                            break;
                        }
                        Flow::Return(v) => return Ok(Flow::Return(v)),
                        Flow::Normal | Flow::Continue => {}
                    }
                }
                if !broke && let Some(alt) = s.field(fields().alternative) {
                    return self.exec_block(f, alt.field(fields().body).expect("else body"));
                }
                Ok(Flow::Normal)
            }
            "break_statement" => Ok(Flow::Break),
            "continue_statement" => Ok(Flow::Continue),
            "function_definition" | "decorated_definition" => {
                let (def, decorated) = if s.kind_str() == "decorated_definition" {
                    (s.field(fields().definition).expect("definition"), true)
                } else {
                    (s, false)
                };
                let name = self
                    .text(m, def.field(fields().name).expect("name"))
                    .to_owned();
                if def.kind_str() != "function_definition" {
                    f.locals.insert(
                        name.clone(),
                        Value::External(format!("{}.{name} (a class)", m.name)),
                    );
                    return Ok(Flow::Normal);
                }
                let mut closure = f.closure.as_deref().cloned().unwrap_or_default();
                closure.extend(f.locals.iter().map(|(k, v)| (k.clone(), v.clone())));
                let func = Value::Func(Rc::new(FuncDef {
                    module: m,
                    name: name.clone(),
                    node: def,
                    decorated,
                    closure: Some(Rc::new(closure)),
                }));
                f.locals.insert(name, func);
                Ok(Flow::Normal)
            }
            "class_definition" => {
                let name = self
                    .text(m, s.field(fields().name).expect("name"))
                    .to_owned();
                f.locals.insert(
                    name.clone(),
                    Value::External(format!("{}.{name} (a class)", m.name)),
                );
                Ok(Flow::Normal)
            }
            "import_statement" | "import_from_statement" => {
                let mut scope = Scope {
                    bindings: HashMap::new(),
                    star: Vec::new(),
                };
                self.collect_bindings(m, s, &mut scope, false);
                if !scope.star.is_empty() {
                    return self.fail(m, s, "`import *` inside a function is not supported");
                }
                for (name, bs) in scope.bindings {
                    let v = match &bs[0].0 {
                        Binding::Import(module) => Value::Module(module.clone()),
                        Binding::FromImport(from, orig) => self.import_attr(from, orig, m, s, 0)?,
                        _ => continue,
                    };
                    f.locals.insert(name, v);
                }
                Ok(Flow::Normal)
            }
            "assert_statement" => Ok(Flow::Normal),
            other => self.fail(
                m,
                s,
                format!(
                    "the statement `{}` is not supported",
                    other.trim_end_matches("_statement")
                ),
            ),
        }
    }

    pub(super) fn exec_call_stmt(&mut self, f: &mut Frame<'a>, e: TsNode<'a>) -> R<Flow<'a>> {
        let m = f.module;
        let callee = e.field(fields().function).expect("callee");
        if callee.kind_str() == "attribute" {
            let obj = callee.field(fields().object).expect("object");
            let method = self.text(m, callee.field(fields().attribute).expect("attr"));
            if obj.kind_str() == "identifier" {
                let var = self.text(m, obj);
                if matches!(var, "logger" | "logging" | "log" | "warnings") {
                    return Ok(Flow::Normal);
                }
                if f.locals.contains_key(var)
                    && matches!(method, "append" | "extend" | "update" | "add" | "insert")
                {
                    let args_n = e.field(fields().arguments).expect("args");
                    let ((pos, kw), _) = self.eval_args(f, args_n)?;
                    let cur = f.locals.get(var).cloned().expect("checked");
                    let new = match (cur, method, pos.len()) {
                        (Value::List(mut l), "append", 1) => {
                            l.extend(pos);
                            Value::List(l)
                        }
                        (Value::List(mut l), "extend", 1) => {
                            l.extend(self.iterate(m, e, pos.into_iter().next().expect("one"))?);
                            Value::List(l)
                        }
                        (Value::List(mut l), "insert", 2) => {
                            let mut pos = pos.into_iter();
                            let Value::Int(i) = pos.next().expect("two") else {
                                return self.fail(m, e, "insert() needs an integer index");
                            };
                            let len = l.len() as i64;
                            let idx = if i < 0 { (len + i).max(0) } else { i.min(len) } as usize;
                            l.insert(idx, pos.next().expect("two"));
                            Value::List(l)
                        }
                        (Value::Set(mut s), "add", 1) => {
                            s.extend(pos);
                            Value::Set(dedup(s))
                        }
                        (Value::Dict(mut d), "update", n) if n <= 1 => {
                            if let Some(v) = pos.into_iter().next() {
                                match v {
                                    Value::Dict(src) => {
                                        for (k, v) in src {
                                            dict_set(&mut d, k, v);
                                        }
                                    }
                                    other => {
                                        return self.fail(
                                            m,
                                            e,
                                            format!("update() with a {}", other.type_name()),
                                        );
                                    }
                                }
                            }
                            for (k, v) in kw {
                                dict_set(&mut d, Value::Str(k), v);
                            }
                            Value::Dict(d)
                        }
                        (cur, method, _) => {
                            return self.fail(
                                m,
                                e,
                                format!("{}.{method}() is not supported here", cur.type_name()),
                            );
                        }
                    };
                    f.locals.insert(var.to_owned(), new);
                    return Ok(Flow::Normal);
                }
            }
        } else if callee.kind_str() == "identifier" && self.text(m, callee) == "print" {
            return Ok(Flow::Normal);
        }
        self.fail(
            m,
            e,
            "a call whose result is discarded: kdvc cannot follow its side effects",
        )
    }

    pub(super) fn assign(&mut self, f: &mut Frame<'a>, target: TsNode<'a>, v: Value<'a>) -> R<()> {
        let m = f.module;
        match target.kind_str() {
            "identifier" => {
                f.locals.insert(self.text(m, target).to_owned(), v);
                Ok(())
            }
            "pattern_list" | "tuple_pattern" | "list_pattern" | "tuple" | "list"
            | "expression_list" => {
                let items = self.iterate(m, target, v)?;
                let mut c = target.walk();
                let targets: Vec<_> = target
                    .named_children(&mut c)
                    .filter(|c| c.kind_str() != "comment")
                    .collect();
                if targets.iter().any(|t| t.kind_str() == "list_splat_pattern") {
                    return self.fail(m, target, "starred assignment is not supported");
                }
                if targets.len() != items.len() {
                    return self.fail(
                        m,
                        target,
                        format!(
                            "cannot unpack {} values into {} names",
                            items.len(),
                            targets.len()
                        ),
                    );
                }
                for (t, it) in targets.into_iter().zip(items) {
                    self.assign(f, t, it)?;
                }
                Ok(())
            }
            "parenthesized_expression" => match target.named_child(0) {
                Some(inner) => self.assign(f, inner, v),
                None => self.fail(m, target, "empty assignment target"),
            },
            "subscript" => {
                let base = target.field(fields().value).expect("value");
                if base.kind_str() != "identifier" || !f.locals.contains_key(self.text(m, base)) {
                    return self.fail(
                        m,
                        target,
                        "item assignment is only supported on local variables",
                    );
                }
                let name = self.text(m, base).to_owned();
                let mut c = target.walk();
                let subs: Vec<_> = target.children_by_field_name("subscript", &mut c).collect();
                if subs.len() != 1 {
                    return self.fail(m, target, "multi-dimensional subscripts are not supported");
                }
                let key = self.eval(f, subs[0])?;
                match f.locals.get_mut(&name).expect("checked") {
                    Value::Dict(d) => {
                        if !key.is_plain_key() {
                            return self.fail(m, subs[0], "unsupported dict key");
                        }
                        dict_set(d, key, v);
                        Ok(())
                    }
                    Value::List(l) => match key {
                        Value::Int(i) => {
                            let idx = if i < 0 { l.len() as i64 + i } else { i };
                            match usize::try_from(idx).ok().filter(|i| *i < l.len()) {
                                Some(i) => {
                                    l[i] = v;
                                    Ok(())
                                }
                                None => self.fail(
                                    m,
                                    target,
                                    "IndexError: list assignment index out of range",
                                ),
                            }
                        }
                        _ => self.fail(m, target, "list indices must be integers"),
                    },
                    other => {
                        let t = other.type_name();
                        self.fail(
                            m,
                            target,
                            format!("item assignment on a {t} is not supported"),
                        )
                    }
                }
            }
            other => self.fail(
                m,
                target,
                format!("assignment to `{other}` is not supported"),
            ),
        }
    }
}
