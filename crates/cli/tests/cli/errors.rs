//! Bad input gives exit code 2 and a message that names the file, the line and column, shows the source
//! line with a caret under the token, and says what to do; `--format json` gives the same as one JSON
//! object per line on stderr, and `kdvc check --format github` GitHub Actions annotations.

use std::path::Path;

use kdvc_test_support::fixture_copy;

use crate::{kdvc, run};

/// Runs kdvc in a copy of `fixture` after `edit`, expecting failure; returns stderr with the temp dir
/// replaced by `[PROJECT]`.
fn failure(fixture: &str, edit: impl FnOnce(&Path), args: &[&str]) -> String {
    let copy = fixture_copy(fixture);
    edit(&copy.root);
    let r = run(kdvc(&copy.root).args(args));
    assert_eq!(r.code, 2, "expected exit 2, got {}:\n{}", r.code, r.stderr);
    assert!(
        r.stdout.is_empty(),
        "nothing on stdout on error: {}",
        r.stdout
    );
    r.stderr
        .replace(&copy.root.display().to_string(), "[PROJECT]")
}

/// The plain and the JSON rendering of the same failure, for one snapshot each.
fn both(fixture: &str, edit: impl Fn(&Path), args: &[&str]) -> (String, String) {
    let plain = failure(fixture, &edit, args);
    let mut json_args = args.to_vec();
    json_args.extend(["--format", "json"]);
    let json = failure(fixture, &edit, &json_args);
    for line in json.lines() {
        let v: serde_json::Value = serde_json::from_str(line).expect("one JSON object per line");
        for key in [
            "severity",
            "message",
            "file",
            "line",
            "column",
            "end_line",
            "end_column",
            "hint",
            "causes",
        ] {
            assert!(v.get(key).is_some(), "{key} missing in {line}");
        }
    }
    (plain, json)
}

/// Asserts that a plain rendering shows a place, a snippet with a caret and a hint.
fn assert_pointed(plain: &str) {
    assert!(plain.contains(" --> "), "a file:line:column: {plain}");
    assert!(plain.contains('^'), "a caret: {plain}");
    assert!(plain.contains("= hint: "), "a hint: {plain}");
}

fn write(root: &Path, file: &str, text: &str) {
    std::fs::write(root.join(file), text).unwrap();
}

fn append(root: &Path, file: &str, text: &str) {
    let old = std::fs::read_to_string(root.join(file)).unwrap();
    write(root, file, &format!("{old}{text}"));
}

#[test]
fn malformed_yaml_shows_the_place() {
    let (plain, json) = both(
        "pipe-helpers",
        |root| {
            write(
                root,
                "conf/base/catalog.yml",
                "north_raw:\n  type: pandas.CSVDataset\n  filepath: [unclosed\nsouth_raw: {}\n",
            );
        },
        &["catalog"],
    );
    assert_pointed(&plain);
    insta::assert_snapshot!("malformed_yaml", plain);
    insta::assert_snapshot!("malformed_yaml_json", json);
}

#[test]
fn an_unknown_interpolation() {
    let (plain, json) = both(
        "pipe-helpers",
        |root| {
            append(
                root,
                "conf/base/parameters.yml",
                "threshold: ${nope.missing}\n",
            )
        },
        &["params"],
    );
    assert_pointed(&plain);
    insta::assert_snapshot!("unknown_interpolation", plain);
    insta::assert_snapshot!("unknown_interpolation_json", json);
}

#[test]
fn a_directory_that_is_not_a_kedro_project() {
    let tmp = tempfile::tempdir().unwrap();
    let r = run(kdvc(tmp.path()).args(["params", "--json"]));
    assert_eq!(r.code, 2);
    let err = r.stderr.replace(&tmp.path().display().to_string(), "[DIR]");
    insta::assert_snapshot!("not_a_kedro_project", err);
}

#[test]
fn a_missing_environment() {
    let err = failure("pipe-helpers", |_| {}, &["params", "--env", "staging"]);
    insta::assert_snapshot!("missing_env", err);
}

#[test]
fn a_missing_environment_named_in_tool_kdvc() {
    let (plain, json) = both(
        "pipe-helpers",
        |root| append(root, "pyproject.toml", "\n[tool.kdvc]\nenv = \"staging\"\n"),
        &["translate", "--dry-run"],
    );
    assert_pointed(&plain);
    insta::assert_snapshot!("missing_env_tool_kdvc", plain);
    insta::assert_snapshot!("missing_env_tool_kdvc_json", json);
}

#[test]
fn an_unknown_tool_kdvc_key() {
    let (plain, json) = both(
        "pipe-helpers",
        |root| append(root, "pyproject.toml", "\n[tool.kdvc]\nenvs = \"local\"\n"),
        &["translate", "--dry-run"],
    );
    assert_pointed(&plain);
    insta::assert_snapshot!("unknown_tool_kdvc_key", plain);
    insta::assert_snapshot!("unknown_tool_kdvc_key_json", json);
}

#[test]
fn an_unresolvable_node_function() {
    let (plain, json) = both(
        "pipe-single-module",
        |root| {
            write(
                root,
                "src/solo_flow/pipeline_registry.py",
                "from kedro.pipeline import Pipeline, node\n\n\
                 from solo_flow.nodes import no_such_function\n\n\n\
                 def register_pipelines():\n    \
                 return {\"__default__\": Pipeline([node(no_such_function, \"temps\", \"out\")])}\n",
            );
        },
        // The static reader's own diagnostic (the default, `auto`, would also ask Kedro).
        &["pipelines", "--introspect=never"],
    );
    assert_pointed(&plain);
    insta::assert_snapshot!("unresolvable_node_function", plain);
    insta::assert_snapshot!("unresolvable_node_function_json", json);
}

#[test]
fn a_pipeline_cycle() {
    let (plain, json) = both(
        "pipe-single-module",
        |root| {
            write(
                root,
                "src/solo_flow/pipeline_registry.py",
                "from kedro.pipeline import Pipeline, node\n\n\n\
                 def step(x):\n    return x\n\n\n\
                 def register_pipelines():\n    \
                 return {\n        \"__default__\": Pipeline(\n            [\n                \
                 node(step, \"a\", \"b\", name=\"one\"),\n                \
                 node(step, \"b\", \"a\", name=\"two\"),\n            ]\n        )\n    }\n",
            );
        },
        &["translate", "--dry-run", "--introspect=never"],
    );
    assert_pointed(&plain);
    insta::assert_snapshot!("pipeline_cycle", plain);
    insta::assert_snapshot!("pipeline_cycle_json", json);
}

#[test]
fn an_unknown_pipeline() {
    let err = failure("pipe-helpers", |_| {}, &["pipelines", "--pipeline", "nope"]);
    insta::assert_snapshot!("unknown_pipeline", err);
}

#[test]
fn check_annotates_a_stale_dvc_yaml_for_github() {
    let copy = fixture_copy("pipe-helpers");
    let r = run(kdvc(&copy.root).args(["translate", "--quiet"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.is_empty(), "--quiet prints nothing: {}", r.stdout);
    // Edit one generated stage and remove another, as a stale commit would.
    let dvc_yaml = copy.root.join("dvc.yaml");
    let text = std::fs::read_to_string(&dvc_yaml).unwrap();
    let edited = text.replacen(
        "cmd: kedro run --nodes='final_summary'",
        "cmd: kedro run",
        1,
    );
    assert_ne!(
        edited, text,
        "the fixture's stage is where the test expects it"
    );
    std::fs::write(&dvc_yaml, edited).unwrap();
    let r = run(kdvc(&copy.root).args(["check", "--format", "github"]));
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    let annotations: Vec<&str> = r.stdout.lines().filter(|l| l.starts_with("::")).collect();
    insta::assert_snapshot!("check_github", annotations.join("\n"));
    assert!(r.stdout.contains("+++ b/dvc.yaml"), "the diff follows");
}

#[test]
fn fingerprint_without_dvc_yaml_says_to_translate_first() {
    let err = failure("exp-lab", |_| {}, &["fingerprint"]);
    assert!(
        err.contains("[PROJECT]/dvc.yaml: no dvc.yaml here"),
        "{err}"
    );
    assert!(err.contains("run `kdvc translate` first"), "{err}");
    assert!(!err.contains("os error"), "{err}");
}

#[test]
fn pipelines_rejects_a_missing_environment_and_unknown_tool_kdvc_keys() {
    let err = failure("exp-lab", |_| {}, &["pipelines", "--env", "nope"]);
    assert!(
        err.contains("configuration environment 'nope' does not exist"),
        "{err}"
    );
    let err = failure(
        "exp-lab",
        |root| append(root, "pyproject.toml", "\n[tool.kdvc]\nbogus = 1\n"),
        &["pipelines"],
    );
    assert!(err.contains("unknown key 'bogus' in [tool.kdvc]"), "{err}");
    assert!(err.contains("pyproject.toml:"), "{err}");
}

#[test]
fn sources_that_are_not_utf8_are_errors_at_their_place() {
    let nodes = "src/exp_lab/pipelines/training/nodes.py";
    let err = failure(
        "exp-lab",
        |root| {
            let mut text = std::fs::read(root.join(nodes)).unwrap();
            text.extend_from_slice(b"\nNAME = 'caf\xe9'\n");
            std::fs::write(root.join(nodes), text).unwrap();
        },
        &["pipelines"],
    );
    assert!(err.contains(&format!("{nodes}:")), "{err}");
    assert!(err.contains("not valid UTF-8 (byte 0xe9)"), "{err}");
    let err = failure(
        "exp-lab",
        |root| {
            let mut text = std::fs::read(root.join("conf/base/catalog.yml")).unwrap();
            text.extend_from_slice(b"\n# caf\xe9\n");
            std::fs::write(root.join("conf/base/catalog.yml"), text).unwrap();
        },
        &["catalog"],
    );
    assert!(err.contains("conf/base/catalog.yml:"), "{err}");
    assert!(err.contains("not valid UTF-8 (byte 0xe9)"), "{err}");

    // Latin-1 under a PEP 263 coding line is valid Python.
    let copy = fixture_copy("exp-lab");
    let mut text = b"# -*- coding: latin-1 -*-\n".to_vec();
    text.extend_from_slice(&std::fs::read(copy.root.join(nodes)).unwrap());
    text.extend_from_slice(b"\nNAME = 'caf\xe9'\n");
    std::fs::write(copy.root.join(nodes), text).unwrap();
    let r = run(kdvc(&copy.root).args(["pipelines"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
}
