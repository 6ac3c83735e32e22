//! End to end on the example project (examples/spaceflights), without a cluster: `kdvc k8s submit`
//! through the real kubectl against a fake API server whose "controller" is the Argo emulator (each pod
//! a real `kdvc k8s exec` in its own clone of a bare git origin, sharing only a local-directory DVC
//! remote), then `kdvc k8s status` and `kdvc k8s pull`, compared with what DVC says locally.
//!
//! Each round trip runs Kedro in several pods, so the scenarios share project copies: one test for a
//! parameter run (compared with a local `kdvc exp run`) and a sweep, one for a changed node and a
//! partial failure.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use kdvc_test_support::{FixtureCopy, edit_file, git, run_ok};
use serde_json::Value;

use crate::fake_kube::FakeKube;
use crate::k8s::{emulator_options, with_origin_and_remote_for};
use crate::{dvc_status, kdvc, run, tool_with_kdvc};

const PARAMS: &str = "conf/base/parameters_data_science.yml";
const RIDGE_METRICS: &str = "data/09_tracking/ridge_metrics.json";

/// A fake API server in `tmp` whose controller runs each created Workflow in the emulator. With
/// `compress`, the stored status holds the nodes as Argo does for large Workflows: base64 of gzip in
/// `status.compressedNodes`, `status.nodes` left out.
fn kube(tmp: &Path, compress: bool) -> FakeKube {
    let opts = emulator_options(tmp);
    FakeKube::start(
        tmp,
        "ml",
        Box::new(move |mut wf| {
            wf.as_object_mut().unwrap().remove("status");
            for key in ["uid", "resourceVersion", "namespace"] {
                wf["metadata"].as_object_mut().unwrap().remove(key);
            }
            let wf: kdvc_k8s::Workflow = serde_json::from_value(wf).expect("a kdvc Workflow");
            let mut done = kdvc_k8s::emulator::run(&wf, &opts).expect("the emulator runs it");
            if compress {
                use base64::Engine as _;
                use std::io::Write as _;
                let nodes = done["status"]["nodes"].take();
                let mut gz =
                    flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
                gz.write_all(nodes.to_string().as_bytes()).unwrap();
                done["status"]["compressedNodes"] = Value::String(
                    base64::engine::general_purpose::STANDARD.encode(gz.finish().unwrap()),
                );
                done["status"].as_object_mut().unwrap().remove("nodes");
            }
            done
        }),
    )
}

/// `kdvc k8s ARGS` in `root` talking to `kube`.
fn k8s(root: &Path, kube: &FakeKube, args: &[&str]) -> crate::Run {
    run(kdvc(root)
        .arg("k8s")
        .args(args)
        .env("KUBECONFIG", &kube.kubeconfig))
}

fn submit(root: &Path, kube: &FakeKube, args: &[&str]) -> Vec<String> {
    let r = k8s(root, kube, &[&["submit"], args].concat());
    assert_eq!(r.code, 0, "{}", r.stderr);
    r.stdout.lines().map(str::to_owned).collect()
}

fn record(root: &Path, run_id: &str) -> Value {
    let text = std::fs::read_to_string(root.join(format!(".kdvc/runs/{run_id}.json"))).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// The Workflow of a run as kubectl prints it.
fn workflow(root: &Path, kube: &FakeKube, run_id: &str) -> Value {
    let name = record(root, run_id)["workflow"]
        .as_str()
        .unwrap()
        .to_owned();
    let out = run_ok(
        std::process::Command::new("kubectl")
            .args(["get", "wf", &name, "-o", "json"])
            .env("KUBECONFIG", &kube.kubeconfig),
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Everything `git status` and the parameter file say about the work tree.
fn worktree_state(root: &Path) -> (String, String) {
    (
        git(root, &["status", "--porcelain", "--untracked-files=all"]),
        std::fs::read_to_string(root.join(PARAMS)).unwrap(),
    )
}

/// The `data` of the experiment or commit called `name` in `dvc exp show --json`.
fn exp_data(root: &Path, name: &str) -> Value {
    fn find<'a>(v: &'a Value, name: &str) -> Option<&'a Value> {
        match v {
            Value::Object(m) => {
                if m.get("name").and_then(Value::as_str) == Some(name) && m.contains_key("data") {
                    return Some(&m["data"]);
                }
                m.values().find_map(|v| find(v, name))
            }
            Value::Array(items) => items.iter().find_map(|v| find(v, name)),
            _ => None,
        }
    }
    let out = run_ok(
        tool_with_kdvc("dvc")
            .args(["exp", "show", "--json"])
            .current_dir(root),
    );
    let shown: Value =
        kdvc_test_support::last_json_line(&String::from_utf8_lossy(&out.stdout), "dvc exp show");
    find(&shown, name)
        .unwrap_or_else(|| panic!("no experiment {name} in {shown:#}"))
        .clone()
}

fn alpha(data: &Value) -> &Value {
    &data["params"][PARAMS]["data"]["ridge"]["model_options"]["alpha"]
}

fn ridge_metrics(data: &Value) -> &Value {
    &data["metrics"][RIDGE_METRICS]["data"]
}

/// Every file under the pipeline's outputs (`data/02_intermediate` onwards), with its bytes. Kedro's
/// version directories (`<file>.pickle/2026-12-06T10.00.00.000Z/<file>.pickle`) are the one part of a
/// path that differs between two runs: they become `<version>`.
fn outputs(root: &Path) -> BTreeMap<String, Vec<u8>> {
    fn is_version(part: &str) -> bool {
        let b = part.as_bytes();
        b.len() == 24 && b[4] == b'-' && b[10] == b'T' && b[13] == b'.' && part.ends_with('Z')
    }
    let mut out = BTreeMap::new();
    for entry in walkdir::WalkDir::new(root.join("data")) {
        let entry = entry.unwrap();
        let rel = entry
            .path()
            .strip_prefix(root)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        if !entry.file_type().is_file()
            || rel.starts_with("data/01_raw")
            || rel.ends_with(".gitignore")
        {
            continue;
        }
        let key: Vec<&str> = rel
            .split('/')
            .map(|p| if is_version(p) { "<version>" } else { p })
            .collect();
        out.insert(key.join("/"), std::fs::read(entry.path()).unwrap());
    }
    out
}

/// The stages of `dvc.yaml` downstream of `stages` (out -> dep path containment), `stages` included.
fn with_downstream(root: &Path, stages: &BTreeSet<String>) -> BTreeSet<String> {
    let dvc = kdvc_test_support::python_json(
        root,
        "import json, yaml; print(json.dumps(yaml.safe_load(open('dvc.yaml'))['stages']))",
    );
    let dvc = dvc.as_object().unwrap();
    let paths = |stage: &Value, key: &str| -> Vec<String> {
        stage[key]
            .as_array()
            .into_iter()
            .flatten()
            .map(|o| match o {
                Value::String(s) => s.clone(),
                Value::Object(m) => m.keys().next().unwrap().clone(),
                _ => panic!("{o}"),
            })
            .collect()
    };
    let mut all = stages.clone();
    loop {
        let mut grew = false;
        for (name, stage) in dvc {
            if all.contains(name) {
                continue;
            }
            let deps = paths(stage, "deps");
            let feeds = all.iter().any(|up| {
                let up = &dvc[up];
                ["outs", "metrics", "plots"]
                    .iter()
                    .flat_map(|k| paths(up, k))
                    .any(|out| {
                        deps.iter().any(|d| {
                            d == &out
                                || d.starts_with(&format!("{out}/"))
                                || out.starts_with(&format!("{d}/"))
                        })
                    })
            });
            if feeds {
                all.insert(name.clone());
                grew = true;
            }
        }
        if !grew {
            return all;
        }
    }
}

/// Every pod's log, each after its path.
fn pod_logs(tmp: &Path) -> String {
    walkdir::WalkDir::new(tmp.join("pods"))
        .sort_by_file_name()
        .into_iter()
        .flatten()
        .filter(|e| e.file_name() == "pod.log")
        .map(|e| {
            format!(
                "== {}\n{}",
                e.path().display(),
                std::fs::read_to_string(e.path()).unwrap()
            )
        })
        .collect()
}

fn spaceflights() -> FixtureCopy {
    with_origin_and_remote_for("examples/spaceflights")
}

/// (a) `submit -S ... --name remote-1`: the work tree is left alone, independent stages run at the same
/// time, `status` shows the stages, `pull` brings back an experiment equal to a local `kdvc exp run -S`
/// with the same setting; (d) a 3-value sweep comes back as 3 experiments.
#[test]
fn k8s_e2e_parameter_run_equals_a_local_run_and_a_sweep_gives_three_experiments() {
    let copy = spaceflights();
    let (root, tmp) = (&copy.root, copy.tmp.path());
    let kube = kube(tmp, true);
    let before = worktree_state(root);

    let ids = submit(
        root,
        &kube,
        &["-S", "ridge.model_options.alpha=0.5", "--name", "remote-1"],
    );
    let [run_id] = ids.as_slice() else {
        panic!("one run id: {ids:?}")
    };
    assert_eq!(
        worktree_state(root),
        before,
        "submit leaves the work tree as it was; .kdvc/runs: {:?}",
        std::fs::read_dir(root.join(".kdvc/runs"))
            .map(|d| d.flatten().map(|e| e.file_name()).collect::<Vec<_>>())
    );
    let rec = record(root, run_id);
    assert_eq!(rec["name"], "remote-1");
    assert_eq!(
        rec["params"],
        serde_json::json!(["ridge.model_options.alpha=0.5"])
    );
    assert_eq!(rec["files"], serde_json::json!([PARAMS]));
    let snapshot = git(
        root,
        &[
            "show",
            &format!("{}:{PARAMS}", rec["snapshot"].as_str().unwrap()),
        ],
    );
    assert!(snapshot.contains("alpha: 0.5"), "{snapshot}");
    assert!(before.1.contains("alpha: 2.5"));

    kube.wait_finished(1);
    // `status` through kubectl, reading the compressed node status.
    let r = k8s(root, &kube, &["status", run_id]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let stages: Vec<&str> = rec["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert_eq!(
        stages.len(),
        7,
        "a changed parameter file changes the fingerprints: every stage"
    );
    assert!(
        r.stdout.lines().next().unwrap().ends_with(": Succeeded"),
        "{}",
        r.stdout
    );
    for stage in &stages {
        assert!(
            r.stdout.lines().any(
                |l| l.trim_start().starts_with(&format!("{stage} ")) && l.contains("Succeeded")
            ),
            "{stage}: {}",
            r.stdout
        );
    }
    // Independent stages ran at the same time: the two model stages' pods overlap.
    let status = kdvc_k8s::run_status(&workflow(root, &kube, run_id)).unwrap();
    let span = |prefix: &str| {
        let s = status
            .stages
            .iter()
            .find(|s| s.stage.starts_with(prefix))
            .unwrap();
        (
            s.started_at.clone().unwrap(),
            s.finished_at.clone().unwrap(),
        )
    };
    let (linear, ridge) = (span("linear__"), span("ridge__"));
    assert!(
        linear.0 < ridge.1 && ridge.0 < linear.1,
        "linear {linear:?} and ridge {ridge:?} overlap"
    );

    let r = k8s(root, &kube, &["pull", "--run", run_id]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains("saved as experiment remote-1"),
        "{}",
        r.stderr
    );
    let remote = exp_data(root, "remote-1");
    assert_eq!(alpha(&remote), 0.5);
    assert!(ridge_metrics(&remote)["r2"].is_number(), "{remote:#}");
    let remote_outputs = outputs(root);

    // The same setting run locally in a fresh copy: the same metrics, byte-identical outputs.
    let local = spaceflights();
    run_ok(kdvc(&local.root).args([
        "exp",
        "run",
        "-S",
        "ridge.model_options.alpha=0.5",
        "--",
        "-n",
        "local-1",
    ]));
    let local_data = exp_data(&local.root, "local-1");
    assert_eq!(alpha(&local_data), 0.5);
    assert_eq!(remote["metrics"], local_data["metrics"]);
    let local_outputs = outputs(&local.root);
    assert_eq!(
        remote_outputs.keys().collect::<Vec<_>>(),
        local_outputs.keys().collect::<Vec<_>>()
    );
    for (path, bytes) in &remote_outputs {
        assert!(
            bytes == &local_outputs[path],
            "{path} differs from the local run's"
        );
    }

    run_ok(
        tool_with_kdvc("dvc")
            .args(["exp", "apply", "remote-1"])
            .current_dir(root),
    );
    assert_eq!(
        dvc_status(root),
        BTreeSet::new(),
        "clean after dvc exp apply remote-1"
    );
    git(root, &["add", "-A"]);
    git(root, &["commit", "-q", "-m", "remote-1"]);

    // (d) A sweep: one run, and one experiment, per value.
    let before = worktree_state(root);
    let ids = submit(
        root,
        &kube,
        &[
            "-S",
            "ridge.model_options.alpha=0.1,1.0,10.0",
            "--name",
            "sweep",
        ],
    );
    assert_eq!(ids.len(), 3, "{ids:?}");
    assert_eq!(worktree_state(root), before);
    kube.wait_finished(4);
    let mut metrics = BTreeSet::new();
    for (i, (id, value)) in ids.iter().zip([0.1, 1.0, 10.0]).enumerate() {
        let r = k8s(root, &kube, &["pull", "--run", id]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        let name = format!("sweep-{}", i + 1);
        let data = exp_data(root, &name);
        assert_eq!(alpha(&data), value, "{name}");
        metrics.insert(ridge_metrics(&data).to_string());
    }
    assert_eq!(
        metrics.len(),
        3,
        "each value gives its own model: {metrics:?}"
    );
}

/// (b) After a change to node functions, `render` holds exactly the stages `dvc status` names once the
/// fingerprints are refreshed, plus their downstream; (c) one of them fails: the Workflow fails, `pull`
/// merges what succeeded and names the failed and omitted stages, and after the fix a new submit runs
/// only the remainder.
#[test]
fn k8s_e2e_changed_nodes_a_failing_stage_and_the_remainder() {
    let copy = spaceflights();
    let (root, tmp) = (&copy.root, copy.tmp.path());
    let kube = kube(tmp, false);
    // The baseline: reproduced locally, committed, its outputs in the DVC remote.
    crate::dvc_repro(root);
    git(root, &["add", "-A"]);
    git(root, &["commit", "-q", "-m", "reproduced"]);
    git(root, &["push", "-q", "origin", "main"]);
    run_ok(tool_with_kdvc("dvc").arg("push").current_dir(root));

    // Two node functions change: one harmlessly, one so that it fails.
    edit_file(
        root,
        "src/spaceflights/pipelines/reporting/nodes.py",
        "[\"passenger_capacity\"].mean()",
        "[\"passenger_capacity\"].mean().round(6)",
    );
    edit_file(
        root,
        "src/spaceflights/pipelines/data_processing/nodes.py",
        "    out = companies.copy()\n",
        "    out = companies.copy()\n    raise RuntimeError(\"companies are broken\")\n",
    );
    run_ok(
        tool_with_kdvc("dvc")
            .args(["repro", "kdvc-fingerprint"])
            .current_dir(root),
    );
    let changed = dvc_status(root);
    assert_eq!(changed.len(), 2, "{changed:?}");
    let expected = with_downstream(root, &changed);
    let r = run(kdvc(root).args(["k8s", "render"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let wf: Value = serde_json::from_str(&r.stdout).unwrap();
    let rendered: BTreeSet<String> = kdvc_k8s::status::task_stages(&wf)
        .into_iter()
        .map(|(_, s)| s)
        .collect();
    assert_eq!(rendered, expected);
    assert!(
        !rendered.contains("kdvc-fingerprint") && !rendered.contains("preprocess_shuttles_node")
    );

    // (c) The run fails at the broken stage; the rest of the DAG below it is omitted.
    let ids = submit(root, &kube, &[]);
    let [run_id] = ids.as_slice() else {
        panic!("{ids:?}")
    };
    assert_eq!(
        record(root, run_id)["stages"].as_array().unwrap().len(),
        expected.len()
    );
    kube.wait_finished(1);
    let status = kdvc_k8s::run_status(&workflow(root, &kube, run_id)).unwrap();
    assert_eq!(status.phase, "Failed", "{status:#?}\n{}", pod_logs(tmp));
    let phase: BTreeMap<&str, &str> = status
        .stages
        .iter()
        .map(|s| (s.stage.as_str(), s.phase.as_str()))
        .collect();
    let broken = "preprocess_companies_node-fused2";
    let fine = changed.iter().find(|s| *s != broken).unwrap().as_str();
    assert_eq!(phase[broken], "Failed");
    assert_eq!(phase[fine], "Succeeded");
    let omitted: BTreeSet<String> = expected
        .iter()
        .filter(|s| *s != broken && *s != fine)
        .cloned()
        .collect();
    assert!(
        omitted.iter().all(|s| phase[s.as_str()] == "Omitted"),
        "{phase:?}"
    );
    let r = k8s(root, &kube, &["status", run_id]);
    assert!(
        r.stdout
            .lines()
            .any(|l| l.contains(broken) && l.contains("Failed")),
        "{}",
        r.stdout
    );
    assert!(
        pod_logs(tmp).contains("companies are broken"),
        "the pod ran the broken node"
    );

    let r = k8s(root, &kube, &["pull", "--run", run_id]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("Workflow Failed: 1 stage(s) merged"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains(&format!("stage {broken} did not succeed (Failed)")),
        "{}",
        r.stderr
    );
    for s in &omitted {
        assert!(
            r.stderr
                .contains(&format!("stage {s} did not succeed (Omitted)")),
            "{}",
            r.stderr
        );
    }
    assert!(
        r.stderr.contains("not saved as an experiment"),
        "{}",
        r.stderr
    );
    let left = dvc_status(root);
    assert!(
        !left.contains(fine),
        "the succeeded stage is merged: {left:?}"
    );

    // The fix (new code, not the baseline's): only the failed stage and what it feeds run.
    edit_file(
        root,
        "src/spaceflights/pipelines/data_processing/nodes.py",
        "    raise RuntimeError(\"companies are broken\")\n",
        "    out = out.reset_index(drop=True)\n",
    );
    run_ok(
        tool_with_kdvc("dvc")
            .args(["repro", "kdvc-fingerprint"])
            .current_dir(root),
    );
    let ids = submit(root, &kube, &["--name", "fixed"]);
    let [run_id] = ids.as_slice() else {
        panic!("{ids:?}")
    };
    let stages: BTreeSet<String> = record(root, run_id)["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_owned())
        .collect();
    let mut remainder = omitted.clone();
    remainder.insert(broken.to_owned());
    assert_eq!(stages, remainder);
    kube.wait_finished(2);
    let r = k8s(root, &kube, &["pull", "--run", run_id]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains("saved as experiment fixed"),
        "{}",
        r.stderr
    );
    assert_eq!(dvc_status(root), BTreeSet::new());
}
