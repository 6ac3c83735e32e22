//! A project's module table: dotted module name <-> file, with each module's source and syntax tree.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use tree_sitter::Tree;

use crate::syntax::{ParseError, parse};

/// One module of the project: its dotted name, file and parse result.
#[derive(Debug)]
pub struct Module {
    /// Dotted module name (`pkg.pipelines.x.nodes`; a package's `__init__.py` is the package name).
    pub name: String,
    /// The file.
    pub path: PathBuf,
    /// Whether this is a package `__init__.py`.
    pub is_package: bool,
    /// Source text.
    pub src: String,
    /// The syntax tree, or why there is none; parsed on first use unless [`ModuleTable::load`] did it.
    tree: OnceLock<Result<Tree, ParseError>>,
}

impl Module {
    /// The syntax tree, or why there is none (parsed now if it was not yet).
    pub fn tree(&self) -> &Result<Tree, ParseError> {
        self.tree.get_or_init(|| parse(&self.path, &self.src))
    }
}

/// All Python modules under a source root, by dotted name. The pipeline modules (`<top>.pipeline_registry`,
/// `<top>.pipeline` and everything under `<top>.pipelines`) are parsed up front, in parallel; the others when
/// first used.
#[derive(Debug, Default)]
pub struct ModuleTable {
    /// Modules by dotted name.
    pub modules: HashMap<String, Module>,
    /// Directories that are packages (with or without `__init__.py`), by dotted name.
    pub packages: HashMap<String, PathBuf>,
}

impl ModuleTable {
    /// Reads every `.py` file below `source_root/<top>` for each top-level package `top`, and parses the
    /// pipeline modules.
    pub fn load(source_root: &Path, tops: &[&str]) -> std::io::Result<Self> {
        use rayon::prelude::*;
        let mut files = Vec::new();
        let mut packages = HashMap::new();
        for top in tops {
            let dir = source_root.join(top);
            if !dir.is_dir() {
                continue;
            }
            for entry in walkdir::WalkDir::new(&dir)
                .sort_by_file_name()
                .into_iter()
                .filter_entry(|e| {
                    let n = e.file_name().to_string_lossy();
                    e.depth() == 0 || !(n.starts_with('.') || n == "__pycache__")
                })
            {
                let entry = entry.map_err(std::io::Error::other)?;
                let rel = entry
                    .path()
                    .strip_prefix(source_root)
                    .expect("walked below the root");
                if entry.file_type().is_dir() {
                    let name = rel
                        .components()
                        .map(|c| c.as_os_str().to_string_lossy().into_owned())
                        .collect::<Vec<_>>()
                        .join(".");
                    packages.insert(name, entry.path().to_owned());
                } else if rel.extension().is_some_and(|e| e == "py") {
                    files.push((rel.to_owned(), entry.path().to_owned()));
                }
            }
        }
        let modules: Vec<std::io::Result<Module>> = files
            .par_iter()
            .map(|(rel, path)| {
                let src = crate::source::read_source(path)?;
                let mut parts: Vec<String> = rel
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                let last = parts.pop().unwrap_or_default();
                let stem = last.strip_suffix(".py").unwrap_or(&last).to_owned();
                let is_package = stem == "__init__";
                if !is_package {
                    parts.push(stem);
                }
                let name = parts.join(".");
                let tree = OnceLock::new();
                if tops.iter().any(|top| is_pipeline_module(top, &name)) {
                    let _ = tree.set(parse(path, &src));
                }
                Ok(Module {
                    name,
                    path: path.clone(),
                    is_package,
                    src,
                    tree,
                })
            })
            .collect();
        let mut table = Self {
            modules: HashMap::new(),
            packages,
        };
        for m in modules {
            let m = m?;
            table.modules.insert(m.name.clone(), m);
        }
        Ok(table)
    }

    /// Whether `name` is a module or package of the project.
    pub fn contains(&self, name: &str) -> bool {
        self.modules.contains_key(name) || self.packages.contains_key(name)
    }
}

/// Whether `name` is a module that pipeline discovery imports (worth parsing ahead of use).
fn is_pipeline_module(top: &str, name: &str) -> bool {
    name.strip_prefix(top)
        .and_then(|rest| rest.strip_prefix('.'))
        .is_some_and(|rest| {
            rest == "pipeline_registry"
                || rest == "pipeline"
                || rest == "pipelines"
                || rest.starts_with("pipelines.")
        })
}
