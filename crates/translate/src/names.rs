//! Stage names: Kedro node names mapped onto DVC's `[A-Za-z0-9_-]`.
//!
//! Scheme (readable, deterministic, injective where it can be):
//! - letters, digits, `_` and `-` are kept;
//! - every `.` (the namespace separator) becomes `__`;
//! - any other run of characters becomes a single `_`; such runs at the start or end are dropped;
//! - an empty result becomes `node`.
//!
//! `data_processing.preprocess_companies_node` -> `data_processing__preprocess_companies_node`;
//! `<lambda>__1a2b3c4d` -> `lambda___1a2b3c4d`; `partial(f)__1a2b` -> `partial_f___1a2b`.
//!
//! Names that still collide (with each other, with a user's stage or with a reserved name) all get a
//! `-<first 8 hex digits of sha256(full Kedro name)>` suffix, so the result never depends on the order in
//! which the colliding names were seen.

use std::collections::{BTreeMap, BTreeSet};

use sha2::{Digest, Sha256};

/// Sanitizes one Kedro name to DVC's stage-name alphabet (see the module docs).
pub fn sanitize(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    let mut pending_other = false;
    for c in name.chars() {
        if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
            if pending_other && !out.is_empty() {
                out.push('_');
            }
            pending_other = false;
            out.push(c);
        } else if c == '.' {
            if pending_other && !out.is_empty() {
                out.push('_');
            }
            pending_other = false;
            out.push_str("__");
        } else {
            pending_other = true;
        }
    }
    let trimmed = out.trim_start_matches("__");
    if trimmed.is_empty() {
        "node".to_string()
    } else {
        trimmed.to_string()
    }
}

/// The first `len` hex digits of sha256 of `s`.
pub(crate) fn short_hash(s: &str, len: usize) -> String {
    let digest = Sha256::digest(s.as_bytes());
    hex::encode(digest)[..len].to_string()
}

/// Assigns final, unique stage names.
///
/// `wanted` holds (identity, base name) pairs, where identity is the full Kedro name (joined with `,` for
/// fused groups). Names in `taken` (user stages, reserved names) are never produced.
pub(crate) fn assign_unique(wanted: &[(String, String)], taken: &BTreeSet<String>) -> Vec<String> {
    let mut count: BTreeMap<&str, usize> = BTreeMap::new();
    for (_, base) in wanted {
        *count.entry(base.as_str()).or_default() += 1;
    }
    let mut used: BTreeSet<String> = taken.clone();
    let mut out = Vec::with_capacity(wanted.len());
    // First pass: names that are unique and free keep their base name.
    let mut firsts: Vec<Option<String>> = Vec::with_capacity(wanted.len());
    for (_, base) in wanted {
        if count[base.as_str()] == 1 && !taken.contains(base) {
            used.insert(base.clone());
            firsts.push(Some(base.clone()));
        } else {
            firsts.push(None);
        }
    }
    for ((identity, base), first) in wanted.iter().zip(firsts) {
        if let Some(name) = first {
            out.push(name);
            continue;
        }
        let mut len = 8;
        let mut name = format!("{base}-{}", short_hash(identity, len));
        while used.contains(&name) && len < 64 {
            len += 4;
            name = format!("{base}-{}", short_hash(identity, len.min(64)));
        }
        let mut n = 2;
        while used.contains(&name) {
            // Two identical identities: only possible with duplicated input; stay deterministic.
            name = format!("{base}-{}-{n}", short_hash(identity, 8));
            n += 1;
        }
        used.insert(name.clone());
        out.push(name);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitizes() {
        assert_eq!(
            sanitize("data_processing.preprocess_companies_node"),
            "data_processing__preprocess_companies_node"
        );
        assert_eq!(sanitize("<lambda>__1a2b3c4d"), "lambda___1a2b3c4d");
        assert_eq!(sanitize("partial(f)__1a2b3c4d"), "partial_f___1a2b3c4d");
        assert_eq!(sanitize("f([a;b]) -> [c]"), "f_a_b_-_c");
        assert_eq!(sanitize("a.b.c"), "a__b__c");
        assert_eq!(sanitize("..."), "node");
        assert_eq!(sanitize("ns.<lambda>"), "ns___lambda");
        assert_eq!(sanitize("é"), "node");
    }

    #[test]
    fn collisions_get_hash_suffixes_independent_of_order() {
        let a = ("a.b".to_string(), sanitize("a.b"));
        let b = ("a__b".to_string(), sanitize("a__b"));
        let c = ("c".to_string(), "c".to_string());
        let taken: BTreeSet<String> = ["c".to_string()].into();
        let one = assign_unique(&[a.clone(), b.clone(), c.clone()], &taken);
        let two = assign_unique(&[b, a, c], &taken);
        assert_eq!(one[0], two[1]);
        assert_eq!(one[1], two[0]);
        assert_eq!(one[0], format!("a__b-{}", short_hash("a.b", 8)));
        assert_eq!(one[2], format!("c-{}", short_hash("c", 8)));
        assert_eq!(one.iter().collect::<BTreeSet<_>>().len(), 3);
    }
}
