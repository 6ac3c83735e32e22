//! Introspection: ask the project's own Kedro for its pipelines.
//!
//! Runs the project's Python interpreter (the one given, else `<root>/.venv/bin/python`, `<root>/venv/bin/python`,
//! then `python3` on `PATH`) with an embedded script that bootstraps the project and dumps every registered
//! pipeline as JSON, then loads the dump into the same [`Registry`] the static extractor returns.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use indexmap::IndexMap;
use kdvc_kedro_model::pipeline::{
    DatasetArg, FuncKind, FuncRef, NameStyle, Node, Pipeline, PipelineError, RawNodeArgs, Registry,
    SourceSpan,
};
use serde::Deserialize;

const DUMP_SCRIPT: &str = include_str!("dump.py");

/// Environment variables that turn off Kedro's (and DVC's) usage reporting.
pub const TELEMETRY_OFF: [(&str, &str); 3] = [
    ("DO_NOT_TRACK", "1"),
    ("KEDRO_DISABLE_TELEMETRY", "true"),
    ("DVC_NO_ANALYTICS", "1"),
];

/// Why introspection failed.
#[derive(Debug, thiserror::Error)]
pub enum IntrospectError {
    /// No interpreter was found.
    #[error("no Python interpreter found (tried {}); pass --python PATH", tried.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", "))]
    NoPython {
        /// The candidates tried.
        tried: Vec<PathBuf>,
    },
    /// The interpreter could not be started.
    #[error("cannot run {}: {source}", python.display())]
    Spawn {
        /// The interpreter.
        python: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The interpreter has no Kedro.
    #[error("{} cannot import kedro ({detail}); install the project's requirements in that environment or pass --python", python.display())]
    NoKedro {
        /// The interpreter.
        python: PathBuf,
        /// Python's message.
        detail: String,
    },
    /// Kedro failed while loading the project.
    #[error("Kedro failed to load the project's pipelines with {} (exit {status}):\n{stderr}", python.display())]
    Failed {
        /// The interpreter.
        python: PathBuf,
        /// Exit status.
        status: String,
        /// The last lines of its stderr.
        stderr: String,
    },
    /// The dump could not be read.
    #[error("cannot read the pipeline dump from {}: {message}", python.display())]
    BadOutput {
        /// The interpreter.
        python: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// Kedro's nodes do not form valid pipelines for kdvc's model.
    #[error("pipeline '{pipeline}' from Kedro does not load: {source}")]
    Model {
        /// The pipeline name.
        pipeline: String,
        /// The model error.
        source: PipelineError,
    },
}

/// Finds the project's interpreter: `explicit`, else `<root>/.venv/bin/python`, `<root>/venv/bin/python`, then
/// `python3` on `PATH`.
pub fn find_python(root: &Path, explicit: Option<&Path>) -> Result<PathBuf, IntrospectError> {
    if let Some(p) = explicit {
        return if p.exists() || p.components().count() == 1 {
            Ok(p.to_owned())
        } else {
            Err(IntrospectError::NoPython {
                tried: vec![p.to_owned()],
            })
        };
    }
    let mut tried = Vec::new();
    for cand in [root.join(".venv/bin/python"), root.join("venv/bin/python")] {
        if cand.exists() {
            return Ok(cand);
        }
        tried.push(cand);
    }
    if let Some(path) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&path) {
            let cand = dir.join("python3");
            if cand.is_file() {
                return Ok(cand);
            }
        }
    }
    tried.push(PathBuf::from("python3 on PATH"));
    Err(IntrospectError::NoPython { tried })
}

#[derive(Deserialize)]
struct Dump {
    pipelines: IndexMap<String, Vec<DumpNode>>,
}

#[derive(Deserialize)]
struct DumpNode {
    name: String,
    namespace: Option<String>,
    inputs: Vec<String>,
    outputs: Vec<String>,
    tags: BTreeSet<String>,
    confirms: Vec<String>,
    explicit_name: Option<String>,
    raw_inputs: Option<RawArg>,
    raw_outputs: Option<RawArg>,
    raw_confirms: Option<RawArg>,
    func: DumpFunc,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawArg {
    Str(String),
    List(Vec<String>),
    Dict(IndexMap<String, String>),
}

fn raw_arg(a: Option<RawArg>) -> DatasetArg {
    match a {
        None => DatasetArg::None,
        Some(RawArg::Str(s)) => DatasetArg::Str(s),
        Some(RawArg::List(l)) => DatasetArg::List(l),
        Some(RawArg::Dict(d)) => DatasetArg::Dict(d),
    }
}

#[derive(Deserialize)]
struct DumpFunc {
    kind: String,
    module: Option<String>,
    name: Option<String>,
    file: Option<PathBuf>,
    line: Option<usize>,
    args_source: Option<String>,
}

/// Runs Kedro in the project's interpreter and returns its registry.
pub fn introspect_pipelines(
    root: &Path,
    python: Option<&Path>,
    env: Option<&str>,
) -> Result<Registry, IntrospectError> {
    let python = find_python(root, python)?;
    let mut cmd = Command::new(&python);
    cmd.arg("-c").arg(DUMP_SCRIPT).arg(root).current_dir(root);
    for (k, v) in TELEMETRY_OFF {
        cmd.env(k, v);
    }
    if let Some(env) = env {
        cmd.env("KEDRO_ENV", env);
    }
    let out = cmd.output().map_err(|source| IntrospectError::Spawn {
        python: python.clone(),
        source,
    })?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let last = stdout
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("");
    if !out.status.success() {
        if let Ok(v) = serde_json::from_str::<serde_json::Value>(last)
            && v.get("error").and_then(|e| e.as_str()) == Some("no-kedro")
        {
            return Err(IntrospectError::NoKedro {
                python,
                detail: v
                    .get("detail")
                    .and_then(|d| d.as_str())
                    .unwrap_or("")
                    .to_owned(),
            });
        }
        let stderr = String::from_utf8_lossy(&out.stderr);
        let tail: Vec<&str> = stderr.lines().rev().take(25).collect();
        return Err(IntrospectError::Failed {
            python,
            status: out
                .status
                .code()
                .map_or_else(|| "signal".into(), |c| c.to_string()),
            stderr: tail.into_iter().rev().collect::<Vec<_>>().join("\n"),
        });
    }
    registry_from_dump(last, NameStyle::Kedro1).map_err(|e| match e {
        DumpError::Json(message) => IntrospectError::BadOutput { python, message },
        DumpError::Model(pipeline, source) => IntrospectError::Model { pipeline, source },
    })
}

enum DumpError {
    Json(String),
    Model(String, PipelineError),
}

fn registry_from_dump(json: &str, style: NameStyle) -> Result<Registry, DumpError> {
    let dump: Dump = serde_json::from_str(json).map_err(|e| DumpError::Json(e.to_string()))?;
    let mut registry = Registry::default();
    for (name, nodes) in dump.pipelines {
        let nodes = nodes
            .into_iter()
            .map(|n| {
                let kind = match n.func.kind.as_str() {
                    "partial" => FuncKind::Partial {
                        args_source: n.func.args_source.unwrap_or_default(),
                        call_span: None,
                    },
                    "lambda" => FuncKind::Lambda {
                        source: String::new(),
                    },
                    _ => FuncKind::Plain,
                };
                let span = match (n.func.file, n.func.line) {
                    (Some(file), Some(line)) => Some(SourceSpan {
                        file,
                        line,
                        col: 1,
                        start_byte: 0,
                        end_byte: 0,
                    }),
                    _ => None,
                };
                let raw_inputs = raw_arg(n.raw_inputs);
                let input_key_order = match &raw_inputs {
                    DatasetArg::Dict(d) => Some(
                        n.inputs
                            .iter()
                            .filter_map(|ds| {
                                d.iter().find(|(_, v)| *v == ds).map(|(k, _)| k.clone())
                            })
                            .collect(),
                    ),
                    _ => None,
                };
                // Kedro's own view: its name and lists are trusted as they are.
                Node {
                    name: n.name,
                    namespace: n.namespace,
                    inputs: n.inputs,
                    outputs: n.outputs,
                    tags: n.tags,
                    confirms: n.confirms,
                    func: FuncRef {
                        module: n.func.module.unwrap_or_default(),
                        name: n.func.name.unwrap_or_else(|| "<unknown>".into()),
                        kind,
                        span,
                    },
                    raw: RawNodeArgs {
                        inputs: raw_inputs,
                        input_key_order,
                        outputs: raw_arg(n.raw_outputs),
                        confirms: raw_arg(n.raw_confirms),
                        explicit_name: n.explicit_name,
                        style,
                    },
                }
            })
            .collect();
        let p = Pipeline::from_nodes(nodes).map_err(|e| DumpError::Model(name.clone(), e))?;
        registry.pipelines.insert(name, p);
    }
    Ok(registry)
}
