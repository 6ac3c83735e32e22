//! kdvc's caches in `<project>/.kdvc/cache/` (git-ignored through `.kdvc/.gitignore`), three files written
//! atomically (temp + fsync + rename):
//!
//! - `summaries.json`: every file summary, keyed by the blake3 of the file's bytes and the summary, tool,
//!   normalizer and grammar versions, in one packed file. Entries unused for [`MAX_AGE`] writes are
//!   dropped, so switching between branches (or `kdvc diff`) does not re-parse, and the file stays bounded.
//! - `files.json`: the stat cache, `path -> (size, mtime, ctime, inode, blake3)`, so that unchanged files
//!   are not even read. An entry is trusted only when the file's mtime is older than the previous run's
//!   start by [`RACY_NS`] (a file edited within the same timestamp tick is hashed again, as git does).
//! - `result.json`: the last [`FingerprintSet`], keyed by the combined hash of every input; with nothing
//!   changed, the fingerprints are reused without any resolution.
//!
//! A corrupt or outdated cache file counts as absent.

use foldhash::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::normalize::Digest;
use crate::record::FingerprintSet;
use crate::source::FileStamp;
use crate::summary::FileSummary;
use crate::{Error, GRAMMAR_VERSION, NORMALIZER_VERSION, SCHEMA_VERSION, TOOL_VERSION};

/// Version of the summary format (bump when [`FileSummary`] or the summarizer changes).
const SUMMARY_VERSION: &str = "summary-3";

/// Version of the cache file formats.
const CACHE_VERSION: &str = "kdvc-cache-2";

/// Packed summaries unused for this many writes are dropped.
const MAX_AGE: u32 = 8;

/// Stat entries whose mtime is this close to (or after) the time they were taken are hashed again.
const RACY_NS: i64 = 2_000_000_000;

/// The summary cache key of a file whose bytes hash to `content`.
pub(crate) fn summary_key(content: &Digest) -> String {
    let mut h = versioned(&[
        SUMMARY_VERSION,
        TOOL_VERSION,
        NORMALIZER_VERSION,
        GRAMMAR_VERSION,
    ]);
    h.update(content);
    let mut key = h.finalize().to_hex().to_string();
    key.truncate(32);
    key
}

/// A hasher that has taken `versions`, each followed by a NUL byte.
fn versioned(versions: &[&str]) -> blake3::Hasher {
    let mut h = blake3::Hasher::new();
    for part in versions {
        h.update(part.as_bytes());
        h.update(b"\0");
    }
    h
}

/// blake3 of a file's bytes.
pub(crate) fn content_hash(bytes: &[u8]) -> Digest {
    *blake3::hash(bytes).as_bytes()
}

#[derive(Deserialize)]
struct PackedFile {
    version: String,
    entries: Vec<PackedEntry>,
}

#[derive(Deserialize)]
struct PackedEntry {
    key: String,
    age: u32,
    summary: FileSummary,
}

#[derive(Serialize)]
struct PackedFileOut<'a> {
    version: &'a str,
    entries: Vec<PackedEntryOut<'a>>,
}

#[derive(Serialize)]
struct PackedEntryOut<'a> {
    key: &'a str,
    age: u32,
    summary: &'a FileSummary,
}

/// The packed summaries, loaded.
#[derive(Default)]
pub(crate) struct Packed {
    entries: HashMap<String, (u32, Arc<FileSummary>)>,
}

impl Packed {
    pub(crate) fn get(&self, key: &str) -> Option<Arc<FileSummary>> {
        self.entries.get(key).map(|(_, s)| Arc::clone(s))
    }
}

#[derive(Clone, Copy, Serialize, Deserialize)]
struct StatEntry(u64, i64, i64, u64, [u8; 32]);

#[derive(Serialize, Deserialize, Default)]
struct StatFile {
    version: String,
    /// When the stamps were taken (ns since the epoch).
    taken: i64,
    files: HashMap<String, StatEntry>,
}

/// The stat cache, loaded.
#[derive(Default)]
pub(crate) struct StatCache {
    file: StatFile,
}

impl StatCache {
    /// The remembered hash of `file` if its stamp is unchanged and was not racy when taken.
    pub(crate) fn lookup(&self, file: &str, stamp: &FileStamp) -> Option<Digest> {
        let e = self.file.files.get(file)?;
        let same =
            e.0 == stamp.size && e.1 == stamp.mtime_ns && e.2 == stamp.ctime_ns && e.3 == stamp.ino;
        (same && stamp.mtime_ns < self.file.taken - RACY_NS).then_some(e.4)
    }
}

/// The cache directory of a project, or no cache at all.
#[derive(Debug, Clone)]
pub(crate) struct Caches {
    kdvc_dir: Option<PathBuf>,
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Option<T> {
    let bytes = std::fs::read(path).ok()?;
    serde_json::from_slice(&bytes).ok()
}

fn to_json<T: Serialize>(path: &Path, value: &T) -> Result<Vec<u8>, Error> {
    serde_json::to_vec(value).map_err(|e| Error::Io {
        path: path.to_path_buf(),
        message: e.to_string(),
    })
}

impl Caches {
    /// Caches under `kdvc_dir` (usually `<project>/.kdvc`); `None` disables caching.
    pub(crate) fn new(kdvc_dir: Option<PathBuf>) -> Self {
        Self { kdvc_dir }
    }

    /// True when caching is on.
    pub(crate) fn enabled(&self) -> bool {
        self.kdvc_dir.is_some()
    }

    fn path(&self, name: &str) -> Option<PathBuf> {
        self.kdvc_dir.as_ref().map(|d| d.join("cache").join(name))
    }

    /// Creates the cache directory and `.kdvc/.gitignore` (`*`) if missing.
    pub(crate) fn prepare(&self) -> Result<(), Error> {
        let (Some(kdvc), Some(dir)) = (&self.kdvc_dir, self.path("")) else {
            return Ok(());
        };
        std::fs::create_dir_all(&dir).map_err(|e| Error::Io {
            path: dir.clone(),
            message: e.to_string(),
        })?;
        let ignore = kdvc.join(".gitignore");
        if !ignore.exists() {
            write_atomic(
                &ignore,
                b"# kdvc's caches and generated state; never commit them.\n*\n",
            )?;
        }
        Ok(())
    }

    /// The packed summaries (empty when absent, unreadable or outdated).
    pub(crate) fn load_summaries(&self) -> Packed {
        let Some(path) = self.path("summaries.json") else {
            return Packed::default();
        };
        match read_json::<PackedFile>(&path) {
            Some(f) if f.version == CACHE_VERSION => Packed {
                entries: f
                    .entries
                    .into_iter()
                    .map(|e| (e.key, (e.age, Arc::new(e.summary))))
                    .collect(),
            },
            _ => Packed::default(),
        }
    }

    /// Stores the packed summaries: `used` entries (new or hit) get age 0, the others age by one and are
    /// dropped past [`MAX_AGE`].
    pub(crate) fn store_summaries(
        &self,
        old: Packed,
        used: &[(String, Arc<FileSummary>)],
    ) -> Result<(), Error> {
        let Some(path) = self.path("summaries.json") else {
            return Ok(());
        };
        let mut entries = old.entries;
        for (_, (age, _)) in entries.iter_mut() {
            *age += 1;
        }
        for (k, s) in used {
            entries.insert(k.clone(), (0, Arc::clone(s)));
        }
        let mut list: Vec<PackedEntryOut<'_>> = entries
            .iter()
            .filter(|(_, (age, _))| *age <= MAX_AGE)
            .map(|(key, (age, summary))| PackedEntryOut {
                key,
                age: *age,
                summary,
            })
            .collect();
        list.sort_by(|a, b| a.key.cmp(b.key));
        let file = PackedFileOut {
            version: CACHE_VERSION,
            entries: list,
        };
        write_atomic(&path, &to_json(&path, &file)?)
    }

    /// The stat cache (empty when absent, unreadable or outdated).
    pub(crate) fn load_stats(&self) -> StatCache {
        let Some(path) = self.path("files.json") else {
            return StatCache::default();
        };
        match read_json::<StatFile>(&path) {
            Some(f) if f.version == CACHE_VERSION => StatCache { file: f },
            _ => StatCache::default(),
        }
    }

    /// Stores the stamps and hashes of this run's files, taken at `taken` (ns since the epoch).
    pub(crate) fn store_stats(
        &self,
        taken: i64,
        files: &[(String, FileStamp, Digest)],
    ) -> Result<(), Error> {
        let Some(path) = self.path("files.json") else {
            return Ok(());
        };
        let file = StatFile {
            version: CACHE_VERSION.to_owned(),
            taken,
            files: files
                .iter()
                .map(|(f, s, h)| {
                    (
                        f.clone(),
                        StatEntry(s.size, s.mtime_ns, s.ctime_ns, s.ino, *h),
                    )
                })
                .collect(),
        };
        write_atomic(&path, &to_json(&path, &file)?)
    }

    /// The last stored result if its key is `key`.
    pub(crate) fn load_result(&self, key: &str) -> Option<FingerprintSet> {
        let path = self.path("result.json")?;
        let r: FingerprintSet = read_json(&path)?;
        (r.key.as_deref() == Some(key)).then_some(r)
    }

    /// Stores a result (with its key).
    pub(crate) fn store_result(&self, set: &FingerprintSet) -> Result<(), Error> {
        let Some(path) = self.path("result.json") else {
            return Ok(());
        };
        write_atomic(&path, &to_json(&path, set)?)
    }
}

/// The combined key of a run's inputs: versions, where the sources live, every file's content hash, the
/// project files the pins come from and the entry points.
pub(crate) struct KeyHasher(blake3::Hasher);

impl KeyHasher {
    pub(crate) fn new() -> Self {
        Self(versioned(&[
            CACHE_VERSION,
            SUMMARY_VERSION,
            SCHEMA_VERSION,
            TOOL_VERSION,
            NORMALIZER_VERSION,
            GRAMMAR_VERSION,
        ]))
    }

    pub(crate) fn part(&mut self, bytes: &[u8]) {
        self.0.update(&(bytes.len() as u64).to_le_bytes());
        self.0.update(bytes);
    }

    pub(crate) fn finish(self) -> String {
        self.0.finalize().to_hex().to_string()
    }
}

/// Writes `bytes` to `path` atomically ([`kdvc_fsutil::write_atomic`]); an error names `path`.
fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    kdvc_fsutil::write_atomic(path, bytes).map_err(|e| Error::Io {
        path: path.to_path_buf(),
        message: e.source.to_string(),
    })
}
