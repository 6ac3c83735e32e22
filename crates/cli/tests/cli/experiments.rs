//! `kdvc exp run -S` over Kedro parameters, with real DVC experiments.

use kdvc_test_support::{fixture_copy, git, git_dvc_init, run_ok, stages_ran};
use serde_json::Value;

use crate::{kdvc, run, tool_with_kdvc};

/// Finds an experiment by name in `dvc exp show --json` output.
fn experiment<'a>(show: &'a Value, name: &str) -> &'a Value {
    show.as_array()
        .unwrap()
        .iter()
        .flat_map(|row| row["experiments"].as_array().into_iter().flatten())
        .find(|e| e["name"] == name)
        .and_then(|e| e["revs"].as_array().and_then(|r| r.first()))
        .unwrap_or_else(|| panic!("no experiment {name} in {show:#}"))
}

#[test]
fn two_experiments_over_a_kedro_parameter() {
    let copy = fixture_copy("exp-lab");
    let root = &copy.root;
    git_dvc_init(root);
    let r = run(kdvc(root).arg("translate"));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let out = run_ok(tool_with_kdvc("dvc").current_dir(root).arg("repro"));
    // Three node stages and kdvc's fingerprint stage.
    assert_eq!(
        stages_ran(&out.stdout),
        ["evaluate", "fit_spend", "kdvc-fingerprint", "select_recent"]
    );
    git(root, &["add", "-A"]);
    git(root, &["commit", "-q", "-m", "translated"]);
    let params_before = std::fs::read_to_string(root.join("conf/base/parameters.yml")).unwrap();

    for (value, name) in [("0.3", "shrink-03"), ("0.6", "shrink-06")] {
        let r = run(kdvc(root).args([
            "exp",
            "run",
            "-S",
            &format!("model.shrinkage={value}"),
            "--",
            "-n",
            name,
        ]));
        assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
        // Only the stages that read params:model (and what depends on them) reran, besides kdvc's
        // always-changed fingerprint stage. select_recent reads a date parameter from the same file.
        assert_eq!(
            stages_ran(r.stdout.as_bytes()),
            ["evaluate", "fit_spend", "kdvc-fingerprint"],
            "{}",
            r.stdout
        );
        let params = std::fs::read_to_string(root.join("conf/base/parameters.yml")).unwrap();
        // Only the value changed: comments, the date and the globals interpolation are kept.
        assert_eq!(
            params,
            params_before.replace("shrinkage: 0.1", &format!("shrinkage: {value}"))
        );
    }

    let out = run_ok(
        tool_with_kdvc("dvc")
            .current_dir(root)
            .args(["exp", "show", "--json"]),
    );
    let show: Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut maes = Vec::new();
    for (value, name) in [(0.3, "shrink-03"), (0.6, "shrink-06")] {
        let data = &experiment(&show, name)["data"];
        let params = &data["params"]["conf/base/parameters.yml"]["data"];
        assert_eq!(params["model"]["shrinkage"], value, "{data:#}");
        let mae = &data["metrics"]["data/09_tracking/metrics.json"]["data"]["mae"];
        assert!(mae.is_number(), "{data:#}");
        maes.push(mae.as_f64().unwrap());
    }
    assert_ne!(maes[0], maes[1], "different shrinkage, different error");
}

#[test]
fn an_unknown_parameter_is_an_error_and_nothing_is_written() {
    let copy = fixture_copy("exp-lab");
    let root = &copy.root;
    let before = std::fs::read_to_string(root.join("conf/base/parameters.yml")).unwrap();
    let r = run(kdvc(root).args([
        "exp",
        "run",
        "-S",
        "model.shrinkage=0.2",
        "-S",
        "model.nope=1",
    ]));
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("model.nope"), "{}", r.stderr);
    assert_eq!(
        std::fs::read_to_string(root.join("conf/base/parameters.yml")).unwrap(),
        before
    );
}
