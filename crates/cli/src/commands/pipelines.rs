//! `kdvc pipelines`: the project's pipelines and nodes.

use std::fmt::Write as _;
use std::process::ExitCode;

use crate::args::PipelinesArgs;

pub(crate) fn run(args: &PipelinesArgs) -> anyhow::Result<ExitCode> {
    let session = super::open(
        &args.project,
        super::options(&args.project, Some(&args.read)),
    )?;
    let view = super::with_warnings(&session, |s| {
        // `pipelines` reads `[tool.kdvc]` (`introspect`): a key it does not know is an error there as for
        // `translate`; an environment asked for must exist, as for the commands that read the
        // configuration.
        s.kdvc_config()?;
        if args.project.env.is_some() {
            s.kedro_config()?;
        }
        Ok(s.pipelines_view(args.pipeline.as_deref())?)
    })?;
    if args.json {
        super::emit_json(&view)?;
    } else {
        let mut out = String::new();
        for (name, pipeline) in &view.pipelines {
            let _ = writeln!(out, "{name} ({} nodes)", pipeline.nodes.len());
            for n in &pipeline.nodes {
                let _ = writeln!(out, "  {}  [{}.{}]", n.name, n.func_module, n.func_name);
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
