//! Fuzz target `kdvc_config`: the body is `kdvc_translate::fuzz::kdvc_config`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| kdvc_translate::fuzz::kdvc_config(data));
