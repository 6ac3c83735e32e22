//! `kdvc exp run`: DVC experiments with Kedro parameters.

use std::collections::BTreeMap;
use std::process::{Command, ExitCode};

use anyhow::Context as _;
use kdvc_translate::{KdvcConfig, adapt::param_sources, set_param};

use crate::args::ExpRunArgs;

/// Telemetry off for every DVC process kdvc starts.
const TELEMETRY_OFF: [(&str, &str); 3] = [
    ("DO_NOT_TRACK", "1"),
    ("KEDRO_DISABLE_TELEMETRY", "true"),
    ("DVC_NO_ANALYTICS", "1"),
];

pub(crate) fn run(args: &ExpRunArgs) -> anyhow::Result<ExitCode> {
    let project = super::project::discover(&args.project)?;
    let cfg = KdvcConfig::load(&project.root)?;
    let env = args.project.env.clone().or(cfg.env);
    let project_args = crate::args::ProjectArgs {
        project: args.project.project.clone(),
        env,
    };
    let config = super::project::config(&project, &project_args, None)?;
    let sources = param_sources(&config);

    // Compute every edit first; write nothing until all of them are valid.
    let mut texts: BTreeMap<String, String> = BTreeMap::new();
    let mut originals: BTreeMap<String, String> = BTreeMap::new();
    for item in &args.set {
        let (key, value) = item
            .split_once('=')
            .with_context(|| format!("-S {item}: expected KEY=VALUE, e.g. -S model.lr=0.1"))?;
        let key = key.trim().trim_start_matches("params:");
        let defs = sources.get(key).map(Vec::as_slice).unwrap_or_default();
        let read = |file: &str| -> kdvc_translate::Result<String> {
            if let Some(t) = texts.get(file) {
                return Ok(t.clone());
            }
            let path = project.root.join(file);
            std::fs::read_to_string(&path).map_err(|source| kdvc_translate::Error::Io {
                path: path.clone(),
                source,
            })
        };
        let edit = set_param(key, value, defs, read)?;
        if !originals.contains_key(&edit.file) {
            let path = project.root.join(&edit.file);
            originals.insert(edit.file.clone(), std::fs::read_to_string(&path)?);
        }
        crate::render::info(&format!(
            "set {key} = {value} in {} (was {})",
            edit.file, edit.old_value
        ));
        texts.insert(edit.file, edit.text);
    }
    for (file, text) in &texts {
        kdvc_dvc_model::write_atomic(&project.root.join(file), text.as_bytes())?;
    }

    let mut cmd = Command::new(std::env::var_os("KDVC_DVC").unwrap_or_else(|| "dvc".into()));
    cmd.args(["exp", "run"])
        .args(&args.dvc_args)
        .current_dir(&project.root);
    for (k, v) in TELEMETRY_OFF {
        cmd.env(k, v);
    }
    let status = cmd
        .status()
        .context("cannot run `dvc exp run`: is DVC installed and on PATH?");
    // --queue and --temp leave the workspace as it was: DVC has taken its own copy by now.
    let detached = args
        .dvc_args
        .iter()
        .any(|a| a == "--queue" || a == "--temp");
    if detached || status.is_err() {
        for (file, text) in &originals {
            kdvc_dvc_model::write_atomic(&project.root.join(file), text.as_bytes())?;
        }
    }
    let status = status?;
    if !status.success() {
        anyhow::bail!("`dvc exp run` failed ({status})");
    }
    Ok(ExitCode::SUCCESS)
}
