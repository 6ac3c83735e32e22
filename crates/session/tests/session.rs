//! The session API on copies of the committed fixture projects (no Python, Kedro or DVC run here).

use std::path::Path;

use kdvc_session::{
    Error, Options, ParamOrigin, PipelineOrigin, PipelineReader, Session, Warning, hash_paths,
};
use kdvc_test_support::fixture_copy;

fn open(root: &Path, options: Options) -> Session {
    Session::open(root, options).expect("the fixture is a Kedro project")
}

fn append(path: &Path, text: &str) {
    let mut old = std::fs::read_to_string(path).unwrap();
    old.push_str(text);
    std::fs::write(path, old).unwrap();
}

#[test]
fn opening_finds_the_project_from_a_directory_inside_it() {
    let copy = fixture_copy("pipe-single-module");
    let session = open(&copy.root.join("src/solo_flow"), Options::default());
    assert_eq!(session.root(), copy.root);
    assert_eq!(session.project().metadata.package_name, "solo_flow");
}

#[test]
fn outside_a_project_the_error_is_typed_and_has_no_location() {
    let tmp = tempfile::tempdir().unwrap();
    let err = Session::open(tmp.path(), Options::default()).unwrap_err();
    assert!(
        matches!(&err, Error::Kedro(e) if e.root.is_none()),
        "{err:?}"
    );
    assert!(err.location().is_none());
    assert!(err.to_string().contains("not a Kedro project"), "{err}");
}

#[test]
fn pipelines_view_is_kedros_view() {
    let copy = fixture_copy("pipe-single-module");
    let session = open(&copy.root, Options::default());
    let view = session.pipelines_view(None).unwrap();
    insta::assert_json_snapshot!("pipelines_single_module", view);
    let only = session.pipelines_view(Some("extra")).unwrap();
    assert_eq!(only.pipelines.keys().collect::<Vec<_>>(), ["extra"]);
}

#[test]
fn an_unknown_pipeline_names_the_registered_ones_with_a_hint_for_its_origin() {
    let copy = fixture_copy("pipe-helpers");
    let session = open(
        &copy.root,
        Options {
            pipeline: Some("nope".into()),
            ..Options::default()
        },
    );
    let shown = session.pipelines_view(Some("nope")).unwrap_err();
    assert!(matches!(
        shown,
        Error::UnknownPipeline {
            origin: PipelineOrigin::Shown,
            ..
        }
    ));
    insta::assert_snapshot!("unknown_pipeline_shown", shown);
    let target = session.pipeline().unwrap_err();
    assert_eq!(
        target.hint(),
        Some("set --pipeline or [tool.kdvc] pipeline to a registered name")
    );
    assert!(target.to_string().ends_with(target.hint().unwrap()));
}

#[test]
fn the_options_override_tool_kdvc_and_choose_the_environment() {
    let copy = fixture_copy("config-envs");
    append(
        &copy.root.join("pyproject.toml"),
        "\n[tool.kdvc]\nenv = \"prod\"\npipeline = \"other\"\n",
    );
    // Inspection commands leave the environment to Kedro's rules.
    let plain = open(&copy.root, Options::default());
    assert_eq!(plain.requested_env().unwrap(), None);
    assert_eq!(plain.kdvc_config().unwrap().env.as_deref(), Some("prod"));
    assert_eq!(plain.pipeline_name().unwrap(), "other");

    // translate takes [tool.kdvc] env; options win over it.
    let configured = open(
        &copy.root,
        Options {
            env_from_tool_config: true,
            ..Options::default()
        },
    );
    assert_eq!(configured.requested_env().unwrap(), Some("prod"));
    let overridden = open(
        &copy.root,
        Options {
            env: Some("staging".into()),
            pipeline: Some("__default__".into()),
            env_from_tool_config: true,
            ..Options::default()
        },
    );
    assert_eq!(overridden.requested_env().unwrap(), Some("staging"));
    assert_eq!(
        overridden.kdvc_config().unwrap().env.as_deref(),
        Some("staging")
    );
    assert_eq!(overridden.pipeline_name().unwrap(), "__default__");
}

#[test]
fn a_configuration_error_points_at_the_file_under_the_project_root() {
    let copy = fixture_copy("pipe-helpers");
    std::fs::write(
        copy.root.join("conf/base/catalog.yml"),
        "north_raw:\n  type: pandas.CSVDataset\n  filepath: [unclosed\nsouth_raw: {}\n",
    )
    .unwrap();
    let session = open(&copy.root, Options::default());
    let err = session.catalog().unwrap_err();
    let loc = err.location().expect("a YAML error has a location");
    assert_eq!(loc.file, copy.root.join("conf/base/catalog.yml"));
    assert_eq!((loc.line, loc.column), (4, 10));
    // The cause stays reachable as the source.
    let source = std::error::Error::source(&err).expect("a source");
    assert!(
        source
            .downcast_ref::<kdvc_session::kedro_model::Error>()
            .is_some()
    );
}

#[test]
fn the_catalog_lists_explicit_entries_then_the_datasets_the_pipelines_use() {
    let copy = fixture_copy("pipe-helpers");
    let session = open(&copy.root, Options::default());
    let view = session.catalog_view().unwrap();
    insta::assert_json_snapshot!("catalog_pipe_helpers", view);
    assert!(session.take_warnings().is_empty());
}

#[test]
fn without_readable_pipelines_the_catalog_warns_and_lists_the_explicit_entries() {
    let copy = fixture_copy("pipe-helpers");
    let session = open(
        &copy.root,
        Options {
            reader: PipelineReader::Introspect {
                python: Some("/nonexistent/python".into()),
            },
            ..Options::default()
        },
    );
    let view = session.catalog_view().unwrap();
    let explicit = session.catalog().unwrap().explicit_names();
    assert_eq!(view.datasets.keys().collect::<Vec<_>>(), explicit);
    let warnings = session.take_warnings();
    assert!(
        matches!(warnings.as_slice(), [Warning::CatalogWithoutPipelines(_)]),
        "{warnings:?}"
    );
    let text = warnings[0].to_string();
    assert!(
        text.starts_with("listing the explicit catalog entries only: kdvc --introspect")
            && text.contains("/nonexistent/python"),
        "{text}"
    );
    assert!(session.take_warnings().is_empty(), "taken once");
}

#[test]
fn params_view_serializes_as_the_tree_and_knows_each_leafs_line() {
    let copy = fixture_copy("exp-lab");
    let session = open(
        &copy.root,
        Options {
            runtime_params: Some("model.shrinkage=0.5".into()),
            ..Options::default()
        },
    );
    let view = session.params_view().unwrap();
    assert_eq!(
        serde_json::to_value(&view).unwrap(),
        session.parameters().unwrap().to_json()
    );
    let origin = |key: &str| {
        view.leaves
            .iter()
            .find(|l| l.key == key)
            .map(|l| l.origin.clone())
    };
    assert_eq!(origin("model.shrinkage"), Some(ParamOrigin::Runtime));
    assert_eq!(
        origin("since"),
        Some(ParamOrigin::File {
            file: "conf/base/parameters.yml".into(),
            line: 2
        })
    );
}

#[test]
fn the_translation_is_computed_once_and_writing_it_makes_check_clean() {
    let copy = fixture_copy("pipe-helpers");
    let session = open(
        &copy.root,
        Options {
            env_from_tool_config: true,
            ..Options::default()
        },
    );
    let first = session.translation().unwrap();
    assert!(std::ptr::eq(first, session.translation().unwrap()));
    assert!(std::ptr::eq(&first.plan, session.plan().unwrap()));
    let check = session.check().unwrap();
    assert!(!check.up_to_date && check.diff.contains("+++ b/dvc.yaml"));
    session.write_translation().unwrap();
    let again = open(&copy.root, Options::default());
    let check = again.check().unwrap();
    assert!(check.up_to_date, "{}", check.diff);
    assert!(check.diff.is_empty());
}

#[test]
fn parameter_edits_are_planned_before_anything_is_written() {
    let copy = fixture_copy("exp-lab");
    let file = copy.root.join("conf/base/parameters.yml");
    let before = std::fs::read_to_string(&file).unwrap();
    let session = open(&copy.root, Options::default());
    let mut edits = session.param_edits().unwrap();
    let change = edits.set("params:model.shrinkage=0.3").unwrap().clone();
    assert_eq!(
        (
            change.key.as_str(),
            change.file.as_str(),
            change.old_value.as_str()
        ),
        ("model.shrinkage", "conf/base/parameters.yml", "0.1")
    );
    assert!(matches!(
        edits.set("model.shrinkage"),
        Err(Error::ParamSetting { .. })
    ));
    let unknown = edits.set("model.nope=1").unwrap_err();
    assert!(unknown.to_string().contains("model.nope"), "{unknown}");
    assert_eq!(edits.changes().len(), 1);
    assert_eq!(std::fs::read_to_string(&file).unwrap(), before);

    edits.write().unwrap();
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        before.replace("shrinkage: 0.1", "shrinkage: 0.3")
    );
    edits.restore().unwrap();
    assert_eq!(std::fs::read_to_string(&file).unwrap(), before);
}

#[test]
fn an_experiment_whose_dvc_cannot_start_puts_the_files_back() {
    let copy = fixture_copy("exp-lab");
    let file = copy.root.join("conf/base/parameters.yml");
    let before = std::fs::read_to_string(&file).unwrap();
    let session = open(&copy.root, Options::default());
    let mut edits = session.param_edits().unwrap();
    edits.set("model.shrinkage=0.3").unwrap();
    let err = edits
        .run_experiment_with("/nonexistent/dvc", &[])
        .unwrap_err();
    assert!(matches!(err, Error::DvcSpawn { .. }), "{err:?}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), before);
}

#[test]
fn fingerprints_trace_and_a_missing_node() {
    let copy = fixture_copy("code-aware");
    let session = open(&copy.root, Options::default());
    let fps = session.fingerprints().unwrap();
    let trace = session.trace("count_over").unwrap();
    assert_eq!(fps.nodes["count_over"], trace.fingerprint.hash);
    assert!(trace.since_last_record.is_none() && trace.recorded_hash.is_none());
    assert!(
        trace
            .fingerprint
            .closure
            .iter()
            .any(|s| s.symbol == "code_lab.constants:THRESHOLD"),
        "{:?}",
        trace.fingerprint.closure
    );
    let err = session.trace("nope").unwrap_err();
    insta::assert_snapshot!("unknown_node", err);
}

#[test]
fn hashing_a_file_and_a_missing_path() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("a.csv");
    std::fs::write(&file, "a,b\n1,2\n").unwrap();
    let rows = hash_paths(std::slice::from_ref(&file)).unwrap();
    assert_eq!(rows[0].size, 8);
    assert_eq!(rows[0].nfiles, None);
    assert_eq!(rows[0].md5.len(), 32);
    let err = hash_paths(&[tmp.path().join("nope.csv")]).unwrap_err();
    assert!(matches!(err, Error::Hash { .. }));
    assert!(std::error::Error::source(&err).is_some());
}

#[test]
fn a_session_can_be_shared_between_threads() {
    fn shareable<T: Send + Sync>() {}
    shareable::<Session>();
    shareable::<Error>();
    let copy = fixture_copy("pipe-helpers");
    let session = open(&copy.root, Options::default());
    let names: Vec<usize> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..2)
            .map(|_| scope.spawn(|| session.all_nodes().map(|n| n.len()).unwrap()))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(names[0], names[1]);
    assert!(names[0] > 0);
}

#[test]
fn a_refused_construct_stays_an_error_when_introspection_is_off_or_kedro_cannot_be_asked() {
    let copy = fixture_copy("pipe-yaml-steps");
    let located = |err: &Error| match err {
        Error::StaticPipelines { diagnostics, .. } => {
            diagnostics[0].file == Path::new("src/step_lab/pipelines/steps/pipeline.py")
        }
        _ => false,
    };
    // `never`, from the options and from `[tool.kdvc]`.
    let session = open(
        &copy.root,
        Options {
            reader: PipelineReader::Static,
            ..Options::default()
        },
    );
    let err = session.registry().unwrap_err();
    assert!(located(&err), "{err:?}");
    assert!(session.take_warnings().is_empty());
    append(
        &copy.root.join("pyproject.toml"),
        "\n[tool.kdvc]\nintrospect = \"never\"\n",
    );
    let session = open(&copy.root, Options::default());
    let err = session.registry().unwrap_err();
    assert!(located(&err), "{err:?}");
    assert!(session.take_warnings().is_empty());

    // `auto` without a usable interpreter: the refusal stands, and a warning says why Kedro was not asked.
    let session = open(
        &copy.root,
        Options {
            reader: PipelineReader::Auto {
                python: Some("/nonexistent/python".into()),
            },
            ..Options::default()
        },
    );
    let err = session.registry().unwrap_err();
    assert!(located(&err), "{err:?}");
    let warnings = session.take_warnings();
    assert!(
        matches!(warnings.as_slice(), [Warning::IntrospectionFailed(_)]),
        "{warnings:?}"
    );
    let text = warnings[0].to_string();
    assert!(
        text.starts_with("the static reader's refusal stands:")
            && text.contains("/nonexistent/python"),
        "{text}"
    );
}

/// Records what a session reports, as `task event amount` lines.
#[derive(Debug, Default)]
struct Recorder(std::sync::Mutex<Vec<(kdvc_session::Task, &'static str, u64)>>);

impl kdvc_session::Progress for Recorder {
    fn start(&self, task: kdvc_session::Task, total: u64) {
        self.0.lock().unwrap().push((task, "start", total));
    }
    fn advance(&self, task: kdvc_session::Task, n: u64) {
        self.0.lock().unwrap().push((task, "advance", n));
    }
    fn finish(&self, task: kdvc_session::Task) {
        self.0.lock().unwrap().push((task, "finish", 0));
    }
}

#[test]
fn long_operations_report_their_progress() {
    use kdvc_session::Task;
    let copy = fixture_copy("pipe-helpers");
    let recorder = std::sync::Arc::new(Recorder::default());
    let session = open(&copy.root, Options::default()).with_progress(recorder.clone());
    session.translation().unwrap();
    session.fingerprints().unwrap();
    let events = recorder.0.lock().unwrap().clone();
    let raw_bytes: u64 = ["north_raw.csv", "south_raw.csv"]
        .iter()
        .map(|f| {
            std::fs::metadata(copy.root.join("data/01_raw").join(f))
                .unwrap()
                .len()
        })
        .sum();
    let of = |task: Task, what: &str| -> Vec<u64> {
        events
            .iter()
            .filter(|(t, w, _)| *t == task && *w == what)
            .map(|(_, _, n)| *n)
            .collect()
    };
    assert_eq!(of(Task::HashRawData, "start"), [raw_bytes]);
    assert_eq!(
        of(Task::HashRawData, "advance").iter().sum::<u64>(),
        raw_bytes
    );
    assert_eq!(of(Task::HashRawData, "finish").len(), 1);
    // A cold fingerprint reads every listed source file.
    let listed = *of(Task::ReadSources, "start")
        .last()
        .expect("sources listed");
    assert!(listed > 0);
    assert_eq!(of(Task::ReadSources, "advance").iter().sum::<u64>(), listed);
    assert_eq!(of(Task::ReadSources, "finish").len(), 1);
}
