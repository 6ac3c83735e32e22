//! Code-aware invalidation with real DVC: after `kdvc translate`, a plain `dvc repro` (no kdvc command run by
//! hand) reruns exactly the stages whose node code changed, and none after formatting or comment edits.
//!
//! The fixture `code-aware` has one stage per node (every output is persisted). Its design fixes which node
//! uses what: `clip_values` -> helpers.clip_value -> helpers.bounds.bound (two imports away) and
//! constants.THRESHOLD; `count_over` -> constants.THRESHOLD; `score_rows` -> models.Scorer; `scale_values`
//! is a partial; `preview` is a lambda; `summarise` reads `clip_values`'s output.

use std::collections::BTreeSet;
use std::path::Path;

use kdvc_test_support::{
    FixtureCopy, edit_file, fixture_copy, git, git_dvc_init, run_tool, string_set,
};

use crate::{dvc_repro, dvc_status, kdvc};

const FP: &str = "kdvc-fingerprint";

/// A translated, fully reproduced and committed copy of the fixture.
fn prepared() -> FixtureCopy {
    let copy = fixture_copy("code-aware");
    let root = &copy.root;
    git_dvc_init(root);
    let r = crate::run(kdvc(root).arg("translate"));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let first = dvc_repro(root);
    assert!(
        first.contains(FP) && first.contains("clip_values") && first.len() == 8,
        "{first:?}"
    );
    assert_eq!(
        dvc_status(root),
        string_set(&[]),
        "dvc status is clean after the first repro"
    );
    git(root, &["add", "-A"]);
    git(root, &["commit", "-q", "-m", "translated and reproduced"]);
    copy
}

#[test]
fn formatting_comments_and_docstrings_rerun_nothing() {
    let copy = prepared();
    let root = &copy.root;
    run_tool("ruff", root, ["format", "--line-length", "60", "src"]);
    edit_file(
        root,
        "src/code_lab/helpers/bounds.py",
        "\"\"\"Clamp ``value`` between ``low`` and ``high``.\"\"\"",
        "\"\"\"Clamp a value.\n\n    Returns it unchanged when in range.\n    \"\"\"  # docs",
    );
    edit_file(
        root,
        "src/code_lab/models.py",
        "class Scorer:",
        "class Scorer:  # the only model",
    );
    edit_file(
        root,
        "src/code_lab/constants.py",
        "# Readings above this",
        "# All readings above this",
    );
    let diff = git(root, &["status", "--porcelain", "src"]);
    assert!(
        diff.lines().count() >= 3,
        "the edits changed files:\n{diff}"
    );
    // The fingerprint stage reruns (its source directory changed), no node stage does.
    assert_eq!(dvc_repro(root), string_set(&[FP]));
    assert_eq!(dvc_status(root), string_set(&[]));
}

#[test]
fn a_helper_two_imports_away_reruns_exactly_its_users() {
    let copy = prepared();
    let root = &copy.root;
    edit_file(
        root,
        "src/code_lab/helpers/bounds.py",
        "max(low, min(high, value))",
        "max(low, min(high - 1, value))",
    );
    // kdvc fingerprint, then dvc status, names the same stages that repro then runs.
    let r = crate::run(kdvc(root).arg("fingerprint"));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let stale: BTreeSet<String> = dvc_status(root).into_iter().filter(|s| s != FP).collect();
    assert_eq!(stale, string_set(&["clip_values"]));
    let ran = dvc_repro(root);
    // summarise reads clip_values's output, which changed: an allowed downstream extra.
    assert_eq!(ran, string_set(&[FP, "clip_values", "summarise"]));
}

#[test]
fn a_constant_and_a_class_method_rerun_exactly_their_users() {
    let copy = prepared();
    let root = &copy.root;
    edit_file(
        root,
        "src/code_lab/constants.py",
        "THRESHOLD = 10",
        "THRESHOLD = 8",
    );
    let ran = dvc_repro(root);
    assert_eq!(
        ran,
        string_set(&[FP, "clip_values", "count_over", "summarise"])
    );

    edit_file(
        root,
        "src/code_lab/models.py",
        "value * weight + self.bias",
        "value * weight - self.bias",
    );
    assert_eq!(dvc_repro(root), string_set(&[FP, "score_rows"]));
}

#[test]
fn a_partial_argument_and_a_lambda_rerun_exactly_that_node() {
    let copy = prepared();
    let root = &copy.root;
    edit_file(
        root,
        "src/code_lab/pipelines/cleaning/pipeline.py",
        "factor=3",
        "factor=4",
    );
    assert_eq!(dvc_repro(root), string_set(&[FP, "scale_values"]));
    edit_file(
        root,
        "src/code_lab/pipelines/cleaning/pipeline.py",
        "df.head(4)",
        "df.head(3)",
    );
    assert_eq!(dvc_repro(root), string_set(&[FP, "preview"]));
}

#[test]
fn diff_and_trace_agree_with_dvc_status() {
    let copy = prepared();
    let root = &copy.root;
    edit_file(
        root,
        "src/code_lab/models.py",
        "value * weight + self.bias",
        "(value + 1) * weight + self.bias",
    );
    git(root, &["commit", "-q", "-am", "change the scorer"]);

    let r = crate::run(kdvc(root).args(["diff", "HEAD~1", "--json"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let diffs: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let stages: BTreeSet<String> = diffs
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["stage"].as_str().unwrap().to_owned())
        .collect();

    // The trace names the changed symbol before the fingerprint record is refreshed.
    let r = crate::run(kdvc(root).args(["trace", "score_rows"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains("changed: code_lab.models:Scorer"),
        "{}",
        r.stdout
    );

    let r = crate::run(kdvc(root).arg("fingerprint"));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let stale: BTreeSet<String> = dvc_status(root).into_iter().filter(|s| s != FP).collect();
    assert_eq!(stages, stale);
    assert_eq!(stale, string_set(&["score_rows"]));
}

/// Each node's fingerprint from `kdvc fingerprint --json`.
fn fingerprints(root: &Path) -> std::collections::BTreeMap<String, String> {
    let r = crate::run(kdvc(root).args(["fingerprint", "--json"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    v["nodes"]
        .as_object()
        .unwrap()
        .iter()
        // Unnamed nodes are named `<function>__<hash>`: keep the function's name.
        .map(|(k, fp)| {
            let base = k.split("__").next().unwrap_or(k);
            (base.to_owned(), fp["hash"].as_str().unwrap().to_owned())
        })
        .collect()
}

#[test]
fn editing_a_decorator_changes_exactly_the_nodes_it_wraps() {
    let copy = fixture_copy("pipe-decorated");
    let root = &copy.root;
    git(root, &["init", "-q", "-b", "main"]);
    let r = crate::run(kdvc(root).arg("translate"));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let file = "src/wrap_lab/decorators.py";
    let mut before = fingerprints(root);
    assert_eq!(
        before.keys().map(String::as_str).collect::<Vec<_>>(),
        ["apply_markup", "join_weights", "label", "per_kilo", "total"]
    );
    let cases: [(&str, &str, &[&str]); 2] = [
        (
            "except ValueError:",
            "except (ValueError, KeyError):",
            &["join_weights"],
        ),
        (
            "print(f\"calling {func.__name__}\")",
            "print(f\"call {func.__name__}\")",
            &["apply_markup", "label"],
        ),
    ];
    for (from, to, _) in &cases {
        edit_file(root, file, from, to);
        let after = fingerprints(root);
        let changed: Vec<&str> = before
            .keys()
            .filter(|k| before[*k] != after[*k])
            .map(String::as_str)
            .collect();
        let expected = cases.iter().find(|c| c.0 == *from).unwrap().2;
        assert_eq!(changed, expected, "after editing {from:?}");
        before = after;
    }
    // A change in the identity decorator's body: the nodes it decorates (`per_kilo`, and `label` under
    // `logged`).
    edit_file(
        root,
        file,
        "    \"\"\"Marks a function as stable and returns it unchanged.\"\"\"\n    return func\n",
        "    \"\"\"Marks a function as stable and returns it unchanged.\"\"\"\n    func.stable = True\n    return func\n",
    );
    let after = fingerprints(root);
    let changed: Vec<&str> = before
        .keys()
        .filter(|k| before[*k] != after[*k])
        .map(String::as_str)
        .collect();
    assert_eq!(changed, ["label", "per_kilo"]);
}

#[test]
fn editing_a_tool_builder_changes_exactly_its_llm_context_node() {
    let copy = fixture_copy("pipe-llm-context");
    let root = &copy.root;
    git(root, &["init", "-q", "-b", "main"]);
    let r = crate::run(kdvc(root).arg("translate"));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let before = fingerprints(root);
    assert_eq!(
        before.keys().map(String::as_str).collect::<Vec<_>>(),
        ["answer", "construct_context", "load_model", "plain_context"]
    );
    edit_file(
        root,
        "src/ask_lab/pipelines/assist/nodes.py",
        "return len(inventory)",
        "return int(len(inventory))",
    );
    let after = fingerprints(root);
    let changed: Vec<&str> = before
        .keys()
        .filter(|k| before[*k] != after[*k])
        .map(String::as_str)
        .collect();
    assert_eq!(changed, ["construct_context"]);
}

/// Without `kdvc` on the `PATH` DVC runs stages with, the fingerprint stage fails with a line that says how
/// to install kdvc (after the shell's "not found"), and DVC records nothing for it.
#[test]
fn the_fingerprint_stage_without_kdvc_says_how_to_install_it() {
    let copy = fixture_copy("code-aware");
    let root = &copy.root;
    git_dvc_init(root);
    let r = crate::run(kdvc(root).arg("translate"));
    assert_eq!(r.code, 0, "{}", r.stderr);
    // The venv's `bin` (DVC, Python) and the system's directories, but none that holds a `kdvc`.
    let inherited = std::env::var_os("PATH").unwrap_or_default();
    let dirs: Vec<std::path::PathBuf> = std::iter::once(kdvc_test_support::venv().join("bin"))
        .chain(std::env::split_paths(&inherited))
        .filter(|dir| !dir.join("kdvc").exists())
        .collect();
    let mut dvc = kdvc_test_support::tool("dvc");
    dvc.env("PATH", std::env::join_paths(dirs).expect("valid PATH"))
        .current_dir(root)
        .args(["repro", FP]);
    let out = dvc.output().expect("dvc starts");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success(),
        "the stage ran without kdvc: {stderr}"
    );
    assert!(
        stderr.contains(
            "kdvc fingerprint failed. If kdvc is not installed, run pip install kdvc in the environment \
             that runs dvc repro"
        ),
        "{stderr}"
    );
    let lock = std::fs::read_to_string(root.join("dvc.lock")).unwrap_or_default();
    assert!(!lock.contains(FP), "DVC locked the failed stage:\n{lock}");
}
