//! The Kubernetes layer at 2,000 stages: rendering the Argo Workflow of a 2,000-stage dvc.yaml (`kdvc k8s
//! render --all` without the file reads: stage graph, task names, JSON model) with and without schema
//! validation and lint, and merging the 2,000 lock fragments a finished Workflow returns into dvc.lock
//! (what `kdvc k8s pull` does before `dvc pull`).

use std::fmt::Write as _;
use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use kdvc_dvc_model::DvcYaml;
use kdvc_k8s::{
    K8sConfig, RenderOptions, Selection, StageGraph, exec::apply_lock_fragments, render,
    render_unvalidated,
};

/// A dvc.yaml of `n` stages shaped like kdvc's output: namespaced names, each stage reading the outputs
/// of one or two earlier stages, a per-stage fingerprint file.
fn dvc_yaml(n: usize) -> String {
    let mut text = String::from("stages:\n");
    for i in 0..n {
        let _ = writeln!(text, "  ns{}.node_{i}:", i % 17);
        let _ = writeln!(text, "    cmd: kedro run --nodes='ns{}.node_{i}'", i % 17);
        let _ = writeln!(text, "    deps:\n    - .kdvc/fp/node_{i}.txt");
        if i > 0 {
            let _ = writeln!(text, "    - data/out_{}.parquet", i - 1);
        }
        if i > 10 {
            let _ = writeln!(text, "    - data/out_{}.parquet", i / 3);
        }
        let _ = writeln!(text, "    outs:\n    - data/out_{i}.parquet");
    }
    text
}

fn bench(c: &mut Criterion) {
    let dvc = DvcYaml::parse(&dvc_yaml(2_000), Path::new("dvc.yaml")).expect("valid dvc.yaml");
    let cfg = K8sConfig::from_toml_str(
        "[tool.kdvc.k8s]\nimage = \"registry.example.com/x@sha256:00\"\n\
         [[tool.kdvc.k8s.stages]]\nmatch = \"ns3.*\"\nresources = { requests = { cpu = \"4\" } }\n",
        Path::new("pyproject.toml"),
    )
    .expect("valid table")
    .expect("table present");
    let opts = RenderOptions {
        project: "bench".into(),
        git_url: "https://git.example.com/bench.git".into(),
        git_rev: "HEAD".into(),
        selection: Selection::All,
    };
    c.bench_function("k8s_render_2000_stages", |b| {
        b.iter(|| {
            let graph = StageGraph::new(&dvc, Path::new("dvc.yaml")).expect("acyclic");
            black_box(render_unvalidated(&graph, &cfg, &opts).expect("a Workflow"))
        });
    });
    c.bench_function("k8s_render_validate_2000_stages", |b| {
        b.iter(|| {
            let graph = StageGraph::new(&dvc, Path::new("dvc.yaml")).expect("acyclic");
            black_box(render(&graph, &cfg, &opts).expect("valid Workflow"))
        });
    });

    // One lock fragment per stage, as `kdvc k8s exec` writes them, merged into a dvc.lock that holds
    // the same stages from an earlier run.
    let fragments: Vec<serde_json::Value> = (0..2_000).map(fragment).collect();
    let dir = tempfile::tempdir().expect("temp dir");
    apply_lock_fragments(dir.path(), &fragments).expect("first merge");
    c.bench_function("k8s_merge_2000_lock_fragments", |b| {
        b.iter(|| black_box(apply_lock_fragments(dir.path(), &fragments).expect("merge")));
    });
}

/// The dvc.lock fragment of stage `i` of [`dvc_yaml`].
fn fragment(i: usize) -> serde_json::Value {
    let file = |path: String, n: usize| serde_json::json!({"path": path, "hash": "md5", "md5": format!("{n:032x}"), "size": 1000 + n});
    let mut deps = vec![file(format!(".kdvc/fp/node_{i}.txt"), i)];
    if i > 0 {
        deps.push(file(format!("data/out_{}.parquet", i - 1), i + 7));
    }
    let stage = format!("ns{}.node_{i}", i % 17);
    serde_json::json!({
        "schema": "2.0",
        "stages": {
            stage.clone(): {
                "cmd": format!("kedro run --nodes='{stage}'"),
                "deps": deps,
                "outs": [file(format!("data/out_{i}.parquet"), i + 11)],
            }
        }
    })
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10);
    targets = bench
}
criterion_main!(benches);
