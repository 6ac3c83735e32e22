//! Every pipeline fixture runs end to end with `kedro run` (on a copy), so that other tests can rely on them.
//! The runs are the shared reference runs of `kdvc_test_support::kedro_run_outputs`, which fails when
//! `kedro run` fails or writes no dataset.

use kdvc_test_support::kedro_run_outputs;

fn run(fixture: &str) {
    kedro_run_outputs(fixture);
}

kdvc_test_support::fixture_tests!(run;
    findpipes_runs => "pipe-findpipes",
    modular_loop_runs => "pipe-modular-loop",
    helpers_runs => "pipe-helpers",
    transcode_runs => "pipe-transcode",
    single_module_runs => "pipe-single-module",
    readme_example_runs => "examples/spaceflights",
);

#[test]
fn kedro019_runs_with_the_modular_pipeline_shim() {
    // Kedro 1.7 refuses kedro_init_version 0.19 and has no `kedro.pipeline.modular_pipeline`; the copy runs
    // as a 1.7 project with that module shimmed.
    let outputs = kedro_run_outputs("pipe-kedro019");
    assert!(outputs.contains_key("data/07_model_output/retail_scores.csv"));
    assert!(outputs.contains_key("data/07_model_output/business_scores.csv"));
}

#[test]
fn yaml_steps_runs() {
    run("pipe-yaml-steps");
}

#[test]
fn decorated_runs() {
    run("pipe-decorated");
}

#[test]
fn llm_context_runs() {
    run("pipe-llm-context");
}
