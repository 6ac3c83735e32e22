//! The summarizer and the normalizer recurse over syntax trees: code nested just within
//! [`kdvc_python::MAX_SYNTAX_DEPTH`] is summarized in the test thread's 2 MiB stack (debug builds
//! included), and deeper code is not walked at all: its raw bytes are hashed, as for a syntax error.

use std::path::Path;
use std::time::{Duration, Instant};

use kdvc_fingerprint::{normalize_arguments_hash, normalize_source_hash, summarize};
use kdvc_python::MAX_SYNTAX_DEPTH;

/// Expressions nesting `n` times in different shapes.
fn shapes(n: usize) -> Vec<(&'static str, String)> {
    vec![
        (
            "parentheses",
            format!("{}x{}", "(".repeat(n), ")".repeat(n)),
        ),
        ("dicts", format!("{}x{}", "{a: ".repeat(n), "}".repeat(n))),
        ("lists", format!("{}x{}", "[".repeat(n), "][0]".repeat(n))),
        ("calls", format!("{}x{}", "f(".repeat(n), ")".repeat(n))),
        ("unary", format!("{}x", "-".repeat(n))),
        ("lambdas", format!("{}x", "lambda: ".repeat(n))),
        ("conditionals", format!("{}x", "x if y else ".repeat(n))),
        ("concatenations", format!("x{}", " + y".repeat(n))),
        ("attributes", format!("x{}", ".a()".repeat(n))),
        (
            "comprehensions",
            format!("{}x{}", "[".repeat(n), " for x in y]".repeat(n)),
        ),
    ]
}

/// A node function whose body and return annotation use `expr`.
fn module(expr: &str) -> String {
    format!(
        "import os\n\n\ndef node(x, y) -> {expr}:\n    \"\"\"Doc.\"\"\"\n    z = {expr}\n    return z\n"
    )
}

fn accepted(shape: &str, n: usize) -> bool {
    let expr = shapes(n).into_iter().find(|(s, _)| *s == shape).unwrap().1;
    kdvc_python::parse(Path::new("m.py"), &module(&expr)).is_ok()
}

#[test]
fn code_nested_just_within_the_limit_is_summarized() {
    for (shape, _) in shapes(1) {
        let (mut lo, mut hi) = (1, MAX_SYNTAX_DEPTH + 1);
        while lo + 1 < hi {
            let mid = (lo + hi) / 2;
            if accepted(shape, mid) {
                lo = mid
            } else {
                hi = mid
            }
        }
        assert!(lo >= MAX_SYNTAX_DEPTH / 4, "{shape}: only {lo} levels");
        let expr = shapes(lo).into_iter().find(|(s, _)| *s == shape).unwrap().1;
        let src = module(&expr);
        let s = summarize(src.as_bytes());
        assert!(s.parse_ok, "{shape} x{lo}");
        assert!(s.bindings.contains_key("node"), "{shape} x{lo}");
        assert!(
            !normalize_source_hash(&src).starts_with("raw:"),
            "{shape} x{lo}"
        );
        // Arguments are hashed inside a call: one bracket more.
        let args = shapes(lo - 1)
            .into_iter()
            .find(|(s, _)| *s == shape)
            .unwrap()
            .1;
        assert!(
            !normalize_arguments_hash(&args).starts_with("raw:"),
            "{shape} x{lo}"
        );
    }
}

#[test]
fn code_nested_beyond_the_limit_hashes_its_bytes() {
    let mut inputs: Vec<(String, String)> = shapes(MAX_SYNTAX_DEPTH + 1)
        .into_iter()
        .map(|(shape, expr)| (shape.to_owned(), module(&expr)))
        .collect();
    // The inputs that once overflowed the stack.
    inputs.push((
        "6,500 nested `{a: ...}` in a return annotation".into(),
        module(&format!("{}1{}", "{a: ".repeat(6_500), "}".repeat(6_500))),
    ));
    inputs.push((
        "20,000 nested dicts".into(),
        format!("X = {}1{}\n", "{'a': ".repeat(20_000), "}".repeat(20_000)),
    ));
    inputs.push((
        "4,500 unary minus".into(),
        format!("X = [{}1]\n", "-".repeat(4_500)),
    ));
    for (what, src) in inputs {
        let start = Instant::now();
        let s = summarize(src.as_bytes());
        assert!(!s.parse_ok, "{what}");
        assert_eq!(s.norm_hash, s.raw_hash, "{what}");
        assert!(normalize_source_hash(&src).starts_with("raw:"), "{what}");
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "{what}: {:?}",
            start.elapsed()
        );
    }
}
