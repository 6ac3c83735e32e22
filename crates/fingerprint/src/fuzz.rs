//! The body of the `python_summary` fuzz target (`fuzz/`), a plain function so that `cargo test` replays
//! the saved corpus through it too.

/// Summarizes `data` as a Python module (its bindings, imports and normalized hashes) and normalizes it as
/// a whole, as an expression and as an argument list. Any input is fine; panics, overflows and hangs are
/// bugs.
pub fn python_summary(data: &[u8]) {
    let summary = crate::summarize(data);
    let _ = summary.bindings.len();
    let text = String::from_utf8_lossy(data);
    let _ = crate::parses_cleanly(data);
    let _ = crate::normalize::normalize_source_hash(&text);
    let _ = crate::normalize::normalize_expression_hash(&text);
    let _ = crate::normalize::normalize_arguments_hash(&text);
}
