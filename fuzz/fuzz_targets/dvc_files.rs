//! Fuzz target `dvc_files`: the body is `kdvc_dvc_model::fuzz::dvc_files`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| kdvc_dvc_model::fuzz::dvc_files(data));
