//! `kdvc params`: the merged parameters, and where each value is defined.

use std::fmt::Write as _;
use std::process::ExitCode;

use crate::args::ConfigArgs;

pub(crate) fn run(args: &ConfigArgs) -> anyhow::Result<ExitCode> {
    let project = super::project::discover(&args.project)?;
    let config = super::project::config(&project, &args.project, args.params.as_deref())?;
    let params = config.parameters();
    if args.json {
        super::emit(&serde_json::to_string_pretty(&params.to_json())?)?;
    } else {
        let mut out = String::new();
        for p in params.leaf_provenance() {
            let value = params
                .lookup(&format!("params:{}", p.key))
                .map(|v| v.to_string())
                .unwrap_or_default();
            let place = if p.runtime {
                "--params".to_owned()
            } else {
                format!(
                    "{}:{}",
                    super::project::relative(&project.root, &p.file),
                    p.line
                )
            };
            let _ = writeln!(out, "{} = {value}    # {place}", p.key);
        }
        super::emit(&out)?;
    }
    Ok(ExitCode::SUCCESS)
}
