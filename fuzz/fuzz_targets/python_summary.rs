//! Fuzz target `python_summary`: the body is `kdvc_fingerprint::fuzz::python_summary`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| kdvc_fingerprint::fuzz::python_summary(data));
