//! The error type of this crate.

use std::fmt;
use std::path::PathBuf;

/// One problem found in a Workflow, by the schema or by the semantic lint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Where: a JSON pointer into the Workflow (`/spec/templates/0/dag/tasks/2`).
    pub path: String,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

fn lines(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(|p| format!("  {p}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Everything that can go wrong while configuring, rendering or validating a Workflow.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file could not be read.
    #[error("cannot read '{}': {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// `[tool.kdvc.k8s]` is malformed: unknown key, wrong type, bad glob, missing `image`.
    #[error("{}:{line}:{column}: {message}", file.display())]
    Config {
        /// The pyproject.toml.
        file: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column (characters).
        column: usize,
        /// What is wrong.
        message: String,
    },
    /// The project has no `[tool.kdvc.k8s]` table.
    #[error(
        "'{}' has no [tool.kdvc.k8s] table; add one with at least `image = \"REGISTRY/IMAGE@sha256:...\"`",
        file.display()
    )]
    MissingConfig {
        /// The pyproject.toml looked at.
        file: PathBuf,
    },
    /// `dvc.yaml` or `dvc.lock` could not be read.
    #[error(transparent)]
    Dvc(#[from] kdvc_dvc_model::Error),
    /// A stage kdvc cannot run as one task (a `foreach` or `matrix` stage).
    #[error("'{}': stage '{stage}' {reason}", file.display())]
    UnsupportedStage {
        /// The dvc.yaml.
        file: PathBuf,
        /// The stage.
        stage: String,
        /// Why.
        reason: String,
    },
    /// A stage named on the command line or by `dvc status` is not in dvc.yaml.
    #[error("'{}' has no stage '{stage}'", file.display())]
    UnknownStage {
        /// The dvc.yaml.
        file: PathBuf,
        /// The name.
        stage: String,
    },
    /// The stages' outs and deps form a cycle.
    #[error("'{}': the stages depend on each other in a cycle: {} (each stage writes a dep of the next)", file.display(), stages.join(" -> "))]
    Cycle {
        /// The dvc.yaml.
        file: PathBuf,
        /// Stages on the cycle.
        stages: Vec<String>,
    },
    /// Two stages got the same task name.
    #[error("stages '{first}' and '{second}' both become the Argo task name '{task}'")]
    NameCollision {
        /// One stage.
        first: String,
        /// The other.
        second: String,
        /// The shared task name.
        task: String,
    },
    /// The Workflow does not pass the Argo schema.
    #[error("the Workflow does not match the Argo schema:\n{}", lines(problems))]
    Schema {
        /// Every schema violation.
        problems: Vec<Problem>,
    },
    /// The Workflow passes the schema but Argo would reject it (names, dependencies, references).
    #[error("the Workflow would be rejected by Argo:\n{}", lines(problems))]
    Lint {
        /// Every problem.
        problems: Vec<Problem>,
    },
    /// No stage is selected (with the default selection: every stage is up to date).
    #[error("nothing to run: every selected stage is up to date")]
    NothingToRun,
    /// A Workflow's status cannot be read (offloaded, compressed in a way kdvc does not read, no nodes).
    #[error("cannot read the status of Workflow '{workflow}': {message}")]
    Status {
        /// The Workflow's name (empty when unknown).
        workflow: String,
        /// Why.
        message: String,
    },
    /// `dvc status` or `git` failed or printed something unexpected.
    #[error("{program} failed in '{}': {message}", dir.display())]
    Tool {
        /// `dvc` or `git`.
        program: &'static str,
        /// Where it ran.
        dir: PathBuf,
        /// What went wrong (its stderr).
        message: String,
    },
}

impl Error {
    /// The file, line and column an error points at, when it knows one.
    pub fn location(&self) -> Option<(PathBuf, usize, usize)> {
        match self {
            Error::Config {
                file, line, column, ..
            } => Some((file.clone(), *line, *column)),
            _ => None,
        }
    }
}

/// Result alias of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
