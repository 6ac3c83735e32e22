//! `kdvc pipelines`: the project's pipelines and nodes.

use std::fmt::Write as _;
use std::process::ExitCode;

use serde_json::{Map, Value, json};

use crate::args::PipelinesArgs;

pub(crate) fn run(args: &PipelinesArgs) -> anyhow::Result<ExitCode> {
    let project = super::project::discover(&args.project)?;
    let registry = super::project::registry(&project, args.project.env.as_deref(), &args.read)?;
    let names: Vec<&str> = match &args.pipeline {
        Some(name) => {
            if registry.get(name).is_none() {
                anyhow::bail!(
                    "no pipeline named '{name}' (registered: {})\n  hint: pass one of the registered names to --pipeline",
                    registry.names().join(", ")
                );
            }
            vec![name.as_str()]
        }
        None => registry.names(),
    };
    if args.json {
        let mut pipelines = Map::new();
        for name in &names {
            let pipeline = registry.get(name).expect("listed name");
            let nodes: Vec<Value> = pipeline
                .nodes()
                .iter()
                .map(|n| {
                    json!({
                        "name": n.name,
                        "namespace": n.namespace,
                        "inputs": n.inputs,
                        "outputs": n.outputs,
                        "tags": n.tags,
                        "func_module": n.func.module,
                        "func_name": n.func.display_name(),
                    })
                })
                .collect();
            pipelines.insert((*name).to_owned(), json!({ "nodes": nodes }));
        }
        super::emit(&serde_json::to_string_pretty(
            &json!({ "pipelines": pipelines }),
        )?)?;
    } else {
        let mut out = String::new();
        for name in &names {
            let pipeline = registry.get(name).expect("listed name");
            let _ = writeln!(out, "{name} ({} nodes)", pipeline.len());
            for n in pipeline.nodes() {
                let _ = writeln!(
                    out,
                    "  {}  [{}.{}]",
                    n.name,
                    n.func.module,
                    n.func.display_name()
                );
                let _ = writeln!(out, "      in:  {}", n.inputs.join(", "));
                let _ = writeln!(out, "      out: {}", n.outputs.join(", "));
                if !n.tags.is_empty() {
                    let tags: Vec<&str> = n.tags.iter().map(String::as_str).collect();
                    let _ = writeln!(out, "      tags: {}", tags.join(", "));
                }
            }
        }
        super::emit(&out)?;
    }
    Ok(ExitCode::SUCCESS)
}
