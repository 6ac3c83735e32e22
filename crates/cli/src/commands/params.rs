//! `kdvc params`: the merged parameters, and where each value is defined.

use std::fmt::Write as _;
use std::process::ExitCode;

use kdvc_session::{Options, ParamOrigin};

use crate::args::ConfigArgs;

pub(crate) fn run(args: &ConfigArgs) -> anyhow::Result<ExitCode> {
    let options = Options {
        runtime_params: args.params.clone(),
        ..super::options(&args.project, None)
    };
    let session = super::open(&args.project, options)?;
    let params = super::with_warnings(&session, |s| Ok(s.params_view()?))?;
    if args.json {
        super::emit_json(&params)?;
    } else {
        let mut out = String::new();
        for leaf in &params.leaves {
            let value = leaf.text.clone();
            let place = match &leaf.origin {
                ParamOrigin::Runtime => "--params".to_owned(),
                ParamOrigin::File { file, line } => format!("{}:{line}", file.display()),
            };
            let _ = writeln!(
                out,
                "{} = {}    # {place}",
                leaf.key,
                value.unwrap_or_default()
            );
        }
        super::emit(&out)?;
    }
    Ok(ExitCode::SUCCESS)
}
