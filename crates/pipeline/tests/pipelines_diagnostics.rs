//! Unsupported constructs give a diagnostic (snapshot) and no registry; unparseable Python gives an error;
//! the evaluator never panics on mutated sources.

use std::path::Path;

use kdvc_pipeline::{ExtractError, ProjectLayout, extract_pipelines};
use proptest::prelude::*;

fn write_project(root: &Path, files: &[(&str, &str)]) -> ProjectLayout {
    kdvc_test_support::write_files(root, files);
    ProjectLayout {
        root: root.to_owned(),
        package_name: "demo".into(),
        source_dir: "src".into(),
        kedro_init_version: "1.7.0".into(),
    }
}

const REGISTRY: &str = "from kedro.framework.project import find_pipelines\n\n\ndef register_pipelines():\n    \
                        pipelines = find_pipelines(raise_errors=True)\n    pipelines[\"__default__\"] = sum(pipelines.values())\n    \
                        return pipelines\n";

const NODES: &str = "def clean(x):\n    return x\n\n\ndef train(x, y):\n    return x\n";

/// A project whose one pipeline, `alpha`, is `pipeline_py` (with `clean` and `train` in its `nodes.py`).
fn alpha_project(root: &Path, pipeline_py: &str) -> ProjectLayout {
    write_project(
        root,
        &[
            ("src/demo/__init__.py", ""),
            ("src/demo/pipeline_registry.py", REGISTRY),
            (
                "src/demo/pipelines/alpha/__init__.py",
                "from .pipeline import create_pipeline\n",
            ),
            ("src/demo/pipelines/alpha/nodes.py", NODES),
            ("src/demo/pipelines/alpha/pipeline.py", pipeline_py),
        ],
    )
}

fn diagnostics_for(pipeline_py: &str) -> String {
    let tmp = tempfile::tempdir().unwrap();
    let layout = alpha_project(tmp.path(), pipeline_py);
    let ex = extract_pipelines(&layout).expect("extraction runs");
    assert!(
        ex.registry.is_none(),
        "an undecidable project must not get a registry"
    );
    assert!(!ex.diagnostics.is_empty());
    ex.diagnostics
        .into_iter()
        .map(|d| d.relative_to(tmp.path()).to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn inputs_computed_from_io() {
    let d = diagnostics_for(
        "import json\nfrom kedro.pipeline import Pipeline, node\nfrom .nodes import clean\n\n\n\
         def create_pipeline(**kwargs):\n    inputs = json.load(open(\"inputs.json\"))\n    \
         return Pipeline([node(clean, inputs, \"out\")])\n",
    );
    insta::assert_snapshot!("inputs_computed_from_io", d);
}

#[test]
fn function_from_a_dynamic_import() {
    let d = diagnostics_for(
        "import importlib\nfrom kedro.pipeline import Pipeline, node\n\n\n\
         def create_pipeline(**kwargs):\n    mod = importlib.import_module(\"demo.pipelines.alpha.nodes\")\n    \
         return Pipeline([node(mod.clean, \"a\", \"b\")])\n",
    );
    insta::assert_snapshot!("function_from_a_dynamic_import", d);
}

#[test]
fn external_node_function() {
    let d = diagnostics_for(
        "import numpy as np\nfrom kedro.pipeline import Pipeline, node\n\n\n\
         def create_pipeline(**kwargs):\n    return Pipeline([node(np.log, \"a\", \"b\")])\n",
    );
    insta::assert_snapshot!("external_node_function", d);
}

#[test]
fn third_party_decorator_of_a_node_function() {
    let d = diagnostics_for(
        "from kedro.pipeline import Pipeline, node\nfrom tenacity import retry\n\n\n\
         @retry\ndef f(a):\n    return a\n\n\n\
         def create_pipeline(**kwargs):\n    return Pipeline([node(f, \"a\", \"b\")])\n",
    );
    insta::assert_snapshot!("third_party_decorator", d);
}

#[test]
fn kedro_errors_are_reported_with_their_place() {
    let d = diagnostics_for(
        "from kedro.pipeline import Pipeline, node\nfrom .nodes import clean, train\n\n\n\
         def create_pipeline(**kwargs):\n    base = Pipeline([node(clean, \"a\", \"b\", name=\"n\"), node(train, [\"b\", \"c\"], \"d\")])\n    \
         return Pipeline(base, namespace=\"ns\", inputs={\"nope\": \"x\"})\n",
    );
    insta::assert_snapshot!("kedro_mapping_error", d);
}

#[test]
fn unparseable_python_is_an_error() {
    let tmp = tempfile::tempdir().unwrap();
    let layout = alpha_project(tmp.path(), "def create_pipeline(:\n    return\n");
    let err = extract_pipelines(&layout).expect_err("a syntax error is an error");
    let ExtractError::Parse(p) = &err else {
        panic!("wrong error {err}")
    };
    assert_eq!(
        (p.line, p.file.ends_with("alpha/pipeline.py")),
        (1, true),
        "{err}"
    );
}

const GOOD_PIPELINE: &str = "from functools import partial\nfrom kedro.pipeline import Pipeline, node, pipeline\n\
from .nodes import clean, train\n\nNAMES = [\"a\", \"b\"]\n\n\ndef _base(prefix, *, tag=\"t\"):\n    \
return Pipeline([node(clean, f\"{prefix}_in\", \"mid\", name=prefix + \"_clean\", tags=[tag]),\n        \
node(partial(train, y=1), {\"x\": \"mid\"}, \"out\"), node(lambda m: m, \"out\", \"final\")])\n\n\n\
def create_pipeline(**kwargs):\n    return sum(pipeline(_base(n), namespace=n, inputs={\"%s_in\" % n: \"raw\"}) for n in NAMES)\n";

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    /// Deleting, duplicating or replacing a slice of a realistic pipeline module never panics the evaluator.
    #[test]
    fn mutated_sources_never_panic(start in 0usize..GOOD_PIPELINE.len(), len in 0usize..40, op in 0u8..3,
                                   junk in "[a-z_\\[\\](){}:,.=+*%\"' \\n0-9]{0,12}") {
        let mut s: Vec<char> = GOOD_PIPELINE.chars().collect();
        let start = start.min(s.len());
        let end = (start + len).min(s.len());
        match op {
            0 => { s.drain(start..end); }
            1 => { let dup: Vec<char> = s[start..end].to_vec(); s.splice(start..start, dup); }
            _ => { s.splice(start..end, junk.chars()); }
        }
        let src: String = s.into_iter().collect();
        let tmp = tempfile::tempdir().unwrap();
        let layout = alpha_project(tmp.path(), &src);
        let _ = extract_pipelines(&layout);
    }

    /// Random token soups as a pipeline module never panic the evaluator.
    #[test]
    fn token_soup_never_panics(tokens in proptest::collection::vec(prop_oneof![
        Just("def create_pipeline(**kw):\n    return "), Just("Pipeline("), Just("node("), Just("pipeline("),
        Just("["), Just("]"), Just("("), Just(")"), Just("{"), Just("}"), Just(", "), Just("\"a\""), Just("'b'"),
        Just("clean"), Just("train"), Just("partial(clean, "), Just("lambda x: x"), Just(" + "), Just(" - "),
        Just(" & "), Just(" | "), Just("namespace="), Just("inputs="), Just("outputs="), Just("f\"{n}\""),
        Just(" for n in [\"a\", \"b\"]"), Just("sum("), Just("\n"), Just("    "), Just("x = "), Just("x"),
        Just("from .nodes import clean, train\n"), Just("from kedro.pipeline import *\n"), Just("None"),
        Just("%"), Just(": "), Just("if x:\n        "), Just("else:\n        "), Just("0"), Just("1"),
    ], 0..40)) {
        let src: String = format!("from functools import partial\nfrom kedro.pipeline import Pipeline, node, pipeline\n{}", tokens.concat());
        let tmp = tempfile::tempdir().unwrap();
        let layout = alpha_project(tmp.path(), &src);
        let _ = extract_pipelines(&layout);
    }
}

#[test]
fn the_unmutated_module_extracts() {
    let tmp = tempfile::tempdir().unwrap();
    let layout = alpha_project(tmp.path(), GOOD_PIPELINE);
    let reg = extract_pipelines(&layout)
        .unwrap()
        .into_result()
        .expect("no diagnostics");
    assert_eq!(reg.get("__default__").unwrap().len(), 6);
    assert_eq!(reg.get("alpha").unwrap().len(), 6);
}
