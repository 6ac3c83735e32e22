//! Name resolution across the project (§3), the symbol graph, Merkle hashes over its strongly connected
//! components (§4) and per-node fingerprints (§5).

use std::collections::{BTreeMap, BTreeSet};

use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};
use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use petgraph::graph::{DiGraph, NodeIndex};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::cache::{self, Caches, KeyHasher};
use crate::normalize::{Digest, hex};
use crate::pins::{self, Pins};
use crate::record::{FingerprintSet, RECORD_VERSION, Record, RecordNode, RecordSymbol};
use crate::source::{FileStamp, SourceProvider};
use crate::summary::{self, Binding, Dynamic, FileSummary, Ref, Unit};
use crate::{Error, GRAMMAR_VERSION, NORMALIZER_VERSION, SCHEMA_VERSION, TOOL_VERSION};
use kdvc_python::grammar;

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

/// Builds indexes of a project's first-party code.
#[derive(Debug, Clone)]
pub struct Engine {
    sources: ProjectSources,
    caches: Caches,
}

/// A first-party module found below a source root.
#[derive(Debug, Clone)]
struct ModuleEntry {
    name: String,
    file: String,
    is_package: bool,
    summary: Arc<FileSummary>,
}

/// A first-party file listed below a source root.
struct Listed {
    module: String,
    file: String,
    is_package: bool,
}

/// A listed file's content hash, and its bytes when they had to be read.
struct Hashed {
    hash: Digest,
    bytes: Option<Vec<u8>>,
}

/// What a run read before summarizing: the files, their hashes and the combined key.
struct Inputs {
    files: Vec<Listed>,
    hashed: Vec<Hashed>,
    warnings: Vec<Warning>,
}

fn now_ns() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .ok()
        .and_then(|d| i64::try_from(d.as_nanos()).ok())
        .unwrap_or(0)
}

impl Engine {
    /// An engine for a project, caching in `<root>/.kdvc/cache/`.
    pub fn new(sources: ProjectSources) -> Self {
        let caches = Caches::new(Some(sources.root.join(".kdvc")));
        Self { sources, caches }
    }

    /// Caches under `kdvc_dir` instead (`None`: no cache).
    #[must_use]
    pub fn with_cache_dir(mut self, kdvc_dir: Option<PathBuf>) -> Self {
        self.caches = Caches::new(kdvc_dir);
        self
    }

    /// The project this engine reads.
    pub fn sources(&self) -> &ProjectSources {
        &self.sources
    }

    /// Every first-party `.py` file with its module name (duplicates warned about and skipped).
    fn list(&self, src: &dyn SourceProvider) -> Result<(Vec<Listed>, Vec<Warning>), Error> {
        let mut warnings = Vec::new();
        let mut files = Vec::new();
        let mut seen: HashMap<String, String> = HashMap::new();
        for root in &self.sources.source_roots {
            for rel in src.python_files(root)? {
                let Some((module, is_package)) = module_name(root, &rel) else {
                    continue;
                };
                let file = slash(&rel);
                if let Some(first) = seen.get(&module) {
                    warnings.push(Warning {
                        kind: WarningKind::DuplicateModule,
                        module: module.clone(),
                        file: Some(file.clone()),
                        line: None,
                        message: format!(
                            "module {module} is also defined by {first}; using {first}"
                        ),
                    });
                    continue;
                }
                seen.insert(module.clone(), file.clone());
                files.push(Listed {
                    module,
                    file,
                    is_package,
                });
            }
        }
        Ok((files, warnings))
    }

    /// Lists and hashes every first-party file (in parallel), reading only files whose stamp changed.
    fn inputs(&self, src: &dyn SourceProvider) -> Result<Inputs, Error> {
        let (files, mut warnings) = self.list(src)?;
        let taken = now_ns();
        let stats = self.caches.load_stats();
        type Read = (Hashed, Option<FileStamp>, bool);
        let results: Vec<Result<Read, Error>> = files
            .par_iter()
            .map(|f| {
                let rel = Path::new(&f.file);
                let stamp = if self.caches.enabled() {
                    src.stamp(rel)
                } else {
                    None
                };
                if let Some(st) = &stamp
                    && let Some(hash) = stats.lookup(&f.file, st)
                {
                    return Ok((Hashed { hash, bytes: None }, stamp, false));
                }
                let bytes = src.read(rel)?.ok_or_else(|| Error::Io {
                    path: PathBuf::from(&f.file),
                    message: format!("listed by {} but cannot be read", src.describe()),
                })?;
                // Content hashes key the caches; without them nothing reads the hash.
                let hash = if self.caches.enabled() {
                    cache::content_hash(&bytes)
                } else {
                    [0; 32]
                };
                Ok((
                    Hashed {
                        hash,
                        bytes: Some(bytes),
                    },
                    stamp,
                    true,
                ))
            })
            .collect();
        let mut hashed = Vec::with_capacity(files.len());
        let mut stamps = Vec::new();
        let mut fresh = false;
        for (f, r) in files.iter().zip(results) {
            let (h, stamp, read) = r?;
            fresh |= read;
            if let Some(st) = stamp {
                stamps.push((f.file.clone(), st, h.hash));
            }
            hashed.push(h);
        }
        if fresh
            && !stamps.is_empty()
            && let Err(e) = self
                .caches
                .prepare()
                .and_then(|()| self.caches.store_stats(taken, &stamps))
        {
            warnings.push(cache_warning(&e));
        }
        Ok(Inputs {
            files,
            hashed,
            warnings,
        })
    }

    /// The combined key of the inputs, the pin files and the entries.
    fn key(
        &self,
        src: &dyn SourceProvider,
        inputs: &Inputs,
        entries: &[(String, EntryPoint)],
    ) -> Result<String, Error> {
        let mut k = KeyHasher::new();
        for r in &self.sources.source_roots {
            k.part(slash(r).as_bytes());
        }
        k.part(self.sources.package.as_bytes());
        for (f, h) in inputs.files.iter().zip(&inputs.hashed) {
            k.part(f.file.as_bytes());
            k.part(&h.hash);
        }
        for file in pins::PIN_FILES
            .iter()
            .chain(&[".python-version", "pyproject.toml"])
        {
            k.part(file.as_bytes());
            match src.read(Path::new(file))? {
                Some(bytes) => k.part(&cache::content_hash(&bytes)),
                None => k.part(b"absent"),
            }
        }
        let json = serde_json::to_vec(entries).map_err(|e| Error::Io {
            path: PathBuf::from("<entries>"),
            message: e.to_string(),
        })?;
        k.part(&json);
        Ok(k.finish())
    }

    /// Reads, summarizes (in parallel, on the current rayon pool) and resolves every first-party file that
    /// `src` provides, giving an [`Index`] that fingerprints entry points.
    pub fn summarize(&self, src: &dyn SourceProvider) -> Result<Index, Error> {
        let inputs = self.inputs(src)?;
        self.index(src, inputs, None)
    }

    /// The fingerprints of `entries` (keyed by node name) in the sources `src`: reused from the last run
    /// when no input changed (sources, lock files, entries, versions), else computed, with the record that
    /// explains them. Only the symbols the entries reach are resolved; the result is the same as
    /// [`Index::fingerprint_all`] on a full [`Engine::summarize`]. Call [`Engine::save`] once the
    /// fingerprints are stored, so the next run can reuse them.
    pub fn fingerprint_entries(
        &self,
        src: &dyn SourceProvider,
        entries: &[(String, EntryPoint)],
    ) -> Result<FingerprintSet, Error> {
        let inputs = self.inputs(src)?;
        let key = if self.caches.enabled() {
            let key = self.key(src, &inputs, entries)?;
            if let Some(mut prev) = self.caches.load_result(&key) {
                prev.reused = true;
                prev.record = None;
                return Ok(prev);
            }
            Some(key)
        } else {
            None
        };
        let index = self.index(src, inputs, Some(entries))?;
        let mut set = index.fingerprint_all(entries);
        set.key = key;
        index.drop_in_parallel();
        Ok(set)
    }

    /// Remembers `set` as the last result, so that an unchanged next run reuses it.
    pub fn save(&self, set: &FingerprintSet) -> Result<(), Error> {
        if set.key.is_none() || set.reused {
            return Ok(());
        }
        self.caches.prepare()?;
        self.caches.store_result(set)
    }

    /// Summarizes the inputs (cached summaries first) and builds the index: all of it, or what `entries`
    /// reach.
    fn index(
        &self,
        src: &dyn SourceProvider,
        inputs: Inputs,
        entries: Option<&[(String, EntryPoint)]>,
    ) -> Result<Index, Error> {
        let Inputs {
            files,
            hashed,
            mut warnings,
        } = inputs;
        let packed = if self.caches.enabled() {
            self.caches.load_summaries()
        } else {
            cache::Packed::default()
        };
        type Summed = (String, Arc<FileSummary>, bool);
        let results: Vec<Result<Summed, Error>> = files
            .par_iter()
            .zip(hashed)
            .map(|(f, h)| {
                let key = if self.caches.enabled() {
                    cache::summary_key(&h.hash)
                } else {
                    String::new()
                };
                if let Some(s) = packed.get(&key) {
                    return Ok((key, s, false));
                }
                let bytes = match h.bytes {
                    Some(b) => b,
                    None => src.read(Path::new(&f.file))?.ok_or_else(|| Error::Io {
                        path: PathBuf::from(&f.file),
                        message: format!("listed by {} but cannot be read", src.describe()),
                    })?,
                };
                Ok((key, Arc::new(summary::summarize(&bytes)), true))
            })
            .collect();
        let mut modules = Vec::with_capacity(files.len());
        let mut used = Vec::with_capacity(files.len());
        let mut missed = false;
        for (f, r) in files.into_iter().zip(results) {
            let (key, summary, miss) = r?;
            missed |= miss;
            used.push((key, Arc::clone(&summary)));
            modules.push(ModuleEntry {
                name: f.module,
                file: f.file,
                is_package: f.is_package,
                summary,
            });
        }
        if missed
            && self.caches.enabled()
            && let Err(e) = self
                .caches
                .prepare()
                .and_then(|()| self.caches.store_summaries(packed, &used))
        {
            warnings.push(cache_warning(&e));
        }
        let pins = Pins::load(src)?;
        let python = pins::python_version(src)?;
        Ok(match entries {
            Some(entries) => Index::build_for(modules, pins, python, warnings, entries),
            None => Index::build(modules, pins, python, warnings),
        })
    }
}

fn cache_warning(e: &Error) -> Warning {
    Warning {
        kind: WarningKind::Cache,
        module: String::new(),
        file: None,
        line: None,
        message: format!(
            "the summary cache could not be written ({e}); the next run will re-parse"
        ),
    }
}

fn slash(p: &Path) -> String {
    p.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// Dotted module name of a file below a source root, and whether it is a package `__init__.py`.
fn module_name(root: &Path, rel: &Path) -> Option<(String, bool)> {
    let inner = rel.strip_prefix(root).ok()?;
    let mut parts: Vec<String> = inner
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    let last = parts.pop()?;
    let stem = last.strip_suffix(".py")?;
    let is_package = stem == "__init__";
    if !is_package {
        parts.push(stem.to_owned());
    }
    if parts.is_empty() {
        return None;
    }
    Some((parts.join("."), is_package))
}

/// A resolution target.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Tgt {
    /// A graph node (symbol, module preamble, whole module, whole package).
    Node(usize),
    /// A first-party module (its preamble node), continuing attribute chains.
    Mod(usize),
    /// A namespace package without `__init__.py` (continues attribute chains, has no code).
    Ns(String),
    /// A third-party distribution.
    Ext(String),
    /// A builtin or standard-library name.
    Builtin,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Sym(usize, String),
    Module(usize),
    Whole(usize),
    Package(String),
}

/// What a graph node stands for.
#[derive(Debug, Clone)]
enum What {
    /// A module's preamble (its top-level statements that bind nothing).
    Module(usize),
    /// A whole module (every symbol, the preamble and every import's target).
    Whole(usize),
    /// A symbol of a module: the module and the index of its bindings.
    Sym(usize, usize),
    /// A whole top-level package.
    Package(String),
}

#[derive(Debug, Clone)]
struct GNode {
    /// What the node stands for (how its plan is computed).
    what: What,
    label: String,
    /// The module's file (shared by every node of the module).
    file: Option<Arc<str>>,
    line: u32,
    local: Digest,
    deps: BTreeSet<usize>,
    externals: BTreeSet<String>,
    warnings: BTreeSet<Warning>,
}

/// The resolved symbol graph of one revision of a project, with every SCC's Merkle hash computed.
#[derive(Debug, Clone)]
pub struct Index {
    modules: Vec<ModuleEntry>,
    by_name: HashMap<String, usize>,
    namespaces: HashSet<String>,
    tops: HashSet<String>,
    nodes: Vec<GNode>,
    keys: HashMap<Key, usize>,
    /// Symbol nodes by module and name (looked up by `&str`, without building a [`Key`]).
    syms: Vec<HashMap<String, usize>>,
    deep: Vec<Digest>,
    /// Which nodes are resolved (all of them, unless built for given entries only).
    planned: Vec<bool>,
    pins: Pins,
    python: String,
    warnings: Vec<Warning>,
}

/// How each reference of a unit resolved: (reference, target label), hashed into the unit's node.
type ResMap<'a> = Vec<(String, Cow<'a, str>)>;

/// The targets of an import binding of module `m` (nothing for other bindings).
fn import_targets(r: &mut Resolver<'_>, m: usize, b: &Binding, tg: &mut Vec<Tgt>) {
    match b {
        Binding::Import { module, loads, .. } => {
            tg.extend(r.module(module, m, 0));
            if let Some(l) = loads {
                tg.extend(r.module(l, m, 0));
            }
        }
        Binding::ImportFrom {
            level,
            module,
            name,
            line,
        } => tg.extend(r.import_from(m, *level, module, name, *line)),
        _ => {}
    }
}

/// What resolving one graph node gives: the node, its local hash, its targets and its warnings.
type Plan = (usize, Digest, Vec<Tgt>, Vec<Warning>);

/// Nodes resolved per parallel task (each plan still has its own memo).
const RESOLVE_CHUNK: usize = 64;

fn digest_parts(parts: &[&[u8]]) -> Digest {
    let mut h = blake3::Hasher::new();
    for p in parts {
        h.update(&(p.len() as u64).to_le_bytes());
        h.update(p);
    }
    *h.finalize().as_bytes()
}

impl Index {
    /// Frees the index on the current rayon pool (it holds a few allocations per symbol of the project).
    fn drop_in_parallel(self) {
        let Self { modules, nodes, .. } = self;
        rayon::join(
            || modules.into_par_iter().with_min_len(64).for_each(drop),
            || nodes.into_par_iter().with_min_len(1024).for_each(drop),
        );
    }

    /// The index of `modules`, every node resolved.
    fn build(
        modules: Vec<ModuleEntry>,
        pins: Pins,
        python: String,
        warnings: Vec<Warning>,
    ) -> Self {
        let mut idx = Self::unresolved(modules, pins, python, warnings);
        idx.build_graph();
        idx.compute_deep();
        idx
    }

    /// The index of `modules` with only what `entries` reach resolved: enough for
    /// [`Index::fingerprint_all`] of those entries, with the same results as a full build.
    fn build_for(
        modules: Vec<ModuleEntry>,
        pins: Pins,
        python: String,
        warnings: Vec<Warning>,
        entries: &[(String, EntryPoint)],
    ) -> Self {
        let mut idx = Self::unresolved(modules, pins, python, warnings);
        idx.build_nodes();
        idx.planned = vec![false; idx.nodes.len()];
        idx.deep = vec![[0; 32]; idx.nodes.len()];
        // The entries' roots need nodes but no edges (their hashes are computed again afterwards).
        let roots: BTreeSet<usize> = entries
            .par_iter()
            .map_init(
                || Resolver::new(&idx),
                |r, (_, e)| idx.entry_hash_with(r, e).roots,
            )
            .collect::<Vec<_>>()
            .into_iter()
            .flatten()
            .collect();
        idx.build_reachable(&roots);
        idx.compute_deep();
        idx
    }

    /// An index with modules but no graph yet.
    fn unresolved(
        modules: Vec<ModuleEntry>,
        pins: Pins,
        python: String,
        warnings: Vec<Warning>,
    ) -> Self {
        let by_name: HashMap<String, usize> = modules
            .iter()
            .enumerate()
            .map(|(i, m)| (m.name.clone(), i))
            .collect();
        let mut namespaces = HashSet::new();
        let mut tops = HashSet::new();
        for m in &modules {
            let parts: Vec<&str> = m.name.split('.').collect();
            tops.insert(parts[0].to_owned());
            for i in 1..parts.len() {
                let prefix = parts[..i].join(".");
                if !by_name.contains_key(&prefix) {
                    namespaces.insert(prefix);
                }
            }
        }
        Self {
            modules,
            by_name,
            namespaces,
            tops,
            nodes: Vec::new(),
            keys: HashMap::new(),
            syms: Vec::new(),
            deep: Vec::new(),
            planned: Vec::new(),
            pins,
            python,
            warnings,
        }
    }

    /// Warnings about the project as a whole (parse errors are also attached to the closures they affect).
    pub fn warnings(&self) -> &[Warning] {
        &self.warnings
    }

    /// The Python version the fingerprints record.
    pub fn python(&self) -> &str {
        &self.python
    }

    /// Number of first-party modules indexed.
    pub fn module_count(&self) -> usize {
        self.modules.len()
    }

    /// Dotted names of the first-party modules, sorted.
    pub fn module_names(&self) -> Vec<String> {
        let mut v: Vec<String> = self.modules.iter().map(|m| m.name.clone()).collect();
        v.sort();
        v
    }

    /// The summary of a first-party module.
    pub fn summary(&self, module: &str) -> Option<&FileSummary> {
        self.by_name
            .get(module)
            .map(|i| self.modules[*i].summary.as_ref())
    }

    fn add_node(
        &mut self,
        key: Key,
        what: What,
        label: String,
        file: Option<Arc<str>>,
        line: u32,
    ) -> usize {
        let i = self.nodes.len();
        self.nodes.push(GNode {
            what,
            label,
            file,
            line,
            local: [0; 32],
            deps: BTreeSet::new(),
            externals: BTreeSet::new(),
            warnings: BTreeSet::new(),
        });
        match key {
            // Symbols are looked up through `syms` (by `&str`), never through `keys`.
            Key::Sym(m, name) => {
                if self.syms.len() <= m {
                    self.syms.resize_with(m + 1, HashMap::new);
                }
                self.syms[m].insert(name, i);
            }
            key => {
                self.keys.insert(key, i);
            }
        }
        i
    }

    fn node(&self, key: &Key) -> usize {
        self.keys[key]
    }

    /// The node of symbol `name` of module `m`, if it has code.
    fn sym(&self, m: usize, name: &str) -> Option<usize> {
        self.syms.get(m).and_then(|t| t.get(name)).copied()
    }

    #[allow(clippy::too_many_lines)]
    /// Creates every node (modules, wholes, symbols with code, packages), without edges.
    fn build_nodes(&mut self) {
        for m in 0..self.modules.len() {
            let name = self.modules[m].name.clone();
            let file: Arc<str> = Arc::from(self.modules[m].file.as_str());
            self.add_node(
                Key::Module(m),
                What::Module(m),
                name.clone(),
                Some(file.clone()),
                1,
            );
            self.add_node(
                Key::Whole(m),
                What::Whole(m),
                format!("{name}:*"),
                Some(file.clone()),
                1,
            );
            let summary = Arc::clone(&self.modules[m].summary);
            for (bi, (sym, alts)) in summary.bindings.iter().enumerate() {
                let line = alts.iter().find_map(|b| match b {
                    Binding::Def { unit, .. } | Binding::Store { unit } => Some(unit.line),
                    _ => None,
                });
                let has_code = alts
                    .iter()
                    .any(|b| matches!(b, Binding::GlobalWrite { .. }))
                    || line.is_some();
                if has_code {
                    self.add_node(
                        Key::Sym(m, sym.clone()),
                        What::Sym(m, bi),
                        format!("{name}:{sym}"),
                        Some(file.clone()),
                        line.unwrap_or(1),
                    );
                }
            }
        }
        let mut tops: Vec<String> = self.tops.iter().cloned().collect();
        tops.sort();
        for t in tops {
            let label = format!("{t}.*");
            let local = digest_parts(&[b"package", t.as_bytes()]);
            let i = self.add_node(Key::Package(t.clone()), What::Package(t), label, None, 0);
            self.nodes[i].local = local;
        }
    }

    /// Monkeypatches: `other.func = x` makes `other.func` depend on the patching module. Gives
    /// (patched node, patching module) pairs.
    fn patch_edges(&self) -> Vec<(usize, usize)> {
        let mut r = Resolver::new(self);
        let mut edges = Vec::new();
        for m in 0..self.modules.len() {
            let s = &self.modules[m].summary;
            for p in &s.patches {
                r.reset_memo();
                let (attrs, last) = p.attrs.split_at(p.attrs.len().saturating_sub(1));
                let mut tg = Vec::new();
                let mut dummy = Vec::new();
                r.resolve_ref(
                    m,
                    &Ref::Name {
                        root: p.root.clone(),
                        attrs: attrs.to_vec(),
                    },
                    &mut tg,
                    &mut dummy,
                );
                for t in tg {
                    if let Tgt::Mod(i) = t
                        && let Some(name) = last.first()
                    {
                        for t2 in r.lookup(i, name, 0) {
                            if let Tgt::Node(n) = t2 {
                                edges.push((n, m));
                            }
                        }
                    }
                }
                let _ = r.take_warnings();
            }
        }
        edges
    }

    /// The plans of `nodes`, in parallel over fixed chunks. Each plan is resolved with a fresh memo, so it
    /// depends on its node alone: never on the thread count, on other nodes, or on which nodes are planned.
    fn plans(&self, nodes: &[usize]) -> Vec<Plan> {
        nodes
            .par_chunks(RESOLVE_CHUNK)
            .flat_map_iter(|chunk| {
                let mut r = Resolver::new(self);
                chunk
                    .iter()
                    .map(|&n| self.node_plan(&mut r, n))
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    /// Records plans as the nodes' local hashes, edges, distributions and warnings; gives the targets.
    fn apply(&mut self, plans: Vec<Plan>, patches: &HashMap<usize, Vec<usize>>) -> Vec<usize> {
        let mut targets = Vec::new();
        for (node, local, tg, warns) in plans {
            self.nodes[node].local = local;
            for t in tg {
                match t {
                    Tgt::Node(n) => {
                        self.nodes[node].deps.insert(n);
                    }
                    Tgt::Mod(i) => {
                        let n = self.node(&Key::Module(i));
                        if n != node {
                            self.nodes[node].deps.insert(n);
                        }
                    }
                    Tgt::Ext(d) => {
                        self.nodes[node].externals.insert(d);
                    }
                    Tgt::Ns(_) | Tgt::Builtin => {}
                }
            }
            if let Some(ms) = patches.get(&node) {
                for m in ms {
                    let target = self.node(&Key::Module(*m));
                    self.nodes[node].deps.insert(target);
                }
            }
            self.nodes[node].warnings.extend(warns);
            targets.extend(self.nodes[node].deps.iter().copied());
        }
        targets
    }

    /// The patch edges, by patched node.
    fn patch_map(&self) -> HashMap<usize, Vec<usize>> {
        let mut map: HashMap<usize, Vec<usize>> = HashMap::new();
        for (n, m) in self.patch_edges() {
            map.entry(n).or_default().push(m);
        }
        map
    }

    /// Resolves every node.
    fn build_graph(&mut self) {
        self.build_nodes();
        let patches = self.patch_map();
        let all: Vec<usize> = (0..self.nodes.len()).collect();
        let plans = self.plans(&all);
        self.apply(plans, &patches);
        self.planned = vec![true; self.nodes.len()];
    }

    /// Resolves only the nodes reachable from `roots` (breadth first, each level in parallel). Their
    /// edges and hashes are exactly those of a full build.
    fn build_reachable(&mut self, roots: &BTreeSet<usize>) {
        let patches = self.patch_map();
        let mut frontier: Vec<usize> = Vec::new();
        for &r in roots {
            if !self.planned[r] {
                self.planned[r] = true;
                frontier.push(r);
            }
        }
        while !frontier.is_empty() {
            let plans = self.plans(&frontier);
            let targets = self.apply(plans, &patches);
            frontier.clear();
            for t in targets {
                if !self.planned[t] {
                    self.planned[t] = true;
                    frontier.push(t);
                }
            }
            frontier.sort_unstable();
        }
    }

    /// The plan (local hash, targets, warnings) of one node.
    fn node_plan(&self, r: &mut Resolver<'_>, node: usize) -> Plan {
        r.reset_memo();
        let _ = r.take_warnings();
        match &self.nodes[node].what {
            What::Module(m) => self.preamble_plan(r, node, *m),
            What::Sym(m, bi) => self.symbol_plan(r, node, *m, *bi),
            What::Whole(m) => self.whole_plan(r, node, *m),
            What::Package(t) => {
                let prefix = format!("{t}.");
                let tg: Vec<Tgt> = (0..self.modules.len())
                    .filter(|i| {
                        self.modules[*i].name == *t || self.modules[*i].name.starts_with(&prefix)
                    })
                    .map(|i| Tgt::Node(r.whole(i)))
                    .collect();
                (node, self.nodes[node].local, tg, Vec::new())
            }
        }
    }

    /// The plan of module `m`'s preamble node.
    fn preamble_plan(&self, r: &mut Resolver<'_>, node: usize, m: usize) -> Plan {
        let me = &self.modules[m];
        let s = &me.summary;
        // Module preamble.
        let mut res_map = Vec::new();
        let mut tg = Vec::new();
        let mut h = blake3::Hasher::new();
        h.update(b"module\0");
        h.update(me.name.as_bytes());
        h.update(&[u8::from(s.parse_ok), u8::from(me.is_package)]);
        for u in &s.preamble {
            h.update(u.hash.as_bytes());
            r.unit(m, u, &mut tg, &mut res_map);
        }
        for st in &s.star_imports {
            h.update(format!("star:{}:{}", st.level, st.module).as_bytes());
            match r.absolutize(m, st.level, &st.module, st.line) {
                Some(abs) => {
                    let t = r.module(&abs, m, st.line);
                    tg.extend(t);
                }
                None => tg.push(Tgt::Node(r.whole(m))),
            }
        }
        if let Some((parent, _)) = me.name.rsplit_once('.')
            && let Some(p) = self.by_name.get(parent)
        {
            tg.push(Tgt::Mod(*p));
        }
        if !s.parse_ok {
            r.warn(m, Some(1), WarningKind::ParseError, "the file has syntax errors; its raw bytes are hashed, so any edit to it changes the fingerprints of its users".to_owned());
        }
        let mut warns = r.take_warnings();
        res_map.sort();
        for (a, b) in &res_map {
            h.update(a.as_bytes());
            h.update(b.as_bytes());
        }
        (
            node,
            *h.finalize().as_bytes(),
            tg,
            std::mem::take(&mut warns),
        )
    }

    /// The plan of symbol node `node`: binding `bi` of module `m`.
    fn symbol_plan(&self, r: &mut Resolver<'_>, node: usize, m: usize, bi: usize) -> Plan {
        let me = &self.modules[m];
        let s = &me.summary;
        let Some((sym, alts)) = s.bindings.get_index(bi) else {
            return (node, [0; 32], Vec::new(), Vec::new());
        };
        {
            let mut res_map = Vec::new();
            let mut tg = vec![Tgt::Mod(m)];
            let mut h = blake3::Hasher::new();
            h.update(b"symbol\0");
            h.update(me.name.as_bytes());
            h.update(b":");
            h.update(sym.as_bytes());
            for b in alts {
                match b {
                    Binding::Def { class, unit } => {
                        h.update(if *class { b"class" } else { b"def\0\0" });
                        h.update(unit.hash.as_bytes());
                        r.unit(m, unit, &mut tg, &mut res_map);
                    }
                    Binding::Store { unit } => {
                        h.update(b"store");
                        h.update(unit.hash.as_bytes());
                        r.unit(m, unit, &mut tg, &mut res_map);
                    }
                    Binding::GlobalWrite { by } => {
                        h.update(b"global");
                        h.update(by.as_bytes());
                        if let Some(n) = self.sym(m, by) {
                            tg.push(Tgt::Node(n));
                        }
                    }
                    Binding::Import { module, .. } => {
                        h.update(b"import");
                        h.update(module.as_bytes());
                        import_targets(r, m, b, &mut tg);
                    }
                    Binding::ImportFrom {
                        level,
                        module,
                        name,
                        ..
                    } => {
                        h.update(format!("from:{level}:{module}:{name}").as_bytes());
                        import_targets(r, m, b, &mut tg);
                    }
                }
            }
            res_map.sort();
            for (a, b) in &res_map {
                h.update(a.as_bytes());
                h.update(b.as_bytes());
            }
            (node, *h.finalize().as_bytes(), tg, r.take_warnings())
        }
    }

    /// The plan of module `m`'s whole-module node.
    fn whole_plan(&self, r: &mut Resolver<'_>, node: usize, m: usize) -> Plan {
        let me = &self.modules[m];
        let s = &me.summary;
        // Whole module: every symbol, the preamble, and every import's target.
        let mut tg = vec![Tgt::Mod(m)];
        for (sym, alts) in &s.bindings {
            if let Some(n) = self.sym(m, sym) {
                tg.push(Tgt::Node(n));
            }
            for b in alts {
                import_targets(r, m, b, &mut tg);
            }
        }
        for st in &s.star_imports {
            if let Some(abs) = r.absolutize(m, st.level, &st.module, st.line) {
                for t in r.module(&abs, m, st.line) {
                    tg.push(match t {
                        Tgt::Mod(i) => Tgt::Node(r.whole(i)),
                        other => other,
                    });
                }
            }
        }
        let local = digest_parts(&[b"whole", me.name.as_bytes(), s.norm_hash.as_bytes()]);
        (node, local, tg, r.take_warnings())
    }

    fn compute_deep(&mut self) {
        let mut g: DiGraph<(), ()> = DiGraph::with_capacity(self.nodes.len(), 0);
        for _ in 0..self.nodes.len() {
            g.add_node(());
        }
        for (i, n) in self.nodes.iter().enumerate() {
            for d in &n.deps {
                g.add_edge(NodeIndex::new(i), NodeIndex::new(*d), ());
            }
        }
        let sccs = petgraph::algo::tarjan_scc(&g);
        let mut scc_of = vec![usize::MAX; self.nodes.len()];
        let mut deep = vec![[0u8; 32]; self.nodes.len()];
        for (si, scc) in sccs.iter().enumerate() {
            for n in scc {
                scc_of[n.index()] = si;
            }
        }
        let mut scc_deep: Vec<Digest> = vec![[0; 32]; sccs.len()];
        let mut members: Vec<(&str, Digest)> = Vec::new();
        let mut dep_deeps: Vec<Digest> = Vec::new();
        let mut exts: Vec<(&str, &str)> = Vec::new();
        for (si, scc) in sccs.iter().enumerate() {
            // Unresolved nodes (a build for some entries only) have no edges and are never reached.
            if scc.iter().any(|n| !self.planned[n.index()]) {
                continue;
            }
            members.clear();
            dep_deeps.clear();
            exts.clear();
            members.extend(scc.iter().map(|n| {
                let node = &self.nodes[n.index()];
                (node.label.as_str(), node.local)
            }));
            members.sort_unstable();
            for n in scc {
                let node = &self.nodes[n.index()];
                for d in &node.deps {
                    let ds = scc_of[*d];
                    if ds != si {
                        dep_deeps.push(scc_deep[ds]);
                    }
                }
                for e in &node.externals {
                    exts.push((e.as_str(), self.pins.version(e).unwrap_or("unpinned")));
                }
            }
            // Sorted and unique, as the sets they stand for.
            dep_deeps.sort_unstable();
            dep_deeps.dedup();
            exts.sort_unstable();
            exts.dedup();
            let mut h = blake3::Hasher::new();
            h.update(b"scc\0");
            for (l, d) in &members {
                h.update(&(l.len() as u64).to_le_bytes());
                h.update(l.as_bytes());
                h.update(d);
            }
            h.update(b"deps\0");
            for d in &dep_deeps {
                h.update(d);
            }
            h.update(b"ext\0");
            for (d, v) in &exts {
                h.update(&(d.len() as u64).to_le_bytes());
                h.update(d.as_bytes());
                h.update(&(v.len() as u64).to_le_bytes());
                h.update(v.as_bytes());
            }
            scc_deep[si] = *h.finalize().as_bytes();
        }
        for (i, d) in deep.iter_mut().enumerate() {
            *d = scc_deep[scc_of[i]];
        }
        self.deep = deep;
    }

    /// The hash of one entry point and what it starts from (no closure walk: O(size of the entry)).
    fn entry_hash(&self, entry: &EntryPoint) -> EntryHash {
        self.entry_hash_with(&mut Resolver::new(self), entry)
    }

    /// [`Index::entry_hash`] with a resolver to reuse (its memo is reset first).
    fn entry_hash_with(&self, r: &mut Resolver<'_>, entry: &EntryPoint) -> EntryHash {
        r.reset_memo();
        let _ = r.take_warnings();
        let mut roots: BTreeSet<usize> = BTreeSet::new();
        let mut externals: BTreeSet<String> = BTreeSet::new();
        let mut extras: Vec<SymbolRecord> = Vec::new();
        let mut h = blake3::Hasher::new();
        for part in [
            SCHEMA_VERSION,
            TOOL_VERSION,
            GRAMMAR_VERSION,
            NORMALIZER_VERSION,
            self.python.as_str(),
        ] {
            h.update(&(part.len() as u64).to_le_bytes());
            h.update(part.as_bytes());
        }
        let mut tg = Vec::new();
        self.entry_func(r, &entry.func, &mut tg, &mut extras, &mut h);
        for sym in &entry.extra_symbols {
            h.update(b"extra\0");
            h.update(sym.as_bytes());
            tg.extend(r.dotted_symbol(sym));
        }
        for t in tg {
            match t {
                Tgt::Node(n) => {
                    roots.insert(n);
                }
                Tgt::Mod(i) => {
                    roots.insert(self.node(&Key::Module(i)));
                }
                Tgt::Ext(d) => {
                    externals.insert(d);
                }
                Tgt::Ns(_) | Tgt::Builtin => {}
            }
        }
        // The Merkle hashes of the roots cover the whole closure, its code and its pinned distributions.
        h.update(b"roots\0");
        let root_deeps: BTreeSet<Digest> = roots.iter().map(|n| self.deep[*n]).collect();
        for d in &root_deeps {
            h.update(d);
        }
        h.update(b"direct-ext\0");
        for d in &externals {
            h.update(d.as_bytes());
            h.update(b"=");
            h.update(self.pins.version(d).unwrap_or("unpinned").as_bytes());
            h.update(b"\0");
        }
        EntryHash {
            hash: h.finalize().to_hex().to_string(),
            roots,
            externals,
            warnings: r.take_warnings(),
            extras,
        }
    }

    /// Every graph node reachable from `roots` (breadth first, roots first).
    fn reachable(&self, roots: impl IntoIterator<Item = usize>) -> Vec<usize> {
        let mut seen = vec![false; self.nodes.len()];
        let mut order: Vec<usize> = Vec::new();
        for r in roots {
            if !seen[r] {
                seen[r] = true;
                order.push(r);
            }
        }
        let mut i = 0;
        while i < order.len() {
            for d in &self.nodes[order[i]].deps {
                if !seen[*d] {
                    seen[*d] = true;
                    order.push(*d);
                }
            }
            i += 1;
        }
        order
    }

    fn externals_record(&self, dists: BTreeSet<String>) -> Vec<ExternalRecord> {
        dists
            .into_iter()
            .map(|d| ExternalRecord {
                version: self.pins.version(&d).map(str::to_owned),
                dist: d,
            })
            .collect()
    }

    /// The fingerprint of one entry point, with its closure records (computed on demand: the closure walk
    /// is for explanations, the hash itself comes from the Merkle hashes).
    pub fn fingerprint(&self, entry: &EntryPoint) -> Fingerprint {
        let EntryHash {
            hash,
            roots,
            mut externals,
            warnings,
            extras,
        } = self.entry_hash(entry);
        let mut warnings: BTreeSet<Warning> = warnings.into_iter().collect();
        let mut closure = Vec::new();
        for n in self.reachable(roots) {
            let node = &self.nodes[n];
            closure.push(SymbolRecord {
                symbol: node.label.clone(),
                file: node.file.as_deref().map(str::to_owned),
                line: node.line,
                hash: short_hex(&node.local),
            });
            externals.extend(node.externals.iter().cloned());
            warnings.extend(node.warnings.iter().cloned());
        }
        closure.extend(extras);
        closure.sort();
        Fingerprint {
            hash,
            python: self.python.clone(),
            closure,
            externals: self.externals_record(externals),
            warnings: warnings.into_iter().collect(),
        }
    }

    /// The fingerprints of many entries (in parallel, O(V+E) for all of them together: each entry hashes
    /// the Merkle hashes of its roots), the warnings of every closure, and the compact [`Record`] that
    /// explains them.
    pub fn fingerprint_all(&self, entries: &[(String, EntryPoint)]) -> FingerprintSet {
        let hashes: Vec<EntryHash> = entries
            .par_iter()
            .map_init(
                || Resolver::new(self),
                |r, (_, e)| self.entry_hash_with(r, e),
            )
            .collect();
        let mut warnings: BTreeSet<Warning> = BTreeSet::new();
        for e in &hashes {
            warnings.extend(e.warnings.iter().cloned());
        }
        let reach = self.reachable(hashes.iter().flat_map(|e| e.roots.iter().copied()));
        for n in &reach {
            warnings.extend(self.nodes[*n].warnings.iter().cloned());
        }
        let record = self.record(entries, &hashes, &reach);
        FingerprintSet {
            python: self.python.clone(),
            nodes: entries
                .iter()
                .zip(&hashes)
                .map(|((k, _), e)| (k.clone(), e.hash.clone()))
                .collect(),
            warnings: warnings.into_iter().collect(),
            record: Some(record),
            reused: false,
            key: None,
        }
    }

    /// The compact record of `entries`: every reachable symbol once (with its dependencies as ids), each
    /// entry as its roots.
    fn record(
        &self,
        entries: &[(String, EntryPoint)],
        hashes: &[EntryHash],
        reach: &[usize],
    ) -> Record {
        let mut sorted: Vec<usize> = reach.to_vec();
        sorted.sort_by(|a, b| self.nodes[*a].label.cmp(&self.nodes[*b].label));
        let mut id = vec![u32::MAX; self.nodes.len()];
        for (i, n) in sorted.iter().enumerate() {
            id[*n] = u32::try_from(i).unwrap_or(u32::MAX);
        }
        let mut files: Vec<String> = Vec::new();
        let mut file_id: HashMap<&str, u32> = HashMap::new();
        let mut dists: Vec<String> = Vec::new();
        let mut dist_id: HashMap<&str, u32> = HashMap::new();
        let mut symbols = Vec::with_capacity(sorted.len());
        for n in &sorted {
            let node = &self.nodes[*n];
            let file = node.file.as_deref().map(|f| {
                *file_id.entry(f).or_insert_with(|| {
                    files.push(f.to_owned());
                    u32::try_from(files.len() - 1).unwrap_or(u32::MAX)
                })
            });
            let ext: Vec<u32> = node
                .externals
                .iter()
                .map(|d| {
                    *dist_id.entry(d.as_str()).or_insert_with(|| {
                        dists.push(d.clone());
                        u32::try_from(dists.len() - 1).unwrap_or(u32::MAX)
                    })
                })
                .collect();
            let mut deps: Vec<u32> = node.deps.iter().map(|d| id[*d]).collect();
            deps.sort_unstable();
            symbols.push(RecordSymbol(
                node.label.clone(),
                file,
                node.line,
                short_hex(&node.local),
                deps,
                ext,
            ));
        }
        let mut nodes = BTreeMap::new();
        for ((key, _), e) in entries.iter().zip(hashes) {
            let mut roots: Vec<u32> = e.roots.iter().map(|n| id[*n]).collect();
            roots.sort_unstable();
            let ext: Vec<u32> = e
                .externals
                .iter()
                .map(|d| {
                    *dist_id.entry(d.as_str()).or_insert_with(|| {
                        dists.push(d.clone());
                        u32::try_from(dists.len() - 1).unwrap_or(u32::MAX)
                    })
                })
                .collect();
            nodes.insert(
                key.clone(),
                RecordNode {
                    hash: e.hash.clone(),
                    roots,
                    extras: e.extras.clone(),
                    externals: ext,
                },
            );
        }
        let dists = dists
            .into_iter()
            .map(|d| ExternalRecord {
                version: self.pins.version(&d).map(str::to_owned),
                dist: d,
            })
            .collect();
        Record {
            schema: RECORD_VERSION.to_owned(),
            python: self.python.clone(),
            files,
            dists,
            symbols,
            nodes,
        }
    }

    fn entry_func(
        &self,
        r: &mut Resolver<'_>,
        f: &FuncRef,
        tg: &mut Vec<Tgt>,
        extras: &mut Vec<SymbolRecord>,
        h: &mut blake3::Hasher,
    ) {
        match f {
            FuncRef::Function { module, name } => {
                h.update(b"function\0");
                h.update(module.as_bytes());
                h.update(b":");
                h.update(name.as_bytes());
                tg.extend(r.dotted_symbol(&format!("{module}.{name}")));
            }
            FuncRef::Partial {
                inner,
                args,
                module,
            } => {
                h.update(b"partial\0");
                self.entry_func(r, inner, tg, extras, h);
                let (hash, mut refs) = expression_refs(&format!("__kdvc_partial__(\n{args}\n)"));
                refs.retain(|r| !matches!(r, Ref::Name { root, attrs } if root == "__kdvc_partial__" && attrs.is_empty()));
                h.update(hash.as_bytes());
                self.entry_refs(r, module.as_deref(), &refs, tg, h);
                extras.push(SymbolRecord {
                    symbol: format!(
                        "<partial args>{}",
                        module
                            .as_deref()
                            .map(|m| format!(" in {m}"))
                            .unwrap_or_default()
                    ),
                    file: module
                        .as_deref()
                        .and_then(|m| self.by_name.get(m))
                        .map(|i| self.modules[*i].file.clone()),
                    line: 0,
                    hash: hash.chars().take(16).collect(),
                });
            }
            FuncRef::Lambda { module, source } => {
                h.update(b"lambda\0");
                h.update(module.as_bytes());
                let (hash, refs) = expression_refs(source);
                h.update(hash.as_bytes());
                self.entry_refs(r, Some(module), &refs, tg, h);
                extras.push(SymbolRecord {
                    symbol: format!("<lambda> in {module}"),
                    file: self
                        .by_name
                        .get(module)
                        .map(|i| self.modules[*i].file.clone()),
                    line: 0,
                    hash: hash.chars().take(16).collect(),
                });
            }
        }
    }

    fn entry_refs(
        &self,
        r: &mut Resolver<'_>,
        module: Option<&str>,
        refs: &[Ref],
        tg: &mut Vec<Tgt>,
        h: &mut blake3::Hasher,
    ) {
        let Some(module) = module else {
            return;
        };
        let Some(&m) = self.by_name.get(module) else {
            r.warnings.push(Warning {
                kind: WarningKind::MissingEntry,
                module: module.to_owned(),
                file: None,
                line: None,
                message: format!(
                    "module {module} of a lambda or partial is not in the project's source roots"
                ),
            });
            return;
        };
        tg.push(Tgt::Mod(m));
        let mut res_map = Vec::new();
        for rf in refs {
            r.resolve_ref(m, rf, tg, &mut res_map);
        }
        res_map.sort();
        for (a, b) in res_map {
            h.update(a.as_bytes());
            h.update(b.as_bytes());
        }
    }

    /// The entries whose fingerprint differs between `self` (old) and `new`, with what changed (closures are
    /// walked only for those).
    pub fn diff(&self, new: &Index, entries: &[(String, EntryPoint)]) -> Vec<EntryDiff> {
        entries
            .par_iter()
            .filter_map(|(key, e)| {
                if self.entry_hash(e).hash == new.entry_hash(e).hash {
                    return None;
                }
                let (a, b) = (self.fingerprint(e), new.fingerprint(e));
                Some(EntryDiff {
                    key: key.clone(),
                    change: b.changed_symbols(&a),
                    before: a.hash,
                    after: b.hash,
                })
            })
            .collect()
    }
}

/// What an entry point's hash starts from.
struct EntryHash {
    hash: String,
    roots: BTreeSet<usize>,
    /// Distributions the entry itself imports (the roots' Merkle hashes cover the closure's).
    externals: BTreeSet<String>,
    warnings: Vec<Warning>,
    /// Records of the entry's own code (lambda, partial arguments).
    extras: Vec<SymbolRecord>,
}

/// The first 16 hex digits of a digest: enough to tell which symbols changed, in records.
pub(crate) fn short_hex(d: &Digest) -> String {
    let mut s = hex(d);
    s.truncate(16);
    s
}

/// Normalized hash and free references of an expression's source (a lambda, partial arguments).
fn expression_refs(source: &str) -> (String, Vec<Ref>) {
    let bytes = source.as_bytes();
    match grammar::parse(bytes) {
        Some(tree) if !tree.root_node().has_error() => {
            let root = tree.root_node();
            let hash = hex(&crate::normalize::digest(bytes, root));
            let c = summary::collect(bytes, root, false);
            (hash, c.refs.into_iter().collect())
        }
        _ => (
            format!("raw:{}", hex(&crate::normalize::raw_digest(bytes))),
            Vec::new(),
        ),
    }
}

/// Resolves references of one module to targets (code-fingerprint.md §3), memoised per (module, name).
struct Resolver<'a> {
    idx: &'a Index,
    /// Per module (created on first use): name -> targets. Reset for every plan (see
    /// [`Resolver::reset_memo`]).
    memo: Vec<Option<HashMap<String, Vec<Tgt>>>>,
    /// Modules whose memo has entries.
    touched: Vec<usize>,
    warnings: Vec<Warning>,
    /// Line of the unit being resolved (for warnings).
    line: Option<u32>,
}

impl<'a> Resolver<'a> {
    fn new(idx: &'a Index) -> Self {
        Self {
            idx,
            memo: vec![None; idx.modules.len()],
            touched: Vec::new(),
            warnings: Vec::new(),
            line: None,
        }
    }

    /// Forgets every memoised lookup, so that what follows depends on nothing resolved before: a
    /// lookup's result can depend on the lookups in progress (an import cycle is cut where it is entered).
    fn reset_memo(&mut self) {
        for m in self.touched.drain(..) {
            if let Some(t) = self.memo[m].as_mut() {
                t.clear();
            }
        }
    }

    fn take_warnings(&mut self) -> Vec<Warning> {
        std::mem::take(&mut self.warnings)
    }

    fn warn(&mut self, m: usize, line: Option<u32>, kind: WarningKind, message: String) {
        let me = &self.idx.modules[m];
        self.warnings.push(Warning {
            kind,
            module: me.name.clone(),
            file: Some(me.file.clone()),
            line,
            message,
        });
    }

    fn whole(&self, m: usize) -> usize {
        self.idx.keys[&Key::Whole(m)]
    }

    fn package(&self, top: &str) -> Option<usize> {
        self.idx.keys.get(&Key::Package(top.to_owned())).copied()
    }

    fn top_package_of(&self, m: usize) -> Tgt {
        let top = self.idx.modules[m]
            .name
            .split('.')
            .next()
            .unwrap_or_default();
        self.package(top)
            .map_or(Tgt::Node(self.whole(m)), Tgt::Node)
    }

    /// Resolves the refs and dynamic flags of one unit, appending targets and `(ref, target)` pairs.
    fn unit(&mut self, m: usize, u: &Unit, tg: &mut Vec<Tgt>, res_map: &mut ResMap<'a>) {
        self.line = Some(u.line);
        for rf in &u.refs {
            self.resolve_ref(m, rf, tg, res_map);
        }
        self.line = None;
        for d in &u.dynamic {
            match d {
                Dynamic::Globals | Dynamic::Exec | Dynamic::SysModules => {
                    tg.push(Tgt::Node(self.whole(m)));
                    self.warn(
                        m,
                        Some(u.line),
                        WarningKind::DynamicCode,
                        format!(
                            "{} at line {}: the whole module is part of the closure",
                            match d {
                                Dynamic::Globals => "globals()/vars()",
                                Dynamic::Exec => "exec/eval/compile",
                                _ => "sys.modules",
                            },
                            u.line
                        ),
                    );
                }
                Dynamic::DynamicImport => {
                    tg.push(self.top_package_of(m));
                    self.warn(m, Some(u.line), WarningKind::DynamicImport, format!(
                        "import with a computed module name at line {}: the whole first-party package is part of the closure; \
                         use a literal module name to narrow it", u.line));
                }
            }
        }
    }

    fn label(&self, t: &Tgt) -> Cow<'a, str> {
        match t {
            Tgt::Node(n) => Cow::Borrowed(self.idx.nodes[*n].label.as_str()),
            Tgt::Mod(i) => Cow::Owned(format!("module {}", self.idx.modules[*i].name)),
            Tgt::Ns(n) => Cow::Owned(format!("namespace {n}")),
            Tgt::Ext(d) => Cow::Owned(format!("dist {d}")),
            Tgt::Builtin => Cow::Borrowed("builtin"),
        }
    }

    fn resolve_ref(&mut self, m: usize, rf: &Ref, tg: &mut Vec<Tgt>, res_map: &mut ResMap<'a>) {
        let (key, found) = match rf {
            Ref::Name { root, attrs } => {
                let mut cur = self.name(m, root);
                let mut passed = Vec::new();
                for a in attrs {
                    let mut next = Vec::new();
                    for t in std::mem::take(&mut cur) {
                        match t {
                            Tgt::Mod(i) => {
                                passed.push(Tgt::Mod(i));
                                let found = self.lookup(i, a, 0);
                                if found.is_empty() {
                                    passed.push(Tgt::Node(self.whole(i)));
                                } else {
                                    next.extend(found);
                                }
                            }
                            Tgt::Ns(ns) => {
                                let full = format!("{ns}.{a}");
                                next.extend(self.module(&full, m, 0));
                            }
                            other => passed.push(other),
                        }
                    }
                    if next.is_empty() {
                        break;
                    }
                    cur = next;
                }
                passed.extend(cur);
                let key = if attrs.is_empty() {
                    root.clone()
                } else {
                    format!("{root}.{}", attrs.join("."))
                };
                (key, passed)
            }
            Ref::Import {
                level,
                module,
                name,
            } => {
                let mut out = Vec::new();
                match self.absolutize(m, *level, module, 0) {
                    Some(abs) => match name.as_deref() {
                        None => {
                            let parts: Vec<&str> = abs.split('.').collect();
                            for i in 1..=parts.len() {
                                out.extend(self.module(&parts[..i].join("."), m, 0));
                            }
                        }
                        Some("*") => {
                            for t in self.module(&abs, m, 0) {
                                out.push(match t {
                                    Tgt::Mod(i) => Tgt::Node(self.whole(i)),
                                    o => o,
                                });
                            }
                        }
                        Some(n) => out.extend(self.import_from(m, 0, &abs, n, 0)),
                    },
                    None => out.push(Tgt::Node(self.whole(m))),
                }
                (
                    format!(
                        "import {}{module}:{}",
                        ".".repeat(*level as usize),
                        name.as_deref().unwrap_or("")
                    ),
                    out,
                )
            }
            Ref::DynAttr { root } => {
                let mut out = Vec::new();
                for t in self.name(m, root) {
                    match t {
                        Tgt::Mod(i) => out.push(Tgt::Node(self.whole(i))),
                        Tgt::Ns(ns) => {
                            let top = ns.split('.').next().unwrap_or_default().to_owned();
                            if let Some(p) = self.package(&top) {
                                out.push(Tgt::Node(p));
                            }
                        }
                        _ => {}
                    }
                }
                (format!("getattr {root}"), out)
            }
        };
        for t in &found {
            res_map.push((key.clone(), self.label(t)));
        }
        tg.extend(found);
    }

    /// A free name of module `m`.
    fn name(&mut self, m: usize, name: &str) -> Vec<Tgt> {
        let found = self.lookup(m, name, 0);
        if !found.is_empty() {
            return found;
        }
        if kdvc_python::is_builtin(name) {
            return vec![Tgt::Builtin];
        }
        self.warn(m, self.line, WarningKind::Unresolved, format!(
            "name `{name}` is not defined at module level, imported or builtin: the whole module is part of the closure"));
        vec![Tgt::Node(self.whole(m))]
    }

    /// `x` looked up in module `m`'s namespace: bindings, submodule, star imports, `__getattr__`.
    fn lookup(&mut self, m: usize, x: &str, depth: usize) -> Vec<Tgt> {
        if let Some(v) = self.memo[m].as_ref().and_then(|t| t.get(x)) {
            return v.clone();
        }
        if depth > 40 {
            return vec![Tgt::Node(self.whole(m))];
        }
        // Guard against import cycles: a re-entrant lookup sees the whole module.
        let whole = self.whole(m);
        let t = self.memo[m].get_or_insert_default();
        if t.is_empty() {
            self.touched.push(m);
        }
        t.insert(x.to_owned(), vec![Tgt::Node(whole)]);
        let mut out = self.lookup_uncached(m, x, depth);
        out.sort();
        out.dedup();
        self.memo[m]
            .get_or_insert_default()
            .insert(x.to_owned(), out.clone());
        out
    }

    fn lookup_uncached(&mut self, m: usize, x: &str, depth: usize) -> Vec<Tgt> {
        let idx = self.idx;
        let me = &idx.modules[m];
        let s = &me.summary;
        let mut out = Vec::new();
        if let Some(alts) = s.bindings.get(x) {
            if let Some(n) = idx.sym(m, x) {
                out.push(Tgt::Node(n));
            }
            for b in alts {
                match b {
                    Binding::Import {
                        module,
                        loads,
                        line,
                    } => {
                        out.extend(self.module(module, m, *line));
                        if let Some(l) = loads {
                            out.extend(self.module(l, m, *line));
                        }
                    }
                    Binding::ImportFrom {
                        level,
                        module,
                        name,
                        line,
                    } => {
                        out.extend(self.import_from_depth(
                            m,
                            *level,
                            module,
                            name,
                            *line,
                            depth + 1,
                        ));
                    }
                    _ => {}
                }
            }
            return out;
        }
        let sub = format!("{}.{x}", me.name);
        if let Some(&i) = idx.by_name.get(&sub) {
            return vec![Tgt::Mod(i)];
        }
        if idx.namespaces.contains(&sub) {
            return vec![Tgt::Ns(sub)];
        }
        for st in &s.star_imports {
            let Some(abs) = self.absolutize(m, st.level, &st.module, st.line) else {
                continue;
            };
            match idx.by_name.get(&abs) {
                Some(&src) => {
                    let ss = &idx.modules[src].summary;
                    let exported = match &ss.all_exports {
                        Some(all) => all.iter().any(|a| a == x),
                        None => !x.starts_with('_'),
                    };
                    if exported {
                        out.extend(self.lookup(src, x, depth + 1));
                    }
                }
                None => {
                    let top = abs.split('.').next().unwrap_or_default();
                    if !idx.tops.contains(top) && !pins::is_stdlib(top) {
                        out.push(Tgt::Ext(pins::dist_of(top)));
                    } else if pins::is_stdlib(top) {
                        out.push(Tgt::Builtin);
                    }
                }
            }
        }
        if !out.is_empty() {
            return out;
        }
        if s.module_getattr {
            return vec![Tgt::Node(self.whole(m))];
        }
        out
    }

    /// A dotted module: first-party module, namespace package, unknown first-party (whole package), stdlib
    /// or third-party distribution.
    fn module(&mut self, abs: &str, from: usize, line: u32) -> Vec<Tgt> {
        let idx = self.idx;
        if let Some(&i) = idx.by_name.get(abs) {
            return vec![Tgt::Mod(i)];
        }
        if idx.namespaces.contains(abs) {
            return vec![Tgt::Ns(abs.to_owned())];
        }
        let top = abs.split('.').next().unwrap_or_default();
        if idx.tops.contains(top) {
            self.warn(from, (line > 0).then_some(line), WarningKind::UnknownModule, format!(
                "module `{abs}` is not in the project's source roots: the whole package `{top}` is part of the closure"));
            return self.package(top).map(Tgt::Node).into_iter().collect();
        }
        if pins::is_stdlib(top) || top.is_empty() {
            return vec![Tgt::Builtin];
        }
        vec![Tgt::Ext(pins::dist_of(top))]
    }

    fn import_from(
        &mut self,
        m: usize,
        level: u32,
        module: &str,
        name: &str,
        line: u32,
    ) -> Vec<Tgt> {
        self.import_from_depth(m, level, module, name, line, 0)
    }

    /// `from <level/module> import name` written in module `m`.
    fn import_from_depth(
        &mut self,
        m: usize,
        level: u32,
        module: &str,
        name: &str,
        line: u32,
        depth: usize,
    ) -> Vec<Tgt> {
        let Some(abs) = self.absolutize(m, level, module, line) else {
            return vec![Tgt::Node(self.whole(m))];
        };
        let idx = self.idx;
        let mut out = Vec::new();
        if let Some(&i) = idx.by_name.get(&abs) {
            out.push(Tgt::Mod(i));
            let found = self.lookup(i, name, depth + 1);
            if found.is_empty() {
                self.warn(m, (line > 0).then_some(line), WarningKind::Unresolved, format!(
                    "`{name}` is not defined in module `{abs}`: the whole module is part of the closure"));
                out.push(Tgt::Node(self.whole(i)));
            } else {
                out.extend(found);
            }
            return out;
        }
        if idx.namespaces.contains(&abs) {
            return self.module(&format!("{abs}.{name}"), m, line);
        }
        out.extend(self.module(&abs, m, line));
        out
    }

    /// Absolute module of a (possibly relative) import written in module `m`.
    fn absolutize(&mut self, m: usize, level: u32, module: &str, line: u32) -> Option<String> {
        if level == 0 {
            return Some(module.to_owned());
        }
        let me = &self.idx.modules[m];
        let mut parts: Vec<&str> = me.name.split('.').collect();
        if !me.is_package {
            parts.pop();
        }
        let mut ok = true;
        for _ in 1..level {
            ok &= parts.pop().is_some();
        }
        if !ok || parts.is_empty() {
            self.warn(m, (line > 0).then_some(line), WarningKind::BadRelativeImport, format!(
                "relative import with {level} dot(s) goes above the top-level package: the whole module is part of the closure"));
            return None;
        }
        if !module.is_empty() {
            parts.push(module);
        }
        Some(parts.join("."))
    }

    /// A dotted symbol such as `pkg.mod.Class.method`: the longest first-party module prefix, then the
    /// attribute chain; third-party prefixes give their distribution.
    fn dotted_symbol(&mut self, dotted: &str) -> Vec<Tgt> {
        let parts: Vec<&str> = dotted.split('.').collect();
        for i in (1..parts.len()).rev() {
            let module = parts[..i].join(".");
            if let Some(&m) = self.idx.by_name.get(&module) {
                let rf = Ref::Name {
                    root: parts[i].to_owned(),
                    attrs: parts[i + 1..].iter().map(|s| (*s).to_owned()).collect(),
                };
                let mut tg = vec![Tgt::Mod(m)];
                let found = self.lookup(m, parts[i], 0);
                if found.is_empty() {
                    self.warnings.push(Warning {
                        kind: WarningKind::MissingEntry,
                        module: module.clone(),
                        file: Some(self.idx.modules[m].file.clone()),
                        line: None,
                        message: format!("`{}` is not defined in module `{module}`: the whole module is fingerprinted", parts[i]),
                    });
                    tg.push(Tgt::Node(self.whole(m)));
                    return tg;
                }
                let mut dummy = Vec::new();
                self.resolve_ref(m, &rf, &mut tg, &mut dummy);
                return tg;
            }
        }
        let top = parts[0];
        if self.idx.tops.contains(top) {
            self.warnings.push(Warning {
                kind: WarningKind::MissingEntry,
                module: dotted.to_owned(),
                file: None,
                line: None,
                message: format!("no module of `{dotted}` is in the project's source roots: the whole package `{top}` is fingerprinted"),
            });
            return self.package(top).map(Tgt::Node).into_iter().collect();
        }
        if pins::is_stdlib(top) {
            return vec![Tgt::Builtin];
        }
        vec![Tgt::Ext(pins::dist_of(top))]
    }
}
