//! Planning and rendering on small inline inputs, with snapshots of the generated dvc.yaml.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use common::{assert_valid_dvc_yaml, default_pipeline, file, node, spaceflights};
use kdvc_translate::emit::render_dvc_yaml;
use kdvc_translate::{
    DatasetInfo, FingerprintWiring, KdvcConfig, MatchRules, ParamIssue, ParamSource, PlanInput,
    PlanOptions, merge_dvc_yaml, plan,
};

fn render(input: &PlanInput, opts: &PlanOptions) -> String {
    let p = plan(input, opts).expect("plan");
    let text = render_dvc_yaml(&p.stages);
    assert_valid_dvc_yaml(&text);
    text
}

#[test]
fn spaceflights_like_pipeline() {
    let input = spaceflights();
    let p = plan(&input, &PlanOptions::default()).unwrap();
    let text = render_dvc_yaml(&p.stages);
    assert_valid_dvc_yaml(&text);
    insta::assert_snapshot!(text);
    insta::assert_debug_snapshot!((&p.fused_groups, &p.raw_inputs, &p.remote_datasets, &p.notes));
}

#[test]
fn fusion_cycle_merges_the_strongly_connected_set_only() {
    // a -mem-> b, a -file-> c -file-> b: fusing a+b alone would make {a,b} <-> c a cycle.
    let mut input = default_pipeline();
    input.nodes = vec![
        node("a", &["raw"], &["m", "f1"]),
        node("c", &["f1"], &["f2"]),
        node("b", &["m", "f2"], &["f3"]),
        node("d", &["f3"], &["f4"]),
    ];
    for (n, p) in [
        ("raw", "data/raw.csv"),
        ("f1", "data/f1.csv"),
        ("f2", "data/f2.csv"),
        ("f3", "data/f3.csv"),
        ("f4", "data/f4.csv"),
    ] {
        input
            .datasets
            .insert(n.into(), file("pandas.CSVDataset", p));
    }
    let p = plan(&input, &PlanOptions::default()).unwrap();
    let names: Vec<(&str, &[String])> = p
        .stages
        .iter()
        .map(|s| (s.name.as_str(), s.nodes.as_slice()))
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
    assert_eq!(p.stages[0].nodes, vec!["a", "c", "b"]);
    assert_eq!(p.stages[1].nodes, vec!["d"]);
    insta::assert_snapshot!(render(&input, &PlanOptions::default()));
}

#[test]
fn undeclared_and_remote_edges_fuse() {
    let mut input = PlanInput {
        pipeline: "dp".into(),
        env: Some("prod".into()),
        ..PlanInput::default()
    };
    input.nodes = vec![
        node("x", &[], &["undeclared"]),
        node("y", &["undeclared"], &["s3out"]),
        node("z", &["s3out"], &["final"]),
        node("w", &["final"], &[]),
    ];
    input.datasets.insert(
        "s3out".into(),
        DatasetInfo {
            type_name: Some("pandas.CSVDataset".into()),
            location: kdvc_translate::DatasetLocation::Url("s3://b/k.csv".into()),
            versioned: false,
            partitioned: false,
        },
    );
    input
        .datasets
        .insert("final".into(), file("pandas.CSVDataset", "data/final.csv"));
    let opts = PlanOptions {
        config: KdvcConfig {
            kedro_run_args: vec!["--runner=SequentialRunner".into(), "--async".into()],
            ..KdvcConfig::default()
        },
        ..PlanOptions::default()
    };
    let p = plan(&input, &opts).unwrap();
    assert_eq!(p.stages[0].nodes, vec!["x", "y", "z"]);
    assert_eq!(
        p.stages[0].cmd,
        "kedro run --pipelines=dp --env=prod --nodes='x,y,z' --runner=SequentialRunner --async"
    );
    assert_eq!(p.stages[1].deps, vec!["data/final.csv"]);
    insta::assert_debug_snapshot!(p.notes);
}

#[test]
fn names_are_sanitized_unique_and_quoted() {
    let mut input = default_pipeline();
    input.nodes = vec![
        node("a.b", &[], &["o1"]),
        node("a__b", &[], &["o2"]),
        node("user_stage", &[], &["o3"]),
        node("ns.<lambda>__1a2b3c4d", &[], &["o4"]),
        node("it's ${HOME}", &[], &["o5"]),
    ];
    for i in 1..=5 {
        input.datasets.insert(
            format!("o{i}"),
            file("pandas.CSVDataset", &format!("data/o{i}.csv")),
        );
    }
    let opts = PlanOptions {
        user_stages: BTreeSet::from(["user_stage".to_string()]),
        ..PlanOptions::default()
    };
    let text = render(&input, &opts);
    insta::assert_snapshot!(text);
    // The command DVC runs (after un-escaping `\${`) must be valid shell that passes the names verbatim.
    let p = plan(&input, &opts).unwrap();
    let cmd = p.stages[4].cmd.replace("\\${", "${");
    assert_eq!(kedro_run_args(&cmd), "--nodes=it's ${HOME}\n");
    assert_eq!(
        kedro_run_args(&p.stages[3].cmd),
        "--nodes=ns.<lambda>__1a2b3c4d\n"
    );
}

/// The arguments `sh` passes to `kedro run` in a stage command, one a line.
fn kedro_run_args(cmd: &str) -> String {
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(cmd.replacen("kedro run", "printf '%s\\n'", 1))
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn params_fall_back_to_file_deps_for_dates_and_dotted_keys() {
    let mut input = default_pipeline();
    input.nodes = vec![
        node("a", &["params:since", "params:ok"], &["o1"]),
        node("b", &["params:weird", "params:missing"], &["o2"]),
        node("c", &["parameters"], &["o3"]),
    ];
    for i in 1..=3 {
        input.datasets.insert(
            format!("o{i}"),
            file("pandas.CSVDataset", &format!("data/o{i}.csv")),
        );
    }
    let mut since = ParamSource::new("conf/base/dates.yml", &["since"]);
    since.issue = Some(ParamIssue::Date);
    input.params.insert("since".into(), vec![since]);
    input.params.insert(
        "ok".into(),
        vec![ParamSource::new("conf/base/parameters.yml", &["ok"])],
    );
    input.params.insert(
        "weird".into(),
        vec![ParamSource::new("conf/base/parameters.yml", &["a.b"])],
    );
    let mut whole_dates = ParamSource::new("conf/base/dates.yml", &[]);
    whole_dates.issue = Some(ParamIssue::Date);
    input.parameters_sources = vec![
        ParamSource::new("conf/base/parameters.yml", &[]),
        whole_dates,
    ];
    let p = plan(&input, &PlanOptions::default()).unwrap();
    let text = render_dvc_yaml(&p.stages);
    assert_valid_dvc_yaml(&text);
    insta::assert_snapshot!(text);
    insta::assert_debug_snapshot!(p.notes);
}

#[test]
fn metrics_and_plots_rules_are_configurable() {
    let mut input = default_pipeline();
    input.nodes = vec![node("n", &[], &["metrics", "scores", "fig", "table"])];
    input.datasets.insert(
        "metrics".into(),
        file("json.JSONDataset", "data/metrics.json"),
    );
    input.datasets.insert(
        "scores".into(),
        file("pandas.CSVDataset", "data/scores.csv"),
    );
    input
        .datasets
        .insert("fig".into(), file("plotly.JSONDataset", "data/fig.json"));
    input
        .datasets
        .insert("table".into(), file("pandas.CSVDataset", "data/table.csv"));
    let default = render(&input, &PlanOptions::default());
    let cfg = KdvcConfig {
        metrics: MatchRules {
            datasets: vec!["scores".into()],
            types: vec![],
            defaults: false,
        },
        plots: MatchRules {
            datasets: vec![],
            types: vec!["pandas.CSV*".into()],
            defaults: true,
        },
        exclude: vec!["fig".into()],
        ..KdvcConfig::default()
    };
    let custom = render(
        &input,
        &PlanOptions {
            config: cfg,
            ..PlanOptions::default()
        },
    );
    insta::assert_snapshot!(format!("--- default\n{default}--- custom\n{custom}"));
}

#[test]
fn fingerprint_wiring_adds_a_stage_and_deps() {
    let mut input = spaceflights();
    input.nodes.truncate(3);
    let opts = PlanOptions {
        fingerprints: Some(FingerprintWiring::default()),
        ..PlanOptions::default()
    };
    insta::assert_snapshot!(render(&input, &opts));
}

#[test]
fn overlapping_outputs_are_an_error() {
    let mut input = default_pipeline();
    input.nodes = vec![node("a", &[], &["d"]), node("b", &[], &["f"])];
    input.datasets.insert(
        "d".into(),
        common::dir("partitions.PartitionedDataset", "data/parts", false, true),
    );
    input
        .datasets
        .insert("f".into(), file("pandas.CSVDataset", "data/parts/x.csv"));
    let e = plan(&input, &PlanOptions::default()).unwrap_err();
    insta::assert_snapshot!(e.to_string(), @"'data/parts/x.csv' (written by stage 'b') is inside 'data/parts' (written by stage 'a'); DVC does not allow overlapping outputs");
}

const USER_YAML: &str = "\
# Project pipeline. Hand-written stages below are kept.
vars:
  - threshold: 3
stages:
  # my own stage
  user_prep:
      cmd: python prep.py ${threshold}
      deps: [prep.py]
      outs:
        - data/01_raw/companies.csv
  old_node:
    cmd: kedro run --nodes='old_node'
    outs:
    - data/old.csv
    meta:
      kdvc:
        generated: true
        pipeline: __default__
        nodes:
        - old_node
        namespaces: []
  user_report:
      cmd: echo hi > report.txt   # trailing comment
      outs:
        - report.txt
plots:
  - report.txt
";

#[test]
fn merge_keeps_user_stages_and_replaces_generated_ones() {
    let input = spaceflights();
    let users = kdvc_translate::user_stages(USER_YAML, Path::new("dvc.yaml")).unwrap();
    assert_eq!(
        users.names,
        BTreeSet::from(["user_prep".to_string(), "user_report".to_string()])
    );
    let opts = PlanOptions {
        user_stages: users.names.clone(),
        user_outs: users.outs.clone(),
        ..PlanOptions::default()
    };
    let p = plan(&input, &opts).unwrap();
    // companies.csv is written by a user stage: no .dvc file for it.
    assert!(
        !p.raw_inputs
            .iter()
            .any(|r| r.path == "data/01_raw/companies.csv")
    );
    let merged = merge_dvc_yaml(Some(USER_YAML), &p.stages, Path::new("dvc.yaml")).unwrap();
    assert_eq!(merged.removed, vec!["old_node"]);
    assert_eq!(merged.added.len(), p.stages.len());
    assert_valid_dvc_yaml(&merged.text);
    // User bytes survive exactly.
    for chunk in [
        "# Project pipeline. Hand-written stages below are kept.\nvars:\n  - threshold: 3\nstages:\n  # my own stage\n  user_prep:\n      cmd: python prep.py ${threshold}\n      deps: [prep.py]\n      outs:\n        - data/01_raw/companies.csv\n",
        "  user_report:\n      cmd: echo hi > report.txt   # trailing comment\n      outs:\n        - report.txt\nplots:\n  - report.txt\n",
    ] {
        assert!(
            merged.text.contains(chunk),
            "lost:\n{chunk}\nin:\n{}",
            merged.text
        );
    }
    insta::assert_snapshot!(merged.text);
    // Idempotent: merging again changes nothing.
    let again = merge_dvc_yaml(Some(&merged.text), &p.stages, Path::new("dvc.yaml")).unwrap();
    assert_eq!(again.text, merged.text);
    assert!(again.added.is_empty() && again.changed.is_empty() && again.removed.is_empty());
    assert_eq!(again.unchanged.len(), p.stages.len());
}

#[test]
fn merge_with_nested_indentation_and_empty_files() {
    let p = plan(&spaceflights(), &PlanOptions::default()).unwrap();
    let four = "stages:\n    mine:\n        cmd: echo 1\n";
    let merged = merge_dvc_yaml(Some(four), &p.stages[..1], Path::new("dvc.yaml")).unwrap();
    assert!(merged.text.starts_with(four), "{}", merged.text);
    assert!(
        merged
            .text
            .contains("\n    preprocess_companies_node:\n      cmd: "),
        "{}",
        merged.text
    );
    assert_valid_dvc_yaml(&merged.text);
    for existing in [
        None,
        Some(""),
        Some("stages:\n"),
        Some("stages: {}\n"),
        Some("# just a comment\n"),
    ] {
        let m = merge_dvc_yaml(existing, &p.stages[..1], Path::new("dvc.yaml")).unwrap();
        assert_valid_dvc_yaml(&m.text);
        assert!(
            m.text.contains("  preprocess_companies_node:\n"),
            "{existing:?}: {}",
            m.text
        );
    }
    // Removing every generated stage leaves a valid file.
    let m = merge_dvc_yaml(
        Some(&render_dvc_yaml(&p.stages)),
        &[],
        Path::new("dvc.yaml"),
    )
    .unwrap();
    assert_eq!(m.text, "stages: {}\n");
    assert_eq!(m.removed.len(), p.stages.len());
    // Malformed YAML is an error with a position.
    let e = merge_dvc_yaml(Some("stages:\n  a: [\n"), &[], Path::new("dvc.yaml")).unwrap_err();
    assert!(matches!(e, kdvc_translate::Error::Yaml { .. }), "{e}");
    let e = merge_dvc_yaml(Some("stages: 3\n"), &[], Path::new("dvc.yaml")).unwrap_err();
    insta::assert_snapshot!(e.to_string(), @"dvc.yaml:1:9: `stages` must be a mapping of stage names to stages");
}

#[test]
fn lock_pruning_removes_only_removed_stages() {
    let lock = "schema: '2.0'\nstages:\n  keep:\n    cmd: a\n    outs:\n    - path: x\n      hash: md5\n      md5: 0cc175b9c0f1b6a831c399e269772661\n      size: 1\n  gone:\n    cmd: b\n  also_keep:\n    cmd: c\n";
    let removed = BTreeSet::from(["gone".to_string(), "not_there".to_string()]);
    let new = kdvc_translate::prune_lock(lock, &removed, Path::new("dvc.lock"))
        .unwrap()
        .unwrap();
    assert_eq!(new, lock.replace("  gone:\n    cmd: b\n", ""));
    assert_eq!(
        kdvc_translate::prune_lock(
            lock,
            &BTreeSet::from(["zz".to_string()]),
            Path::new("dvc.lock")
        )
        .unwrap(),
        None
    );
}
