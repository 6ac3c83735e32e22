//! Fuzz target `kedro_config`: the body is `kdvc_kedro_model::fuzz::kedro_config`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| kdvc_kedro_model::fuzz::kedro_config(data));
