//! The body of the `yaml` fuzz target (`fuzz/`), a plain function so that `cargo test` replays the saved
//! corpus through it too.

use crate::{Options, Schema, Value, parse, to_yaml_string};

/// Parses `data` under Kedro's and DVC's schemas (and as source), types every scalar, converts to values
/// and writes them back; the written text must read back. Panics only on a bug.
pub fn yaml(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for options in [
        Options::kedro(),
        Options::dvc(),
        Options::source(Schema::Kedro),
    ] {
        let Ok(Some(doc)) = parse(text, &options) else {
            continue;
        };
        // Type every scalar with the schema (an explicit stack: documents may nest deeply).
        let mut todo = vec![&doc];
        while let Some(node) = todo.pop() {
            let _ = options.schema.resolve(node);
            match &node.content {
                crate::Content::Seq { items, .. } => todo.extend(items.iter()),
                crate::Content::Map { entries, .. } => {
                    for (k, v) in entries {
                        todo.push(k);
                        todo.push(v);
                    }
                }
                _ => {}
            }
        }
        if options.schema == Schema::Core {
            let value = Value::from_core_node(&doc);
            let written = to_yaml_string(&value);
            let again = parse(&written, &Options::dvc());
            assert!(
                again.is_ok(),
                "the emitter wrote YAML that does not read back: {written:?}: {again:?}"
            );
        }
    }
}
