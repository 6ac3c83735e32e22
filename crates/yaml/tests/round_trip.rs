//! Whatever the emitter writes reads back as the same value under both schemas (Kedro's YAML 1.1 and
//! DVC's YAML 1.2): kdvc's files are read by DVC and, for parameters, by Kedro.

use kdvc_yaml::{Options, Value, inline_scalar, to_yaml_string};
use proptest::prelude::*;

fn string() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[ -~]{0,12}",
        2 => "[0-9.:_+eE-]{1,8}",
        1 => "[a-zA-Z0-9 #:'\"\\[\\]{},&*!|>%@`?-]{1,6}",
        1 => "[ \t\nàé😀\u{1}]{1,4}[a-z]{0,3}",
    ]
}

fn read(text: &str, options: &Options) -> Value {
    let root = kdvc_yaml::parse(text, options)
        .unwrap_or_else(|e| panic!("{text:?}: {e}"))
        .expect("a document");
    Value::from_node(&root, options.schema).unwrap_or_else(|e| panic!("{text:?}: {e}"))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn inline_scalars_round_trip(s in string()) {
        let text = format!("k: {}\n", inline_scalar(&s));
        for options in [Options::kedro(), Options::dvc()] {
            prop_assert_eq!(read(&text, &options), Value::map([("k", Value::from(s.as_str()))]), "{}", text);
        }
    }

    #[test]
    fn documents_round_trip(entries in prop::collection::vec((string(), string()), 1..6)) {
        let mut seen = std::collections::HashSet::new();
        let entries: Vec<(String, Value)> = entries
            .into_iter()
            .filter(|(k, _)| seen.insert(k.clone()))
            .map(|(k, v)| (k, Value::Seq(vec![Value::from(v)])))
            .collect();
        let doc = Value::map(entries);
        let text = to_yaml_string(&doc);
        for options in [Options::kedro(), Options::dvc()] {
            prop_assert_eq!(read(&text, &options), doc.clone(), "{}", text);
        }
    }
}
