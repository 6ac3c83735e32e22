//! Every pipeline fixture runs end to end with `kedro run` (on a copy), so later issues can rely on them.

use std::path::Path;

fn files_under(dir: &Path) -> usize {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file() && e.file_name() != ".gitkeep")
        .count()
}

fn run(fixture: &str) {
    let copy = kdvc_test_support::fixture_copy(fixture);
    let raw = files_under(&copy.root.join("data"));
    kdvc_test_support::run_tool("kedro", &copy.root, ["run"]);
    assert!(
        files_under(&copy.root.join("data")) > raw,
        "`kedro run` on {fixture} wrote no dataset"
    );
}

#[test]
fn findpipes_runs() {
    run("pipe-findpipes");
}

#[test]
fn modular_loop_runs() {
    run("pipe-modular-loop");
}

#[test]
fn helpers_runs() {
    run("pipe-helpers");
}

#[test]
fn transcode_runs() {
    run("pipe-transcode");
}

#[test]
fn single_module_runs() {
    run("pipe-single-module");
}

#[test]
fn kedro019_runs_with_the_modular_pipeline_shim() {
    // Kedro 1.7 refuses kedro_init_version 0.19 and has no `kedro.pipeline.modular_pipeline`; run the copy as
    // a 1.7 project with that module shimmed.
    let copy = kdvc_test_support::fixture_copy("pipe-kedro019");
    let path = copy.root.join("pyproject.toml");
    let text = std::fs::read_to_string(&path)
        .unwrap()
        .replace("0.19.14", "1.7.0");
    std::fs::write(&path, text).unwrap();
    let code = format!(
        "import sys, types\nimport kedro.pipeline\nm = types.ModuleType('kedro.pipeline.modular_pipeline')\n\
         m.pipeline = lambda pipe, **kw: kedro.pipeline.Pipeline(pipe, **kw)\n\
         sys.modules['kedro.pipeline.modular_pipeline'] = m\n\
         from kedro.framework.startup import bootstrap_project\nfrom kedro.framework.session import KedroSession\n\
         bootstrap_project({root:?})\nwith KedroSession.create(project_path={root:?}) as s:\n    s.run()\nprint('{{}}')\n",
        root = copy.root.display().to_string()
    );
    kdvc_test_support::python_json(&copy.root, &code);
    assert!(
        copy.root
            .join("data/07_model_output/retail_scores.csv")
            .is_file()
    );
    assert!(
        copy.root
            .join("data/07_model_output/business_scores.csv")
            .is_file()
    );
}

#[test]
fn readme_example_runs() {
    run(kdvc_test_support::workspace_root()
        .join("examples/spaceflights")
        .to_str()
        .expect("utf-8 path"));
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
