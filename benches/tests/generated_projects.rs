//! The generator writes projects that real Kedro 1.7.0 reads the same way the spec says.

use kdvc_benches::{Spec, generate};
use kdvc_test_support::{Spelling, kedro_json};

#[test]
fn kedro_reads_the_generated_pipelines() {
    let dir = tempfile::tempdir().unwrap();
    let spec = Spec::nodes(12, 3)
        .with_python_lines(1_500)
        .with_catalog_entries(40);
    let g = generate(dir.path(), &spec).unwrap();
    let filler = g.root.join("src/synth_proj/lib/mod_00000.py");
    let filler_lines = std::fs::read_to_string(&filler).unwrap().lines().count();
    assert!(
        (250..=290).contains(&filler_lines),
        "filler module has {filler_lines} lines"
    );

    let view = kedro_json(
        &g.root,
        Spelling::Kedro17,
        r#"
nodes = [n.name for n in pipelines["__default__"].nodes]
import importlib
mod = importlib.import_module("synth_proj.pipelines.p001.nodes")
import pandas as pd
out = mod.step_000(pd.DataFrame({"a": [1.0]}), 2)
result = {"keys": sorted(pipelines.keys()), "nodes": sorted(nodes), "cols": list(out.columns)}
"#,
    );
    let mut expected = g.node_names.clone();
    expected.sort();
    assert_eq!(view["nodes"], serde_json::json!(expected));
    assert_eq!(
        view["keys"],
        serde_json::json!(["__default__", "p000", "p001", "p002"])
    );
    assert_eq!(view["cols"], serde_json::json!(["a", "s0"]));
}
