//! The builtins and methods the evaluator models, and the qualified names it knows (Kedro, `functools`,
//! `operator`).

use std::rc::Rc;

use kdvc_kedro_model::pipeline::Pipeline;
use kdvc_python::Module;
use kdvc_python::format::str_format;
use tree_sitter::Node as TsNode;

use super::{Evaluator, MAX_ITEMS, Pipe, R, dedup, dict_set};
use crate::value::{Builtin, Value};

impl<'a> Evaluator<'a> {
    pub(super) fn call_builtin(
        &mut self,
        m: &'a Module,
        n: TsNode<'a>,
        b: Builtin,
        pos: Vec<Value<'a>>,
        kw: Vec<(String, Value<'a>)>,
    ) -> R<Value<'a>> {
        match b {
            Builtin::Node => self.make_node(m, n, pos, kw),
            Builtin::LlmContextNode => self.make_llm_context_node(m, n, pos, kw),
            Builtin::Tool => self.make_tool(m, n, pos, kw),
            Builtin::Pipeline => self.make_pipeline(m, n, pos, kw, "nodes"),
            Builtin::Pipeline019 => self.make_pipeline(m, n, pos, kw, "pipe"),
            Builtin::FindPipelines => self.find_pipelines(m, n, pos, kw),
            Builtin::Partial => {
                self.fail(m, n, "functools.partial used indirectly is not supported")
            }
            Builtin::Reduce => {
                if !kw.is_empty() || !(2..=3).contains(&pos.len()) {
                    return self.fail(
                        m,
                        n,
                        "reduce() takes a function, an iterable and an optional initial value",
                    );
                }
                let mut pos = pos.into_iter();
                let func = pos.next().expect("two");
                let items = self.iterate(m, n, pos.next().expect("two"))?;
                let mut items = items.into_iter();
                let mut acc = match pos.next() {
                    Some(init) => init,
                    None => match items.next() {
                        Some(first) => first,
                        None => {
                            return self.fail(
                                m,
                                n,
                                "reduce() of empty iterable with no initial value",
                            );
                        }
                    },
                };
                for it in items {
                    acc = match &func {
                        Value::Builtin(Builtin::Op(op)) => self.binop(m, n, op, acc, it)?,
                        other => self.call_value(m, n, other.clone(), vec![acc, it], Vec::new())?,
                    };
                }
                Ok(acc)
            }
            Builtin::Op(op) => {
                if pos.len() != 2 || !kw.is_empty() {
                    return self.fail(
                        m,
                        n,
                        format!("operator function `{op}` takes two arguments"),
                    );
                }
                let mut pos = pos.into_iter();
                let (a, b) = (pos.next().expect("two"), pos.next().expect("two"));
                self.binop(m, n, op, a, b)
            }
            Builtin::Sum => {
                let start = kw.into_iter().find(|(k, _)| k == "start").map(|(_, v)| v);
                let mut pos = pos.into_iter();
                let Some(it) = pos.next() else {
                    return self.fail(m, n, "sum() needs an iterable");
                };
                let mut acc = pos.next().or(start).unwrap_or(Value::Int(0));
                let items = self.iterate(m, n, it)?;
                if matches!(acc, Value::Int(0) | Value::Pipeline(_))
                    && !items.is_empty()
                    && items.iter().all(|v| matches!(v, Value::Pipeline(_)))
                {
                    // `sum` of pipelines in one pass: the same result and errors as adding them one by one.
                    let mut all: Vec<Rc<Pipeline>> = Vec::new();
                    if let Value::Pipeline(p) = &acc {
                        all.push(p.clone());
                    }
                    all.extend(items.into_iter().filter_map(|v| {
                        if let Value::Pipeline(p) = v {
                            Some(p)
                        } else {
                            None
                        }
                    }));
                    return match Pipeline::sum(all.iter().map(|p| &**p)) {
                        Ok(p) => Ok(Value::Pipeline(Rc::new(p))),
                        Err(e) => self.kedro_fail(m, n, &e),
                    };
                }
                for v in items {
                    acc = self.binop(m, n, "+", acc, v)?;
                }
                Ok(acc)
            }
            Builtin::List | Builtin::Tuple | Builtin::Set => {
                let items = match pos.into_iter().next() {
                    Some(v) => self.iterate(m, n, v)?,
                    None => Vec::new(),
                };
                Ok(match b {
                    Builtin::List => Value::List(items),
                    Builtin::Tuple => Value::Tuple(items),
                    _ => Value::Set(dedup(items)),
                })
            }
            Builtin::Dict => {
                let mut d = Vec::new();
                if let Some(v) = pos.into_iter().next() {
                    match v {
                        Value::Dict(src) => d = src,
                        other => {
                            for item in self.iterate(m, n, other)? {
                                match item {
                                    Value::Tuple(kv) | Value::List(kv) if kv.len() == 2 => {
                                        let mut kv = kv.into_iter();
                                        dict_set(
                                            &mut d,
                                            kv.next().expect("two"),
                                            kv.next().expect("two"),
                                        );
                                    }
                                    _ => return self.fail(m, n, "dict() needs key-value pairs"),
                                }
                            }
                        }
                    }
                }
                for (k, v) in kw {
                    dict_set(&mut d, Value::Str(k), v);
                }
                Ok(Value::Dict(d))
            }
            Builtin::Str => match pos.first() {
                None => Ok(Value::Str(String::new())),
                Some(v) => match v.py_str() {
                    Some(s) => Ok(Value::Str(s)),
                    None => self.fail(
                        m,
                        n,
                        format!("str() of a {} is not supported", v.type_name()),
                    ),
                },
            },
            Builtin::Len => match pos.into_iter().next() {
                Some(Value::Str(s)) => Ok(Value::Int(s.chars().count() as i64)),
                Some(Value::List(v) | Value::Tuple(v) | Value::Set(v)) => {
                    Ok(Value::Int(v.len() as i64))
                }
                Some(Value::Dict(d)) => Ok(Value::Int(d.len() as i64)),
                Some(Value::Pipeline(p)) => Ok(Value::Int(p.len() as i64)),
                _ => self.fail(m, n, "len() of this value is not supported"),
            },
            Builtin::Range => {
                let ints: Option<Vec<i64>> = pos
                    .iter()
                    .map(|v| {
                        if let Value::Int(i) = v {
                            Some(*i)
                        } else {
                            None
                        }
                    })
                    .collect();
                let Some(ints) = ints else {
                    return self.fail(m, n, "range() needs integers");
                };
                let (start, stop, step) = match ints.as_slice() {
                    [stop] => (0, *stop, 1),
                    [a, b] => (*a, *b, 1),
                    [a, b, s] if *s != 0 => (*a, *b, *s),
                    _ => return self.fail(m, n, "range() takes 1 to 3 integers"),
                };
                // Its items count as steps, before any is made: `range(10**9)` stops at once.
                let len = if step > 0 {
                    (i128::from(stop) - i128::from(start) + i128::from(step) - 1) / i128::from(step)
                } else {
                    (i128::from(start) - i128::from(stop) - i128::from(step) - 1)
                        / -i128::from(step)
                };
                self.spend(m, n, usize::try_from(len.max(0)).unwrap_or(usize::MAX))?;
                let mut out = Vec::new();
                let mut i = start;
                while (step > 0 && i < stop) || (step < 0 && i > stop) {
                    out.push(Value::Int(i));
                    if out.len() > MAX_ITEMS {
                        return self.fail(m, n, "the range is too large");
                    }
                    i += step;
                }
                Ok(Value::List(out))
            }
            Builtin::Enumerate => {
                let mut pos = pos.into_iter();
                let Some(it) = pos.next() else {
                    return self.fail(m, n, "enumerate() needs an iterable");
                };
                let start = match pos
                    .next()
                    .or(kw.into_iter().find(|(k, _)| k == "start").map(|(_, v)| v))
                {
                    Some(Value::Int(i)) => i,
                    None => 0,
                    Some(_) => return self.fail(m, n, "enumerate() start must be an integer"),
                };
                Ok(Value::List(
                    self.iterate(m, n, it)?
                        .into_iter()
                        .enumerate()
                        .map(|(i, v)| Value::Tuple(vec![Value::Int(start + i as i64), v]))
                        .collect(),
                ))
            }
            Builtin::Zip => {
                let mut lists = Vec::new();
                for v in pos {
                    lists.push(self.iterate(m, n, v)?);
                }
                let len = lists.iter().map(Vec::len).min().unwrap_or(0);
                Ok(Value::List(
                    (0..len)
                        .map(|i| Value::Tuple(lists.iter().map(|l| l[i].clone()).collect()))
                        .collect(),
                ))
            }
            Builtin::Sorted => {
                let Some(it) = pos.into_iter().next() else {
                    return self.fail(m, n, "sorted() needs an iterable");
                };
                if !kw.is_empty() {
                    return self.fail(m, n, "sorted() with key= or reverse= is not supported");
                }
                let mut items = self.iterate(m, n, it)?;
                if items.iter().all(|v| matches!(v, Value::Str(_))) {
                    items.sort_by(|a, b| match (a, b) {
                        (Value::Str(a), Value::Str(b)) => a.cmp(b),
                        _ => std::cmp::Ordering::Equal,
                    });
                } else if items.iter().all(|v| matches!(v, Value::Int(_))) {
                    items.sort_by_key(|v| if let Value::Int(i) = v { *i } else { 0 });
                } else {
                    return self.fail(m, n, "sorted() of mixed values is not supported");
                }
                Ok(Value::List(items))
            }
        }
    }

    pub(super) fn call_method(
        &mut self,
        m: &'a Module,
        n: TsNode<'a>,
        obj: Value<'a>,
        name: &str,
        pos: Vec<Value<'a>>,
        kw: Vec<(String, Value<'a>)>,
    ) -> R<Value<'a>> {
        let strs = |this: &Self, vals: &[Value<'a>]| -> R<Vec<String>> {
            let mut out = Vec::new();
            for v in vals {
                match v {
                    Value::Str(s) => out.push(s.clone()),
                    Value::List(items) | Value::Tuple(items) | Value::Set(items) => {
                        for i in items {
                            match i {
                                Value::Str(s) => out.push(s.clone()),
                                _ => return this.fail(m, n, "expected strings"),
                            }
                        }
                    }
                    _ => return this.fail(m, n, "expected strings"),
                }
            }
            Ok(out)
        };
        match (obj, name) {
            (Value::Str(s), "format") => match str_format(&s, &pos, &kw) {
                Some(r) => Ok(Value::Str(r)),
                None => self.fail(m, n, "this str.format() call is not supported"),
            },
            (Value::Str(s), "join") => {
                let items = match pos.into_iter().next() {
                    Some(v) => self.iterate(m, n, v)?,
                    None => return self.fail(m, n, "join() needs an iterable"),
                };
                let mut parts = Vec::new();
                for it in items {
                    match it {
                        Value::Str(x) => parts.push(x),
                        other => {
                            return self.fail(m, n, format!("join() of a {}", other.type_name()));
                        }
                    }
                }
                Ok(Value::Str(parts.join(&s)))
            }
            (Value::Str(s), "upper") => Ok(Value::Str(s.to_uppercase())),
            (Value::Str(s), "lower") => Ok(Value::Str(s.to_lowercase())),
            (Value::Str(s), "strip") if pos.is_empty() => Ok(Value::Str(s.trim().to_owned())),
            (Value::Str(s), "replace") => match pos.as_slice() {
                [Value::Str(a), Value::Str(b)] => Ok(Value::Str(s.replace(a.as_str(), b))),
                _ => self.fail(m, n, "replace() needs two strings"),
            },
            (Value::Str(s), "split") => match pos.as_slice() {
                [] => Ok(Value::List(
                    s.split_whitespace()
                        .map(|x| Value::Str(x.to_owned()))
                        .collect(),
                )),
                [Value::Str(sep)] if !sep.is_empty() => Ok(Value::List(
                    s.split(sep.as_str())
                        .map(|x| Value::Str(x.to_owned()))
                        .collect(),
                )),
                _ => self.fail(m, n, "this split() call is not supported"),
            },
            (Value::Str(s), "startswith") => match pos.as_slice() {
                [Value::Str(p)] => Ok(Value::Bool(s.starts_with(p.as_str()))),
                _ => self.fail(m, n, "startswith() needs a string"),
            },
            (Value::Str(s), "endswith") => match pos.as_slice() {
                [Value::Str(p)] => Ok(Value::Bool(s.ends_with(p.as_str()))),
                _ => self.fail(m, n, "endswith() needs a string"),
            },
            (Value::Dict(d), "items") => Ok(Value::List(
                d.into_iter()
                    .map(|(k, v)| Value::Tuple(vec![k, v]))
                    .collect(),
            )),
            (Value::Dict(d), "keys") => Ok(Value::List(d.into_iter().map(|(k, _)| k).collect())),
            (Value::Dict(d), "values") => Ok(Value::List(d.into_iter().map(|(_, v)| v).collect())),
            (Value::Dict(d), "copy") => Ok(Value::Dict(d)),
            (Value::List(v), "copy") => Ok(Value::List(v)),
            (Value::Dict(d), "get") => {
                let mut pos = pos.into_iter();
                let Some(k) = pos.next() else {
                    return self.fail(m, n, "get() needs a key");
                };
                let default = pos.next().unwrap_or(Value::None);
                for (dk, dv) in d {
                    if dk.py_eq(&k) == Some(true) {
                        return Ok(dv);
                    }
                }
                Ok(default)
            }
            (Value::Pipeline(p), method) => {
                let res = match method {
                    "tag" => {
                        let tags = strs(self, &pos)?;
                        p.nodes()
                            .iter()
                            .map(|n| n.tagged(&tags))
                            .collect::<Vec<_>>()
                            .pipe(Pipeline::from_nodes)
                    }
                    "only_nodes_with_tags" => p.only_nodes_with_tags(&strs(self, &pos)?),
                    "only_nodes" => p.only_nodes(&strs(self, &pos)?),
                    "only_nodes_with_namespaces" => {
                        p.only_nodes_with_namespaces(&strs(self, &pos)?)
                    }
                    "from_inputs" => p.from_inputs(&strs(self, &pos)?),
                    "to_outputs" => p.to_outputs(&strs(self, &pos)?),
                    "from_nodes" => p.from_nodes_named(&strs(self, &pos)?),
                    "to_nodes" => p.to_nodes_named(&strs(self, &pos)?),
                    other => {
                        return self.fail(m, n, format!("Pipeline.{other}() is not supported"));
                    }
                };
                let _ = kw;
                match res {
                    Ok(p) => Ok(Value::Pipeline(Rc::new(p))),
                    Err(e) => self.kedro_fail(m, n, &e),
                }
            }
            (Value::Node(node), "tag") => {
                let tags = strs(self, &pos)?;
                Ok(Value::Node(Rc::new(node.tagged(&tags))))
            }
            (obj, name) => self.fail(
                m,
                n,
                format!("{}.{name}() is not supported", obj.type_name()),
            ),
        }
    }
}

/// Whether `name` is a member of Python's `builtins` module ([`kdvc_python::builtins::BUILTINS`]): the
/// evaluator knows the ones it does not model ([`builtin_name`]) as opaque external callables, whose calls are
/// reported, not guessed. Module dunders such as `__file__` are not members, so they are reported as undefined.
pub(super) fn is_opaque_builtin(name: &str) -> bool {
    kdvc_python::builtins::BUILTINS.binary_search(&name).is_ok()
}

pub(super) fn builtin_name<'a>(name: &str) -> Option<Value<'a>> {
    Some(Value::Builtin(match name {
        "sum" => Builtin::Sum,
        "list" => Builtin::List,
        "tuple" => Builtin::Tuple,
        "set" | "frozenset" => Builtin::Set,
        "dict" => Builtin::Dict,
        "str" => Builtin::Str,
        "len" => Builtin::Len,
        "range" => Builtin::Range,
        "enumerate" => Builtin::Enumerate,
        "zip" => Builtin::Zip,
        "sorted" => Builtin::Sorted,
        "__name__" => return None,
        _ => return None,
    }))
}

pub(super) fn builtin_qualified<'a>(q: &str) -> Option<Value<'a>> {
    Some(Value::Builtin(match q {
        "kedro.pipeline.node"
        | "kedro.pipeline.Node"
        | "kedro.pipeline.node.node"
        | "kedro.pipeline.node.Node" => Builtin::Node,
        "kedro.pipeline.pipeline"
        | "kedro.pipeline.Pipeline"
        | "kedro.pipeline.pipeline.Pipeline"
        | "kedro.pipeline.pipeline.pipeline" => Builtin::Pipeline,
        "kedro.pipeline.modular_pipeline.pipeline" => Builtin::Pipeline019,
        "kedro.pipeline.llm_context_node"
        | "kedro.pipeline.LLMContextNode"
        | "kedro.pipeline.llm_context.llm_context_node"
        | "kedro.pipeline.llm_context.LLMContextNode" => Builtin::LlmContextNode,
        "kedro.pipeline.tool" | "kedro.pipeline.llm_context.tool" => Builtin::Tool,
        "kedro.framework.project.find_pipelines" => Builtin::FindPipelines,
        "functools.partial" => Builtin::Partial,
        "functools.reduce" => Builtin::Reduce,
        "operator.add" | "operator.__add__" => Builtin::Op("+"),
        "operator.or_" | "operator.__or__" => Builtin::Op("|"),
        "operator.and_" | "operator.__and__" => Builtin::Op("&"),
        "operator.sub" | "operator.__sub__" => Builtin::Op("-"),
        "builtins.sum" => Builtin::Sum,
        _ => return None,
    }))
}
