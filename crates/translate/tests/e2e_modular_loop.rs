//! End to end with real Kedro 1.7.0 and DVC 3.67.1 on `fixtures/pipe-modular-loop` (nested namespaces,
//! a fused memory group per model kind, a dataset factory, Kedro's template `.gitignore`).
//!
//! Translate (library API) -> `dvc repro` runs every stage -> outputs equal a plain `kedro run` ->
//! `dvc status` clean -> translate is idempotent -> changing one parameter or one raw input makes DVC
//! report exactly the expected stages -> an experiment through `set_param` + `dvc exp run`.

use std::collections::BTreeSet;
use std::path::Path;

use kdvc_kedro_model::{KedroConfig, LoadOptions, Project};
use kdvc_test_support::{
    Spelling, data_files, fixture_copy, git, git_dvc_init, kedro_pipelines, kedro_run_outputs,
    run_tool,
};
use kdvc_translate::{KdvcConfig, NodeInput, PlanOptions, Translation, prepare};

/// Kedro's own node list (the `--introspect` path), catalog and parameters from kedro-model.
fn translation(root: &Path) -> Translation {
    let view = kedro_pipelines(root, Spelling::Kedro17);
    let nodes: Vec<NodeInput> = serde_json::from_value(view["__default__"].clone()).expect("nodes");
    let project = Project::load(root).expect("project");
    let kedro = KedroConfig::load(&project, &LoadOptions::default()).expect("config");
    let input =
        kdvc_translate::adapt::from_parts(root, &kedro, nodes, "__default__", None).expect("input");
    let opts = PlanOptions {
        // Code fingerprints need the kdvc binary when DVC runs; the CLI's tests cover them.
        config: KdvcConfig {
            code_fingerprints: false,
            ..KdvcConfig::load(root).expect("kdvc config")
        },
        ..PlanOptions::default()
    };
    prepare(root, &input, &opts).expect("prepare")
}

/// The stages and `.dvc` files `dvc status` reports as changed.
fn stale(root: &Path) -> BTreeSet<String> {
    kdvc_test_support::stale_stages(run_tool("dvc", root, ["status", "--json"]).as_bytes())
}

#[test]
fn translate_repro_status_params_and_experiments() {
    let fx = fixture_copy("pipe-modular-loop");
    let root = fx.root.as_path();
    git_dvc_init(root);

    // Translate and write.
    let t = translation(root);
    let r = &t.report;
    insta::assert_snapshot!(
        "modular_loop_dvc_yaml",
        &t.changes.iter().find(|c| c.path == "dvc.yaml").unwrap().new
    );
    assert_eq!(r.dvc_files, vec!["data/01_raw/sales.csv.dvc"]);
    assert!(
        r.gitignore_changes
            .iter()
            .any(|(f, lines)| f == ".gitignore" && lines.contains(&"!*.dvc".to_string())),
        "{r:#?}"
    );
    assert!(
        r.gitignore_changes
            .iter()
            .any(|(f, lines)| f == "data/01_raw/.gitignore"
                && lines == &vec!["/sales.csv".to_string()]),
        "{r:#?}"
    );
    assert_eq!(r.fused_groups.len(), 3, "{r:#?}");
    t.write().expect("write");
    // The .dvc file is committable (DVC refuses git-ignored .dvc files).
    git(root, &["add", "-A"]);
    let tracked = git(root, &["ls-files"]);
    assert!(
        tracked.lines().any(|l| l == "data/01_raw/sales.csv.dvc"),
        "{tracked}"
    );
    assert!(
        !tracked.lines().any(|l| l == "data/01_raw/sales.csv"),
        "{tracked}"
    );
    git(root, &["commit", "-q", "-m", "kdvc translate"]);
    // The raw data is already cached: only pipeline stages are stale.
    let before = stale(root);
    assert!(!before.contains("data/01_raw/sales.csv.dvc"), "{before:?}");
    assert_eq!(before.len(), t.plan.stages.len(), "{before:?}");

    // Translate again: nothing to change (what `kdvc check` verifies).
    let again = translation(root);
    assert!(again.is_clean(), "{}", again.diff());

    // dvc repro runs every stage; outputs equal a plain kedro run.
    let repro = run_tool("dvc", root, ["repro"]);
    for s in &t.plan.stages {
        assert!(
            repro.contains(&format!("Running stage '{}'", s.name)),
            "{} did not run:\n{repro}",
            s.name
        );
    }
    assert_eq!(stale(root), BTreeSet::new());
    assert_eq!(&data_files(root), kedro_run_outputs("pipe-modular-loop"));
    git(root, &["add", "-A"]);
    git(root, &["commit", "-q", "-m", "repro"]);

    // One parameter: exactly the stages whose nodes read it.
    let params = root.join("conf/base/parameters.yml");
    let text = std::fs::read_to_string(&params).unwrap();
    std::fs::write(&params, text.replace("alpha: 1.5", "alpha: 2.5")).unwrap();
    let ridge: Vec<&str> = t
        .plan
        .stages
        .iter()
        .filter(|s| s.nodes.iter().any(|n| n.starts_with("ridge.")))
        .map(|s| s.name.as_str())
        .collect();
    assert_eq!(
        stale(root),
        ridge.iter().map(|s| s.to_string()).collect(),
        "ridge.core.alpha"
    );
    std::fs::write(&params, &text).unwrap();
    assert_eq!(stale(root), BTreeSet::new());

    // One raw input: exactly the stages downstream of it (all of them here) plus its .dvc file.
    let sales = root.join("data/01_raw/sales.csv");
    let mut csv = std::fs::read_to_string(&sales).unwrap();
    let last = csv.lines().last().unwrap().to_owned();
    csv.push_str(&last);
    csv.push('\n');
    std::fs::write(&sales, &csv).unwrap();
    let mut expected: BTreeSet<String> = t.plan.stages.iter().map(|s| s.name.clone()).collect();
    expected.insert("data/01_raw/sales.csv.dvc".into());
    let drop_small = t
        .plan
        .stages
        .iter()
        .find(|s| s.nodes.contains(&"drop_small_sales".to_string()))
        .unwrap();
    let got = stale(root);
    assert!(
        got.contains(&drop_small.name) && got.contains("data/01_raw/sales.csv.dvc"),
        "{got:?}"
    );
    // Re-translating records the new raw data; check then passes again.
    let t2 = translation(root);
    assert_eq!(t2.report.dvc_files, vec!["data/01_raw/sales.csv.dvc"]);
    t2.write().unwrap();
    assert!(translation(root).is_clean());
    assert!(!stale(root).contains("data/01_raw/sales.csv.dvc"));
    run_tool("dvc", root, ["repro"]);
    assert_eq!(stale(root), BTreeSet::new());
    git(root, &["add", "-A"]);
    git(root, &["commit", "-q", "-m", "new data"]);

    // An experiment through the Kedro parameter key.
    let project = Project::load(root).unwrap();
    let kedro = KedroConfig::load(&project, &LoadOptions::default()).unwrap();
    let sources = kdvc_translate::adapt::param_sources(&kedro);
    let edit = kdvc_translate::set_param(
        "ridge.core.alpha",
        "3.5",
        &sources["ridge.core.alpha"],
        |f| {
            std::fs::read_to_string(root.join(f))
                .map_err(|e| kdvc_translate::Error::Kedro(e.to_string()))
        },
    )
    .unwrap();
    assert_eq!(edit.file, "conf/base/parameters.yml");
    assert_eq!(edit.text, text.replace("alpha: 1.5", "alpha: 3.5"));
    std::fs::write(root.join(&edit.file), &edit.text).unwrap();
    let exp = run_tool("dvc", root, ["exp", "run", "-n", "ridge35"]);
    for s in &t.plan.stages {
        let ran = exp.contains(&format!("Running stage '{}'", s.name));
        assert_eq!(
            ran,
            ridge.contains(&s.name.as_str()),
            "stage {} ran={ran}:\n{exp}",
            s.name
        );
    }
    let show = run_tool("dvc", root, ["exp", "show", "--json"]);
    let show: serde_json::Value = serde_json::from_str(show.trim()).unwrap();
    let text = show.to_string();
    assert!(text.contains("ridge35"), "{text}");
    assert!(text.contains("\"alpha\":3.5"), "{text}");
}
