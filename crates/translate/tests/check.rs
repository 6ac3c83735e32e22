//! `prepare` / `write` / `diff` on a project directory: what `kdvc translate` and `kdvc check` do.

mod common;

use common::{file, node, spaceflights};
use kdvc_translate::{PlanOptions, prepare};

fn project() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    std::fs::create_dir_all(root.join("data/01_raw/reviews_parts/sub")).unwrap();
    std::fs::create_dir_all(root.join(".dvc")).unwrap();
    std::fs::write(
        root.join(".gitignore"),
        "data/**\n!data/**/\n!.gitkeep\nconf/local/**\n",
    )
    .unwrap();
    std::fs::write(root.join("data/01_raw/companies.csv"), "id,name\n1,a\n").unwrap();
    std::fs::write(root.join("data/01_raw/reviews.csv"), "id,score\n1,5\n").unwrap();
    std::fs::write(root.join("data/01_raw/shuttles.xlsx"), b"PK\x03\x04binary").unwrap();
    std::fs::write(root.join("data/01_raw/reviews_parts/a.csv"), "x\n1\n").unwrap();
    std::fs::write(root.join("data/01_raw/reviews_parts/sub/b.csv"), "x\n2\n").unwrap();
    std::fs::write(
        root.join("dvc.yaml"),
        "stages:\n  mine:\n    cmd: echo hi\n",
    )
    .unwrap();
    tmp
}

#[test]
fn translate_then_check_then_drift() {
    let tmp = project();
    let root = tmp.path();
    let input = spaceflights();
    let t = prepare(root, &input, &PlanOptions::default()).unwrap();
    let mut paths: Vec<&str> = t.changes.iter().map(|c| c.path.as_str()).collect();
    paths.sort_unstable();
    insta::assert_debug_snapshot!(paths);
    let dvc = t
        .changes
        .iter()
        .find(|c| c.path == "data/01_raw/reviews_parts.dvc")
        .unwrap();
    // Hashes come from dvc-model (proven against DVC in its own tests and in the e2e tests here).
    let h = kdvc_dvc_model::hash_path(&root.join("data/01_raw/reviews_parts"), &Default::default())
        .unwrap();
    assert_eq!(h.nfiles, Some(2));
    assert_eq!(
        dvc.new,
        kdvc_translate::generated::dvc_file_for("reviews_parts".into(), &h, None).to_yaml()
    );
    assert!(
        dvc.new.ends_with("meta:\n  generated_by: kdvc\n"),
        "{}",
        dvc.new
    );
    assert!(dvc.new.starts_with("outs:\n- md5: "), "{}", dvc.new);
    // Three raw files, the two partition files and the directory manifest are copied into the cache.
    assert_eq!(t.cache_objects.len(), 3 + 2 + 1, "{:?}", t.cache_objects);
    t.write().unwrap();
    for o in &t.cache_objects {
        assert!(o.dest.exists());
    }
    let root_gi = std::fs::read_to_string(root.join(".gitignore")).unwrap();
    assert!(
        root_gi.ends_with(kdvc_translate::NEGATION_BLOCK),
        "{root_gi}"
    );
    assert_eq!(
        std::fs::read_to_string(root.join("data/01_raw/.gitignore")).unwrap(),
        "/companies.csv\n/reviews.csv\n/reviews_parts\n/shuttles.xlsx\n"
    );
    // Check right after translate: clean, byte-identical second run.
    let again = prepare(root, &input, &PlanOptions::default()).unwrap();
    assert!(again.is_clean(), "{}", again.diff());
    assert_eq!(again.diff(), "");
    assert!(again.cache_objects.is_empty());
    // The user's stage survived.
    assert!(
        std::fs::read_to_string(root.join("dvc.yaml"))
            .unwrap()
            .starts_with("stages:\n  mine:\n    cmd: echo hi\n")
    );

    // A node added to the pipeline: check fails with a readable diff.
    let mut more = input.clone();
    more.nodes.push(node("extra_node", &["report"], &["extra"]));
    more.datasets.insert(
        "extra".into(),
        file("pandas.CSVDataset", "data/08_reporting/extra.csv"),
    );
    let drift = prepare(root, &more, &PlanOptions::default()).unwrap();
    assert!(!drift.is_clean());
    insta::assert_snapshot!("node_added", drift.diff());
    assert_eq!(drift.report.stages_added, vec!["extra_node"]);

    // A catalog filepath changed.
    let mut moved = input.clone();
    moved.datasets.insert(
        "report".into(),
        file("text.TextDataset", "data/08_reporting/report.md"),
    );
    let drift = prepare(root, &moved, &PlanOptions::default()).unwrap();
    insta::assert_snapshot!("filepath_changed", drift.diff());
    assert_eq!(drift.report.stages_changed, vec!["report_node"]);

    // A removed node: its stage goes, and so does its dvc.lock entry.
    std::fs::write(
        root.join("dvc.lock"),
        "schema: '2.0'\nstages:\n  mine:\n    cmd: echo hi\n  report_node:\n    cmd: kedro run --nodes='report_node'\n",
    )
    .unwrap();
    let mut fewer = input.clone();
    fewer.nodes.retain(|n| n.name != "report_node");
    let t = prepare(root, &fewer, &PlanOptions::default()).unwrap();
    assert_eq!(t.report.stages_removed, vec!["report_node"]);
    assert_eq!(t.report.lock_pruned, vec!["report_node"]);
    t.write().unwrap();
    assert_eq!(
        std::fs::read_to_string(root.join("dvc.lock")).unwrap(),
        "schema: '2.0'\nstages:\n  mine:\n    cmd: echo hi\n"
    );
}

#[test]
fn a_failed_write_leaves_files_as_they_were() {
    let tmp = project();
    let root = tmp.path();
    let t = prepare(root, &spaceflights(), &PlanOptions::default()).unwrap();
    let before = std::fs::read_to_string(root.join("dvc.yaml")).unwrap();
    let gi_before = std::fs::read_to_string(root.join(".gitignore")).unwrap();
    // Make dvc.yaml impossible to replace: a directory where its temp file would go cannot be created.
    let mut broken = t.clone();
    broken.changes.push(kdvc_translate::FileChange {
        path: "dvc.yaml/cannot".into(),
        old: None,
        new: "x".into(),
    });
    assert!(broken.write().is_err());
    assert_eq!(
        std::fs::read_to_string(root.join("dvc.yaml")).unwrap(),
        before
    );
    assert_eq!(
        std::fs::read_to_string(root.join(".gitignore")).unwrap(),
        gi_before
    );
    assert!(!root.join("data/01_raw/companies.csv.dvc").exists());
}

#[test]
fn a_user_stage_writing_a_generated_output_is_refused_with_both_names() {
    let tmp = project();
    let root = tmp.path();
    std::fs::write(
        root.join("dvc.yaml"),
        "stages:\n  mine:\n    cmd: echo hi\n    outs:\n    - data/08_reporting/report.txt\n",
    )
    .unwrap();
    let err = prepare(root, &spaceflights(), &PlanOptions::default())
        .unwrap_err()
        .to_string();
    assert!(err.contains("dvc.yaml:5:7: "), "{err}");
    assert!(
        err.contains("'mine'") && err.contains("'report_node'"),
        "{err}"
    );
    // A directory around a generated output is refused too.
    std::fs::write(
        root.join("dvc.yaml"),
        "stages:\n  mine:\n    cmd: echo hi\n    wdir: data\n    outs:\n    - 08_reporting\n",
    )
    .unwrap();
    let err = prepare(root, &spaceflights(), &PlanOptions::default())
        .unwrap_err()
        .to_string();
    assert!(err.contains("overlaps 'data/08_reporting/"), "{err}");
}

#[test]
fn a_crlf_dvc_yaml_keeps_its_line_endings() {
    let tmp = project();
    let root = tmp.path();
    std::fs::write(
        root.join("dvc.yaml"),
        "stages:\r\n  mine:\r\n    cmd: echo hi\r\n",
    )
    .unwrap();
    let t = prepare(root, &spaceflights(), &PlanOptions::default()).unwrap();
    t.write().unwrap();
    let text = std::fs::read_to_string(root.join("dvc.yaml")).unwrap();
    assert!(
        text.starts_with("stages:\r\n  mine:\r\n    cmd: echo hi\r\n"),
        "{text:?}"
    );
    assert_eq!(
        text.matches('\n').count(),
        text.matches("\r\n").count(),
        "{text:?}"
    );
    let again = prepare(root, &spaceflights(), &PlanOptions::default()).unwrap();
    assert!(again.is_clean(), "{}", again.diff());
}

#[test]
fn a_symlinked_dvc_yaml_is_written_through_the_link() {
    let tmp = project();
    let root = tmp.path();
    std::fs::create_dir_all(root.join("pipelines")).unwrap();
    std::fs::rename(root.join("dvc.yaml"), root.join("pipelines/dvc.yaml")).unwrap();
    std::os::unix::fs::symlink("pipelines/dvc.yaml", root.join("dvc.yaml")).unwrap();
    prepare(root, &spaceflights(), &PlanOptions::default())
        .unwrap()
        .write()
        .unwrap();
    let meta = std::fs::symlink_metadata(root.join("dvc.yaml")).unwrap();
    assert!(meta.file_type().is_symlink());
    let text = std::fs::read_to_string(root.join("pipelines/dvc.yaml")).unwrap();
    assert!(text.contains("report_node"), "{text}");
    let again = prepare(root, &spaceflights(), &PlanOptions::default()).unwrap();
    assert!(again.is_clean(), "{}", again.diff());
}

#[test]
fn a_read_only_dvc_yaml_is_refused_and_nothing_is_written() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = project();
    let root = tmp.path();
    let before = std::fs::read_to_string(root.join("dvc.yaml")).unwrap();
    std::fs::set_permissions(
        root.join("dvc.yaml"),
        std::fs::Permissions::from_mode(0o444),
    )
    .unwrap();
    let t = prepare(root, &spaceflights(), &PlanOptions::default()).unwrap();
    let err = t.write().unwrap_err().to_string();
    assert!(
        err.contains("dvc.yaml") && err.contains("read-only"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(root.join("dvc.yaml")).unwrap(),
        before
    );
    assert!(!root.join("data/01_raw/companies.csv.dvc").exists());
}

#[test]
fn stale_temporary_files_make_check_fail_and_translate_removes_them() {
    let tmp = project();
    let root = tmp.path();
    prepare(root, &spaceflights(), &PlanOptions::default())
        .unwrap()
        .write()
        .unwrap();
    let old = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    let stale = [
        root.join(".kdvc-tmp-AbC123"),
        root.join("data/01_raw/.kdvc-tmp-XyZ789"),
        root.join(".dvc/cache/files/md5/0c/.kdvc-tmp-q1w2e3"),
    ];
    for p in &stale {
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        let f = std::fs::File::create(p).unwrap();
        f.set_modified(old).unwrap();
    }
    // A fresh one may belong to a run in progress: left alone.
    std::fs::write(root.join(".kdvc-tmp-fresh1"), "x").unwrap();
    let t = prepare(root, &spaceflights(), &PlanOptions::default()).unwrap();
    assert!(!t.is_clean());
    assert_eq!(t.stale_temp_files.len(), 3, "{:?}", t.stale_temp_files);
    assert!(
        t.diff()
            .contains("stale temporary file data/01_raw/.kdvc-tmp-XyZ789"),
        "{}",
        t.diff()
    );
    t.write().unwrap();
    for p in &stale {
        assert!(!p.exists(), "{}", p.display());
    }
    assert!(root.join(".kdvc-tmp-fresh1").exists());
    assert!(
        prepare(root, &spaceflights(), &PlanOptions::default())
            .unwrap()
            .is_clean()
    );
}

#[test]
fn generated_dvc_files_of_gone_inputs_are_removed_and_the_users_stay() {
    let tmp = project();
    let root = tmp.path();
    let git = |args: &[&str]| {
        let out = std::process::Command::new("git")
            .current_dir(root)
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success(), "git {args:?}: {out:?}");
    };
    git(&["init", "-q"]);
    prepare(root, &spaceflights(), &PlanOptions::default())
        .unwrap()
        .write()
        .unwrap();
    let hash = |rel: &str| kdvc_dvc_model::hash_path(&root.join(rel), &Default::default()).unwrap();
    // A .dvc file an earlier translate generated for an input that has left the pipeline, next to the
    // others, and one alone in its directory.
    std::fs::write(root.join("data/01_raw/old.csv"), "a\n1\n").unwrap();
    let old = kdvc_translate::generated::dvc_file_for(
        "old.csv".into(),
        &hash("data/01_raw/old.csv"),
        None,
    );
    old.write(&root.join("data/01_raw/old.csv.dvc")).unwrap();
    let gi = root.join("data/01_raw/.gitignore");
    let before = std::fs::read_to_string(&gi).unwrap();
    std::fs::write(&gi, format!("{before}/old.csv\n")).unwrap();
    std::fs::create_dir_all(root.join("data/00_gone")).unwrap();
    std::fs::write(root.join("data/00_gone/g.csv"), "g\n").unwrap();
    let gone =
        kdvc_translate::generated::dvc_file_for("g.csv".into(), &hash("data/00_gone/g.csv"), None);
    gone.write(&root.join("data/00_gone/g.csv.dvc")).unwrap();
    std::fs::write(root.join("data/00_gone/.gitignore"), "/g.csv\n").unwrap();
    // The user's own .dvc file (no mark), for data outside the pipeline too.
    std::fs::write(root.join("data/01_raw/mine.csv"), "m\n").unwrap();
    let mine = kdvc_dvc_model::DvcFile::for_output("mine.csv", &hash("data/01_raw/mine.csv"));
    mine.write(&root.join("data/01_raw/mine.csv.dvc")).unwrap();

    let t = prepare(root, &spaceflights(), &PlanOptions::default()).unwrap();
    assert!(!t.is_clean());
    let removed: Vec<&str> = t.removals.iter().map(|r| r.path.as_str()).collect();
    assert_eq!(
        removed,
        [
            "data/00_gone/g.csv.dvc",
            "data/01_raw/old.csv.dvc",
            "data/00_gone/.gitignore"
        ]
    );
    assert_eq!(
        t.report.dvc_files_removed,
        ["data/00_gone/g.csv.dvc", "data/01_raw/old.csv.dvc"]
    );
    let diff = t.diff();
    assert!(
        diff.contains("--- a/data/01_raw/old.csv.dvc\n+++ /dev/null\n@@ -1,7 +0,0 @@\n-outs:\n"),
        "{diff}"
    );
    t.write().unwrap();
    assert!(!root.join("data/01_raw/old.csv.dvc").exists());
    assert!(!root.join("data/00_gone/g.csv.dvc").exists());
    assert!(!root.join("data/00_gone/.gitignore").exists());
    assert_eq!(std::fs::read_to_string(&gi).unwrap(), before);
    // The data stays; so does the user's .dvc file.
    assert!(root.join("data/01_raw/old.csv").exists());
    assert!(root.join("data/00_gone/g.csv").exists());
    assert!(root.join("data/01_raw/mine.csv.dvc").exists());
    assert!(
        prepare(root, &spaceflights(), &PlanOptions::default())
            .unwrap()
            .is_clean()
    );
}
