//! Putting it together: compute every file translate writes, then write them (or diff them for
//! `kdvc check`).
//!
//! [`prepare`] reads the project's current files and computes the new contents of dvc.yaml, dvc.lock
//! (pruned), the `.dvc` files of raw inputs, and the `.gitignore` files, plus the DVC cache objects of raw
//! inputs. Nothing is written until [`Translation::write`]; if a write fails, the files already written
//! are put back as they were.
//!
//! Why the cache objects: a `.dvc` file whose object is missing from `.dvc/cache` makes `dvc status`
//! report `not in cache` (verified with DVC 3.67.1), so kdvc copies raw data into the cache exactly as
//! `dvc add` does. Objects are content-addressed and written with temp + rename; they are not part of
//! `kdvc check`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use kdvc_dvc_model::{DvcFile, HashOptions};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::gitignore::{self, IgnoreView, NEGATION_BLOCK};
use crate::input::PlanInput;
use crate::merge::prune_lock;
use crate::plan::{Plan, PlanOptions, plan};

/// One text file translate writes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileChange {
    /// Path relative to the project root.
    pub path: String,
    /// The current content (`None` = the file does not exist).
    pub old: Option<String>,
    /// The new content.
    pub new: String,
}

/// A file translate removes (a generated `.dvc` file whose raw input is gone, a `.gitignore` left empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileRemoval {
    /// Path relative to the project root.
    pub path: String,
    /// The current content.
    pub old: String,
}

/// A DVC cache object to create (raw data copied as `dvc add` would).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheObject {
    /// Destination (absolute).
    pub dest: PathBuf,
    /// Where the bytes come from.
    pub source: CacheSource,
}

/// The bytes of a [`CacheObject`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CacheSource {
    /// Copy this file.
    File(PathBuf),
    /// A directory manifest.
    Bytes(Vec<u8>),
}

/// What translate did (or would do), for the CLI to print.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TranslateReport {
    /// Generated stages that are new.
    pub stages_added: Vec<String>,
    /// Generated stages whose definition changed.
    pub stages_changed: Vec<String>,
    /// Generated stages removed (their nodes are gone).
    pub stages_removed: Vec<String>,
    /// Generated stages unchanged.
    pub stages_unchanged: Vec<String>,
    /// Fused groups: stage name and its nodes.
    pub fused_groups: Vec<(String, Vec<String>)>,
    /// Remote datasets DVC does not track: (dataset, URL).
    pub remote_datasets: Vec<(String, String)>,
    /// `.dvc` files written or updated.
    pub dvc_files: Vec<String>,
    /// Generated `.dvc` files removed: their raw input moved or left the pipeline.
    pub dvc_files_removed: Vec<String>,
    /// `.gitignore` files changed, with the lines added.
    pub gitignore_changes: Vec<(String, Vec<String>)>,
    /// dvc.lock entries pruned.
    pub lock_pruned: Vec<String>,
    /// Number of cache objects to add.
    pub cache_objects: usize,
    /// Notes: fallbacks and things the user should know.
    pub notes: Vec<String>,
}

/// Everything translate would write.
#[derive(Debug, Clone)]
pub struct Translation {
    /// The project root.
    pub root: PathBuf,
    /// The plan.
    pub plan: Plan,
    /// Text files that change (unchanged files are not listed), in writing order.
    pub changes: Vec<FileChange>,
    /// Files to remove.
    pub removals: Vec<FileRemoval>,
    /// Cache objects that are missing.
    pub cache_objects: Vec<CacheObject>,
    /// The summary.
    pub report: TranslateReport,
    /// Temporary files (`.kdvc-tmp-*`) an interrupted run left where translate writes (the project
    /// root, the directories of raw inputs, of fingerprint records and of kdvc's caches, the DVC cache):
    /// their process is gone, or they are older than [`kdvc_fsutil::STALE_TEMP_AGE`]
    /// ([`kdvc_fsutil::is_stale_temp`]). [`Translation::write`] removes them; while one is there the
    /// translation is not clean.
    pub stale_temp_files: Vec<PathBuf>,
}

/// The stale `.kdvc-tmp-*` files ([`kdvc_fsutil::is_stale_temp`]) directly in `dirs`.
fn stale_temp_files(dirs: &BTreeSet<PathBuf>) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = dirs
        .iter()
        .flat_map(|dir| kdvc_fsutil::stale_temp_files(dir))
        .collect();
    out.sort();
    out
}

/// Planned texts of `.gitignore` files: path -> (the text on disk, the planned text).
type Texts = BTreeMap<String, (Option<String>, String)>;

/// The texts of `path` (taken out of `texts`), or its text on disk when nothing is planned for it yet.
fn take_text(texts: &mut Texts, root: &Path, path: &str) -> Result<(Option<String>, String)> {
    if let Some(e) = texts.remove(path) {
        return Ok(e);
    }
    let old = read_opt(&root.join(path))?;
    let cur = old.clone().unwrap_or_default();
    Ok((old, cur))
}

/// The `.dvc` files git would still ignore with the planned texts written.
fn still_ignored<'f>(root: &Path, texts: &Texts, dvc_files: &'f [String]) -> Vec<&'f String> {
    let snapshot: BTreeMap<String, String> = texts
        .iter()
        .map(|(k, (_, v))| (k.clone(), v.clone()))
        .collect();
    let lookup = move |p: &str| snapshot.get(p).cloned();
    let view = IgnoreView::new(root, &lookup);
    dvc_files
        .iter()
        .filter(|f| view.is_ignored(f, false))
        .collect()
}

fn read_opt(path: &Path) -> Result<Option<String>> {
    match std::fs::read_to_string(path) {
        Ok(t) => Ok(Some(t)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io(path, e)),
    }
}

/// The DVC cache directory (`.dvc/config` `[cache] dir`, else `.dvc/cache`); `None` without `.dvc/`.
fn cache_dir(root: &Path) -> Option<PathBuf> {
    let dvc = root.join(".dvc");
    if !dvc.is_dir() {
        return None;
    }
    let mut dir = dvc.join("cache");
    for cfg in ["config", "config.local"] {
        let Ok(text) = std::fs::read_to_string(dvc.join(cfg)) else {
            continue;
        };
        let mut in_cache = false;
        for line in text.lines() {
            let l = line.trim();
            if l.starts_with('[') {
                in_cache = l == "[cache]";
            } else if in_cache
                && let Some((k, v)) = l.split_once('=')
                && k.trim() == "dir"
            {
                dir = dvc.join(v.trim());
            }
        }
    }
    Some(dir)
}

fn object_path(cache: &Path, md5: &str) -> PathBuf {
    cache
        .join("files")
        .join("md5")
        .join(&md5[..2])
        .join(&md5[2..])
}

/// Refuses a user stage (one without `meta.kdvc.generated`) that writes a path a generated stage also
/// writes, or a path inside or around one: DVC rejects such a dvc.yaml ("output ... is specified in
/// stages ...").
fn check_user_outputs(doc: &crate::merge::StagesDoc, plan: &Plan, file: &Path) -> Result<()> {
    let generated: BTreeMap<&str, &str> = plan
        .stages
        .iter()
        .flat_map(|s| {
            s.outs
                .iter()
                .map(move |o| (o.path.as_str(), s.name.as_str()))
        })
        .collect();
    for stage in doc.stages.iter().filter(|s| !s.generated) {
        for (path, node) in crate::merge::stage_outputs(stage) {
            let clash = generated.iter().find(|(g, _)| {
                **g == path
                    || (g.starts_with(path.as_str()) && g.as_bytes().get(path.len()) == Some(&b'/'))
                    || (path.starts_with(**g) && path.as_bytes().get(g.len()) == Some(&b'/'))
            });
            if let Some((g, owner)) = clash {
                let how = if *g == path {
                    format!("'{path}'")
                } else {
                    format!("'{path}', which overlaps '{g}',")
                };
                return Err(Error::Yaml {
                    file: file.to_path_buf(),
                    line: node.span.line,
                    col: node.span.column,
                    message: format!(
                        "your stage '{}' writes {how} also written by the generated stage '{owner}'; DVC \
                         refuses an output written by two stages. Remove the output from '{}', or exclude the \
                         dataset from translation (`exclude` in [tool.kdvc])",
                        stage.name, stage.name
                    ),
                });
            }
        }
    }
    Ok(())
}

/// Computes what translate writes for `input` in the project at `root`.
///
/// `opts.user_stages` / `opts.user_outs` are filled from the existing dvc.yaml here.
pub fn prepare(root: &Path, input: &PlanInput, opts: &PlanOptions) -> Result<Translation> {
    prepare_with(root, input, opts, &|_| {})
}

/// What [`prepare_with`] reports while it hashes raw inputs (for a progress bar).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashProgress<'a> {
    /// Before hashing: the total size in bytes of the raw inputs that exist.
    Start {
        /// Bytes to hash.
        bytes: u64,
    },
    /// One raw input (a file, or a directory with everything in it) is about to be hashed.
    Hashing {
        /// Its path relative to the project root.
        path: &'a str,
        /// Its size in bytes.
        bytes: u64,
    },
    /// Every raw input is hashed.
    Done,
}

/// The size in bytes of a file, or of every file below a directory (symbolic links not followed); 0 when
/// missing.
fn disk_size(path: &Path) -> u64 {
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return 0;
    };
    if meta.is_dir() {
        std::fs::read_dir(path)
            .map(|entries| {
                entries
                    .filter_map(std::result::Result::ok)
                    .map(|e| disk_size(&e.path()))
                    .sum()
            })
            .unwrap_or(0)
    } else if meta.is_symlink() {
        std::fs::metadata(path)
            .ok()
            .filter(std::fs::Metadata::is_file)
            .map_or(0, |m| m.len())
    } else {
        meta.len()
    }
}

/// [`prepare`], calling `on_hash` before, while and after it hashes the raw inputs.
pub fn prepare_with(
    root: &Path,
    input: &PlanInput,
    opts: &PlanOptions,
    on_hash: &dyn Fn(HashProgress<'_>),
) -> Result<Translation> {
    let yaml_path = root.join("dvc.yaml");
    let original = read_opt(&yaml_path)?;
    // A dvc.yaml with Windows line endings is merged with `\n` and written back with `\r\n`.
    let crlf = original.as_deref().is_some_and(|t| t.contains("\r\n"));
    let existing = original.as_ref().map(|t| {
        if crlf {
            t.replace("\r\n", "\n")
        } else {
            t.clone()
        }
    });
    let doc = crate::merge::parse_stages(existing.as_deref().unwrap_or(""), &yaml_path)?;
    let users = crate::merge::user_stages_of(&doc);
    let mut opts = opts.clone();
    opts.user_stages.extend(users.names.iter().cloned());
    opts.user_outs.extend(users.outs.iter().cloned());
    let plan = plan(input, &opts)?;
    check_user_outputs(&doc, &plan, &yaml_path)?;

    let mut report = TranslateReport {
        fused_groups: plan.fused_groups.clone(),
        remote_datasets: plan.remote_datasets.clone(),
        notes: plan.notes.clone(),
        ..TranslateReport::default()
    };
    let mut changes: Vec<FileChange> = Vec::new();
    // Planned texts of files several steps touch (.gitignore files).
    let mut texts = Texts::new();
    let mut cache_objects = Vec::new();
    let cache = cache_dir(root);
    if cache.is_none() && !plan.raw_inputs.is_empty() {
        report.notes.push(
            "no .dvc directory: run `dvc init`, then translate again so that raw data is cached \
             (until then `dvc status` reports it 'not in cache')"
                .into(),
        );
    }

    // Raw inputs git tracks would be tracked twice: refuse them as `dvc add` does.
    let present: Vec<&crate::plan::RawInput> = plan
        .raw_inputs
        .iter()
        .filter(|raw| root.join(&raw.path).exists())
        .collect();
    let paths: Vec<&str> = present.iter().map(|raw| raw.path.as_str()).collect();
    let tracked = crate::scm::tracked(root, &paths);
    if !tracked.is_empty() {
        return Err(Error::TrackedByGit {
            inputs: present
                .iter()
                .filter(|raw| tracked.contains(&raw.path))
                .map(|raw| crate::scm::TrackedInput {
                    path: raw.path.clone(),
                    directory: root.join(&raw.path).is_dir(),
                    datasets: raw.datasets.clone(),
                    location: None,
                })
                .collect(),
        });
    }

    // .dvc files for raw inputs.
    let hash_opts = HashOptions {
        repo_root: Some(root.to_path_buf()),
        ..HashOptions::default()
    };
    let mut dvc_files: Vec<String> = Vec::new();
    let sizes: Vec<u64> = plan
        .raw_inputs
        .iter()
        .map(|raw| disk_size(&root.join(&raw.path)))
        .collect();
    on_hash(HashProgress::Start {
        bytes: sizes.iter().sum(),
    });
    for (raw, &bytes) in plan.raw_inputs.iter().zip(&sizes) {
        let data = root.join(&raw.path);
        if bytes > 0 {
            on_hash(HashProgress::Hashing {
                path: &raw.path,
                bytes,
            });
        }
        if !data.exists() {
            report.notes.push(format!(
                "raw input {} ({}) does not exist: no .dvc file written",
                raw.path,
                raw.datasets.join(", ")
            ));
            continue;
        }
        let info = if data.is_dir() {
            let m = kdvc_dvc_model::dir_manifest(&data, &hash_opts).map_err(|e| Error::Hash {
                path: data.clone(),
                message: e.to_string(),
            })?;
            if let Some(c) = &cache {
                let dest = object_path(c, &m.info.md5);
                if !dest.exists() {
                    cache_objects.push(CacheObject {
                        dest,
                        source: CacheSource::Bytes(m.bytes.clone()),
                    });
                }
                for e in &m.entries {
                    let dest = object_path(c, &e.md5);
                    if !dest.exists() && !cache_objects.iter().any(|o| o.dest == dest) {
                        cache_objects.push(CacheObject {
                            dest,
                            source: CacheSource::File(e.path.clone()),
                        });
                    }
                }
            }
            m.info
        } else {
            let h = kdvc_dvc_model::hash_path(&data, &hash_opts).map_err(|e| Error::Hash {
                path: data.clone(),
                message: e.to_string(),
            })?;
            if let Some(c) = &cache {
                let dest = object_path(c, &h.md5);
                if !dest.exists() && !cache_objects.iter().any(|o| o.dest == dest) {
                    cache_objects.push(CacheObject {
                        dest,
                        source: CacheSource::File(data.clone()),
                    });
                }
            }
            h
        };
        let (dir, name) = match raw.path.rsplit_once('/') {
            Some((d, n)) => (d.to_string(), n.to_string()),
            None => (String::new(), raw.path.clone()),
        };
        let dvc_rel = format!("{}.dvc", raw.path);
        let dvc_path = root.join(&dvc_rel);
        let old = read_opt(&dvc_path)?;
        let old_file = old
            .as_deref()
            .and_then(|t| DvcFile::parse(t, &dvc_path).ok());
        let wanted = crate::generated::dvc_file_for(name.clone(), &info, old_file.as_ref());
        let same = old_file.is_some_and(|f| {
            f.outs.len() == 1 && wanted.outs.len() == 1 && {
                let (a, b) = (&f.outs[0], &wanted.outs[0]);
                (&a.path, &a.hash, &a.md5, a.size, a.nfiles)
                    == (&b.path, &b.hash, &b.md5, b.size, b.nfiles)
            }
        });
        if !same {
            changes.push(FileChange {
                path: dvc_rel.clone(),
                old: old.clone(),
                new: wanted.to_yaml(),
            });
            report.dvc_files.push(dvc_rel.clone());
        }
        dvc_files.push(dvc_rel);
        // The data directory's .gitignore, as `dvc add` writes it.
        let gi = if dir.is_empty() {
            ".gitignore".to_string()
        } else {
            format!("{dir}/.gitignore")
        };
        let line = format!("/{}", gitignore::escape(&name));
        let (old, cur) = take_text(&mut texts, root, &gi)?;
        let cur = gitignore::with_line(&cur, &line).unwrap_or(cur);
        texts.insert(gi, (old, cur));
    }
    on_hash(HashProgress::Done);

    // Generated .dvc files whose raw input moved or left the pipeline, with their .gitignore lines.
    let mut removals: Vec<FileRemoval> = Vec::new();
    for rel in crate::generated::candidate_dvc_files(root) {
        if dvc_files.contains(&rel) {
            continue;
        }
        let path = root.join(&rel);
        let Some(text) = read_opt(&path)? else {
            continue;
        };
        let Ok(file) = DvcFile::parse(&text, &path) else {
            continue;
        };
        if !crate::generated::is_generated(&file) {
            continue;
        }
        let gi = match rel.rsplit_once('/') {
            Some((dir, _)) => format!("{dir}/.gitignore"),
            None => ".gitignore".to_string(),
        };
        let (old, cur) = take_text(&mut texts, root, &gi)?;
        let gone: BTreeSet<String> = file
            .outs
            .iter()
            .map(|o| format!("/{}", gitignore::escape(&o.path)))
            .collect();
        let kept: String = cur
            .lines()
            .filter(|l| !gone.contains(*l))
            .map(|l| format!("{l}\n"))
            .collect();
        let new = if kept.lines().count() == cur.lines().count() {
            cur
        } else {
            kept
        };
        texts.insert(gi, (old, new));
        report.dvc_files_removed.push(rel.clone());
        removals.push(FileRemoval {
            path: rel,
            old: text,
        });
    }

    // Root .gitignore negation when a .dvc file would be ignored.
    {
        if !still_ignored(root, &texts, &dvc_files).is_empty() {
            let gi = ".gitignore".to_string();
            let (old, cur) = take_text(&mut texts, root, &gi)?;
            let mut new = cur.clone();
            if !new.contains(NEGATION_BLOCK) {
                if !new.is_empty() && !new.ends_with('\n') {
                    new.push('\n');
                }
                if !new.is_empty() {
                    new.push('\n');
                }
                new.push_str(NEGATION_BLOCK);
            }
            texts.insert(gi, (old, new));
            for f in still_ignored(root, &texts, &dvc_files) {
                report.notes.push(format!(
                    "{f} is still git-ignored (a parent directory is ignored): DVC will refuse it; \
                     un-ignore its directory in .gitignore"
                ));
            }
        }
    }
    for (path, (old, new)) in texts {
        // A .gitignore that only listed removed outputs goes, as `dvc remove` deletes it.
        if let Some(old_text) = &old
            && new.trim().is_empty()
            && !old_text.trim().is_empty()
        {
            removals.push(FileRemoval {
                path,
                old: old_text.clone(),
            });
            continue;
        }
        if old.as_deref() != Some(new.as_str()) {
            let before: BTreeSet<&str> = old.as_deref().unwrap_or("").lines().collect();
            let added: Vec<String> = new
                .lines()
                .filter(|l| !before.contains(l) && !l.is_empty())
                .map(str::to_string)
                .collect();
            report.gitignore_changes.push((path.clone(), added));
            changes.push(FileChange { path, old, new });
        }
    }

    // .dvcignore: the fingerprint stage's source-directory dep must not see byte-code caches.
    if opts
        .fingerprints
        .as_ref()
        .is_some_and(|f| !f.deps.is_empty())
    {
        let old = read_opt(&root.join(".dvcignore"))?;
        let cur = old.clone().unwrap_or_default();
        if !cur.contains(DVCIGNORE_BLOCK) {
            let mut new = cur.clone();
            if !new.is_empty() && !new.ends_with('\n') {
                new.push('\n');
            }
            if !new.is_empty() {
                new.push('\n');
            }
            new.push_str(DVCIGNORE_BLOCK);
            report.gitignore_changes.push((
                ".dvcignore".into(),
                vec!["__pycache__/".into(), "*.pyc".into()],
            ));
            changes.push(FileChange {
                path: ".dvcignore".into(),
                old,
                new,
            });
        }
    }

    // dvc.yaml.
    let merged = crate::merge::merge_parsed(existing.as_deref().unwrap_or(""), &doc, &plan.stages);
    let text = if crlf {
        merged.text.replace('\n', "\r\n")
    } else {
        merged.text.clone()
    };
    if original.as_deref() != Some(text.as_str()) {
        changes.push(FileChange {
            path: "dvc.yaml".into(),
            old: original.clone(),
            new: text,
        });
    }
    report.stages_added = merged.added;
    report.stages_changed = merged.changed;
    report.stages_removed = merged.removed.clone();
    report.stages_unchanged = merged.unchanged;

    // dvc.lock: prune entries of removed generated stages.
    let lock_path = root.join("dvc.lock");
    if let Some(lock) = read_opt(&lock_path)? {
        let removed: BTreeSet<String> = merged.removed.into_iter().collect();
        if let Some(new) = prune_lock(&lock, &removed, &lock_path)? {
            let doc = crate::merge::parse_stages(&lock, &lock_path)?;
            report.lock_pruned = doc
                .stages
                .iter()
                .filter(|s| removed.contains(&s.name))
                .map(|s| s.name.clone())
                .collect();
            changes.push(FileChange {
                path: "dvc.lock".into(),
                old: Some(lock),
                new,
            });
        }
    }
    report.cache_objects = cache_objects.len();
    // Where writes happen: every changed file's directory, raw inputs' directories, the cache.
    let mut dirs: BTreeSet<PathBuf> = BTreeSet::new();
    dirs.insert(root.to_path_buf());
    for c in &changes {
        if let Some(parent) = root.join(&c.path).parent() {
            dirs.insert(parent.to_path_buf());
        }
    }
    for raw in &plan.raw_inputs {
        if let Some(parent) = root.join(&raw.path).parent() {
            dirs.insert(parent.to_path_buf());
        }
    }
    dirs.insert(root.join(".kdvc/fp"));
    dirs.insert(root.join(".kdvc"));
    dirs.insert(root.join(".kdvc/cache"));
    if let Some(c) = &cache {
        let md5 = c.join("files").join("md5");
        dirs.insert(md5.clone());
        if let Ok(entries) = std::fs::read_dir(&md5) {
            dirs.extend(entries.flatten().map(|e| e.path()).filter(|p| p.is_dir()));
        }
    }
    let stale_temp_files = stale_temp_files(&dirs);
    Ok(Translation {
        root: root.to_path_buf(),
        plan,
        changes,
        removals,
        cache_objects,
        report,
        stale_temp_files,
    })
}

impl Translation {
    /// Whether the files on disk are already what translate writes (cache objects aside).
    pub fn is_clean(&self) -> bool {
        self.changes.is_empty() && self.removals.is_empty() && self.stale_temp_files.is_empty()
    }

    /// A unified diff of every change (`a/<path>` -> `b/<path>`), empty when clean, after a line per
    /// stale temporary file.
    pub fn diff(&self) -> String {
        let mut out = String::new();
        for p in &self.stale_temp_files {
            let shown = p.strip_prefix(&self.root).unwrap_or(p);
            out.push_str(&format!(
                "stale temporary file {} (left by an interrupted kdvc run): `kdvc translate` removes it\n",
                shown.display()
            ));
        }
        for c in &self.changes {
            let old = c.old.as_deref().unwrap_or("");
            let diff = similar::TextDiff::from_lines(old, &c.new);
            let a = if c.old.is_some() {
                format!("a/{}", c.path)
            } else {
                "/dev/null".to_string()
            };
            out.push_str(
                &diff
                    .unified_diff()
                    .context_radius(3)
                    .header(&a, &format!("b/{}", c.path))
                    .to_string(),
            );
        }
        for r in &self.removals {
            let lines: Vec<&str> = r.old.lines().collect();
            out.push_str(&format!(
                "--- a/{}\n+++ /dev/null\n@@ -1,{} +0,0 @@\n",
                r.path,
                lines.len()
            ));
            for line in lines {
                out.push('-');
                out.push_str(line);
                out.push('\n');
            }
        }
        out
    }

    /// Writes cache objects, then every changed file atomically. If a write fails, files already
    /// written are restored and the error is returned.
    pub fn write(&self) -> Result<()> {
        // Refuse before writing anything: a read-only file the user protected is never replaced.
        for c in &self.changes {
            let path = self.root.join(&c.path);
            if let Ok(meta) = std::fs::metadata(&path)
                && meta.permissions().readonly()
            {
                return Err(Error::io(
                    &path,
                    std::io::Error::new(
                        std::io::ErrorKind::PermissionDenied,
                        "the file is read-only; kdvc does not replace it: make it writable (chmod u+w) \
                         and translate again",
                    ),
                ));
            }
        }
        for obj in &self.cache_objects {
            write_object(obj)?;
        }
        for p in &self.stale_temp_files {
            match std::fs::remove_file(p) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(Error::io(p, e)),
            }
        }
        let mut done: Vec<&FileChange> = Vec::new();
        let mut removed: Vec<&FileRemoval> = Vec::new();
        // Puts back what this write changed, newest first, when a later step fails.
        let undo = |done: &[&FileChange], removed: &[&FileRemoval]| {
            for r in removed.iter().rev() {
                let _ = kdvc_dvc_model::write_atomic(&self.root.join(&r.path), r.old.as_bytes());
            }
            for d in done.iter().rev() {
                let p = write_target(&self.root.join(&d.path));
                let _ = match &d.old {
                    Some(old) => kdvc_dvc_model::write_atomic(&p, old.as_bytes()).map_err(|_| ()),
                    None => std::fs::remove_file(&p).map_err(|_| ()),
                };
            }
        };
        // dvc.yaml last, after the removals. Every other file is derived again by the next run from the
        // project and dvc.yaml (the dvc.lock entries to prune are those of generated stages dvc.yaml still
        // lists), so a run killed before it wrote dvc.yaml is completed by the next one.
        let is_dvc_yaml = |c: &&FileChange| c.path == "dvc.yaml";
        let (last, first): (Vec<&FileChange>, Vec<&FileChange>) =
            self.changes.iter().partition(is_dvc_yaml);
        let write = |c: &FileChange| -> Result<()> {
            // Write through a symbolic link (to the file it points to), never replacing the link.
            let path = write_target(&self.root.join(&c.path));
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
            }
            kdvc_dvc_model::write_atomic(&path, c.new.as_bytes())
                .map_err(|e| Error::io(&path, std::io::Error::other(e.to_string())))
        };
        for c in first {
            if let Err(e) = write(c) {
                undo(&done, &removed);
                return Err(e);
            }
            done.push(c);
        }
        for r in &self.removals {
            let path = self.root.join(&r.path);
            match std::fs::remove_file(&path) {
                Ok(()) => removed.push(r),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => {
                    undo(&done, &removed);
                    return Err(Error::io(&path, e));
                }
            }
        }
        for c in last {
            if let Err(e) = write(c) {
                undo(&done, &removed);
                return Err(e);
            }
            done.push(c);
        }
        Ok(())
    }
}

/// The file a write to `path` must replace: the target of a symbolic link (followed to the end), else
/// `path` itself.
fn write_target(path: &Path) -> PathBuf {
    let is_link = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
    if is_link && let Ok(target) = std::fs::canonicalize(path) {
        return target;
    }
    path.to_path_buf()
}

fn write_object(obj: &CacheObject) -> Result<()> {
    if obj.dest.exists() {
        return Ok(());
    }
    let dir = obj.dest.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    match &obj.source {
        CacheSource::Bytes(b) => kdvc_dvc_model::write_atomic(&obj.dest, b)
            .map_err(|e| Error::io(&obj.dest, std::io::Error::other(e.to_string())))?,
        CacheSource::File(p) => {
            // Copy to a temporary name next to the destination, then rename: never a partial object.
            let name = obj
                .dest
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let tmp = kdvc_fsutil::temp_path(dir, &name);
            std::fs::copy(p, &tmp).map_err(|e| Error::io(p, e))?;
            std::fs::rename(&tmp, &obj.dest).map_err(|e| {
                let _ = std::fs::remove_file(&tmp);
                Error::io(&obj.dest, e)
            })?;
        }
    }
    // DVC makes cache objects read-only; do the same (best effort).
    use std::os::unix::fs::PermissionsExt;
    let _ = std::fs::set_permissions(&obj.dest, std::fs::Permissions::from_mode(0o444));
    Ok(())
}

/// The whole of `kdvc translate` / `kdvc check` for a loaded project: builds the [`PlanInput`] from
/// kedro-model's configuration (loaded for `cfg.env`) and the selected pipeline, then [`prepare`]s.
///
/// `cfg` is `[tool.kdvc]` with the CLI's `--env` / `--pipeline` already applied.
pub fn prepare_project(
    project: &kdvc_kedro_model::Project,
    cfg: &crate::config::KdvcConfig,
    kedro: &kdvc_kedro_model::KedroConfig,
    pipeline: &kdvc_kedro_model::pipeline::Pipeline,
) -> Result<Translation> {
    prepare_project_with(project, cfg, kedro, pipeline, &|_| {})
}

/// [`prepare_project`], reporting the hashing of raw inputs to `on_hash` (see [`prepare_with`]).
pub fn prepare_project_with(
    project: &kdvc_kedro_model::Project,
    cfg: &crate::config::KdvcConfig,
    kedro: &kdvc_kedro_model::KedroConfig,
    pipeline: &kdvc_kedro_model::pipeline::Pipeline,
    on_hash: &dyn Fn(HashProgress<'_>),
) -> Result<Translation> {
    let root = &project.root;
    let name = cfg.pipeline.as_deref().unwrap_or("__default__");
    let input = PlanInput::from_models(root, kedro, pipeline, name, cfg.env.as_deref())?;
    let opts = PlanOptions {
        config: cfg.clone(),
        fingerprints: cfg
            .code_fingerprints
            .then(|| fingerprint_wiring(project, kedro)),
        ..PlanOptions::default()
    };
    prepare_with(root, &input, &opts, on_hash).map_err(|err| match err {
        Error::TrackedByGit { mut inputs } => {
            for input in &mut inputs {
                input.location = input
                    .datasets
                    .first()
                    .and_then(|d| catalog_entry(kedro, d))
                    .map(|loc| kdvc_kedro_model::Location {
                        file: root.join(&loc.file),
                        ..loc
                    });
            }
            Error::TrackedByGit { inputs }
        }
        other => other,
    })
}

/// Where the catalog declares `dataset`: its explicit entry, else the factory pattern that matches it.
fn catalog_entry(
    kedro: &kdvc_kedro_model::KedroConfig,
    dataset: &str,
) -> Option<kdvc_kedro_model::Location> {
    let config = kedro.catalog_config();
    let key = match config.get(dataset) {
        Some(_) => dataset.to_owned(),
        None => kedro.catalog().resolve(dataset).pattern?,
    };
    config.get(&key).map(|node| node.origin.location())
}

/// The fingerprint stage of a project: it depends on what the fingerprints are computed from, so DVC runs
/// it only when the code, the configuration or the pinned packages changed.
pub fn fingerprint_wiring(
    project: &kdvc_kedro_model::Project,
    kedro: &kdvc_kedro_model::KedroConfig,
) -> crate::plan::FingerprintWiring {
    let posix = |p: &Path| p.to_string_lossy().replace('\\', "/");
    let mut deps = vec![
        posix(&project.metadata.source_dir),
        posix(&kedro.conf_source),
        "pyproject.toml".to_owned(),
    ];
    for file in [".python-version"]
        .into_iter()
        .chain(kdvc_fingerprint::PIN_FILES)
    {
        if project.root.join(file).is_file() {
            deps.push(file.to_owned());
        }
    }
    crate::plan::FingerprintWiring {
        deps,
        ..crate::plan::FingerprintWiring::default()
    }
}

/// What kdvc adds to `.dvcignore` when the fingerprint stage depends on the source directory: Python's
/// byte-code caches change whenever Kedro runs, and must not make the fingerprint stage look changed.
pub const DVCIGNORE_BLOCK: &str =
    "# kdvc: Python byte-code changes on every run; not a code change\n__pycache__/\n*.pyc\n";
