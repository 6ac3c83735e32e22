//! Times the phases of cold fingerprinting on a generated project, and prints digests of the results (for
//! profilers, and to check that an optimization changes no summary and no fingerprint).
//!
//! `cargo run --release -p kdvc-benches --example fp_phases -- [MODE] [ITERATIONS] [PROJECT_DIR] [LINES]`
//!
//! - `times` (default): raw parse, summaries alone, and `kdvc fingerprint`'s work on 1 and 2 threads;
//! - `digest`: one digest of the fingerprints, warnings and record of every node, on 1 and 2 threads and
//!   from a full index (all three must agree);
//! - `summaries DIR[:DIR...]`: one digest of the summaries of every Python file below the directories.

#![allow(clippy::print_stderr)] // A timing tool: its report is its output.

use std::path::{Path, PathBuf};
use std::time::Instant;

use kdvc_fingerprint::{
    Engine, FsSource, ProjectSources, SourceProvider, parses_cleanly, summarize,
};

fn fnv(h: &mut u64, bytes: &[u8]) {
    for b in bytes {
        *h = h.wrapping_mul(0x100_0000_01b3).wrapping_add(u64::from(*b));
    }
}

fn pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("rayon pool")
}

fn main() {
    let mut args = std::env::args().skip(1);
    let mode = args.next().unwrap_or_else(|| "times".into());
    if mode == "summaries" {
        let dirs = args.next().expect("directories, `:`-separated");
        let mut all = Vec::new();
        for d in std::env::split_paths(&dirs) {
            let src = FsSource::new(&d);
            for f in src.python_files(Path::new(".")).expect("list") {
                let bytes = src.read(&f).expect("read").expect("exists");
                all.push((f, serde_json::to_vec(&summarize(&bytes)).expect("json")));
            }
        }
        all.sort();
        let mut h = 0xcbf2_9ce4_8422_2325;
        for (f, json) in &all {
            fnv(&mut h, f.to_string_lossy().as_bytes());
            fnv(&mut h, json);
        }
        eprintln!("{} files, summaries digest {h:016x}", all.len());
        return;
    }
    let iterations: usize = args.next().map_or(3, |a| a.parse().expect("iterations"));
    let dir = PathBuf::from(args.next().unwrap_or_else(|| "target/fp-phases".into()));
    let lines: usize = args.next().map_or(300_000, |a| a.parse().expect("lines"));
    let spec = kdvc_benches::Spec::nodes(2_000, 100).with_python_lines(lines);
    let root = if dir.join("pyproject.toml").exists() {
        dir
    } else {
        kdvc_benches::generate(&dir, &spec).expect("generate").root
    };
    let src = FsSource::new(&root);
    let files: Vec<Vec<u8>> = src
        .python_files(Path::new("src"))
        .expect("list")
        .into_iter()
        .map(|f| src.read(&f).expect("read").expect("exists"))
        .collect();
    let (one, two) = (pool(1), pool(2));
    let engine =
        Engine::new(ProjectSources::kedro(&root, "src", &spec.package)).with_cache_dir(None);
    let idx = one.install(|| engine.summarize(&src).expect("index"));
    let entries = kdvc_benches::node_entry_points(&idx);
    drop(idx);
    if mode == "digest" {
        for (p, full) in [(&one, false), (&two, false), (&one, true)] {
            let set = if full {
                // A full index (every symbol resolved), not only what the entries reach.
                p.install(|| {
                    engine
                        .summarize(&src)
                        .expect("index")
                        .fingerprint_all(&entries)
                })
            } else {
                p.install(|| engine.fingerprint_entries(&src, &entries).expect("fp"))
            };
            let json = serde_json::to_vec(&(&set.nodes, &set.warnings, &set.record)).expect("json");
            let mut h = 0xcbf2_9ce4_8422_2325;
            fnv(&mut h, &json);
            eprintln!(
                "fingerprints digest {h:016x} ({} nodes, {} warnings, {} symbols in the record)",
                set.nodes.len(),
                set.warnings.len(),
                set.record.as_ref().map_or(0, |r| r.symbols.len())
            );
        }
        return;
    }
    for _ in 0..iterations {
        let t = Instant::now();
        let parsed = files.iter().filter(|f| parses_cleanly(f)).count();
        let parse = t.elapsed();
        let t = Instant::now();
        let bindings: usize = files.iter().map(|f| summarize(f).bindings.len()).sum();
        let summaries = t.elapsed();
        let mut cold = Vec::new();
        for p in [&one, &two] {
            let t = Instant::now();
            let set = p.install(|| engine.fingerprint_entries(&src, &entries).expect("fp"));
            drop(set);
            cold.push(t.elapsed());
        }
        eprintln!(
            "parse {parse:.3?} ({parsed} files) | summaries {summaries:.3?} ({bindings} bindings) | cold 1t {:.3?} ({:.2}x parse), 2t {:.3?} ({:.2}x faster)",
            cold[0],
            cold[0].as_secs_f64() / parse.as_secs_f64(),
            cold[1],
            cold[0].as_secs_f64() / cold[1].as_secs_f64(),
        );
    }
}
