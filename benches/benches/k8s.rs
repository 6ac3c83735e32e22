//! Rendering and validating the Argo Workflow of a 2,000-stage dvc.yaml (`kdvc k8s render --all`
//! without the file reads): stage graph, task names, JSON model, schema validation and lint.

use std::fmt::Write as _;
use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use kdvc_dvc_model::DvcYaml;
use kdvc_k8s::{K8sConfig, RenderOptions, Selection, StageGraph, render};

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
    c.bench_function("k8s_render_validate_2000_stages", |b| {
        b.iter(|| {
            let graph = StageGraph::new(&dvc, Path::new("dvc.yaml")).expect("acyclic");
            black_box(render(&graph, &cfg, &opts).expect("valid Workflow"))
        });
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10);
    targets = bench
}
criterion_main!(benches);
