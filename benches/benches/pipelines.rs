//! Static pipeline extraction on a generated project: 2,000 nodes over 100 modular pipelines.

use criterion::{Criterion, criterion_group, criterion_main};
use kdvc_pipeline::{ProjectLayout, extract_pipelines};
use kdvc_python::ModuleTable;

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let spec = kdvc_benches::Spec::nodes(2_000, 100);
    let project = kdvc_benches::generate(dir.path(), &spec).expect("generate project");
    let layout = ProjectLayout {
        root: project.root.clone(),
        package_name: spec.package.clone(),
        source_dir: "src".into(),
        kedro_init_version: "1.7.0".into(),
    };
    let registry = extract_pipelines(&layout)
        .expect("extraction runs")
        .into_result()
        .unwrap_or_else(|d| panic!("diagnostics on the generated project: {d:?}"));
    assert_eq!(
        registry.get("__default__").map(|p| p.len()),
        Some(spec.total_nodes())
    );
    let source_root = layout.source_root();
    let mut group = c.benchmark_group("pipelines");
    group.sample_size(10);
    group.bench_function("parse_only_2000_nodes_100_pipelines", |b| {
        b.iter(|| ModuleTable::load(&source_root, &[spec.package.as_str()]).expect("parse"));
    });
    group.finish();
    c.bench_function("extract_pipelines_2000_nodes_100_pipelines", |b| {
        b.iter(|| extract_pipelines(&layout).expect("extraction runs"));
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
