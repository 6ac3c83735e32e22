//! Replays every saved input of the `python_summary` fuzz target (`fuzz/corpus/python_summary/`, plus crashes fixed since,
//! `fuzz/regressions/python_summary/`) through the target's body, as `cargo fuzz` runs it.

#[test]
fn every_saved_input_runs_quickly_without_panicking() {
    kdvc_test_support::replay_fuzz_corpus("python_summary", kdvc_fingerprint::fuzz::python_summary);
}
