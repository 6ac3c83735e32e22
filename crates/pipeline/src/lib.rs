//! # kdvc-pipeline
//!
//! Reads a Kedro project's pipelines into `kdvc-kedro-model`'s [`Registry`]. The entry point is
//! [`extract_pipelines`]: static extraction, `register_pipelines()` and every `create_pipeline()` evaluated
//! symbolically, without Python. [`introspect::introspect_pipelines`] (`kdvc --introspect`) asks the
//! project's own Kedro instead.
//!
//! The evaluator covers the Python that pipeline code is written in (see [`extract_pipelines`]). Whatever it
//! cannot decide becomes a [`Diagnostic`] at the file, line and column of the expression, and the registry is
//! then withheld: a partial answer could be a wrong one.
//!
//! ```
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use kdvc_pipeline::{ProjectLayout, extract_pipelines};
//!
//! let root = tempfile::tempdir()?;
//! let pkg = root.path().join("src/shop");
//! std::fs::create_dir_all(&pkg)?;
//! std::fs::write(pkg.join("__init__.py"), "")?;
//! std::fs::write(pkg.join("nodes.py"), "def clean(raw):\n    return raw\n")?;
//! std::fs::write(
//!     pkg.join("pipeline_registry.py"),
//!     "from kedro.pipeline import node, pipeline\n\
//!      from .nodes import clean\n\
//!      \n\
//!      def register_pipelines():\n\
//!      \x20   p = pipeline([node(clean, \"raw\", \"clean\", name=\"clean\")])\n\
//!      \x20   return {\"__default__\": p}\n",
//! )?;
//! let layout = ProjectLayout {
//!     root: root.path().to_owned(),
//!     package_name: "shop".into(),
//!     source_dir: "src".into(),
//!     kedro_init_version: "1.0.0".into(),
//! };
//! let registry = extract_pipelines(&layout)?.into_result().expect("no diagnostics");
//! let node = &registry.get("__default__").expect("registered").nodes()[0];
//! assert_eq!((node.name.as_str(), node.inputs.as_slice()), ("clean", ["raw".to_owned()].as_slice()));
//! # Ok(())
//! # }
//! ```
//!
//! What it leaves out: running the pipelines, and datasets (see `kdvc-kedro-model`'s catalog).

use std::path::{Path, PathBuf};

use kdvc_kedro_model::pipeline::{NameStyle, Registry, SourceSpan};
use kdvc_python::{ModuleTable, ParseError, line_col};
use serde::Serialize;

mod eval;
#[doc(hidden)]
pub mod fuzz;
pub mod introspect;
mod value;

/// Where a project's Python lives and which Kedro naming rules apply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectLayout {
    /// Project root (holds `pyproject.toml`).
    pub root: PathBuf,
    /// `[tool.kedro] package_name`.
    pub package_name: String,
    /// `[tool.kedro] source_dir`, relative to the root (default `src`).
    pub source_dir: PathBuf,
    /// `[tool.kedro] kedro_init_version` (`0.19.x` selects Kedro 0.19's node names).
    pub kedro_init_version: String,
}

impl ProjectLayout {
    /// The directory put on `sys.path` (`<root>/<source_dir>`).
    pub fn source_root(&self) -> PathBuf {
        self.root.join(&self.source_dir)
    }

    /// The naming rules for this project's Kedro version.
    pub fn name_style(&self) -> NameStyle {
        NameStyle::for_init_version(&self.kedro_init_version)
    }
}

impl From<&kdvc_kedro_model::Project> for ProjectLayout {
    fn from(p: &kdvc_kedro_model::Project) -> Self {
        Self {
            root: p.root.clone(),
            package_name: p.metadata.package_name.clone(),
            source_dir: p.metadata.source_dir.clone(),
            kedro_init_version: p.metadata.kedro_init_version.clone(),
        }
    }
}

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// The evaluator could not decide something; no registry is returned.
    Error,
    /// Worth knowing; the result stands.
    Warning,
}

/// Something the static reader could not decide (or that Kedro itself would reject), with its place.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// The Python file.
    pub file: PathBuf,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub col: usize,
    /// What could not be evaluated, and why.
    pub message: String,
    /// What to do about it.
    pub hint: String,
}

impl std::fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let sev = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(
            f,
            "{}:{}:{}: {sev}: {}\n  hint: {}",
            self.file.display(),
            self.line,
            self.col,
            self.message,
            self.hint
        )
    }
}

impl Diagnostic {
    /// This diagnostic with its file shown relative to `root` (for stable output).
    pub fn relative_to(mut self, root: &Path) -> Self {
        if let Ok(rel) = self.file.strip_prefix(root) {
            self.file = rel.to_owned();
        }
        self
    }
}

/// The result of static extraction.
#[derive(Debug, Clone, Serialize)]
pub struct Extraction {
    /// The registry, when everything could be decided (no error diagnostics).
    pub registry: Option<Registry>,
    /// What could not be decided, and warnings.
    pub diagnostics: Vec<Diagnostic>,
}

impl Extraction {
    /// The registry, or the error diagnostics.
    pub fn into_result(self) -> Result<Registry, Vec<Diagnostic>> {
        match self.registry {
            Some(r) => Ok(r),
            None => Err(self.diagnostics),
        }
    }
}

/// Why extraction could not even start.
#[derive(Debug, thiserror::Error)]
pub enum ExtractError {
    /// A file could not be read.
    #[error("cannot read the project's Python under {}: {source}", dir.display())]
    Io {
        /// The directory being read.
        dir: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A Python file Kedro would import has a syntax error.
    #[error("{0}\n  hint: fix the syntax error; Kedro could not import this file either")]
    Parse(#[from] ParseError),
    /// Reading the pipelines hit one of the evaluator's depth or work limits (`docs/limits.md`): the
    /// diagnostic is where.
    #[error("{}:{}:{}: {}\n  hint: {}", .0.file.display(), .0.line, .0.col, .0.message, .0.hint)]
    Limit(Diagnostic),
    /// The project has no `pipeline_registry.py`.
    #[error("no pipeline registry at {}: a Kedro project defines `register_pipelines()` in `<package>/pipeline_registry.py`", path.display())]
    NoRegistry {
        /// Where it was expected.
        path: PathBuf,
    },
}

/// Reads a project's pipelines without running Python.
///
/// Covered: `register_pipelines()` returning a dict (literal, built up, or from `find_pipelines()` with
/// Kedro's discovery rules), `sum(...)`, `+ | & -`, `pipeline()`/`Pipeline()` with every keyword,
/// `node()`/`Node()`, local variables and module constants, helper functions with arguments, `for` loops,
/// comprehensions, `if` on known values, string concatenation, `%`, `str.format` and f-strings, imports
/// (relative, aliased, re-exported), `functools.partial` and lambdas, node functions wrapped by the project's
/// own decorators (`functools.wraps` wrappers, decorators returning the function, decorator factories), and
/// Kedro 1.x's `llm_context_node()`/`tool()`, in both Kedro 0.19 and 1.x spellings.
pub fn extract_pipelines(layout: &ProjectLayout) -> Result<Extraction, ExtractError> {
    let source_root = layout.source_root();
    let table =
        ModuleTable::load(&source_root, &[layout.package_name.as_str()]).map_err(|source| {
            ExtractError::Io {
                dir: source_root.clone(),
                source,
            }
        })?;
    extract_from_table(layout, &table)
}

/// [`extract_pipelines`] on an already loaded module table.
pub fn extract_from_table(
    layout: &ProjectLayout,
    table: &ModuleTable,
) -> Result<Extraction, ExtractError> {
    let registry_module = format!("{}.pipeline_registry", layout.package_name);
    let Some(module) = table.modules.get(&registry_module) else {
        return Err(ExtractError::NoRegistry {
            path: layout
                .source_root()
                .join(&layout.package_name)
                .join("pipeline_registry.py"),
        });
    };
    if let Err(e) = module.tree() {
        return Err(ExtractError::Parse(e.clone()));
    }
    let (result, mut diagnostics) = on_eval_stack(|| {
        let mut ev = eval::Evaluator::new(table, layout);
        let result = ev.register_pipelines(&registry_module);
        (result, ev.take_warnings())
    });
    match result {
        Ok(registry) => Ok(Extraction {
            registry: Some(registry),
            diagnostics,
        }),
        Err(eval::Stop::Parse(e)) => Err(ExtractError::Parse(e)),
        Err(eval::Stop::Limit(d)) => Err(ExtractError::Limit(d)),
        Err(eval::Stop::Diags(mut ds)) => {
            ds.append(&mut diagnostics);
            Ok(Extraction {
                registry: None,
                diagnostics: ds,
            })
        }
    }
}

/// The stack the evaluator runs on. It recurses over expressions and statements, at most
/// [`kdvc_python::MAX_SYNTAX_DEPTH`] syntax levels per file and a fixed nesting across calls
/// (`docs/limits.md`); in debug builds one level can take tens of KiB, more than the 2 MiB of a test or
/// rayon thread allows. Only the pages used are ever touched.
const EVAL_STACK: usize = 64 << 20;

/// Runs `f` on a thread of its own with [`EVAL_STACK`] bytes of stack (on this thread if none can be
/// started).
fn on_eval_stack<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    let slot = std::sync::Mutex::new(Some(f));
    let take = || slot.lock().ok().and_then(|mut f| f.take());
    let ran = std::thread::scope(|s| {
        let spawned = std::thread::Builder::new()
            .name("kdvc-pipeline-eval".into())
            .stack_size(EVAL_STACK)
            .spawn_scoped(s, || take().map(|f| f()));
        match spawned.map(std::thread::ScopedJoinHandle::join) {
            Ok(Ok(out)) => out,
            Ok(Err(panic)) => std::panic::resume_unwind(panic),
            Err(_) => None,
        }
    });
    match ran {
        Some(out) => out,
        // The thread could not be started: run here.
        None => match take() {
            Some(f) => f(),
            None => unreachable!("`f` either ran on the thread or is still here"),
        },
    }
}

/// The [`SourceSpan`] of a node in `file`.
fn span(file: &Path, src: &str, node: tree_sitter::Node<'_>) -> SourceSpan {
    let (line, col) = line_col(src, node);
    SourceSpan {
        file: file.to_owned(),
        line,
        col,
        start_byte: node.start_byte(),
        end_byte: node.end_byte(),
    }
}
