//! Differential tests: kdvc's static extraction (and its introspection mode) against real Kedro 1.7.0 on every
//! `fixtures/pipe-*` project and the README's example. Kedro's own view is dumped through its Python API.

use std::path::Path;

use kdvc_kedro_model::pipeline::{FuncKind, Registry};
use kdvc_pipeline::introspect::introspect_pipelines;
use kdvc_pipeline::{ProjectLayout, extract_pipelines};
use kdvc_test_support::Spelling;
use serde_json::{Value, json};

/// Kedro's view: per pipeline, per node in `Pipeline.nodes` order (the 0.19 spelling shimmed for a 0.19
/// project relabelled 1.7.0).
fn kedro_view(root: &Path, shim: bool) -> Value {
    let spelling = if shim {
        Spelling::Kedro019
    } else {
        Spelling::Kedro17
    };
    kdvc_test_support::kedro_pipelines(root, spelling)
}

fn our_view(reg: &Registry) -> Value {
    let mut map = serde_json::Map::new();
    for (name, p) in &reg.pipelines {
        let nodes: Vec<Value> = p
            .nodes()
            .iter()
            .map(|n| {
                let func = match n.func.kind {
                    FuncKind::Partial { .. } => format!("partial({})", n.func.name),
                    _ => n.func.name.clone(),
                };
                json!({
                    "name": n.name, "namespace": n.namespace, "inputs": n.inputs, "outputs": n.outputs,
                    "tags": n.tags, "func": [n.func.module, func],
                })
            })
            .collect();
        map.insert(name.clone(), Value::Array(nodes));
    }
    Value::Object(map)
}

fn layout(root: &Path) -> ProjectLayout {
    let project = kdvc_kedro_model::Project::load(root).expect("project metadata");
    ProjectLayout::from(&project)
}

fn static_view(root: &Path) -> Value {
    let ex = extract_pipelines(&layout(root)).expect("extraction starts");
    match ex.registry {
        Some(reg) => our_view(&reg),
        None => panic!(
            "static extraction gave diagnostics:\n{}",
            ex.diagnostics
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        ),
    }
}

fn check(fixture: &str) {
    let copy = kdvc_test_support::fixture_copy(fixture);
    let expected = kedro_view(&copy.root, false);
    assert!(
        expected.as_object().is_some_and(|o| !o.is_empty()),
        "Kedro sees no pipelines in {fixture}"
    );
    let ours = static_view(&copy.root);
    assert_eq!(
        ours, expected,
        "static extraction differs from Kedro on {fixture}"
    );
    let python = kdvc_test_support::venv_bin("python");
    let introspected =
        introspect_pipelines(&copy.root, Some(&python), None).expect("introspection");
    assert_eq!(
        our_view(&introspected),
        expected,
        "introspection differs from Kedro on {fixture}"
    );
}

#[test]
fn find_pipelines_partial_lambda_dict_inputs() {
    check("pipe-findpipes");
}

#[test]
fn modular_pipeline_twice_in_a_loop_with_nested_namespaces() {
    check("pipe-modular-loop");
}

#[test]
fn helper_functions_imports_string_formatting_and_algebra() {
    check("pipe-helpers");
}

#[test]
fn transcoding_deployment_namespaces_and_reduce() {
    check("pipe-transcode");
}

#[test]
fn functions_wrapped_by_first_party_decorators() {
    check("pipe-decorated");
}

#[test]
fn llm_context_nodes_and_their_tools() {
    check("pipe-llm-context");
}

#[test]
fn single_module_layout_and_find_pipelines_skips() {
    check("pipe-single-module");
}

/// Kedro 1.7 with the 0.19 `modular_pipeline` shim: each node's name by Kedro 0.19's rule
/// (`func([a;b]) -> [c]` for unnamed nodes), computed in Python on Kedro's own node objects.
const NAMES_019: &str = r#"
import functools
def name019(n):
    if n._name:
        base = n._name
    else:
        f = "<partial>" if isinstance(n.func, functools.partial) else n.func.__name__
        ins = "[%s]" % ";".join(n.inputs) if n._inputs else "None"
        outs = "[%s]" % ";".join(n.outputs) if n._outputs else "None"
        base = "%s(%s) -> %s" % (f, ins, outs)
    return n.namespace + "." + base if n.namespace else base
result = {k: sorted(name019(n) for n in p.nodes) for k, p in pipelines.items()}
"#;

#[test]
fn kedro019_import_spellings_and_names() {
    let copy = kdvc_test_support::fixture_copy("pipe-kedro019");
    // As written (kedro_init_version 0.19.x): Kedro 0.19 node names.
    let reg019 = extract_pipelines(&layout(&copy.root))
        .unwrap()
        .into_result()
        .expect("no diagnostics");
    // Kedro 1.7 refuses a 0.19 project, so the oracle runs on a copy that says 1.7.0, with the 0.19 import
    // spelling shimmed; everything except the naming rule is version independent.
    assert!(kdvc_test_support::relabel_as_kedro17(&copy.root));
    let expected = kedro_view(&copy.root, true);
    assert_eq!(
        static_view(&copy.root),
        expected,
        "static extraction differs from Kedro"
    );
    let names = kdvc_test_support::kedro_json(&copy.root, Spelling::Kedro019, NAMES_019);
    let ours: serde_json::Map<String, Value> = reg019
        .pipelines
        .iter()
        .map(|(k, p)| {
            let mut v: Vec<String> = p.nodes().iter().map(|n| n.name.clone()).collect();
            v.sort();
            (k.clone(), json!(v))
        })
        .collect();
    assert_eq!(Value::Object(ours), names);
}

#[test]
fn readme_example_spaceflights() {
    check("examples/spaceflights");
}

/// Pipelines built from a YAML file read at import time: the static reader refuses them at the place of the
/// read, and introspection gives Kedro's exact view.
#[test]
fn pipelines_built_from_yaml_at_import_are_refused_statically_and_introspected_exactly() {
    let copy = kdvc_test_support::fixture_copy("pipe-yaml-steps");
    let expected = kedro_view(&copy.root, false);
    assert_eq!(
        expected["__default__"].as_array().map(Vec::len),
        Some(4),
        "{expected}"
    );
    let ex = extract_pipelines(&layout(&copy.root)).expect("extraction starts");
    assert!(ex.registry.is_none());
    let first = ex
        .diagnostics
        .into_iter()
        .next()
        .expect("a diagnostic")
        .relative_to(&copy.root);
    insta::assert_snapshot!(first.to_string());
    let python = kdvc_test_support::venv_bin("python");
    let introspected =
        introspect_pipelines(&copy.root, Some(&python), None).expect("introspection");
    assert_eq!(our_view(&introspected), expected);
}
