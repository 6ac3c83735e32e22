//! Calls: arguments, project functions and lambdas with Python's parameter binding, `functools.partial`.

use std::rc::Rc;

use foldhash::{HashMap, HashMapExt};
use kdvc_python::grammar::fields;
use kdvc_python::{Module, NodeExt, Signature, named_kids};
use tree_sitter::Node as TsNode;

use super::{Args, Evaluator, Flow, Frame, MAX_DEPTH, R};
use crate::span;
use crate::value::{Builtin, FuncDef, LambdaDef, PartialVal, Value};

impl<'a> Evaluator<'a> {
    pub(super) fn eval_args(
        &mut self,
        f: &mut Frame<'a>,
        args: TsNode<'a>,
    ) -> R<(Args<'a>, Vec<TsNode<'a>>)> {
        let m = f.module;
        let mut pos = Vec::new();
        let mut kw: Vec<(String, Value<'a>)> = Vec::new();
        let mut nodes = Vec::new();
        if args.kind_str() == "generator_expression" {
            pos.push(self.eval(f, args)?);
            nodes.push(args);
            return Ok(((pos, kw), nodes));
        }
        let mut children = named_kids(args);
        children.retain(|c| c.kind_str() != "comment");
        for a in children {
            nodes.push(a);
            match a.kind_str() {
                "keyword_argument" => {
                    let name = self
                        .text(m, a.field(fields().name).expect("name"))
                        .to_owned();
                    let v = self.eval(f, a.field(fields().value).expect("value"))?;
                    if kw.iter().any(|(k, _)| *k == name) {
                        return self.fail(m, a, format!("keyword argument repeated: {name}"));
                    }
                    kw.push((name, v));
                }
                "list_splat" => {
                    let inner = a.named_child(0).expect("operand");
                    let v = self.eval(f, inner)?;
                    pos.extend(self.iterate(m, inner, v)?);
                }
                "dictionary_splat" => {
                    let inner = a.named_child(0).expect("operand");
                    match self.eval(f, inner)? {
                        Value::Dict(d) => {
                            for (k, v) in d {
                                let Value::Str(k) = k else {
                                    return self.fail(m, inner, "keywords must be strings");
                                };
                                if kw.iter().any(|(x, _)| *x == k) {
                                    return self.fail(
                                        m,
                                        a,
                                        format!("got multiple values for keyword argument '{k}'"),
                                    );
                                }
                                kw.push((k, v));
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
                }
                _ => pos.push(self.eval(f, a)?),
            }
        }
        Ok(((pos, kw), nodes))
    }

    pub(super) fn eval_call(&mut self, f: &mut Frame<'a>, n: TsNode<'a>) -> R<Value<'a>> {
        let m = f.module;
        let callee_n = n.field(fields().function).expect("callee");
        let args_n = n.field(fields().arguments).expect("arguments");
        let callee = self.eval(f, callee_n)?;
        if let Value::Builtin(Builtin::Partial) = callee {
            return self.make_partial(f, n, args_n);
        }
        let ((pos, kw), _) = self.eval_args(f, args_n)?;
        self.call_value(m, n, callee, pos, kw)
    }

    pub(super) fn call_value(
        &mut self,
        m: &'a Module,
        n: TsNode<'a>,
        callee: Value<'a>,
        pos: Vec<Value<'a>>,
        kw: Vec<(String, Value<'a>)>,
    ) -> R<Value<'a>> {
        match callee {
            Value::Func(def) => self.call_function(&def, pos, kw, m, n),
            Value::Lambda(l) => self.call_lambda(&l, pos, kw, m, n),
            Value::Builtin(b) => self.call_builtin(m, n, b, pos, kw),
            Value::Method(obj, name) => self.call_method(m, n, *obj, &name, pos, kw),
            Value::Partial(p) => {
                let _ = p;
                self.fail(
                    m,
                    n,
                    "calling a functools.partial while building pipelines is not supported",
                )
            }
            Value::External(q) => self.fail(
                m,
                n,
                format!("`{q}` comes from outside the project; kdvc cannot evaluate calls to it"),
            ),
            other => self.fail(m, n, format!("a {} is not callable", other.type_name())),
        }
    }

    pub(super) fn call_function(
        &mut self,
        def: &Rc<FuncDef<'a>>,
        pos: Vec<Value<'a>>,
        kw: Vec<(String, Value<'a>)>,
        at_m: &'a Module,
        at: TsNode<'a>,
    ) -> R<Value<'a>> {
        if def.decorated {
            return self.fail(
                at_m,
                at,
                format!(
                    "`{}` is decorated; kdvc cannot tell what the decorator does to it",
                    def.name
                ),
            );
        }
        if self.depth >= MAX_DEPTH {
            return self.fail(
                at_m,
                at,
                format!("calls nest deeper than {MAX_DEPTH} levels (recursion?)"),
            );
        }
        let m = def.module;
        let params = def.node.field(fields().parameters);
        let mut frame = Frame {
            module: m,
            locals: HashMap::new(),
            closure: def.closure.clone(),
        };
        self.bind_params(&mut frame, &def.name, params, pos, kw, at_m, at)?;
        let body = def.node.field(fields().body).expect("function body");
        self.depth += 1;
        let flow = self.exec_block(&mut frame, body);
        self.depth -= 1;
        match flow? {
            Flow::Return(v) => Ok(v),
            _ => Ok(Value::None),
        }
    }

    pub(super) fn call_lambda(
        &mut self,
        l: &Rc<LambdaDef<'a>>,
        pos: Vec<Value<'a>>,
        kw: Vec<(String, Value<'a>)>,
        at_m: &'a Module,
        at: TsNode<'a>,
    ) -> R<Value<'a>> {
        if self.depth >= MAX_DEPTH {
            return self.fail(
                at_m,
                at,
                format!("calls nest deeper than {MAX_DEPTH} levels (recursion?)"),
            );
        }
        let mut frame = Frame::new(l.module);
        self.bind_params(
            &mut frame,
            "<lambda>",
            l.node.field(fields().parameters),
            pos,
            kw,
            at_m,
            at,
        )?;
        self.depth += 1;
        let r = self.eval(
            &mut frame,
            l.node.field(fields().body).expect("lambda body"),
        );
        self.depth -= 1;
        r
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn bind_params(
        &mut self,
        frame: &mut Frame<'a>,
        fname: &str,
        params: Option<TsNode<'a>>,
        pos: Vec<Value<'a>>,
        mut kw: Vec<(String, Value<'a>)>,
        at_m: &'a Module,
        at: TsNode<'a>,
    ) -> R<()> {
        let (sig, defaults) = Signature::from_node(&frame.module.src, params);
        let mut pos = pos.into_iter();
        let mut var_kw: Option<String> = None;
        for (p, default) in sig.params.iter().zip(defaults) {
            use kdvc_python::ParamKind as K;
            let value = match p.kind {
                K::PositionalOnly | K::PositionalOrKeyword => match pos.next() {
                    Some(v) => {
                        if kw.iter().any(|(k, _)| *k == p.name) && p.kind == K::PositionalOrKeyword
                        {
                            return self.fail(
                                at_m,
                                at,
                                format!("{fname}() got multiple values for argument '{}'", p.name),
                            );
                        }
                        Some(v)
                    }
                    None => None,
                },
                K::VarPositional => {
                    frame
                        .locals
                        .insert(p.name.clone(), Value::Tuple(pos.by_ref().collect()));
                    continue;
                }
                K::VarKeyword => {
                    var_kw = Some(p.name.clone());
                    continue;
                }
                K::KeywordOnly => None,
            };
            let value = match value {
                Some(v) => v,
                None => {
                    if p.kind != K::PositionalOnly
                        && let Some(i) = kw.iter().position(|(k, _)| *k == p.name)
                    {
                        kw.remove(i).1
                    } else if let Some(d) = default {
                        let mut df = Frame {
                            module: frame.module,
                            locals: HashMap::new(),
                            closure: frame.closure.clone(),
                        };
                        self.eval(&mut df, d)?
                    } else {
                        return self.fail(
                            at_m,
                            at,
                            format!("{fname}() missing required argument: '{}'", p.name),
                        );
                    }
                }
            };
            frame.locals.insert(p.name.clone(), value);
        }
        if pos.next().is_some() {
            return self.fail(
                at_m,
                at,
                format!("{fname}() takes fewer positional arguments than given"),
            );
        }
        match var_kw {
            Some(name) => {
                frame.locals.insert(
                    name,
                    Value::Dict(kw.into_iter().map(|(k, v)| (Value::Str(k), v)).collect()),
                );
            }
            None => {
                if let Some((k, _)) = kw.first() {
                    return self.fail(
                        at_m,
                        at,
                        format!("{fname}() got an unexpected keyword argument '{k}'"),
                    );
                }
            }
        }
        Ok(())
    }

    pub(super) fn make_partial(
        &mut self,
        f: &mut Frame<'a>,
        n: TsNode<'a>,
        args_n: TsNode<'a>,
    ) -> R<Value<'a>> {
        let m = f.module;
        if args_n.kind_str() != "argument_list" {
            return self.fail(m, n, "partial() needs a function");
        }
        let mut c = args_n.walk();
        let args: Vec<_> = args_n
            .named_children(&mut c)
            .filter(|c| c.kind_str() != "comment")
            .collect();
        let Some(first) = args.first().copied() else {
            return self.fail(m, n, "partial() needs a function");
        };
        if first.kind_str() != "identifier"
            && first.kind_str() != "attribute"
            && first.kind_str() != "lambda"
            && first.kind_str() != "call"
        {
            return self.fail(m, first, "the function given to partial() must be a name");
        }
        let func = self.eval(f, first)?;
        let mut positional = 0;
        let mut keywords = Vec::new();
        for a in &args[1..] {
            match a.kind_str() {
                "keyword_argument" => keywords.push(
                    self.text(m, a.field(fields().name).expect("name"))
                        .to_owned(),
                ),
                "list_splat" => {
                    let inner = a.named_child(0).expect("operand");
                    let v = self.eval(f, inner)?;
                    positional += self.iterate(m, inner, v)?.len();
                }
                "dictionary_splat" => {
                    let inner = a.named_child(0).expect("operand");
                    match self.eval(f, inner)? {
                        Value::Dict(d) => {
                            for (k, _) in d {
                                match k {
                                    Value::Str(k) => keywords.push(k),
                                    _ => return self.fail(m, inner, "keywords must be strings"),
                                }
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
                }
                _ => positional += 1,
            }
        }
        let args_source = match (args.get(1), args.last()) {
            (Some(a), Some(b)) if args.len() > 1 => m.src[a.start_byte()..b.end_byte()].to_owned(),
            _ => String::new(),
        };
        let call_span = span(&m.path, &m.src, n);
        let (func, positional, keywords, args_source) = match func {
            Value::Partial(inner) => {
                let mut kws = inner.keywords.clone();
                for k in keywords {
                    if !kws.contains(&k) {
                        kws.push(k);
                    }
                }
                let src = if inner.args_source.is_empty() {
                    args_source
                } else if args_source.is_empty() {
                    inner.args_source.clone()
                } else {
                    format!("{}, {args_source}", inner.args_source)
                };
                (inner.func.clone(), inner.positional + positional, kws, src)
            }
            Value::Func(_) | Value::Lambda(_) => (func, positional, keywords, args_source),
            other => {
                return self.fail(
                    m,
                    first,
                    format!(
                        "partial() of a {}: kdvc needs a function defined in the project",
                        other.type_name()
                    ),
                );
            }
        };
        Ok(Value::Partial(Rc::new(PartialVal {
            func,
            positional,
            keywords,
            args_source,
            call_span,
        })))
    }
}
