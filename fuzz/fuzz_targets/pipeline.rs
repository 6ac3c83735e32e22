//! Fuzz target `pipeline`: the body is `kdvc_pipeline::fuzz::pipeline`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| kdvc_pipeline::fuzz::pipeline(data));
