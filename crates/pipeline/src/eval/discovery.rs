//! `find_pipelines()`: Kedro's discovery of `pipelines/<name>` packages and their `create_pipeline()`.

use std::rc::Rc;

use kdvc_kedro_model::pipeline::Pipeline;
use kdvc_python::Module;
use tree_sitter::Node as TsNode;

use super::{Evaluator, KEDRO_HINT, R, Stop, tree_root};
use crate::value::Value;
use crate::{Diagnostic, Severity};

impl<'a> Evaluator<'a> {
    pub(super) fn find_pipelines(
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
    pub(super) fn discover_one(
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
}
