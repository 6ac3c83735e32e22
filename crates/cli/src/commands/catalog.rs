//! `kdvc catalog`: every dataset of the catalog, and every dataset the pipelines use.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::process::ExitCode;

use serde_json::{Map, json};

use crate::args::ConfigArgs;

pub(crate) fn run(args: &ConfigArgs) -> anyhow::Result<ExitCode> {
    let project = super::project::discover(&args.project)?;
    let config = super::project::config(&project, &args.project, args.params.as_deref())?;
    let catalog = config.catalog();
    let mut names: Vec<String> = catalog
        .explicit_names()
        .into_iter()
        .map(str::to_owned)
        .collect();
    // Datasets the pipelines use, beyond the explicit entries (factory matches and in-memory datasets).
    match super::project::registry(&project, Some(config.env()), &args.read) {
        Ok(registry) => {
            let mut used = BTreeSet::new();
            for pipeline in registry.pipelines.values() {
                for node in pipeline.nodes() {
                    used.extend(node.inputs.iter().chain(&node.outputs).cloned());
                }
            }
            for name in used {
                if name == "parameters" || name.starts_with("params:") || names.contains(&name) {
                    continue;
                }
                names.push(name);
            }
        }
        Err(err) => crate::render::warn(&format!(
            "listing the explicit catalog entries only: {err:#}"
        )),
    }
    let mut datasets = Map::new();
    for name in &names {
        let info = catalog.resolve(name);
        datasets.insert(
            name.clone(),
            json!({
                "type": info.type_name,
                "filepath": info.filepath,
                "versioned": info.versioned,
                "persisted": info.persisted,
            }),
        );
    }
    if args.json {
        super::emit(&serde_json::to_string_pretty(
            &json!({ "datasets": datasets }),
        )?)?;
    } else {
        let width = names.iter().map(String::len).max().unwrap_or(0);
        let mut out = String::new();
        for (name, d) in &datasets {
            let mut flags = Vec::new();
            if d["versioned"] == true {
                flags.push("versioned");
            }
            if d["persisted"] == false {
                flags.push("in memory");
            }
            let _ = writeln!(
                out,
                "{name:<width$}  {}  {}{}",
                d["type"].as_str().unwrap_or_default(),
                d["filepath"].as_str().unwrap_or("-"),
                if flags.is_empty() {
                    String::new()
                } else {
                    format!("  ({})", flags.join(", "))
                }
            );
        }
        super::emit(&out)?;
    }
    Ok(ExitCode::SUCCESS)
}
