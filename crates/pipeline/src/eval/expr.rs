//! Expressions: literals, strings and f-strings, operators, comparisons, subscripts and comprehensions.

use std::rc::Rc;

use kdvc_kedro_model::pipeline::{Pipeline, PipelineError};
use kdvc_python::format::{convert, format_spec, percent_format};
use kdvc_python::grammar::fields;
use kdvc_python::literal::{decode_text, string_info};
use kdvc_python::{Module, NodeExt, named_kids};
use tree_sitter::Node as TsNode;

use super::{Evaluator, Frame, MAX_ITEMS, R, dedup, dict_set};
use crate::value::{LambdaDef, Value};

impl<'a> Evaluator<'a> {
    /// [`Self::eval`] without counting the step.
    pub(super) fn eval_node(&mut self, f: &mut Frame<'a>, n: TsNode<'a>) -> R<Value<'a>> {
        let m = f.module;
        match n.kind_str() {
            "identifier" => self.lookup(f, self.text(m, n), n),
            "string" => self.eval_string(f, n),
            "concatenated_string" => {
                let mut out = String::new();
                for p in named_kids(n) {
                    match self.eval_string(f, p)? {
                        Value::Str(s) => out.push_str(&s),
                        _ => return self.fail(m, p, "bytes literals are not supported"),
                    }
                }
                Ok(Value::Str(out))
            }
            "integer" => {
                let t = self.text(m, n).replace('_', "");
                let v = if let Some(h) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
                    i64::from_str_radix(h, 16).ok()
                } else {
                    t.parse::<i64>().ok()
                };
                match v {
                    Some(v) => Ok(Value::Int(v)),
                    None => self.fail(m, n, format!("integer literal `{t}` is not supported")),
                }
            }
            "true" => Ok(Value::Bool(true)),
            "false" => Ok(Value::Bool(false)),
            "none" => Ok(Value::None),
            "parenthesized_expression" => match n.named_child(0) {
                Some(inner) => self.eval(f, inner),
                None => Ok(Value::Tuple(Vec::new())),
            },
            "list" | "tuple" | "set" | "expression_list" => {
                let mut items = Vec::new();
                let mut children = named_kids(n);
                children.retain(|c| c.kind_str() != "comment");
                for child in children {
                    if child.kind_str() == "list_splat" {
                        let inner = child.named_child(0).expect("splat has an operand");
                        let v = self.eval(f, inner)?;
                        items.extend(self.iterate(m, inner, v)?);
                    } else {
                        items.push(self.eval(f, child)?);
                    }
                }
                Ok(match n.kind_str() {
                    "list" => Value::List(items),
                    "set" => Value::Set(dedup(items)),
                    _ => Value::Tuple(items),
                })
            }
            "dictionary" => {
                let mut items: Vec<(Value<'a>, Value<'a>)> = Vec::new();
                let mut children = named_kids(n);
                children.retain(|c| c.kind_str() != "comment");
                for child in children {
                    if child.kind_str() == "dictionary_splat" {
                        let inner = child.named_child(0).expect("splat has an operand");
                        match self.eval(f, inner)? {
                            Value::Dict(d) => {
                                for (k, v) in d {
                                    dict_set(&mut items, k, v);
                                }
                            }
                            other => {
                                return self.fail(
                                    m,
                                    inner,
                                    format!("cannot unpack a {} with **", other.type_name()),
                                );
                            }
                        }
                    } else if child.kind_str() == "pair" {
                        let (Some(kn), Some(vn)) =
                            (child.field(fields().key), child.field(fields().value))
                        else {
                            return self.fail(m, child, "malformed dict item");
                        };
                        let k = self.eval(f, kn)?;
                        if !k.is_plain_key() {
                            return self.fail(
                                m,
                                kn,
                                format!("a {} as dict key is not supported", k.type_name()),
                            );
                        }
                        let v = self.eval(f, vn)?;
                        dict_set(&mut items, k, v);
                    } else {
                        return self.fail(
                            m,
                            child,
                            format!("`{}` in a dict literal is not supported", child.kind_str()),
                        );
                    }
                }
                Ok(Value::Dict(items))
            }
            "list_comprehension"
            | "generator_expression"
            | "set_comprehension"
            | "dictionary_comprehension" => self.eval_comprehension(f, n),
            "binary_operator" => {
                let (Some(l), Some(op), Some(r)) = (
                    n.field(fields().left),
                    n.field(fields().operator),
                    n.field(fields().right),
                ) else {
                    return self.fail(m, n, "malformed binary operation");
                };
                let lv = self.eval(f, l)?;
                let rv = self.eval(f, r)?;
                let op = self.text(m, op);
                self.binop(m, n, op, lv, rv)
            }
            "unary_operator" => {
                let arg = n.field(fields().argument).expect("operand");
                let op = n
                    .field(fields().operator)
                    .map(|o| self.text(m, o))
                    .unwrap_or("");
                match (op, self.eval(f, arg)?) {
                    ("-", Value::Int(i)) => Ok(Value::Int(-i)),
                    ("+", Value::Int(i)) => Ok(Value::Int(i)),
                    (op, v) => self.fail(
                        m,
                        n,
                        format!("unary `{op}` on a {} is not supported", v.type_name()),
                    ),
                }
            }
            "not_operator" => {
                let arg = n.field(fields().argument).expect("operand");
                let v = self.eval(f, arg)?;
                Ok(Value::Bool(!self.truthy(m, arg, &v)?))
            }
            "boolean_operator" => {
                let l = n.field(fields().left).expect("left");
                let r = n.field(fields().right).expect("right");
                let op = n
                    .field(fields().operator)
                    .map(|o| self.text(m, o))
                    .unwrap_or("");
                let lv = self.eval(f, l)?;
                let lt = self.truthy(m, l, &lv)?;
                match (op, lt) {
                    ("and", false) | ("or", true) => Ok(lv),
                    _ => self.eval(f, r),
                }
            }
            "comparison_operator" => self.eval_comparison(f, n),
            "conditional_expression" => {
                let mut c = n.walk();
                let parts: Vec<_> = n
                    .named_children(&mut c)
                    .filter(|c| c.kind_str() != "comment")
                    .collect();
                if parts.len() != 3 {
                    return self.fail(m, n, "malformed conditional expression");
                }
                let cond = self.eval(f, parts[1])?;
                if self.truthy(m, parts[1], &cond)? {
                    self.eval(f, parts[0])
                } else {
                    self.eval(f, parts[2])
                }
            }
            "subscript" => self.eval_subscript(f, n),
            "attribute" => {
                let obj = n.field(fields().object).expect("object");
                let attr = self.text(m, n.field(fields().attribute).expect("attribute"));
                let v = self.eval(f, obj)?;
                self.attribute(m, n, v, attr)
            }
            "call" => self.eval_call(f, n),
            "lambda" => Ok(Value::Lambda(Rc::new(LambdaDef { module: m, node: n }))),
            "float" => self.fail(
                m,
                n,
                "floating-point values are not supported in pipeline code",
            ),
            "ellipsis" => Ok(Value::None),
            other => self.fail(m, n, format!("the expression `{other}` is not supported")),
        }
    }

    pub(super) fn truthy(&self, m: &Module, n: TsNode<'_>, v: &Value<'a>) -> R<bool> {
        match v.truthy() {
            Some(b) => Ok(b),
            None => self.fail(
                m,
                n,
                format!("the truth value of {} is unknown", v.type_name()),
            ),
        }
    }

    pub(super) fn eval_string(&mut self, f: &mut Frame<'a>, n: TsNode<'a>) -> R<Value<'a>> {
        let m = f.module;
        let info = string_info(m.src.as_bytes(), n);
        if info.bytes {
            return self.fail(m, n, "bytes literals are not supported");
        }
        if info.t {
            return self.fail(m, n, "template strings (t-strings) are not supported");
        }
        let mut out = String::new();
        for child in named_kids(n) {
            match child.kind_str() {
                "string_content" => match decode_text(self.text(m, child), &info) {
                    Some(text) => out.push_str(&text),
                    None => {
                        return self.fail(
                            m,
                            child,
                            "this string has an escape kdvc does not decode (`\\N{...}` or a lone surrogate)",
                        );
                    }
                },
                "interpolation" => {
                    let Some(e) = child.field(fields().expression) else {
                        return self.fail(m, child, "empty f-string interpolation");
                    };
                    let v = self.eval(f, e)?;
                    let conv = child
                        .field(fields().type_conversion)
                        .map(|t| self.text(m, t).trim_start_matches('!'));
                    let spec = child
                        .field(fields().format_specifier)
                        .map(|s| self.text(m, s).trim_start_matches(':').to_owned());
                    let s = convert(&v, conv);
                    let Some(s) = s else {
                        return self.fail(
                            m,
                            e,
                            format!("cannot format a {} in an f-string", v.type_name()),
                        );
                    };
                    match spec.as_deref() {
                        None | Some("") | Some("s") => out.push_str(&s),
                        Some(spec) => match format_spec(&v, spec) {
                            Some(t) => out.push_str(&t),
                            None => {
                                return self.fail(
                                    m,
                                    child,
                                    format!("the format specification `:{spec}` is not supported"),
                                );
                            }
                        },
                    }
                }
                _ => {}
            }
        }
        Ok(Value::Str(out))
    }

    pub(super) fn eval_comparison(&mut self, f: &mut Frame<'a>, n: TsNode<'a>) -> R<Value<'a>> {
        let m = f.module;
        let mut operands = Vec::new();
        let mut ops = Vec::new();
        let mut c = n.walk();
        let children: Vec<_> = n.children(&mut c).collect();
        for child in children {
            if child.is_named() {
                if child.kind_str() != "comment" {
                    operands.push(child);
                }
            } else {
                ops.push(
                    self.text(m, child)
                        .split_whitespace()
                        .collect::<Vec<_>>()
                        .join(" "),
                );
            }
        }
        let mut left = self.eval(f, operands[0])?;
        for (i, op) in ops.iter().enumerate() {
            let rn = operands[i + 1];
            let right = self.eval(f, rn)?;
            let res = match op.as_str() {
                "==" | "!=" | "is" | "is not" => {
                    let eq = left.py_eq(&right);
                    let Some(eq) = eq else {
                        return self.fail(
                            m,
                            n,
                            format!(
                                "cannot compare a {} with a {}",
                                left.type_name(),
                                right.type_name()
                            ),
                        );
                    };
                    if op == "==" || op == "is" { eq } else { !eq }
                }
                "in" | "not in" => {
                    let items = match &right {
                        Value::Dict(d) => d.iter().map(|(k, _)| k.clone()).collect(),
                        Value::Str(hay) => match &left {
                            Value::Str(needle) => vec![Value::Bool(hay.contains(needle.as_str()))],
                            _ => return self.fail(m, n, "`in` on a str needs a str"),
                        },
                        other => self.iterate(m, rn, other.clone())?,
                    };
                    let found = if let Value::Str(_) = &right {
                        matches!(items[0], Value::Bool(true))
                    } else {
                        let mut found = false;
                        for it in &items {
                            match left.py_eq(it) {
                                Some(true) => found = true,
                                Some(false) => {}
                                None => {
                                    return self.fail(
                                        m,
                                        n,
                                        "membership test on values kdvc cannot compare",
                                    );
                                }
                            }
                        }
                        found
                    };
                    if op == "in" { found } else { !found }
                }
                "<" | "<=" | ">" | ">=" => {
                    let ord = match (&left, &right) {
                        (Value::Int(a), Value::Int(b)) => a.cmp(b),
                        (Value::Str(a), Value::Str(b)) => a.cmp(b),
                        _ => {
                            return self.fail(
                                m,
                                n,
                                format!(
                                    "cannot order a {} and a {}",
                                    left.type_name(),
                                    right.type_name()
                                ),
                            );
                        }
                    };
                    match op.as_str() {
                        "<" => ord.is_lt(),
                        "<=" => ord.is_le(),
                        ">" => ord.is_gt(),
                        _ => ord.is_ge(),
                    }
                }
                other => {
                    return self.fail(m, n, format!("the comparison `{other}` is not supported"));
                }
            };
            if !res {
                return Ok(Value::Bool(false));
            }
            left = right;
        }
        Ok(Value::Bool(true))
    }

    pub(super) fn eval_subscript(&mut self, f: &mut Frame<'a>, n: TsNode<'a>) -> R<Value<'a>> {
        let m = f.module;
        let value_n = n.field(fields().value).expect("value");
        let v = self.eval(f, value_n)?;
        let mut c = n.walk();
        let subs: Vec<_> = n.children_by_field_name("subscript", &mut c).collect();
        if subs.len() != 1 {
            return self.fail(m, n, "multi-dimensional subscripts are not supported");
        }
        let sn = subs[0];
        if sn.kind_str() == "slice" {
            let mut bounds: [Option<i64>; 3] = [None, None, None];
            let mut idx = 0;
            let mut cc = sn.walk();
            let parts: Vec<_> = sn.children(&mut cc).collect();
            for part in parts {
                if part.is_named() {
                    match self.eval(f, part)? {
                        Value::Int(i) if idx < 3 => bounds[idx] = Some(i),
                        Value::None => {}
                        other => {
                            return self.fail(
                                m,
                                part,
                                format!("a {} as slice bound", other.type_name()),
                            );
                        }
                    }
                } else if self.text(m, part) == ":" {
                    idx += 1;
                }
            }
            if bounds[2].is_some_and(|s| s != 1) {
                return self.fail(m, sn, "slices with a step are not supported");
            }
            let slice = |len: usize| {
                let norm = |b: Option<i64>, d: usize| match b {
                    None => d,
                    Some(i) if i < 0 => len.saturating_sub(i.unsigned_abs() as usize),
                    Some(i) => (i as usize).min(len),
                };
                let (a, b) = (norm(bounds[0], 0), norm(bounds[1], len));
                (a, b.max(a))
            };
            return match v {
                Value::List(items) => {
                    let (a, b) = slice(items.len());
                    Ok(Value::List(items[a..b].to_vec()))
                }
                Value::Tuple(items) => {
                    let (a, b) = slice(items.len());
                    Ok(Value::Tuple(items[a..b].to_vec()))
                }
                Value::Str(s) => {
                    let chars: Vec<char> = s.chars().collect();
                    let (a, b) = slice(chars.len());
                    Ok(Value::Str(chars[a..b].iter().collect()))
                }
                other => self.fail(m, n, format!("cannot slice a {}", other.type_name())),
            };
        }
        let key = self.eval(f, sn)?;
        match (v, key) {
            (Value::Dict(d), k) => {
                for (dk, dv) in d {
                    if dk.py_eq(&k) == Some(true) {
                        return Ok(dv);
                    }
                }
                self.fail(
                    m,
                    n,
                    format!("KeyError: {}", k.py_repr().unwrap_or_default()),
                )
            }
            (Value::List(items) | Value::Tuple(items), Value::Int(i)) => {
                let idx = if i < 0 { items.len() as i64 + i } else { i };
                match usize::try_from(idx).ok().and_then(|i| items.get(i)) {
                    Some(v) => Ok(v.clone()),
                    None => self.fail(m, n, "IndexError: index out of range"),
                }
            }
            (Value::Str(s), Value::Int(i)) => {
                let chars: Vec<char> = s.chars().collect();
                let idx = if i < 0 { chars.len() as i64 + i } else { i };
                match usize::try_from(idx).ok().and_then(|i| chars.get(i)) {
                    Some(c) => Ok(Value::Str(c.to_string())),
                    None => self.fail(m, n, "IndexError: string index out of range"),
                }
            }
            (v, k) => self.fail(
                m,
                n,
                format!("cannot index a {} with a {}", v.type_name(), k.type_name()),
            ),
        }
    }

    pub(super) fn eval_comprehension(&mut self, f: &mut Frame<'a>, n: TsNode<'a>) -> R<Value<'a>> {
        let m = f.module;
        let body = n.field(fields().body).expect("comprehension body");
        let mut c = n.walk();
        let clauses: Vec<_> = n
            .named_children(&mut c)
            .filter(|c| matches!(c.kind_str(), "for_in_clause" | "if_clause"))
            .collect();
        let saved = f.locals.clone();
        let mut out = Vec::new();
        let r = self.comprehend(f, &clauses, body, &mut out);
        f.locals = saved;
        r?;
        Ok(match n.kind_str() {
            "set_comprehension" => Value::Set(dedup(out)),
            "dictionary_comprehension" => {
                let mut d = Vec::new();
                for v in out {
                    if let Value::Tuple(mut kv) = v
                        && kv.len() == 2
                    {
                        let v = kv.pop().expect("two");
                        let k = kv.pop().expect("two");
                        dict_set(&mut d, k, v);
                    }
                }
                Value::Dict(d)
            }
            _ => {
                let _ = m;
                Value::List(out)
            }
        })
    }

    pub(super) fn comprehend(
        &mut self,
        f: &mut Frame<'a>,
        clauses: &[TsNode<'a>],
        body: TsNode<'a>,
        out: &mut Vec<Value<'a>>,
    ) -> R<()> {
        let m = f.module;
        let Some((first, rest)) = clauses.split_first() else {
            if body.kind_str() == "pair" {
                let k = self.eval(f, body.field(fields().key).expect("key"))?;
                let v = self.eval(f, body.field(fields().value).expect("value"))?;
                out.push(Value::Tuple(vec![k, v]));
            } else {
                out.push(self.eval(f, body)?);
            }
            if out.len() > MAX_ITEMS {
                return self.fail(m, body, "the comprehension is too large");
            }
            return Ok(());
        };
        if first.kind_str() == "if_clause" {
            let cond = first.named_child(0).expect("condition");
            let v = self.eval(f, cond)?;
            if self.truthy(m, cond, &v)? {
                self.comprehend(f, rest, body, out)?;
            }
            return Ok(());
        }
        let left = first.field(fields().left).expect("target");
        let mut c = first.walk();
        let rights: Vec<_> = first
            .children_by_field_name("right", &mut c)
            .filter(|r| r.is_named())
            .collect();
        let iterable = if rights.len() == 1 {
            self.eval(f, rights[0])?
        } else {
            let mut items = Vec::new();
            for r in &rights {
                items.push(self.eval(f, *r)?);
            }
            Value::Tuple(items)
        };
        let items = self.iterate(m, rights[0], iterable)?;
        for item in items {
            self.assign(f, left, item)?;
            self.comprehend(f, rest, body, out)?;
        }
        Ok(())
    }

    pub(super) fn iterate(&self, m: &Module, n: TsNode<'_>, v: Value<'a>) -> R<Vec<Value<'a>>> {
        match v {
            Value::List(items) | Value::Tuple(items) | Value::Set(items) => Ok(items),
            Value::Dict(d) => Ok(d.into_iter().map(|(k, _)| k).collect()),
            Value::Str(s) => Ok(s.chars().map(|c| Value::Str(c.to_string())).collect()),
            other => self.fail(m, n, format!("cannot iterate over a {}", other.type_name())),
        }
    }

    pub(super) fn attribute(
        &mut self,
        m: &'a Module,
        n: TsNode<'a>,
        v: Value<'a>,
        attr: &str,
    ) -> R<Value<'a>> {
        match v {
            Value::Module(module) => self.import_attr(&module, attr, m, n, 0),
            Value::Node(node) => match attr {
                "name" => Ok(Value::Str(node.name.clone())),
                "namespace" => Ok(node.namespace.clone().map_or(Value::None, Value::Str)),
                "inputs" => Ok(Value::List(
                    node.inputs.iter().cloned().map(Value::Str).collect(),
                )),
                "outputs" => Ok(Value::List(
                    node.outputs.iter().cloned().map(Value::Str).collect(),
                )),
                _ => Ok(Value::Method(Box::new(Value::Node(node)), attr.to_owned())),
            },
            v @ (Value::Str(_)
            | Value::Dict(_)
            | Value::List(_)
            | Value::Pipeline(_)
            | Value::Set(_)) => Ok(Value::Method(Box::new(v), attr.to_owned())),
            Value::External(q) => Ok(Value::External(format!("{q}.{attr}"))),
            other => self.fail(
                m,
                n,
                format!(
                    "attribute `{attr}` of a {} is not supported",
                    other.type_name()
                ),
            ),
        }
    }

    pub(super) fn binop(
        &self,
        m: &Module,
        n: TsNode<'_>,
        op: &str,
        l: Value<'a>,
        r: Value<'a>,
    ) -> R<Value<'a>> {
        let pipe = |res: Result<Pipeline, PipelineError>| -> R<Value<'a>> {
            match res {
                Ok(p) => Ok(Value::Pipeline(Rc::new(p))),
                Err(e) => self.kedro_fail(m, n, &e),
            }
        };
        match (op, l, r) {
            ("+", Value::Int(a), Value::Int(b)) => Ok(Value::Int(a.wrapping_add(b))),
            ("-", Value::Int(a), Value::Int(b)) => Ok(Value::Int(a.wrapping_sub(b))),
            ("*", Value::Int(a), Value::Int(b)) => Ok(Value::Int(a.wrapping_mul(b))),
            ("**", Value::Int(a), Value::Int(b)) if b >= 0 => {
                match u32::try_from(b).ok().and_then(|b| a.checked_pow(b)) {
                    Some(v) => Ok(Value::Int(v)),
                    None => self.fail(m, n, "the power does not fit in 64 bits"),
                }
            }
            ("//", Value::Int(a), Value::Int(b)) if b != 0 => Ok(Value::Int(a.div_euclid(b))),
            ("%", Value::Int(a), Value::Int(b)) if b != 0 => Ok(Value::Int(a.rem_euclid(b))),
            ("+", Value::Str(a), Value::Str(b)) => Ok(Value::Str(a + &b)),
            ("+", Value::List(mut a), Value::List(b)) => {
                a.extend(b);
                Ok(Value::List(a))
            }
            ("+", Value::Tuple(mut a), Value::Tuple(b)) => {
                a.extend(b);
                Ok(Value::Tuple(a))
            }
            ("*", Value::Str(s), Value::Int(k)) | ("*", Value::Int(k), Value::Str(s)) => {
                let k = usize::try_from(k).unwrap_or(0);
                if s.len().saturating_mul(k) > MAX_ITEMS {
                    return self.fail(m, n, "the string is too large");
                }
                Ok(Value::Str(s.repeat(k)))
            }
            ("*", Value::List(v), Value::Int(k)) | ("*", Value::Int(k), Value::List(v)) => {
                let k = usize::try_from(k).unwrap_or(0);
                if v.len().saturating_mul(k) > MAX_ITEMS {
                    return self.fail(m, n, "the list is too large");
                }
                Ok(Value::List(
                    v.iter().cloned().cycle().take(v.len() * k).collect(),
                ))
            }
            ("%", Value::Str(fmt), arg) => match percent_args(&fmt, &arg) {
                Some(s) => Ok(Value::Str(s)),
                None => self.fail(m, n, "this `%` string formatting is not supported"),
            },
            ("+" | "|", Value::Pipeline(a), Value::Pipeline(b)) => pipe(a.union(&b)),
            ("&", Value::Pipeline(a), Value::Pipeline(b)) => pipe(a.intersection(&b)),
            ("-", Value::Pipeline(a), Value::Pipeline(b)) => pipe(a.difference(&b)),
            ("+", Value::Int(0), Value::Pipeline(b)) => Ok(Value::Pipeline(b)),
            ("|", Value::Set(mut a), Value::Set(b)) => {
                a.extend(b);
                Ok(Value::Set(dedup(a)))
            }
            ("|", Value::Dict(mut a), Value::Dict(b)) => {
                for (k, v) in b {
                    dict_set(&mut a, k, v);
                }
                Ok(Value::Dict(a))
            }
            ("-", Value::Set(a), Value::Set(b)) => Ok(Value::Set(
                a.into_iter()
                    .filter(|x| !b.iter().any(|y| x.py_eq(y) == Some(true)))
                    .collect(),
            )),
            ("&", Value::Set(a), Value::Set(b)) => Ok(Value::Set(
                a.into_iter()
                    .filter(|x| b.iter().any(|y| x.py_eq(y) == Some(true)))
                    .collect(),
            )),
            (op, l, r) => self.fail(
                m,
                n,
                format!(
                    "`{op}` between a {} and a {} is not supported",
                    l.type_name(),
                    r.type_name()
                ),
            ),
        }
    }
}

/// `fmt % arg`: a tuple is the arguments, a dict (`%(name)s`) is not supported.
pub(super) fn percent_args(fmt: &str, arg: &Value<'_>) -> Option<String> {
    let args: Vec<&Value<'_>> = match arg {
        Value::Tuple(items) => items.iter().collect(),
        Value::Dict(_) => return None,
        other => vec![other],
    };
    percent_format(fmt, &args)
}
