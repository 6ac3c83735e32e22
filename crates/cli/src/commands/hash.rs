//! `kdvc hash PATH...`: md5, size and nfiles exactly as DVC records them.

use std::fmt::Write as _;
use std::process::ExitCode;

use crate::args::HashArgs;

pub(crate) fn run(args: &HashArgs) -> anyhow::Result<ExitCode> {
    let rows = kdvc_session::hash_paths(&args.paths)?;
    if args.json {
        super::emit_json(&rows)?;
    } else {
        let mut text = String::new();
        for row in &rows {
            let nfiles = row
                .nfiles
                .map(|n| format!("  {n} files"))
                .unwrap_or_default();
            let _ = writeln!(
                text,
                "{}  {}  {} bytes{nfiles}",
                row.md5, row.path, row.size
            );
        }
        super::emit(&text)?;
    }
    Ok(ExitCode::SUCCESS)
}
