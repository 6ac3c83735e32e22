//! Replays every saved input of the `kedro_config` fuzz target (`fuzz/corpus/kedro_config/`, plus crashes fixed
//! since, `fuzz/regressions/kedro_config/`) through the target's body, as `cargo fuzz` runs it.

#[test]
fn every_saved_input_runs_quickly_without_panicking() {
    kdvc_test_support::replay_fuzz_corpus("kedro_config", kdvc_kedro_model::fuzz::kedro_config);
}

#[test]
fn every_saved_settings_input_runs_quickly_without_panicking() {
    kdvc_test_support::replay_fuzz_corpus("settings", kdvc_kedro_model::fuzz::settings);
}
