//! `kdvc catalog` on every input of the configuration regression corpus
//! (`crates/kedro-model/tests/regressions/<case>/`) and `kdvc pipelines` on every input of the pipeline
//! code corpus (`crates/pipeline/tests/regressions/<case>/`), each laid over a fixture project: each stops
//! with exit 2 and an error that names the file, line and column and the limit, or succeeds, well within
//! a second; never a stack overflow, an out-of-memory abort or a hang.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use kdvc_test_support::{copy_dir, fixture_copy, workspace_root};

/// A generous guard for a shared machine; the cases take milliseconds.
const GUARD: Duration = Duration::from_secs(5);

fn case_files(case: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![case.to_path_buf()];
    while let Some(dir) = todo.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                todo.push(path);
            } else {
                out.push(path.strip_prefix(case).unwrap().to_path_buf());
            }
        }
    }
    out
}

/// Runs `kdvc ARGS` on every case of the corpus at `corpus` (relative to the workspace root), each laid
/// over the `exp-lab` fixture.
fn replay(corpus: &str, args: &[&str]) {
    let corpus = workspace_root().join(corpus);
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&corpus)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    assert!(!cases.is_empty(), "no cases in {}", corpus.display());
    for case in cases {
        let name = case.file_name().unwrap().to_string_lossy().to_string();
        let copy = fixture_copy("exp-lab");
        copy_dir(&case, &copy.root);
        let files = case_files(&case);
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_kdvc"));
        kdvc_test_support::configure(&mut cmd);
        cmd.current_dir(&copy.root).args(args);
        let start = Instant::now();
        let out = cmd.output().expect("kdvc runs");
        let took = start.elapsed();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(took < GUARD, "{name}: took {took:?}");
        if name.starts_with("long-") || name.starts_with("valid-") {
            assert_eq!(out.status.code(), Some(0), "{name}: {stderr}");
            continue;
        }
        assert_eq!(out.status.code(), Some(2), "{name}: {stderr}");
        let file = files[0].display().to_string();
        assert!(
            stderr.contains(&format!("{file}:")) && stderr.contains("limit"),
            "{name}: the error names {file} and the limit: {stderr}"
        );
    }
}

#[test]
fn every_regression_input_stops_with_a_located_error() {
    replay(
        "crates/kedro-model/tests/regressions",
        &["catalog", "--json"],
    );
}

/// The pipeline code corpus (`crates/pipeline/tests/regressions/`): deep nesting and long loops in the
/// Python the static reader evaluates. The limits are final: Kedro is not asked instead (the default
/// `introspect = "auto"` applies).
#[test]
fn every_pipeline_code_regression_stops_with_a_located_error() {
    replay("crates/pipeline/tests/regressions", &["pipelines"]);
}
