//! The public types of fingerprints: entry points, warnings, per-symbol records and changes.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// Where a project's first-party Python lives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectSources {
    /// The project root (holds `pyproject.toml`, `.kdvc/`, lock files).
    pub root: PathBuf,
    /// Source roots relative to `root` (Kedro's `[tool.kedro] source_dir`, default `src`). Every `.py` file
    /// below them is first-party; module names are their paths relative to the source root.
    pub source_roots: Vec<PathBuf>,
    /// The Kedro package name (`[tool.kedro] package_name`).
    pub package: String,
}

impl ProjectSources {
    /// A Kedro project: one source root `source_dir` (usually `src`) holding `package`.
    pub fn kedro(
        root: impl Into<PathBuf>,
        source_dir: impl Into<PathBuf>,
        package: impl Into<String>,
    ) -> Self {
        Self {
            root: root.into(),
            source_roots: vec![source_dir.into()],
            package: package.into(),
        }
    }
}

/// What a Kedro node runs, as the pipeline reader found it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum FuncRef {
    /// A function (or `Class.method`) defined in a module.
    Function {
        /// Dotted module, `demo.pipelines.alpha.nodes`.
        module: String,
        /// The name in that module; may be dotted (`Cleaner.run`).
        name: String,
    },
    /// `functools.partial(inner, <args>)`.
    Partial {
        /// The wrapped callable.
        inner: Box<FuncRef>,
        /// Raw source text of the extra arguments (`0.5, cols=["a"]`), normalized before hashing.
        args: String,
        /// The module the `partial(...)` expression is written in; names in `args` resolve there.
        module: Option<String>,
    },
    /// A lambda.
    Lambda {
        /// The module it is defined in (names in its body resolve there).
        module: String,
        /// Raw source text of the lambda, normalized before hashing.
        source: String,
    },
}

/// A Kedro node's entry into the code: its function plus the code it reaches through the catalog.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct EntryPoint {
    /// The node's function.
    pub func: FuncRef,
    /// Dotted symbols of custom dataset classes the node's datasets use (`my_pkg.datasets.FooDataset`);
    /// third-party ones (`kedro_datasets.pandas.CSVDataset`) contribute their distribution version.
    #[serde(default)]
    pub extra_symbols: Vec<String>,
}

impl EntryPoint {
    /// An entry point for a plain function.
    pub fn function(module: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            func: FuncRef::Function {
                module: module.into(),
                name: name.into(),
            },
            extra_symbols: Vec::new(),
        }
    }
}

/// Why a fingerprint is wider (or less certain) than the code it names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum WarningKind {
    /// A file does not parse; its raw bytes are hashed.
    ParseError,
    /// A name could not be resolved; the whole module is in the closure.
    Unresolved,
    /// A first-party module that does not exist is imported; the whole package is in the closure.
    UnknownModule,
    /// `globals()`, `exec`, `eval` or `sys.modules`: the whole module is in the closure.
    DynamicCode,
    /// `importlib.import_module` with a computed name: the whole package is in the closure.
    DynamicImport,
    /// A relative import goes above the top-level package.
    BadRelativeImport,
    /// An entry point's function or extra symbol was not found.
    MissingEntry,
    /// Two files give the same module name; the first one is used.
    DuplicateModule,
    /// The summary cache could not be written (fingerprints are still right).
    Cache,
}

/// A warning attached to the code it concerns.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Warning {
    /// What kind of fallback happened.
    pub kind: WarningKind,
    /// The module concerned (dotted), empty if none.
    pub module: String,
    /// The file, relative to the project root, if known.
    pub file: Option<String>,
    /// 1-based line, if known.
    pub line: Option<u32>,
    /// What happened and what to do.
    pub message: String,
}

/// One member of a node's closure.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct SymbolRecord {
    /// `pkg.mod:name` for a symbol, `pkg.mod` for a module's top-level statements, `pkg.mod:*` for a whole
    /// module (fallback), `pkg.*` for a whole package (fallback), `<lambda>`/`<partial args>` for entry code.
    pub symbol: String,
    /// File relative to the project root (`/`-separated), if the symbol lives in one.
    pub file: Option<String>,
    /// 1-based line (records only, never hashed).
    pub line: u32,
    /// Hash of the symbol's own code (hex).
    pub hash: String,
}

/// A third-party distribution the closure imports.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ExternalRecord {
    /// Normalized distribution name.
    pub dist: String,
    /// Pinned version from the lock/requirements file, if any.
    pub version: Option<String>,
}

/// A node's fingerprint and the record that explains it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fingerprint {
    /// The fingerprint (hex blake3).
    pub hash: String,
    /// Python version recorded (from `.python-version` or `requires-python` in `pyproject.toml`).
    pub python: String,
    /// Every first-party symbol the node can execute, sorted by symbol.
    pub closure: Vec<SymbolRecord>,
    /// Third-party distributions imported by the closure, sorted.
    pub externals: Vec<ExternalRecord>,
    /// Fallbacks that widened the closure.
    pub warnings: Vec<Warning>,
}

impl Fingerprint {
    /// Which symbols changed since a previous record of the same node.
    pub fn changed_symbols(&self, previous: &Fingerprint) -> ClosureChange {
        let old: BTreeMap<&str, &str> = previous
            .closure
            .iter()
            .map(|r| (r.symbol.as_str(), r.hash.as_str()))
            .collect();
        let new: BTreeMap<&str, &str> = self
            .closure
            .iter()
            .map(|r| (r.symbol.as_str(), r.hash.as_str()))
            .collect();
        let mut ch = ClosureChange::default();
        for (s, h) in &new {
            match old.get(s) {
                None => ch.added.push((*s).to_owned()),
                Some(o) if o != h => ch.changed.push((*s).to_owned()),
                Some(_) => {}
            }
        }
        ch.removed = old
            .keys()
            .filter(|s| !new.contains_key(*s))
            .map(|s| (*s).to_owned())
            .collect();
        let ver = |e: &[ExternalRecord]| -> BTreeMap<String, Option<String>> {
            e.iter()
                .map(|r| (r.dist.clone(), r.version.clone()))
                .collect()
        };
        let (eo, en) = (ver(&previous.externals), ver(&self.externals));
        let show = |v: Option<&Option<String>>| match v {
            None => "absent".to_owned(),
            Some(None) => "unpinned".to_owned(),
            Some(Some(v)) => v.clone(),
        };
        let names: BTreeSet<&String> = eo.keys().chain(en.keys()).collect();
        for n in names {
            if eo.get(n) != en.get(n) {
                ch.externals
                    .push(format!("{n}: {} -> {}", show(eo.get(n)), show(en.get(n))));
            }
        }
        if previous.python != self.python {
            ch.python = Some(format!("{} -> {}", previous.python, self.python));
        }
        ch
    }
}

/// What changed between two records of one node.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClosureChange {
    /// Symbols whose code changed.
    pub changed: Vec<String>,
    /// Symbols new in the closure.
    pub added: Vec<String>,
    /// Symbols no longer in the closure.
    pub removed: Vec<String>,
    /// Distributions whose pinned version changed, was added or removed (`name: old -> new`).
    pub externals: Vec<String>,
    /// `old -> new` if the Python version changed.
    pub python: Option<String>,
}

impl ClosureChange {
    /// True when nothing differs.
    pub fn is_empty(&self) -> bool {
        self.changed.is_empty()
            && self.added.is_empty()
            && self.removed.is_empty()
            && self.externals.is_empty()
            && self.python.is_none()
    }
}

/// One entry whose fingerprint differs between two indexes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntryDiff {
    /// The caller's key for the entry (the Kedro node name).
    pub key: String,
    /// Fingerprint in the old index.
    pub before: String,
    /// Fingerprint in the new index.
    pub after: String,
    /// What changed in its closure.
    pub change: ClosureChange,
}
