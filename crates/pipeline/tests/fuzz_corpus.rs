//! Replays every saved input of the `pipeline` fuzz target (`fuzz/corpus/pipeline/`, plus crashes fixed since,
//! `fuzz/regressions/pipeline/`) through the target's body, as `cargo fuzz` runs it.

#[test]
fn every_saved_input_runs_quickly_without_panicking() {
    kdvc_test_support::replay_fuzz_corpus("pipeline", kdvc_pipeline::fuzz::pipeline);
}
