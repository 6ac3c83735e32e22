//! Inputs that once overflowed the stack, ran out of memory, panicked or took seconds
//! (`tests/regressions/<case>/`, each one file of a project: a `conf/` file or `src/exp_lab/settings.py`).
//! Every one must now load within a second, or stop with a located [`Error::LimitExceeded`] naming the
//! file the case edits. Cases named `long-*` and `valid-*` are valid input and must load.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use kdvc_kedro_model::{Error, KedroConfig, LoadOptions, Project};

/// A generous guard: the cases take milliseconds in release builds and well under a second in debug.
const GUARD: Duration = Duration::from_secs(5);

fn copy_tree(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let rel = entry.path().strip_prefix(from).unwrap();
        let dest = to.join(rel);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
        } else {
            std::fs::copy(entry.path(), &dest).unwrap();
        }
    }
}

/// The case's only file, relative to the case directory.
fn case_file(case: &Path) -> PathBuf {
    let files: Vec<PathBuf> = walkdir::WalkDir::new(case)
        .into_iter()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().is_file())
        .map(|e| e.path().strip_prefix(case).unwrap().to_path_buf())
        .collect();
    assert_eq!(files.len(), 1, "{}: one file per case", case.display());
    files.into_iter().next().unwrap()
}

fn load(case: &Path) -> (kdvc_kedro_model::Result<KedroConfig>, Duration) {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("pyproject.toml"),
        "[tool.kedro]\npackage_name = \"exp_lab\"\nproject_name = \"P\"\nkedro_init_version = \"1.7.0\"\n",
    )
    .unwrap();
    std::fs::create_dir_all(tmp.path().join("src/exp_lab")).unwrap();
    std::fs::write(tmp.path().join("src/exp_lab/__init__.py"), "").unwrap();
    for dir in ["conf/base", "conf/local"] {
        std::fs::create_dir_all(tmp.path().join(dir)).unwrap();
    }
    copy_tree(case, tmp.path());
    for (file, text) in [
        ("conf/base/catalog.yml", "{}\n"),
        ("conf/base/parameters.yml", "{}\n"),
    ] {
        let p = tmp.path().join(file);
        if !p.exists() {
            std::fs::write(p, text).unwrap();
        }
    }
    let start = Instant::now();
    let project = match Project::load(tmp.path()) {
        Ok(project) => project,
        Err(e) => return (Err(e), start.elapsed()),
    };
    let options = LoadOptions {
        environ: Some(Default::default()),
        ..LoadOptions::default()
    };
    let config = KedroConfig::load(&project, &options);
    if let Ok(c) = &config {
        // Resolve every explicit dataset and a name matched by the factories.
        for name in c.catalog().explicit_names() {
            c.catalog().resolve(name);
            c.catalog().resolve(&format!("{name}.csv"));
            c.catalog().resolve(&format!("{name}_{name}"));
        }
    }
    (config, start.elapsed())
}

#[test]
fn every_regression_input_is_fast_and_located() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/regressions");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    assert!(
        cases.len() >= 9,
        "regression cases missing in {}",
        dir.display()
    );
    for case in cases {
        let name = case.file_name().unwrap().to_string_lossy().to_string();
        let file = case_file(&case);
        let (result, took) = load(&case);
        assert!(took < GUARD, "{name}: took {took:?}");
        if name.starts_with("long-") || name.starts_with("valid-") {
            assert!(result.is_ok(), "{name}: {:?}", result.err());
            continue;
        }
        match result {
            Err(Error::LimitExceeded { location, .. }) => {
                assert_eq!(location.file, file, "{name}");
                assert!(
                    location.line > 0 && location.column > 0,
                    "{name}: {location}"
                );
            }
            Err(other) => panic!("{name}: expected a limit error, got: {other}"),
            Ok(_) => panic!("{name}: expected a limit error, got a configuration"),
        }
    }
}
