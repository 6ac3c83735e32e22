//! Property tests: the normalizer, the summarizer and the engine never panic, whatever the input, and
//! unparseable Python gets the conservative raw-hash fallback.

use kdvc_fingerprint::{
    Engine, EntryPoint, FsSource, ProjectSources, normalize_arguments_hash,
    normalize_expression_hash, normalize_source_hash, summarize,
};
use proptest::prelude::*;

/// Python-flavoured token soup: mostly syntax errors, sometimes valid code.
fn python_soup() -> impl Strategy<Value = String> {
    let token = prop_oneof![
        Just("def f(a, b=1):\n    return a\n".to_owned()),
        Just("class A(B):\n    x = 1\n".to_owned()),
        Just("import os\n".to_owned()),
        Just("from . import x\n".to_owned()),
        Just("from ..m import *\n".to_owned()),
        Just("f\"{a = }\"".to_owned()),
        Just("'a\\\"b'".to_owned()),
        Just("r\"\\\"\"".to_owned()),
        Just("lambda x: x".to_owned()),
        Just("globals()".to_owned()),
        Just("importlib.import_module(n)".to_owned()),
        Just("0x1_0".to_owned()),
        Just("1e+3j".to_owned()),
        Just("(".to_owned()),
        Just(")".to_owned()),
        Just("[".to_owned()),
        Just(":".to_owned()),
        Just("\n".to_owned()),
        Just("    ".to_owned()),
        Just("\\\n".to_owned()),
        Just("# c\n".to_owned()),
        Just("\"\"\"".to_owned()),
        Just("if x:\n".to_owned()),
        Just("global y\n".to_owned()),
        "[a-z_]{1,6}",
        "[ -~]{0,4}",
    ];
    prop::collection::vec(token, 0..30).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics(s in any::<String>()) {
        let h = normalize_source_hash(&s);
        prop_assert!(!h.is_empty());
        let _ = normalize_expression_hash(&s);
        let _ = normalize_arguments_hash(&s);
        let summary = summarize(s.as_bytes());
        prop_assert_eq!(summary.parse_ok, !h.starts_with("raw:"));
    }

    #[test]
    fn arbitrary_bytes_never_panic(b in prop::collection::vec(any::<u8>(), 0..300)) {
        let s = summarize(&b);
        prop_assert!(!s.raw_hash.is_empty());
    }

    #[test]
    fn python_soup_never_panics(s in python_soup()) {
        let h = normalize_source_hash(&s);
        let summary = summarize(s.as_bytes());
        if !summary.parse_ok {
            prop_assert!(h.starts_with("raw:"), "unparseable source must get the raw fallback");
            prop_assert_eq!(&summary.norm_hash, &summary.raw_hash);
        }
    }

    #[test]
    fn engine_never_panics_on_arbitrary_modules(a in python_soup(), b in python_soup()) {
        let tmp = tempfile::tempdir().expect("tempdir");
        let pkg = tmp.path().join("src/pkg");
        std::fs::create_dir_all(pkg.join("sub")).expect("mkdir");
        std::fs::write(pkg.join("__init__.py"), &a).expect("write");
        std::fs::write(pkg.join("sub/mod.py"), &b).expect("write");
        let idx = Engine::new(ProjectSources::kedro(tmp.path(), "src", "pkg"))
            .with_cache_dir(None)
            .summarize(&FsSource::new(tmp.path()))
            .expect("summarize");
        for name in ["f", "A", "x", "y", "missing"] {
            let fp = idx.fingerprint(&EntryPoint::function("pkg.sub.mod", name));
            prop_assert_eq!(fp.hash.len(), 64);
        }
    }
}

#[test]
fn pathological_nesting_does_not_overflow() {
    for n in [500usize, 5_000, 50_000] {
        let src = format!("x = {}1{}\n", "(".repeat(n), ")".repeat(n));
        let _ = normalize_source_hash(&src);
        let _ = summarize(src.as_bytes());
        let list = format!("y = {}{}\n", "[".repeat(n), "]".repeat(n));
        let _ = summarize(list.as_bytes());
        let attr = format!("z = a{}\n", ".b".repeat(n));
        let _ = summarize(attr.as_bytes());
    }
}
