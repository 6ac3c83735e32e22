//! Everything this crate takes from the Python readers (pipeline extraction, introspection and code
//! fingerprints), in one place.
//!
//! The types other crates need to name (in [`crate::Error`], [`crate::Warning`] and the reports) are
//! re-exported here.

pub use kdvc_fingerprint::{
    ClosureChange, Error as FingerprintError, ExternalRecord, Fingerprint, SymbolRecord,
    Warning as CodeWarning,
};
pub use kdvc_pipeline::introspect::IntrospectError;
pub use kdvc_pipeline::{Diagnostic, ExtractError, Severity};

pub(crate) use kdvc_fingerprint::{FsSource, GitTreeSource, SourceProvider};

use std::path::Path;

use kdvc_kedro_model::Project;
use kdvc_kedro_model::pipeline::Registry;

/// Reads the pipelines of `project` statically: the registry when no diagnostic is an error, with every
/// diagnostic shown relative to the project root.
pub(crate) fn extract_static(
    project: &Project,
) -> Result<(Option<Registry>, Vec<Diagnostic>), ExtractError> {
    let layout = kdvc_pipeline::ProjectLayout::from(project);
    let extraction = kdvc_pipeline::extract_pipelines(&layout)?;
    let diagnostics = extraction
        .diagnostics
        .into_iter()
        .map(|d| d.relative_to(&project.root))
        .collect();
    Ok((extraction.registry, diagnostics))
}

/// Asks Kedro itself for the pipelines, running `python` (else the project's `.venv`/`venv`, else
/// `python3`) with `KEDRO_ENV` set to `env` when given.
pub(crate) fn introspect(
    root: &Path,
    python: Option<&Path>,
    env: Option<&str>,
) -> Result<Registry, IntrospectError> {
    kdvc_pipeline::introspect::introspect_pipelines(root, python, env)
}
