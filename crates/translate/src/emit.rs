//! Rendering planned stages as dvc.yaml text, in the layout DVC itself writes (2-space indent, sequences
//! not indented under their key), so that `dvc stage add` and kdvc produce the same-looking files.

use crate::config::OutKind;
use crate::plan::{OutPlan, StagePlan};
use kdvc_yaml::emit::inline_scalar as scalar;

/// Renders one stage as the lines of a `stages:` entry (indented by 2, ending in a newline).
pub fn render_stage(s: &StagePlan) -> String {
    let mut o = String::new();
    o.push_str(&format!("  {}:\n", scalar(&s.name)));
    o.push_str(&format!("    cmd: {}\n", scalar(&s.cmd)));
    if !s.deps.is_empty() {
        o.push_str("    deps:\n");
        for d in &s.deps {
            o.push_str(&format!("    - {}\n", scalar(d)));
        }
    }
    if !s.params.is_empty() {
        o.push_str("    params:\n");
        for (file, keys) in &s.params {
            match keys {
                None => o.push_str(&format!("    - {}:\n", scalar(file))),
                Some(keys) => {
                    o.push_str(&format!("    - {}:\n", scalar(file)));
                    for k in keys {
                        o.push_str(&format!("      - {}\n", scalar(k)));
                    }
                }
            }
        }
    }
    for (kind, key) in [
        (OutKind::Out, "outs"),
        (OutKind::Metric, "metrics"),
        (OutKind::Plot, "plots"),
    ] {
        let outs: Vec<&OutPlan> = s.outs.iter().filter(|o| o.kind == kind).collect();
        if outs.is_empty() {
            continue;
        }
        o.push_str(&format!("    {key}:\n"));
        for out in outs {
            if out.cache && !out.persist {
                o.push_str(&format!("    - {}\n", scalar(&out.path)));
            } else {
                o.push_str(&format!("    - {}:\n", scalar(&out.path)));
                if !out.cache {
                    o.push_str("        cache: false\n");
                }
                if out.persist {
                    o.push_str("        persist: true\n");
                }
            }
        }
    }
    if s.always_changed {
        o.push_str("    always_changed: true\n");
    }
    o.push_str("    meta:\n      kdvc:\n        generated: true\n");
    o.push_str(&format!("        pipeline: {}\n", scalar(&s.pipeline)));
    if let Some(role) = &s.role {
        o.push_str(&format!("        role: {}\n", scalar(role)));
    }
    if s.nodes.is_empty() {
        o.push_str("        nodes: []\n");
    } else {
        o.push_str("        nodes:\n");
        for n in &s.nodes {
            o.push_str(&format!("        - {}\n", scalar(n)));
        }
    }
    if s.namespaces.is_empty() {
        o.push_str("        namespaces: []\n");
    } else {
        o.push_str("        namespaces:\n");
        for n in &s.namespaces {
            o.push_str(&format!("        - {}\n", scalar(n)));
        }
    }
    if !s.fingerprint_params.is_empty() {
        o.push_str("        fingerprint_params:\n");
        for p in &s.fingerprint_params {
            o.push_str(&format!("        - {}\n", scalar(p)));
        }
    }
    o
}

/// Renders a complete dvc.yaml holding only the given stages.
pub fn render_dvc_yaml(stages: &[StagePlan]) -> String {
    let mut o = String::from("stages:\n");
    for s in stages {
        o.push_str(&render_stage(s));
    }
    if stages.is_empty() {
        o = "stages: {}\n".into();
    }
    o
}
