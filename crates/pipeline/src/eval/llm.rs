//! Kedro 1.x's `llm_context_node(...)` (and `LLMContextNode(...)`) with its `tool(...)` builders.
//!
//! Kedro builds a node whose function is `construct_context(llm, **kwargs)`, nested in
//! `kedro.pipeline.llm_context`, over the dict inputs `{"llm": llm, prompt: prompt, ..., tool input: tool
//! input, ...}` (a later key that repeats an earlier one keeps its place); `node()`'s rules then apply.

use std::rc::Rc;

use indexmap::IndexMap;
use kdvc_kedro_model::pipeline::{DatasetArg, FuncKind, FuncRef, PipelineError};
use kdvc_python::{Module, Param, ParamKind, Signature};
use tree_sitter::Node as TsNode;

use super::construct::NodeOptions;
use super::{Evaluator, R};
use crate::value::{ToolVal, Value};

impl<'a> Evaluator<'a> {
    /// `tool(func, *inputs)`.
    pub(super) fn make_tool(
        &mut self,
        m: &'a Module,
        n: TsNode<'a>,
        pos: Vec<Value<'a>>,
        kw: Vec<(String, Value<'a>)>,
    ) -> R<Value<'a>> {
        if !kw.is_empty() || pos.is_empty() {
            return self.fail(m, n, "tool() takes a function and the names of its inputs");
        }
        let mut pos = pos.into_iter();
        let func = pos.next().expect("one");
        let mut inputs = Vec::new();
        for v in pos {
            match v {
                Value::Str(s) => inputs.push(s),
                other => {
                    return self.fail(
                        m,
                        n,
                        format!(
                            "tool() inputs must be dataset names, not a {}",
                            other.type_name()
                        ),
                    );
                }
            }
        }
        Ok(Value::Tool(Rc::new(ToolVal { func, inputs })))
    }

    /// The dotted name of a tool builder: a module-level function of the project (its code is fingerprinted
    /// with the node's).
    fn tool_builder(&mut self, m: &'a Module, n: TsNode<'a>, func: &Value<'a>) -> R<String> {
        let def = match func {
            Value::Func(def) if def.decorated => match self.undecorate(def)? {
                Value::Wrapped(w) => w.original.clone(),
                Value::Func(d) => d,
                other => {
                    return self.fail(
                        m,
                        n,
                        format!("a decorated tool builder became a {}", other.type_name()),
                    );
                }
            },
            Value::Func(def) => def.clone(),
            Value::Wrapped(w) => w.original.clone(),
            other => {
                return self.fail(
                    m,
                    n,
                    format!(
                        "a tool builder must be a function defined at module level in the project, not a {}",
                        other.type_name()
                    ),
                );
            }
        };
        if def.closure.is_some() {
            return self.fail(
                m,
                n,
                format!(
                    "tool builder `{}` is defined inside a function; kdvc fingerprints module-level functions",
                    def.name
                ),
            );
        }
        Ok(format!("{}.{}", def.module.name, def.name))
    }

    /// `llm_context_node(*, outputs, llm, prompts, tools=None, name=None, tags=None, confirms=None,
    /// namespace=None, preview_fn=None)`.
    pub(super) fn make_llm_context_node(
        &mut self,
        m: &'a Module,
        n: TsNode<'a>,
        pos: Vec<Value<'a>>,
        kw: Vec<(String, Value<'a>)>,
    ) -> R<Value<'a>> {
        if !pos.is_empty() {
            return self.fail(m, n, "llm_context_node() takes keyword arguments only");
        }
        let (mut outputs, mut llm, mut prompts, mut tools) = (None, None, None, Value::None);
        let mut opts = NodeOptions::new();
        for (k, v) in kw {
            let Some(v) = opts.take(&k, v) else { continue };
            match k.as_str() {
                "outputs" => outputs = Some(v),
                "llm" => llm = Some(v),
                "prompts" => prompts = Some(v),
                "tools" => tools = v,
                other => {
                    return self.fail(
                        m,
                        n,
                        format!("llm_context_node() got an unexpected keyword argument '{other}'"),
                    );
                }
            }
        }
        let (Some(outputs), Some(llm), Some(prompts)) = (outputs, llm, prompts) else {
            return self.kedro_fail(
                m,
                n,
                &PipelineError::InvalidNode {
                    message: "llm_context_node() needs outputs, llm and prompts".into(),
                },
            );
        };
        let mut inputs: IndexMap<String, String> = IndexMap::new();
        let Value::Str(llm) = llm else {
            return self.fail(
                m,
                n,
                "the llm of an llm_context_node must be a dataset name",
            );
        };
        inputs.insert("llm".into(), llm);
        let names = |this: &Self, v: &Value<'a>, what: &str| -> R<Vec<String>> {
            match v {
                Value::List(items) | Value::Tuple(items) => items
                    .iter()
                    .map(|i| match i {
                        Value::Str(s) => Ok(s.clone()),
                        other => this.fail(
                            m,
                            n,
                            format!("{what} must be dataset names, not a {}", other.type_name()),
                        ),
                    })
                    .collect(),
                other => this.fail(
                    m,
                    n,
                    format!(
                        "{what} must be a list of dataset names, not a {}",
                        other.type_name()
                    ),
                ),
            }
        };
        for p in names(self, &prompts, "prompts")? {
            inputs.insert(p.clone(), p);
        }
        let mut builders = Vec::new();
        match &tools {
            Value::None => {}
            Value::List(items) | Value::Tuple(items) => {
                for t in items {
                    let Value::Tool(t) = t else {
                        return self.fail(
                            m,
                            n,
                            format!("tools must be made with tool(...), not a {}", t.type_name()),
                        );
                    };
                    for i in &t.inputs {
                        inputs.insert(i.clone(), i.clone());
                    }
                    builders.push(self.tool_builder(m, n, &t.func)?);
                }
            }
            other if other.truthy() == Some(false) => {}
            other => {
                return self.fail(
                    m,
                    n,
                    format!(
                        "tools must be a list of tool(...), not a {}",
                        other.type_name()
                    ),
                );
            }
        }
        let func = FuncRef {
            module: "kedro.pipeline.llm_context".into(),
            name: "construct_context".into(),
            kind: FuncKind::LlmContext { tools: builders },
            span: None,
        };
        let sig = Signature {
            params: vec![
                Param {
                    name: "llm".into(),
                    kind: ParamKind::PositionalOrKeyword,
                    has_default: false,
                },
                Param {
                    name: "kwargs".into(),
                    kind: ParamKind::VarKeyword,
                    has_default: false,
                },
            ],
        };
        self.finish_node(m, n, func, sig, DatasetArg::Dict(inputs), outputs, opts)
    }
}
