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

fn write_all(root: &Path, files: &BTreeMap<String, String>) -> Result<()> {
    for (file, text) in files {
        kdvc_dvc_model::write_atomic(&root.join(file), text.as_bytes())?;
    }
    Ok(())
}
