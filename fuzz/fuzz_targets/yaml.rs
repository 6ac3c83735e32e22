//! Fuzz target `yaml`: the body is `kdvc_yaml::fuzz::yaml`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| kdvc_yaml::fuzz::yaml(data));
