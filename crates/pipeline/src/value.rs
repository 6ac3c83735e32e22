//! Values of the symbolic evaluator.

use foldhash::HashMap;
use std::rc::Rc;

use kdvc_kedro_model::pipeline::{Node, Pipeline, SourceSpan, py_repr_str};
use tree_sitter::Node as TsNode;

use kdvc_python::Module;

/// Callables the evaluator knows by their qualified name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Builtin {
    /// `kedro.pipeline.node` / `Node`.
    Node,
    /// `kedro.pipeline.pipeline` / `Pipeline` (first parameter `nodes`).
    Pipeline,
    /// Kedro 0.19 `kedro.pipeline.modular_pipeline.pipeline` (first parameter `pipe`).
    Pipeline019,
    /// `kedro.framework.project.find_pipelines`.
    FindPipelines,
    /// `kedro.pipeline.llm_context_node` / `LLMContextNode` (Kedro 1.x).
    LlmContextNode,
    /// `kedro.pipeline.tool` (Kedro 1.x), the tool builders of an `llm_context_node`.
    Tool,
    /// `functools.partial`.
    Partial,
    /// `functools.reduce`.
    Reduce,
    /// `operator.add` and friends.
    Op(&'static str),
    /// `sum`.
    Sum,
    /// `list`.
    List,
    /// `tuple`.
    Tuple,
    /// `set` / `frozenset`.
    Set,
    /// `dict`.
    Dict,
    /// `str`.
    Str,
    /// `len`.
    Len,
    /// `range`.
    Range,
    /// `enumerate`.
    Enumerate,
    /// `zip`.
    Zip,
    /// `sorted`.
    Sorted,
}

/// A `def` of the project.
#[derive(Debug)]
pub(crate) struct FuncDef<'a> {
    pub module: &'a Module,
    pub name: String,
    pub node: TsNode<'a>,
    pub decorated: bool,
    pub closure: Option<Rc<HashMap<String, Value<'a>>>>,
}

/// A `lambda` of the project.
#[derive(Debug)]
pub(crate) struct LambdaDef<'a> {
    pub module: &'a Module,
    pub node: TsNode<'a>,
}

/// `functools.partial(func, *args, **kwargs)`.
#[derive(Debug)]
pub(crate) struct PartialVal<'a> {
    pub func: Value<'a>,
    pub positional: usize,
    pub keywords: Vec<String>,
    pub args_source: String,
    pub call_span: SourceSpan,
}

/// A project function wrapped by a project decorator through `functools.wraps`: Kedro sees the wrapped
/// function's `__name__` and `__module__`, and the wrapper's own signature (`follow_wrapped=False`).
#[derive(Debug)]
pub(crate) struct WrappedVal<'a> {
    /// The innermost function, whose name and module the wrapper carries.
    pub original: Rc<FuncDef<'a>>,
    /// The outermost wrapper, whose parameters bind the node's inputs.
    pub wrapper: Rc<FuncDef<'a>>,
}

/// `kedro.pipeline.tool(func, *inputs)`: a tool builder and the datasets it takes.
#[derive(Debug)]
pub(crate) struct ToolVal<'a> {
    /// The builder.
    pub func: Value<'a>,
    /// Its Kedro inputs.
    pub inputs: Vec<String>,
}

/// A value during evaluation.
#[derive(Debug, Clone)]
pub(crate) enum Value<'a> {
    None,
    Bool(bool),
    Int(i64),
    Str(String),
    List(Vec<Value<'a>>),
    Tuple(Vec<Value<'a>>),
    Set(Vec<Value<'a>>),
    Dict(Vec<(Value<'a>, Value<'a>)>),
    Node(Rc<Node>),
    Pipeline(Rc<Pipeline>),
    Func(Rc<FuncDef<'a>>),
    Lambda(Rc<LambdaDef<'a>>),
    Partial(Rc<PartialVal<'a>>),
    Wrapped(Rc<WrappedVal<'a>>),
    Tool(Rc<ToolVal<'a>>),
    Builtin(Builtin),
    /// A module; project or external.
    Module(String),
    /// `obj.method` not yet called.
    Method(Box<Value<'a>>, String),
    /// Something from outside the project the evaluator knows nothing about (qualified name).
    External(String),
}

impl<'a> Value<'a> {
    /// The Python type name, for messages.
    pub(crate) fn type_name(&self) -> String {
        match self {
            Self::None => "NoneType".into(),
            Self::Bool(_) => "bool".into(),
            Self::Int(_) => "int".into(),
            Self::Str(_) => "str".into(),
            Self::List(_) => "list".into(),
            Self::Tuple(_) => "tuple".into(),
            Self::Set(_) => "set".into(),
            Self::Dict(_) => "dict".into(),
            Self::Node(_) => "Node".into(),
            Self::Pipeline(_) => "Pipeline".into(),
            Self::Func(_) => "function".into(),
            Self::Lambda(_) => "function".into(),
            Self::Partial(_) => "functools.partial".into(),
            Self::Wrapped(_) => "function".into(),
            Self::Tool(_) => "_ToolConfig".into(),
            Self::Builtin(_) => "builtin_function".into(),
            Self::Module(m) => format!("module '{m}'"),
            Self::Method(_, m) => format!("method '{m}'"),
            Self::External(q) => format!("'{q}'"),
        }
    }

    /// Python truthiness, when known.
    pub(crate) fn truthy(&self) -> Option<bool> {
        Some(match self {
            Self::None => false,
            Self::Bool(b) => *b,
            Self::Int(i) => *i != 0,
            Self::Str(s) => !s.is_empty(),
            Self::List(v) | Self::Tuple(v) | Self::Set(v) => !v.is_empty(),
            Self::Dict(d) => !d.is_empty(),
            Self::External(_) => return None,
            _ => true,
        })
    }

    /// `str(value)`, when it is a plain value.
    pub(crate) fn py_str(&self) -> Option<String> {
        match self {
            Self::Str(s) => Some(s.clone()),
            other => other.py_repr(),
        }
    }

    /// `repr(value)`, when it is a plain value.
    pub(crate) fn py_repr(&self) -> Option<String> {
        Some(match self {
            Self::None => "None".into(),
            Self::Bool(true) => "True".into(),
            Self::Bool(false) => "False".into(),
            Self::Int(i) => i.to_string(),
            Self::Str(s) => py_repr_str(s),
            Self::List(v) => format!("[{}]", join_repr(v)?),
            Self::Tuple(v) if v.len() == 1 => format!("({},)", v[0].py_repr()?),
            Self::Tuple(v) => format!("({})", join_repr(v)?),
            Self::Set(v) if v.is_empty() => "set()".into(),
            Self::Set(v) if v.len() == 1 => format!("{{{}}}", v[0].py_repr()?),
            Self::Dict(d) => {
                let mut parts = Vec::new();
                for (k, v) in d {
                    parts.push(format!("{}: {}", k.py_repr()?, v.py_repr()?));
                }
                format!("{{{}}}", parts.join(", "))
            }
            _ => return None,
        })
    }

    /// Python `==` for plain values; `None` when it cannot be decided.
    pub(crate) fn py_eq(&self, other: &Self) -> Option<bool> {
        Some(match (self, other) {
            (Self::None, Self::None) => true,
            (Self::Bool(a), Self::Bool(b)) => a == b,
            (Self::Int(a), Self::Int(b)) => a == b,
            (Self::Bool(a), Self::Int(b)) | (Self::Int(b), Self::Bool(a)) => i64::from(*a) == *b,
            (Self::Str(a), Self::Str(b)) => a == b,
            (Self::List(a), Self::List(b)) | (Self::Tuple(a), Self::Tuple(b)) => {
                if a.len() != b.len() {
                    return Some(false);
                }
                for (x, y) in a.iter().zip(b) {
                    if !x.py_eq(y)? {
                        return Some(false);
                    }
                }
                true
            }
            (Self::Set(a), Self::Set(b)) => {
                if a.len() != b.len() {
                    return Some(false);
                }
                for x in a {
                    let mut found = false;
                    for y in b {
                        if x.py_eq(y)? {
                            found = true;
                        }
                    }
                    if !found {
                        return Some(false);
                    }
                }
                true
            }
            (Self::Dict(a), Self::Dict(b)) => {
                if a.len() != b.len() {
                    return Some(false);
                }
                for (k, v) in a {
                    let mut found = false;
                    for (k2, v2) in b {
                        if k.py_eq(k2)? {
                            found = v.py_eq(v2)?;
                        }
                    }
                    if !found {
                        return Some(false);
                    }
                }
                true
            }
            (
                Self::None | Self::Bool(_) | Self::Int(_) | Self::Str(_),
                Self::None
                | Self::Bool(_)
                | Self::Int(_)
                | Self::Str(_)
                | Self::List(_)
                | Self::Tuple(_),
            )
            | (
                Self::List(_) | Self::Tuple(_),
                Self::None | Self::Bool(_) | Self::Int(_) | Self::Str(_),
            ) => false,
            (Self::List(_), Self::Tuple(_)) | (Self::Tuple(_), Self::List(_)) => false,
            _ => return None,
        })
    }

    /// Whether this is a hashable plain value usable as a dict key or set member.
    pub(crate) fn is_plain_key(&self) -> bool {
        match self {
            Self::None | Self::Bool(_) | Self::Int(_) | Self::Str(_) => true,
            Self::Tuple(v) => v.iter().all(Self::is_plain_key),
            _ => false,
        }
    }
}

fn join_repr(v: &[Value<'_>]) -> Option<String> {
    let parts: Option<Vec<String>> = v.iter().map(Value::py_repr).collect();
    Some(parts?.join(", "))
}

impl kdvc_python::format::FormatValue for Value<'_> {
    fn py_str(&self) -> Option<String> {
        Value::py_str(self)
    }

    fn py_repr(&self) -> Option<String> {
        Value::py_repr(self)
    }

    fn as_int(&self) -> Option<i64> {
        match self {
            Self::Int(i) => Some(*i),
            _ => None,
        }
    }

    fn as_bool(&self) -> Option<bool> {
        match self {
            Self::Bool(b) => Some(*b),
            _ => None,
        }
    }
}
