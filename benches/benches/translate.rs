//! `kdvc translate` on a generated project: 2,000 nodes over 100 modular pipelines, no code fingerprints.
//!
//! - `translate_2000_nodes_full`: everything translate does: static pipeline extraction, configuration
//!   and catalog loading, planning, merging with the dvc.yaml on disk, `.dvc` files and the diff state;
//! - `translate_2000_nodes_plan_and_merge`: the translate crate's own part (the models already loaded).

use criterion::{Criterion, criterion_group, criterion_main};
use std::path::Path;

use kdvc_kedro_model::pipeline::Pipeline;
use kdvc_kedro_model::{KedroConfig, LoadOptions, Project};
use kdvc_pipeline::{ProjectLayout, extract_pipelines};
use kdvc_translate::{KdvcConfig, prepare_project};

/// What translate reads: the default pipeline (extracted statically), the project and its configuration.
fn load(root: &Path, layout: &ProjectLayout) -> (Pipeline, Project, KedroConfig) {
    let registry = extract_pipelines(layout)
        .expect("extraction runs")
        .into_result()
        .unwrap_or_else(|d| panic!("diagnostics: {d:?}"));
    let pipeline = registry
        .get("__default__")
        .expect("default pipeline")
        .clone();
    let kp = Project::load(root).expect("project");
    let kedro = KedroConfig::load(&kp, &LoadOptions::default()).expect("config");
    (pipeline, kp, kedro)
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let spec = kdvc_benches::Spec::nodes(2_000, 100);
    let project = kdvc_benches::generate(dir.path(), &spec).expect("generate project");
    let root = project.root.clone();
    let layout = ProjectLayout {
        root: root.clone(),
        package_name: spec.package.clone(),
        source_dir: "src".into(),
        kedro_init_version: "1.7.0".into(),
    };
    let full = || {
        let (pipeline, kp, kedro) = load(&root, &layout);
        // Planning and writing only: code fingerprints have their own benchmark (benches/fingerprint.rs).
        let cfg = KdvcConfig {
            code_fingerprints: false,
            ..KdvcConfig::load(&root).expect("kdvc config")
        };
        prepare_project(&kp, &cfg, &kedro, &pipeline).expect("translate")
    };
    let t = full();
    assert!(t.plan.stages.len() >= 100, "{} stages", t.plan.stages.len());
    t.write().expect("write");
    assert!(full().is_clean());

    c.bench_function("translate_2000_nodes_full", |b| b.iter(full));

    let (pipeline, kp, kedro) = load(&root, &layout);
    let cfg = KdvcConfig {
        code_fingerprints: false,
        ..KdvcConfig::default()
    };
    c.bench_function("translate_2000_nodes_plan_and_merge", |b| {
        b.iter(|| prepare_project(&kp, &cfg, &kedro, &pipeline).expect("translate"));
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
