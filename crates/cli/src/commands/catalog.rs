//! `kdvc catalog`: every dataset of the catalog, and every dataset the pipelines use.

use std::fmt::Write as _;
use std::process::ExitCode;

use kdvc_session::Options;

use crate::args::ConfigArgs;

pub(crate) fn run(args: &ConfigArgs) -> anyhow::Result<ExitCode> {
    let options = Options {
        runtime_params: args.params.clone(),
        ..super::options(&args.project, Some(&args.read))
    };
    let session = super::open(&args.project, options)?;
    let view = super::with_warnings(&session, |s| Ok(s.catalog_view()?))?;
    if args.json {
        super::emit_json(&view)?;
    } else {
        let width = view.datasets.keys().map(String::len).max().unwrap_or(0);
        let mut out = String::new();
        for (name, d) in &view.datasets {
            let mut flags = Vec::new();
            if d.versioned {
                flags.push("versioned");
            }
            if !d.persisted {
                flags.push("in memory");
            }
            let _ = writeln!(
                out,
                "{name:<width$}  {}  {}{}",
                d.type_name,
                d.filepath.as_deref().unwrap_or("-"),
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
