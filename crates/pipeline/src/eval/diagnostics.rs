//! Diagnostics: what the evaluator cannot decide, or what Kedro rejects, at the expression's place.

use kdvc_kedro_model::pipeline::PipelineError;
use kdvc_python::Module;
use tree_sitter::Node as TsNode;

use super::{Evaluator, HINT, KEDRO_HINT, R, Stop};
use crate::{Diagnostic, Severity, span};

impl<'a> Evaluator<'a> {
    pub(super) fn diag(
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

    pub(super) fn fail<T>(&self, m: &Module, n: TsNode<'_>, message: impl Into<String>) -> R<T> {
        Err(Stop::Diags(vec![self.diag(m, n, message, HINT)]))
    }

    pub(super) fn kedro_fail<T>(&self, m: &Module, n: TsNode<'_>, e: &PipelineError) -> R<T> {
        Err(Stop::Diags(vec![self.diag(
            m,
            n,
            format!("Kedro would reject this: {e}"),
            KEDRO_HINT,
        )]))
    }
}
