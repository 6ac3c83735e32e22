//! The body of the `pipeline` fuzz target (`fuzz/`), a plain function so that `cargo test` replays the
//! saved corpus through it too.

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::{ProjectLayout, extract_pipelines};

/// The files of the package a fuzz input fills, in order; the input's parts are separated by a line `#%%`.
/// With one part only, the registry is a plain `find_pipelines()` one.
pub const FILES: [&str; 3] = [
    "pipelines/p/pipeline.py",
    "pipelines/p/nodes.py",
    "pipeline_registry.py",
];

const REGISTRY: &str = "from kedro.framework.project import find_pipelines\n\n\n\
def register_pipelines():\n    pipelines = find_pipelines()\n    pipelines[\"__default__\"] = sum(pipelines.values())\n    return pipelines\n";

/// Builds a small Kedro package in a temporary directory from `data` (see [`FILES`]) and reads its
/// pipelines statically. Refusals and errors are fine; panics, overflows and hangs are bugs.
pub fn pipeline(data: &[u8]) {
    static RUN: AtomicUsize = AtomicUsize::new(0);
    let text = String::from_utf8_lossy(data);
    let dir = std::env::temp_dir().join(format!(
        "kdvc-fuzz-pipeline-{}-{}",
        std::process::id(),
        RUN.fetch_add(1, Ordering::Relaxed)
    ));
    let result = build_and_read(&dir, &text);
    let _ = std::fs::remove_dir_all(&dir);
    result.expect("the temporary project can be written");
}

fn build_and_read(dir: &Path, text: &str) -> std::io::Result<()> {
    let package = dir.join("src/fz");
    std::fs::create_dir_all(package.join("pipelines/p"))?;
    for init in [
        "__init__.py",
        "pipelines/__init__.py",
        "pipelines/p/__init__.py",
    ] {
        std::fs::write(package.join(init), "")?;
    }
    std::fs::write(package.join("pipeline_registry.py"), REGISTRY)?;
    for (file, part) in FILES.iter().zip(text.split("\n#%%\n")) {
        std::fs::write(package.join(file), part)?;
    }
    let layout = ProjectLayout {
        root: dir.to_path_buf(),
        package_name: "fz".into(),
        source_dir: "src".into(),
        kedro_init_version: "1.7.0".into(),
    };
    let _ = extract_pipelines(&layout);
    Ok(())
}
