//! The bodies of the `kedro_config` and `settings` fuzz targets (`fuzz/`), plain functions so that
//! `cargo test` replays the saved corpora through them too.

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::{KedroConfig, LoadOptions, Project, Settings};

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

/// Reads `data` as the text of a `settings.py` and asks for every setting kdvc uses. Errors and warnings
/// are fine; panics, overflows and hangs are bugs.
pub fn settings(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let s = Settings::parse(&text, Path::new("src/p/settings.py"));
    let _ = s.conf_source.get("CONF_SOURCE");
    let _ = s.base_env.get("CONFIG_LOADER_ARGS");
    let _ = s.default_run_env.get("CONFIG_LOADER_ARGS");
    let _ = s.config_patterns.get("CONFIG_LOADER_ARGS");
    let _ = s.ignore_hidden.get("CONFIG_LOADER_ARGS");
    for key in ["parameters", "catalog", "credentials", "spark"] {
        let _ = s.merge_strategy_for(key);
    }
}
