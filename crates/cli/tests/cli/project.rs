//! `kdvc pipelines`, `catalog` and `params` against Kedro's own view of the same project.

use kdvc_test_support::{Spelling, fixture_copy, kedro_json};
use serde_json::{Value, json};

use crate::{kdvc, run};

mod pipelines_and_params_json_equal_kedros_view {
    kdvc_test_support::fixture_tests!(super::pipelines_and_params_equal_kedros;
        cfg_custom_resolvers => "cfg-custom-resolvers",
        cfg_params_independent => "cfg-params-independent",
        pipe_modular_loop => "pipe-modular-loop",
        pipe_helpers => "pipe-helpers",
    );
}

fn pipelines_and_params_equal_kedros(fixture: &str) {
    let copy = fixture_copy(fixture);
    let mut kedro = kedro_json(
        &copy.root,
        Spelling::Kedro17,
        "from kedro.framework.session import KedroSession\n\
         with KedroSession.create(project_path=Path.cwd()) as session:\n    \
         params = session.load_context().config_loader[\"parameters\"]\n\
         result = {\"pipelines\": pipelines_view(), \"parameters\": params}\n",
    );
    let mut pipelines = kedro["pipelines"].take();
    // Kedro's view as `kdvc pipelines --json` writes it, without function names (compared elsewhere).
    for nodes in pipelines.as_object_mut().unwrap().values_mut() {
        for n in nodes.as_array_mut().unwrap() {
            n.as_object_mut().unwrap().remove("func");
        }
        *nodes = json!({ "nodes": nodes.take() });
    }

    let r = run(kdvc(&copy.root).args(["pipelines", "--json"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let mut ours: Value = serde_json::from_str(&r.stdout).unwrap();
    // Kedro's view has no function names; compare everything else.
    for p in ours["pipelines"].as_object_mut().unwrap().values_mut() {
        for n in p["nodes"].as_array_mut().unwrap() {
            let n = n.as_object_mut().unwrap();
            assert!(n.remove("func_module").is_some_and(|m| m.is_string()));
            assert!(n.remove("func_name").is_some_and(|m| m.is_string()));
        }
    }
    assert_eq!(ours, json!({ "pipelines": pipelines }), "{fixture}");

    let r = run(kdvc(&copy.root).args(["params", "--json"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let ours: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(ours, kedro["parameters"], "{fixture}");
}

#[test]
fn catalog_json_lists_explicit_and_pipeline_datasets() {
    let copy = fixture_copy("pipe-helpers");
    let r = run(kdvc(&copy.root).args(["catalog", "--json"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let ours: Value = serde_json::from_str(&r.stdout).unwrap();
    let kedro = kedro_json(
        &copy.root,
        Spelling::Kedro17,
        r#"
from kedro.framework.session import KedroSession
names = set()
for p in pipelines.values():
    names |= {d for d in p.datasets() if d != "parameters" and not d.startswith("params:")}
with KedroSession.create(project_path=Path.cwd()) as session:
    explicit = set(session.load_context().config_loader["catalog"].keys())
result = {"names": sorted(names | {n for n in explicit if not n.startswith("_") and "{" not in n})}
"#,
    );
    let ours_names: Vec<&String> = ours["datasets"].as_object().unwrap().keys().collect();
    let mut ours_names: Vec<String> = ours_names.into_iter().cloned().collect();
    ours_names.sort();
    assert_eq!(json!(ours_names), kedro["names"]);
    for d in ours["datasets"].as_object().unwrap().values() {
        for key in ["type", "filepath", "versioned", "persisted"] {
            assert!(d.get(key).is_some(), "{key} missing in {d}");
        }
    }
}

#[test]
fn introspection_gives_the_same_pipelines_as_static_reading() {
    let copy = fixture_copy("pipe-findpipes");
    let python = kdvc_test_support::venv_bin("python");
    let r = run(kdvc(&copy.root).args(["pipelines", "--json"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let static_view: Value = serde_json::from_str(&r.stdout).unwrap();
    let r = run(kdvc(&copy.root)
        .args(["pipelines", "--json", "--introspect", "--python"])
        .arg(&python));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let introspected: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(static_view, introspected);
    assert!(
        static_view["pipelines"]["__default__"]["nodes"]
            .as_array()
            .is_some_and(|n| !n.is_empty())
    );

    // A missing interpreter is a clear error, not a panic.
    let r = run(kdvc(&copy.root).args([
        "pipelines",
        "--introspect",
        "--python",
        "/nonexistent/python",
    ]));
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("/nonexistent/python"), "{}", r.stderr);
}

#[test]
fn introspect_auto_reads_a_refused_project_through_kedro_with_one_warning() {
    let copy = fixture_copy("pipe-yaml-steps");
    let python = kdvc_test_support::venv_bin("python");
    let r = run(kdvc(&copy.root)
        .args(["pipelines", "--json", "--introspect", "--python"])
        .arg(&python));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let kedro: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(
        kedro["pipelines"]["__default__"]["nodes"]
            .as_array()
            .map(Vec::len),
        Some(4)
    );

    // The default (`auto`; the venv's python3 is first on PATH) and `--introspect=auto`: Kedro's view, and
    // one warning naming the construct the static reader refused.
    for args in [
        &["pipelines", "--json"][..],
        &["pipelines", "--json", "--introspect=auto"],
    ] {
        let r = run(kdvc(&copy.root).args(args));
        assert_eq!(r.code, 0, "{args:?}: {}", r.stderr);
        assert_eq!(serde_json::from_str::<Value>(&r.stdout).unwrap(), kedro);
        let lines: Vec<&str> = r.stderr.lines().collect();
        assert_eq!(lines.len(), 1, "{args:?}: {}", r.stderr);
        assert!(
            lines[0].starts_with("warning: src/step_lab/pipelines/steps/pipeline.py:")
                && lines[0]
                    .ends_with("read the pipelines through Kedro instead (introspect = \"auto\")"),
            "{}",
            lines[0]
        );
    }

    // `never`, from the flag and from `[tool.kdvc]`: the located refusal.
    let r = run(kdvc(&copy.root).args(["pipelines", "--introspect=never"]));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("src/step_lab/pipelines/steps/pipeline.py:"),
        "{}",
        r.stderr
    );
    let never = r.stderr;
    let toml = copy.root.join("pyproject.toml");
    let mut text = std::fs::read_to_string(&toml).unwrap();
    text.push_str("\n[tool.kdvc]\nintrospect = \"never\"\n");
    std::fs::write(&toml, text).unwrap();
    let r = run(kdvc(&copy.root).args(["pipelines"]));
    assert_eq!((r.code, r.stderr), (2, never));
}

/// `.inf`, `-.inf`, `.nan` and `~` are four different parameter values: `kdvc params` shows them apart
/// and the fingerprint file that records a parameter DVC cannot track (one holding a date) changes when
/// one replaces another (each was written `null`).
#[test]
fn infinities_and_nan_are_not_null() {
    let copy = fixture_copy("exp-lab");
    let params = copy.root.join("conf/base/parameters.yml");
    let base = std::fs::read_to_string(&params).unwrap();
    assert!(base.contains("\nsince: 2024-01-01\n"));
    let with = |v: &str| {
        let since = format!("\nsince:\n  day: 2024-01-01\n  cut: {v}\n  l: [.inf, ~]\n");
        std::fs::write(&params, base.replace("\nsince: 2024-01-01\n", &since)).unwrap();
    };
    with(".inf");
    let r = run(kdvc(&copy.root).args(["params"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains("since.l = [Infinity,null]"),
        "{}",
        r.stdout
    );
    let r = run(kdvc(&copy.root).args(["params", "--json"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    serde_json::from_str::<Value>(&r.stdout).expect("--json stays JSON");

    let r = run(kdvc(&copy.root).args(["translate"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let mut seen = Vec::new();
    for (v, shown) in [
        (".inf", "Infinity"),
        ("-.inf", "-Infinity"),
        (".nan", "NaN"),
        ("~", "null"),
    ] {
        with(v);
        let r = run(kdvc(&copy.root).args(["fingerprint"]));
        assert_eq!(r.code, 0, "{}", r.stderr);
        let fp = std::fs::read_to_string(copy.root.join(".kdvc/fp/select_recent.txt")).unwrap();
        assert!(fp.contains(&format!("\"cut\":{shown}")), "{v}: {fp}");
        assert!(
            !seen.contains(&fp),
            "{v}: the fingerprint file did not change:\n{fp}"
        );
        seen.push(fp);
        let r = run(kdvc(&copy.root).args(["params"]));
        assert!(
            r.stdout.contains(&format!("since.cut = {shown} ")),
            "{v}: {}",
            r.stdout
        );
    }
}
