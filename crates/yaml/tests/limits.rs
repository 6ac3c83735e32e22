//! The tree's limits, tested at their edges under every schema: nesting (`Options::max_depth`, and the
//! parser's own bound on flow collections), alias expansion (`Options::max_nodes`). Inputs just inside a
//! limit are read, converted to values and dropped without overflowing a test thread's stack; inputs
//! just beyond stop with a positioned error.

use kdvc_yaml::{ErrorKind, Options, Schema, Value, parse};

fn all_options() -> [Options; 4] {
    [
        Options::kedro(),
        Options::dvc(),
        Options::source(Schema::Kedro),
        Options::source(Schema::Core),
    ]
}

/// `depth` block mappings inside one another, with a scalar at the bottom.
fn block_maps(depth: usize) -> String {
    let mut s = String::new();
    for i in 0..depth {
        s.push_str(&" ".repeat(i));
        s.push_str("a:\n");
    }
    s.push_str(&" ".repeat(depth));
    s.push_str("x\n");
    s
}

#[test]
fn block_nesting_up_to_max_depth_is_read_and_beyond_is_an_error() {
    for options in all_options() {
        let max = options.max_depth;
        let doc = parse(&block_maps(max), &options).unwrap().unwrap();
        let value = Value::from_core_node(&doc);
        drop(value);
        drop(doc);
        let e = parse(&block_maps(max + 1), &options).unwrap_err();
        assert_eq!(e.kind, ErrorKind::TooDeep);
        assert_eq!(e.span.line, max + 1);
        // Block sequences on one line: `- - - x`.
        let seqs = "- ".repeat(max) + "x\n";
        assert!(parse(&seqs, &options).is_ok());
        let seqs = "- ".repeat(max + 1) + "x\n";
        assert_eq!(parse(&seqs, &options).unwrap_err().kind, ErrorKind::TooDeep);
    }
}

#[test]
fn deep_flow_nesting_is_an_error_not_a_crash() {
    for options in all_options() {
        for n in [100, 1_000, 100_000] {
            let text = "[".repeat(n) + &"]".repeat(n);
            let result = parse(&text, &options);
            if n <= 100 {
                assert!(result.is_ok(), "{n}: {result:?}");
            } else {
                let e = result.unwrap_err();
                assert_eq!(e.span.line, 1, "{n}");
            }
            let text = "{a: ".repeat(n) + &"}".repeat(n);
            let result = parse(&text, &options);
            if n > 100 {
                assert!(result.is_err(), "{n}");
            }
        }
    }
}

#[test]
fn alias_expansion_up_to_max_nodes_is_read_and_beyond_is_an_error() {
    // 10 * 10^k nodes per level: level 5 has about 1.1 million nodes, level 6 about 11 million.
    let mut text = String::from("l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..=6 {
        let items = vec![format!("*l{}", i - 1); 10].join(", ");
        text.push_str(&format!("l{i}: &l{i} [{items}]\n"));
        let options = Options::kedro();
        if i < 5 {
            continue;
        }
        let result = parse(&text, &options);
        if i <= 5 {
            assert!(result.is_ok(), "level {i}");
        } else if i == 6 {
            let e = result.unwrap_err();
            assert_eq!(e.kind, ErrorKind::TooManyNodes);
            assert_eq!(e.span.line, 7);
        }
    }
    let e = parse(&text, &Options::dvc()).unwrap_err();
    assert_eq!(e.kind, ErrorKind::TooManyNodes);
}
