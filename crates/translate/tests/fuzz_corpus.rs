//! Replays every saved input of the `kdvc_config` fuzz target (`fuzz/corpus/kdvc_config/`, plus crashes fixed
//! since, `fuzz/regressions/kdvc_config/`) through the target's body, as `cargo fuzz` runs it.

#[test]
fn every_saved_input_runs_quickly_without_panicking() {
    kdvc_test_support::replay_fuzz_corpus("kdvc_config", kdvc_translate::fuzz::kdvc_config);
}
