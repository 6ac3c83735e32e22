//! Bad input gives exit code 2 and a message that names the file, the line and column, and the fix.

use kdvc_test_support::fixture_copy;

use crate::{kdvc, run};

/// Runs kdvc in a copy of `fixture` after `edit`, expecting failure; returns stderr with the temp dir
/// replaced by `[PROJECT]`.
fn failure(fixture: &str, edit: impl FnOnce(&std::path::Path), args: &[&str]) -> String {
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

#[test]
fn malformed_yaml_shows_the_place() {
    let err = failure(
        "pipe-helpers",
        |root| {
            std::fs::write(
                root.join("conf/base/catalog.yml"),
                "north_raw:\n  type: pandas.CSVDataset\n  filepath: [unclosed\nsouth_raw: {}\n",
            )
            .unwrap();
        },
        &["catalog"],
    );
    insta::assert_snapshot!("malformed_yaml", err);
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
fn an_unknown_pipeline() {
    let err = failure("pipe-helpers", |_| {}, &["pipelines", "--pipeline", "nope"]);
    insta::assert_snapshot!("unknown_pipeline", err);
}
