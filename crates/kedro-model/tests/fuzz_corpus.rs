//! Replays every saved input of the `kedro_config` fuzz target (`fuzz/corpus/kedro_config/`, plus crashes fixed
//! since, `fuzz/regressions/kedro_config/`) through the target's body, as `cargo fuzz` runs it.

use std::path::Path;
use std::time::{Duration, Instant};

#[test]
fn every_saved_input_runs_quickly_without_panicking() {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz");
    let mut count = 0;
    for dir in ["corpus/kedro_config", "regressions/kedro_config"] {
        let Ok(entries) = std::fs::read_dir(fuzz.join(dir)) else {
            continue;
        };
        let mut paths: Vec<_> = entries.map(|e| e.unwrap().path()).collect();
        paths.sort();
        for path in paths {
            let data = std::fs::read(&path).unwrap();
            let start = Instant::now();
            kdvc_kedro_model::fuzz::kedro_config(&data);
            // A generous guard for a shared machine; `cargo fuzz` runs with -timeout=2.
            assert!(
                start.elapsed() < Duration::from_secs(5),
                "{}",
                path.display()
            );
            count += 1;
        }
    }
    assert!(count > 0, "no saved inputs for kedro_config");
}
