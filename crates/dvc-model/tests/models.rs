//! Models: generated `dvc.yaml` / `dvc.lock` / `.dvc` files round-trip (write -> read -> equal), the
//! writer is deterministic, what we write validates against the vendored JSON schema and loads in DVC.
//! Error messages are snapshot-tested.

use std::path::Path;

use indexmap::IndexMap;
use kdvc_dvc_model::{
    Artifact, Cmd, DvcFile, DvcLock, DvcYaml, Entry, LockStage, Out, OutFlags, ParamDep, Stage,
    StageDef, TopPlot, Value,
};
use kdvc_test_support::{new_dvc_repo, run_tool, run_tool_failing};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

/// Free text, including strings YAML 1.1 readers would mistype.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[a-zA-Z0-9 _./:#'\"é😀-]{0,40}",
        1 => prop::sample::select(vec![
            "yes", "no", "on", "off", "y", "N", "1_000", "017", "0x1F", "1:30", "2024-01-01",
            "2024-01-01 10:00:00", "1e3", ".5", "null", "~", "true", "False", "", " ", "- a", "a: b", "#x",
            "it's", "line1\nline2", "tab\there", "3.0", "=", "<<",
        ])
        .prop_map(str::to_string),
        1 => "[a-z ]{60,140}",
    ]
}

fn path() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z0-9_-]{1,8}(/[a-z0-9_.-]{1,8}){0,3}",
        Just("data/01_raw/iris.csv".to_string()),
        Just("ü/ñ.csv".to_string()),
        Just("with space/f.txt".to_string()),
    ]
}

fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        text().prop_map(Value::Str),
        any::<i64>().prop_map(Value::Int),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::Float),
        any::<bool>().prop_map(Value::Bool),
        Just(Value::Null),
    ]
}

fn meta() -> impl Strategy<Value = Value> {
    scalar().prop_recursive(2, 20, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Seq),
            prop::collection::btree_map("[a-z_.]{1,10}", inner, 0..4).prop_map(Value::map),
        ]
    })
}

fn flags(plot: bool) -> impl Strategy<Value = OutFlags> {
    let o = |s: BoxedStrategy<String>| proptest::option::weighted(0.2, s);
    (
        (
            o(text().boxed()),
            o("[a-z]{1,8}".boxed()),
            // The JSON schema wants distinct labels (`uniqueItems`).
            proptest::option::weighted(
                0.2,
                prop::collection::btree_set("[a-z]{1,6}", 0..3)
                    .prop_map(|s| s.into_iter().collect()),
            ),
        ),
        // The JSON schema wants a mapping for an output's meta (DVC accepts anything).
        proptest::option::weighted(
            0.2,
            prop::collection::btree_map("[a-z_]{1,8}", meta(), 0..3).prop_map(Value::map),
        ),
        (
            proptest::option::weighted(0.3, any::<bool>()),
            proptest::option::weighted(0.2, any::<bool>()),
        ),
        (
            o("[a-z]{1,8}".boxed()),
            proptest::option::weighted(0.2, any::<bool>()),
        ),
        (
            o("[a-z]{1,8}".boxed()),
            o("[a-z_]{1,8}".boxed()),
            o("[a-z_]{1,8}".boxed()),
            o(text().boxed()),
        ),
        (
            o(text().boxed()),
            o(text().boxed()),
            proptest::option::weighted(0.2, any::<bool>()),
        ),
    )
        .prop_map(
            move |((desc, type_, labels), meta, (cache, persist), (remote, push), pa, pb)| {
                let mut f = OutFlags {
                    desc,
                    type_,
                    labels,
                    meta,
                    cache,
                    persist,
                    remote,
                    push,
                    ..OutFlags::default()
                };
                if plot {
                    (f.template, f.x, f.y, f.x_label) = pa;
                    (f.y_label, f.title, f.header) = pb;
                }
                f
            },
        )
}

fn outs(plot: bool) -> impl Strategy<Value = Vec<Out>> {
    prop::collection::btree_map(path(), flags(plot), 0..3).prop_map(|m| {
        m.into_iter()
            .map(|(path, flags)| Out { path, flags })
            .collect()
    })
}

fn stage() -> impl Strategy<Value = Stage> {
    (
        prop_oneof![
            text().prop_map(Cmd::One),
            prop::collection::vec(text(), 1..3).prop_map(Cmd::Many)
        ],
        proptest::option::weighted(0.3, text()),
        proptest::option::weighted(0.2, "[a-z]{1,6}"),
        prop::collection::btree_set(path(), 0..4).prop_map(|s| s.into_iter().collect::<Vec<_>>()),
        prop::collection::vec(
            prop_oneof![
                "[a-z_]{1,8}(\\.[a-z_]{1,8}){0,2}".prop_map(ParamDep::Key),
                (
                    path(),
                    proptest::option::weighted(
                        0.7,
                        prop::collection::btree_set("[a-z_.]{1,12}", 0..3)
                    )
                )
                    .prop_map(|(f, keys)| ParamDep::Files(IndexMap::from([(
                        f,
                        keys.map(|k| k.into_iter().collect())
                    )]))),
            ],
            0..3,
        ),
        (outs(false), outs(false), outs(true)),
        (
            proptest::option::weighted(0.2, any::<bool>()),
            proptest::option::weighted(0.2, any::<bool>()),
            proptest::option::weighted(0.5, meta()),
        ),
    )
        .prop_map(
            |(
                cmd,
                desc,
                wdir,
                deps,
                mut params,
                (outs, metrics, plots),
                (frozen, always_changed, meta),
            )| {
                let mut seen = Vec::new();
                params.retain(|p| {
                    if seen.contains(p) {
                        false
                    } else {
                        seen.push(p.clone());
                        true
                    }
                });
                Stage {
                    cmd,
                    desc,
                    wdir,
                    deps,
                    params,
                    outs,
                    metrics,
                    plots,
                    frozen,
                    always_changed,
                    meta,
                    ..Stage::default()
                }
            },
        )
}

fn dvc_yaml() -> impl Strategy<Value = DvcYaml> {
    (
        prop::collection::vec(("[A-Za-z0-9_-]{1,12}", stage()), 0..5),
        proptest::option::weighted(
            0.3,
            prop::collection::btree_set(path(), 0..3).prop_map(|s| s.into_iter().collect()),
        ),
        proptest::option::weighted(
            0.3,
            prop::collection::btree_set(path(), 0..3).prop_map(|s| s.into_iter().collect()),
        ),
        proptest::option::weighted(
            0.3,
            prop::collection::vec(
                prop_oneof![
                    path().prop_map(TopPlot::Path),
                    (path(), proptest::option::of(("[a-z]{1,5}", "[a-z]{1,5}"))).prop_map(
                        |(id, xy)| {
                            TopPlot::Def(
                                id,
                                xy.map(|(x, y)| {
                                    Value::map([("x", Value::from(x)), ("y", Value::from(y))])
                                }),
                            )
                        }
                    ),
                ],
                0..3,
            ),
        ),
        proptest::option::weighted(
            0.3,
            prop::collection::btree_map(
                "[a-z0-9]{1,8}",
                (path(), proptest::option::of("[a-z]{1,6}")).prop_map(|(path, type_)| Artifact {
                    path,
                    type_,
                    ..Artifact::default()
                }),
                0..3,
            ),
        ),
        proptest::option::weighted(
            0.3,
            prop::collection::vec(prop_oneof![path().prop_map(Value::Str), meta()], 0..3),
        ),
        any::<bool>(),
    )
        .prop_map(
            |(stages, params, metrics, plots, artifacts, vars, with_foreach)| {
                let mut y = DvcYaml {
                    params,
                    metrics,
                    plots,
                    artifacts: artifacts.map(|a| a.into_iter().collect()),
                    vars: vars.map(|v| {
                        v.into_iter()
                            .filter(|x| matches!(x, Value::Str(_) | Value::Map(_)))
                            .collect()
                    }),
                    ..DvcYaml::default()
                };
                for (name, st) in stages {
                    y.stages.insert(name, StageDef::Stage(Box::new(st)));
                }
                if with_foreach {
                    let mut tmpl = Stage::new("echo ${item}");
                    tmpl.outs = vec![Out::new("out/${item}.txt")];
                    y.stages.insert(
                        "each".into(),
                        StageDef::Foreach {
                            foreach: Value::Seq(vec![Value::from("a"), Value::from("b")]),
                            do_: Box::new(tmpl),
                        },
                    );
                    let mut mx = Stage::new("echo ${item.p} ${item.q}");
                    mx.matrix = Some(IndexMap::from([
                        (
                            "p".to_string(),
                            Value::Seq(vec![Value::from("x"), Value::from("y")]),
                        ),
                        (
                            "q".to_string(),
                            Value::Seq(vec![Value::Int(1), Value::Float(0.5)]),
                        ),
                    ]));
                    y.stages.insert("mx".into(), StageDef::Stage(Box::new(mx)));
                }
                y
            },
        )
}

fn entry() -> impl Strategy<Value = Entry> {
    (
        path(),
        "[0-9a-f]{32}",
        any::<bool>(),
        0u64..1 << 40,
        proptest::option::of(0u64..10_000),
        any::<bool>(),
    )
        .prop_map(|(path, md5, dir, size, nfiles, isexec)| Entry {
            path,
            hash: Some("md5".into()),
            md5: Some(if dir { format!("{md5}.dir") } else { md5 }),
            size: Some(size),
            nfiles: if dir { nfiles } else { None },
            isexec: (isexec && !dir).then_some(true),
            ..Entry::default()
        })
}

fn dvc_lock() -> impl Strategy<Value = DvcLock> {
    prop::collection::vec(
        (
            "[A-Za-z0-9_@-]{1,12}",
            text(),
            prop::collection::vec(entry(), 0..3),
            prop::collection::btree_map(
                path(),
                prop::collection::btree_map("[a-z_.]{1,10}", meta(), 1..3),
                0..3,
            ),
            prop::collection::vec(entry(), 0..3),
        ),
        0..4,
    )
    .prop_map(|stages| DvcLock {
        stages: stages
            .into_iter()
            .map(|(name, cmd, deps, params, outs)| {
                let params = params
                    .into_iter()
                    .map(|(f, kv)| (f, kv.into_iter().collect()))
                    .collect();
                (
                    name,
                    LockStage {
                        cmd: Cmd::One(cmd),
                        deps,
                        params,
                        outs,
                    },
                )
            })
            .collect(),
        ..DvcLock::default()
    })
}

fn dvc_file() -> impl Strategy<Value = DvcFile> {
    (
        prop::collection::vec(entry(), 1..3),
        proptest::option::of(text()),
        proptest::option::weighted(0.3, meta()),
    )
        .prop_map(|(outs, desc, meta)| DvcFile {
            outs,
            desc,
            meta,
            ..DvcFile::default()
        })
}

fn schema_validator() -> jsonschema::Validator {
    let schema = kdvc_test_support::dvc_yaml_schema();
    jsonschema::draft7::new(&schema).unwrap()
}

proptest! {
    #![proptest_config(Config { cases: 200, ..Config::default() })]

    #[test]
    fn dvc_yaml_round_trips_and_validates(y in dvc_yaml()) {
        let text = y.to_yaml();
        let back = DvcYaml::parse(&text, Path::new("dvc.yaml")).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        prop_assert_eq!(&back, &y, "{}", text);
        prop_assert_eq!(&back.to_yaml(), &text);
        let v = schema_validator();
        let json = y.to_value().to_json();
        let errors: Vec<String> = v.iter_errors(&json).map(|e| format!("{} at {}", e, e.instance_path())).collect();
        prop_assert!(errors.is_empty(), "{:?}\n{}", errors, text);
    }

    #[test]
    fn dvc_lock_round_trips(l in dvc_lock()) {
        let text = l.to_yaml();
        let back = DvcLock::parse(&text, Path::new("dvc.lock")).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        prop_assert_eq!(&back, &l, "{}", text);
        prop_assert_eq!(&back.to_yaml(), &text);
    }

    #[test]
    fn dvc_file_round_trips(f in dvc_file()) {
        let text = f.to_yaml();
        let back = DvcFile::parse(&text, Path::new("x.dvc")).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        prop_assert_eq!(&back, &f, "{}", text);
    }
}

/// Generated `dvc.yaml` files load in DVC itself (`dvc stage list`), with the stage names we wrote.
#[test]
fn generated_dvc_yaml_loads_in_dvc() {
    let (_tmp, root) = new_dvc_repo();
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        TestRng::from_seed(RngAlgorithm::ChaCha, &[3; 32]),
    );
    let strategy = dvc_yaml();
    for round in 0..4 {
        let mut y = strategy.new_tree(&mut runner).unwrap().current();
        // DVC also checks the graph: give every stage its own outputs and no deps on other stages, and no
        // interpolation in plain stages.
        y.vars = None;
        for (i, (name, def)) in y.stages.iter_mut().enumerate() {
            if let StageDef::Stage(st) = def
                && st.matrix.is_none()
            {
                st.cmd = Cmd::One(format!("echo {name}"));
                st.wdir = None;
                st.deps = vec![format!("in/{i}")];
                for (j, o) in st
                    .outs
                    .iter_mut()
                    .chain(st.metrics.iter_mut())
                    .chain(st.plots.iter_mut())
                    .enumerate()
                {
                    o.path = format!("out{round}/{i}/{j}");
                    o.flags.remote = None;
                }
            }
        }
        y.artifacts = None;
        y.write(&root.join("dvc.yaml")).unwrap();
        let listed = run_tool("dvc", &root, ["stage", "list", "--name-only"]);
        let mut expected: Vec<String> = Vec::new();
        for (name, def) in &y.stages {
            match (name.as_str(), def) {
                ("each", StageDef::Foreach { .. }) => {
                    expected.extend(["each@a".into(), "each@b".into()])
                }
                ("mx", _) => {
                    expected.extend(["mx@x-1", "mx@x-0.5", "mx@y-1", "mx@y-0.5"].map(String::from))
                }
                _ => expected.push(name.clone()),
            }
        }
        let listed: Vec<&str> = listed.lines().collect();
        assert_eq!(listed, expected, "{}", y.to_yaml());
    }
}

/// The writer is deterministic: the same model gives the same bytes.
#[test]
fn writing_is_deterministic() {
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        TestRng::from_seed(RngAlgorithm::ChaCha, &[9; 32]),
    );
    for _ in 0..50 {
        let y = dvc_yaml().new_tree(&mut runner).unwrap().current();
        assert_eq!(y.to_yaml(), y.clone().to_yaml());
    }
}

fn err_of(text: &str) -> String {
    DvcYaml::parse(text, Path::new("dvc.yaml"))
        .unwrap_err()
        .to_string()
}

/// Every file of `tests/invalid/` is rejected with a message naming the place: `*.yaml` as `dvc.yaml`,
/// `*.lock` as `dvc.lock`, `*.dvc` as a `.dvc` file. One snapshot per file.
#[test]
fn error_messages() {
    insta::glob!("invalid/*", |path| {
        let text = std::fs::read_to_string(path).unwrap();
        let err = match path.extension().and_then(|e| e.to_str()) {
            Some("yaml") => err_of(&text),
            Some("lock") => DvcLock::parse(&text, Path::new("dvc.lock"))
                .unwrap_err()
                .to_string(),
            Some("dvc") => DvcFile::parse(&text, Path::new("a.dvc"))
                .unwrap_err()
                .to_string(),
            _ => panic!("{}: not a .yaml, .lock or .dvc file", path.display()),
        };
        insta::assert_snapshot!(err);
    });
}

/// Unknown keys are rejected by DVC too, at the same place.
#[test]
fn unknown_keys_are_rejected_like_dvc() {
    let (_tmp, root) = new_dvc_repo();
    let text = "stages:\n  s:\n    cmd: echo\n    foo: 1\n";
    std::fs::write(root.join("dvc.yaml"), text).unwrap();
    let theirs = run_tool_failing("dvc", &root, ["stage", "list"]);
    let ours = err_of(text);
    // Same message and YAML path. DVC points at the nearest enclosing mapping (line 3, the stage body);
    // we point at the offending key itself (line 4, column 5).
    assert!(
        theirs.contains("extra keys not allowed, in stages -> s -> foo, line 3, column 5"),
        "{theirs}"
    );
    assert!(
        ours.contains("extra keys not allowed, in stages -> s -> foo, line 4, column 5"),
        "{ours}"
    );
}
