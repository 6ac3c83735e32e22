//! Where the Python sources come from: the working tree, or a git revision read straight from the object
//! database (no checkout).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::Error;

/// A read-only view of a project's files. Paths are relative to the project root.
pub trait SourceProvider: Sync {
    /// Every `.py` file below `dir` (relative to the project root), relative to the project root, sorted.
    /// A missing `dir` gives an empty list.
    fn python_files(&self, dir: &Path) -> Result<Vec<PathBuf>, Error>;
    /// The bytes of a file, or `None` if it does not exist.
    fn read(&self, rel: &Path) -> Result<Option<Vec<u8>>, Error>;
    /// A short description for messages (`working tree at ...`, `git revision ...`).
    fn describe(&self) -> String;
    /// The file's size and timestamps, for the stat cache (unchanged stamp: unchanged content). `None`
    /// (the default) when the provider has no such notion: the file is then read and hashed.
    fn stamp(&self, rel: &Path) -> Option<FileStamp> {
        let _ = rel;
        None
    }
}

/// What the stat cache compares to decide that a file is unchanged without reading it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileStamp {
    /// Size in bytes.
    pub size: u64,
    /// Modification time, ns since the epoch.
    pub mtime_ns: i64,
    /// Status change time, ns since the epoch (0 where unknown).
    pub ctime_ns: i64,
    /// Inode number (0 where unknown).
    pub ino: u64,
}

fn nanos(t: std::io::Result<std::time::SystemTime>) -> i64 {
    t.ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .and_then(|d| i64::try_from(d.as_nanos()).ok())
        .unwrap_or(0)
}

fn skip_dir(name: &str) -> bool {
    name.starts_with('.')
        || name == "__pycache__"
        || name == "node_modules"
        || name.ends_with(".egg-info")
}

/// The files on disk under a project root.
#[derive(Debug, Clone)]
pub struct FsSource {
    root: PathBuf,
}

impl FsSource {
    /// A provider reading below `root`.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }
}

impl SourceProvider for FsSource {
    fn python_files(&self, dir: &Path) -> Result<Vec<PathBuf>, Error> {
        let base = self.root.join(dir);
        if !base.is_dir() {
            return Ok(Vec::new());
        }
        let mut out = Vec::new();
        let walker = walkdir::WalkDir::new(&base)
            .follow_links(true)
            .into_iter()
            .filter_entry(|e| {
                e.depth() == 0
                    || !(e.file_type().is_dir() && skip_dir(&e.file_name().to_string_lossy()))
            });
        for entry in walker {
            let entry = entry.map_err(|e| Error::Io {
                path: e.path().map_or_else(|| base.clone(), Path::to_path_buf),
                message: e.to_string(),
            })?;
            if entry.file_type().is_file() && entry.path().extension().is_some_and(|x| x == "py") {
                let rel = entry
                    .path()
                    .strip_prefix(&self.root)
                    .unwrap_or(entry.path())
                    .to_path_buf();
                out.push(rel);
            }
        }
        out.sort();
        Ok(out)
    }

    fn read(&self, rel: &Path) -> Result<Option<Vec<u8>>, Error> {
        let path = self.root.join(rel);
        match std::fs::read(&path) {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Error::Io {
                path,
                message: e.to_string(),
            }),
        }
    }

    fn describe(&self) -> String {
        format!("working tree at {}", self.root.display())
    }

    fn stamp(&self, rel: &Path) -> Option<FileStamp> {
        let meta = std::fs::metadata(self.root.join(rel)).ok()?;
        #[cfg(unix)]
        let (ctime_ns, ino) = {
            use std::os::unix::fs::MetadataExt;
            (
                meta.ctime()
                    .saturating_mul(1_000_000_000)
                    .saturating_add(meta.ctime_nsec()),
                meta.ino(),
            )
        };
        #[cfg(not(unix))]
        let (ctime_ns, ino) = (0, 0);
        Some(FileStamp {
            size: meta.len(),
            mtime_ns: nanos(meta.modified()),
            ctime_ns,
            ino,
        })
    }
}

/// The files of a project as committed at a git revision, read from git objects with gix.
///
/// Every `.py` file and the project-level files kdvc reads (`pyproject.toml`, `.python-version`, lock and
/// requirements files) are loaded into memory at [`GitTreeSource::open`].
#[derive(Debug, Clone)]
pub struct GitTreeSource {
    files: BTreeMap<PathBuf, Vec<u8>>,
    label: String,
}

fn wanted(rel: &str) -> bool {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    rel.ends_with(".py")
        || matches!(
            name,
            "pyproject.toml" | ".python-version" | "uv.lock" | "poetry.lock"
        )
        || (name.starts_with("pylock") && name.ends_with(".toml"))
        || (name.starts_with("requirements") && name.ends_with(".txt"))
}

impl GitTreeSource {
    /// Opens the git repository containing `project_root` and loads the files below `project_root` as of
    /// revision `rev` (`HEAD`, `HEAD~1`, a branch, a commit id, ...).
    pub fn open(project_root: &Path, rev: &str) -> Result<Self, Error> {
        let git_err = |message: String| Error::Git {
            path: project_root.to_path_buf(),
            rev: rev.to_owned(),
            message,
        };
        let repo =
            gix::discover(project_root).map_err(|e| git_err(format!("no git repository: {e}")))?;
        let workdir = repo.workdir().ok_or_else(|| {
            git_err("the repository is bare; kdvc needs the project's work tree".to_owned())
        })?;
        let canon = |p: &Path| p.canonicalize().unwrap_or_else(|_| p.to_path_buf());
        let prefix = canon(project_root)
            .strip_prefix(canon(workdir))
            .map(Path::to_path_buf)
            .unwrap_or_default();
        let prefix = prefix.to_string_lossy().replace('\\', "/");
        let prefix = if prefix.is_empty() {
            String::new()
        } else {
            format!("{prefix}/")
        };
        let id = repo.rev_parse_single(rev).map_err(|e| {
            git_err(format!(
                "cannot resolve the revision ({e}); check it with `git rev-parse {rev}`"
            ))
        })?;
        let tree = id
            .object()
            .map_err(|e| git_err(format!("cannot read {id}: {e}")))?
            .peel_to_tree()
            .map_err(|e| git_err(format!("{id} has no tree: {e}")))?;
        let entries = tree
            .traverse()
            .breadthfirst
            .files()
            .map_err(|e| git_err(format!("cannot walk the tree: {e}")))?;
        let mut files = BTreeMap::new();
        for e in entries {
            if !e.mode.is_blob() {
                continue;
            }
            let path = e.filepath.to_string();
            let Some(rel) = path.strip_prefix(&prefix) else {
                continue;
            };
            if rel.split('/').any(|c| c == "__pycache__") || !wanted(rel) {
                continue;
            }
            let obj = repo
                .find_object(e.oid)
                .map_err(|err| git_err(format!("cannot read blob {} ({path}): {err}", e.oid)))?;
            files.insert(PathBuf::from(rel), obj.data.clone());
        }
        Ok(Self {
            files,
            label: format!("git revision {rev} ({id})"),
        })
    }
}

impl SourceProvider for GitTreeSource {
    fn python_files(&self, dir: &Path) -> Result<Vec<PathBuf>, Error> {
        Ok(self
            .files
            .keys()
            .filter(|p| {
                (dir.as_os_str().is_empty() || p.starts_with(dir))
                    && p.extension().is_some_and(|x| x == "py")
                    && !p
                        .parent()
                        .into_iter()
                        .flat_map(Path::components)
                        .any(|c| skip_dir(&c.as_os_str().to_string_lossy()))
            })
            .cloned()
            .collect())
    }

    fn read(&self, rel: &Path) -> Result<Option<Vec<u8>>, Error> {
        Ok(self.files.get(rel).cloned())
    }

    fn describe(&self) -> String {
        self.label.clone()
    }
}
