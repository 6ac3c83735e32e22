//! Non-fatal findings of a session: what a command shows as `warning: ...` while it goes on.

use std::fmt;

use crate::Error;
use crate::code::{CodeWarning, Diagnostic};

/// Something worth knowing that did not stop the operation. Collected by the session; see
/// [`crate::Session::take_warnings`].
#[derive(Debug)]
#[non_exhaustive]
pub enum Warning {
    /// The static pipeline reader decided something with a caveat (file relative to the project root).
    Pipeline(Diagnostic),
    /// The static reader refused this construct, so the pipelines were read by Kedro itself
    /// (`introspect = "auto"`; file relative to the project root).
    Introspected(Diagnostic),
    /// The static reader refused a construct and Kedro could not be asked either (`introspect = "auto"`).
    IntrospectionFailed(Box<Error>),
    /// The pipelines could not be read, so the catalog listing holds the explicit entries only.
    CatalogWithoutPipelines(Box<Error>),
    /// A fallback widened some node's code closure.
    Fingerprint(CodeWarning),
    /// The project was made with Kedro 0.x (`kedro_init_version`, as written): it is read with Kedro 0.19's
    /// rules where they differ from 1.x.
    KedroVersion(String),
    /// The catalog or the credentials leave something unresolved that no dataset location depends on
    /// (file relative to the project root); `kedro run` needs it, stage planning does not.
    Config(kdvc_kedro_model::Deferred),
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Pipeline(d) => write!(f, "{d}"),
            Self::Introspected(d) => write!(
                f,
                "{}:{}:{}: {}; read the pipelines through Kedro instead (introspect = \"auto\")",
                d.file.display(),
                d.line,
                d.col,
                d.message
            ),
            Self::IntrospectionFailed(err) => {
                // Kedro's traceback is long; its first line says what was run, its last one what failed.
                let text = err.chain_text();
                let mut lines = text.lines().map(str::trim_end).filter(|l| !l.is_empty());
                let first = lines.next().unwrap_or_default();
                match lines.next_back() {
                    Some(last) => {
                        write!(f, "the static reader's refusal stands: {first} ... {last}")
                    }
                    None => write!(f, "the static reader's refusal stands: {first}"),
                }
            }
            Self::CatalogWithoutPipelines(err) => write!(
                f,
                "listing the explicit catalog entries only: {}",
                err.chain_text()
            ),
            Self::Config(d) => write!(f, "{}: {}", d.location, d.message),
            Self::KedroVersion(version) => write!(
                f,
                "pyproject.toml: kedro_init_version = \"{version}\": kdvc reads this project with Kedro 0.19's \
                 rules where they differ from 1.x (automatic node names `f([a;b]) -> [c]`, \
                 `kedro.pipeline.modular_pipeline.pipeline(pipe=...)`) and its configuration with the rules of \
                 Kedro 0.19.9 and later (duplicate parameters compared by leaf key, at most one catch-all \
                 pattern); stages of a pipeline other than __default__ run `kedro run --pipelines`, which needs \
                 Kedro 1.2 or later"
            ),
            Self::Fingerprint(w) => write!(
                f,
                "{}: {}",
                w.file.as_deref().unwrap_or(&w.module),
                w.message
            ),
        }
    }
}
