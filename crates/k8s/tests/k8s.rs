//! Rendering and validation of Argo Workflows from dvc.yaml stage graphs: golden JSON, every rejection
//! path of the validator, and the name rules as properties.

use std::collections::BTreeSet;
use std::path::Path;

use kdvc_dvc_model::DvcYaml;
use kdvc_k8s::{
    Error, K8sConfig, RenderOptions, Rendered, Selection, StageGraph, names, render,
    schema_problems, validate_json,
};
use proptest::prelude::*;
use serde_json::{Value, json};

/// A dvc.yaml shaped like `kdvc translate`'s output: the fingerprint stage, namespaced and fused
/// stages, a lambda node's hashed stage name, metrics and a stage with a `wdir`.
const DVC_YAML: &str = r"stages:
  kdvc-fingerprint:
    cmd: kdvc fingerprint
    deps: [conf, pyproject.toml, src]
    outs:
    - .kdvc/fp/normalise_orders.txt:
        cache: false
        persist: true
    - .kdvc/fp/fx.normalise.txt:
        cache: false
        persist: true
    - .kdvc/fp/to_eur__8e2f01aa.txt:
        cache: false
        persist: true
  normalise_orders:
    cmd: kedro run --nodes='normalise_orders'
    deps: [.kdvc/fp/normalise_orders.txt, data/01_raw/orders.csv]
    outs: [data/02_intermediate/clean_orders.parquet]
    meta:
      kdvc:
        nodes: [normalise_orders]
  fx.normalise:
    cmd: kedro run --nodes='fx.normalise'
    deps: [.kdvc/fp/fx.normalise.txt, data/01_raw/rates.csv]
    outs: [data/02_intermediate/fx/clean_rates.parquet]
    meta:
      kdvc:
        nodes: [fx.normalise]
        namespaces: [fx]
  to_eur__8e2f01aa:
    cmd: kedro run --nodes='to_eur__8e2f01aa,<lambda>__0c1d2e3f'
    deps: [.kdvc/fp/to_eur__8e2f01aa.txt, data/02_intermediate]
    params: [rounding]
    outs: [data/03_primary/orders_eur.parquet]
    meta:
      kdvc:
        nodes: [to_eur__8e2f01aa, <lambda>__0c1d2e3f]
  report:
    cmd: python report.py
    wdir: data
    deps: [03_primary/orders_eur.parquet]
    metrics:
    - ../metrics.json:
        cache: false
";

const CONFIG: &str = r#"
[tool.kdvc.k8s]
image = "registry.example.com/fp-shop@sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
namespace = "ml"
service_account = "kdvc-runner"
git_url = "https://git.example.com/ml/fp-shop.git"
kedro_env = "k8s"
parallelism = 4
retries = 3
active_deadline = "12h"
ttl = "2d"
dvc_config_secret = "dvc-remote"
env = { PYTHONUNBUFFERED = "1" }
resources = { requests = { cpu = "500m", memory = "1Gi" }, limits = { memory = "2Gi" } }

[[tool.kdvc.k8s.secret_env]]
name = "AWS_ACCESS_KEY_ID"
secret = "dvc-remote"
key = "access_key_id"

[[tool.kdvc.k8s.stages]]
match = "to_eur__*"
resources = { requests = { cpu = 2, memory = "8Gi" }, limits = { memory = "8Gi", "nvidia.com/gpu" = "1" } }
node_selector = { "cloud.google.com/gke-accelerator" = "nvidia-tesla-t4" }
tolerations = [{ key = "nvidia.com/gpu", operator = "Exists", effect = "NoSchedule" }]
env = { PYTHONUNBUFFERED = "0" }

[[tool.kdvc.k8s.stages]]
match = "fx.*"
env = { FX_SOURCE = "ecb" }
"#;

fn graph() -> StageGraph {
    let dvc = DvcYaml::parse(DVC_YAML, Path::new("dvc.yaml")).unwrap();
    StageGraph::new(&dvc, Path::new("dvc.yaml")).unwrap()
}

fn config(text: &str) -> K8sConfig {
    K8sConfig::from_toml_str(text, Path::new("pyproject.toml"))
        .unwrap()
        .unwrap()
}

fn render_with(text: &str, selection: Selection) -> kdvc_k8s::Result<Rendered> {
    render(
        &graph(),
        &config(text),
        &RenderOptions {
            project: "fp_shop".into(),
            git_url: "https://git.example.com/ml/fp-shop.git".into(),
            git_rev: "0123456789abcdef0123456789abcdef01234567".into(),
            selection,
        },
    )
}

fn tasks(r: &Rendered) -> Vec<(String, String, Vec<String>)> {
    r.workflow
        .template("pipeline")
        .unwrap()
        .dag
        .as_ref()
        .unwrap()
        .tasks
        .iter()
        .map(|t| {
            let stage = t.arguments.as_ref().unwrap().parameters[0]
                .value
                .clone()
                .unwrap();
            (stage, t.template.clone(), t.dependencies.clone())
        })
        .collect()
}

#[test]
fn golden_workflow_with_overrides() {
    let rendered = render_with(CONFIG, Selection::All).unwrap();
    assert!(rendered.warnings.is_empty(), "{:?}", rendered.warnings);
    insta::assert_snapshot!("workflow_with_overrides", rendered.to_json());
    // The JSON reads back into the model and passes the validator again.
    let doc: Value = serde_json::from_str(&rendered.to_json()).unwrap();
    assert_eq!(validate_json(&doc).unwrap(), rendered.workflow);
}

#[test]
fn minimal_config_warns_about_the_tag() {
    let rendered = render_with(
        "[tool.kdvc.k8s]\nimage = \"fp-shop:latest\"\n",
        Selection::All,
    )
    .unwrap();
    assert_eq!(rendered.warnings.len(), 1);
    assert!(rendered.warnings[0].contains("not pinned by digest"));
    insta::assert_snapshot!("workflow_minimal", rendered.to_json());
}

#[test]
fn dependencies_follow_outs_and_deps() {
    let rendered = render_with(CONFIG, Selection::All).unwrap();
    let t = |s: &str| names::task_name(s);
    assert_eq!(
        tasks(&rendered),
        [
            ("kdvc-fingerprint".into(), "kdvc-stage".into(), vec![]),
            (
                "normalise_orders".into(),
                "kdvc-stage".into(),
                vec![t("kdvc-fingerprint")]
            ),
            (
                "fx.normalise".into(),
                "kdvc-stage-2".into(),
                vec![t("kdvc-fingerprint")]
            ),
            (
                "to_eur__8e2f01aa".into(),
                "kdvc-stage-1".into(),
                vec![
                    t("kdvc-fingerprint"),
                    t("normalise_orders"),
                    t("fx.normalise")
                ]
            ),
            (
                "report".into(),
                "kdvc-stage".into(),
                vec![t("to_eur__8e2f01aa")]
            ),
        ]
    );
}

#[test]
fn stale_stages_and_downstream() {
    let rendered = render_with(
        CONFIG,
        Selection::Downstream(BTreeSet::from(["fx.normalise".to_owned()])),
    )
    .unwrap();
    let t = |s: &str| names::task_name(s);
    assert_eq!(
        tasks(&rendered),
        [
            ("fx.normalise".into(), "kdvc-stage-2".into(), vec![]),
            (
                "to_eur__8e2f01aa".into(),
                "kdvc-stage-1".into(),
                vec![t("fx.normalise")]
            ),
            (
                "report".into(),
                "kdvc-stage".into(),
                vec![t("to_eur__8e2f01aa")]
            ),
        ]
    );
    assert_eq!(
        rendered.stages,
        ["fx.normalise", "to_eur__8e2f01aa", "report"]
    );
    // Only the templates in use are emitted.
    let templates: Vec<&str> = rendered
        .workflow
        .spec
        .templates
        .iter()
        .map(|t| t.name.as_str())
        .collect();
    assert_eq!(
        templates,
        ["pipeline", "kdvc-stage", "kdvc-stage-1", "kdvc-stage-2"]
    );

    // Named stages keep their order through stages left out.
    let rendered = render_with(
        CONFIG,
        Selection::Stages(vec!["report".into(), "normalise_orders".into()]),
    )
    .unwrap();
    assert_eq!(
        tasks(&rendered),
        [
            ("normalise_orders".into(), "kdvc-stage".into(), vec![]),
            (
                "report".into(),
                "kdvc-stage".into(),
                vec![t("normalise_orders")]
            ),
        ]
    );
    assert!(matches!(
        render_with(CONFIG, Selection::Downstream(BTreeSet::new())),
        Err(Error::NothingToRun)
    ));
    let err = render_with(CONFIG, Selection::Stages(vec!["nope".into()])).unwrap_err();
    assert_eq!(err.to_string(), "'dvc.yaml' has no stage 'nope'");
}

#[test]
fn foreach_and_matrix_stages_are_refused() {
    for yaml in [
        "stages:\n  s:\n    foreach: [1, 2]\n    do:\n      cmd: echo ${item}\n",
        "stages:\n  s:\n    matrix:\n      x: [1, 2]\n    cmd: echo ${item.x}\n",
    ] {
        let dvc = DvcYaml::parse(yaml, Path::new("dvc.yaml")).unwrap();
        let err = StageGraph::new(&dvc, Path::new("dvc.yaml")).unwrap_err();
        assert!(
            err.to_string().contains("expand it into plain stages"),
            "{err}"
        );
    }
}

/// The rendered golden Workflow as JSON, to break in the negative tests.
fn good() -> Value {
    render_with(CONFIG, Selection::All)
        .unwrap()
        .workflow
        .to_value()
}

fn rejection(doc: &Value) -> String {
    match validate_json(doc) {
        Ok(_) => panic!("accepted:\n{doc:#}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn negative_cases_are_rejected_readably() {
    let mut cases: Vec<(&str, Value)> = Vec::new();

    let mut doc = good();
    let task = &mut doc["spec"]["templates"][0]["dag"]["tasks"][1];
    let deps = task
        .as_object_mut()
        .unwrap()
        .remove("dependencies")
        .unwrap();
    task["dependecies"] = deps;
    cases.push(("a misspelt field", doc));

    let mut doc = good();
    doc["spec"]["arguments"]["parameters"][0]["value"] = json!(3);
    cases.push(("an integer parameter value", doc));

    let mut doc = good();
    doc["spec"]["templates"][1]["container"]["resources"]["requests"]["cpu"] = json!(1);
    cases.push(("an integer quantity", doc));

    let mut doc = good();
    doc["spec"]["templates"][0]["dag"]["tasks"][1]["dependencies"] = json!(["no-such-task"]);
    cases.push(("a dangling dependency", doc));

    let mut doc = good();
    let first = doc["spec"]["templates"][0]["dag"]["tasks"][4]["name"].clone();
    doc["spec"]["templates"][0]["dag"]["tasks"][0]["dependencies"] = json!([first]);
    cases.push(("a cycle", doc));

    let mut doc = good();
    doc["spec"]["templates"][0]["dag"]["tasks"][0]["name"] = json!("Kdvc_Fingerprint");
    cases.push(("a bad task name", doc));

    let mut doc = good();
    doc["metadata"]["generateName"] = json!("kdvc-FP_shop-");
    cases.push(("a bad generateName", doc));

    let mut doc = good();
    let name = doc["spec"]["templates"][0]["dag"]["tasks"][2]["name"].clone();
    doc["spec"]["templates"][0]["dag"]["tasks"][1]["name"] = name;
    cases.push(("colliding task names", doc));

    let mut doc = good();
    doc["spec"]["templates"][0]["dag"]["tasks"][1]["template"] = json!("kdvc-stag");
    cases.push(("an unknown template", doc));

    let mut doc = good();
    let other = doc["spec"]["templates"][0]["dag"]["tasks"][2]["name"]
        .as_str()
        .unwrap()
        .to_owned();
    doc["spec"]["templates"][0]["dag"]["tasks"][1]["arguments"]["parameters"][2]["value"] =
        json!(format!("[{{{{tasks.{other}.outputs.parameters.lock}}}}]"));
    cases.push(("a reference to a task that is not upstream", doc));

    let mut doc = good();
    doc["spec"]["templates"][1]["inputs"]["parameters"][0]["name"] = json!("stage name");
    cases.push(("a bad parameter name", doc));

    let mut doc = good();
    doc["spec"]["templates"][1]["container"]["args"][0] =
        json!("--git-url={{workflow.parameters.git-ur}}");
    cases.push(("an unknown workflow parameter", doc));

    let mut text = String::new();
    for (what, doc) in &cases {
        text.push_str(&format!("## {what}\n{}\n\n", rejection(doc)));
    }
    insta::assert_snapshot!("rejections", text);
}

#[test]
fn the_stock_schema_catches_nothing_the_patches_do_not() {
    // A workflow kdvc did not write but which is valid Argo: the validator judges the JSON, not the
    // model, so a field outside kdvc's subset is reported as such after the schema passed.
    let mut doc = good();
    doc["spec"]["templates"][1]["container"]["workingDir"] = json!("/work");
    assert!(schema_problems(&doc).is_empty());
    assert!(rejection(&doc).contains("outside the subset kdvc emits"));
    // An integer IntOrString is valid Argo (patch 2) and the model reads it back as text only.
    let mut doc = good();
    doc["spec"]["templates"][1]["retryStrategy"]["limit"] = json!(3);
    assert!(schema_problems(&doc).is_empty());
}

fn stage_name() -> impl Strategy<Value = String> {
    // Stage names as DVC and kdvc produce them, plus hostile ones.
    prop_oneof![
        "[a-zA-Z0-9_.@-]{1,40}",
        "[a-z_]{1,20}(\\.[a-z_]{1,20}){0,3}(-fused[0-9])?",
        "\\PC{1,80}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn task_names_match_argo_and_never_collide(a in stage_name(), b in stage_name()) {
        let (ta, tb) = (names::task_name(&a), names::task_name(&b));
        prop_assert!(names::is_task_name(&ta), "{a:?} -> {ta:?}");
        prop_assert!(ta.len() <= names::TASK_NAME_GENERATED_MAX);
        prop_assert!(names::is_label_value(&ta));
        prop_assert_eq!(&ta, &names::task_name(&a), "deterministic");
        if a != b {
            prop_assert_ne!(ta, tb, "{:?} and {:?} collide", a, b);
        }
    }

    #[test]
    fn separators_and_case_never_collide(base in "[a-z]{1,10}([_.@-][a-z0-9]{1,10}){1,3}") {
        let variants: BTreeSet<String> = [
            base.clone(),
            base.replace(['_', '.', '@'], "-"),
            base.replace(['-', '.', '@'], "_"),
            base.replace(['-', '_', '@'], "."),
            base.to_uppercase(),
        ]
        .into_iter()
        .collect();
        let tasks: BTreeSet<String> = variants.iter().map(|v| names::task_name(v)).collect();
        prop_assert_eq!(tasks.len(), variants.len());
    }

    #[test]
    fn project_and_label_names_are_valid(p in "\\PC{0,120}") {
        let g = names::generate_name(&p);
        prop_assert!(names::is_generate_name(&g), "{p:?} -> {g:?}");
        let l = names::label_value(&p);
        prop_assert!(names::is_label_value(&l), "{p:?} -> {l:?}");
        prop_assert!(l.len() <= names::LABEL_VALUE_MAX);
    }
}

#[test]
fn two_thousand_stages_render_with_a_size_warning() {
    use std::fmt::Write as _;
    let mut yaml = String::from("stages:\n");
    for i in 0..2_000 {
        let _ = write!(
            yaml,
            "  ns{}.node_{i}:\n    cmd: run {i}\n    deps:\n",
            i % 17
        );
        let _ = writeln!(yaml, "    - data/out_{}.parquet", i.max(1) - 1);
        if i > 10 {
            let _ = writeln!(yaml, "    - data/out_{}.parquet", i / 3);
        }
        let _ = writeln!(yaml, "    outs:\n    - data/out_{i}.parquet");
    }
    let dvc = DvcYaml::parse(&yaml, Path::new("dvc.yaml")).unwrap();
    let graph = StageGraph::new(&dvc, Path::new("dvc.yaml")).unwrap();
    let rendered = render(
        &graph,
        &config("[tool.kdvc.k8s]\nimage = \"x@sha256:00\"\n"),
        &RenderOptions {
            project: "big".into(),
            git_url: "https://git.example.com/big.git".into(),
            git_rev: "HEAD".into(),
            selection: Selection::All,
        },
    )
    .unwrap();
    assert_eq!(rendered.stages.len(), 2_000);
    assert!(
        rendered.warnings.iter().any(|w| w.contains("bytes")),
        "{:?}",
        rendered.warnings
    );
}
