//! Fuzz target `settings`: the body is `kdvc_kedro_model::fuzz::settings`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| kdvc_kedro_model::fuzz::settings(data));
