//! Fingerprinting throughput on generated Kedro projects (2,000 nodes; 300k and 1M lines of Python under
//! `cargo bench`, a small project when run as a test).
//!
//! - `parse_only/1t`: tree-sitter's raw parse of every file on one thread (the baseline);
//! - `cold/1t`, `cold/2t`: read + summarize (no cache) + resolve + fingerprint every node + build the
//!   record, on a rayon pool of 1 or 2 threads;
//! - `warm/1t`: the same with the caches filled and nothing changed (list + stat every file, hash the
//!   pin files and the entries, load the last result);
//! - `warm_edit/1t`: one file edited since the last run (stat cache, packed summaries, one re-parse,
//!   resolution and fingerprints).

use std::path::{Path, PathBuf};
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use kdvc_fingerprint::{
    Engine, EntryPoint, FsSource, ProjectSources, SourceProvider, parses_cleanly,
};

struct Project {
    _tmp: tempfile::TempDir,
    root: PathBuf,
    package: String,
    bytes: u64,
    lines: usize,
}

fn project(lines: usize) -> Project {
    let tmp = tempfile::tempdir().expect("tempdir");
    let spec = kdvc_benches::Spec::nodes(2_000, 100).with_python_lines(lines);
    let generated = kdvc_benches::generate(tmp.path(), &spec).expect("generate project");
    Project {
        root: generated.root.clone(),
        package: spec.package.clone(),
        bytes: generated.python_bytes as u64,
        lines: generated.python_lines,
        _tmp: tmp,
    }
}

fn engine(p: &Project, cache: bool) -> Engine {
    let e = Engine::new(ProjectSources::kedro(&p.root, "src", &p.package));
    if cache { e } else { e.with_cache_dir(None) }
}

/// One `kdvc fingerprint` worth of work; returns the number of nodes and whether the result was reused.
fn run(engine: &Engine, root: &Path, entries: &[(String, EntryPoint)]) -> (usize, bool) {
    let set = engine
        .fingerprint_entries(&FsSource::new(root), entries)
        .expect("fingerprint");
    engine.save(&set).expect("save the result");
    (set.nodes.len(), set.reused)
}

fn pool(n: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(n)
        .build()
        .expect("rayon pool")
}

fn bench(c: &mut Criterion) {
    let full = std::env::args().any(|a| a == "--bench");
    let sizes: &[usize] = if full {
        &[300_000, 1_000_000]
    } else {
        &[3_000]
    };
    for &lines in sizes {
        let p = project(lines);
        let label = format!("{}k_lines", p.lines / 1000);
        let files: Vec<Vec<u8>> = {
            let src = FsSource::new(&p.root);
            src.python_files(Path::new("src"))
                .expect("list")
                .into_iter()
                .map(|f| src.read(&f).expect("read").expect("exists"))
                .collect()
        };
        let mut g = c.benchmark_group("fingerprint");
        g.sample_size(10);
        g.throughput(Throughput::Bytes(p.bytes));
        let one = pool(1);
        let two = pool(2);
        g.bench_function(BenchmarkId::new("parse_only/1t", &label), |b| {
            b.iter(|| one.install(|| files.iter().filter(|f| parses_cleanly(f)).count()));
        });
        let cold = engine(&p, false);
        let es = one.install(|| {
            kdvc_benches::node_entry_points(
                &cold.summarize(&FsSource::new(&p.root)).expect("index"),
            )
        });
        assert!(
            es.len() >= 2_000 || !full,
            "every generated node is an entry point, got {}",
            es.len()
        );
        g.bench_function(BenchmarkId::new("cold/1t", &label), |b| {
            b.iter(|| one.install(|| run(&cold, &p.root, &es)));
        });
        g.bench_function(BenchmarkId::new("cold/2t", &label), |b| {
            b.iter(|| two.install(|| run(&cold, &p.root, &es)));
        });
        let warm = engine(&p, true);
        one.install(|| run(&warm, &p.root, &es));
        if full {
            // Stat entries younger than 2 s are re-hashed (racy timestamps): let the files age.
            std::thread::sleep(Duration::from_millis(2_100));
            one.install(|| run(&warm, &p.root, &es));
        }
        assert!(one.install(|| run(&warm, &p.root, &es)).1 || !full);
        g.bench_function(BenchmarkId::new("warm/1t", &label), |b| {
            b.iter(|| one.install(|| run(&warm, &p.root, &es)));
        });
        // One edited file: alternate between two versions of a helper module.
        let target = p
            .root
            .join(format!("src/{}/common/constants.py", p.package));
        let original = std::fs::read_to_string(&target).expect("constants.py");
        let mut flip = false;
        g.bench_function(BenchmarkId::new("warm_edit/1t", &label), |b| {
            b.iter(|| {
                flip = !flip;
                let text = if flip {
                    format!("{original}\nEXTRA = 1\n")
                } else {
                    original.clone()
                };
                std::fs::write(&target, text).expect("edit");
                one.install(|| run(&warm, &p.root, &es))
            });
        });
        std::fs::write(&target, &original).expect("restore");
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
