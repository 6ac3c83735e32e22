//! Depth and work limits of the static reader. Every input of the regression corpus
//! (`tests/regressions/<case>/`, one file laid over the `exp-lab` fixture) stops within a second with an
//! error at its file, line and column; code nested just within the limits reads without overflowing the
//! test thread's 2 MiB stack (debug builds included).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use kdvc_pipeline::{ExtractError, ProjectLayout, extract_pipelines};
use kdvc_python::MAX_SYNTAX_DEPTH;
use kdvc_test_support::{copy_dir, fixture_copy, write_files};

/// A generous guard for a shared machine; the cases take milliseconds to a few tenths of a second.
const GUARD: Duration = Duration::from_secs(5);

fn layout(root: &Path) -> ProjectLayout {
    ProjectLayout {
        root: root.to_owned(),
        package_name: "exp_lab".into(),
        source_dir: "src".into(),
        kedro_init_version: "1.7.0".into(),
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

#[test]
fn every_regression_input_stops_with_a_located_error() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/regressions");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    assert!(
        cases.len() >= 6,
        "regression cases missing in {}",
        dir.display()
    );
    for case in cases {
        let name = case.file_name().unwrap().to_string_lossy().to_string();
        let file = case_file(&case);
        let copy = fixture_copy("exp-lab");
        copy_dir(&case, &copy.root);
        let start = Instant::now();
        let result = extract_pipelines(&layout(&copy.root));
        let took = start.elapsed();
        assert!(took < GUARD, "{name}: took {took:?}");
        let (at, line, col, message) = match &result {
            Err(ExtractError::Parse(p)) => (p.file.clone(), p.line, p.col, p.message.clone()),
            Err(ExtractError::Limit(d)) => (d.file.clone(), d.line, d.col, d.message.clone()),
            Err(other) => panic!("{name}: expected a limit error, got: {other}"),
            Ok(ex) => panic!("{name}: expected a limit error, got {:?}", ex.diagnostics),
        };
        assert!(
            at.ends_with(&file),
            "{name}: {} is not {}",
            at.display(),
            file.display()
        );
        assert!(line > 0 && col > 0, "{name}: {line}:{col}");
        assert!(message.contains("limit"), "{name}: {message}");
    }
}

const REGISTRY: &str = "from kedro.framework.project import find_pipelines\n\n\ndef register_pipelines():\n    \
                        pipelines = find_pipelines(raise_errors=True)\n    pipelines[\"__default__\"] = sum(pipelines.values())\n    \
                        return pipelines\n";

/// Reads a project whose one pipeline is `pipeline_py`.
fn extract(pipeline_py: &str) -> Result<kdvc_pipeline::Extraction, ExtractError> {
    let tmp = tempfile::tempdir().unwrap();
    write_files(
        tmp.path(),
        &[
            ("src/demo/__init__.py", ""),
            ("src/demo/pipeline_registry.py", REGISTRY),
            (
                "src/demo/pipelines/alpha/__init__.py",
                "from .pipeline import create_pipeline\n",
            ),
            (
                "src/demo/pipelines/alpha/nodes.py",
                "def clean(x):\n    return x\n",
            ),
            ("src/demo/pipelines/alpha/pipeline.py", pipeline_py),
        ],
    );
    extract_pipelines(&ProjectLayout {
        root: tmp.path().to_owned(),
        package_name: "demo".into(),
        source_dir: "src".into(),
        kedro_init_version: "1.7.0".into(),
    })
}

/// `create_pipeline()` returning a pipeline whose node's output name is `expr` (a string expression).
fn pipeline_with(helpers: &str, expr: &str) -> String {
    format!(
        "from kedro.pipeline import Pipeline, node\nfrom .nodes import clean\n\n{helpers}\n\n\
         def create_pipeline(**kwargs):\n    return Pipeline([node(clean, \"a\", {expr}, name=\"n\")])\n"
    )
}

/// Expressions nesting `levels` times in different shapes, each evaluating to the string `"b"`.
fn shapes(levels: usize) -> Vec<(&'static str, String)> {
    vec![
        (
            "parentheses",
            format!("{}\"b\"{}", "(".repeat(levels), ")".repeat(levels)),
        ),
        (
            "subscripts of dicts",
            format!(
                "{}\"b\"{}",
                "{\"k\": ".repeat(levels),
                "}[\"k\"]".repeat(levels)
            ),
        ),
        (
            "lists",
            format!("{}\"b\"{}", "[".repeat(levels), "][0]".repeat(levels)),
        ),
        (
            "calls",
            format!("{}\"b\"{}", "str(".repeat(levels), ")".repeat(levels)),
        ),
        (
            "conditionals",
            format!("{}\"b\"", "\"b\" if False else ".repeat(levels)),
        ),
        (
            "concatenations",
            format!("\"b\"{}", " + \"\"".repeat(levels)),
        ),
    ]
}

/// The most repetitions of `shape` that keep `pipeline_with("", shape(n))` within the syntax depth limit.
fn deepest_accepted(shape: &str) -> usize {
    let accepted = |n: usize| {
        let expr = shapes(n).into_iter().find(|(s, _)| *s == shape).unwrap().1;
        kdvc_python::parse(Path::new("p.py"), &pipeline_with("", &expr)).is_ok()
    };
    let (mut lo, mut hi) = (1, MAX_SYNTAX_DEPTH + 1);
    while lo + 1 < hi {
        let mid = (lo + hi) / 2;
        if accepted(mid) { lo = mid } else { hi = mid }
    }
    assert!(!accepted(hi), "{shape}: {hi} repetitions are accepted");
    lo
}

#[test]
fn code_nested_just_within_the_limits_reads() {
    for (shape, _) in shapes(1) {
        let n = deepest_accepted(shape);
        assert!(n >= MAX_SYNTAX_DEPTH / 4, "{shape}: only {n} levels");
        let expr = shapes(n).into_iter().find(|(s, _)| *s == shape).unwrap().1;
        match extract(&pipeline_with("", &expr)) {
            Ok(ex) => assert!(ex.registry.is_some(), "{shape} x{n}: {:?}", ex.diagnostics),
            Err(e) => panic!("{shape} x{n}: {e}"),
        }
    }
    // Calls of nested code inside nested code, up to the evaluator's own nesting limit.
    let levels = MAX_SYNTAX_DEPTH / 3;
    let mut helpers = String::new();
    for i in 0..4 {
        let inner = if i == 0 {
            "x".to_owned()
        } else {
            format!("f{}(x)", i - 1)
        };
        helpers.push_str(&format!(
            "def f{i}(x):\n    return {}{inner}{}\n\n",
            "(".repeat(levels),
            ")".repeat(levels)
        ));
    }
    match extract(&pipeline_with(&helpers, "f3(\"b\")")) {
        Ok(ex) => assert!(ex.registry.is_some(), "{:?}", ex.diagnostics),
        Err(ExtractError::Limit(d)) => assert!(d.message.contains("nest"), "{}", d.message),
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn code_nested_beyond_the_limit_is_refused_at_its_place() {
    for (shape, expr) in shapes(MAX_SYNTAX_DEPTH + 10) {
        let err = extract(&pipeline_with("", &expr)).expect_err(shape);
        let ExtractError::Parse(p) = &err else {
            panic!("{shape}: {err}")
        };
        assert!(p.message.contains("limit"), "{shape}: {err}");
        assert_eq!(p.line, 7, "{shape}: {err}");
    }
}

#[test]
fn loops_stop_at_the_step_budget() {
    for body in [
        "    for i in range(10**9):\n        pass\n",
        "    n = 0\n    for i in range(1000):\n        for j in range(1000):\n            n = n + 1\n",
        "    x = [[j for j in range(1000)] for i in range(1000)]\n",
        "    x = [1]\n    while True:\n        x = x\n",
    ] {
        let src = pipeline_with("", "\"b\"").replace(
            "    return Pipeline(",
            &format!("{body}    return Pipeline("),
        );
        let start = Instant::now();
        let result = extract(&src);
        assert!(
            start.elapsed() < GUARD,
            "{body}: took {:?}",
            start.elapsed()
        );
        match result {
            Err(ExtractError::Limit(d)) => {
                assert!(
                    d.message.contains("evaluation steps"),
                    "{body}: {}",
                    d.message
                );
                assert!(d.line >= 7 && d.col > 0, "{body}: {}:{}", d.line, d.col);
            }
            // `while` is not modelled: a located refusal.
            Ok(ex) if body.contains("while") => assert!(ex.registry.is_none()),
            other => panic!("{body}: {other:?}"),
        }
    }
}
