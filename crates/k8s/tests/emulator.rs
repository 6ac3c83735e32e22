//! The local Argo emulator on rendered Workflows whose `kdvc` is a stand-in shell script: dependency
//! order, parameter passing between tasks, retries, fail-fast and the Argo-shaped status.

use std::collections::BTreeMap;
use std::path::Path;

use base64::Engine as _;
use kdvc_dvc_model::DvcYaml;
use kdvc_k8s::emulator::{EmulatorOptions, node_outputs, run};
use kdvc_k8s::{K8sConfig, RenderOptions, Selection, StageGraph, names, render, workflow_results};
use serde_json::Value;

const DVC_YAML: &str = "stages:
  prepare:
    cmd: a
    outs: [data/a.csv]
  flaky:
    cmd: b
    deps: [data/a.csv]
    outs: [data/b.csv]
  bad:
    cmd: c
    deps: [data/a.csv]
    outs: [data/c.csv]
  after_bad:
    cmd: d
    deps: [data/c.csv, data/b.csv]
    outs: [data/d.csv]
";

/// A `kdvc` stand-in: writes `{"stage": S, "upstream": UPSTREAM-LOCKS}` as the lock output; the stage
/// `bad` always fails, `flaky` fails on its first attempt.
const SCRIPT: &str = r#"#!/bin/sh
stage=""; up=""; out=""
for a in "$@"; do
  case "$a" in
    --stage=*) stage="${a#--stage=}" ;;
    --upstream-locks=*) up="${a#--upstream-locks=}" ;;
    --lock-out=*) out="${a#--lock-out=}" ;;
  esac
done
echo "running $stage in $(pwd) with EXTRA=$EXTRA"
[ "$stage" = bad ] && { echo "bad fails" >&2; exit 3; }
if [ "$stage" = flaky ] && [ ! -e "$MARKS/flaky" ]; then touch "$MARKS/flaky"; exit 1; fi
mkdir -p "$(dirname "$out")"
printf '{"stage":"%s","upstream":%s}' "$stage" "$up" > "$out"
"#;

fn workflow(selection: Selection) -> kdvc_k8s::Workflow {
    let dvc = DvcYaml::parse(DVC_YAML, Path::new("dvc.yaml")).unwrap();
    let graph = StageGraph::new(&dvc, Path::new("dvc.yaml")).unwrap();
    let cfg = K8sConfig::from_toml_str(
        "[tool.kdvc.k8s]\nimage = \"x@sha256:00\"\nretries = 1\nenv = { EXTRA = \"yes\" }\n",
        Path::new("pyproject.toml"),
    )
    .unwrap()
    .unwrap();
    let opts = RenderOptions {
        project: "emu".into(),
        git_url: "file:///nowhere".into(),
        git_rev: "HEAD".into(),
        selection,
    };
    render(&graph, &cfg, &opts).unwrap().workflow
}

fn options(tmp: &Path) -> EmulatorOptions {
    use std::os::unix::fs::PermissionsExt as _;
    let script = tmp.join("fake-kdvc");
    std::fs::write(&script, SCRIPT).unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let marks = tmp.join("marks");
    std::fs::create_dir_all(&marks).unwrap();
    EmulatorOptions {
        dir: tmp.join("pods"),
        programs: BTreeMap::from([("kdvc".to_owned(), script)]),
        env: vec![("MARKS".into(), marks.to_string_lossy().into_owned())],
        ..EmulatorOptions::default()
    }
}

fn phases(status: &Value) -> BTreeMap<String, String> {
    status["status"]["nodes"]
        .as_object()
        .unwrap()
        .values()
        .map(|n| {
            (
                n["displayName"].as_str().unwrap().to_owned(),
                n["phase"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[test]
fn fail_fast_retries_and_outputs() {
    let tmp = tempfile::tempdir().unwrap();
    let opts = options(tmp.path());
    let status = run(&workflow(Selection::All), &opts).unwrap();
    let t = names::task_name;
    assert_eq!(status["metadata"]["name"], "kdvc-emu-local");
    assert_eq!(status["status"]["phase"], "Failed");
    assert_eq!(
        phases(&status),
        BTreeMap::from([
            ("kdvc-emu-local".into(), "Failed".into()),
            (t("prepare"), "Succeeded".into()),
            (t("flaky"), "Succeeded".into()),
            (t("bad"), "Failed".into()),
            (t("after_bad"), "Omitted".into()),
        ])
    );
    // The flaky stage needed its retry; the failing one used both attempts and reports its log.
    let nodes = status["status"]["nodes"].as_object().unwrap();
    let node = |task: &str| nodes.values().find(|n| n["displayName"] == task).unwrap();
    assert_eq!(node(&t("flaky"))["message"], "succeeded after 2 attempts");
    let message = node(&t("bad"))["message"].as_str().unwrap();
    assert!(
        message.contains("attempt 2") && message.contains("bad fails"),
        "{message}"
    );
    // Outputs flow from `prepare` into `flaky` through {{tasks.T.outputs.parameters.lock}}; the
    // container's env and the remapped output path reach the pod.
    let locks = node_outputs(&status, "lock");
    let flaky: Value = serde_json::from_str(&locks[&t("flaky")]).unwrap();
    assert_eq!(flaky["upstream"][0]["stage"], "prepare");
    let log = std::fs::read_to_string(
        kdvc_k8s::emulator::pod_dir(&opts, "kdvc-emu-local", &t("prepare"), 1).join("pod.log"),
    )
    .unwrap();
    assert!(log.contains("EXTRA=yes"), "{log}");
    // Absent uncached files fall back to the declared default.
    assert_eq!(node_outputs(&status, "uncached")[&t("prepare")], "{}");

    // What comes back: the succeeded stages' outputs, and which stages did not run.
    let results = workflow_results(&status).unwrap();
    assert_eq!(results.phase, "Failed");
    assert_eq!(
        results.locks.keys().collect::<Vec<_>>(),
        ["flaky", "prepare"]
    );
    assert_eq!(results.locks["flaky"]["upstream"][0]["stage"], "prepare");
    assert_eq!(
        results.not_done,
        BTreeMap::from([
            ("after_bad".to_owned(), "Omitted".to_owned()),
            ("bad".to_owned(), "Failed".to_owned())
        ])
    );
    // Status Argo compressed (base64 of gzip) reads the same; garbage or offloaded status says why.
    let mut compressed = status.clone();
    let nodes = compressed["status"]["nodes"].take();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut gz, nodes.to_string().as_bytes()).unwrap();
    compressed["status"]["compressedNodes"] =
        Value::String(base64::engine::general_purpose::STANDARD.encode(gz.finish().unwrap()));
    assert_eq!(workflow_results(&compressed).unwrap(), results);
    compressed["status"]["compressedNodes"] = Value::String("H4sI...".into());
    let err = workflow_results(&compressed).unwrap_err().to_string();
    assert!(err.contains("compressedNodes is not base64"), "{err}");
    let mut offloaded = status.clone();
    offloaded["status"]["nodes"] = Value::Null;
    offloaded["status"]["offloadNodeStatusVersion"] = Value::String("fnv:784".into());
    let err = workflow_results(&offloaded).unwrap_err().to_string();
    assert!(err.contains("offloaded"), "{err}");
}

#[test]
fn a_successful_run() {
    let tmp = tempfile::tempdir().unwrap();
    let status = run(
        &workflow(Selection::Stages(vec!["prepare".into(), "flaky".into()])),
        &options(tmp.path()),
    )
    .unwrap();
    assert_eq!(status["status"]["phase"], "Succeeded");
    let dag = &status["status"]["nodes"]["kdvc-emu-local"];
    assert_eq!(dag["type"], "DAG");
    assert_eq!(dag["children"].as_array().unwrap().len(), 2);
}
