//! Fingerprinting throughput on generated Kedro projects (2,000 nodes; 300k and 1M lines of Python under
//! `cargo bench`, a small project when run as a test).
//!
//! - `parse_only/1t`: tree-sitter's raw parse of every file on one thread (the baseline);
//! - `cold/1t`, `cold/2t`: summarize (no cache) + resolve + fingerprint every node, on a rayon pool of 1 or
//!   2 threads;
//! - `warm`: the same with every summary cached and nothing changed (stat/read + blake3 + cached summaries).

use std::path::{Path, PathBuf};

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use kdvc_code_trace::fingerprint::{
    Binding, Engine, EntryPoint, FsSource, Index, ProjectSources, SourceProvider, parses_cleanly,
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

/// Every function of every `nodes.py`: the node entry points.
fn entries(idx: &Index) -> Vec<(String, EntryPoint)> {
    let mut out = Vec::new();
    for m in idx
        .module_names()
        .into_iter()
        .filter(|m| m.ends_with(".nodes"))
    {
        let s = idx.summary(&m).expect("module summary");
        for (name, alts) in &s.bindings {
            if alts
                .iter()
                .any(|b| matches!(b, Binding::Def { class: false, .. }))
            {
                out.push((
                    format!("{m}.{name}"),
                    EntryPoint::function(m.clone(), name.clone()),
                ));
            }
        }
    }
    out
}

fn run(engine: &Engine, root: &Path) -> usize {
    let idx = engine.summarize(&FsSource::new(root)).expect("summarize");
    let es = entries(&idx);
    idx.fingerprint_all(&es).len()
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
        let n = one.install(|| run(&cold, &p.root));
        assert!(
            n >= 2_000 || !full,
            "every generated node is an entry point, got {n}"
        );
        g.bench_function(BenchmarkId::new("cold/1t", &label), |b| {
            b.iter(|| one.install(|| run(&cold, &p.root)))
        });
        g.bench_function(BenchmarkId::new("cold/2t", &label), |b| {
            b.iter(|| two.install(|| run(&cold, &p.root)))
        });
        let warm = engine(&p, true);
        run(&warm, &p.root);
        g.bench_function(BenchmarkId::new("warm/2t", &label), |b| {
            b.iter(|| two.install(|| run(&warm, &p.root)))
        });
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
