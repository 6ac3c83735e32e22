//! Merging generated stages into an existing `dvc.yaml`, and pruning `dvc.lock`.
//!
//! The merge works on the text: every byte outside the generated stages (user stages, other top-level
//! keys, comments, blank lines) is copied unchanged. Generated stages are recognised by
//! `meta: {kdvc: {generated: true}}`; they are all removed and the new ones are written as one block
//! where the first generated stage was (at the end of `stages:` the first time). The same input
//! therefore always gives the same bytes, and running translate twice changes nothing. The stage blocks
//! themselves are written by dvc-model ([`crate::emit`]); `dvc.lock` is pruned through dvc-model's
//! [`DvcLock`].

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::emit::render_stage;
use crate::error::{Error, Result};
use crate::plan::StagePlan;
use kdvc_dvc_model::DvcLock;
use kdvc_yaml::{Content, Node, Schema, Span};

/// One entry of a `stages:` mapping, located in the text.
#[derive(Debug, Clone)]
pub(crate) struct StageBlock {
    /// Stage name.
    pub name: String,
    /// Byte range of its lines (leading comment lines included).
    pub start: usize,
    pub end: usize,
    /// Whether `meta.kdvc.generated` is true.
    pub generated: bool,
    /// The parsed stage.
    pub node: Node,
}

/// A YAML file with a top-level `stages:` block mapping, located in the text.
#[derive(Debug, Clone)]
pub(crate) struct StagesDoc {
    /// The stages in file order.
    pub stages: Vec<StageBlock>,
    /// Column (0-based) of the stage keys.
    pub indent: usize,
    /// Where a new stage goes when there is none yet (byte offset) and how to open the block.
    pub insert_at: usize,
    /// Text replacing `[insert_at, replace_end)` before the first stage when the mapping is empty.
    pub empty_block: Option<(usize, usize)>,
}

fn line_starts(text: &str) -> Vec<usize> {
    let mut v = vec![0];
    v.extend(text.match_indices('\n').map(|(i, _)| i + 1));
    v
}

/// Byte offset of the start of 1-based `line`, extended upwards over directly preceding comment lines.
fn block_start(text: &str, starts: &[usize], line: usize) -> usize {
    let mut l = line;
    while l > 1 {
        let s = starts[l - 2];
        let e = starts[l - 1];
        let content = text[s..e].trim();
        if content.starts_with('#') {
            l -= 1;
        } else {
            break;
        }
    }
    starts[l - 1]
}

fn is_generated(stage: &Node) -> bool {
    stage
        .get("meta")
        .and_then(|m| m.get("kdvc"))
        .and_then(|k| k.get("generated"))
        .and_then(Node::as_str)
        .is_some_and(|v| v == "true")
}

/// Locates the stages of a dvc.yaml / dvc.lock text. `file` is used in errors.
pub(crate) fn parse_stages(text: &str, file: &Path) -> Result<StagesDoc> {
    let root = crate::yaml::parse_source(text, Schema::Core, file)?;
    let starts = line_starts(text);
    let end_of_text = text.len();
    let Some(root) = root else {
        return Ok(StagesDoc {
            stages: vec![],
            indent: 2,
            insert_at: end_of_text,
            empty_block: None,
        });
    };
    let pos = root.span;
    let Content::Map { mut entries, flow } = root.content else {
        return Err(shape(file, pos, "the top level must be a mapping"));
    };
    if flow {
        return Err(shape(
            file,
            pos,
            "kdvc needs block style at the top level, not `{...}`",
        ));
    }
    let Some(ti) = entries
        .iter()
        .position(|(k, _)| k.as_str() == Some("stages"))
    else {
        return Ok(StagesDoc {
            stages: vec![],
            indent: 2,
            insert_at: end_of_text,
            empty_block: None,
        });
    };
    // End of the stages block: the next top-level key (with its leading comments) or EOF.
    let block_end = entries.get(ti + 1).map_or(end_of_text, |(k, _)| {
        block_start(text, &starts, k.span.line)
    });
    let (key, value) = entries.swap_remove(ti);
    let value_pos = value.span;
    let value_empty = value.is_null(Schema::Core) || matches!(value.content, Content::Map { .. });
    match value.content {
        Content::Map {
            entries: st,
            flow: false,
        } if !st.is_empty() => {
            let indent = st[0].0.span.column - 1;
            let mut stages = Vec::with_capacity(st.len());
            let next_lines: Vec<Option<usize>> = st
                .iter()
                .skip(1)
                .map(|(k2, _)| Some(k2.span.line))
                .chain(std::iter::once(None))
                .collect();
            for ((k, v), next) in st.into_iter().zip(next_lines) {
                let name = k
                    .as_str()
                    .ok_or_else(|| shape(file, k.span, "stage names must be strings"))?
                    .to_string();
                let start = block_start(text, &starts, k.span.line);
                let end = next.map_or(block_end, |l| block_start(text, &starts, l));
                stages.push(StageBlock {
                    name,
                    start,
                    end,
                    generated: is_generated(&v),
                    node: v,
                });
            }
            Ok(StagesDoc {
                stages,
                indent,
                insert_at: block_end,
                empty_block: None,
            })
        }
        Content::Map {
            flow: true,
            entries: st,
        } if !st.is_empty() => Err(shape(
            file,
            value_pos,
            "kdvc needs `stages:` in block style, not `{...}`",
        )),
        Content::Map { .. } | Content::Scalar { .. } if value_empty => {
            // `stages:` or `stages: {}`: replace that line.
            let line_start = starts[key.span.line - 1];
            let line_end = starts.get(value_pos.line).copied().unwrap_or(end_of_text);
            Ok(StagesDoc {
                stages: vec![],
                indent: 2,
                insert_at: line_start,
                empty_block: Some((line_start, line_end)),
            })
        }
        _ => Err(shape(
            file,
            value_pos,
            "`stages` must be a mapping of stage names to stages",
        )),
    }
}

fn shape(file: &Path, pos: Span, msg: &str) -> Error {
    Error::Yaml {
        file: file.to_path_buf(),
        line: pos.line,
        col: pos.column,
        message: msg.to_string(),
    }
}

/// The result of merging.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MergeOutcome {
    /// The new dvc.yaml text.
    pub text: String,
    /// Generated stages that are new.
    pub added: Vec<String>,
    /// Generated stages whose definition changed.
    pub changed: Vec<String>,
    /// Generated stages that no longer exist.
    pub removed: Vec<String>,
    /// Generated stages left as they were.
    pub unchanged: Vec<String>,
}

/// The user's stages of an existing dvc.yaml: names and the paths they write (wdir applied).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserStages {
    /// Stage names.
    pub names: BTreeSet<String>,
    /// Output paths (outs, metrics, plots), relative to the dvc.yaml directory.
    pub outs: BTreeSet<String>,
}

/// Reads the user stages of an existing dvc.yaml text.
pub fn user_stages(text: &str, file: &Path) -> Result<UserStages> {
    Ok(user_stages_of(&parse_stages(text, file)?))
}

/// [`user_stages`] of an already parsed file.
pub(crate) fn user_stages_of(doc: &StagesDoc) -> UserStages {
    let mut us = UserStages::default();
    for s in doc.stages.iter().filter(|s| !s.generated) {
        us.names.insert(s.name.clone());
        us.outs
            .extend(stage_outputs(s).into_iter().map(|(path, _)| path));
    }
    us
}

/// The paths a stage writes (outs, metrics, plots; wdir applied), with the YAML item of each.
pub(crate) fn stage_outputs(s: &StageBlock) -> Vec<(String, &Node)> {
    let mut out = Vec::new();
    let wdir = s.node.get("wdir").and_then(Node::as_str).unwrap_or(".");
    for key in ["outs", "metrics", "plots"] {
        if let Some(items) = s.node.get(key).and_then(Node::items) {
            for it in items {
                let p = match &it.content {
                    Content::Scalar { text, .. } => Some(text.as_str()),
                    Content::Map { entries, .. } => entries.first().and_then(|(k, _)| k.as_str()),
                    Content::Seq { .. } => None,
                };
                if let Some(p) = p {
                    out.push((join_wdir(wdir, p), it));
                }
            }
        }
    }
    out
}

fn join_wdir(wdir: &str, p: &str) -> String {
    let w = wdir.trim_end_matches('/');
    if w.is_empty() || w == "." {
        p.trim_start_matches("./").to_string()
    } else {
        format!("{w}/{p}")
    }
}

fn indent_block(block: &str, extra: usize) -> String {
    if extra == 0 {
        return block.to_string();
    }
    let pad = " ".repeat(extra);
    block.lines().map(|l| format!("{pad}{l}\n")).collect()
}

/// Merges `stages` into the existing dvc.yaml text (`None` = no file yet).
pub fn merge_dvc_yaml(
    existing: Option<&str>,
    stages: &[StagePlan],
    file: &Path,
) -> Result<MergeOutcome> {
    let text = existing.unwrap_or("");
    let doc = parse_stages(text, file)?;
    Ok(merge_parsed(text, &doc, stages))
}

/// [`merge_dvc_yaml`] with the existing text already parsed.
pub(crate) fn merge_parsed(text: &str, doc: &StagesDoc, stages: &[StagePlan]) -> MergeOutcome {
    let extra = doc.indent.saturating_sub(2);
    let rendered: Vec<(String, String)> = stages
        .iter()
        .map(|s| (s.name.clone(), indent_block(&render_stage(s), extra)))
        .collect();
    let block: String = rendered.iter().map(|(_, r)| r.as_str()).collect();

    let old_generated: BTreeMap<&str, &str> = doc
        .stages
        .iter()
        .filter(|s| s.generated)
        .map(|s| (s.name.as_str(), text[s.start..s.end].trim_end()))
        .collect();
    let mut out = MergeOutcome::default();
    for (name, r) in &rendered {
        match old_generated.get(name.as_str()) {
            None => out.added.push(name.clone()),
            Some(old) if *old != r.trim_end() => out.changed.push(name.clone()),
            Some(_) => out.unchanged.push(name.clone()),
        }
    }
    let new_names: BTreeSet<&str> = stages.iter().map(|s| s.name.as_str()).collect();
    out.removed = old_generated
        .keys()
        .filter(|n| !new_names.contains(*n))
        .map(|n| (*n).to_string())
        .collect();

    let mut new = String::with_capacity(text.len() + block.len());
    if doc.stages.is_empty() {
        if let Some((s, e)) = doc.empty_block {
            new.push_str(&text[..s]);
            new.push_str(if block.is_empty() {
                "stages: {}\n"
            } else {
                "stages:\n"
            });
            new.push_str(&block);
            new.push_str(&text[e..]);
        } else {
            let before = &text[..doc.insert_at];
            new.push_str(before);
            if !before.is_empty() && !before.ends_with('\n') {
                new.push('\n');
            }
            new.push_str(if block.is_empty() {
                "stages: {}\n"
            } else {
                "stages:\n"
            });
            new.push_str(&block);
            new.push_str(&text[doc.insert_at..]);
        }
    } else {
        let first = doc.stages[0].start;
        new.push_str(&text[..first]);
        let mut placed = false;
        for s in &doc.stages {
            if s.generated {
                if !placed {
                    new.push_str(&block);
                    placed = true;
                }
            } else {
                let mut chunk = &text[s.start..s.end];
                let owned;
                if !chunk.ends_with('\n') {
                    owned = format!("{chunk}\n");
                    chunk = &owned;
                    new.push_str(chunk);
                } else {
                    new.push_str(chunk);
                }
            }
        }
        if !placed {
            new.push_str(&block);
        }
        if doc.stages.iter().all(|s| s.generated) && block.is_empty() {
            // Every stage was generated and none remain: keep the file valid.
            let prefix_len = first;
            let prefix = &text[..prefix_len];
            if let Some(idx) = prefix.rfind("stages:") {
                new = format!("{}stages: {{}}\n", &prefix[..idx]);
            }
        }
        new.push_str(&text[doc.insert_at..]);
    }
    out.text = new;
    out
}

/// Removes the entries of `removed` stages from a dvc.lock text; `None` when nothing changes.
///
/// The lock is read and written by dvc-model ([`DvcLock::prune`]), which writes DVC's own layout back
/// byte for byte. With no stage left only the `schema` line remains.
pub fn prune_lock(text: &str, removed: &BTreeSet<String>, file: &Path) -> Result<Option<String>> {
    if removed.is_empty() {
        return Ok(None);
    }
    let mut lock = DvcLock::parse(text, file)?;
    if lock.prune(|name| !removed.contains(name)).is_empty() {
        return Ok(None);
    }
    if lock.stages.is_empty() {
        let schema = kdvc_dvc_model::Value::map([(
            "schema",
            kdvc_dvc_model::Value::from(lock.schema.as_str()),
        )]);
        return Ok(Some(kdvc_dvc_model::yaml::to_yaml_string(&schema)));
    }
    Ok(Some(lock.to_yaml()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pruning_every_stage_leaves_the_schema() {
        let lock = "schema: '2.0'\nstages:\n  gone:\n    cmd: b\n";
        let removed = BTreeSet::from(["gone".to_string()]);
        let new = prune_lock(lock, &removed, Path::new("dvc.lock")).unwrap();
        assert_eq!(new.as_deref(), Some("schema: '2.0'\n"));
        let e = prune_lock(
            "schema: '1.0'\nstages: {}\n",
            &removed,
            Path::new("dvc.lock"),
        )
        .unwrap_err();
        insta::assert_snapshot!(e.to_string(), @r"
        'dvc.lock' validation failed.
        invalid schema version, in schema, line 1, column 9
        ");
    }
}
