//! Every error of the config model names the file, line and column and says what to do. Snapshots of the
//! messages, plus property tests that the YAML reader and the loader never panic.

use std::path::Path;

use kdvc_kedro_model::config::parse_runtime_params;
use kdvc_kedro_model::{KedroConfig, LoadOptions, Project};
use proptest::prelude::*;

/// A minimal Kedro project in a temp dir with the given extra files.
fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let mut all = vec![
        (
            "pyproject.toml",
            "[tool.kedro]\npackage_name = \"p\"\nproject_name = \"P\"\nkedro_init_version = \"1.7.0\"\n",
        ),
        ("src/p/__init__.py", ""),
        ("conf/local/.gitkeep", ""),
    ];
    all.extend_from_slice(files);
    kdvc_test_support::write_files(tmp.path(), &all);
    tmp
}

fn load_err(files: &[(&str, &str)], options: LoadOptions) -> String {
    let tmp = project(files);
    let p = Project::load(tmp.path()).unwrap();
    let options = LoadOptions {
        environ: Some(Default::default()),
        ..options
    };
    KedroConfig::load(&p, &options).unwrap_err().to_string()
}

#[test]
fn malformed_yaml() {
    insta::assert_snapshot!(load_err(
        &[(
            "conf/base/catalog.yml",
            "a:\n  type: pandas.CSVDataset\n  filepath: [x.csv\n"
        )],
        LoadOptions::default()
    ));
}

#[test]
fn duplicate_key_in_a_file() {
    insta::assert_snapshot!(load_err(
        &[("conf/base/parameters.yml", "alpha: 1\nbeta: 2\nalpha: 3\n")],
        LoadOptions::default()
    ));
}

#[test]
fn duplicate_key_across_files() {
    insta::assert_snapshot!(load_err(
        &[
            ("conf/base/catalog.yml", "a:\n  type: MemoryDataset\n"),
            (
                "conf/base/catalog_more.yml",
                "b:\n  type: MemoryDataset\na:\n  type: MemoryDataset\n"
            ),
        ],
        LoadOptions::default()
    ));
    insta::assert_snapshot!(load_err(
        &[
            ("conf/base/parameters.yml", "model:\n  a: 1\n  b: 2\n"),
            ("conf/base/parameters_x.yml", "model:\n  c: 3\n  b: 4\n"),
        ],
        LoadOptions::default()
    ));
}

#[test]
fn unknown_interpolation() {
    insta::assert_snapshot!(load_err(
        &[("conf/base/parameters.yml", "a: 1\nb:\n  c: ${a.nope}\n")],
        LoadOptions::default()
    ));
    insta::assert_snapshot!(load_err(
        &[(
            "conf/base/catalog.yml",
            "a:\n  type: MemoryDataset\n  x: ${oc.env:HOME}\n"
        )],
        LoadOptions::default()
    ));
    insta::assert_snapshot!(load_err(
        &[("conf/base/parameters.yml", "a: ${globals:missing}\n")],
        LoadOptions::default()
    ));
}

#[test]
fn circular_interpolation() {
    insta::assert_snapshot!(load_err(
        &[("conf/base/parameters.yml", "a: ${b}\nb: ${c}\nc: ${a}\n")],
        LoadOptions::default()
    ));
}

#[test]
fn missing_environment() {
    insta::assert_snapshot!(load_err(
        &[("conf/base/parameters.yml", "a: 1\n")],
        LoadOptions {
            env: Some("prod".into()),
            ..LoadOptions::default()
        }
    ));
}

#[test]
fn second_catch_all_pattern() {
    insta::assert_snapshot!(load_err(
        &[(
            "conf/base/catalog.yml",
            "\"{default}\":\n  type: MemoryDataset\n\"{name}\":\n  type: pickle.PickleDataset\n  filepath: \"{name}.pkl\"\n"
        )],
        LoadOptions::default()
    ));
}

#[test]
fn pattern_placeholder_and_entry_shape() {
    insta::assert_snapshot!(load_err(
        &[(
            "conf/base/catalog.yml",
            "\"{ns}.x\":\n  type: pickle.PickleDataset\n  filepath: \"{name}.pkl\"\n"
        )],
        LoadOptions::default()
    ));
    insta::assert_snapshot!(load_err(
        &[("conf/base/catalog.yml", "a: 1\n")],
        LoadOptions::default()
    ));
}

#[test]
fn bad_runtime_params() {
    insta::assert_snapshot!(parse_runtime_params("a=1,b").unwrap_err().to_string());
}

#[test]
fn non_kedro_directory() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("pyproject.toml"),
        "[project]\nname = \"x\"\n",
    )
    .unwrap();
    let err = Project::load(tmp.path()).unwrap_err().to_string();
    insta::assert_snapshot!(err.replace(&tmp.path().display().to_string(), "<dir>"));
}

#[test]
fn bad_pyproject() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("pyproject.toml"),
        "[tool.kedro]\npackage_name = \"p\"\n",
    )
    .unwrap();
    insta::assert_snapshot!(Project::load(tmp.path()).unwrap_err().to_string());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn yaml_reader_never_panics(text in "[a-z:{}\\[\\],&*<>!|'\"#~ \\n.0-9$_-]{0,120}") {
        let _ = kdvc_kedro_model::yaml::parse(&text, Path::new("f.yml"));
    }

    #[test]
    fn runtime_params_never_panic(text in "[a-z=,.:{}\\[\\]'\" 0-9$_-]{0,60}") {
        let _ = parse_runtime_params(&text);
    }

    #[test]
    fn loader_never_panics(params in "[a-z$:{}.\\[\\] 0-9_-]{0,40}", catalog in "[a-z:{}\\n $._&*<-]{0,80}") {
        let tmp = project(&[
            ("conf/base/parameters.yml", &format!("p: \"{}\"\nq: 1\n", params.replace('"', ""))),
            ("conf/base/catalog.yml", &catalog),
        ]);
        let p = Project::load(tmp.path()).unwrap();
        let _ = KedroConfig::load(&p, &LoadOptions { environ: Some(Default::default()), ..LoadOptions::default() });
    }
}
