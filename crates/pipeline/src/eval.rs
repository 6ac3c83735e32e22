//! The symbolic evaluator: a small interpreter for the Python subset that Kedro pipeline code uses.

use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};
use std::rc::Rc;

use indexmap::IndexMap;
use kdvc_kedro_model::pipeline::{
    DatasetArg, FuncKind, FuncRef, ModularArgs, NameArg, NameStyle, Node, NodeSpec, Pipeline,
    PipelineError, PipelinePart, Registry,
};
use tree_sitter::Node as TsNode;

use kdvc_python::format::{convert, format_spec, percent_format, str_format};
use kdvc_python::literal::{decode_text, string_info};
use kdvc_python::{
    Field, Module, ModuleTable, NodeExt, ParseError, Signature, named_kids, node_text,
};

use crate::value::{Builtin, FuncDef, LambdaDef, PartialVal, Value};
use crate::{Diagnostic, ProjectLayout, Severity, span};

/// Why evaluation stopped.
#[derive(Debug)]
pub(crate) enum Stop {
    /// A module Kedro imports does not parse.
    Parse(ParseError),
    /// Things that could not be decided (or that Kedro rejects).
    Diags(Vec<Diagnostic>),
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
            warnings: Vec::new(),
        }
    }

    pub(crate) fn take_warnings(&mut self) -> Vec<Diagnostic> {
        std::mem::take(&mut self.warnings)
    }

    fn diag(
        &self,
        m: &Module,
        n: TsNode<'_>,
        message: impl Into<String>,
        hint: &str,
    ) -> Diagnostic {
        let s = span(&m.path, &m.src, n);
        Diagnostic {
            severity: Severity::Error,
            file: m.path.clone(),
            line: s.line,
            col: s.col,
            message: message.into(),
            hint: hint.to_owned(),
        }
    }

    fn fail<T>(&self, m: &Module, n: TsNode<'_>, message: impl Into<String>) -> R<T> {
        Err(Stop::Diags(vec![self.diag(m, n, message, HINT)]))
    }

    fn kedro_fail<T>(&self, m: &Module, n: TsNode<'_>, e: &PipelineError) -> R<T> {
        Err(Stop::Diags(vec![self.diag(
            m,
            n,
            format!("Kedro would reject this: {e}"),
            KEDRO_HINT,
        )]))
    }

    fn text(&self, m: &'a Module, n: TsNode<'a>) -> &'a str {
        node_text(&m.src, n)
    }

    // ----- entry points ---------------------------------------------------------------------------------------

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

    // ----- module scopes and imports --------------------------------------------------------------------------

    fn scope(&mut self, m: &'a Module) -> R<Rc<Scope<'a>>> {
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

    fn collect_bindings(
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
                            (name.field(Field::Name), name.field(Field::Alias))
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
                        match (name.field(Field::Name), name.field(Field::Alias)) {
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
                if let Some(n) = stmt.field(Field::Name) {
                    add(self.text(m, n), Binding::Def(stmt, false), stmt);
                }
            }
            "decorated_definition" => {
                if let Some(def) = stmt.field(Field::Definition)
                    && let Some(n) = def.field(Field::Name)
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
                if let Some(n) = stmt.field(Field::Name) {
                    add(self.text(m, n), Binding::Class, stmt);
                }
            }
            "expression_statement" => {
                let Some(e) = stmt.named_child(0) else { return };
                match e.kind_str() {
                    "assignment" => {
                        let mut targets = Vec::new();
                        let mut cur = e;
                        let value = loop {
                            if let Some(l) = cur.field(Field::Left) {
                                targets.push(l);
                            }
                            match cur.field(Field::Right) {
                                Some(r) if r.kind_str() == "assignment" => cur = r,
                                other => break other,
                            }
                        };
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
                        if let Some(l) = e.field(Field::Left) {
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
    fn import_source(&self, m: &Module, stmt: TsNode<'_>) -> Option<String> {
        let module_name = stmt.field(Field::ModuleName)?;
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

    fn global(&mut self, m: &'a Module, name: &str, at: TsNode<'a>) -> R<Value<'a>> {
        self.global_in(m, name, at, m, 0)
    }

    fn global_in(
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
                if OPAQUE_BUILTINS.contains(&name) {
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
    fn import_attr(
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

    fn lookup(&mut self, f: &Frame<'a>, name: &str, at: TsNode<'a>) -> R<Value<'a>> {
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

    // ----- expressions ----------------------------------------------------------------------------------------

    fn eval(&mut self, f: &mut Frame<'a>, n: TsNode<'a>) -> R<Value<'a>> {
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
                            (child.field(Field::Key), child.field(Field::Value))
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
                    n.field(Field::Left),
                    n.field(Field::Operator),
                    n.field(Field::Right),
                ) else {
                    return self.fail(m, n, "malformed binary operation");
                };
                let lv = self.eval(f, l)?;
                let rv = self.eval(f, r)?;
                let op = self.text(m, op);
                self.binop(m, n, op, lv, rv)
            }
            "unary_operator" => {
                let arg = n.field(Field::Argument).expect("operand");
                let op = n
                    .field(Field::Operator)
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
                let arg = n.field(Field::Argument).expect("operand");
                let v = self.eval(f, arg)?;
                Ok(Value::Bool(!self.truthy(m, arg, &v)?))
            }
            "boolean_operator" => {
                let l = n.field(Field::Left).expect("left");
                let r = n.field(Field::Right).expect("right");
                let op = n
                    .field(Field::Operator)
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
                let obj = n.field(Field::Object).expect("object");
                let attr = self.text(m, n.field(Field::Attribute).expect("attribute"));
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

    fn truthy(&self, m: &Module, n: TsNode<'_>, v: &Value<'a>) -> R<bool> {
        match v.truthy() {
            Some(b) => Ok(b),
            None => self.fail(
                m,
                n,
                format!("the truth value of {} is unknown", v.type_name()),
            ),
        }
    }

    fn eval_string(&mut self, f: &mut Frame<'a>, n: TsNode<'a>) -> R<Value<'a>> {
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
                    let Some(e) = child.field(Field::Expression) else {
                        return self.fail(m, child, "empty f-string interpolation");
                    };
                    let v = self.eval(f, e)?;
                    let conv = child
                        .field(Field::TypeConversion)
                        .map(|t| self.text(m, t).trim_start_matches('!'));
                    let spec = child
                        .field(Field::FormatSpecifier)
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

    fn eval_comparison(&mut self, f: &mut Frame<'a>, n: TsNode<'a>) -> R<Value<'a>> {
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

    fn eval_subscript(&mut self, f: &mut Frame<'a>, n: TsNode<'a>) -> R<Value<'a>> {
        let m = f.module;
        let value_n = n.field(Field::Value).expect("value");
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

    fn eval_comprehension(&mut self, f: &mut Frame<'a>, n: TsNode<'a>) -> R<Value<'a>> {
        let m = f.module;
        let body = n.field(Field::Body).expect("comprehension body");
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

    fn comprehend(
        &mut self,
        f: &mut Frame<'a>,
        clauses: &[TsNode<'a>],
        body: TsNode<'a>,
        out: &mut Vec<Value<'a>>,
    ) -> R<()> {
        let m = f.module;
        let Some((first, rest)) = clauses.split_first() else {
            if body.kind_str() == "pair" {
                let k = self.eval(f, body.field(Field::Key).expect("key"))?;
                let v = self.eval(f, body.field(Field::Value).expect("value"))?;
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
        let left = first.field(Field::Left).expect("target");
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

    fn iterate(&self, m: &Module, n: TsNode<'_>, v: Value<'a>) -> R<Vec<Value<'a>>> {
        match v {
            Value::List(items) | Value::Tuple(items) | Value::Set(items) => Ok(items),
            Value::Dict(d) => Ok(d.into_iter().map(|(k, _)| k).collect()),
            Value::Str(s) => Ok(s.chars().map(|c| Value::Str(c.to_string())).collect()),
            other => self.fail(m, n, format!("cannot iterate over a {}", other.type_name())),
        }
    }

    fn attribute(
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

    fn binop(
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
            ("*", Value::Str(s), Value::Int(k)) | ("*", Value::Int(k), Value::Str(s)) => Ok(
                Value::Str(s.repeat(usize::try_from(k).unwrap_or(0).min(MAX_ITEMS))),
            ),
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

    // ----- calls ----------------------------------------------------------------------------------------------

    fn eval_args(&mut self, f: &mut Frame<'a>, args: TsNode<'a>) -> R<(Args<'a>, Vec<TsNode<'a>>)> {
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
                    let name = self.text(m, a.field(Field::Name).expect("name")).to_owned();
                    let v = self.eval(f, a.field(Field::Value).expect("value"))?;
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

    fn eval_call(&mut self, f: &mut Frame<'a>, n: TsNode<'a>) -> R<Value<'a>> {
        let m = f.module;
        let callee_n = n.field(Field::Function).expect("callee");
        let args_n = n.field(Field::Arguments).expect("arguments");
        let callee = self.eval(f, callee_n)?;
        if let Value::Builtin(Builtin::Partial) = callee {
            return self.make_partial(f, n, args_n);
        }
        let ((pos, kw), _) = self.eval_args(f, args_n)?;
        self.call_value(m, n, callee, pos, kw)
    }

    fn call_value(
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

    fn call_function(
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
        let params = def.node.field(Field::Parameters);
        let mut frame = Frame {
            module: m,
            locals: HashMap::new(),
            closure: def.closure.clone(),
        };
        self.bind_params(&mut frame, &def.name, params, pos, kw, at_m, at)?;
        let body = def.node.field(Field::Body).expect("function body");
        self.depth += 1;
        let flow = self.exec_block(&mut frame, body);
        self.depth -= 1;
        match flow? {
            Flow::Return(v) => Ok(v),
            _ => Ok(Value::None),
        }
    }

    fn call_lambda(
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
            l.node.field(Field::Parameters),
            pos,
            kw,
            at_m,
            at,
        )?;
        self.depth += 1;
        let r = self.eval(&mut frame, l.node.field(Field::Body).expect("lambda body"));
        self.depth -= 1;
        r
    }

    #[allow(clippy::too_many_arguments)]
    fn bind_params(
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

    fn call_builtin(
        &mut self,
        m: &'a Module,
        n: TsNode<'a>,
        b: Builtin,
        pos: Vec<Value<'a>>,
        kw: Vec<(String, Value<'a>)>,
    ) -> R<Value<'a>> {
        match b {
            Builtin::Node => self.make_node(m, n, pos, kw),
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

    fn call_method(
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

    // ----- Kedro constructors ---------------------------------------------------------------------------------

    fn make_partial(
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
                "keyword_argument" => {
                    keywords.push(self.text(m, a.field(Field::Name).expect("name")).to_owned())
                }
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

    /// The [`FuncRef`] and signature of a node's callable.
    fn func_ref(&self, m: &Module, n: TsNode<'_>, v: &Value<'a>) -> R<(FuncRef, Signature)> {
        match v {
            Value::Func(def) => {
                if def.decorated {
                    return self.fail(
                        m,
                        n,
                        format!(
                            "node function `{}` is decorated; the decorator may change its name, module and signature",
                            def.name
                        ),
                    );
                }
                let (sig, _) = Signature::from_node(&def.module.src, def.node.field(Field::Parameters));
                Ok((
                    FuncRef {
                        module: def.module.name.clone(),
                        name: def.name.clone(),
                        kind: FuncKind::Plain,
                        span: Some(span(&def.module.path, &def.module.src, def.node)),
                    },
                    sig,
                ))
            }
            Value::Lambda(l) => {
                let (sig, _) = Signature::from_node(&l.module.src, l.node.field(Field::Parameters));
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

    fn dataset_arg(&self, m: &Module, n: TsNode<'_>, what: &str, v: Value<'a>) -> R<DatasetArg> {
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
            Value::Dict(d) => {
                let mut out = IndexMap::new();
                for (k, v) in d {
                    match (k, v) {
                        (Value::Str(k), Value::Str(v)) => {
                            out.insert(k, v);
                        }
                        (_, other) => {
                            return Err(kedro(format!(
                                "names of variables used as {what} must be of 'String' type, but got a '{}'.",
                                other.type_name()
                            )));
                        }
                    }
                }
                Ok(DatasetArg::Dict(out))
            }
            other if other.truthy() == Some(false) => Ok(DatasetArg::None),
            other => Err(kedro(format!(
                "'{what}' type must be one of [String, List, Dict, None], not '{}'.",
                other.type_name()
            ))),
        }
    }

    fn str_list(&self, m: &Module, n: TsNode<'_>, what: &str, v: Value<'a>) -> R<Vec<String>> {
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

    fn make_node(
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
        let (mut name, mut tags, mut confirms, mut namespace) =
            (Value::None, Value::None, Value::None, Value::None);
        for (k, v) in kw {
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
                "name" => name = v,
                "tags" => tags = v,
                "confirms" => confirms = v,
                "namespace" => namespace = v,
                "preview_fn" => {}
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
        let name = match name {
            Value::None => None,
            Value::Str(s) => Some(s),
            other => {
                return self.fail(
                    m,
                    n,
                    format!("node name must be a str, not a {}", other.type_name()),
                );
            }
        };
        let namespace = match namespace {
            Value::None => None,
            Value::Str(s) => Some(s),
            other => {
                return self.fail(
                    m,
                    n,
                    format!("node namespace must be a str, not a {}", other.type_name()),
                );
            }
        };
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

    fn name_arg(&self, m: &Module, n: TsNode<'_>, what: &str, v: Value<'a>) -> R<Option<NameArg>> {
        match v {
            Value::None => Ok(None),
            Value::Str(s) => Ok(Some(NameArg::Str(s))),
            Value::List(_) | Value::Tuple(_) | Value::Set(_) => {
                Ok(Some(NameArg::Names(self.str_list(m, n, what, v)?)))
            }
            Value::Dict(d) => {
                let mut out = IndexMap::new();
                for (k, v) in d {
                    match (k, v) {
                        (Value::Str(k), Value::Str(v)) => {
                            out.insert(k, v);
                        }
                        _ => return self.fail(m, n, format!("`{what}=` must map str to str")),
                    }
                }
                Ok(Some(NameArg::Dict(out)))
            }
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

    fn make_pipeline(
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
                "namespace" => {
                    args.namespace = match v {
                        Value::None => None,
                        Value::Str(s) => Some(s),
                        other => {
                            return self.fail(
                                m,
                                n,
                                format!("namespace must be a str, not a {}", other.type_name()),
                            );
                        }
                    }
                }
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

    fn find_pipelines(
        &mut self,
        m: &'a Module,
        n: TsNode<'a>,
        pos: Vec<Value<'a>>,
        kw: Vec<(String, Value<'a>)>,
    ) -> R<Value<'a>> {
        let mut raise_errors = false;
        let mut all = pos
            .into_iter()
            .map(|v| (String::new(), v))
            .collect::<Vec<_>>();
        all.extend(kw);
        for (i, (k, v)) in all.into_iter().enumerate() {
            match (i, k.as_str(), v) {
                (0, "" | "raise_errors", v) | (_, "raise_errors", v) => match v.truthy() {
                    Some(b) => raise_errors = b,
                    None => return self.fail(m, n, "raise_errors must be known"),
                },
                (_, "pipelines_to_find" | "", Value::None) => {}
                _ => {
                    return self.fail(
                        m,
                        n,
                        "find_pipelines() with pipelines_to_find is not supported",
                    );
                }
            }
        }
        let pkg = self.layout.package_name.clone();
        let mut out: Vec<(Value<'a>, Value<'a>)> = Vec::new();
        let mut errors = Vec::new();
        // 1. The single-module layout `<pkg>.pipeline`.
        let single = format!("{pkg}.pipeline");
        let default = if let Some(pm) = self.table.modules.get(&single) {
            match self.discover_one(pm, m, n, raise_errors, "__default__")? {
                Ok(Some(p)) => Value::Pipeline(p),
                Ok(None) => Value::Pipeline(Rc::new(Pipeline::empty())),
                Err(mut e) => {
                    errors.append(&mut e);
                    Value::None
                }
            }
        } else {
            Value::Pipeline(Rc::new(Pipeline::empty()))
        };
        out.push((Value::Str("__default__".into()), default));
        // 2. Each directory of `<pkg>.pipelines`.
        let parent = format!("{pkg}.pipelines");
        let mut dirs: Vec<&String> = self
            .table
            .packages
            .keys()
            .filter(|k| {
                k.strip_prefix(&parent)
                    .and_then(|r| r.strip_prefix('.'))
                    .is_some_and(|r| !r.contains('.'))
            })
            .collect();
        dirs.sort();
        for dir in dirs {
            let short = dir.rsplit('.').next().unwrap_or(dir).to_owned();
            let Some(pm) = self.table.modules.get(dir.as_str()) else {
                // A directory without `__init__.py` imports as a namespace package with no `create_pipeline`.
                if raise_errors {
                    errors.push(self.diag(m, n, format!("Kedro would raise KeyError(\"Pipeline '{short}' not found\"): pipelines/{short} has no __init__.py exposing create_pipeline"), KEDRO_HINT));
                } else {
                    let mut d = self.diag(m, n, format!("find_pipelines() skips pipelines/{short}: it has no __init__.py exposing create_pipeline"), "add pipelines/<name>/__init__.py that imports create_pipeline, or ignore this if intended");
                    d.severity = Severity::Warning;
                    self.warnings.push(d);
                }
                continue;
            };
            match self.discover_one(pm, m, n, raise_errors, &short)? {
                Ok(Some(p)) => out.push((Value::Str(short), Value::Pipeline(p))),
                Ok(None) => {}
                Err(mut e) => errors.append(&mut e),
            }
        }
        if errors.is_empty() {
            Ok(Value::Dict(out))
        } else {
            Err(Stop::Diags(errors))
        }
    }

    /// Imports one discovered module and calls its `create_pipeline()` as `find_pipelines` does.
    #[allow(clippy::type_complexity)]
    fn discover_one(
        &mut self,
        pm: &'a Module,
        at_m: &'a Module,
        at: TsNode<'a>,
        raise_errors: bool,
        key: &str,
    ) -> R<Result<Option<Rc<Pipeline>>, Vec<Diagnostic>>> {
        if let Err(e) = pm.tree() {
            if raise_errors {
                return Err(Stop::Parse(e.clone()));
            }
            let mut d = self.diag(
                at_m,
                at,
                format!("find_pipelines() skips `{}`: {e}", pm.name),
                "fix the syntax error",
            );
            d.severity = Severity::Warning;
            self.warnings.push(d);
            return Ok(Ok(None));
        }
        let scope = self.scope(pm)?;
        if !scope.bindings.contains_key("create_pipeline") && scope.star.is_empty() {
            if raise_errors {
                return Ok(Err(vec![self.diag(at_m, at, format!("Kedro would raise KeyError(\"Pipeline '{key}' not found\"): `{}` does not expose create_pipeline", pm.name), KEDRO_HINT)]));
            }
            let mut d = self.diag(
                at_m,
                at,
                format!(
                    "find_pipelines() skips `{}`: it does not expose create_pipeline",
                    pm.name
                ),
                "import create_pipeline in the package's __init__.py",
            );
            d.severity = Severity::Warning;
            self.warnings.push(d);
            return Ok(Ok(None));
        }
        let root = tree_root(pm).map_err(Stop::Parse)?;
        let result = self
            .global(pm, "create_pipeline", root)
            .and_then(|f| self.call_value(pm, root, f, Vec::new(), Vec::new()));
        match result {
            Ok(Value::Pipeline(p)) => Ok(Ok(Some(p))),
            Ok(other) => {
                let mut d = self.diag(
                    at_m,
                    at,
                    format!(
                        "find_pipelines() skips `{}`: create_pipeline() returned a {}",
                        pm.name,
                        other.type_name()
                    ),
                    "return a Pipeline from create_pipeline()",
                );
                d.severity = Severity::Warning;
                self.warnings.push(d);
                Ok(Ok(None))
            }
            Err(Stop::Diags(d)) => Ok(Err(d)),
            Err(other) => Err(other),
        }
    }

    // ----- statements -----------------------------------------------------------------------------------------

    fn exec_block(&mut self, f: &mut Frame<'a>, block: TsNode<'a>) -> R<Flow<'a>> {
        for s in named_kids(block) {
            match self.exec_stmt(f, s)? {
                Flow::Normal => {}
                other => return Ok(other),
            }
        }
        Ok(Flow::Normal)
    }

    fn exec_stmt(&mut self, f: &mut Frame<'a>, s: TsNode<'a>) -> R<Flow<'a>> {
        let m = f.module;
        match s.kind_str() {
            "comment" | "pass_statement" => Ok(Flow::Normal),
            "expression_statement" => {
                let Some(e) = s.named_child(0) else {
                    return Ok(Flow::Normal);
                };
                match e.kind_str() {
                    "assignment" => {
                        let mut targets = Vec::new();
                        let mut cur = e;
                        let value = loop {
                            if let Some(l) = cur.field(Field::Left) {
                                targets.push(l);
                            }
                            match cur.field(Field::Right) {
                                Some(r) if r.kind_str() == "assignment" => cur = r,
                                other => break other,
                            }
                        };
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
                        let l = e.field(Field::Left).expect("left");
                        let r = e.field(Field::Right).expect("right");
                        let op = self
                            .text(m, e.field(Field::Operator).expect("op"))
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
                let cond = s.field(Field::Condition).expect("condition");
                let v = self.eval(f, cond)?;
                if self.truthy(m, cond, &v)? {
                    return self.exec_block(f, s.field(Field::Consequence).expect("body"));
                }
                let mut c = s.walk();
                let alts: Vec<_> = s.children_by_field_name("alternative", &mut c).collect();
                for alt in alts {
                    if alt.kind_str() == "elif_clause" {
                        let cond = alt.field(Field::Condition).expect("condition");
                        let v = self.eval(f, cond)?;
                        if self.truthy(m, cond, &v)? {
                            return self
                                .exec_block(f, alt.field(Field::Consequence).expect("body"));
                        }
                    } else {
                        return self.exec_block(f, alt.field(Field::Body).expect("else body"));
                    }
                }
                Ok(Flow::Normal)
            }
            "for_statement" => {
                let left = s.field(Field::Left).expect("target");
                let right = s.field(Field::Right).expect("iterable");
                let body = s.field(Field::Body).expect("body");
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
                if !broke && let Some(alt) = s.field(Field::Alternative) {
                    return self.exec_block(f, alt.field(Field::Body).expect("else body"));
                }
                Ok(Flow::Normal)
            }
            "break_statement" => Ok(Flow::Break),
            "continue_statement" => Ok(Flow::Continue),
            "function_definition" | "decorated_definition" => {
                let (def, decorated) = if s.kind_str() == "decorated_definition" {
                    (s.field(Field::Definition).expect("definition"), true)
                } else {
                    (s, false)
                };
                let name = self
                    .text(m, def.field(Field::Name).expect("name"))
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
                let name = self.text(m, s.field(Field::Name).expect("name")).to_owned();
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

    fn exec_call_stmt(&mut self, f: &mut Frame<'a>, e: TsNode<'a>) -> R<Flow<'a>> {
        let m = f.module;
        let callee = e.field(Field::Function).expect("callee");
        if callee.kind_str() == "attribute" {
            let obj = callee.field(Field::Object).expect("object");
            let method = self.text(m, callee.field(Field::Attribute).expect("attr"));
            if obj.kind_str() == "identifier" {
                let var = self.text(m, obj);
                if matches!(var, "logger" | "logging" | "log" | "warnings") {
                    return Ok(Flow::Normal);
                }
                if f.locals.contains_key(var)
                    && matches!(method, "append" | "extend" | "update" | "add" | "insert")
                {
                    let args_n = e.field(Field::Arguments).expect("args");
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

    fn assign(&mut self, f: &mut Frame<'a>, target: TsNode<'a>, v: Value<'a>) -> R<()> {
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
                let base = target.field(Field::Value).expect("value");
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

trait Pipe: Sized {
    fn pipe<T>(self, f: impl FnOnce(Self) -> T) -> T {
        f(self)
    }
}
impl<T> Pipe for T {}

/// The value behind `rc`, without a copy when nothing else holds it.
fn unwrap_rc<T: Clone>(rc: Rc<T>) -> T {
    Rc::try_unwrap(rc).unwrap_or_else(|rc| (*rc).clone())
}

fn identifiers(n: TsNode<'_>) -> Vec<TsNode<'_>> {
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

fn dedup<'a>(items: Vec<Value<'a>>) -> Vec<Value<'a>> {
    let mut out: Vec<Value<'a>> = Vec::new();
    for it in items {
        if !out.iter().any(|o| o.py_eq(&it) == Some(true)) {
            out.push(it);
        }
    }
    out
}

fn dict_set<'a>(d: &mut Vec<(Value<'a>, Value<'a>)>, k: Value<'a>, v: Value<'a>) {
    for (dk, dv) in d.iter_mut() {
        if dk.py_eq(&k) == Some(true) {
            *dv = v;
            return;
        }
    }
    d.push((k, v));
}

fn describe_arg(a: &DatasetArg) -> String {
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

/// The Python builtins (a subset of [`kdvc_python::builtins::BUILTINS`]) that the evaluator knows as opaque
/// external callables: calls to them are reported, not guessed. Other builtin names it does not model are
/// reported as undefined.
const OPAQUE_BUILTINS: &[&str] = &[
    "abs",
    "all",
    "any",
    "bool",
    "callable",
    "dir",
    "divmod",
    "eval",
    "exec",
    "filter",
    "float",
    "format",
    "getattr",
    "globals",
    "hasattr",
    "hash",
    "id",
    "input",
    "int",
    "isinstance",
    "issubclass",
    "iter",
    "locals",
    "map",
    "max",
    "min",
    "next",
    "object",
    "open",
    "ord",
    "chr",
    "pow",
    "print",
    "repr",
    "reversed",
    "round",
    "setattr",
    "slice",
    "type",
    "vars",
    "__import__",
    "Exception",
    "ValueError",
    "TypeError",
    "KeyError",
];

fn builtin_name<'a>(name: &str) -> Option<Value<'a>> {
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

fn builtin_qualified<'a>(q: &str) -> Option<Value<'a>> {
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

/// `fmt % arg`: a tuple is the arguments, a dict (`%(name)s`) is not supported.
fn percent_args(fmt: &str, arg: &Value<'_>) -> Option<String> {
    let args: Vec<&Value<'_>> = match arg {
        Value::Tuple(items) => items.iter().collect(),
        Value::Dict(_) => return None,
        other => vec![other],
    };
    percent_format(fmt, &args)
}

#[cfg(test)]
mod tests {
    #[test]
    fn opaque_builtins_are_builtins() {
        for name in super::OPAQUE_BUILTINS {
            assert!(kdvc_python::is_builtin(name), "{name}");
        }
    }
}
