//! Replays every saved input of the `yaml` fuzz target (`fuzz/corpus/yaml/`, plus crashes fixed
//! since, `fuzz/regressions/yaml/`) through the target's body, as `cargo fuzz` runs it.

#[test]
fn every_saved_input_runs_quickly_without_panicking() {
    kdvc_test_support::replay_fuzz_corpus("yaml", kdvc_yaml::fuzz::yaml);
}
