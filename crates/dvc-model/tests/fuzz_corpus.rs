//! Replays every saved input of the `dvc_files` fuzz target (`fuzz/corpus/dvc_files/`, plus crashes fixed
//! since, `fuzz/regressions/dvc_files/`) through the target's body, as `cargo fuzz` runs it.

#[test]
fn every_saved_input_runs_quickly_without_panicking() {
    kdvc_test_support::replay_fuzz_corpus("dvc_files", kdvc_dvc_model::fuzz::dvc_files);
}
