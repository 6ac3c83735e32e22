//! Replays every saved input of the `dvc_files` fuzz target (`fuzz/corpus/dvc_files/`, plus crashes fixed
//! since, `fuzz/regressions/dvc_files/`) through the target's body, as `cargo fuzz` runs it.

use std::path::Path;
use std::time::{Duration, Instant};

#[test]
fn every_saved_input_runs_quickly_without_panicking() {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz");
    let mut count = 0;
    for dir in ["corpus/dvc_files", "regressions/dvc_files"] {
        let Ok(entries) = std::fs::read_dir(fuzz.join(dir)) else {
            continue;
        };
        let mut paths: Vec<_> = entries.map(|e| e.unwrap().path()).collect();
        paths.sort();
        for path in paths {
            let data = std::fs::read(&path).unwrap();
            let start = Instant::now();
            kdvc_dvc_model::fuzz::dvc_files(&data);
            // A generous guard for a shared machine; `cargo fuzz` runs with -timeout=2.
            assert!(
                start.elapsed() < Duration::from_secs(5),
                "{}",
                path.display()
            );
            count += 1;
        }
    }
    assert!(count > 0, "no saved inputs for dvc_files");
}
