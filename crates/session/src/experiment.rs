//! `kdvc exp run -S KEY=VALUE`: Kedro parameters set in the files that define them, then a DVC
//! experiment.
//!
//! Edits are planned one by one ([`ParamEdits::set`]) and nothing is written until every one is valid.
//! [`ParamEdits::run_experiment`] writes them, runs `dvc exp run`, and puts the files back as they were
//! when DVC has taken its own copy (`--queue`, `--temp`) or could not be started.

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;

use kdvc_translate::adapt::param_sources;
use kdvc_translate::{ParamSource, set_param};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::session::Session;

/// Telemetry off for every DVC process kdvc starts.
const TELEMETRY_OFF: [(&str, &str); 3] = [
    ("DO_NOT_TRACK", "1"),
    ("KEDRO_DISABLE_TELEMETRY", "true"),
    ("DVC_NO_ANALYTICS", "1"),
];

/// One parameter set by [`ParamEdits::set`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ParamChange {
    /// The Kedro parameter key (without `params:`).
    pub key: String,
    /// The new value as given (YAML text).
    pub value: String,
    /// The file edited, relative to the project root: the one that defines the effective value.
    pub file: String,
    /// The scalar's text before the edit.
    pub old_value: String,
}

/// Planned edits of the project's parameter files. Nothing is written until
/// [`ParamEdits::write`] or [`ParamEdits::run_experiment`].
#[derive(Debug, Clone)]
pub struct ParamEdits {
    root: PathBuf,
    sources: BTreeMap<String, Vec<ParamSource>>,
    changes: Vec<ParamChange>,
    /// New text of every edited file.
    texts: BTreeMap<String, String>,
    /// Text of every edited file before the edits.
    originals: BTreeMap<String, String>,
}

impl Session {
    /// Starts planning parameter edits against the Kedro configuration of the requested environment
    /// (runtime parameters do not apply: they are not in any file).
    pub fn param_edits(&self) -> Result<ParamEdits> {
        let config = self.kedro_config()?;
        Ok(ParamEdits {
            root: self.root().to_path_buf(),
            sources: param_sources(config),
            changes: Vec::new(),
            texts: BTreeMap::new(),
            originals: BTreeMap::new(),
        })
    }
}

impl ParamEdits {
    /// Plans `KEY=VALUE` (VALUE read as YAML; a `params:` prefix on KEY is ignored): the scalar that
    /// defines the key's effective value is rewritten, keeping comments and layout. Later edits of the same
    /// file build on earlier ones.
    pub fn set(&mut self, item: &str) -> Result<&ParamChange> {
        let (key, value) = item.split_once('=').ok_or_else(|| Error::ParamSetting {
            item: item.to_owned(),
        })?;
        let key = key.trim().trim_start_matches("params:");
        let defs = self.sources.get(key).map(Vec::as_slice).unwrap_or_default();
        let read = |file: &str| -> kdvc_translate::Result<String> {
            if let Some(text) = self.texts.get(file) {
                return Ok(text.clone());
            }
            let path = self.root.join(file);
            std::fs::read_to_string(&path).map_err(|source| kdvc_translate::Error::Io {
                path: path.clone(),
                source,
            })
        };
        let edit = set_param(key, value, defs, read)?;
        if !self.originals.contains_key(&edit.file) {
            let path = self.root.join(&edit.file);
            let text =
                std::fs::read_to_string(&path).map_err(|source| Error::Io { path, source })?;
            self.originals.insert(edit.file.clone(), text);
        }
        self.texts.insert(edit.file.clone(), edit.text);
        self.changes.push(ParamChange {
            key: key.to_owned(),
            value: value.to_owned(),
            file: edit.file,
            old_value: edit.old_value,
        });
        Ok(self.changes.last().expect("just pushed"))
    }

    /// The edits planned so far, in order.
    pub fn changes(&self) -> &[ParamChange] {
        &self.changes
    }

    /// The new text of every edited file, keyed by its path relative to the project root. Nothing is
    /// written: this is what [`ParamEdits::write`] would write (a remote run puts it in its snapshot).
    pub fn files(&self) -> &BTreeMap<String, String> {
        &self.texts
    }

    /// Writes every edited file atomically.
    pub fn write(&self) -> Result<()> {
        write_all(&self.root, &self.texts)
    }

    /// Puts every edited file back as it was before the edits.
    pub fn restore(&self) -> Result<()> {
        write_all(&self.root, &self.originals)
    }

    /// Writes the edits, then runs `dvc exp run DVC_ARGS` in the project, DVC being `$KDVC_DVC`, else
    /// `dvc` on `PATH`. See [`ParamEdits::run_experiment_with`].
    pub fn run_experiment(&self, dvc_args: &[String]) -> Result<()> {
        let dvc = std::env::var_os("KDVC_DVC").unwrap_or_else(|| "dvc".into());
        self.run_experiment_with(dvc, dvc_args)
    }

    /// Writes the edits, then runs `<dvc> exp run DVC_ARGS` in the project with telemetry off. With
    /// `--queue` or `--temp` the files are put back once DVC has taken its copy; they are also put back
    /// when DVC cannot be started ([`Error::DvcSpawn`]) or fails ([`Error::DvcFailed`], e.g. a bad
    /// argument), so that a failed run never leaves the parameter files edited.
    pub fn run_experiment_with(&self, dvc: impl AsRef<OsStr>, dvc_args: &[String]) -> Result<()> {
        self.write()?;
        let mut cmd = Command::new(dvc);
        cmd.args(["exp", "run"])
            .args(dvc_args)
            .current_dir(&self.root);
        for (k, v) in TELEMETRY_OFF {
            cmd.env(k, v);
        }
        let status = cmd.status();
        // --queue and --temp leave the workspace as it was: DVC has taken its own copy by now.
        let detached = dvc_args.iter().any(|a| a == "--queue" || a == "--temp");
        if detached || !status.as_ref().is_ok_and(std::process::ExitStatus::success) {
            self.restore()?;
        }
        let status = status.map_err(|source| Error::DvcSpawn { source })?;
        if !status.success() {
            return Err(Error::DvcFailed { status });
        }
        Ok(())
    }
}

/// One run that `-S` settings ask for (see [`sweep`]): its settings, the parameter files they edit, and
/// the experiment name its results come back under.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PlannedRun {
    /// The settings of this run (`KEY=VALUE`, sweeps expanded).
    pub settings: Vec<String>,
    /// The parameters set, one per setting.
    pub changes: Vec<ParamChange>,
    /// New text of every edited parameter file, keyed by its path relative to the project root. Nothing
    /// is written: a remote run puts these in its snapshot.
    pub files: BTreeMap<String, String>,
    /// The experiment name: `name` for a single run, `name-1`, `name-2`, ... for the runs of a sweep;
    /// `None` leaves it to DVC.
    pub name: Option<String>,
}

impl PlannedRun {
    /// A run of the work tree as it is (no settings).
    pub fn unchanged(name: Option<&str>) -> PlannedRun {
        PlannedRun {
            name: name.map(str::to_owned),
            ..PlannedRun::default()
        }
    }
}

impl Session {
    /// The runs `set` asks for ([`sweep`]), each with its parameter edits made in memory
    /// ([`Session::param_edits`]) and named after `name` ([`PlannedRun::name`]). No settings: one
    /// [`PlannedRun::unchanged`] run.
    pub fn planned_runs(&self, set: &[String], name: Option<&str>) -> Result<Vec<PlannedRun>> {
        if set.is_empty() {
            return Ok(vec![PlannedRun::unchanged(name)]);
        }
        let runs = sweep(set)?;
        let many = runs.len() > 1;
        let mut planned = Vec::with_capacity(runs.len());
        for (i, settings) in runs.into_iter().enumerate() {
            let mut edits = self.param_edits()?;
            for item in &settings {
                edits.set(item)?;
            }
            planned.push(PlannedRun {
                changes: edits.changes().to_vec(),
                files: edits.files().clone(),
                settings,
                name: name.map(|n| {
                    if many {
                        format!("{n}-{}", i + 1)
                    } else {
                        n.to_owned()
                    }
                }),
            });
        }
        Ok(planned)
    }
}

/// Expands parameter settings with sweeps into one list of settings per run, like `dvc exp run -S`:
/// `KEY=V1,V2,V3` gives one run per value, and several swept keys give every combination (the first
/// key varies slowest). Values are split at commas outside brackets, braces and quotes, so
/// `KEY=[1, 2]` stays one YAML value. Settings without a comma stay as they are.
pub fn sweep(items: &[String]) -> Result<Vec<Vec<String>>> {
    let mut runs: Vec<Vec<String>> = vec![Vec::new()];
    for item in items {
        let (key, value) = item
            .split_once('=')
            .ok_or_else(|| Error::ParamSetting { item: item.clone() })?;
        let values = split_top_level(value);
        if values.iter().any(|v| v.trim().is_empty()) && values.len() > 1 {
            return Err(Error::ParamSetting { item: item.clone() });
        }
        runs = runs
            .into_iter()
            .flat_map(|run| {
                values.iter().map(move |v| {
                    let mut next = run.clone();
                    next.push(format!("{key}={}", v.trim()));
                    next
                })
            })
            .collect();
    }
    Ok(runs)
}

/// `value` split at the commas that are outside `[]`, `{}`, `()` and quotes.
fn split_top_level(value: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut quote, mut start) = (0usize, None::<char>, 0);
    for (i, c) in value.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '[' | '{' | '(') => depth += 1,
            (None, ']' | '}' | ')') => depth = depth.saturating_sub(1),
            (None, ',') if depth == 0 => {
                parts.push(&value[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&value[start..]);
    if parts.len() > 1 { parts } else { vec![value] }
}

fn write_all(root: &Path, files: &BTreeMap<String, String>) -> Result<()> {
    for (file, text) in files {
        kdvc_dvc_model::write_atomic(&root.join(file), text.as_bytes())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn sweeps_expand_to_every_combination() {
        assert_eq!(
            sweep(&items(&["a=1"])).unwrap(),
            [items(&["a=1"])],
            "a plain setting is one run"
        );
        assert_eq!(
            sweep(&items(&["a=1,2,3"])).unwrap(),
            [items(&["a=1"]), items(&["a=2"]), items(&["a=3"])]
        );
        assert_eq!(
            sweep(&items(&["a=1,2", "b=x", "c=[1, 2],{k: v, w: 1}"])).unwrap(),
            [
                items(&["a=1", "b=x", "c=[1, 2]"]),
                items(&["a=1", "b=x", "c={k: v, w: 1}"]),
                items(&["a=2", "b=x", "c=[1, 2]"]),
                items(&["a=2", "b=x", "c={k: v, w: 1}"]),
            ]
        );
        assert_eq!(
            sweep(&items(&["s='x,y'", "t=\"p, q\""])).unwrap(),
            [items(&["s='x,y'", "t=\"p, q\""])],
            "commas inside quotes do not sweep"
        );
        assert_eq!(sweep(&[]).unwrap(), [Vec::<String>::new()]);
    }

    #[test]
    fn malformed_sweeps_are_refused() {
        for bad in ["novalue", "a=1,,2", "a=1,"] {
            let err = sweep(&items(&[bad])).unwrap_err();
            assert!(matches!(err, Error::ParamSetting { .. }), "{bad}: {err}");
        }
    }
}
