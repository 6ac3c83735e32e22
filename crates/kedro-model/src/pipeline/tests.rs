//! Unit tests of the rename algorithm, algebra and filters against Kedro's checked behaviour (docs/kedro.md).

use indexmap::IndexMap;

use super::*;

fn list(xs: &[&str]) -> DatasetArg {
    DatasetArg::List(xs.iter().map(|s| s.to_string()).collect())
}

fn node(
    module: &str,
    f: &str,
    ins: &[&str],
    outs: &[&str],
    name: Option<&str>,
    ns: Option<&str>,
) -> Node {
    let mut spec = NodeSpec::new(FuncRef::plain(module, f), list(ins), list(outs));
    spec.name = name.map(str::to_owned);
    spec.namespace = ns.map(str::to_owned);
    Node::new(spec, NameStyle::Kedro1).unwrap()
}

fn names(xs: &[&str]) -> NameArg {
    NameArg::Names(xs.iter().map(|s| s.to_string()).collect())
}

fn dict(xs: &[(&str, &str)]) -> NameArg {
    NameArg::Dict(
        xs.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect::<IndexMap<_, _>>(),
    )
}

fn base() -> Pipeline {
    let m = "demo_proj.pipelines.alpha.nodes";
    Pipeline::from_nodes(vec![
        node(
            m,
            "clean",
            &["raw_companies", "params:cleaning"],
            &["cleaned"],
            Some("clean"),
            None,
        ),
        node(
            m,
            "scale",
            &["cleaned", "params:factor"],
            &["scaled"],
            None,
            None,
        ),
        node(
            m,
            "train",
            &["scaled", "shared_target"],
            &["model_out"],
            Some("train"),
            Some("inner"),
        ),
    ])
    .unwrap()
}

fn view(p: &Pipeline) -> Vec<(String, Vec<String>, Vec<String>)> {
    p.nodes()
        .iter()
        .map(|n| (n.name.clone(), n.inputs.clone(), n.outputs.clone()))
        .collect()
}

fn s(xs: &[&str]) -> Vec<String> {
    xs.iter().map(|x| x.to_string()).collect()
}

#[test]
fn rename_table_row_a() {
    let args = ModularArgs {
        namespace: Some("ns_a".into()),
        inputs: Some(names(&["raw_companies", "shared_target"])),
        outputs: Some(dict(&[("model_out", "model_a")])),
        parameters: Some(dict(&[("cleaning", "cleaning")])),
        ..ModularArgs::default()
    };
    let p = Pipeline::new(vec![PipelinePart::Pipeline(base())], &args).unwrap();
    assert_eq!(
        view(&p),
        vec![
            (
                "ns_a.clean".into(),
                s(&["raw_companies", "params:cleaning"]),
                s(&["ns_a.cleaned"])
            ),
            (
                "ns_a.scale__dbfc26d4".into(),
                s(&["ns_a.cleaned", "params:ns_a.factor"]),
                s(&["ns_a.scaled"])
            ),
            (
                "ns_a.inner.train".into(),
                s(&["ns_a.scaled", "shared_target"]),
                s(&["model_a"])
            ),
        ]
    );
    assert_eq!(p.nodes()[2].namespace.as_deref(), Some("ns_a.inner"));
}

#[test]
fn rename_table_row_b() {
    let args = ModularArgs {
        namespace: Some("ns_b".into()),
        inputs: Some(dict(&[("raw_companies", "companies_b")])),
        parameters: Some(dict(&[("params:factor", "global_factor")])),
        tags: s(&["b"]),
        ..ModularArgs::default()
    };
    let p = Pipeline::new(vec![PipelinePart::Pipeline(base())], &args).unwrap();
    assert_eq!(
        view(&p),
        vec![
            (
                "ns_b.clean".into(),
                s(&["companies_b", "params:ns_b.cleaning"]),
                s(&["ns_b.cleaned"])
            ),
            (
                "ns_b.scale__16060aad".into(),
                s(&["ns_b.cleaned", "params:global_factor"]),
                s(&["ns_b.scaled"])
            ),
            (
                "ns_b.inner.train".into(),
                s(&["ns_b.scaled", "ns_b.shared_target"]),
                s(&["ns_b.model_out"])
            ),
        ]
    );
    assert!(p.nodes().iter().all(|n| n.tags.contains("b")));
}

#[test]
fn rename_table_transcoding_row() {
    let m = "x.nodes";
    let b = Pipeline::from_nodes(vec![
        node(m, "a", &["raw@spark"], &["mid@pandas"], Some("a"), None),
        node(
            m,
            "b",
            &["mid@spark", "params:p.q"],
            &["out"],
            Some("b"),
            None,
        ),
        node(m, "c", &["out"], &["final"], Some("c"), None),
    ])
    .unwrap();
    let args = ModularArgs {
        namespace: Some("ns".into()),
        inputs: Some(dict(&[("raw", "source")])),
        outputs: Some(dict(&[("mid", "shared_mid"), ("final", "final")])),
        parameters: Some(dict(&[("p.q", "global.q")])),
        ..ModularArgs::default()
    };
    let p = Pipeline::new(vec![PipelinePart::Pipeline(b)], &args).unwrap();
    assert_eq!(
        view(&p),
        vec![
            (
                "ns.a".into(),
                s(&["source@spark"]),
                s(&["shared_mid@pandas"])
            ),
            (
                "ns.b".into(),
                s(&["shared_mid@spark", "params:global.q"]),
                s(&["ns.out"])
            ),
            ("ns.c".into(), s(&["ns.out"]), s(&["final"])),
        ]
    );
    assert_eq!(
        p.inputs().into_iter().collect::<Vec<_>>(),
        s(&["params:global.q", "source@spark"])
    );
}

#[test]
fn nesting_and_no_prefix() {
    let inner = Pipeline::new(
        vec![PipelinePart::Pipeline(base())],
        &ModularArgs {
            namespace: Some("inner2".into()),
            outputs: Some(NameArg::Str("model_out".into())),
            ..ModularArgs::default()
        },
    )
    .unwrap();
    let outer = Pipeline::new(
        vec![PipelinePart::Pipeline(inner)],
        &ModularArgs {
            namespace: Some("outer".into()),
            ..ModularArgs::default()
        },
    )
    .unwrap();
    let v = view(&outer);
    assert_eq!(v[0].0, "outer.inner2.clean");
    assert_eq!(
        v[0].1,
        s(&["outer.inner2.raw_companies", "params:outer.inner2.cleaning"])
    );
    assert_eq!(v[2].2, s(&["outer.model_out"]));
    let grouped = Pipeline::new(
        vec![PipelinePart::Pipeline(base())],
        &ModularArgs {
            namespace: Some("deploy_group".into()),
            prefix_datasets_with_namespace: false,
            ..ModularArgs::default()
        },
    )
    .unwrap();
    let v = view(&grouped);
    assert_eq!(
        v[0],
        (
            "deploy_group.clean".into(),
            s(&["raw_companies", "params:cleaning"]),
            s(&["cleaned"])
        )
    );
    assert_eq!(v[2].0, "deploy_group.inner.train");
    // A remap without namespace only renames.
    let remap = Pipeline::new(
        vec![PipelinePart::Pipeline(base())],
        &ModularArgs {
            inputs: Some(dict(&[("raw_companies", "companies")])),
            ..ModularArgs::default()
        },
    )
    .unwrap();
    assert_eq!(remap.nodes()[0].namespace, None);
    assert_eq!(remap.nodes()[0].inputs[0], "companies");
}

#[test]
fn mapping_errors() {
    let err =
        |args: ModularArgs| Pipeline::new(vec![PipelinePart::Pipeline(base())], &args).unwrap_err();
    let e = err(ModularArgs {
        inputs: Some(names(&["nope"])),
        namespace: Some("n".into()),
        ..Default::default()
    });
    assert_eq!(
        e.to_string(),
        "Failed to map datasets and/or parameters onto the nodes provided: nope does not exist in the pipeline."
    );
    let e = err(ModularArgs {
        inputs: Some(names(&["cleaned"])),
        ..Default::default()
    });
    assert_eq!(e, PipelineError::InputsAreOutputs);
    let e = err(ModularArgs {
        outputs: Some(names(&["raw_companies"])),
        ..Default::default()
    });
    assert_eq!(e, PipelineError::OutputsAreFreeInputs);
    let e = err(ModularArgs {
        inputs: Some(names(&["params:factor"])),
        ..Default::default()
    });
    assert_eq!(e, PipelineError::ParametersInInputsOutputs);
}

#[test]
fn validation_errors() {
    let m = "m";
    let a = node(m, "f", &["x"], &["y"], Some("same"), None);
    let b = node(m, "g", &["y"], &["z"], Some("same"), None);
    assert!(matches!(
        Pipeline::from_nodes(vec![a.clone(), b]),
        Err(PipelineError::DuplicateNodeNames { .. })
    ));
    // equal nodes are not deduplicated by Pipeline([...]) but are by `+`
    assert!(Pipeline::from_nodes(vec![a.clone(), a.clone()]).is_err());
    let pa = Pipeline::from_nodes(vec![a.clone()]).unwrap();
    assert_eq!(pa.union(&pa).unwrap().len(), 1);
    let c = node(m, "h", &["q"], &["y"], Some("other"), None);
    assert!(matches!(
        Pipeline::from_nodes(vec![a.clone(), c]),
        Err(PipelineError::OutputNotUnique { .. })
    ));
    let d = node(m, "h", &["y@pandas"], &["w"], Some("d"), None);
    assert!(matches!(
        Pipeline::from_nodes(vec![a.clone(), d]),
        Err(PipelineError::TranscodedWithoutSeparator { .. })
    ));
    let e = node(m, "h", &["y"], &["x"], Some("e"), None);
    assert!(matches!(
        Pipeline::from_nodes(vec![a, e]),
        Err(PipelineError::CircularDependency { .. })
    ));
}

fn chain() -> Pipeline {
    let m = "m";
    Pipeline::from_nodes(vec![
        node(m, "f", &["a"], &["b@csv"], Some("n1"), None),
        node(m, "f", &["b@pandas"], &["c"], Some("n2"), Some("ns")),
        node(
            m,
            "f",
            &["c", "params:p"],
            &["d"],
            Some("n3"),
            Some("ns.sub"),
        ),
        node(m, "f", &["a"], &["e"], Some("n0"), None),
    ])
    .unwrap()
}

fn node_names(p: &Pipeline) -> Vec<&str> {
    p.nodes().iter().map(|n| n.name.as_str()).collect()
}

#[test]
fn topological_order_groups_sorted_by_name() {
    let p = chain();
    assert_eq!(node_names(&p), ["n0", "n1", "ns.n2", "ns.sub.n3"]);
    assert_eq!(
        p.inputs().into_iter().collect::<Vec<_>>(),
        s(&["a", "params:p"])
    );
    assert_eq!(p.outputs().into_iter().collect::<Vec<_>>(), s(&["d", "e"]));
    assert_eq!(p.parents(2), vec![1]);
}

#[test]
fn filters() {
    let p = chain();
    let f = |f: Filter| {
        p.filter(&f).map(|x| {
            node_names(&x)
                .into_iter()
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
    };
    assert_eq!(
        f(Filter {
            from_nodes: s(&["ns.n2"]),
            ..Default::default()
        })
        .unwrap(),
        s(&["ns.n2", "ns.sub.n3"])
    );
    assert_eq!(
        f(Filter {
            to_nodes: s(&["ns.n2"]),
            ..Default::default()
        })
        .unwrap(),
        s(&["n1", "ns.n2"])
    );
    assert_eq!(
        f(Filter {
            from_inputs: s(&["b"]),
            ..Default::default()
        })
        .unwrap(),
        s(&["ns.n2", "ns.sub.n3"])
    );
    assert_eq!(
        f(Filter {
            to_outputs: s(&["c"]),
            ..Default::default()
        })
        .unwrap(),
        s(&["n1", "ns.n2"])
    );
    assert_eq!(
        f(Filter {
            node_namespaces: s(&["ns"]),
            ..Default::default()
        })
        .unwrap(),
        s(&["ns.n2", "ns.sub.n3"])
    );
    assert_eq!(
        f(Filter {
            node_namespaces: s(&["ns"]),
            to_outputs: s(&["c"]),
            ..Default::default()
        })
        .unwrap(),
        s(&["ns.n2"])
    );
    assert_eq!(
        f(Filter {
            node_names: s(&["n2"]),
            ..Default::default()
        })
        .unwrap_err()
        .to_string(),
        "Pipeline does not contain nodes named ['n2']. Did you mean: ['ns.n2']?"
    );
    assert_eq!(
        f(Filter {
            node_namespaces: s(&["foo"]),
            ..Default::default()
        })
        .unwrap_err()
        .to_string(),
        "Pipeline does not contain nodes with the following namespaces: ['foo']"
    );
    assert_eq!(
        f(Filter {
            tags: s(&["nothing"]),
            ..Default::default()
        })
        .unwrap_err(),
        PipelineError::EmptyAfterFilter
    );
    assert!(matches!(
        f(Filter {
            from_inputs: s(&["zzz"]),
            ..Default::default()
        }),
        Err(PipelineError::UnknownDatasets { .. })
    ));
}

#[test]
fn algebra_and_registry_serde() {
    let p = chain();
    let q = p.only_nodes(&s(&["n1", "n0"])).unwrap();
    assert_eq!(
        node_names(&p.difference(&q).unwrap()),
        ["ns.n2", "ns.sub.n3"]
    );
    assert_eq!(node_names(&p.intersection(&q).unwrap()), ["n0", "n1"]);
    assert_eq!(Pipeline::sum([&q, &p]).unwrap().len(), 4);
    let mut reg = Registry::default();
    reg.pipelines.insert("__default__".into(), p.clone());
    reg.pipelines.insert("q".into(), q);
    let json = serde_json::to_string(&reg).unwrap();
    let back: Registry = serde_json::from_str(&json).unwrap();
    assert_eq!(back, reg);
    assert_eq!(reg.select(&[]).unwrap().len(), 4);
    assert!(reg.select(&s(&["nope"])).is_err());
}

#[test]
fn long_chains_are_ordered_and_filtered_without_recursion() {
    let n = 20_000;
    let m = "demo_proj.pipelines.alpha.nodes";
    let nodes: Vec<Node> = (0..n)
        .map(|i| {
            let (a, b) = (format!("d{i}"), format!("d{}", i + 1));
            node(
                m,
                "f",
                &[a.as_str()],
                &[b.as_str()],
                Some(&format!("n{i}")),
                None,
            )
        })
        .collect();
    let start = std::time::Instant::now();
    let p = Pipeline::from_nodes(nodes).unwrap();
    assert_eq!(p.nodes()[n - 1].name, format!("n{}", n - 1));
    assert_eq!(p.from_inputs(&["d0".to_string()]).unwrap().len(), n);
    assert_eq!(p.to_outputs(&[format!("d{n}")]).unwrap().len(), n);
    assert_eq!(
        p.from_inputs(&[format!("d{}", n / 2)]).unwrap().len(),
        n / 2
    );
    assert!(start.elapsed() < std::time::Duration::from_secs(20));
}
