//! Runs the pipelines bench's extraction a given number of times (for `time` and profilers).
//!
//! `cargo run --release -p kdvc-benches --example extract_pipelines -- [ITERATIONS] [PROJECT_DIR]`

#![allow(clippy::print_stderr)] // A timing tool: its report is its output.

use kdvc_pipeline::{ProjectLayout, extract_pipelines};

fn main() {
    let mut args = std::env::args().skip(1);
    let iterations: usize = args.next().map_or(1, |a| a.parse().expect("iterations"));
    let dir = args.next().map(std::path::PathBuf::from);
    let spec = kdvc_benches::Spec::nodes(2_000, 100);
    let tmp = tempfile::tempdir().expect("temp dir");
    let root = match dir {
        Some(d) if d.join("pyproject.toml").exists() => d,
        Some(d) => kdvc_benches::generate(&d, &spec).expect("generate").root,
        None => {
            kdvc_benches::generate(tmp.path(), &spec)
                .expect("generate")
                .root
        }
    };
    let layout = ProjectLayout {
        root,
        package_name: spec.package.clone(),
        source_dir: "src".into(),
        kedro_init_version: "1.7.0".into(),
    };
    let mut times = Vec::new();
    for _ in 0..iterations {
        let t = std::time::Instant::now();
        let registry = extract_pipelines(&layout)
            .expect("extraction runs")
            .into_result()
            .unwrap_or_else(|d| panic!("diagnostics: {d:?}"));
        times.push(t.elapsed());
        if let Ok(out) = std::env::var("KDVC_DUMP") {
            let json = serde_json::to_string_pretty(&registry).expect("json");
            std::fs::write(out, json).expect("write dump");
        }
        assert_eq!(
            registry.get("__default__").map(|p| p.len()),
            Some(spec.total_nodes())
        );
    }
    times.sort();
    eprintln!(
        "{iterations} extraction(s): min {:?}, median {:?}",
        times[0],
        times[times.len() / 2]
    );
}
