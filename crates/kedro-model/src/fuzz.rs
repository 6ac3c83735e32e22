//! The body of the `kedro_config` fuzz target (`fuzz/`), a plain function so that `cargo test` replays
//! the saved corpus through it too.

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::{KedroConfig, LoadOptions, Project};

/// The files of the conf tree a fuzz input fills, in order; the input's parts are separated by a line
/// `#%%`.
pub const FILES: [&str; 5] = [
    "conf/base/catalog.yml",
    "conf/base/parameters.yml",
    "conf/base/globals.yml",
    "conf/local/credentials.yml",
    "conf/local/parameters.yml",
];

/// Builds a small Kedro project in a temporary directory from `data` (see [`FILES`]), loads its
/// configuration and resolves every catalog entry, plus a few names against the dataset factories.
/// Errors are fine; panics, overflows and hangs are bugs.
pub fn kedro_config(data: &[u8]) {
    static RUN: AtomicUsize = AtomicUsize::new(0);
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let dir = std::env::temp_dir().join(format!(
        "kdvc-fuzz-{}-{}",
        std::process::id(),
        RUN.fetch_add(1, Ordering::Relaxed)
    ));
    let result = build_and_load(&dir, text);
    let _ = std::fs::remove_dir_all(&dir);
    result.expect("the temporary project can be written");
}

fn build_and_load(dir: &Path, text: &str) -> std::io::Result<()> {
    std::fs::create_dir_all(dir.join("conf/base"))?;
    std::fs::create_dir_all(dir.join("conf/local"))?;
    std::fs::create_dir_all(dir.join("src/p"))?;
    std::fs::write(
        dir.join("pyproject.toml"),
        "[tool.kedro]\npackage_name = \"p\"\nproject_name = \"P\"\nkedro_init_version = \"1.7.0\"\n",
    )?;
    std::fs::write(dir.join("src/p/__init__.py"), "")?;
    std::fs::write(dir.join("conf/base/catalog.yml"), "{}\n")?;
    std::fs::write(dir.join("conf/base/parameters.yml"), "{}\n")?;
    for (file, part) in FILES.iter().zip(text.split("\n#%%\n")) {
        std::fs::write(dir.join(file), part)?;
    }
    let Ok(project) = Project::load(dir) else {
        return Ok(());
    };
    let options = LoadOptions {
        environ: Some(Default::default()),
        ..LoadOptions::default()
    };
    if let Ok(config) = KedroConfig::load(&project, &options) {
        let catalog = config.catalog();
        for name in catalog.explicit_names() {
            catalog.resolve(name);
            catalog.resolve(&format!("{name}.x_y"));
        }
        for name in ["a", "a.b", "companies", "ns.model_input_table", "x_y_z.csv"] {
            catalog.resolve(name);
        }
        let _ = config.parameters();
    }
    Ok(())
}
