//! What people read: translate summaries that stay short on big projects, `--quiet`, and shell
//! completion scripts.

use crate::{kdvc, run};

#[test]
fn translate_summarises_a_big_project_in_a_few_lines() {
    let dir = tempfile::tempdir().unwrap();
    let spec = kdvc_benches::Spec::nodes(2_000, 100);
    let g = kdvc_benches::generate(dir.path(), &spec).unwrap();

    let r = run(kdvc(&g.root).args(["translate", "--dry-run", "--quiet"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let diff_lines = r.stdout.lines().count();

    let r = run(kdvc(&g.root).arg("translate"));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert!(
        lines.len() <= 20,
        "at most 20 lines without --verbose, got {}:\n{}",
        lines.len(),
        r.stdout
    );
    assert!(
        lines[0].starts_with("2,001 stages: 2,001 added"),
        "{}",
        r.stdout
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("  added: ") && l.ends_with(" and 1,996 more")),
        "{}",
        r.stdout
    );
    assert!(
        diff_lines > 2_000,
        "--dry-run --quiet still prints the diff"
    );

    // --verbose names every stage; --quiet prints nothing.
    std::fs::remove_file(g.root.join("dvc.yaml")).unwrap();
    let r = run(kdvc(&g.root).args(["translate", "--verbose"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let added = r
        .stdout
        .lines()
        .find(|l| l.starts_with("  added: "))
        .expect("the added stages");
    assert_eq!(added.split(", ").count(), 2_001, "{added}");
    let r = run(kdvc(&g.root).args(["translate", "--quiet"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stdout, "", "--quiet prints nothing on success");
}

#[test]
fn completion_scripts_name_the_subcommands() {
    let dir = tempfile::tempdir().unwrap();
    for shell in ["bash", "zsh", "fish"] {
        let r = run(kdvc(dir.path()).args(["completions", shell]));
        assert_eq!(r.code, 0, "{shell}: {}", r.stderr);
        for sub in [
            "translate",
            "check",
            "fingerprint",
            "completions",
            "pipelines",
        ] {
            assert!(r.stdout.contains(sub), "{shell} script mentions {sub}");
        }
        assert!(
            r.stdout.contains("format"),
            "{shell} script has the global options"
        );
    }
}
