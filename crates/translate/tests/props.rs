//! Property tests: planning never panics, is deterministic, and always yields a valid dvc.yaml whose
//! stages cover every node exactly once in an order consistent with the data flow.

mod common;

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use common::default_pipeline;

use kdvc_translate::emit::render_dvc_yaml;
use kdvc_translate::{
    DatasetInfo, DatasetLocation, NodeInput, ParamSource, PlanInput, PlanOptions, merge_dvc_yaml,
    plan,
};
use proptest::prelude::*;

/// A random DAG: node i reads outputs of earlier nodes; datasets are files, dirs, memory or URLs.
fn arb_input() -> impl Strategy<Value = PlanInput> {
    (1usize..14)
        .prop_flat_map(|n| {
            (
                Just(n),
                prop::collection::vec(prop::collection::vec(any::<prop::sample::Index>(), 0..3), n),
                prop::collection::vec(0u8..5, n),
                prop::collection::vec("[a-z<>(). ${}'_-]{1,12}", n),
            )
        })
        .prop_map(|(n, reads, kinds, names)| {
            let mut input = default_pipeline();
            for i in 0..n {
                let mut inputs: Vec<String> = reads[i]
                    .iter()
                    .filter(|_| i > 0)
                    .map(|ix| format!("d{}", ix.index(i)))
                    .collect();
                inputs.sort();
                inputs.dedup();
                if i % 3 == 0 {
                    inputs.push(format!("params:p{}", i % 2));
                }
                if i == 0 {
                    inputs.push("raw".into());
                }
                input.nodes.push(NodeInput {
                    name: format!("{}{i}", names[i]),
                    namespace: None,
                    inputs,
                    outputs: vec![format!("d{i}")],
                    tags: vec![],
                });
                let location = match kinds[i] {
                    0 => DatasetLocation::Memory,
                    1 => DatasetLocation::Directory(format!("data/d{i}")),
                    2 => DatasetLocation::Url(format!("s3://b/d{i}")),
                    _ => DatasetLocation::File(format!("data/d{i}.csv")),
                };
                if kinds[i] != 4 {
                    input.datasets.insert(
                        format!("d{i}"),
                        DatasetInfo {
                            type_name: Some("pandas.CSVDataset".into()),
                            location,
                            versioned: false,
                            partitioned: false,
                        },
                    );
                }
            }
            input.datasets.insert(
                "raw".into(),
                DatasetInfo::file("pandas.CSVDataset", "data/raw.csv"),
            );
            input.params.insert(
                "p0".into(),
                vec![ParamSource::new("conf/base/parameters.yml", &["p0"])],
            );
            input.params.insert(
                "p1".into(),
                vec![ParamSource::new("conf/base/parameters.yml", &["p1"])],
            );
            input
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn planning_is_total_deterministic_and_valid(input in arb_input()) {
        let a = plan(&input, &PlanOptions::default()).expect("plan");
        let b = plan(&input, &PlanOptions::default()).expect("plan");
        prop_assert_eq!(&a, &b);
        // Every node in exactly one stage; names unique.
        let mut seen: HashMap<&str, usize> = HashMap::new();
        for (si, s) in a.stages.iter().enumerate() {
            for n in &s.nodes {
                prop_assert!(seen.insert(n.as_str(), si).is_none(), "node {} twice", n);
            }
            prop_assert!(s.name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'), "bad name {}", s.name);
        }
        prop_assert_eq!(seen.len(), input.nodes.len());
        let names: std::collections::BTreeSet<&str> = a.stages.iter().map(|s| s.name.as_str()).collect();
        prop_assert_eq!(names.len(), a.stages.len());
        // Producers come before consumers.
        let producer: BTreeMap<String, usize> = input.nodes.iter().enumerate().flat_map(|(i, n)| n.outputs.iter().map(move |o| (o.clone(), i))).collect();
        for (j, n) in input.nodes.iter().enumerate() {
            for inp in &n.inputs {
                if let Some(&p) = producer.get(inp) {
                    let (sp, sj) = (seen[input.nodes[p].name.as_str()], seen[input.nodes[j].name.as_str()]);
                    prop_assert!(sp <= sj, "{} after {}", input.nodes[p].name, n.name);
                }
            }
        }
        let text = render_dvc_yaml(&a.stages);
        common::assert_valid_dvc_yaml(&text);
        // Merging into its own output is a fixed point.
        let m = merge_dvc_yaml(Some(&text), &a.stages, Path::new("dvc.yaml")).expect("merge");
        prop_assert_eq!(&m.text, &text);
    }
}
