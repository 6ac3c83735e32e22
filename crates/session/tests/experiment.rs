//! `kdvc exp run -S`: values are read as YAML, and the parameter files are put back when DVC fails.

use kdvc_session::{Error, Options, Session};
use kdvc_test_support::fixture_copy;

#[test]
fn a_malformed_value_is_refused_before_anything_is_written() {
    let copy = fixture_copy("exp-lab");
    let file = copy.root.join("conf/base/parameters.yml");
    let before = std::fs::read_to_string(&file).unwrap();
    let session = Session::open(&copy.root, Options::default()).unwrap();
    let mut edits = session.param_edits().unwrap();
    let err = edits.set("model.shrinkage=[1, 2").unwrap_err();
    assert!(err.to_string().contains("not valid YAML"), "{err}");
    assert!(edits.changes().is_empty());
    assert_eq!(std::fs::read_to_string(&file).unwrap(), before);
}

#[test]
fn a_failed_dvc_exp_run_puts_the_files_back() {
    let copy = fixture_copy("exp-lab");
    let file = copy.root.join("conf/base/parameters.yml");
    let before = std::fs::read_to_string(&file).unwrap();
    let session = Session::open(&copy.root, Options::default()).unwrap();
    let mut edits = session.param_edits().unwrap();
    edits.set("model.shrinkage=0.3").unwrap();
    // DVC refuses the unknown option and exits with an error.
    let err = edits
        .run_experiment_with(
            kdvc_test_support::venv_bin("dvc"),
            &["--no-such-option".to_string()],
        )
        .unwrap_err();
    assert!(matches!(err, Error::DvcFailed { .. }), "{err:?}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), before);
}

#[test]
fn a_sweep_plans_one_named_run_per_combination_and_writes_nothing() {
    let copy = fixture_copy("exp-lab");
    let file = copy.root.join("conf/base/parameters.yml");
    let before = std::fs::read_to_string(&file).unwrap();
    let session = Session::open(&copy.root, Options::default()).unwrap();
    let set = ["model.shrinkage=0.1,0.2,0.3".to_string()];
    let runs = session.planned_runs(&set, Some("sweep")).unwrap();
    let names: Vec<Option<&str>> = runs.iter().map(|r| r.name.as_deref()).collect();
    assert_eq!(names, [Some("sweep-1"), Some("sweep-2"), Some("sweep-3")]);
    for (run, value) in runs.iter().zip(["0.1", "0.2", "0.3"]) {
        assert_eq!(run.settings, [format!("model.shrinkage={value}")]);
        assert_eq!(run.changes.len(), 1);
        assert_eq!(run.changes[0].value, value);
        let text = &run.files["conf/base/parameters.yml"];
        assert!(text.contains(&format!("shrinkage: {value}")), "{text}");
    }
    assert_eq!(std::fs::read_to_string(&file).unwrap(), before);
    // One setting: one run under the name as given; none: the work tree as it is.
    let one = session
        .planned_runs(&["model.shrinkage=0.5".to_string()], Some("one"))
        .unwrap();
    assert_eq!(one.len(), 1);
    assert_eq!(one[0].name.as_deref(), Some("one"));
    let plain = session.planned_runs(&[], None).unwrap();
    assert_eq!(plain, [kdvc_session::PlannedRun::unchanged(None)]);
}
