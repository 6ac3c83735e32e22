//! Kedro's own view of a project, as JSON, and the reference outputs of a plain `kedro run`.
//!
//! Every snippet runs with the venv's Python in the project directory, after `bootstrap_project`, with
//! Kedro's logging sent to stderr so that stdout carries the one JSON line.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::{Mutex, OnceLock};

use serde_json::Value;

use crate::{fixture_copy, python_json};

/// Kedro 0.19's `kedro.pipeline.modular_pipeline.pipeline(pipe, ...)` on Kedro 1.7, which removed the module.
const SHIM_019: &str = r#"
import types, kedro.pipeline
_shim = types.ModuleType("kedro.pipeline.modular_pipeline")
_shim.pipeline = lambda pipe, **kw: kedro.pipeline.Pipeline(pipe, **kw)
sys.modules["kedro.pipeline.modular_pipeline"] = _shim
"#;

/// `pipelines_view()`: every registered pipeline, per node in `Pipeline.nodes` order: name, namespace,
/// inputs, outputs, sorted tags and the function as `[module, name]` (`partial(name)` for a
/// `functools.partial`).
const PIPELINES_VIEW: &str = r#"
import functools
def _func(f):
    if isinstance(f, functools.partial):
        return [f.func.__module__, "partial(%s)" % f.func.__name__]
    return [f.__module__, f.__name__]
def pipelines_view():
    return {
        name: [
            {"name": n.name, "namespace": n.namespace, "inputs": n.inputs, "outputs": n.outputs,
             "tags": sorted(n.tags), "func": _func(n.func)}
            for n in p.nodes
        ]
        for name, p in pipelines.items()
    }
"#;

/// Which Kedro API spellings a snippet may import.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Spelling {
    /// Kedro 1.7's own.
    Kedro17,
    /// Kedro 1.7 plus Kedro 0.19's `kedro.pipeline.modular_pipeline` (for projects written for 0.19, whose
    /// `kedro_init_version` must first say 1.7.0: see [`relabel_as_kedro17`]).
    Kedro019,
}

/// Runs a Python `body` in the project at `root` and returns the JSON of the variable `result` it sets.
///
/// Before the body: `json`, `sys` and `Path` are imported, the project is bootstrapped
/// (`bootstrap_project(Path.cwd())`), `pipelines` is Kedro's pipeline registry and `pipelines_view()`
/// returns what [`kedro_pipelines`] does. Kedro's logging goes to stderr. Values JSON cannot hold (dates) are written as `str()`.
pub fn kedro_json(root: &Path, spelling: Spelling, body: &str) -> Value {
    let shim = match spelling {
        Spelling::Kedro17 => "",
        Spelling::Kedro019 => SHIM_019,
    };
    let code = format!(
        "import json, sys\nfrom pathlib import Path\n_real_stdout, sys.stdout = sys.stdout, sys.stderr\n{shim}\n\
         from kedro.framework.startup import bootstrap_project\nfrom kedro.framework.project import pipelines\n\
         bootstrap_project(Path.cwd())\n{PIPELINES_VIEW}\n{body}\n\
         _real_stdout.write(json.dumps(result, sort_keys=True, default=str) + \"\\n\")\n"
    );
    python_json(root, &code)
}

/// Kedro's registered pipelines of the project at `root`: per pipeline name, its nodes in `Pipeline.nodes`
/// order, each as `{"name", "namespace", "inputs", "outputs", "tags" (sorted), "func": [module, name]}`.
pub fn kedro_pipelines(root: &Path, spelling: Spelling) -> Value {
    kedro_json(root, spelling, "result = pipelines_view()")
}

/// Makes a copy of a Kedro 0.19 project loadable by Kedro 1.7 (which refuses older `kedro_init_version`s;
/// the configuration rules did not change): its `kedro_init_version` becomes `1.7.0`. Returns whether it
/// was a 0.x project.
pub fn relabel_as_kedro17(root: &Path) -> bool {
    let path = root.join("pyproject.toml");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let key = "kedro_init_version = \"";
    let Some(start) = text.find(&format!("{key}0.")) else {
        return false;
    };
    let value = start + key.len();
    let end = value + text[value..].find('"').expect("a closing quote");
    std::fs::write(&path, format!("{}1.7.0{}", &text[..value], &text[end..]))
        .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
    true
}

/// The data a project holds: every file under `<root>/data` except `.gitkeep`, `.gitignore` and `.dvc`
/// files, keyed by its path relative to `root` (`/`-separated) with Kedro's save-version directories
/// (`2026-11-26T11.57.02.469Z`) replaced by `<version>`.
pub type DataFiles = BTreeMap<String, Vec<u8>>;

/// The [`DataFiles`] of the project at `root`.
pub fn data_files(root: &Path) -> DataFiles {
    fn walk(dir: &Path, root: &Path, out: &mut DataFiles) {
        let entries =
            std::fs::read_dir(dir).unwrap_or_else(|e| panic!("read {}: {e}", dir.display()));
        for entry in entries {
            let path = entry.expect("dir entry").path();
            if path.is_dir() {
                walk(&path, root, out);
                continue;
            }
            let name = path.file_name().unwrap_or_default().to_string_lossy();
            if name == ".gitkeep" || name == ".gitignore" || name.ends_with(".dvc") {
                continue;
            }
            let rel = path.strip_prefix(root).expect("below the root");
            let key: Vec<String> = rel
                .components()
                .map(|c| {
                    let c = c.as_os_str().to_string_lossy();
                    if is_save_version(&c) {
                        "<version>".to_owned()
                    } else {
                        c.into_owned()
                    }
                })
                .collect();
            let bytes =
                std::fs::read(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
            out.insert(key.join("/"), bytes);
        }
    }
    let mut out = DataFiles::new();
    if root.join("data").is_dir() {
        walk(&root.join("data"), root, &mut out);
    }
    out
}

/// Kedro's save-version format: `YYYY-MM-DDTHH.MM.SS.mmmZ`.
fn is_save_version(c: &str) -> bool {
    let b = c.as_bytes();
    b.len() == 24
        && b[4] == b'-'
        && b[10] == b'T'
        && b[13] == b'.'
        && b[19] == b'.'
        && b[23] == b'Z'
}

/// The [`DataFiles`] of a project (a fixture name or `examples/<name>`, as for [`fixture_copy`]) after a
/// plain `kedro run` on a fresh copy: the reference outputs a translated pipeline must reproduce.
///
/// Kedro runs once per project and test process; later calls (from any thread) share the result. A Kedro
/// 0.19 project runs as 1.7 with the 0.19 spelling shimmed (see [`Spelling::Kedro019`]). Panics when
/// `kedro run` fails or writes nothing.
pub fn kedro_run_outputs(project: &str) -> &'static DataFiles {
    static RUNS: OnceLock<Mutex<HashMap<String, &'static OnceLock<DataFiles>>>> = OnceLock::new();
    let cell: &'static OnceLock<DataFiles> = {
        let mut runs = RUNS
            .get_or_init(Mutex::default)
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match runs.get(project) {
            Some(cell) => cell,
            None => {
                let cell = Box::leak(Box::default());
                runs.insert(project.to_owned(), cell);
                cell
            }
        }
    };
    cell.get_or_init(|| {
        let copy = fixture_copy(project);
        let before = data_files(&copy.root).len();
        if relabel_as_kedro17(&copy.root) {
            kedro_json(
                &copy.root,
                Spelling::Kedro019,
                "from kedro.framework.session import KedroSession\n\
                 with KedroSession.create(project_path=Path.cwd()) as s:\n    s.run()\nresult = {}\n",
            );
        } else {
            crate::run_tool("kedro", &copy.root, ["run"]);
        }
        let after = data_files(&copy.root);
        assert!(
            after.len() > before,
            "`kedro run` on {project} wrote no dataset"
        );
        after
    })
}
