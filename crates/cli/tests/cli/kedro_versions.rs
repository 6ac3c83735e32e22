//! Kedro 0.19 projects are read with 0.19's rules, and say so; Kedro 0.18 projects are refused at their
//! version with what to change.

use kdvc_test_support::fixture_copy;

use crate::{kdvc, run};

#[test]
fn a_kedro_019_project_says_which_rules_it_is_read_with() {
    let copy = fixture_copy("pipe-kedro019");
    let r = run(kdvc(&copy.root).arg("pipelines"));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stderr.matches("warning:").count(), 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("kedro_init_version = \"0.19.14\"")
            && r.stderr
                .contains("with Kedro 0.19's rules where they differ from 1.x"),
        "{}",
        r.stderr
    );
    // 0.19's automatic names.
    assert!(
        r.stdout
            .contains("business.debt_ratio([applicants]) -> [business.ratios]"),
        "{}",
        r.stdout
    );
}

#[test]
fn a_kedro_018_project_is_refused_at_its_version() {
    let copy = fixture_copy("pipe-kedro019");
    let pyproject = copy.root.join("pyproject.toml");
    let text = std::fs::read_to_string(&pyproject).unwrap();
    assert!(text.contains("kedro_init_version = \"0.19.14\""));
    std::fs::write(
        &pyproject,
        text.replace(
            "kedro_init_version = \"0.19.14\"",
            "project_version = \"0.18.14\"",
        ),
    )
    .unwrap();
    for command in ["pipelines", "params", "translate"] {
        let r = run(kdvc(&copy.root).arg(command));
        assert_eq!(r.code, 2, "{command}: {}", r.stderr);
        for needle in [
            "a Kedro 0.18.14 project (project_version = \"0.18.14\")",
            "pyproject.toml:14:1",
            "rename project_version to kedro_init_version",
        ] {
            assert!(
                r.stderr.contains(needle),
                "{command}: {needle}:\n{}",
                r.stderr
            );
        }
    }
}
