//! `kdvc translate` proven with real Kedro 1.7.0 and DVC 3.67.1 on whole projects: `dvc repro` runs every
//! stage, the outputs equal a plain `kedro run`'s, `dvc status` is clean afterwards, and changing one raw
//! input or one parameter reports exactly the stages that read it. Also `kdvc check` and user stages.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use kdvc_dvc_model::{DvcYaml, StageDef};
use kdvc_test_support::{
    FixtureCopy, Spelling, data_files, fixture_copy, git, git_dvc_init, kedro_pipelines,
    kedro_run_outputs,
};
use serde_json::Value;

use crate::{dvc_repro, dvc_status, kdvc, run};

/// Generated stages of dvc.yaml and the Kedro nodes each runs.
fn stage_nodes(root: &Path) -> BTreeMap<String, Vec<String>> {
    let yaml = DvcYaml::read(&root.join("dvc.yaml")).unwrap();
    yaml.stages
        .iter()
        .filter_map(|(name, def)| {
            let StageDef::Stage(stage) = def else {
                return None;
            };
            let nodes = stage.meta.as_ref()?.get("kdvc")?.get("nodes")?.to_json();
            let nodes: Vec<String> = serde_json::from_value(nodes).ok()?;
            Some((name.clone(), nodes))
        })
        .collect()
}

/// Kedro's own view: every node of `__default__` with its inputs.
fn kedro_inputs(root: &Path) -> BTreeMap<String, Vec<String>> {
    let view = kedro_pipelines(root, Spelling::Kedro17);
    view["__default__"]
        .as_array()
        .expect("a __default__ pipeline")
        .iter()
        .map(|n| {
            let name = n["name"].as_str().expect("a node name").to_owned();
            (name, serde_json::from_value(n["inputs"].clone()).unwrap())
        })
        .collect()
}

/// The stages whose nodes read `dataset` directly, according to Kedro.
fn readers(root: &Path, dataset: &str) -> BTreeSet<String> {
    let inputs = kedro_inputs(root);
    stage_nodes(root)
        .into_iter()
        .filter(|(_, nodes)| {
            nodes.iter().any(|n| {
                inputs
                    .get(n)
                    .is_some_and(|i| i.iter().any(|d| d == dataset))
            })
        })
        .map(|(stage, _)| stage)
        .collect()
}

/// A translated, reproduced and committed copy of `project`.
fn translated(project: &str) -> FixtureCopy {
    let copy = fixture_copy(project);
    let root = &copy.root;
    git_dvc_init(root);
    let r = run(kdvc(root).arg("translate"));
    assert_eq!(r.code, 0, "{}", r.stderr);
    copy
}

/// The projects `dvc repro` runs end to end. Between them: pandas datasets, fused memory groups, a versioned
/// model, a partitioned dataset, namespaced modular pipelines, metrics, lambda and partial nodes, and
/// Kedro's template `.gitignore`.
mod repro_runs_every_stage_and_matches_kedro_run {
    kdvc_test_support::fixture_tests!(super::repro_matches_kedro_run;
        spaceflights => "examples/spaceflights",
        pipe_findpipes => "pipe-findpipes",
        pipe_modular_loop => "pipe-modular-loop",
    );
}

fn repro_matches_kedro_run(project: &str) {
    let expected = kedro_run_outputs(project);

    let copy = translated(project);
    let root = &copy.root;
    // The .dvc files are committable in a project laid out as `kedro new` lays it out.
    let untracked = git(root, &["status", "--porcelain", "--untracked-files=all"]);
    let dvc_files: Vec<&str> = untracked.lines().filter(|l| l.ends_with(".dvc")).collect();
    assert!(
        !dvc_files.is_empty(),
        "{project}: git sees the .dvc files:\n{untracked}"
    );

    let stages: BTreeSet<String> = stage_nodes(root).into_keys().collect();
    let ran = dvc_repro(root);
    assert_eq!(ran, stages, "{project}: dvc repro ran every stage");
    assert_eq!(
        dvc_status(root),
        BTreeSet::new(),
        "{project}: dvc status is clean"
    );
    let got = data_files(root);
    assert_eq!(
        got.keys().collect::<Vec<_>>(),
        expected.keys().collect::<Vec<_>>(),
        "{project}: the same output files"
    );
    for (path, bytes) in expected {
        assert!(
            got[path] == *bytes,
            "{project}: {path} differs from kedro run's"
        );
    }
    // Translate again: nothing to change.
    let r = run(kdvc(root).arg("check"));
    assert_eq!(r.code, 0, "{project}: {}{}", r.stdout, r.stderr);
}

#[test]
fn status_reports_exactly_the_stages_that_read_a_changed_input_or_parameter() {
    let copy = translated("examples/spaceflights");
    let root = &copy.root;
    // A local override, present before translate: local `ridge` replaces base `ridge` (destructive merge).
    std::fs::write(
        root.join("conf/local/parameters.yml"),
        "ridge:\n  model_options:\n    alpha: 4.0\n",
    )
    .unwrap();
    let r = run(kdvc(root).arg("translate"));
    assert_eq!(r.code, 0, "{}", r.stderr);
    dvc_repro(root);
    assert_eq!(dvc_status(root), BTreeSet::new());
    git(root, &["add", "-A"]);
    git(root, &["commit", "-q", "-m", "reproduced"]);
    let fingerprint = "kdvc-fingerprint".to_owned();

    let check =
        |file: &str, from: &str, to: &str, expected: BTreeSet<String>, extra: Option<&str>| {
            let path = root.join(file);
            let before = std::fs::read_to_string(&path).unwrap();
            assert!(before.contains(from), "{file} has no {from:?}");
            std::fs::write(&path, before.replacen(from, to, 1)).unwrap();
            let mut got = dvc_status(root);
            // A configuration change also makes the fingerprint stage stale (its value files may change).
            got.remove(&fingerprint);
            let mut want = expected;
            if let Some(e) = extra {
                want.insert(e.to_owned());
            }
            assert_eq!(got, want, "after changing {from:?} to {to:?} in {file}");
            std::fs::write(&path, before).unwrap();
            assert_eq!(dvc_status(root), BTreeSet::new(), "restored {file}");
        };

    // One raw input: its .dvc file and exactly the stages that read it.
    let companies = readers(root, "companies");
    assert!(!companies.is_empty());
    check(
        "data/01_raw/companies.csv",
        "\n",
        "\n\n",
        companies,
        Some("data/01_raw/companies.csv.dvc"),
    );

    // A parameter set through globals: test_size is `${globals:test_size}` under `split`.
    let split = readers(root, "params:split");
    assert!(!split.is_empty());
    check(
        "conf/base/globals.yml",
        "test_size: 0.25",
        "test_size: 0.3",
        split,
        None,
    );

    // A parameter overridden in conf/local, and the same key of the other model in conf/base.
    let ridge = readers(root, "params:ridge.model_options");
    let linear = readers(root, "params:linear.model_options");
    assert!(!ridge.is_empty() && !linear.is_empty() && ridge != linear);
    check(
        "conf/local/parameters.yml",
        "alpha: 4.0",
        "alpha: 4.5",
        ridge,
        None,
    );
    check(
        "conf/base/parameters_data_science.yml",
        "alpha: 0.0",
        "alpha: 0.5",
        linear,
        None,
    );
}

#[test]
fn check_catches_a_new_node_and_a_moved_file_and_user_stages_survive() {
    let copy = translated("pipe-modular-loop");
    let root = &copy.root;
    let r = run(kdvc(root).arg("check"));
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);

    // A hand-written stage, kept as written through translate.
    let user =
        "  user_report:\n    cmd: echo done > user_report.txt\n    outs:\n    - user_report.txt\n";
    let yaml = std::fs::read_to_string(root.join("dvc.yaml")).unwrap();
    let yaml = yaml.replacen("stages:\n", &format!("stages:\n{user}"), 1);
    std::fs::write(root.join("dvc.yaml"), &yaml).unwrap();
    let r = run(kdvc(root).arg("translate"));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let after = std::fs::read_to_string(root.join("dvc.yaml")).unwrap();
    assert!(
        after.contains(user),
        "the user stage survives translate:\n{after}"
    );
    assert_eq!(after, yaml, "nothing else changed");

    // A catalog filepath change.
    let catalog = root.join("conf/base/catalog.yml");
    let before = std::fs::read_to_string(&catalog).unwrap();
    let moved = before.replacen(
        "data/04_feature/features.csv",
        "data/04_feature/features_v2.csv",
        1,
    );
    assert_ne!(moved, before);
    std::fs::write(&catalog, &moved).unwrap();
    let r = run(kdvc(root).arg("check"));
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains("+    - data/04_feature/features_v2.csv"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("-    - data/04_feature/features.csv"),
        "{}",
        r.stdout
    );
    assert!(
        r.stderr.contains("hint: run `kdvc translate`"),
        "{}",
        r.stderr
    );
    std::fs::write(&catalog, &before).unwrap();

    let r = run(kdvc(root).arg("check"));
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);

    // A new node in a pipeline.
    let pipeline = find(root, "pipeline.py", "prep");
    let text = std::fs::read_to_string(&pipeline).unwrap();
    let added = text.replacen(
        "            node(add_revenue,",
        "            node(add_revenue, \"features\", \"features_audit\", name=\"audit_features\"),\n            node(add_revenue,",
        1,
    );
    assert_ne!(added, text);
    std::fs::write(&pipeline, added).unwrap();
    let r = run(kdvc(root).arg("check"));
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("+  audit_features:"), "{}", r.stdout);
    assert!(
        r.stdout.contains("--- a/dvc.yaml") && r.stdout.contains("+++ b/dvc.yaml"),
        "{}",
        r.stdout
    );
}

/// The one file named `name` under `root/src` whose path contains `within`.
fn find(root: &Path, name: &str, within: &str) -> PathBuf {
    fn walk(dir: &Path, name: &str, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, name, out);
            } else if p.file_name().is_some_and(|n| n == name) {
                out.push(p);
            }
        }
    }
    let mut out = Vec::new();
    walk(&root.join("src"), name, &mut out);
    out.retain(|p| p.to_string_lossy().contains(within));
    assert_eq!(out.len(), 1, "{out:?}");
    out.remove(0)
}

/// The generated `dvc.yaml` of each project, snapshotted and validated against the vendored schema.
mod generated_dvc_yaml_snapshots_validate_against_the_schema {
    kdvc_test_support::fixture_tests!(super::dvc_yaml_validates;
        spaceflights => "examples/spaceflights",
        pipe_findpipes => "pipe-findpipes",
        pipe_modular_loop => "pipe-modular-loop",
        code_aware => "code-aware",
        exp_lab => "exp-lab",
        pipe_transcode => "pipe-transcode",
        pipe_helpers => "pipe-helpers",
    );
}

fn dvc_yaml_validates(project: &str) {
    let schema: Value = kdvc_test_support::dvc_yaml_schema();
    let validator = jsonschema::draft7::new(&schema).unwrap();
    let copy = fixture_copy(project);
    let root = &copy.root;
    git_dvc_init(root);
    let r = run(kdvc(root).args(["translate"]));
    assert_eq!(r.code, 0, "{project}: {}", r.stderr);
    let text = std::fs::read_to_string(root.join("dvc.yaml")).unwrap();
    let doc = kdvc_dvc_model::yaml::from_yaml_str(&text, Path::new("dvc.yaml"))
        .unwrap()
        .to_json();
    let errors: Vec<String> = validator
        .iter_errors(&doc)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{project}: {errors:#?}");
    let name = project.replace('/', "__");
    insta::assert_snapshot!(format!("dvc_yaml__{name}"), text);
}
