//! Rendering planned stages as dvc.yaml text: dvc-model writes them ([`StagePlan::to_stage`]), in the
//! layout DVC itself writes (2-space indent, sequences not indented under their key), so that
//! `dvc stage add` and kdvc produce the same-looking files.

use kdvc_dvc_model::DvcYaml;

use crate::plan::StagePlan;

/// Renders one stage as the lines of a `stages:` entry (indented by 2, ending in a newline).
pub fn render_stage(s: &StagePlan) -> String {
    let stage = s.to_stage();
    DvcYaml::render_stage_entries([(s.name.as_str(), &stage)])
}

/// Renders a complete dvc.yaml holding only the given stages.
pub fn render_dvc_yaml(stages: &[StagePlan]) -> String {
    if stages.is_empty() {
        return "stages: {}\n".into();
    }
    let built: Vec<_> = stages
        .iter()
        .map(|s| (s.name.as_str(), s.to_stage()))
        .collect();
    let body = DvcYaml::render_stage_entries(built.iter().map(|(n, st)| (*n, st)));
    format!("stages:\n{body}")
}
