//! Kubernetes and Argo name rules, and the sanitising of DVC stage names into them.
//!
//! | name | rule |
//! |---|---|
//! | DAG task and template names | `^[a-zA-Z0-9][-a-zA-Z0-9]*$`, at most 128 characters |
//! | parameter names | `^[-a-zA-Z0-9_]+$` |
//! | Workflow `metadata.name` | RFC 1123 subdomain (lower-case alphanumerics, `-`, `.`, alphanumeric at both ends), at most 63 |
//! | `metadata.generateName` | the same with a trailing `-`, at most 58 (the API server appends 5 characters) |
//! | label values | at most 63; alphanumerics, `-`, `_`, `.`; alphanumeric at both ends |
//!
//! A stage name becomes a task name by lower-casing it, replacing every run of other characters by `-`,
//! shortening it, and appending `-` plus 8 hex digits of the SHA-256 of the **original** name. So `a_b`,
//! `a.b`, `a-b` and `A_B` all get different task names, and a task name never exceeds
//! [`TASK_NAME_GENERATED_MAX`]. The original name travels as the task's `stage` parameter.

use sha2::{Digest as _, Sha256};

/// Longest DAG task or template name Argo accepts.
pub const TASK_NAME_MAX: usize = 128;
/// Longest task name kdvc generates (short enough to be a label value too).
pub const TASK_NAME_GENERATED_MAX: usize = 63;
/// Longest Workflow name.
pub const WORKFLOW_NAME_MAX: usize = 63;
/// Longest `generateName` prefix kdvc writes (the API server would truncate a longer one to this).
pub const GENERATE_NAME_MAX: usize = 58;
/// Longest label value.
pub const LABEL_VALUE_MAX: usize = 63;
/// Hex digits of the hash suffix.
const HASH_LEN: usize = 8;

/// Whether `name` is a valid DAG task or template name.
pub fn is_task_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphanumeric())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '-')
        && name.len() <= TASK_NAME_MAX
}

/// Whether `name` is a valid parameter name.
pub fn is_parameter_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// Whether `name` is an RFC 1123 subdomain of at most `max` characters.
fn is_subdomain(name: &str, max: usize) -> bool {
    let ok_end =
        |c: Option<char>| matches!(c, Some(c) if c.is_ascii_lowercase() || c.is_ascii_digit());
    !name.is_empty()
        && name.len() <= max
        && ok_end(name.chars().next())
        && ok_end(name.chars().last())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.')
}

/// Whether `name` is a valid Workflow name.
pub fn is_workflow_name(name: &str) -> bool {
    is_subdomain(name, WORKFLOW_NAME_MAX)
}

/// Whether `prefix` is a valid `generateName`: a Workflow name prefix ending in `-`, at most
/// [`GENERATE_NAME_MAX`] characters.
pub fn is_generate_name(prefix: &str) -> bool {
    prefix.len() <= GENERATE_NAME_MAX
        && prefix
            .strip_suffix('-')
            .is_some_and(|p| is_subdomain(p, GENERATE_NAME_MAX))
}

/// Whether `value` is a valid label value (the empty string is one).
pub fn is_label_value(value: &str) -> bool {
    if value.is_empty() {
        return true;
    }
    let alnum = |c: Option<char>| matches!(c, Some(c) if c.is_ascii_alphanumeric());
    value.len() <= LABEL_VALUE_MAX
        && alnum(value.chars().next())
        && alnum(value.chars().last())
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// 8 hex digits of the SHA-256 of `name`.
fn short_hash(name: &str) -> String {
    let digest = Sha256::digest(name.as_bytes());
    hex::encode(&digest[..HASH_LEN / 2])
}

/// `name` lower-cased, every run of characters other than `[a-z0-9]` replaced by one `-`, no `-` at
/// either end, at most `max` characters.
fn slug(name: &str, max: usize) -> String {
    let mut out = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    out.truncate(max);
    while out.ends_with('-') {
        out.pop();
    }
    out
}

/// The DAG task name of a DVC stage: a lower-case slug of the name plus an 8-digit hash of it
/// (`preprocess_companies_node` -> `preprocess-companies-node-2f0c9a1e`). Distinct stage names give
/// distinct task names (up to the hash), every result matches the task name rule and has at most
/// [`TASK_NAME_GENERATED_MAX`] characters.
pub fn task_name(stage: &str) -> String {
    let body = slug(stage, TASK_NAME_GENERATED_MAX - HASH_LEN - 1);
    let hash = short_hash(stage);
    if body.is_empty() {
        hash
    } else {
        format!("{body}-{hash}")
    }
}

/// A label value for `text`: the slug of it (`_` and `.` kept), at most [`LABEL_VALUE_MAX`] characters,
/// with a hash suffix when anything had to change.
pub fn label_value(text: &str) -> String {
    if is_label_value(text) {
        return text.to_owned();
    }
    let body = slug(text, LABEL_VALUE_MAX - HASH_LEN - 1);
    let hash = short_hash(text);
    if body.is_empty() {
        hash
    } else {
        format!("{body}-{hash}")
    }
}

/// The `generateName` of a project's Workflows: `kdvc-<slug of the project name>-`, at most
/// [`GENERATE_NAME_MAX`] characters.
pub fn generate_name(project: &str) -> String {
    let body = slug(project, GENERATE_NAME_MAX - "kdvc--".len());
    if body.is_empty() {
        "kdvc-".to_owned()
    } else {
        format!("kdvc-{body}-")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn task_names_keep_look_and_differ() {
        let names: Vec<String> = ["a_b", "a.b", "a-b", "A_B", "train@1"]
            .iter()
            .map(|n| task_name(n))
            .collect();
        insta::assert_debug_snapshot!(names);
    }

    #[test]
    fn project_and_label_names() {
        assert_eq!(generate_name("spaceflights"), "kdvc-spaceflights-");
        assert_eq!(generate_name("Fp_Shop"), "kdvc-fp-shop-");
        assert_eq!(generate_name("__"), "kdvc-");
        assert!(is_generate_name(&generate_name(&"x".repeat(200))));
        assert_eq!(label_value("fp_shop"), "fp_shop");
        assert!(is_label_value(&label_value("_bad name_")));
        assert!(!is_task_name("-a"));
        assert!(!is_task_name("a_b"));
        assert!(!is_parameter_name("a b"));
        assert!(!is_workflow_name("Upper"));
    }
}
