//! Parameters without the catalog, and a catalog that leaves aside what no location depends on: missing
//! credentials, `${oc.env:...}` of an unset variable, `${runtime_params:...}` without a default
//! (fixtures/cfg-params-independent, whose catalog Kedro cannot create without `--params max_rows=...`
//! and `SENSOR_STORE_TOKEN`).

use kdvc_test_support::{fixture_copy, git};
use serde_json::{Value, json};

use crate::{kdvc, run};

const FIXTURE: &str = "cfg-params-independent";

#[test]
fn params_are_read_without_the_catalog() {
    let copy = fixture_copy(FIXTURE);
    for env in [None, Some("archive")] {
        let mut cmd = kdvc(&copy.root);
        cmd.env_remove("SENSOR_STORE_TOKEN")
            .args(["params", "--json"]);
        if let Some(env) = env {
            cmd.args(["--env", env]);
        }
        let r = run(&mut cmd);
        assert_eq!(r.code, 0, "{env:?}: {}", r.stderr);
        // Nothing of the catalog is read, so nothing of it is reported.
        assert_eq!(r.stderr, "", "{env:?}");
        let params: Value = serde_json::from_str(&r.stdout).unwrap();
        assert_eq!(
            params,
            json!({"calibration": {"clip": [-40.0, 85.0], "smoothing_window": 3, "batch": "all"},
                   "reporting": {"precision": 2}}),
            "{env:?}"
        );
    }
    let r = run(kdvc(&copy.root).args(["params", "--params", "batch=w07"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout
            .contains("calibration.batch = \"w07\"    # conf/base/parameters.yml:5"),
        "{}",
        r.stdout
    );
}

#[test]
fn translate_plans_stages_without_credential_values_or_runtime_params_without_defaults() {
    let copy = fixture_copy(FIXTURE);
    git(&copy.root, &["init", "-q", "-b", "main"]);
    let r = run(kdvc(&copy.root)
        .env_remove("SENSOR_STORE_TOKEN")
        .arg("translate"));
    assert_eq!(r.code, 0, "{}", r.stderr);
    // One located warning each, naming what `kedro run` still needs.
    for (at, needs) in [
        ("conf/base/credentials.yml:3:3", "set SENSOR_STORE_TOKEN"),
        ("conf/base/catalog.yml:9:5", "pass --params max_rows=VALUE"),
    ] {
        assert_eq!(r.stderr.matches(at).count(), 1, "{at}:\n{}", r.stderr);
        assert!(r.stderr.contains(needs), "{needs}:\n{}", r.stderr);
    }
    assert_eq!(r.stderr.matches("warning:").count(), 2, "{}", r.stderr);
    let dvc_yaml = std::fs::read_to_string(copy.root.join("dvc.yaml")).unwrap();
    // The runtime parameter's default names the file.
    assert!(
        dvc_yaml.contains("data/02_intermediate/calibrated_all.csv"),
        "{dvc_yaml}"
    );
    assert!(copy.root.join("data/01_raw/readings.csv.dvc").is_file());

    // With the runtime parameter given, the stage writes the batch's file; nothing is left aside.
    let r = run(kdvc(&copy.root).env("SENSOR_STORE_TOKEN", "t0k3n").args([
        "catalog",
        "--params",
        "max_rows=6,batch=w07",
    ]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stderr, "");
    assert!(
        r.stdout.contains("data/02_intermediate/calibrated_w07.csv"),
        "{}",
        r.stdout
    );
}

#[test]
fn a_location_that_depends_on_a_runtime_param_not_given_is_a_located_error() {
    let copy = fixture_copy(FIXTURE);
    git(&copy.root, &["init", "-q", "-b", "main"]);
    let catalog = copy.root.join("conf/base/catalog.yml");
    let text = std::fs::read_to_string(&catalog).unwrap();
    std::fs::write(
        &catalog,
        text.replace("${runtime_params:batch, all}", "${runtime_params:batch}"),
    )
    .unwrap();
    let r = run(kdvc(&copy.root).arg("translate"));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("conf/base/catalog.yml:18:"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("the `filepath` of dataset 'calibrated' depends on it"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("pass --params batch=VALUE"),
        "{}",
        r.stderr
    );
    assert!(!copy.root.join("dvc.yaml").exists());
    // Given, it plans.
    let r = run(kdvc(&copy.root).args(["catalog", "--params", "batch=w07"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    // The parameters never depended on it.
    let r = run(kdvc(&copy.root).arg("params"));
    assert_eq!(r.code, 0, "{}", r.stderr);
}

#[test]
fn missing_credentials_warn_in_the_catalog_and_stop_translate() {
    let copy = fixture_copy(FIXTURE);
    git(&copy.root, &["init", "-q", "-b", "main"]);
    let r = run(kdvc(&copy.root).env("SENSOR_STORE_TOKEN", "t0k3n").args([
        "catalog",
        "--env",
        "archive",
        "--params",
        "max_rows=6",
    ]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stderr.matches("warning:").count(), 1, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("unable to find credentials 'archive_mount'")
            && r.stderr.contains("conf/archive/catalog.yml:6:3"),
        "{}",
        r.stderr
    );
    // Every stage runs `kedro run`, which creates the whole catalog: translate refuses, at the name.
    let r = run(kdvc(&copy.root).env("SENSOR_STORE_TOKEN", "t0k3n").args([
        "translate",
        "--env",
        "archive",
    ]));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("error: unable to find credentials 'archive_mount'")
            && r.stderr.contains("conf/archive/catalog.yml:6:3"),
        "{}",
        r.stderr
    );
    assert!(!copy.root.join("dvc.yaml").exists());
}
