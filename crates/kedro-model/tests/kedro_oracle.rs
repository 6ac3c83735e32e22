//! Differential tests: kdvc's config model against real Kedro 1.7.0.
//!
//! Every Kedro project under `fixtures/` and `examples/` is loaded by kdvc and by Kedro (tests/kedro_dump.py)
//! in its default environment and in every other environment of its conf directory; an environment Kedro
//! cannot load must fail in kdvc too. For each run the test compares `config_loader["catalog"]`,
//! `config_loader["parameters"]`, `context.params`, the pattern ranking, and, for every dataset name the
//! catalog declares, the project's pipelines use and the parameters define: `name in catalog`, the resolved
//! pattern config, the type class, whether it is a `MemoryDataset`, and parameter values. The named tests
//! below add `--params`, `KEDRO_ENV` and names no pipeline uses. Kedro runs once per project, all
//! environments in one process, each project in a test of its own.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use kdvc_kedro_model::catalog::{Resolution, resolve_type};
use kdvc_kedro_model::value::Value as CfgValue;
use kdvc_kedro_model::{KedroConfig, LoadOptions, Project};
use serde_json::{Value, json};

/// One configuration to load: `--env`, `KEDRO_ENV`, `--params` and names to resolve beyond the catalog's
/// and the pipelines'.
#[derive(Debug, Clone, Default)]
struct Run {
    env: String,
    kedro_env: String,
    params: String,
    /// Environment variables set for this run only (`oc.env`).
    environ: Vec<(String, String)>,
    extra_names: Vec<String>,
    /// A custom resolver kdvc refuses by design (it runs code kdvc does not evaluate): Kedro loads the run,
    /// kdvc must fail naming it.
    refused: Option<String>,
    /// `Some(true)`: Kedro must load it (catalog included); `Some(false)`: Kedro must fail; `None` (an environment directory
    /// of the sweep): either, as long as kdvc agrees.
    loads: Option<bool>,
}

impl Run {
    fn env(env: &str) -> Self {
        Self {
            env: env.into(),
            loads: Some(true),
            ..Self::default()
        }
    }

    fn default_env() -> Self {
        Self::env("")
    }

    fn fails(mut self) -> Self {
        self.loads = Some(false);
        self
    }

    fn params(mut self, params: &str) -> Self {
        self.params = params.into();
        self
    }

    fn refused(mut self, resolver: &str) -> Self {
        self.refused = Some(resolver.into());
        self
    }

    fn environ(mut self, name: &str, value: &str) -> Self {
        self.environ.push((name.into(), value.into()));
        self
    }

    fn kedro_env(mut self, env: &str) -> Self {
        self.kedro_env = env.into();
        self
    }

    fn names(mut self, names: &[&str]) -> Self {
        self.extra_names = names.iter().map(|s| s.to_string()).collect();
        self
    }

    fn options(&self) -> LoadOptions {
        let mut environ = BTreeMap::new();
        if !self.kedro_env.is_empty() {
            environ.insert("KEDRO_ENV".to_string(), self.kedro_env.clone());
        }
        environ.extend(self.environ.iter().cloned());
        LoadOptions {
            env: (!self.env.is_empty()).then(|| self.env.clone()),
            runtime_params: (!self.params.is_empty()).then(|| self.params.clone()),
            environ: Some(environ),
        }
    }

    fn label(&self) -> String {
        format!(
            "env={:?} KEDRO_ENV={:?} params={:?} environ={:?}",
            self.env, self.kedro_env, self.params, self.environ
        )
    }
}

/// A project copy ready for Kedro: a 0.19 project is relabelled 1.7.0 (Kedro 1.7 refuses older
/// `kedro_init_version`s; the config rules did not change), and the dump script shims
/// `kedro.pipeline.modular_pipeline`.
fn project_copy(src: &Path) -> kdvc_test_support::FixtureCopy {
    let copy = kdvc_test_support::fixture_copy(src.to_str().expect("utf-8 path"));
    kdvc_test_support::relabel_as_kedro17(&copy.root);
    copy
}

/// Every type path kdvc may report for a name of this catalog: the explicit entries' and the patterns'
/// types, and `MemoryDataset`.
fn catalog_types(config: &KedroConfig) -> BTreeSet<String> {
    let mut types = BTreeSet::from(["kedro.io.MemoryDataset".to_string()]);
    let catalog = config.catalog();
    for name in catalog.explicit_names() {
        types.insert(catalog.resolve(name).type_name);
    }
    for p in catalog.patterns() {
        if let CfgValue::Map(m) = &p.config.value
            && let Some(t) = m.get("type")
            && let CfgValue::Str(t) = &t.value
        {
            types.insert(resolve_type(t, &mut Vec::new()));
        }
    }
    types
}

/// Kedro's view of all `runs` of one project, from tests/kedro_dump.py.
fn kedro_view(root: &Path, runs: &[(Run, Vec<String>)], types: &BTreeSet<String>) -> Value {
    let query = root.join("kdvc_query.json");
    let runs: Vec<Value> = runs
        .iter()
        .map(|(r, names)| {
            let environ: serde_json::Map<String, Value> = r
                .environ
                .iter()
                .map(|(k, v)| (k.clone(), json!(v)))
                .collect();
            json!({"env": r.env, "kedro_env": r.kedro_env, "params": r.params, "environ": environ,
                   "names": names})
        })
        .collect();
    std::fs::write(&query, json!({"runs": runs, "types": types}).to_string()).unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/kedro_dump.py");
    let out = kdvc_test_support::stdout_of(
        kdvc_test_support::tool("python")
            .current_dir(root)
            .env_remove("KEDRO_ENV")
            .arg(script)
            .arg(root)
            .arg(&query),
    );
    kdvc_test_support::last_json_line(&out, "kedro_dump.py")
}

fn mask_credentials(v: &mut Value) {
    if let Value::Object(m) = v {
        for (k, val) in m.iter_mut() {
            if k == "credentials" {
                *val = json!("<credentials>");
            } else {
                mask_credentials(val);
            }
        }
    }
}

/// The differences between kdvc's JSON (`mine`) and Kedro's, one line per path (map key order ignored).
fn json_diff(mine: &Value, theirs: &Value, path: &str, out: &mut Vec<String>) {
    match (mine, theirs) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, v) in a {
                match b.get(k) {
                    Some(w) => json_diff(v, w, &format!("{path}.{k}"), out),
                    None => out.push(format!("{path}.{k}: only kdvc has it: {v}")),
                }
            }
            for (k, w) in b {
                if !a.contains_key(k) {
                    out.push(format!("{path}.{k}: only Kedro has it: {w}"));
                }
            }
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
            for (i, (v, w)) in a.iter().zip(b).enumerate() {
                json_diff(v, w, &format!("{path}[{i}]"), out);
            }
        }
        // serde_json's default float parser may be one unit in the last place off (it lacks the
        // `float_roundtrip` feature), so floats are equal within that.
        (Value::Number(a), Value::Number(b))
            if a.is_f64()
                && b.is_f64()
                && (a.as_f64().unwrap() - b.as_f64().unwrap()).abs()
                    <= a.as_f64().unwrap().abs() * 4.0 * f64::EPSILON => {}
        _ if mine != theirs => out.push(format!("{path}: kdvc {mine} != Kedro {theirs}")),
        _ => {}
    }
}

/// Asserts that kdvc's JSON equals Kedro's, listing the differing paths.
fn assert_same(mine: &Value, theirs: &Value, what: &str) {
    let mut diffs = Vec::new();
    json_diff(mine, theirs, "", &mut diffs);
    assert!(
        diffs.is_empty(),
        "{what} differs:\n  {}",
        diffs.join("\n  ")
    );
}

const KEDRO_MEMORY: &str = "kedro.io.memory_dataset.MemoryDataset";

/// Loads `src` with kdvc and Kedro for every run and compares them. Returns the number of names compared.
#[expect(
    clippy::print_stderr,
    reason = "test diagnostics: which environments fail in both (seen with --nocapture)"
)]
fn check_project(src: &Path, runs: &[Run]) -> usize {
    let copy = project_copy(src);
    let root = copy.root.canonicalize().unwrap();
    let project = Project::discover(&root).unwrap_or_else(|e| panic!("{}: {e}", src.display()));
    let loaded: Vec<_> = runs
        .iter()
        .map(|r| KedroConfig::load(&project, &r.options()))
        .collect();
    let mut types = BTreeSet::new();
    let mut queries = Vec::new();
    for (run, config) in runs.iter().zip(&loaded) {
        let mut names: Vec<String> = run.extra_names.clone();
        names.push("parameters".into());
        if let Ok(config) = config {
            names.extend(
                config
                    .catalog()
                    .explicit_names()
                    .iter()
                    .map(|s| s.to_string()),
            );
            names.extend(config.parameters().dataset_names());
            types.extend(catalog_types(config));
        }
        queries.push((run.clone(), names));
    }
    let kedro = kedro_view(&root, &queries, &types);
    assert!(
        kedro["pipelines_error"].is_null(),
        "{}: Kedro could not load the pipelines: {}",
        src.display(),
        kedro["pipelines_error"]
    );
    let mut compared = 0;
    for ((run, config), view) in runs
        .iter()
        .zip(&loaded)
        .zip(kedro["runs"].as_array().unwrap())
    {
        let ctx = format!("{} {}", src.display(), run.label());
        let fails = view.get("error").or_else(|| view.get("catalog_error"));
        if let Some(loads) = run.loads {
            assert_eq!(
                fails.is_none(),
                loads,
                "{ctx}: expected Kedro to {} it: {}",
                if loads { "load" } else { "reject" },
                fails.unwrap_or(&Value::Null)
            );
        }
        let params = KedroConfig::load_parameters(&project, &run.options());
        if let Some(resolver) = &run.refused {
            assert!(fails.is_none(), "{ctx}: Kedro fails: {fails:?}");
            for (what, result) in [
                ("parameters", params.as_ref().err()),
                ("configuration", config.as_ref().err()),
            ] {
                match result {
                    Some(kdvc_kedro_model::Error::UnsupportedResolver { resolver: r, .. })
                        if r == resolver => {}
                    other => panic!("{ctx}: kdvc must refuse {resolver} in the {what}: {other:?}"),
                }
            }
            eprintln!("{ctx}: kdvc refuses the custom resolver {resolver}, as designed");
            continue;
        }
        // Parameters are read without the catalog, in Kedro and in kdvc.
        match (&params, view.get("error")) {
            (Err(_), Some(_)) => {}
            (Err(mine), None) => panic!("{ctx}: kdvc fails on parameters Kedro reads: {mine}"),
            (Ok(_), Some(theirs)) => {
                panic!("{ctx}: kdvc reads parameters where Kedro fails: {theirs}")
            }
            (Ok(params), None) => {
                let params = params.to_json();
                assert_same(
                    &params,
                    &view["parameters"],
                    &format!("{ctx}: config_loader[\"parameters\"] without the catalog"),
                );
                assert_same(&params, &view["params"], &format!("{ctx}: context.params"));
            }
        }
        match (config, fails) {
            (Err(mine), Some(theirs)) => {
                eprintln!("{ctx}: both fail\n  kedro: {theirs}\n  kdvc:  {mine}");
                continue;
            }
            (Err(mine), None) => panic!("{ctx}: kdvc fails where Kedro loads: {mine}"),
            // kdvc reads a catalog Kedro cannot create only by leaving aside what no location depends
            // on (missing credentials, a runtime parameter or environment variable not given), and
            // says so.
            (Ok(config), Some(theirs)) if view.get("catalog_error").is_some() => {
                assert!(
                    !config.deferred.is_empty(),
                    "{ctx}: kdvc loads the catalog without a word where Kedro fails: {theirs}"
                );
                eprintln!(
                    "{ctx}: Kedro cannot create the catalog ({theirs}); kdvc leaves aside: {:?}",
                    config.deferred
                );
            }
            (Ok(_), Some(theirs)) => panic!("{ctx}: kdvc loads where Kedro fails: {theirs}"),
            (Ok(config), None) => {
                assert!(
                    config.deferred.is_empty(),
                    "{ctx}: kdvc leaves aside what Kedro resolves: {:?}",
                    config.deferred
                );
                compared += compare_run(&ctx, config, view, &kedro["types"]);
            }
        }
    }
    compared
}

fn compare_run(ctx: &str, config: &KedroConfig, kedro: &Value, types: &Value) -> usize {
    assert_eq!(kedro["env"], json!(config.env()), "{ctx}: env");
    let mine_catalog = Value::Object(
        config
            .catalog_config()
            .iter()
            .map(|(k, v)| (k.clone(), v.to_json()))
            .collect(),
    );
    assert_same(
        &mine_catalog,
        &kedro["catalog_config"],
        &format!("{ctx}: config_loader[\"catalog\"]"),
    );
    let params = config.parameters().to_json();
    assert_same(
        &params,
        &kedro["parameters"],
        &format!("{ctx}: config_loader[\"parameters\"]"),
    );
    assert_same(&params, &kedro["params"], &format!("{ctx}: context.params"));

    let catalog = config.catalog();
    let mut patterns: Vec<String> = catalog
        .patterns()
        .iter()
        .map(|p| p.pattern.clone())
        .collect();
    if !patterns.iter().any(|p| p == "{default}") {
        patterns.push("{default}".into());
    }
    assert_eq!(json!(patterns), kedro["patterns"], "{ctx}: list_patterns");

    let resolved = kedro["resolved"].as_object().unwrap();
    for (name, k) in resolved {
        let info = catalog.resolve(name);
        if matches!(info.resolution, Resolution::Parameter) {
            // kdvc never matches `parameters`/`params:` names against patterns: they are the parameters'
            // (Kedro registers each one as an explicit MemoryDataset), or missing parameters, which Kedro
            // would hand to a pattern or the run-time default.
            let value = config.parameters().lookup(name);
            assert_eq!(
                value.is_some(),
                k["is_parameter"] == json!(true),
                "{ctx}: `{name}` is a parameter (kdvc {value:?})"
            );
            assert!(
                !catalog.contains(name),
                "{ctx}: kdvc matched the parameter name `{name}` against a pattern"
            );
            if let Some(value) = value {
                assert_same(&value, &k["value"], &format!("{ctx}: value of `{name}`"));
                assert_eq!(
                    k["get_type"],
                    json!(KEDRO_MEMORY),
                    "{ctx}: type of `{name}`"
                );
            }
            continue;
        }
        assert_eq!(
            k["is_parameter"],
            json!(false),
            "{ctx}: Kedro feeds `{name}` from the parameters"
        );
        let in_catalog = !matches!(info.resolution, Resolution::Default);
        assert_eq!(
            k["in_catalog"],
            json!(in_catalog),
            "{ctx}: `{name}` in catalog (kdvc: {:?})",
            info.resolution
        );
        let kedro_type = if in_catalog {
            k["get_type"].clone()
        } else {
            json!(KEDRO_MEMORY)
        };
        let is_memory = info.type_name == "kedro.io.MemoryDataset";
        assert_eq!(
            kedro_type == json!(KEDRO_MEMORY),
            is_memory,
            "{ctx}: `{name}` is a MemoryDataset (kdvc type {})",
            info.type_name
        );
        if is_memory {
            assert!(!info.persisted, "{ctx}: memory dataset `{name}` persists");
        }
        // Kedro cannot import some types here (pyspark is not installed; the legacy `DataSet` spelling
        // fails by design): only types Kedro resolves are compared.
        if !kedro_type.as_str().is_some_and(|t| t.starts_with("<error")) {
            let mine = types.get(&info.type_name).unwrap_or_else(|| {
                panic!(
                    "{ctx}: kdvc type {} of `{name}` was not sent to Kedro",
                    info.type_name
                )
            });
            assert_eq!(
                *mine, kedro_type,
                "{ctx}: type of `{name}` ({})",
                info.type_name
            );
        }
        if in_catalog {
            let mut mine = info.config.clone();
            mask_credentials(&mut mine);
            assert_same(
                &mine,
                &k["config"],
                &format!("{ctx}: resolved config of `{name}`"),
            );
        }
    }
    resolved.len()
}

/// The default run plus one run per other environment directory of the project's conf source, then the
/// project's [`extra_runs`].
fn runs_for(src: &Path) -> Vec<Run> {
    let project = Project::discover(src).unwrap_or_else(|e| panic!("{}: {e}", src.display()));
    let s = &project.settings;
    let skip = [
        s.base_env.get("base_env").unwrap().clone(),
        s.default_run_env.get("default_run_env").unwrap().clone(),
    ];
    let mut envs: Vec<String> = std::fs::read_dir(project.conf_dir().unwrap())
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .filter_map(|e| e.file_name().to_str().map(str::to_string))
        .filter(|n| !n.starts_with('.') && !skip.contains(n))
        .collect();
    envs.sort();
    let name = src.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let extra = extra_runs(name);
    // Environments the extra runs load as they are, with an expectation, are not repeated.
    let plain = |r: &Run, env: &str| {
        r.env == env && r.params.is_empty() && r.kedro_env.is_empty() && r.environ.is_empty()
    };
    let refused = |r: &Run, env: &str| r.env == env && r.refused.is_some();
    let mut runs = Vec::new();
    if !extra.iter().any(|r| plain(r, "") && r.refused.is_none()) {
        runs.push(Run::default_env());
    }
    runs.extend(
        envs.iter()
            .filter(|e| !extra.iter().any(|r| plain(r, e) || refused(r, e)))
            .map(|e| Run {
                loads: None,
                ..Run::env(e)
            }),
    );
    runs.extend(extra);
    runs
}

/// `--params`, `KEDRO_ENV` and dataset names no pipeline uses, per project directory name.
fn extra_runs(project: &str) -> Vec<Run> {
    match project {
        "config-factories" => vec![
            Run::default_env().names(&["anything", "a.b.c", "Report_Summary", "params:nope"]),
            Run::env("prod")
                .params("model_options.test_size=0.4, new.key=yes,seed=11")
                .names(&["ns.model_out", "x_companies", "anything"]),
        ],
        "config-soft" => vec![Run::env("staging").params("model.alpha=0.1")],
        "cfg-custom-resolvers" => vec![
            Run::default_env().environ("REPORT_DIR", "/srv/reports"),
            Run::default_env().params("extra=1"),
            Run::env("numeric").refused("np_pow"),
        ],
        "cfg-params-independent" => vec![
            // Without SENSOR_STORE_TOKEN and `max_rows`, Kedro cannot create the catalog; the
            // parameters are read all the same.
            Run::default_env().fails(),
            Run::default_env().params("batch=w07").fails(),
            Run::default_env()
                .params("max_rows=6")
                .environ("SENSOR_STORE_TOKEN", "t0k3n"),
            Run::default_env()
                .params("max_rows=6,batch=w07")
                .environ("SENSOR_STORE_TOKEN", "t0k3n"),
            // A credentials name no file defines.
            Run::env("archive")
                .params("max_rows=6")
                .environ("SENSOR_STORE_TOKEN", "t0k3n")
                .fails(),
        ],
        "config-runtime" => vec![
            Run::default_env().params(
                "run_tag=nightly, seed=017,model.alpha=0.5,limits.rows=10,new.key=yes,run_date=2025-02-03,\
                 trips_type=pandas.ParquetDataset,versioned=on,sep=|,ratio=1e3,nothing=,quoted=\"1\"",
            ),
            Run::env("nightly").params("run_date=2025-02-03,data_root=/mnt/shared"),
            Run::env("nightly").params("run_date=,extra_col=c"),
            Run::env("nightly").fails(),
            Run::env("bad_globals").params("data_root=x").fails(),
        ],
        "config-envs" => vec![
            Run::default_env().kedro_env("prod"),
            Run::default_env()
                .kedro_env("prod")
                .params("model_lr=0.7,factor=5,cols=x")
                .names(&[
                    "params:not_defined",
                    "raw_TRIPS",
                    "x.y.z",
                    "left_vs_left",
                    "LEFT_vs_left",
                    "left_vs_right",
                ]),
            Run::env("local").kedro_env("prod"),
            Run::env("local").params("model.a=5,factor=7,opts.k=2"),
            Run::env("base"),
            Run::env("no_such_env").fails(),
        ],
        "config-errors" => {
            let mut runs: Vec<Run> = [
                "dup_catalog",
                "dup_params",
                "dup_in_file",
                "two_catchalls",
                "bad_placeholder",
                "not_a_mapping",
                "missing_credentials",
                "circular",
                "env_outside_credentials",
                "malformed",
                "underscore_global",
                "missing_global",
                "null_key",
                "unknown_key",
            ]
            .iter()
            .map(|e| Run::env(e).fails())
            .collect();
            runs.push(Run::env("shared_templates"));
            runs
        }
        _ => Vec::new(),
    }
}

/// A Kedro project of the repository and all its environments, against Kedro: one Python process.
#[expect(
    clippy::print_stderr,
    reason = "test diagnostics: what was compared (seen with --nocapture)"
)]
fn matches_kedro(project: &str) {
    let src = kdvc_test_support::project_dir(project);
    let runs = runs_for(&src);
    let names = check_project(&src, &runs);
    eprintln!("{project}: {} run(s), {names} names compared", runs.len());
}

/// The Kedro projects of the repository and all their environments, against Kedro: a test per project.
mod every_project_and_environment_matches_kedro {
    kdvc_test_support::fixture_tests!(super::matches_kedro;
        cfg_custom_resolvers => "cfg-custom-resolvers",
        cfg_params_independent => "cfg-params-independent",
        code_aware => "code-aware",
        config_envs => "config-envs",
        config_errors => "config-errors",
        config_factories => "config-factories",
        config_rootenv => "config-rootenv",
        config_runtime => "config-runtime",
        config_soft => "config-soft",
        exp_lab => "exp-lab",
        fp_demo => "fp-demo",
        pipe_decorated => "pipe-decorated",
        pipe_findpipes => "pipe-findpipes",
        pipe_helpers => "pipe-helpers",
        pipe_kedro019 => "pipe-kedro019",
        pipe_llm_context => "pipe-llm-context",
        pipe_modular_loop => "pipe-modular-loop",
        pipe_single_module => "pipe-single-module",
        pipe_transcode => "pipe-transcode",
        pipe_yaml_steps => "pipe-yaml-steps",
        raw_committed => "raw-committed",
        spaceflights => "examples/spaceflights",
    );

    /// Every Kedro project of `fixtures/` and `examples/` has its test above (so its rules are compared,
    /// not skipped), the config fixtures among them.
    #[test]
    fn every_kedro_project_has_a_test() {
        let projects = kdvc_test_support::kedro_projects();
        assert!(
            projects.len() >= 10,
            "expected the repository's Kedro projects, found {projects:?}"
        );
        let mut tested = FIXTURE_TESTS.to_vec();
        tested.sort_unstable();
        assert_eq!(tested, projects, "a test per Kedro project");
        for name in [
            "config-runtime",
            "config-envs",
            "config-factories",
            "config-soft",
        ] {
            assert!(
                projects.iter().any(|p| p == name),
                "fixtures/{name} is missing"
            );
        }
    }
}

/// kdvc's POSIX form of Windows paths is `PureWindowsPath(p).as_posix()`.
#[test]
fn windows_paths_match_pure_windows_path() {
    let inputs = [
        r"D:\archive\companies.csv",
        r"\\fileserver\team\shuttles.csv",
        "c:/x//y/./z",
        r"D:x\y",
        "//srv/share",
        r"\\srv\share\",
        "C:",
        r"C:\",
        "//srv",
        "data/x.csv",
    ];
    let code = format!(
        "import json\nfrom pathlib import PureWindowsPath as P\nxs = {}\n\
         print(json.dumps([P(x).as_posix() if P(x).drive else None for x in xs]))",
        serde_json::to_string(&inputs).unwrap()
    );
    let tmp = tempfile::tempdir().unwrap();
    let expected = kdvc_test_support::python_json(tmp.path(), &code);
    let mine: Vec<Option<String>> = inputs
        .iter()
        .map(|s| kdvc_kedro_model::catalog::windows_drive_as_posix(s))
        .collect();
    assert_eq!(json!(mine), expected);
}
