//! `.dvcignore` handling as in `dvc/ignore.py`: gitignore syntax, one file per directory, deeper files
//! override shallower ones, plus DVC's built-in ignores (`.git`, `.hg/`, `.dvc/`).

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use ignore::Match;
use ignore::gitignore::{Gitignore, GitignoreBuilder};

use crate::error::{Error, Result};

/// The `.dvcignore` rules that apply below a directory.
#[derive(Debug, Default)]
pub(crate) struct DvcIgnore {
    /// Matchers from the repository root down (the last is the deepest).
    matchers: Vec<Gitignore>,
}

impl DvcIgnore {
    /// Reads the `.dvcignore` files of `root` and of every directory between it and `path` (excluded:
    /// a `.dvcignore` inside `path` is an error DVC reports while walking).
    pub(crate) fn for_path(root: &Path, path: &Path) -> Result<Self> {
        let root = absolute(root)?;
        let path = absolute(path)?;
        let mut dirs: Vec<PathBuf> = Vec::new();
        if let Ok(rel) = path.strip_prefix(&root) {
            let mut cur = root.clone();
            dirs.push(cur.clone());
            let comps: Vec<_> = rel.components().collect();
            for c in comps.iter().take(comps.len().saturating_sub(1)) {
                cur.push(c);
                dirs.push(cur.clone());
            }
            if comps.is_empty() {
                // Hashing the root itself: its .dvcignore is inside the collected dir.
                dirs.clear();
            }
        }
        let mut matchers = Vec::new();
        for dir in dirs {
            let file = dir.join(".dvcignore");
            let text = match std::fs::read_to_string(&file) {
                Ok(t) => t,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(Error::io("read", &file, e)),
            };
            let mut b = GitignoreBuilder::new(&dir);
            for (i, line) in text.lines().enumerate() {
                // DVC strips every line (both ends) and drops empty lines and comments.
                let line = line.trim();
                if line.is_empty() || line.starts_with('#') {
                    continue;
                }
                b.add_line(None, line)
                    .map_err(|e| Error::BadIgnorePattern {
                        path: file.clone(),
                        line: i + 1,
                        message: e.to_string(),
                    })?;
            }
            let gi = b.build().map_err(|e| Error::BadIgnorePattern {
                path: file.clone(),
                line: 0,
                message: e.to_string(),
            })?;
            matchers.push(gi);
        }
        Ok(DvcIgnore { matchers })
    }

    /// Whether DVC skips `path` (named `name`) while walking.
    pub(crate) fn is_ignored(&self, path: &Path, name: &OsStr, is_dir: bool) -> bool {
        if name == ".git" || (is_dir && (name == ".hg" || name == ".dvc")) {
            return true;
        }
        for m in self.matchers.iter().rev() {
            match m.matched(path, is_dir) {
                Match::Ignore(_) => return true,
                Match::Whitelist(_) => return false,
                Match::None => {}
            }
        }
        false
    }

    /// Whether any `.dvcignore` rule is loaded (paths must then be absolute when matching).
    pub(crate) fn has_rules(&self) -> bool {
        !self.matchers.is_empty()
    }
}

fn absolute(p: &Path) -> Result<PathBuf> {
    std::path::absolute(p).map_err(|e| Error::io("resolve", p, e))
}
