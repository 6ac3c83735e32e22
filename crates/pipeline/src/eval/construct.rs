//! Kedro's `node()` and `pipeline()`: arguments checked as Kedro checks them, into `kdvc-kedro-model` types.

use std::rc::Rc;

use indexmap::IndexMap;
use kdvc_kedro_model::pipeline::{
    DatasetArg, FuncKind, FuncRef, ModularArgs, NameArg, Node, NodeSpec, Pipeline, PipelineError,
    PipelinePart,
};
use kdvc_python::grammar::fields;
use kdvc_python::{Module, NodeExt, Signature, node_text};
use tree_sitter::Node as TsNode;

use super::{Evaluator, KEDRO_HINT, R, Stop, unwrap_rc};
use crate::span;
use crate::value::{FuncDef, Value};

impl<'a> Evaluator<'a> {
    /// The [`FuncRef`] and signature of a node's callable.
    pub(super) fn func_ref(
        &mut self,
        m: &Module,
        n: TsNode<'_>,
        v: &Value<'a>,
    ) -> R<(FuncRef, Signature)> {
        match v {
            Value::Func(def) => {
                if def.decorated {
                    let v = self.undecorate(def)?;
                    return self.func_ref(m, n, &v);
                }
                let (sig, _) = Signature::from_node(&def.module.src, def.node.field(fields().parameters));
                Ok((plain_ref(def), sig))
            }
            Value::Wrapped(w) => {
                let (sig, _) =
                    Signature::from_node(&w.wrapper.module.src, w.wrapper.node.field(fields().parameters));
                Ok((plain_ref(&w.original), sig))
            }
            Value::Lambda(l) => {
                let (sig, _) = Signature::from_node(&l.module.src, l.node.field(fields().parameters));
                Ok((
                    FuncRef {
                        module: l.module.name.clone(),
                        name: "<lambda>".into(),
                        kind: FuncKind::Lambda {
                            source: node_text(&l.module.src, l.node).to_owned(),
                        },
                        span: Some(span(&l.module.path, &l.module.src, l.node)),
                    },
                    sig,
                ))
            }
            Value::Partial(p) => {
                let (inner, sig) = self.func_ref(m, n, &p.func)?;
                let sig = match sig.partial(p.positional, &p.keywords) {
                    Ok(s) => s,
                    Err(e) => {
                        return self.kedro_fail(
                            m,
                            n,
                            &PipelineError::InvalidNode {
                                message: format!("partial object has incorrect arguments: {e}"),
                            },
                        );
                    }
                };
                Ok((
                    FuncRef {
                        kind: FuncKind::Partial {
                            args_source: p.args_source.clone(),
                            call_span: Some(p.call_span.clone()),
                        },
                        ..inner
                    },
                    sig,
                ))
            }
            Value::External(q) => self.fail(
                m,
                n,
                format!("node function `{q}` comes from outside the project; kdvc cannot tell its module and signature"),
            ),
            other => self.fail(m, n, format!("a {} is not a node function kdvc can resolve", other.type_name())),
        }
    }

    pub(super) fn dataset_arg(
        &self,
        m: &Module,
        n: TsNode<'_>,
        what: &str,
        v: Value<'a>,
    ) -> R<DatasetArg> {
        let kedro = |msg: String| -> Stop {
            Stop::Diags(vec![self.diag(
                m,
                n,
                format!(
                    "Kedro would reject this: {}",
                    PipelineError::InvalidNode { message: msg }
                ),
                KEDRO_HINT,
            )])
        };
        let names = |items: Vec<Value<'a>>| -> R<Vec<String>> {
            items
                .into_iter()
                .map(|i| match i {
                    Value::Str(s) => Ok(s),
                    other => Err(kedro(format!(
                        "names of variables used as {what} must be of 'String' type, but got a '{}'.",
                        other.type_name()
                    ))),
                })
                .collect()
        };
        match v {
            Value::None => Ok(DatasetArg::None),
            Value::Str(s) => Ok(DatasetArg::Str(s)),
            Value::List(items) => Ok(DatasetArg::List(names(items)?)),
            Value::Dict(d) => match str_dict(d) {
                Ok(out) => Ok(DatasetArg::Dict(out)),
                Err(other) => Err(kedro(format!(
                    "names of variables used as {what} must be of 'String' type, but got a '{}'.",
                    other.type_name()
                ))),
            },
            other if other.truthy() == Some(false) => Ok(DatasetArg::None),
            other => Err(kedro(format!(
                "'{what}' type must be one of [String, List, Dict, None], not '{}'.",
                other.type_name()
            ))),
        }
    }

    pub(super) fn str_list(
        &self,
        m: &Module,
        n: TsNode<'_>,
        what: &str,
        v: Value<'a>,
    ) -> R<Vec<String>> {
        match v {
            Value::None => Ok(Vec::new()),
            Value::Str(s) => Ok(vec![s]),
            Value::List(items) | Value::Tuple(items) | Value::Set(items) => items
                .into_iter()
                .map(|i| match i {
                    Value::Str(s) => Ok(s),
                    other => self.fail(
                        m,
                        n,
                        format!("{what} must be strings, not a {}", other.type_name()),
                    ),
                })
                .collect(),
            other => self.fail(
                m,
                n,
                format!(
                    "{what} must be a str or a collection of str, not a {}",
                    other.type_name()
                ),
            ),
        }
    }

    /// An optional string argument (`None` or a str); `what` names it in the error.
    fn opt_str(&self, m: &Module, n: TsNode<'_>, what: &str, v: Value<'a>) -> R<Option<String>> {
        match v {
            Value::None => Ok(None),
            Value::Str(s) => Ok(Some(s)),
            other => self.fail(
                m,
                n,
                format!("{what} must be a str, not a {}", other.type_name()),
            ),
        }
    }

    pub(super) fn make_node(
        &mut self,
        m: &'a Module,
        n: TsNode<'a>,
        pos: Vec<Value<'a>>,
        kw: Vec<(String, Value<'a>)>,
    ) -> R<Value<'a>> {
        if pos.len() > 3 {
            return self.kedro_fail(
                m,
                n,
                &PipelineError::InvalidNode {
                    message: "node() takes at most 3 positional arguments".into(),
                },
            );
        }
        let mut slots: [Option<Value<'a>>; 3] = [None, None, None];
        for (i, v) in pos.into_iter().enumerate() {
            slots[i] = Some(v);
        }
        let mut opts = NodeOptions::new();
        for (k, v) in kw {
            let Some(v) = opts.take(&k, v) else { continue };
            match k.as_str() {
                "func" | "inputs" | "outputs" => {
                    let i = ["func", "inputs", "outputs"]
                        .iter()
                        .position(|x| *x == k)
                        .expect("known");
                    if slots[i].is_some() {
                        return self.fail(
                            m,
                            n,
                            format!("node() got multiple values for argument '{k}'"),
                        );
                    }
                    slots[i] = Some(v);
                }
                other => {
                    return self.fail(
                        m,
                        n,
                        format!("node() got an unexpected keyword argument '{other}'"),
                    );
                }
            }
        }
        let [Some(func), Some(inputs), Some(outputs)] = slots else {
            return self.kedro_fail(
                m,
                n,
                &PipelineError::InvalidNode {
                    message: "node() needs func, inputs and outputs".into(),
                },
            );
        };
        let (func, sig) = self.func_ref(m, n, &func)?;
        let inputs = self.dataset_arg(m, n, "inputs", inputs)?;
        self.finish_node(m, n, func, sig, inputs, outputs, opts)
    }

    /// The checks and the [`Node`] common to `node()` and `llm_context_node()`.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn finish_node(
        &mut self,
        m: &'a Module,
        n: TsNode<'a>,
        func: FuncRef,
        sig: Signature,
        inputs: DatasetArg,
        outputs: Value<'a>,
        opts: NodeOptions<'a>,
    ) -> R<Value<'a>> {
        let NodeOptions {
            name,
            tags,
            confirms,
            namespace,
        } = opts;
        let outputs = self.dataset_arg(m, n, "outputs", outputs)?;
        let confirms = self.dataset_arg(m, n, "confirms", confirms)?;
        let (positional, keywords): (usize, Vec<String>) = match &inputs {
            DatasetArg::None => (0, Vec::new()),
            DatasetArg::Str(_) => (1, Vec::new()),
            DatasetArg::List(l) => (l.len(), Vec::new()),
            DatasetArg::Dict(d) => (0, d.keys().cloned().collect()),
        };
        let bound = match sig.bind(positional, &keywords, false) {
            Ok(b) => b,
            Err(_) => {
                let params: Vec<String> = sig.params.iter().map(|p| p.name.clone()).collect();
                return self.kedro_fail(
                    m,
                    n,
                    &PipelineError::InvalidNode {
                        message: format!(
                            "Inputs of '{}' function expected {}, but got {}",
                            func.display_name(),
                            kdvc_kedro_model::pipeline::py_list_str(&params),
                            describe_arg(&inputs)
                        ),
                    },
                );
            }
        };
        let name = self.opt_str(m, n, "node name", name)?;
        let namespace = self.opt_str(m, n, "node namespace", namespace)?;
        let tags = self.str_list(m, n, "tags", tags)?;
        let spec = NodeSpec {
            input_key_order: matches!(inputs, DatasetArg::Dict(_)).then_some(bound),
            func,
            inputs,
            outputs,
            name,
            tags,
            confirms,
            namespace,
        };
        match Node::new(spec, self.style) {
            Ok(node) => Ok(Value::Node(Rc::new(node))),
            Err(e) => self.kedro_fail(m, n, &e),
        }
    }

    pub(super) fn name_arg(
        &self,
        m: &Module,
        n: TsNode<'_>,
        what: &str,
        v: Value<'a>,
    ) -> R<Option<NameArg>> {
        match v {
            Value::None => Ok(None),
            Value::Str(s) => Ok(Some(NameArg::Str(s))),
            Value::List(_) | Value::Tuple(_) | Value::Set(_) => {
                Ok(Some(NameArg::Names(self.str_list(m, n, what, v)?)))
            }
            Value::Dict(d) => match str_dict(d) {
                Ok(out) => Ok(Some(NameArg::Dict(out))),
                Err(_) => self.fail(m, n, format!("`{what}=` must map str to str")),
            },
            other => self.fail(
                m,
                n,
                format!(
                    "`{what}=` must be a str, collection or dict, not a {}",
                    other.type_name()
                ),
            ),
        }
    }

    pub(super) fn make_pipeline(
        &mut self,
        m: &'a Module,
        n: TsNode<'a>,
        pos: Vec<Value<'a>>,
        kw: Vec<(String, Value<'a>)>,
        first: &str,
    ) -> R<Value<'a>> {
        if pos.len() > 1 {
            return self.fail(m, n, "Pipeline() takes one positional argument (the nodes)");
        }
        let mut nodes = pos.into_iter().next();
        let mut args = ModularArgs::default();
        for (k, v) in kw {
            match k.as_str() {
                k if k == first => {
                    if nodes.is_some() {
                        return self.fail(
                            m,
                            n,
                            format!("Pipeline() got multiple values for argument '{first}'"),
                        );
                    }
                    nodes = Some(v);
                }
                "inputs" => args.inputs = self.name_arg(m, n, "inputs", v)?,
                "outputs" => args.outputs = self.name_arg(m, n, "outputs", v)?,
                "parameters" => args.parameters = self.name_arg(m, n, "parameters", v)?,
                "tags" => args.tags = self.str_list(m, n, "tags", v)?,
                "namespace" => args.namespace = self.opt_str(m, n, "namespace", v)?,
                "prefix_datasets_with_namespace" if first == "nodes" => {
                    args.prefix_datasets_with_namespace = match v.truthy() {
                        Some(b) => b,
                        None => {
                            return self.fail(m, n, "prefix_datasets_with_namespace must be known");
                        }
                    }
                }
                other => {
                    return self.fail(
                        m,
                        n,
                        format!("Pipeline() got an unexpected keyword argument '{other}'"),
                    );
                }
            }
        }
        let parts = match nodes {
            None => {
                return self.fail(
                    m,
                    n,
                    format!("Pipeline() missing required argument: '{first}'"),
                );
            }
            Some(Value::None) => {
                return self.kedro_fail(
                    m,
                    n,
                    &PipelineError::InvalidNode {
                        message: "'nodes' argument of 'Pipeline' is None. It must be an iterable of nodes and/or pipelines instead.".into(),
                    },
                );
            }
            Some(Value::Pipeline(p)) => {
                let built = match Rc::try_unwrap(p) {
                    Ok(p) => Pipeline::new(vec![PipelinePart::Pipeline(p)], &args),
                    // Still held elsewhere (a variable): rename from it without copying it first.
                    Err(shared) => shared.modular(&args),
                };
                return match built {
                    Ok(p) => Ok(Value::Pipeline(Rc::new(p))),
                    Err(e) => self.kedro_fail(m, n, &e),
                };
            }
            Some(Value::List(items) | Value::Tuple(items) | Value::Set(items)) => {
                let mut parts = Vec::new();
                for it in items {
                    match it {
                        Value::Node(nd) => parts.push(PipelinePart::Node(unwrap_rc(nd))),
                        Value::Pipeline(p) => parts.push(PipelinePart::Pipeline(unwrap_rc(p))),
                        other => {
                            return self.fail(
                                m,
                                n,
                                format!(
                                    "a pipeline can only hold nodes and pipelines, not a {}",
                                    other.type_name()
                                ),
                            );
                        }
                    }
                }
                parts
            }
            Some(other) => {
                return self.fail(
                    m,
                    n,
                    format!("the nodes of a Pipeline cannot be a {}", other.type_name()),
                );
            }
        };
        match Pipeline::new(parts, &args) {
            Ok(p) => Ok(Value::Pipeline(Rc::new(p))),
            Err(e) => self.kedro_fail(m, n, &e),
        }
    }
}

pub(super) fn describe_arg(a: &DatasetArg) -> String {
    match a {
        DatasetArg::None => "None".into(),
        DatasetArg::Str(s) => s.clone(),
        DatasetArg::List(l) => kdvc_kedro_model::pipeline::py_list_str(l),
        DatasetArg::Dict(d) => {
            let parts: Vec<String> = d
                .iter()
                .map(|(k, v)| {
                    format!(
                        "{}: {}",
                        kdvc_kedro_model::pipeline::py_repr_str(k),
                        kdvc_kedro_model::pipeline::py_repr_str(v)
                    )
                })
                .collect();
            format!("{{{}}}", parts.join(", "))
        }
    }
}

/// The keyword arguments that `node()` and `llm_context_node()` share (`preview_fn` is accepted and
/// ignored).
pub(super) struct NodeOptions<'a> {
    name: Value<'a>,
    tags: Value<'a>,
    confirms: Value<'a>,
    namespace: Value<'a>,
}

impl<'a> NodeOptions<'a> {
    /// All `None`, as when no keyword is given.
    pub(super) fn new() -> Self {
        Self {
            name: Value::None,
            tags: Value::None,
            confirms: Value::None,
            namespace: Value::None,
        }
    }

    /// Takes `k=v` when `k` is one of the shared keywords; gives `v` back otherwise.
    pub(super) fn take(&mut self, k: &str, v: Value<'a>) -> Option<Value<'a>> {
        match k {
            "name" => self.name = v,
            "tags" => self.tags = v,
            "confirms" => self.confirms = v,
            "namespace" => self.namespace = v,
            "preview_fn" => {}
            _ => return Some(v),
        }
        None
    }
}

/// The [`FuncRef`] of a plain function of the project.
fn plain_ref(def: &FuncDef<'_>) -> FuncRef {
    FuncRef {
        module: def.module.name.clone(),
        name: def.name.clone(),
        kind: FuncKind::Plain,
        span: Some(span(&def.module.path, &def.module.src, def.node)),
    }
}

/// A dict whose keys and values are all strings, in order; else the value of the first pair that is not
/// two strings.
fn str_dict<'a>(d: Vec<(Value<'a>, Value<'a>)>) -> Result<IndexMap<String, String>, Value<'a>> {
    let mut out = IndexMap::new();
    for (k, v) in d {
        match (k, v) {
            (Value::Str(k), Value::Str(v)) => {
                out.insert(k, v);
            }
            (_, other) => return Err(other),
        }
    }
    Ok(out)
}
