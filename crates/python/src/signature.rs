//! Python function signatures, and `inspect.signature(...).bind(...)` as Kedro uses it.

use tree_sitter::Node;

use crate::grammar::fields;
use crate::syntax::{NodeExt, named_kids, node_text};

/// The kind of a parameter, as `inspect.Parameter.kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamKind {
    /// Before `/`.
    PositionalOnly,
    /// A normal parameter.
    PositionalOrKeyword,
    /// `*args`.
    VarPositional,
    /// After `*` or `*args`.
    KeywordOnly,
    /// `**kwargs`.
    VarKeyword,
}

/// One parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Param {
    /// Its name.
    pub name: String,
    /// Its kind.
    pub kind: ParamKind,
    /// Whether it has a default value.
    pub has_default: bool,
}

/// A function's parameter list.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Signature {
    /// Parameters in definition order.
    pub params: Vec<Param>,
}

impl Signature {
    /// Reads a `parameters` or `lambda_parameters` node. Returns the signature and, per parameter, its default
    /// value expression.
    pub fn from_node<'t>(src: &str, params: Option<Node<'t>>) -> (Self, Vec<Option<Node<'t>>>) {
        let mut out = Vec::new();
        let mut defaults = Vec::new();
        let Some(params) = params else {
            return (Self::default(), defaults);
        };
        let mut kw_only = false;
        for p in named_kids(params) {
            let (name, kind, default) = match p.kind_str() {
                "identifier" => (node_text(src, p).to_owned(), None, None),
                "typed_parameter" => {
                    let inner = p.named_child(0);
                    match inner.map(|n| n.kind_str()) {
                        Some("list_splat_pattern") => {
                            kw_only = true;
                            (splat_name(src, inner), Some(ParamKind::VarPositional), None)
                        }
                        Some("dictionary_splat_pattern") => {
                            (splat_name(src, inner), Some(ParamKind::VarKeyword), None)
                        }
                        _ => (
                            inner
                                .map(|n| node_text(src, n).to_owned())
                                .unwrap_or_default(),
                            None,
                            None,
                        ),
                    }
                }
                "default_parameter" | "typed_default_parameter" => (
                    p.field(fields().name)
                        .map(|n| node_text(src, n).to_owned())
                        .unwrap_or_default(),
                    None,
                    p.field(fields().value),
                ),
                "list_splat_pattern" => {
                    kw_only = true;
                    (
                        splat_name(src, Some(p)),
                        Some(ParamKind::VarPositional),
                        None,
                    )
                }
                "dictionary_splat_pattern" => {
                    (splat_name(src, Some(p)), Some(ParamKind::VarKeyword), None)
                }
                "keyword_separator" => {
                    kw_only = true;
                    continue;
                }
                "positional_separator" => {
                    for q in &mut out {
                        let q: &mut Param = q;
                        if q.kind == ParamKind::PositionalOrKeyword {
                            q.kind = ParamKind::PositionalOnly;
                        }
                    }
                    continue;
                }
                _ => continue,
            };
            let kind = kind.unwrap_or(if kw_only {
                ParamKind::KeywordOnly
            } else {
                ParamKind::PositionalOrKeyword
            });
            out.push(Param {
                name,
                kind,
                has_default: default.is_some(),
            });
            defaults.push(default);
        }
        (Self { params: out }, defaults)
    }

    /// `inspect.signature(partial(f, *args, **kwargs))`: `positional` leading arguments and the `keywords`
    /// bound. `Err` when the partial's own arguments do not fit.
    pub fn partial(&self, positional: usize, keywords: &[String]) -> Result<Self, String> {
        self.bind(positional, keywords, true)?;
        let mut params = self.params.clone();
        // Remove positionally bound parameters.
        let mut left = positional;
        params.retain(|p| {
            if left > 0
                && matches!(
                    p.kind,
                    ParamKind::PositionalOnly | ParamKind::PositionalOrKeyword
                )
            {
                left -= 1;
                false
            } else {
                true
            }
        });
        let mut out: Vec<Param> = Vec::new();
        let mut moved: Vec<Param> = Vec::new();
        let mut to_kw = false;
        for mut p in params {
            let bound = keywords.contains(&p.name);
            if bound && p.kind == ParamKind::PositionalOrKeyword {
                to_kw = true;
            }
            if bound {
                p.has_default = true;
            }
            if to_kw {
                match p.kind {
                    ParamKind::PositionalOrKeyword => {
                        p.kind = ParamKind::KeywordOnly;
                        moved.push(p);
                    }
                    ParamKind::KeywordOnly | ParamKind::VarKeyword => moved.push(p),
                    ParamKind::VarPositional => {}
                    ParamKind::PositionalOnly => out.push(p),
                }
            } else {
                out.push(p);
            }
        }
        out.extend(moved);
        Ok(Self { params: out })
    }

    /// `signature.bind(*positional, **keywords)` (or `bind_partial`): `Ok` with the bound parameter names in
    /// the order `BoundArguments.args + kwargs` gives them (`**kwargs` extras in call order), or Python's
    /// `TypeError` text.
    pub fn bind(
        &self,
        positional: usize,
        keywords: &[String],
        partial: bool,
    ) -> Result<Vec<String>, String> {
        let mut bound: Vec<(usize, Vec<String>)> = Vec::new();
        let mut left = positional;
        let mut var_kw: Option<usize> = None;
        for (i, p) in self.params.iter().enumerate() {
            match p.kind {
                ParamKind::PositionalOnly | ParamKind::PositionalOrKeyword if left > 0 => {
                    left -= 1;
                    if keywords.contains(&p.name) && p.kind == ParamKind::PositionalOrKeyword {
                        return Err(format!("multiple values for argument '{}'", p.name));
                    }
                    bound.push((i, vec![p.name.clone()]));
                }
                ParamKind::VarPositional if left > 0 => {
                    left = 0;
                    bound.push((i, vec![p.name.clone()]));
                }
                ParamKind::VarKeyword => var_kw = Some(i),
                ParamKind::VarPositional => {}
                ParamKind::PositionalOnly => {
                    if !p.has_default && !partial {
                        return Err(format!("missing a required argument: '{}'", p.name));
                    }
                }
                ParamKind::PositionalOrKeyword | ParamKind::KeywordOnly => {
                    if keywords.contains(&p.name) {
                        bound.push((i, vec![p.name.clone()]));
                    } else if !p.has_default && !partial {
                        return Err(format!("missing a required argument: '{}'", p.name));
                    }
                }
            }
        }
        if left > 0 {
            return Err("too many positional arguments".into());
        }
        let named: Vec<&str> = self
            .params
            .iter()
            .filter(|p| {
                matches!(
                    p.kind,
                    ParamKind::PositionalOrKeyword | ParamKind::KeywordOnly
                )
            })
            .map(|p| p.name.as_str())
            .collect();
        let extras: Vec<String> = keywords
            .iter()
            .filter(|k| !named.contains(&k.as_str()))
            .cloned()
            .collect();
        if !extras.is_empty() {
            match var_kw {
                Some(i) => bound.push((i, extras)),
                None => {
                    return Err(format!(
                        "got an unexpected keyword argument '{}'",
                        extras[0]
                    ));
                }
            }
        }
        bound.sort_by_key(|(i, _)| *i);
        Ok(bound.into_iter().flat_map(|(_, names)| names).collect())
    }
}

fn splat_name(src: &str, node: Option<Node<'_>>) -> String {
    node.and_then(|n| n.named_child(0))
        .map(|n| node_text(src, n).to_owned())
        .unwrap_or_default()
}
