//! `CONFIG_LOADER_ARGS["custom_resolvers"]`: the resolvers a project registers in `settings.py`, read
//! without running Python.
//!
//! A resolver that is a `lambda`, or a function defined in `settings.py` whose body is a docstring, local
//! assignments and one `return`, is compiled into a small expression tree and evaluated on the resolver's
//! arguments when the configuration is resolved: numbers and their arithmetic, strings (concatenation,
//! f-strings, the common `str` methods), lists, tuples and dicts (`{**a, **b}`, `dict(a, **b)`, `a | b`),
//! subscripts, comparisons, `x if c else y` and the pure built-ins (`sum`, `len`, `min`, `max`, `abs`,
//! `round`, `int`, `float`, `str`, `bool`, `list`, `dict`, `sorted`). OmegaConf's own `oc.env` (imported
//! from `omegaconf.resolvers`) is recognised. Anything else (a function from another module such as
//! `np.power`, a name that is not a parameter) makes the resolver refused: using it in the configuration
//! is a located error naming the resolver and the construct. Nothing is guessed.
//!
//! This evaluator lives here, not in `kdvc-pipeline`'s symbolic evaluator, because the configuration
//! model sits below the pipeline reader (see ARCHITECTURE.md); it reads Python through `kdvc-python`,
//! which both use.

use std::collections::HashMap;
use std::path::Path;

use indexmap::IndexMap;
use kdvc_python::{line_col, literal_string, named_kids, node_text};
use tree_sitter::Node as TsNode;

use crate::error::Location;
use crate::value::{Map, Node, Origin, Value};

/// The largest string, list or dict a resolver may produce (bytes or items), and the deepest chain of
/// calls between functions of `settings.py`.
const MAX_SIZE: usize = 1 << 20;
const MAX_CALL_DEPTH: usize = 16;
/// The deepest nesting of an expression kdvc compiles (evaluation recurses as deep).
const MAX_EXPR_DEPTH: usize = 64;

/// One custom resolver of `settings.py`.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomResolver {
    /// The name it is registered under (`add` for `${add:1,2}`).
    pub name: String,
    /// Where its value is written in `settings.py`.
    pub location: Location,
    /// What kdvc can do with it.
    pub kind: ResolverKind,
    /// The functions of `settings.py` kdvc can compile, for calls between them.
    defs: std::sync::Arc<HashMap<String, Function>>,
}

/// How kdvc evaluates a [`CustomResolver`].
#[derive(Debug, Clone, PartialEq)]
pub enum ResolverKind {
    /// A lambda or a function of `settings.py`, evaluated statically.
    Function(Function),
    /// OmegaConf's `oc.env`: an environment variable, with an optional default.
    Env,
    /// Not evaluable: why (it names the construct).
    Refused(String),
}

/// A compiled lambda or function.
#[derive(Debug, Clone, PartialEq)]
pub struct Function {
    name: String,
    params: Vec<Param>,
    /// `*args`.
    star: Option<String>,
    /// Local assignments in order, then the returned expression.
    locals: Vec<(String, Expr)>,
    body: Expr,
}

#[derive(Debug, Clone, PartialEq)]
struct Param {
    name: String,
    default: Option<Expr>,
}

#[derive(Debug, Clone, PartialEq)]
enum Expr {
    Const(Value),
    Name(String),
    Bin(String, Box<Expr>, Box<Expr>),
    Neg(Box<Expr>),
    Not(Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Compare(Box<Expr>, Vec<(String, Expr)>),
    If(Box<Expr>, Box<Expr>, Box<Expr>),
    /// A call of a built-in or of a function of `settings.py`: positional arguments (`*x` spread).
    Call(String, Vec<Item>),
    Method(Box<Expr>, String, Vec<Item>),
    Index(Box<Expr>, Box<Expr>),
    List(Vec<Item>),
    Dict(Vec<Entry>),
    FString(Vec<Expr>),
}

#[derive(Debug, Clone, PartialEq)]
enum Item {
    One(Expr),
    Spread(Expr),
}

#[derive(Debug, Clone, PartialEq)]
enum Entry {
    Pair(Expr, Expr),
    Spread(Expr),
}

const BUILTINS: [&str; 13] = [
    "sum", "len", "min", "max", "abs", "round", "int", "float", "str", "bool", "list", "dict",
    "sorted",
];

/// Reads the custom resolvers of `CONFIG_LOADER_ARGS` in the source of `settings.py` (`file` for
/// locations). Resolvers whose value kdvc cannot read at all are still listed, refused.
pub(crate) fn read(src: &str, file: &Path) -> IndexMap<String, CustomResolver> {
    let mut out = IndexMap::new();
    let Some(tree) = kdvc_python::grammar::parse(src.as_bytes()) else {
        return out;
    };
    let mut c = Compiler {
        src,
        depth: std::cell::Cell::new(0),
        defs: HashMap::new(),
        imports: HashMap::new(),
    };
    let mut dict = None;
    for stmt in named_kids(tree.root_node()) {
        match stmt.kind() {
            "function_definition" => {
                if let Some(name) = stmt.child_by_field_name("name") {
                    c.defs.insert(c.text(name).to_owned(), stmt);
                }
            }
            "import_statement" | "import_from_statement" => c.import(stmt),
            "expression_statement" => {
                for a in named_kids(stmt) {
                    if a.kind() == "assignment"
                        && a.child_by_field_name("left")
                            .is_some_and(|l| c.text(l) == "CONFIG_LOADER_ARGS")
                        && let Some(right) = a.child_by_field_name("right")
                        && right.kind() == "dictionary"
                    {
                        dict = named_kids(right).into_iter().find(|p| {
                            p.kind() == "pair"
                                && p.child_by_field_name("key").is_some_and(|k| {
                                    literal_string(src.as_bytes(), k).as_deref()
                                        == Some("custom_resolvers")
                                })
                        });
                    }
                }
            }
            _ => {}
        }
    }
    let Some(value) = dict.and_then(|p| p.child_by_field_name("value")) else {
        return out;
    };
    let defs: HashMap<String, Function> = c
        .defs
        .iter()
        .filter_map(|(name, def)| c.function(*def, 0).ok().map(|f| (name.clone(), f)))
        .collect();
    let defs = std::sync::Arc::new(defs);
    if value.kind() != "dictionary" {
        return out;
    }
    for pair in named_kids(value) {
        if pair.kind() != "pair" {
            continue;
        }
        let (Some(k), Some(v)) = (
            pair.child_by_field_name("key"),
            pair.child_by_field_name("value"),
        ) else {
            continue;
        };
        let Some(name) = literal_string(src.as_bytes(), k) else {
            continue;
        };
        let (line, column) = line_col(src, v);
        let kind = c.resolver(&name, v);
        out.insert(
            name.clone(),
            CustomResolver {
                name,
                location: Location::new(file, line, column),
                kind,
                defs: defs.clone(),
            },
        );
    }
    out
}

struct Compiler<'s, 't> {
    src: &'s str,
    /// Expressions being compiled inside one another.
    depth: std::cell::Cell<usize>,
    defs: HashMap<String, TsNode<'t>>,
    /// Imported name -> what it is (`omegaconf.resolvers.oc`, `numpy`).
    imports: HashMap<String, String>,
}

type Compiled<T> = std::result::Result<T, String>;

impl<'s, 't> Compiler<'s, 't> {
    fn text(&self, n: TsNode<'_>) -> &'s str {
        node_text(self.src, n)
    }

    fn import(&mut self, stmt: TsNode<'_>) {
        let module = stmt
            .child_by_field_name("module_name")
            .map(|m| self.text(m).to_owned());
        for n in named_kids(stmt) {
            if Some(n) == stmt.child_by_field_name("module_name") {
                continue;
            }
            let (full, alias) = match n.kind() {
                "aliased_import" => (
                    n.child_by_field_name("name").map(|x| self.text(x)),
                    n.child_by_field_name("alias").map(|x| self.text(x)),
                ),
                "dotted_name" => (Some(self.text(n)), None),
                _ => continue,
            };
            let Some(full) = full else { continue };
            let bound = alias.unwrap_or_else(|| full.split('.').next().unwrap_or(full));
            let target = match &module {
                Some(m) => format!("{m}.{full}"),
                None => full.to_owned(),
            };
            self.imports.insert(bound.to_owned(), target);
        }
    }

    fn resolver(&self, name: &str, v: TsNode<'t>) -> ResolverKind {
        let result = match v.kind() {
            "lambda" => self.lambda(name, v),
            "identifier" => match self.defs.get(self.text(v)) {
                Some(def) => self.function(*def, 0),
                None => Err(self.outside(v)),
            },
            "attribute" => {
                let text = self.text(v);
                let resolved = self.qualified(text);
                if resolved == "omegaconf.resolvers.oc.env" {
                    return ResolverKind::Env;
                }
                Err(self.outside(v))
            }
            _ => Err(format!("`{}` is not a lambda or a function", self.text(v))),
        };
        match result {
            Ok(f) => ResolverKind::Function(f),
            Err(why) => ResolverKind::Refused(why),
        }
    }

    /// `np.power` with `import numpy as np` -> `numpy.power`.
    fn qualified(&self, text: &str) -> String {
        let (head, rest) = text.split_once('.').unwrap_or((text, ""));
        match self.imports.get(head) {
            Some(full) if rest.is_empty() => full.clone(),
            Some(full) => format!("{full}.{rest}"),
            None => text.to_owned(),
        }
    }

    fn outside(&self, n: TsNode<'_>) -> String {
        let text = self.text(n);
        let q = self.qualified(text);
        if q != text {
            format!("`{text}` is `{q}`, Python code kdvc does not run")
        } else {
            format!("`{text}` is not defined in settings.py as a function kdvc can read")
        }
    }

    fn lambda(&self, name: &str, n: TsNode<'_>) -> Compiled<Function> {
        let (params, star) = match n.child_by_field_name("parameters") {
            Some(p) => self.params(p)?,
            None => (Vec::new(), None),
        };
        let body = n
            .child_by_field_name("body")
            .ok_or("a lambda without a body")?;
        Ok(Function {
            name: format!("<lambda> of {name}"),
            params,
            star,
            locals: Vec::new(),
            body: self.expr(body)?,
        })
    }

    fn function(&self, def: TsNode<'_>, depth: usize) -> Compiled<Function> {
        if depth > MAX_CALL_DEPTH {
            return Err("functions that call one another too deeply".into());
        }
        let name = def
            .child_by_field_name("name")
            .map(|n| self.text(n).to_owned())
            .unwrap_or_default();
        let (params, star) = match def.child_by_field_name("parameters") {
            Some(p) => self.params(p)?,
            None => (Vec::new(), None),
        };
        let body = def
            .child_by_field_name("body")
            .ok_or("a function without a body")?;
        let stmts: Vec<TsNode<'_>> = named_kids(body)
            .into_iter()
            .filter(|s| s.kind() != "comment")
            .collect();
        let mut locals = Vec::new();
        for (i, stmt) in stmts.iter().enumerate() {
            let last = i + 1 == stmts.len();
            match stmt.kind() {
                "return_statement" if last => {
                    let value = named_kids(*stmt)
                        .into_iter()
                        .next()
                        .ok_or("`return` without a value")?;
                    return Ok(Function {
                        name,
                        params,
                        star,
                        locals,
                        body: self.expr(value)?,
                    });
                }
                "expression_statement" => {
                    let kids = named_kids(*stmt);
                    match kids.as_slice() {
                        [s] if i == 0 && s.kind() == "string" => {}
                        [a] if a.kind() == "assignment" => {
                            let left = a.child_by_field_name("left").ok_or("an assignment")?;
                            let right = a.child_by_field_name("right").ok_or("an assignment")?;
                            if left.kind() != "identifier"
                                || a.child_by_field_name("type").is_some()
                            {
                                return Err(format!("`{}` in `{name}`", self.text(*stmt)));
                            }
                            locals.push((self.text(left).to_owned(), self.expr(right)?));
                        }
                        _ => return Err(format!("`{}` in `{name}`", self.text(*stmt))),
                    }
                }
                _ => {
                    let first = self.text(*stmt).lines().next().unwrap_or_default();
                    return Err(format!(
                        "`{first}` in `{name}`: kdvc reads functions made of assignments and one `return`"
                    ));
                }
            }
        }
        Err(format!("`{name}` does not end with `return <value>`"))
    }

    fn params(&self, p: TsNode<'_>) -> Compiled<(Vec<Param>, Option<String>)> {
        let mut params = Vec::new();
        let mut star = None;
        for n in named_kids(p) {
            match n.kind() {
                "identifier" => params.push(Param {
                    name: self.text(n).to_owned(),
                    default: None,
                }),
                "typed_parameter" => {
                    let id = named_kids(n)
                        .into_iter()
                        .next()
                        .ok_or("a typed parameter")?;
                    if id.kind() == "list_splat_pattern" {
                        star = Some(self.splat_name(id)?);
                    } else {
                        params.push(Param {
                            name: self.text(id).to_owned(),
                            default: None,
                        });
                    }
                }
                "default_parameter" | "typed_default_parameter" => {
                    let name = n.child_by_field_name("name").ok_or("a parameter")?;
                    let value = n.child_by_field_name("value").ok_or("a parameter")?;
                    params.push(Param {
                        name: self.text(name).to_owned(),
                        default: Some(self.expr(value)?),
                    });
                }
                "list_splat_pattern" => star = Some(self.splat_name(n)?),
                other => {
                    return Err(format!("the parameter `{}` ({other})", self.text(n)));
                }
            }
        }
        Ok((params, star))
    }

    fn splat_name(&self, n: TsNode<'_>) -> Compiled<String> {
        named_kids(n)
            .into_iter()
            .next()
            .map(|i| self.text(i).to_owned())
            .ok_or_else(|| "`*` without a name".into())
    }

    fn items(&self, n: TsNode<'_>) -> Compiled<Vec<Item>> {
        let mut out = Vec::new();
        for i in named_kids(n) {
            match i.kind() {
                "comment" => {}
                "list_splat" => {
                    let inner = named_kids(i).into_iter().next().ok_or("`*`")?;
                    out.push(Item::Spread(self.expr(inner)?));
                }
                "keyword_argument" | "dictionary_splat" => {
                    return Err(format!("the keyword argument `{}`", self.text(i)));
                }
                _ => out.push(Item::One(self.expr(i)?)),
            }
        }
        Ok(out)
    }

    fn expr(&self, n: TsNode<'_>) -> Compiled<Expr> {
        if self.depth.get() >= MAX_EXPR_DEPTH {
            return Err(format!(
                "an expression nested more than {MAX_EXPR_DEPTH} deep"
            ));
        }
        self.depth.set(self.depth.get() + 1);
        let result = self.expr_inner(n);
        self.depth.set(self.depth.get() - 1);
        result
    }

    fn expr_inner(&self, n: TsNode<'_>) -> Compiled<Expr> {
        let text = self.text(n);
        let field = |f: &str| -> Compiled<TsNode<'_>> {
            n.child_by_field_name(f)
                .ok_or_else(|| format!("`{text}` is incomplete"))
        };
        Ok(match n.kind() {
            "integer" => Expr::Const(Value::Int(
                parse_int(text).ok_or_else(|| format!("the integer {text}"))?,
            )),
            "float" => Expr::Const(Value::Float(
                text.replace('_', "")
                    .parse()
                    .map_err(|_| format!("the float {text}"))?,
            )),
            "true" => Expr::Const(Value::Bool(true)),
            "false" => Expr::Const(Value::Bool(false)),
            "none" => Expr::Const(Value::Null),
            "string" | "concatenated_string" => match literal_string(self.src.as_bytes(), n) {
                Some(s) => Expr::Const(Value::Str(s)),
                None => self.fstring(n)?,
            },
            "identifier" => Expr::Name(text.to_owned()),
            "parenthesized_expression" => {
                let inner = named_kids(n)
                    .into_iter()
                    .find(|k| k.kind() != "comment")
                    .ok_or("`()`")?;
                self.expr(inner)?
            }
            "binary_operator" => Expr::Bin(
                self.text(field("operator")?).to_owned(),
                Box::new(self.expr(field("left")?)?),
                Box::new(self.expr(field("right")?)?),
            ),
            "unary_operator" => {
                let arg = self.expr(field("argument")?)?;
                match self.text(field("operator")?) {
                    "-" => Expr::Neg(Box::new(arg)),
                    "+" => arg,
                    op => return Err(format!("the operator `{op}`")),
                }
            }
            "not_operator" => Expr::Not(Box::new(self.expr(field("argument")?)?)),
            "boolean_operator" => {
                let l = Box::new(self.expr(field("left")?)?);
                let r = Box::new(self.expr(field("right")?)?);
                match self.text(field("operator")?) {
                    "and" => Expr::And(l, r),
                    _ => Expr::Or(l, r),
                }
            }
            "comparison_operator" => {
                let mut operands = Vec::new();
                let mut ops = Vec::new();
                let mut cursor = n.walk();
                for child in n.children(&mut cursor) {
                    if child.is_named() {
                        operands.push(self.expr(child)?);
                    } else {
                        ops.push(self.text(child).to_owned());
                    }
                }
                // `not in` / `is not` are two tokens.
                let mut joined: Vec<String> = Vec::new();
                for op in ops {
                    match (joined.last_mut(), op.as_str()) {
                        (Some(last), "in") if last == "not" => *last = "not in".into(),
                        (Some(last), "not") if last == "is" => *last = "is not".into(),
                        _ => joined.push(op),
                    }
                }
                let mut it = operands.into_iter();
                let first = it.next().ok_or("a comparison")?;
                Expr::Compare(Box::new(first), joined.into_iter().zip(it).collect())
            }
            "conditional_expression" => {
                let kids: Vec<TsNode<'_>> = named_kids(n)
                    .into_iter()
                    .filter(|k| k.kind() != "comment")
                    .collect();
                let [body, cond, alt] = kids.as_slice() else {
                    return Err(format!("`{text}`"));
                };
                Expr::If(
                    Box::new(self.expr(*cond)?),
                    Box::new(self.expr(*body)?),
                    Box::new(self.expr(*alt)?),
                )
            }
            "call" => {
                let func = field("function")?;
                let args = self.items(field("arguments")?)?;
                match func.kind() {
                    "identifier" => {
                        let name = self.text(func);
                        if !BUILTINS.contains(&name) && !self.defs.contains_key(name) {
                            return Err(self.outside(func));
                        }
                        Expr::Call(name.to_owned(), args)
                    }
                    "attribute" => {
                        let object = func.child_by_field_name("object").ok_or("a call")?;
                        let method = func.child_by_field_name("attribute").ok_or("a call")?;
                        if object.kind() == "identifier"
                            && self.imports.contains_key(self.text(object))
                        {
                            return Err(self.outside(func));
                        }
                        Expr::Method(
                            Box::new(self.expr(object)?),
                            self.text(method).to_owned(),
                            args,
                        )
                    }
                    _ => return Err(format!("the call `{text}`")),
                }
            }
            "subscript" => {
                let subs: Vec<TsNode<'_>> = {
                    let mut c = n.walk();
                    n.children_by_field_name("subscript", &mut c).collect()
                };
                let [sub] = subs.as_slice() else {
                    return Err(format!("the subscript `{text}`"));
                };
                if sub.kind() == "slice" {
                    return Err(format!("the slice `{text}`"));
                }
                Expr::Index(
                    Box::new(self.expr(field("value")?)?),
                    Box::new(self.expr(*sub)?),
                )
            }
            "list" | "tuple" => Expr::List(self.items(n)?),
            "dictionary" => {
                let mut entries = Vec::new();
                for e in named_kids(n) {
                    match e.kind() {
                        "comment" => {}
                        "pair" => entries.push(Entry::Pair(
                            self.expr(e.child_by_field_name("key").ok_or("a pair")?)?,
                            self.expr(e.child_by_field_name("value").ok_or("a pair")?)?,
                        )),
                        "dictionary_splat" => {
                            let inner = named_kids(e).into_iter().next().ok_or("`**`")?;
                            entries.push(Entry::Spread(self.expr(inner)?));
                        }
                        _ => return Err(format!("`{}` in a dict", self.text(e))),
                    }
                }
                Expr::Dict(entries)
            }
            "attribute" => return Err(self.outside(n)),
            other => return Err(format!("`{text}` ({})", other.replace('_', " "))),
        })
    }

    /// `f"{a}_{b}"` without conversions or format specs.
    fn fstring(&self, n: TsNode<'_>) -> Compiled<Expr> {
        if n.kind() != "string" {
            return Err(format!("`{}`", self.text(n)));
        }
        let start = named_kids(n)
            .into_iter()
            .find(|k| k.kind() == "string_start")
            .map(|k| self.text(k).to_ascii_lowercase())
            .unwrap_or_default();
        if !start.contains('f') || start.contains('r') || start.contains('b') {
            return Err(format!("the string `{}`", self.text(n)));
        }
        let mut parts = Vec::new();
        for k in named_kids(n) {
            match k.kind() {
                "string_start" | "string_end" => {}
                "string_content" => {
                    let t = self.text(k);
                    if t.contains('\\') {
                        return Err(format!("the escapes in `{}`", self.text(n)));
                    }
                    parts.push(Expr::Const(Value::Str(
                        t.replace("{{", "{").replace("}}", "}"),
                    )));
                }
                "interpolation" => {
                    let kids = named_kids(k);
                    let [e] = kids.as_slice() else {
                        return Err(format!("the field `{}`", self.text(k)));
                    };
                    parts.push(self.expr(*e)?);
                }
                _ => return Err(format!("`{}` in `{}`", self.text(k), self.text(n))),
            }
        }
        Ok(Expr::FString(parts))
    }
}

fn parse_int(text: &str) -> Option<i64> {
    let t = text.replace('_', "").to_ascii_lowercase();
    if let Some(h) = t.strip_prefix("0x") {
        i64::from_str_radix(h, 16).ok()
    } else if let Some(o) = t.strip_prefix("0o") {
        i64::from_str_radix(o, 8).ok()
    } else if let Some(b) = t.strip_prefix("0b") {
        i64::from_str_radix(b, 2).ok()
    } else {
        t.parse().ok()
    }
}

/// Evaluation of compiled resolvers.
struct Eval<'a> {
    defs: &'a HashMap<String, Function>,
    depth: usize,
}

type Evaluated = std::result::Result<Value, String>;

impl CustomResolver {
    /// Calls the resolver on `args` (OmegaConf passes the resolver's arguments positionally). `Err` says
    /// why kdvc cannot answer, naming the construct.
    pub fn call(&self, args: &[Value]) -> Evaluated {
        match &self.kind {
            ResolverKind::Refused(why) => Err(why.clone()),
            ResolverKind::Env => Err("oc.env is handled by the loader".into()),
            ResolverKind::Function(f) => {
                let mut eval = Eval {
                    defs: &self.defs,
                    depth: 0,
                };
                eval.call(f, args.to_vec())
            }
        }
    }
}

fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Int(i) => *i != 0,
        Value::BigInt(i) => *i != 0,
        Value::Float(f) => *f != 0.0,
        Value::Str(s) => !s.is_empty(),
        Value::List(l) => !l.is_empty(),
        Value::Map(m) => !m.is_empty(),
    }
}

fn node(v: Value) -> Node {
    Node::new(v, Origin::runtime())
}

fn num(v: &Value) -> Option<f64> {
    match v {
        Value::Int(i) => Some(*i as f64),
        Value::Float(f) => Some(*f),
        Value::Bool(b) => Some(f64::from(u8::from(*b))),
        _ => None,
    }
}

fn int(v: &Value) -> Option<i64> {
    match v {
        Value::Int(i) => Some(*i),
        Value::Bool(b) => Some(i64::from(*b)),
        _ => None,
    }
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "NoneType",
        Value::Bool(_) => "bool",
        Value::Int(_) | Value::BigInt(_) => "int",
        Value::Float(_) => "float",
        Value::Str(_) => "str",
        Value::List(_) => "list",
        Value::Map(_) => "dict",
    }
}

fn check_size(v: Value) -> Evaluated {
    let size = match &v {
        Value::Str(s) => s.len(),
        Value::List(l) => l.len(),
        Value::Map(m) => m.len(),
        _ => 0,
    };
    if size > MAX_SIZE {
        return Err(format!("a value larger than {MAX_SIZE} bytes or items"));
    }
    Ok(v)
}

/// Python's `==` on the values kdvc models.
fn equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::List(x), Value::List(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| equal(&p.value, &q.value))
        }
        (Value::Map(x), Value::Map(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| equal(&v.value, &w.value)))
        }
        (Value::Str(x), Value::Str(y)) => x == y,
        (Value::Null, Value::Null) => true,
        _ => match (num(a), num(b)) {
            (Some(x), Some(y)) => x == y,
            _ => false,
        },
    }
}

impl Eval<'_> {
    fn call(&mut self, f: &Function, args: Vec<Value>) -> Evaluated {
        if self.depth >= MAX_CALL_DEPTH {
            return Err(format!("calls nested more than {MAX_CALL_DEPTH} deep"));
        }
        let mut scope: HashMap<String, Value> = HashMap::new();
        let mut rest = args.into_iter();
        for p in &f.params {
            let v = match rest.next() {
                Some(v) => v,
                None => match &p.default {
                    Some(d) => self.eval(d, &scope)?,
                    None => {
                        return Err(format!("{}() missing the argument `{}`", f.name, p.name));
                    }
                },
            };
            scope.insert(p.name.clone(), v);
        }
        let extra: Vec<Value> = rest.collect();
        match &f.star {
            Some(name) => {
                scope.insert(
                    name.clone(),
                    Value::List(extra.into_iter().map(node).collect()),
                );
            }
            None if !extra.is_empty() => {
                return Err(format!(
                    "{}() takes {} arguments, {} given",
                    f.name,
                    f.params.len(),
                    f.params.len() + extra.len()
                ));
            }
            None => {}
        }
        self.depth += 1;
        let result = (|| {
            for (name, e) in &f.locals {
                let v = self.eval(e, &scope)?;
                scope.insert(name.clone(), v);
            }
            self.eval(&f.body, &scope)
        })();
        self.depth -= 1;
        result
    }

    fn spread(
        &mut self,
        items: &[Item],
        scope: &HashMap<String, Value>,
    ) -> std::result::Result<Vec<Value>, String> {
        let mut out = Vec::new();
        for i in items {
            match i {
                Item::One(e) => out.push(self.eval(e, scope)?),
                Item::Spread(e) => match self.eval(e, scope)? {
                    Value::List(l) => out.extend(l.into_iter().map(|n| n.value)),
                    Value::Map(m) => out.extend(m.into_keys().map(Value::Str)),
                    Value::Str(s) => out.extend(s.chars().map(|c| Value::Str(c.to_string()))),
                    other => return Err(format!("`*` of a {}", type_name(&other))),
                },
            }
            if out.len() > MAX_SIZE {
                return Err(format!("more than {MAX_SIZE} items"));
            }
        }
        Ok(out)
    }

    fn eval(&mut self, e: &Expr, scope: &HashMap<String, Value>) -> Evaluated {
        match e {
            Expr::Const(v) => Ok(v.clone()),
            Expr::Name(n) => scope
                .get(n)
                .cloned()
                .ok_or_else(|| format!("the name `{n}`, which is not a parameter")),
            Expr::Neg(a) => match self.eval(a, scope)? {
                Value::Int(i) => i
                    .checked_neg()
                    .map(Value::Int)
                    .ok_or("an integer overflow".into()),
                Value::Float(f) => Ok(Value::Float(-f)),
                Value::Bool(b) => Ok(Value::Int(-i64::from(b))),
                other => Err(format!("`-` of a {}", type_name(&other))),
            },
            Expr::Not(a) => Ok(Value::Bool(!truthy(&self.eval(a, scope)?))),
            Expr::And(a, b) => {
                let l = self.eval(a, scope)?;
                if truthy(&l) {
                    self.eval(b, scope)
                } else {
                    Ok(l)
                }
            }
            Expr::Or(a, b) => {
                let l = self.eval(a, scope)?;
                if truthy(&l) {
                    Ok(l)
                } else {
                    self.eval(b, scope)
                }
            }
            Expr::If(c, a, b) => {
                if truthy(&self.eval(c, scope)?) {
                    self.eval(a, scope)
                } else {
                    self.eval(b, scope)
                }
            }
            Expr::Compare(first, rest) => {
                let mut left = self.eval(first, scope)?;
                for (op, e) in rest {
                    let right = self.eval(e, scope)?;
                    if !compare(op, &left, &right)? {
                        return Ok(Value::Bool(false));
                    }
                    left = right;
                }
                Ok(Value::Bool(true))
            }
            Expr::Bin(op, a, b) => {
                let l = self.eval(a, scope)?;
                let r = self.eval(b, scope)?;
                binary(op, l, r).and_then(check_size)
            }
            Expr::List(items) => Ok(Value::List(
                self.spread(items, scope)?.into_iter().map(node).collect(),
            )),
            Expr::Dict(entries) => {
                let mut m = Map::new();
                for entry in entries {
                    match entry {
                        Entry::Pair(k, v) => {
                            let Value::Str(k) = self.eval(k, scope)? else {
                                return Err("a dict key that is not a string".into());
                            };
                            let v = self.eval(v, scope)?;
                            m.insert(k, node(v));
                        }
                        Entry::Spread(e) => match self.eval(e, scope)? {
                            Value::Map(other) => m.extend(other),
                            other => return Err(format!("`**` of a {}", type_name(&other))),
                        },
                    }
                }
                check_size(Value::Map(m))
            }
            Expr::FString(parts) => {
                let mut s = String::new();
                for p in parts {
                    s.push_str(&self.eval(p, scope)?.python_str());
                    if s.len() > MAX_SIZE {
                        return Err(format!("a string longer than {MAX_SIZE} bytes"));
                    }
                }
                Ok(Value::Str(s))
            }
            Expr::Index(a, i) => {
                let v = self.eval(a, scope)?;
                let i = self.eval(i, scope)?;
                index(v, &i)
            }
            Expr::Call(name, items) => {
                let args = self.spread(items, scope)?;
                if let Some(f) = self.defs.get(name) {
                    return self.call(f, args);
                }
                builtin(name, args).and_then(check_size)
            }
            Expr::Method(obj, name, items) => {
                let o = self.eval(obj, scope)?;
                let args = self.spread(items, scope)?;
                method(o, name, args).and_then(check_size)
            }
        }
    }
}

fn compare(op: &str, a: &Value, b: &Value) -> std::result::Result<bool, String> {
    let order = || -> std::result::Result<std::cmp::Ordering, String> {
        match (a, b) {
            (Value::Str(x), Value::Str(y)) => Ok(x.cmp(y)),
            _ => match (num(a), num(b)) {
                (Some(x), Some(y)) => x
                    .partial_cmp(&y)
                    .ok_or_else(|| "a comparison with nan".to_owned()),
                _ => Err(format!(
                    "`{op}` between a {} and a {}",
                    type_name(a),
                    type_name(b)
                )),
            },
        }
    };
    let contains = || -> std::result::Result<bool, String> {
        match b {
            Value::List(l) => Ok(l.iter().any(|n| equal(&n.value, a))),
            Value::Map(m) => Ok(matches!(a, Value::Str(k) if m.contains_key(k))),
            Value::Str(s) => match a {
                Value::Str(x) => Ok(s.contains(x.as_str())),
                _ => Err("`in <str>` of a non-string".into()),
            },
            other => Err(format!("`in` a {}", type_name(other))),
        }
    };
    Ok(match op {
        "==" => equal(a, b),
        "!=" => !equal(a, b),
        "<" => order()?.is_lt(),
        "<=" => order()?.is_le(),
        ">" => order()?.is_gt(),
        ">=" => order()?.is_ge(),
        "in" => contains()?,
        "not in" => !contains()?,
        "is" if matches!(b, Value::Null) => matches!(a, Value::Null),
        "is not" if matches!(b, Value::Null) => !matches!(a, Value::Null),
        other => return Err(format!("the comparison `{other}`")),
    })
}

/// Python's float formatting of an int/float result, and int arithmetic with overflow refused.
fn binary(op: &str, l: Value, r: Value) -> Evaluated {
    use Value::{Float, Int, List, Map as M, Str};
    let overflow = || "an integer too large for 64 bits".to_owned();
    match (op, &l, &r) {
        ("+", Str(a), Str(b)) => return Ok(Str(format!("{a}{b}"))),
        ("+", List(a), List(b)) => {
            let mut v = a.clone();
            v.extend(b.iter().cloned());
            return Ok(List(v));
        }
        ("*", Str(s), _) | ("*", _, Str(s)) => {
            let n = int(if matches!(l, Str(_)) { &r } else { &l })
                .ok_or("`*` of a string by a non-integer")?;
            let n = usize::try_from(n.max(0)).map_err(|_| overflow())?;
            if s.len().saturating_mul(n) > MAX_SIZE {
                return Err(format!("a string longer than {MAX_SIZE} bytes"));
            }
            return Ok(Str(s.repeat(n)));
        }
        ("|", M(a), M(b)) => {
            let mut m = a.clone();
            m.extend(b.iter().map(|(k, v)| (k.clone(), v.clone())));
            return Ok(M(m));
        }
        _ => {}
    }
    if let (Some(a), Some(b)) = (int(&l), int(&r)) {
        return match op {
            "+" => a.checked_add(b).map(Int).ok_or_else(overflow),
            "-" => a.checked_sub(b).map(Int).ok_or_else(overflow),
            "*" => a.checked_mul(b).map(Int).ok_or_else(overflow),
            "/" if b == 0 => Err("a division by zero".into()),
            "/" => Ok(Float(a as f64 / b as f64)),
            "//" | "%" if b == 0 => Err("a division by zero".into()),
            "//" => {
                let q = a.checked_div(b).ok_or_else(overflow)?;
                Ok(Int(if a % b != 0 && ((a < 0) != (b < 0)) {
                    q - 1
                } else {
                    q
                }))
            }
            "%" => {
                let r = a.checked_rem(b).ok_or_else(overflow)?;
                Ok(Int(if r != 0 && ((r < 0) != (b < 0)) {
                    r + b
                } else {
                    r
                }))
            }
            "**" if b < 0 => Ok(Float((a as f64).powf(b as f64))),
            "**" => u32::try_from(b)
                .ok()
                .and_then(|e| a.checked_pow(e))
                .map(Int)
                .ok_or_else(overflow),
            _ => Err(format!("`{op}` between integers")),
        };
    }
    if let (Some(a), Some(b)) = (num(&l), num(&r)) {
        return match op {
            "+" => Ok(Float(a + b)),
            "-" => Ok(Float(a - b)),
            "*" => Ok(Float(a * b)),
            "/" | "//" | "%" if b == 0.0 => Err("a division by zero".into()),
            "/" => Ok(Float(a / b)),
            "//" => Ok(Float((a / b).floor())),
            "%" => Ok(Float(a - b * (a / b).floor())),
            "**" => Ok(Float(a.powf(b))),
            _ => Err(format!("`{op}` between numbers")),
        };
    }
    Err(format!(
        "`{op}` between a {} and a {}",
        type_name(&l),
        type_name(&r)
    ))
}

fn index(v: Value, i: &Value) -> Evaluated {
    match (v, i) {
        (Value::List(l), _) => {
            let n = int(i).ok_or("a list index that is not an integer")?;
            let len = i64::try_from(l.len()).unwrap_or(i64::MAX);
            let at = if n < 0 { n + len } else { n };
            usize::try_from(at)
                .ok()
                .and_then(|at| l.get(at))
                .map(|n| n.value.clone())
                .ok_or_else(|| "a list index out of range".into())
        }
        (Value::Map(m), Value::Str(k)) => m
            .get(k)
            .map(|n| n.value.clone())
            .ok_or_else(|| format!("the missing key '{k}'")),
        (Value::Str(s), _) => {
            let n = int(i).ok_or("a string index that is not an integer")?;
            let chars: Vec<char> = s.chars().collect();
            let len = i64::try_from(chars.len()).unwrap_or(i64::MAX);
            let at = if n < 0 { n + len } else { n };
            usize::try_from(at)
                .ok()
                .and_then(|at| chars.get(at))
                .map(|c| Value::Str(c.to_string()))
                .ok_or_else(|| "a string index out of range".into())
        }
        (other, _) => Err(format!("indexing a {}", type_name(&other))),
    }
}

fn builtin(name: &str, args: Vec<Value>) -> Evaluated {
    let one = |args: &[Value]| -> std::result::Result<Value, String> {
        match args {
            [a] => Ok(a.clone()),
            _ => Err(format!("{name}() with {} arguments", args.len())),
        }
    };
    let iterable = |v: Value| -> std::result::Result<Vec<Value>, String> {
        match v {
            Value::List(l) => Ok(l.into_iter().map(|n| n.value).collect()),
            Value::Map(m) => Ok(m.into_keys().map(Value::Str).collect()),
            Value::Str(s) => Ok(s.chars().map(|c| Value::Str(c.to_string())).collect()),
            other => Err(format!("{name}() of a {}", type_name(&other))),
        }
    };
    match name {
        "len" => match one(&args)? {
            Value::List(l) => Ok(Value::Int(l.len() as i64)),
            Value::Map(m) => Ok(Value::Int(m.len() as i64)),
            Value::Str(s) => Ok(Value::Int(s.chars().count() as i64)),
            other => Err(format!("len() of a {}", type_name(&other))),
        },
        "sum" => {
            let mut it = args.into_iter();
            let items = iterable(it.next().ok_or("sum() without arguments")?)?;
            let mut total = it.next().unwrap_or(Value::Int(0));
            for v in items {
                total = binary("+", total, v)?;
            }
            Ok(total)
        }
        "min" | "max" => {
            let items = if args.len() == 1 {
                iterable(args.into_iter().next().unwrap_or(Value::Null))?
            } else {
                args
            };
            let mut best: Option<Value> = None;
            for v in items {
                best = Some(match best {
                    None => v,
                    Some(b) => {
                        let better = if name == "min" {
                            compare("<", &v, &b)?
                        } else {
                            compare(">", &v, &b)?
                        };
                        if better { v } else { b }
                    }
                });
            }
            best.ok_or_else(|| format!("{name}() of an empty sequence"))
        }
        "abs" => match one(&args)? {
            Value::Int(i) => i
                .checked_abs()
                .map(Value::Int)
                .ok_or("an integer overflow".into()),
            Value::Float(f) => Ok(Value::Float(f.abs())),
            other => Err(format!("abs() of a {}", type_name(&other))),
        },
        "round" => match args.as_slice() {
            [Value::Int(i)] => Ok(Value::Int(*i)),
            [Value::Float(f)] => {
                // Python rounds half to even.
                let r = f.round_ties_even();
                if r.is_finite() && r.abs() < 9.2e18 {
                    Ok(Value::Int(r as i64))
                } else {
                    Err("round() of a float too large".into())
                }
            }
            _ => Err("round() with digits, or of a non-number".into()),
        },
        "int" => match one(&args)? {
            Value::Int(i) => Ok(Value::Int(i)),
            Value::Bool(b) => Ok(Value::Int(i64::from(b))),
            Value::Float(f) if f.is_finite() && f.abs() < 9.2e18 => {
                Ok(Value::Int(f.trunc() as i64))
            }
            Value::Str(s) => parse_int(s.trim())
                .filter(|_| !s.trim().starts_with("0x"))
                .map(Value::Int)
                .ok_or_else(|| format!("int() of '{s}'")),
            other => Err(format!("int() of a {}", type_name(&other))),
        },
        "float" => match one(&args)? {
            Value::Str(s) => s
                .trim()
                .parse::<f64>()
                .map(Value::Float)
                .map_err(|_| format!("float() of '{s}'")),
            v => num(&v)
                .map(Value::Float)
                .ok_or_else(|| format!("float() of a {}", type_name(&v))),
        },
        "str" => Ok(Value::Str(one(&args)?.python_str())),
        "bool" => Ok(Value::Bool(truthy(&one(&args)?))),
        "list" => Ok(Value::List(
            iterable(one(&args)?)?.into_iter().map(node).collect(),
        )),
        "sorted" => {
            let mut items = iterable(one(&args)?)?;
            let mut failed = None;
            items.sort_by(|a, b| match compare("<", a, b) {
                Ok(true) => std::cmp::Ordering::Less,
                Ok(false) if equal(a, b) => std::cmp::Ordering::Equal,
                Ok(false) => std::cmp::Ordering::Greater,
                Err(e) => {
                    failed = Some(e);
                    std::cmp::Ordering::Equal
                }
            });
            match failed {
                Some(e) => Err(e),
                None => Ok(Value::List(items.into_iter().map(node).collect())),
            }
        }
        "dict" => {
            let mut m = Map::new();
            for a in args {
                match a {
                    Value::Map(other) => m.extend(other),
                    other => return Err(format!("dict() of a {}", type_name(&other))),
                }
            }
            Ok(Value::Map(m))
        }
        other => Err(format!("the function `{other}`")),
    }
}

fn method(o: Value, name: &str, args: Vec<Value>) -> Evaluated {
    let strs = |args: &[Value]| -> std::result::Result<Vec<String>, String> {
        args.iter()
            .map(|a| match a {
                Value::Str(s) => Ok(s.clone()),
                other => Err(format!(".{name}() with a {}", type_name(other))),
            })
            .collect()
    };
    match (&o, name) {
        (Value::Str(s), "upper") if args.is_empty() => Ok(Value::Str(s.to_uppercase())),
        (Value::Str(s), "lower") if args.is_empty() => Ok(Value::Str(s.to_lowercase())),
        (Value::Str(s), "strip") if args.is_empty() => Ok(Value::Str(s.trim().to_owned())),
        (Value::Str(s), "replace") => match strs(&args)?.as_slice() {
            [a, b] if !a.is_empty() => Ok(Value::Str(s.replace(a.as_str(), b))),
            _ => Err(".replace() with other than two strings".into()),
        },
        (Value::Str(s), "startswith") => match strs(&args)?.as_slice() {
            [p] => Ok(Value::Bool(s.starts_with(p.as_str()))),
            _ => Err(".startswith() with other than one string".into()),
        },
        (Value::Str(s), "endswith") => match strs(&args)?.as_slice() {
            [p] => Ok(Value::Bool(s.ends_with(p.as_str()))),
            _ => Err(".endswith() with other than one string".into()),
        },
        (Value::Str(sep), "join") => match args.as_slice() {
            [Value::List(items)] => {
                let parts: Vec<String> = items
                    .iter()
                    .map(|n| match &n.value {
                        Value::Str(s) => Ok(s.clone()),
                        other => Err(format!(".join() of a {}", type_name(other))),
                    })
                    .collect::<std::result::Result<_, _>>()?;
                Ok(Value::Str(parts.join(sep)))
            }
            _ => Err(".join() of other than a list".into()),
        },
        (Value::Str(s), "split") => match strs(&args)?.as_slice() {
            [] => Ok(Value::List(
                s.split_whitespace()
                    .map(|p| node(Value::Str(p.to_owned())))
                    .collect(),
            )),
            [sep] if !sep.is_empty() => Ok(Value::List(
                s.split(sep.as_str())
                    .map(|p| node(Value::Str(p.to_owned())))
                    .collect(),
            )),
            _ => Err(".split() with other than one separator".into()),
        },
        (Value::Map(m), "get") => match args.as_slice() {
            [Value::Str(k)] => Ok(m.get(k).map_or(Value::Null, |n| n.value.clone())),
            [Value::Str(k), d] => Ok(m.get(k).map_or_else(|| d.clone(), |n| n.value.clone())),
            _ => Err(".get() with other than a key and a default".into()),
        },
        (Value::Map(m), "keys") if args.is_empty() => Ok(Value::List(
            m.keys().map(|k| node(Value::Str(k.clone()))).collect(),
        )),
        (Value::Map(m), "values") if args.is_empty() => {
            Ok(Value::List(m.values().cloned().collect()))
        }
        (Value::Map(_) | Value::List(_), "copy") if args.is_empty() => Ok(o.clone()),
        _ => Err(format!("the method `.{name}()` of a {}", type_name(&o))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolvers(src: &str) -> IndexMap<String, CustomResolver> {
        read(src, Path::new("settings.py"))
    }

    fn call(src: &str, name: &str, args: Vec<Value>) -> Evaluated {
        resolvers(src)[name].call(&args)
    }

    fn map(pairs: &[(&str, Value)]) -> Value {
        Value::Map(
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), node(v.clone())))
                .collect(),
        )
    }

    const SETTINGS: &str = r#"
import numpy as np
from omegaconf.resolvers import oc


def merge_dicts(a, b):
    """Right wins."""
    out = {**a, **b}
    return out


def scaled(x, factor=2):
    return round(x * factor)


CONFIG_LOADER_ARGS = {
    "base_env": "base",
    "custom_resolvers": {
        "add": lambda *xs: sum(xs),
        "merge": merge_dicts,
        "scaled": scaled,
        "tag": lambda a, b: f"{a}_{b}".upper(),
        "pick": lambda d, k: d[k] if k in d else None,
        "np_pow": lambda x, y: np.power(x, y),
        "np_max": np.max,
        "oc.env": oc.env,
        "mystery": undefined_function,
        "div": lambda a, b: a / b,
    },
}
"#;

    #[test]
    fn lambdas_and_functions_of_settings_evaluate() {
        assert_eq!(
            call(SETTINGS, "add", vec![Value::Int(1), Value::Int(2)]),
            Ok(Value::Int(3))
        );
        assert_eq!(
            call(SETTINGS, "add", vec![Value::Int(1), Value::Float(0.5)]),
            Ok(Value::Float(1.5))
        );
        let a = map(&[("x", Value::Int(1)), ("y", Value::Int(2))]);
        let b = map(&[("y", Value::Int(3))]);
        assert_eq!(
            call(SETTINGS, "merge", vec![a, b]),
            Ok(map(&[("x", Value::Int(1)), ("y", Value::Int(3))]))
        );
        assert_eq!(
            call(SETTINGS, "scaled", vec![Value::Float(2.25)]),
            Ok(Value::Int(4))
        );
        assert_eq!(
            call(SETTINGS, "tag", vec![Value::Str("a".into()), Value::Int(7)]),
            Ok(Value::Str("A_7".into()))
        );
        assert_eq!(
            call(SETTINGS, "div", vec![Value::Int(1), Value::Int(4)]),
            Ok(Value::Float(0.25))
        );
        assert!(call(SETTINGS, "div", vec![Value::Int(1), Value::Int(0)]).is_err());
        assert_eq!(resolvers(SETTINGS)["oc.env"].kind, ResolverKind::Env);
    }

    #[test]
    fn code_from_elsewhere_is_refused_naming_it() {
        let r = resolvers(SETTINGS);
        for (name, needle) in [
            ("np_pow", "`np.power` is `numpy.power`"),
            ("np_max", "`np.max` is `numpy.max`"),
            ("mystery", "`undefined_function` is not defined"),
        ] {
            match &r[name].kind {
                ResolverKind::Refused(why) => assert!(why.contains(needle), "{name}: {why}"),
                other => panic!("{name}: {other:?}"),
            }
        }
        assert_eq!(r["np_pow"].location, Location::new("settings.py", 24, 19));
    }

    #[test]
    fn limits_hold() {
        let src = "CONFIG_LOADER_ARGS = {\"custom_resolvers\": {\"big\": lambda s: s * 10**9, \
                   \"ovf\": lambda x: x ** 200}}\n";
        assert!(call(src, "big", vec![Value::Str("ab".into())]).is_err());
        assert!(call(src, "ovf", vec![Value::Int(3)]).is_err());
        let deep = format!(
            "CONFIG_LOADER_ARGS = {{\"custom_resolvers\": {{\"deep\": lambda x: {}x{}}}}}\n",
            "(".repeat(5000),
            ")".repeat(5000)
        );
        match &resolvers(&deep)["deep"].kind {
            ResolverKind::Refused(why) => assert!(why.contains("nested more than"), "{why}"),
            other => panic!("{other:?}"),
        }
        let calls = "def f(x):\n    return f(x)\n\nCONFIG_LOADER_ARGS = {\"custom_resolvers\": {\"f\": f}}\n";
        assert!(call(calls, "f", vec![Value::Int(1)]).is_err());
    }
}
