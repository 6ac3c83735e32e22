//! Custom resolvers of `settings.py` (fixtures/cfg-custom-resolvers): evaluated where kdvc can read them,
//! a located refusal naming the resolver where they run code kdvc does not evaluate.

use kdvc_test_support::{fixture_copy, git};

use crate::{kdvc, run};

const FIXTURE: &str = "cfg-custom-resolvers";

#[test]
fn resolvers_of_settings_compute_parameters_and_locations() {
    let copy = fixture_copy(FIXTURE);
    git(&copy.root, &["init", "-q", "-b", "main"]);
    let r = run(kdvc(&copy.root).args(["params", "--json"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let params: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(
        params["training"],
        serde_json::json!({"epochs": 16, "batch_size": 128, "learning_rate": 0.005,
            "optimizer": {"name": "adam", "beta1": 0.95, "beta2": 0.999}, "run_name": "run-16"})
    );
    let r = run(kdvc(&copy.root)
        .env("REPORT_DIR", "reports/latest")
        .arg("translate"));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let dvc_yaml = std::fs::read_to_string(copy.root.join("dvc.yaml")).unwrap();
    // `${versioned:measurements,3}` and the registered `oc.env`.
    assert!(
        dvc_yaml.contains("data/01_raw/measurements_v3.csv")
            && dvc_yaml.contains("reports/latest/training_summary.json"),
        "{dvc_yaml}"
    );
}

#[test]
fn a_resolver_that_runs_numpy_is_refused_where_it_is_used() {
    let copy = fixture_copy(FIXTURE);
    let r = run(kdvc(&copy.root).args(["params", "--env", "numeric"]));
    assert_eq!(r.code, 2, "{}", r.stderr);
    for needle in [
        "unsupported interpolation type 'np_pow'",
        "conf/numeric/parameters_numeric.yml:3:10",
        "custom resolver 'np_pow' (src/resolver_lab/settings.py:25:19)",
        "`np.power` is `numpy.power`",
    ] {
        assert!(r.stderr.contains(needle), "{needle}:\n{}", r.stderr);
    }
}
