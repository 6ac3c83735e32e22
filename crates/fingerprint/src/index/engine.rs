//! The engine: lists a project's first-party files, reads them through the caches and builds an [`Index`].

use std::path::{Path, PathBuf};
use std::sync::Arc;

use foldhash::{HashMap, HashMapExt};
use rayon::prelude::*;

use super::graph::Index;
use super::types::{EntryPoint, ProjectSources, Warning, WarningKind};
use crate::Error;
use crate::cache::{self, Caches, KeyHasher};
use crate::normalize::Digest;
use crate::pins::{self, Pins};
use crate::record::FingerprintSet;
use crate::source::{FileStamp, SourceProvider};
use crate::summary::{self, FileSummary};

/// Builds indexes of a project's first-party code.
#[derive(Debug, Clone)]
pub struct Engine {
    pub(super) sources: ProjectSources,
    pub(super) caches: Caches,
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
    pub(super) fn list(
        &self,
        src: &dyn SourceProvider,
    ) -> Result<(Vec<Listed>, Vec<Warning>), Error> {
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
    pub(super) fn inputs(&self, src: &dyn SourceProvider) -> Result<Inputs, Error> {
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
    pub(super) fn key(
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
    pub(super) fn index(
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

/// A first-party module found below a source root.
#[derive(Debug, Clone)]
pub(super) struct ModuleEntry {
    pub(super) name: String,
    pub(super) file: String,
    pub(super) is_package: bool,
    pub(super) summary: Arc<FileSummary>,
}

/// A first-party file listed below a source root.
pub(super) struct Listed {
    pub(super) module: String,
    pub(super) file: String,
    pub(super) is_package: bool,
}

/// A listed file's content hash, and its bytes when they had to be read.
pub(super) struct Hashed {
    pub(super) hash: Digest,
    pub(super) bytes: Option<Vec<u8>>,
}

/// What a run read before summarizing: the files, their hashes and the combined key.
pub(super) struct Inputs {
    pub(super) files: Vec<Listed>,
    pub(super) hashed: Vec<Hashed>,
    pub(super) warnings: Vec<Warning>,
}

pub(super) fn now_ns() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .ok()
        .and_then(|d| i64::try_from(d.as_nanos()).ok())
        .unwrap_or(0)
}

pub(super) fn cache_warning(e: &Error) -> Warning {
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

pub(super) fn slash(p: &Path) -> String {
    p.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// Dotted module name of a file below a source root, and whether it is a package `__init__.py`.
pub(super) fn module_name(root: &Path, rel: &Path) -> Option<(String, bool)> {
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
