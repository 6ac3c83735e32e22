//! The reference collector's scoping: which names a top-level definition reads from its module.

use kdvc_fingerprint::{Binding, Ref, summarize};

/// The free references (roots) of top-level definition `name` in `src`.
fn free_roots(src: &str, name: &str) -> Vec<String> {
    let s = summarize(src.as_bytes());
    let alts = s.bindings.get(name).expect("a binding");
    let mut roots = Vec::new();
    for b in alts {
        if let Binding::Def { unit, .. } | Binding::Store { unit } = b {
            for r in &unit.refs {
                if let Ref::Name { root, .. } = r {
                    roots.push(root.clone());
                }
            }
        }
    }
    roots.sort();
    roots.dedup();
    roots
}

#[test]
fn a_name_local_in_an_inner_function_is_still_free_in_the_outer_one() {
    let src = "def outer():\n    def inner():\n        data = 1\n        return data\n    return data + inner()\n";
    assert_eq!(free_roots(src, "outer"), vec!["data".to_owned()]);
    // The other order: the free use first, then the local one.
    let src = "def outer():\n    x = data\n    def inner():\n        data = 2\n        return data\n    return x\n";
    assert_eq!(free_roots(src, "outer"), vec!["data".to_owned()]);
}

#[test]
fn a_class_body_name_is_not_visible_in_its_methods() {
    let src = "class A:\n    limit = 1\n    def f(self):\n        return limit\n";
    assert_eq!(free_roots(src, "A"), vec!["limit".to_owned()]);
}

#[test]
fn comprehension_and_lambda_variables_are_local() {
    let src = "def f(rows):\n    g = lambda r: r + OFFSET\n    return [g(v) for v in rows if v > LIMIT]\n";
    assert_eq!(
        free_roots(src, "f"),
        vec!["LIMIT".to_owned(), "OFFSET".to_owned()]
    );
}

/// The hash of the unit binding `x` in `src`.
fn unit_hash(src: &str) -> String {
    let s = summarize(src.as_bytes());
    match s.bindings.get("x").and_then(|alts| alts.first()) {
        Some(Binding::Store { unit } | Binding::Def { unit, .. }) => unit.hash.clone(),
        other => panic!("no unit for x in {src:?}: {other:?}"),
    }
}

/// Summaries read plain strings (no `f`/`t` prefix) from the source without walking their parts; they must
/// hash like the walked ones: by value, whatever the quotes, prefixes and escapes.
#[test]
fn plain_strings_hash_by_value_in_summaries() {
    let same = [
        ("x = 'a'\n", "x = \"a\"\n"),
        ("x = '''a'''\n", "x = 'a'\n"),
        ("x = \"\"\n", "x = ''\n"),
        ("x = \"\"\"\"\"\"\n", "x = ''\n"),
        ("x = b'\\x41'\n", "x = b'A'\n"),
        ("x = r'\\d'\n", "x = '\\\\d'\n"),
        ("x = U'a' 'b'\n", "x = 'ab'\n"),
        ("x = f'{a}'\n", "x = f\"{a}\"\n"),
        ("x = Rb'a'\n", "x = b'a'\n"),
    ];
    for (a, b) in same {
        assert_eq!(unit_hash(a), unit_hash(b), "{a:?} and {b:?}");
    }
    let differ = [
        ("x = 'a'\n", "x = 'b'\n"),
        ("x = 'a'\n", "x = b'a'\n"),
        ("x = f'{a}'\n", "x = f'{b}'\n"),
        ("x = f'{a}'\n", "x = '{a}'\n"),
        ("x = ''\n", "x = ' '\n"),
    ];
    for (a, b) in differ {
        assert_ne!(unit_hash(a), unit_hash(b), "{a:?} and {b:?}");
    }
}
