//! OmegaConf interpolation, as Kedro's loader registers it: `${a.b}`, `${.sibling}`, `${a[0]}`, text with
//! several `${...}`, `${globals:key[, default]}`, `${runtime_params:key[, default]}`, `${oc.select:key[,
//! default]}`, in credentials only (everywhere when the project registers it) `${oc.env:VAR[, default]}`, and
//! the project's custom resolvers where `settings::resolvers` can evaluate them. Any other resolver is an
//! error: kdvc never guesses what Python code would return.

use std::collections::HashMap;

use crate::error::{Error, Result};
use crate::limits::{
    MAX_INTERPOLATED_SIZE, MAX_INTERPOLATION_DEPTH, MAX_INTERPOLATION_WORK, NODE_WEIGHT,
};
use crate::value::{Map, Node, Reference, Value};

/// What the resolvers can see.
pub(crate) struct Ctx<'a> {
    /// The config key being loaded (`catalog`, `parameters`, `credentials`, `globals`).
    pub key: &'a str,
    /// Merged, resolved globals (`None` while loading globals themselves).
    pub globals: Option<&'a Map>,
    /// Runtime parameters.
    pub runtime: &'a Map,
    /// The project's custom resolvers (`CONFIG_LOADER_ARGS["custom_resolvers"]`).
    pub custom_resolvers:
        &'a indexmap::IndexMap<String, crate::settings::resolvers::CustomResolver>,
    /// Environment variables (for `oc.env` in credentials).
    pub environ: &'a dyn Fn(&str) -> Option<String>,
    /// Leave a `${runtime_params:key}` that is not given and an `${oc.env:VAR}` that is not set (neither
    /// with a default) unresolved instead of failing: the catalog and the credentials, where only some
    /// values (the locations) matter to kdvc. See [`Unresolved`].
    pub defer_unset: bool,
}

/// The kind of [`Reference`] an unresolved value carries.
pub(crate) const UNRESOLVED: &str = "unresolved";

/// A value left unresolved because what it reads is not given here (see [`Ctx::defer_unset`]). The value
/// keeps the expression as its text and a [`Reference`] of kind [`UNRESOLVED`], which every value built
/// from it inherits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Unresolved {
    /// Where the value with the expression is.
    pub location: crate::error::Location,
    /// The whole `${...}` expression.
    pub expression: String,
    /// What is missing, as a sentence.
    pub message: String,
    /// What to do.
    pub hint: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Seg {
    Key(String),
    Index(usize),
}

fn seg_text(path: &[Seg]) -> String {
    let mut s = String::new();
    for (i, seg) in path.iter().enumerate() {
        match seg {
            Seg::Key(k) => {
                if i > 0 {
                    s.push('.');
                }
                s.push_str(k);
            }
            Seg::Index(n) => s.push_str(&format!("[{n}]")),
        }
    }
    s
}

/// Gives every value inside `node` the origin `origin` (a resolver's result is defined where it is used).
fn set_origin_deep(node: &mut Node, origin: &crate::value::Origin) {
    node.origin = origin.clone();
    match &mut node.value {
        Value::List(l) => l.iter_mut().for_each(|n| set_origin_deep(n, origin)),
        Value::Map(m) => m.values_mut().for_each(|n| set_origin_deep(n, origin)),
        _ => {}
    }
}

/// Whether a string has something to interpolate.
pub(crate) fn has_interpolation(s: &str) -> bool {
    s.contains("${")
}

/// Resolves every interpolation of `root` (a mapping), returning a tree without any, and the values
/// left unresolved when [`Ctx::defer_unset`] is set.
pub(crate) fn resolve_tree(root: &Node, ctx: &Ctx<'_>) -> Result<(Node, Vec<Unresolved>)> {
    let mut r = Resolver {
        root,
        ctx,
        memo: HashMap::new(),
        stack: Vec::new(),
        depth: 0,
        links: 0,
        work: 0,
        unresolved: Vec::new(),
    };
    let node = r.resolve_at(&[], root)?;
    Ok((node, r.unresolved))
}

/// Whether `node` was built from a value left unresolved.
pub(crate) fn is_unresolved(node: &Node) -> bool {
    node.refs.iter().any(|r| r.kind == UNRESOLVED)
}

struct Resolver<'a, 'c> {
    root: &'a Node,
    ctx: &'a Ctx<'c>,
    /// Resolved strings, with the length of the longest interpolation chain behind each.
    memo: HashMap<Vec<Seg>, (Node, usize)>,
    stack: Vec<Vec<Seg>>,
    /// Evaluations in progress inside one another (bounded by [`MAX_INTERPOLATION_DEPTH`]).
    depth: usize,
    /// The longest chain of links met by the string being resolved.
    links: usize,
    /// Size of everything produced so far (bounded by [`MAX_INTERPOLATION_WORK`]).
    work: usize,
    /// Values left unresolved ([`Ctx::defer_unset`]).
    unresolved: Vec<Unresolved>,
}

/// The size of a value in the units of [`MAX_INTERPOLATED_SIZE`], counted up to a little beyond `cap`
/// (an explicit stack: values may be nested deeply).
fn weight(node: &Node, cap: usize) -> usize {
    let mut total = 0usize;
    let mut todo = vec![node];
    while let Some(n) = todo.pop() {
        total += NODE_WEIGHT * (1 + n.refs.len());
        match &n.value {
            Value::Str(s) => total += s.len(),
            Value::List(items) => todo.extend(items.iter()),
            Value::Map(m) => {
                for (k, v) in m {
                    total += k.len();
                    todo.push(v);
                }
            }
            _ => {}
        }
        if total > cap {
            break;
        }
    }
    total
}

enum Piece {
    Text(String),
    Interp(String),
}

/// Splits a string into text and `${...}` parts. `\${` is a literal `${`.
fn pieces(s: &str) -> std::result::Result<Vec<Piece>, String> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut text = String::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' && s[i + 1..].starts_with("${") {
            text.push_str("${");
            i += 3;
            continue;
        }
        if s[i..].starts_with("${") {
            let end = matching_close(s, i + 2)
                .ok_or_else(|| format!("unterminated interpolation in '{s}'"))?;
            if !text.is_empty() {
                out.push(Piece::Text(std::mem::take(&mut text)));
            }
            out.push(Piece::Interp(s[i + 2..end].to_string()));
            i = end + 1;
            continue;
        }
        let ch = s[i..].chars().next().unwrap_or('\0');
        text.push(ch);
        i += ch.len_utf8().max(1);
    }
    if !text.is_empty() {
        out.push(Piece::Text(text));
    }
    Ok(out)
}

/// Byte index of the `}` closing an interpolation whose body starts at `start`.
fn matching_close(s: &str, start: usize) -> Option<usize> {
    let b = s.as_bytes();
    let mut depth = 0usize;
    let mut quote: Option<u8> = None;
    let mut i = start;
    while i < b.len() {
        let c = b[i];
        if let Some(q) = quote {
            if c == b'\\' {
                i += 2;
                continue;
            }
            if c == q {
                quote = None;
            }
        } else {
            match c {
                b'\'' | b'"' => quote = Some(c),
                b'{' => depth += 1,
                b'}' => {
                    if depth == 0 {
                        return Some(i);
                    }
                    depth -= 1;
                }
                _ => {}
            }
        }
        i += 1;
    }
    None
}

/// Splits resolver arguments on top-level commas.
fn split_args(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if let Some(q) = quote {
            cur.push(c);
            if c == '\\' {
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
            } else if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '\'' | '"' => quote = Some(c),
            '{' | '[' => depth += 1,
            '}' | ']' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                out.push(std::mem::take(&mut cur));
                continue;
            }
            _ => {}
        }
        cur.push(c);
    }
    out.push(cur);
    out
}

/// `name:` prefix of a resolver interpolation.
fn resolver_name(inner: &str) -> Option<(&str, &str)> {
    let (name, rest) = inner.split_once(':')?;
    let valid = !name.is_empty()
        && name.split('.').all(|part| {
            let mut cs = part.chars();
            cs.next().is_some_and(|c| c.is_alphabetic() || c == '_')
                && cs.all(|c| c.is_alphanumeric() || c == '_' || c == '-')
        });
    valid.then_some((name, rest))
}

/// OmegaConf's typing of an unquoted resolver argument.
fn primitive(s: &str) -> Value {
    let lower = s.to_ascii_lowercase();
    match lower.as_str() {
        "null" => return Value::Null,
        "true" => return Value::Bool(true),
        "false" => return Value::Bool(false),
        _ => {}
    }
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    let is_int = !digits.is_empty()
        && (digits == "0"
            || (digits.starts_with(|c: char| ('1'..='9').contains(&c))
                && digits.chars().all(|c| c.is_ascii_digit() || c == '_')
                && !digits.ends_with('_')
                && !digits.contains("__")));
    if is_int && let Ok(i) = s.replace('_', "").parse::<i64>() {
        return Value::Int(i);
    }
    let float_like = digits
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+' | '-' | '_'))
        && digits.chars().any(|c| c.is_ascii_digit())
        && (digits.contains('.') || digits.contains(['e', 'E']));
    if float_like && let Ok(f) = s.replace('_', "").parse::<f64>() {
        return Value::Float(f);
    }
    match digits.to_ascii_lowercase().as_str() {
        "inf" => {
            return Value::Float(if s.starts_with('-') {
                f64::NEG_INFINITY
            } else {
                f64::INFINITY
            });
        }
        "nan" => return Value::Float(f64::NAN),
        _ => {}
    }
    Value::Str(s.to_string())
}

fn unquote(s: &str) -> Option<String> {
    let q = s.chars().next()?;
    if !(q == '\'' || q == '"') || s.len() < 2 || !s.ends_with(q) {
        return None;
    }
    let body = &s[1..s.len() - 1];
    let mut out = String::new();
    let mut chars = body.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some(n) if n == q || n == '\\' => out.push(n),
                Some(n) => {
                    out.push('\\');
                    out.push(n);
                }
                None => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    Some(out)
}

/// `a.b[0].c` -> segments (a leading `.`s count is returned separately).
fn parse_key_path(s: &str) -> (usize, Vec<Seg>) {
    let dots = s.chars().take_while(|c| *c == '.').count();
    let rest = &s[dots..];
    let mut segs = Vec::new();
    for part in rest.split('.') {
        if part.is_empty() {
            continue;
        }
        let mut p = part;
        if let Some(i) = p.find('[') {
            let head = &p[..i];
            if !head.is_empty() {
                segs.push(Seg::Key(head.to_string()));
            }
            p = &p[i..];
            while let Some(stripped) = p.strip_prefix('[') {
                let Some(end) = stripped.find(']') else { break };
                let idx = &stripped[..end];
                segs.push(match idx.parse::<usize>() {
                    Ok(n) => Seg::Index(n),
                    Err(_) => Seg::Key(idx.to_string()),
                });
                p = &stripped[end + 1..];
            }
        } else {
            segs.push(Seg::Key(p.to_string()));
        }
    }
    (dots, segs)
}

fn child<'n>(node: &'n Node, seg: &Seg) -> Option<&'n Node> {
    match (&node.value, seg) {
        (Value::Map(m), Seg::Key(k)) => m.get(k),
        (Value::Map(m), Seg::Index(i)) => m.get(&i.to_string()),
        (Value::List(l), Seg::Index(i)) => l.get(*i),
        (Value::List(l), Seg::Key(k)) => k.parse::<usize>().ok().and_then(|i| l.get(i)),
        _ => None,
    }
}

/// Selects a dotted key in a resolved mapping (OmegaConf.select).
fn select<'m>(map: &'m Map, key: &str) -> Option<&'m Node> {
    let (_, segs) = parse_key_path(key);
    let mut segs = segs.into_iter();
    let first = segs.next()?;
    let mut cur = match &first {
        Seg::Key(k) => map.get(k)?,
        Seg::Index(i) => map.get(&i.to_string())?,
    };
    for seg in segs {
        cur = child(cur, &seg)?;
    }
    Some(cur)
}

impl Resolver<'_, '_> {
    fn raw_at(&self, path: &[Seg]) -> Option<&Node> {
        let mut cur = self.root;
        for seg in path {
            cur = child(cur, seg)?;
        }
        Some(cur)
    }

    /// The resolved form of the raw node `raw` at `path`.
    fn resolve_at(&mut self, path: &[Seg], raw: &Node) -> Result<Node> {
        match &raw.value {
            Value::Str(s) if has_interpolation(s) => {
                if let Some((done, links)) = self.memo.get(path) {
                    self.links = self.links.max(*links);
                    return Ok(done.clone());
                }
                if let Some(pos) = self.stack.iter().position(|p| p == path) {
                    let mut chain: Vec<String> =
                        self.stack[pos..].iter().map(|p| seg_text(p)).collect();
                    chain.push(seg_text(path));
                    return Err(Error::CircularInterpolation {
                        location: raw.origin.location(),
                        chain: chain.join(" -> "),
                    });
                }
                self.stack.push(path.to_vec());
                let outer = std::mem::take(&mut self.links);
                let result = self.eval_string(s, raw, path);
                self.stack.pop();
                let links = self.links + 1;
                self.links = outer.max(links);
                let node = result?;
                if links > MAX_INTERPOLATION_DEPTH {
                    return Err(self.limit(
                        raw,
                        format!(
                            "'{}' is at the end of a chain of more than {MAX_INTERPOLATION_DEPTH} \
                             interpolations (${{a}} -> ${{b}} -> ...)",
                            seg_text(path)
                        ),
                        format!("{MAX_INTERPOLATION_DEPTH} links"),
                        "refer to the value at the start of the chain directly instead of through every link",
                    ));
                }
                self.memo.insert(path.to_vec(), (node.clone(), links));
                Ok(node)
            }
            Value::List(items) => {
                let mut out = Vec::with_capacity(items.len());
                let mut p = path.to_vec();
                for (i, item) in items.iter().enumerate() {
                    p.push(Seg::Index(i));
                    out.push(self.resolve_at(&p, item)?);
                    p.pop();
                }
                Ok(Node {
                    value: Value::List(out),
                    origin: raw.origin.clone(),
                    refs: raw.refs.clone(),
                })
            }
            Value::Map(m) => {
                let mut out = Map::with_capacity(m.len());
                let mut p = path.to_vec();
                for (k, v) in m {
                    p.push(Seg::Key(k.clone()));
                    out.insert(k.clone(), self.resolve_at(&p, v)?);
                    p.pop();
                }
                Ok(Node {
                    value: Value::Map(out),
                    origin: raw.origin.clone(),
                    refs: raw.refs.clone(),
                })
            }
            _ => Ok(raw.clone()),
        }
    }

    fn limit(&self, raw: &Node, message: String, limit: String, hint: &str) -> Error {
        Error::LimitExceeded {
            location: raw.origin.location(),
            message,
            limit,
            hint: hint.to_string(),
        }
    }

    /// Runs `f` as one more evaluation inside the ones in progress (a limit error past
    /// [`MAX_INTERPOLATION_DEPTH`]).
    fn nested<T>(&mut self, raw: &Node, f: impl FnOnce(&mut Self) -> Result<T>) -> Result<T> {
        if self.depth >= MAX_INTERPOLATION_DEPTH {
            return Err(self.limit(
                raw,
                format!(
                    "interpolations nested or chained more than {MAX_INTERPOLATION_DEPTH} deep (${{a${{b}}}} or \
                     ${{a}} -> ${{b}} -> ...)"
                ),
                format!("depth {MAX_INTERPOLATION_DEPTH}"),
                "flatten the interpolation: refer to plain values instead of nesting ${...} in ${...}",
            ));
        }
        self.depth += 1;
        let result = f(self);
        self.depth -= 1;
        result
    }

    /// The limit error of an interpolated `what` (a value, a string) beyond [`MAX_INTERPOLATED_SIZE`].
    fn too_large(&self, raw: &Node, what: &str) -> Error {
        self.limit(
            raw,
            format!("an interpolated {what} grows beyond {MAX_INTERPOLATED_SIZE} bytes"),
            format!("{MAX_INTERPOLATED_SIZE} bytes per value"),
            "interpolations that repeat other interpolated values multiply in size; write the value \
             directly",
        )
    }

    /// Accounts for a value produced by interpolation: refuses one that is too large, or more work in
    /// total than the budget.
    fn charge(&mut self, size: usize, raw: &Node) -> Result<()> {
        if size > MAX_INTERPOLATED_SIZE {
            return Err(self.too_large(raw, "value"));
        }
        self.work += size;
        if self.work > MAX_INTERPOLATION_WORK {
            return Err(self.limit(
                raw,
                format!(
                    "interpolation in {} produces more than {MAX_INTERPOLATION_WORK} bytes in total",
                    self.ctx.key
                ),
                format!("{MAX_INTERPOLATION_WORK} bytes per configuration"),
                "interpolations that repeat other interpolated values multiply in size; write the values \
                 directly",
            ));
        }
        Ok(())
    }

    fn eval_string(&mut self, s: &str, raw: &Node, path: &[Seg]) -> Result<Node> {
        self.nested(raw, |this| this.eval_string_inner(s, raw, path))
    }

    fn eval_string_inner(&mut self, s: &str, raw: &Node, path: &[Seg]) -> Result<Node> {
        let parts = pieces(s).map_err(|m| Error::Interpolation {
            location: raw.origin.location(),
            expression: s.to_string(),
            message: m,
            hint: "close every ${ with }".into(),
        })?;
        if let [Piece::Interp(inner)] = parts.as_slice() {
            let mut node = self.eval_interp(inner, raw, path)?;
            node.origin = raw.origin.clone();
            return Ok(node);
        }
        let mut text = String::new();
        let mut refs = Vec::new();
        for part in parts {
            match part {
                Piece::Text(t) => text.push_str(&t),
                Piece::Interp(inner) => {
                    let node = self.eval_interp(&inner, raw, path)?;
                    text.push_str(&node.value.python_str());
                    refs.extend(node.refs);
                }
            }
            if text.len() + NODE_WEIGHT * refs.len() > MAX_INTERPOLATED_SIZE {
                return Err(self.too_large(raw, "string"));
            }
        }
        self.charge(text.len() + NODE_WEIGHT * refs.len(), raw)?;
        Ok(Node {
            value: Value::Str(text),
            origin: raw.origin.clone(),
            refs,
        })
    }

    /// Interpolates text that may hold `${...}` (a quoted argument or a key with nested interpolation).
    fn interpolate_text(
        &mut self,
        s: &str,
        raw: &Node,
        path: &[Seg],
    ) -> Result<(String, Vec<Reference>)> {
        if !has_interpolation(s) {
            return Ok((s.to_string(), Vec::new()));
        }
        let node = self.eval_string(s, raw, path)?;
        Ok((node.value.python_str(), node.refs))
    }

    /// A runtime parameter or environment variable that is not given: an error, or, with
    /// [`Ctx::defer_unset`], the expression itself, marked [`UNRESOLVED`].
    fn unset(
        &mut self,
        raw: &Node,
        inner: &str,
        key: &str,
        message: String,
        hint: String,
    ) -> Result<Node> {
        if !self.ctx.defer_unset {
            return Err(self.err(raw, inner, message, &hint));
        }
        let expression = format!("${{{inner}}}");
        self.unresolved.push(Unresolved {
            location: raw.origin.location(),
            expression: expression.clone(),
            message,
            hint,
        });
        Ok(Node {
            value: Value::Str(expression),
            origin: raw.origin.clone(),
            refs: vec![Reference {
                kind: UNRESOLVED.into(),
                key: key.to_string(),
                origin: None,
            }],
        })
    }

    fn err(&self, raw: &Node, inner: &str, message: String, hint: &str) -> Error {
        Error::Interpolation {
            location: raw.origin.location(),
            expression: format!("${{{inner}}}"),
            message,
            hint: hint.to_string(),
        }
    }

    fn eval_interp(&mut self, inner: &str, raw: &Node, path: &[Seg]) -> Result<Node> {
        let node = self.eval_interp_inner(inner, raw, path)?;
        self.charge(weight(&node, MAX_INTERPOLATED_SIZE), raw)?;
        Ok(node)
    }

    fn eval_interp_inner(&mut self, inner: &str, raw: &Node, path: &[Seg]) -> Result<Node> {
        if let Some((name, args)) = resolver_name(inner) {
            return self.eval_resolver(name, args, inner, raw, path);
        }
        let (key, refs) = self.interpolate_text(inner, raw, path)?;
        let (dots, segs) = parse_key_path(&key);
        if segs.is_empty() {
            return Err(self.err(
                raw,
                inner,
                "empty key".into(),
                "write ${a.b} with a key path",
            ));
        }
        let base: Vec<Seg> = if dots == 0 {
            Vec::new()
        } else {
            let keep = path.len().checked_sub(dots).ok_or_else(|| {
                self.err(
                    raw,
                    inner,
                    "the relative key goes above the root of the config".into(),
                    "use fewer leading dots",
                )
            })?;
            path[..keep].to_vec()
        };
        let mut full = base;
        full.extend(segs);
        let target = self.lookup(&full, raw, inner)?;
        let mut node = target.clone();
        let mut all = vec![Reference {
            kind: "key".into(),
            key: seg_text(&full),
            origin: Some(target.origin.location()),
        }];
        all.extend(refs);
        all.extend(target.refs);
        node.refs = all;
        Ok(node)
    }

    /// The resolved node at an absolute path, resolving interpolations met on the way.
    fn lookup(&mut self, full: &[Seg], raw: &Node, inner: &str) -> Result<Node> {
        let missing = |this: &Self| {
            this.err(
                raw,
                inner,
                format!("interpolation key '{}' not found", seg_text(full)),
                &format!(
                    "define '{}' in the same environment of {}, or use ${{globals:...}} for shared values",
                    seg_text(full),
                    this.ctx.key
                ),
            )
        };
        // Walk the raw tree as long as nodes are plain containers.
        let mut i = 0;
        while i < full.len() {
            let here = &full[..i];
            let node = self.raw_at(here).ok_or_else(|| missing(self))?;
            if matches!(&node.value, Value::Str(s) if has_interpolation(s)) {
                break;
            }
            if child(node, &full[i]).is_none() {
                return Err(missing(self));
            }
            i += 1;
        }
        let prefix = &full[..i];
        let raw_node = self.raw_at(prefix).ok_or_else(|| missing(self))?.clone();
        let mut cur = self.resolve_at(prefix, &raw_node)?;
        for seg in &full[i..] {
            cur = child(&cur, seg).cloned().ok_or_else(|| missing(self))?;
        }
        Ok(cur)
    }

    /// A custom resolver of `settings.py`: evaluated when kdvc can read it, else a located refusal
    /// naming it.
    fn eval_custom(
        &mut self,
        resolver: &crate::settings::resolvers::CustomResolver,
        arg_list: &[String],
        expression: &str,
        raw: &Node,
        path: &[Seg],
    ) -> Result<Node> {
        let mut args = Vec::with_capacity(arg_list.len());
        let mut refs = Vec::new();
        for a in arg_list {
            let node = self.eval_arg(a, raw, path)?;
            refs.extend(node.refs.iter().cloned());
            args.push(node.value);
        }
        if refs.iter().any(|r| r.kind == UNRESOLVED) {
            // An argument is left aside (a runtime parameter not given): so is the result.
            return Ok(Node {
                value: Value::Str(expression.to_string()),
                origin: raw.origin.clone(),
                refs,
            });
        }
        match resolver.call(&args) {
            Ok(value) => {
                let mut node = Node::new(value, raw.origin.clone());
                set_origin_deep(&mut node, &raw.origin);
                // The value is defined where the resolver is used: a parameter's sources are the
                // configuration values its arguments read (below), not settings.py.
                node.refs = vec![Reference {
                    kind: "custom_resolver".into(),
                    key: resolver.name.clone(),
                    origin: None,
                }];
                node.refs.extend(refs);
                Ok(node)
            }
            Err(why) => Err(Error::UnsupportedResolver {
                location: raw.origin.location(),
                resolver: resolver.name.clone(),
                expression: expression.to_string(),
                hint: format!(
                    "kdvc evaluates the custom resolver '{}' ({}) without running Python and cannot here: \
                     {why}; use a plain value, ${{globals:...}}, or a resolver made of arithmetic, string and \
                     dict operations",
                    resolver.name, resolver.location
                ),
            }),
        }
    }

    fn eval_arg(&mut self, arg: &str, raw: &Node, path: &[Seg]) -> Result<Node> {
        self.nested(raw, |this| this.eval_arg_inner(arg, raw, path))
    }

    fn eval_arg_inner(&mut self, arg: &str, raw: &Node, path: &[Seg]) -> Result<Node> {
        let t = arg.trim();
        if let Some(q) = unquote(t) {
            let (text, refs) = self.interpolate_text(&q, raw, path)?;
            return Ok(Node {
                value: Value::Str(text),
                origin: raw.origin.clone(),
                refs,
            });
        }
        // OmegaConf's grammar: `[a, b]` and `{k: v}` are a list and a dict whose elements are arguments
        // themselves.
        if let Some(inner) = t.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
            let mut items = Vec::new();
            if !inner.trim().is_empty() {
                for item in split_args(inner) {
                    items.push(self.eval_arg(&item, raw, path)?);
                }
            }
            return Ok(Node::new(Value::List(items), raw.origin.clone()));
        }
        if let Some(inner) = t.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            let mut map = Map::new();
            if !inner.trim().is_empty() {
                for item in split_args(inner) {
                    let Some((key, value)) = item.split_once(':') else {
                        return Err(self.err(
                            raw,
                            arg,
                            format!("the dict element '{}' has no `key: value`", item.trim()),
                            "write a dict argument as {key: value, ...}",
                        ));
                    };
                    let value = self.eval_arg(value, raw, path)?;
                    map.insert(key.trim().to_string(), value);
                }
            }
            return Ok(Node::new(Value::Map(map), raw.origin.clone()));
        }
        if has_interpolation(t) {
            return self.eval_string(t, raw, path);
        }
        Ok(Node::new(primitive(t), raw.origin.clone()))
    }

    fn eval_resolver(
        &mut self,
        name: &str,
        args: &str,
        inner: &str,
        raw: &Node,
        path: &[Seg],
    ) -> Result<Node> {
        let expression = format!("${{{inner}}}");
        let unsupported = |hint: &str| Error::UnsupportedResolver {
            location: raw.origin.location(),
            resolver: name.to_string(),
            expression: expression.clone(),
            hint: hint.to_string(),
        };
        let arg_list: Vec<String> = if args.trim().is_empty() {
            Vec::new()
        } else {
            split_args(args)
        };
        let custom = self.ctx.custom_resolvers.get(name);
        match name {
            "globals" | "runtime_params" | "oc.select" | "oc.env" => {}
            _ if custom.is_some() => {
                let resolver = custom.expect("checked");
                return self.eval_custom(resolver, &arg_list, &expression, raw, path);
            }
            "oc.decode" | "oc.create" | "oc.deprecated" | "oc.dict.keys" | "oc.dict.values" => {
                return Err(unsupported(
                    "this OmegaConf resolver is not modelled by kdvc; use a plain value or ${a.b}",
                ));
            }
            _ => {
                return Err(unsupported(
                    "Kedro registers only globals, runtime_params, the oc.* resolvers and the project's custom \
                     resolvers",
                ));
            }
        }
        // A project that registers OmegaConf's `oc.env` itself may use it everywhere.
        let env_registered =
            custom.is_some_and(|r| r.kind == crate::settings::resolvers::ResolverKind::Env);
        if name == "oc.env" && self.ctx.key != "credentials" && !env_registered {
            return Err(unsupported(
                "Kedro allows ${oc.env:...} only in credentials files; move the value to credentials.yml",
            ));
        }
        if name == "runtime_params" && self.ctx.key == "globals" {
            return Err(unsupported(
                "The `runtime_params:` resolver is not supported for globals.",
            ));
        }
        if arg_list.is_empty() || arg_list.len() > 2 {
            return Err(self.err(
                raw,
                inner,
                format!(
                    "resolver '{name}' takes a key and an optional default, got {} arguments",
                    arg_list.len()
                ),
                &format!("write ${{{name}:key}} or ${{{name}:key, default}}"),
            ));
        }
        let key_node = self.eval_arg(&arg_list[0], raw, path)?;
        let key = key_node.value.python_str();
        let default = match arg_list.get(1) {
            Some(a) => Some(self.eval_arg(a, raw, path)?),
            None => None,
        };
        let with_default = |default: Option<Node>, kind: &str, key: &str| -> Option<Node> {
            default.map(|mut d| {
                d.refs.insert(
                    0,
                    Reference {
                        kind: kind.into(),
                        key: key.into(),
                        origin: None,
                    },
                );
                d
            })
        };
        let found = |n: &Node, kind: &str, key: &str| -> Node {
            let mut node = n.clone();
            let mut refs = vec![Reference {
                kind: kind.into(),
                key: key.into(),
                origin: if n.origin.is_runtime() {
                    None
                } else {
                    Some(n.origin.location())
                },
            }];
            refs.extend(n.refs.iter().cloned());
            node.refs = refs;
            node
        };
        match name {
            "globals" => {
                if key.starts_with('_') {
                    return Err(self.err(
                        raw,
                        inner,
                        "Keys starting with '_' are not supported for globals.".into(),
                        "rename the globals key so it does not start with '_'",
                    ));
                }
                let Some(globals) = self.ctx.globals else {
                    return Err(unsupported(
                        "globals.yml cannot use ${globals:...} itself; use ${key} instead",
                    ));
                };
                match select(globals, &key) {
                    Some(n) => Ok(found(n, "globals", &key)),
                    None => with_default(default, "globals", &key).ok_or_else(|| {
                        self.err(
                            raw,
                            inner,
                            format!("Globals key '{key}' not found and no default value provided."),
                            &format!("define '{key}' in conf/<env>/globals.yml or give a default"),
                        )
                    }),
                }
            }
            "runtime_params" => match select(self.ctx.runtime, &key) {
                Some(n) => Ok(found(n, "runtime_params", &key)),
                None => match with_default(default, "runtime_params", &key) {
                    Some(n) => Ok(n),
                    None => self.unset(
                        raw,
                        inner,
                        &key,
                        format!(
                            "Runtime parameter '{key}' not found and no default value provided."
                        ),
                        format!("pass --params {key}=VALUE or give a default"),
                    ),
                },
            },
            "oc.env" => match (self.ctx.environ)(&key) {
                Some(v) => Ok(Node {
                    value: Value::Str(v),
                    origin: raw.origin.clone(),
                    refs: vec![Reference {
                        kind: "oc.env".into(),
                        key: key.clone(),
                        origin: None,
                    }],
                }),
                None => match default {
                    Some(d) => Ok(Node {
                        value: match d.value {
                            Value::Null => Value::Null,
                            other => Value::Str(other.python_str()),
                        },
                        origin: raw.origin.clone(),
                        refs: Vec::new(),
                    }),
                    None => self.unset(
                        raw,
                        inner,
                        &key,
                        format!("Environment variable '{key}' not found"),
                        format!("set {key} or give a default"),
                    ),
                },
            },
            _ => {
                // oc.select: relative to the node's container when the key starts with '.'.
                let (dots, segs) = parse_key_path(&key);
                let full = if dots == 0 {
                    segs
                } else {
                    let keep = path.len().saturating_sub(dots);
                    let mut f = path[..keep].to_vec();
                    f.extend(segs);
                    f
                };
                match self.lookup(&full, raw, inner) {
                    Ok(n) => Ok(found(&n, "oc.select", &seg_text(&full))),
                    Err(Error::Interpolation { .. }) if default.is_some() => {
                        Ok(with_default(default, "oc.select", &key).unwrap_or_else(|| raw.clone()))
                    }
                    Err(Error::Interpolation { .. }) => {
                        Ok(Node::new(Value::Null, raw.origin.clone()))
                    }
                    Err(e) => Err(e),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn resolve(yaml: &str, key: &str, globals: Option<&Map>) -> Result<serde_json::Value> {
        let root = crate::yaml::parse_mapping(yaml, Path::new("c.yml"))?;
        let runtime = Map::new();
        let env = |_: &str| Some("from-env".to_string());
        let ctx = Ctx {
            key,
            globals,
            runtime: &runtime,
            custom_resolvers: &crate::settings::Settings::parse(
                "CONFIG_LOADER_ARGS = {\"custom_resolvers\": {\"myres\": np.max}}\n",
                Path::new("settings.py"),
            )
            .custom_resolver_defs,
            environ: &env,
            defer_unset: false,
        };
        Ok(resolve_tree(&root, &ctx)?.0.to_json())
    }

    #[test]
    fn node_and_string_interpolation() {
        let v = resolve(
            "a: {b: 2, c: '${.b}', l: [1, '${a.b}']}\nd: ${a}\ne: x-${a.b}-${a.l}\nf: ${a.l[0]}\ng: '\\${a.b}'\n\
             h: ${oc.select:a.zz, 7}\ni: ${oc.select:a.b}\n",
            "parameters",
            None,
        )
        .unwrap();
        assert_eq!(
            v,
            serde_json::json!({"a": {"b": 2, "c": 2, "l": [1, 2]}, "d": {"b": 2, "c": 2, "l": [1, 2]},
                "e": "x-2-[1, 2]", "f": 1, "g": "${a.b}", "h": 7, "i": 2})
        );
    }

    #[test]
    fn globals_and_errors() {
        let g = crate::yaml::parse_mapping("seed: 3\nn: {x: a}\n", Path::new("g.yml")).unwrap();
        let gm = g.as_map().unwrap().clone();
        let v = resolve(
            "a: ${globals:seed}\nb: ${globals:n.x}\nc: ${globals:zz, 'd'}\n",
            "catalog",
            Some(&gm),
        )
        .unwrap();
        assert_eq!(v, serde_json::json!({"a": 3, "b": "a", "c": "d"}));
        assert!(matches!(
            resolve("a: ${b}\nb: ${a}\n", "catalog", None),
            Err(Error::CircularInterpolation { .. })
        ));
        assert!(matches!(
            resolve("a: ${nope}\n", "catalog", None),
            Err(Error::Interpolation { .. })
        ));
        assert!(matches!(
            resolve("a: ${oc.env:HOME}\n", "catalog", None),
            Err(Error::UnsupportedResolver { .. })
        ));
        assert_eq!(
            resolve("a: ${oc.env:HOME}\n", "credentials", None).unwrap()["a"],
            "from-env"
        );
        assert!(matches!(
            resolve("a: ${myres:1}\n", "catalog", None),
            Err(Error::UnsupportedResolver { .. })
        ));
    }

    fn chain(links: usize, reversed: bool) -> String {
        let mut lines = vec!["k0: 1".to_string()];
        lines.extend((1..=links).map(|i| format!("k{i}: ${{k{}}}", i - 1)));
        if reversed {
            lines.reverse();
        }
        lines.join("\n") + "\n"
    }

    fn limit_line(r: Result<serde_json::Value>) -> usize {
        match r {
            Err(Error::LimitExceeded { location, .. }) => location.line,
            other => panic!("expected a limit error, got {other:?}"),
        }
    }

    #[test]
    fn chains_up_to_the_depth_limit_resolve() {
        for reversed in [false, true] {
            let v = resolve(
                &chain(MAX_INTERPOLATION_DEPTH, reversed),
                "parameters",
                None,
            )
            .unwrap();
            assert_eq!(v[format!("k{MAX_INTERPOLATION_DEPTH}")], 1);
        }
    }

    #[test]
    fn a_chain_beyond_the_limit_stops_at_its_first_link_too_far() {
        let n = MAX_INTERPOLATION_DEPTH + 1;
        // In source order the memo would make every link cheap; the chain length is still counted.
        assert_eq!(
            limit_line(resolve(&chain(4000, false), "parameters", None)),
            n + 1
        );
        // Reversed, the first key recurses through the chain.
        assert_eq!(
            limit_line(resolve(&chain(4000, true), "parameters", None)),
            n
        );
    }

    #[test]
    fn mappings_nested_to_the_yaml_limit_resolve() {
        let n = 250;
        let yaml = format!("a: {}'${{b}}'{}\nb: 1\n", "{x: ".repeat(n), "}".repeat(n));
        let v = resolve(&yaml, "parameters", None).unwrap();
        let mut cur = &v["a"];
        for _ in 0..n {
            cur = &cur["x"];
        }
        assert_eq!(cur, 1);
    }

    #[test]
    fn deeply_nested_interpolation_is_a_limit_error() {
        let n = 3900;
        let yaml = format!("a: 1\nb: {}{}\n", "${a".repeat(n), "}".repeat(n));
        for key in ["parameters", "catalog", "credentials"] {
            assert_eq!(limit_line(resolve(&yaml, key, None)), 2);
        }
        let args = format!("a: ${{oc.select:zz, {}{}}}\n", "[".repeat(n), "]".repeat(n));
        assert_eq!(limit_line(resolve(&args, "parameters", None)), 1);
    }

    #[test]
    fn exponential_growth_is_a_limit_error() {
        let mut lines = vec!["b0: aaaaaaaaaa".to_string()];
        lines.extend((1..=9).map(|i| format!("b{i}: {}", format!("${{b{}}}", i - 1).repeat(10))));
        let line = limit_line(resolve(&(lines.join("\n") + "\n"), "parameters", None));
        assert!((5..=8).contains(&line), "{line}");
        let mut lines = vec!["c0: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]".to_string()];
        lines.extend((1..=9).map(|i| {
            format!(
                "c{i}: [{}]",
                vec![format!("'${{c{}}}'", i - 1); 10].join(", ")
            )
        }));
        limit_line(resolve(&(lines.join("\n") + "\n"), "parameters", None));
    }
}
