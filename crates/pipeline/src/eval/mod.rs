//! The symbolic evaluator: a small interpreter for the Python subset that Kedro pipeline code uses.
//!
//! [`Evaluator::register_pipelines`] evaluates `register_pipelines()`. The evaluator's methods are grouped by
//! concern:
//!
//! - [`modules`]: module scopes, imports and name resolution across modules;
//! - [`stmt`]: statements (assignments, `if`, `for`, `return`, ...) in function bodies;
//! - [`expr`]: expressions (literals, strings, operators, comparisons, subscripts, comprehensions);
//! - [`calls`]: calls of project functions and lambdas, argument binding and `functools.partial`;
//! - [`builtins`]: the builtins and methods the evaluator models (`sum`, `str.format`, `dict.items`, ...);
//! - [`construct`]: Kedro's `node()` and `pipeline()` into `kdvc-kedro-model` types;
//! - [`discovery`]: `find_pipelines()` with Kedro's discovery rules;
//! - [`diagnostics`]: errors and warnings at the file, line and column of the expression.

use std::rc::Rc;

use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};
use kdvc_kedro_model::pipeline::{NameStyle, Registry};
use kdvc_python::grammar::fields;
use kdvc_python::{Module, ModuleTable, NodeExt, ParseError, node_text};
use tree_sitter::Node as TsNode;

use crate::value::Value;
use crate::{Diagnostic, ProjectLayout};

mod builtins;
mod calls;
mod construct;
mod decorators;
mod diagnostics;
mod discovery;
mod expr;
mod limits;
mod llm;
mod modules;
mod stmt;

/// Why evaluation stopped.
#[derive(Debug)]
pub(crate) enum Stop {
    /// A module Kedro imports does not parse.
    Parse(ParseError),
    /// Things that could not be decided (or that Kedro rejects).
    Diags(Vec<Diagnostic>),
    /// A depth or work limit stopped evaluation ([`limits`]).
    Limit(Diagnostic),
}

type R<T> = Result<T, Stop>;

const HINT: &str = "kdvc evaluates pipeline code without running Python and cannot decide this; write it with \
                    literals, or run kdvc with --introspect to ask Kedro itself";
const KEDRO_HINT: &str =
    "Kedro raises this error too: fix the pipeline definition (`kedro run` fails on it)";
const MAX_DEPTH: usize = 64;
const MAX_ITEMS: usize = 1_000_000;

enum Flow<'a> {
    Normal,
    Return(Value<'a>),
    Break,
    Continue,
}

enum Binding<'a> {
    Import(String),
    FromImport(String, String),
    Def(TsNode<'a>, bool),
    Class,
    Assign(TsNode<'a>),
    Other(TsNode<'a>, &'static str),
}

struct Scope<'a> {
    bindings: HashMap<String, Vec<(Binding<'a>, TsNode<'a>)>>,
    star: Vec<String>,
}

struct Frame<'a> {
    module: &'a Module,
    locals: HashMap<String, Value<'a>>,
    closure: Option<Rc<HashMap<String, Value<'a>>>>,
}

impl<'a> Frame<'a> {
    fn new(module: &'a Module) -> Self {
        Self {
            module,
            locals: HashMap::new(),
            closure: None,
        }
    }
}

type Args<'a> = (Vec<Value<'a>>, Vec<(String, Value<'a>)>);

pub(crate) struct Evaluator<'a> {
    table: &'a ModuleTable,
    layout: &'a ProjectLayout,
    style: NameStyle,
    scopes: HashMap<String, Rc<Scope<'a>>>,
    /// Resolved module-level names, by module name, then name.
    cache: HashMap<&'a str, HashMap<String, Value<'a>>>,
    in_progress: HashSet<(String, String)>,
    depth: usize,
    /// Expressions and statements being evaluated inside one another ([`limits::MAX_NESTING`]).
    nesting: usize,
    /// Steps taken so far ([`limits::MAX_STEPS`]).
    steps: usize,
    warnings: Vec<Diagnostic>,
}

fn tree_root(m: &Module) -> Result<TsNode<'_>, ParseError> {
    m.tree()
        .as_ref()
        .map(|t| t.root_node())
        .map_err(Clone::clone)
}

impl<'a> Evaluator<'a> {
    pub(crate) fn new(table: &'a ModuleTable, layout: &'a ProjectLayout) -> Self {
        Self {
            table,
            layout,
            style: layout.name_style(),
            scopes: HashMap::new(),
            cache: HashMap::new(),
            in_progress: HashSet::new(),
            depth: 0,
            nesting: 0,
            steps: 0,
            warnings: Vec::new(),
        }
    }

    pub(crate) fn take_warnings(&mut self) -> Vec<Diagnostic> {
        std::mem::take(&mut self.warnings)
    }

    fn text(&self, m: &'a Module, n: TsNode<'a>) -> &'a str {
        node_text(&m.src, n)
    }

    pub(crate) fn register_pipelines(&mut self, registry_module: &str) -> R<Registry> {
        let module = &self.table.modules[registry_module];
        let root = tree_root(module).map_err(Stop::Parse)?;
        let func = self.global(module, "register_pipelines", root)?;
        let Value::Func(def) = func else {
            return self.fail(
                module,
                root,
                format!(
                    "`register_pipelines` is a {}, not a function",
                    func.type_name()
                ),
            );
        };
        let result = self.call_function(&def, Vec::new(), Vec::new(), module, def.node)?;
        let Value::Dict(items) = result else {
            return self.fail(
                module,
                def.node,
                format!(
                    "`register_pipelines()` returned a {}, not a dict",
                    result.type_name()
                ),
            );
        };
        let mut registry = Registry::default();
        for (k, v) in items {
            match (k, v) {
                (Value::Str(k), Value::Pipeline(p)) => {
                    registry.pipelines.insert(k, unwrap_rc(p));
                }
                (k, v) => {
                    return self.fail(
                        module,
                        def.node,
                        format!(
                            "`register_pipelines()` maps {} to a {}; Kedro expects pipeline names mapped to Pipelines",
                            k.py_repr().unwrap_or_else(|| k.type_name()),
                            v.type_name()
                        ),
                    );
                }
            }
        }
        Ok(registry)
    }
}

pub(super) trait Pipe: Sized {
    fn pipe<T>(self, f: impl FnOnce(Self) -> T) -> T {
        f(self)
    }
}
impl<T> Pipe for T {}

/// The value behind `rc`, without a copy when nothing else holds it.
pub(super) fn unwrap_rc<T: Clone>(rc: Rc<T>) -> T {
    Rc::try_unwrap(rc).unwrap_or_else(|rc| (*rc).clone())
}

/// The targets of a (chained) assignment `a = b = value`, left to right, and its value.
pub(super) fn assignment_chain(e: TsNode<'_>) -> (Vec<TsNode<'_>>, Option<TsNode<'_>>) {
    let mut targets = Vec::new();
    let mut cur = e;
    loop {
        if let Some(l) = cur.field(fields().left) {
            targets.push(l);
        }
        match cur.field(fields().right) {
            Some(r) if r.kind_str() == "assignment" => cur = r,
            other => return (targets, other),
        }
    }
}

pub(super) fn identifiers(n: TsNode<'_>) -> Vec<TsNode<'_>> {
    if n.kind_str() == "identifier" {
        return vec![n];
    }
    let mut out = Vec::new();
    let mut c = n.walk();
    for child in n.named_children(&mut c) {
        out.extend(identifiers(child));
    }
    out
}

pub(super) fn dedup<'a>(items: Vec<Value<'a>>) -> Vec<Value<'a>> {
    let mut out: Vec<Value<'a>> = Vec::new();
    for it in items {
        if !out.iter().any(|o| o.py_eq(&it) == Some(true)) {
            out.push(it);
        }
    }
    out
}

pub(super) fn dict_set<'a>(d: &mut Vec<(Value<'a>, Value<'a>)>, k: Value<'a>, v: Value<'a>) {
    for (dk, dv) in d.iter_mut() {
        if dk.py_eq(&k) == Some(true) {
            *dv = v;
            return;
        }
    }
    d.push((k, v));
}
