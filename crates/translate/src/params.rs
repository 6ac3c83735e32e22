//! Parameters as DVC reads them: whether DVC can track a key, and the `kdvc exp run -S` edit.
//!
//! DVC reads params files with YAML 1.2 (ruamel) and serializes tracked values to JSON. Two things break
//! it on ordinary Kedro files (docs/dvc.md#params-tracking):
//! - a value that is, or contains, a date (`since: 2024-01-01`): "Object of type date is not JSON
//!   serializable" — Kedro itself reads the same value as a string;
//! - a key containing `.`: DVC splits key paths on `.` and reports the key missing.
//!
//! For such keys kdvc makes the stage depend on the whole file instead (a plain file dep: whole-file
//! params would serialize the date too). [`check_source`] decides, reading the file as DVC does.
//!
//! `dvc exp run -S file:key=value` composes the file with OmegaConf, which fails on Kedro's resolvers
//! (`${globals:...}`). [`set_param`] edits the one scalar that defines a Kedro parameter's effective
//! value, keeping everything else in the file byte-for-byte, so that `dvc exp run` (without `-S`) picks
//! up the change. The edit is checked with Kedro's YAML 1.1 rules, as Kedro will read the file.

use std::path::Path;

use kdvc_yaml::{Content, Node, Options, Schema, Style, Value};

use crate::error::{Error, Result};
use crate::input::{ParamIssue, ParamSource};
use crate::yaml::parse_source;

/// Checks whether DVC can track `key` (dot-joined path segments) of a params file with this text.
/// `None` = fine; an empty key checks the whole file.
pub fn check_source(text: &str, key: &[String], file: &Path) -> Result<Option<ParamIssue>> {
    if key.iter().any(|k| k.contains('.')) {
        return Ok(Some(ParamIssue::DottedKey));
    }
    let root = parse_source(text, Schema::Core, file)?;
    Ok(check_parsed(root.as_ref(), key))
}

/// Whether `node` or anything below it is a scalar DVC's YAML 1.2 loader (ruamel, with timestamp
/// support) turns into a date or datetime: a plain one, or one with an explicit tag.
fn contains_timestamp(node: &Node) -> bool {
    match &node.content {
        Content::Scalar { text, .. } => {
            (node.is_plain() || node.tag.is_some()) && kdvc_yaml::is_timestamp(text)
        }
        Content::Seq { items, .. } => items.iter().any(contains_timestamp),
        Content::Map { entries, .. } => entries
            .iter()
            .any(|(k, v)| contains_timestamp(k) || contains_timestamp(v)),
    }
}

/// [`check_source`] on an already parsed file (`None` = empty document); `key` has no dotted segment.
fn check_parsed(root: Option<&Node>, key: &[String]) -> Option<ParamIssue> {
    let Some(root) = root else {
        return if key.is_empty() {
            None
        } else {
            Some(ParamIssue::NotAddressable)
        };
    };
    let Some(node) = root.lookup(key) else {
        return Some(ParamIssue::NotAddressable);
    };
    if contains_timestamp(node) {
        return Some(ParamIssue::Date);
    }
    None
}

/// Fills in [`ParamSource::issue`] for every source by reading the files under `root`.
///
/// Files are read and parsed once each. A file that cannot be read is an error.
pub fn annotate_sources<'a>(
    root: &Path,
    sources: impl IntoIterator<Item = &'a mut ParamSource>,
) -> Result<()> {
    let mut cache: std::collections::HashMap<String, Option<Node>> =
        std::collections::HashMap::new();
    for src in sources {
        if src.key.iter().any(|k| k.contains('.')) {
            src.issue = Some(ParamIssue::DottedKey);
            continue;
        }
        if !cache.contains_key(&src.file) {
            let path = root.join(&src.file);
            let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
            let parsed = parse_source(&text, Schema::Core, &path)?;
            cache.insert(src.file.clone(), parsed);
        }
        src.issue = check_parsed(cache[&src.file].as_ref(), &src.key);
    }
    Ok(())
}

/// The outcome of [`set_param`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParamEdit {
    /// The file edited, relative to the project root.
    pub file: String,
    /// The key path edited in it.
    pub key: Vec<String>,
    /// The new file text.
    pub text: String,
    /// The text of the scalar before the edit (e.g. `${globals:seed}` when an interpolation was
    /// replaced by a literal).
    pub old_value: String,
}

/// Rewrites the scalar at `key` in `text` to `value` (YAML-typed text, as given to `-S key=value`).
///
/// Only the scalar's bytes change. The value is written as given when it reads back as YAML with the same
/// meaning as on its own (`0.3`, `true`, `abc`, `[1, 2]`), else as a quoted string.
pub fn set_scalar(
    text: &str,
    key: &[String],
    value: &str,
    file: &Path,
) -> Result<(String, String)> {
    let root = parse_source(text, Schema::Kedro, file)?;
    let dotted = key.join(".");
    let node = root
        .as_ref()
        .and_then(|r| r.lookup(key))
        .ok_or_else(|| Error::Param {
            key: dotted.clone(),
            message: format!("not found in {}", file.display()),
        })?;
    let Content::Scalar { style, .. } = &node.content else {
        return Err(Error::Param {
            key: dotted,
            message: format!(
                "is a mapping or list in {} (line {}); set one of its scalar keys instead",
                file.display(),
                node.span.line
            ),
        });
    };
    let pos = node.span;
    if matches!(style, Style::Literal | Style::Folded) {
        return Err(Error::Param {
            key: dotted,
            message: format!(
                "is a block scalar in {} (line {}); edit it by hand",
                file.display(),
                pos.line
            ),
        });
    }
    let old = text[pos.start..pos.end].to_string();
    // What Kedro reads `value` as on its own (`None`: not a YAML value Kedro can load; such a value must
    // not start a flow collection or a quoted scalar).
    let wanted = kdvc_yaml::parse(&format!("v: {value}\n"), &Options::kedro())
        .ok()
        .flatten()
        .and_then(|r| r.get("v").map(|v| Value::from_node(v, Schema::Kedro)))
        .and_then(std::result::Result::ok);
    // A value that opens a flow collection or a quoted scalar and does not parse is a typo, never a
    // string; other unparseable text (`a: b`, `!tag x`) is set as the string it is.
    if wanted.is_none() && value.trim_start().starts_with(['[', '{', '"', '\'']) {
        return Err(Error::Param {
            key: dotted,
            message: format!(
                "the value '{value}' is not valid YAML (kdvc exp run -S reads values as Kedro reads YAML); \
                 fix it, or quote it to set a string: -S '{}=\"{}\"'",
                key.join("."),
                value.replace('"', "\\\"")
            ),
        });
    }
    let literal = match &wanted {
        Some(_) if !value.contains('\n') && !value.trim().is_empty() && value.trim() == value => {
            value.to_string()
        }
        _ => kdvc_yaml::emit::inline_scalar(value),
    };
    let new = format!("{}{}{}", &text[..pos.start], literal, &text[pos.end..]);
    // Verify: Kedro still loads the file and the key now holds the intended value.
    let check = kdvc_yaml::parse(&new, &Options::kedro()).map_err(|e| Error::Param {
        key: dotted.clone(),
        message: format!(
            "writing '{value}' would break {}: {} (line {}, column {})",
            file.display(),
            e.kind,
            e.span.line,
            e.span.column
        ),
    })?;
    let got = check
        .as_ref()
        .and_then(|r| r.lookup(key))
        .and_then(|n| Value::from_node(n, Schema::Kedro).ok());
    let as_string = Value::Str(value.to_string());
    let expect = wanted.unwrap_or_else(|| as_string.clone());
    let holds = |v: &Value| got.as_ref().is_some_and(|g| same_value(g, v));
    if !holds(&expect) && !holds(&as_string) {
        return Err(Error::Param {
            key: dotted,
            message: format!(
                "cannot write '{value}' into {} at line {}",
                file.display(),
                pos.line
            ),
        });
    }
    Ok((new, old))
}

/// Equality of values where a NaN equals a NaN.
fn same_value(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Float(x), Value::Float(y)) => x == y || (x.is_nan() && y.is_nan()),
        (Value::Seq(x), Value::Seq(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same_value(a, b))
        }
        (Value::Map(x), Value::Map(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|((ka, va), (kb, vb))| same_value(ka, kb) && same_value(va, vb))
        }
        _ => a == b,
    }
}

/// Finds where Kedro parameter `key` is defined (`sources[0]`, the defining file and key from
/// kedro-model's provenance) and rewrites that scalar to `value`.
///
/// `read` gives a file's text by its project-relative path.
pub fn set_param(
    key: &str,
    value: &str,
    sources: &[ParamSource],
    read: impl Fn(&str) -> Result<String>,
) -> Result<ParamEdit> {
    let def = sources.first().ok_or_else(|| Error::Param {
        key: key.to_string(),
        message: "is not defined in any parameters file (only existing keys can be set)".into(),
    })?;
    if def.key.is_empty() {
        return Err(Error::Param {
            key: key.into(),
            message: "names the whole parameters file".into(),
        });
    }
    let text = read(&def.file)?;
    let (new, old) = set_scalar(&text, &def.key, value, Path::new(&def.file))?;
    Ok(ParamEdit {
        file: def.file.clone(),
        key: def.key.clone(),
        text: new,
        old_value: old,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(s: &str) -> Vec<String> {
        s.split('.').map(str::to_string).collect()
    }

    #[test]
    fn a_value_that_is_not_yaml_is_refused() {
        let f = Path::new("p.yml");
        let err = set_scalar("a: 1\n", &k("a"), "[1, 2", f)
            .unwrap_err()
            .to_string();
        assert!(err.contains("not valid YAML"), "{err}");
        assert!(set_scalar("a: 1\n", &k("a"), "{x: [1", f).is_err());
        let (new, _) = set_scalar("a: 1\n", &k("a"), "[1, 2]", f).unwrap();
        assert_eq!(new, "a: [1, 2]\n");
        let (new, _) = set_scalar("a: 1\n", &k("a"), "'[1, 2'", f).unwrap();
        assert_eq!(new, "a: '[1, 2'\n");
    }

    #[test]
    fn dates_and_dots() {
        let text = "a: 1\nsince: 2024-01-01\nq: '2024-01-01'\nnested:\n  when: [1, 2024-01-01 10:00:00]\n  x: 2\n";
        let f = Path::new("p.yml");
        assert_eq!(check_source(text, &k("a"), f).unwrap(), None);
        assert_eq!(
            check_source(text, &k("since"), f).unwrap(),
            Some(ParamIssue::Date)
        );
        assert_eq!(check_source(text, &k("q"), f).unwrap(), None);
        assert_eq!(
            check_source(text, &k("nested"), f).unwrap(),
            Some(ParamIssue::Date)
        );
        assert_eq!(check_source(text, &k("nested.x"), f).unwrap(), None);
        assert_eq!(check_source(text, &[], f).unwrap(), Some(ParamIssue::Date));
        assert_eq!(
            check_source(text, &["a.b".into()], f).unwrap(),
            Some(ParamIssue::DottedKey)
        );
        assert_eq!(
            check_source(text, &k("missing"), f).unwrap(),
            Some(ParamIssue::NotAddressable)
        );
    }

    #[test]
    fn set_scalar_keeps_layout() {
        let text = "# top comment\nmodel:\n    lr: 0.1   # learning rate\n    seed: ${globals:seed}\n    name: \"x\"\nsince: 2024-01-01\n";
        let f = Path::new("p.yml");
        let (new, old) = set_scalar(text, &k("model.lr"), "0.3", f).unwrap();
        assert_eq!(old, "0.1");
        assert_eq!(new, text.replace("lr: 0.1 ", "lr: 0.3 "));
        let (new, old) = set_scalar(text, &k("model.seed"), "7", f).unwrap();
        assert_eq!(old, "${globals:seed}");
        assert!(new.contains("    seed: 7\n"));
        let (new, _) = set_scalar(text, &k("model.name"), "a: b", f).unwrap();
        assert!(new.contains("    name: 'a: b'\n"), "{new}");
        let (new, _) = set_scalar(text, &k("since"), "2025-02-02", f).unwrap();
        assert!(new.ends_with("since: 2025-02-02\n"));
        let e = set_scalar(text, &k("model"), "1", f).unwrap_err();
        insta::assert_snapshot!(e.to_string(), @"parameter 'model': is a mapping or list in p.yml (line 3); set one of its scalar keys instead");
        let e = set_scalar(text, &k("model.nope"), "1", f).unwrap_err();
        insta::assert_snapshot!(e.to_string(), @"parameter 'model.nope': not found in p.yml");
    }

    #[test]
    fn edits_are_checked_with_kedro_yaml_1_1() {
        let text = "flag: false\nwhen: x\ntag: a\n";
        let f = Path::new("p.yml");
        // Written as given: Kedro reads `yes` as true and a date as a string.
        let (new, _) = set_scalar(text, &k("flag"), "yes", f).unwrap();
        assert!(new.starts_with("flag: yes\n"), "{new}");
        let (new, _) = set_scalar(text, &k("when"), "2024-01-01", f).unwrap();
        assert!(new.contains("when: 2024-01-01\n"), "{new}");
        // A tag Kedro's SafeLoader cannot construct would break the file: written as a string.
        let (new, _) = set_scalar(text, &k("tag"), "!custom b", f).unwrap();
        assert!(new.ends_with("tag: '!custom b'\n"), "{new}");
    }

    #[test]
    fn set_param_uses_the_defining_source() {
        let sources = vec![ParamSource::new("conf/local/parameters.yml", &["a", "b"])];
        let edit = set_param("a.b", "[1, 2]", &sources, |f| {
            assert_eq!(f, "conf/local/parameters.yml");
            Ok("a:\n  b: 1\n".into())
        })
        .unwrap();
        assert_eq!(edit.text, "a:\n  b: [1, 2]\n");
        let e = set_param("zz", "1", &[], |_| Ok(String::new())).unwrap_err();
        assert!(e.to_string().contains("not defined"));
    }
}
