//! Loading the configuration of a generated project with 5,000 catalog entries and 2,000 parameter keys:
//! project discovery, YAML reading, interpolation, environment merge and the catalog's pattern ranking.

use criterion::{Criterion, criterion_group, criterion_main};
use kdvc_benches::{Spec, generate};
use kdvc_kedro_model::{KedroConfig, LoadOptions, Project};

fn load_config(c: &mut Criterion) {
    let tmp = tempfile::tempdir().expect("temp dir");
    let spec = Spec::nodes(100, 10)
        .with_catalog_entries(5_000)
        .with_param_keys(2_000);
    let generated = generate(tmp.path(), &spec).expect("generate project");
    let options = LoadOptions {
        environ: Some(Default::default()),
        ..LoadOptions::default()
    };
    // Sanity: the generated project loads and has what the benchmark claims.
    let project = Project::discover(&generated.root).expect("project");
    let config = KedroConfig::load(&project, &options).expect("config");
    let entries = config.catalog_config().len();
    assert!(entries >= 4_900, "only {entries} catalog entries");
    c.bench_function("config/load_5000_entries_2000_params", |b| {
        b.iter(|| {
            let project = Project::discover(&generated.root).expect("project");
            let config = KedroConfig::load(&project, &options).expect("config");
            std::hint::black_box(config.catalog().explicit_names().len())
        });
    });
}

criterion_group!(benches, load_config);
criterion_main!(benches);
