//! `kdvc hash PATH...`: md5, size and nfiles exactly as DVC records them.

use std::process::ExitCode;

use anyhow::Context as _;
use kdvc_dvc_model::{HashOptions, hash_path};

use crate::args::HashArgs;

pub(crate) fn run(args: &HashArgs) -> anyhow::Result<ExitCode> {
    let mut rows = Vec::new();
    for path in &args.paths {
        let start = if path.is_dir() {
            path.clone()
        } else {
            path.parent()
                .map(std::path::Path::to_path_buf)
                .unwrap_or_default()
        };
        let start = if start.as_os_str().is_empty() {
            std::path::PathBuf::from(".")
        } else {
            start
        };
        let opts = HashOptions {
            repo_root: kdvc_dvc_model::find_repo_root(&start),
            ..HashOptions::default()
        };
        let info =
            hash_path(path, &opts).with_context(|| format!("cannot hash {}", path.display()))?;
        rows.push(serde_json::json!({
            "path": path.to_string_lossy(),
            "md5": info.md5,
            "size": info.size,
            "nfiles": info.nfiles,
        }));
    }
    if args.json {
        super::emit(&serde_json::to_string_pretty(&rows)?)?;
    } else {
        let mut text = String::new();
        for row in &rows {
            let nfiles = row["nfiles"]
                .as_u64()
                .map(|n| format!("  {n} files"))
                .unwrap_or_default();
            text.push_str(&format!(
                "{}  {}  {} bytes{}\n",
                row["md5"].as_str().unwrap_or_default(),
                row["path"].as_str().unwrap_or_default(),
                row["size"],
                nfiles
            ));
        }
        super::emit(&text)?;
    }
    Ok(ExitCode::SUCCESS)
}
