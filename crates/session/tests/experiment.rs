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
