//! What `kdvc translate` and `kdvc check` do with the [`Translation`] of a session.

use kdvc_kedro_model::Location;
use kdvc_translate::{FileChange, Translation};

use crate::error::Result;
use crate::report::{Level, Report};
use crate::session::Session;

/// Whether the files on disk are what `kdvc translate` would write (`kdvc check`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CheckOutcome {
    /// True when `dvc.yaml`, the `.dvc` files and the `.gitignore` entries are up to date.
    pub up_to_date: bool,
    /// A unified diff from the files on disk to what translate would write (empty when up to date).
    pub diff: String,
    /// One error report per stale file, pointing at its first differing line (for `dvc.yaml`, naming
    /// the stages that would be added, changed or removed).
    pub stale: Vec<Report>,
}

const CHECK_HINT: &str = "run `kdvc translate` and commit the result";

impl Session {
    /// Writes what [`Session::translation`] computed: the DVC cache objects of raw inputs, then every
    /// changed file atomically (files already written are put back if a later write fails).
    pub fn write_translation(&self) -> Result<&Translation> {
        let translation = self.translation()?;
        translation.write()?;
        Ok(translation)
    }

    /// Compares the files on disk with what [`Session::translation`] would write.
    pub fn check(&self) -> Result<CheckOutcome> {
        let translation = self.translation()?;
        Ok(CheckOutcome {
            up_to_date: translation.is_clean(),
            diff: translation.diff(),
            stale: translation
                .changes
                .iter()
                .map(|change| stale_report(translation, change))
                .collect(),
        })
    }
}

/// The report of one file that `kdvc translate` would change.
fn stale_report(translation: &Translation, change: &FileChange) -> Report {
    let r = &translation.report;
    let mut message = match &change.old {
        None => format!("{} is missing", change.path),
        Some(_) => format!(
            "{} is stale (not what `kdvc translate` would write)",
            change.path
        ),
    };
    if change.path == "dvc.yaml" {
        let groups = [
            ("added", &r.stages_added),
            ("changed", &r.stages_changed),
            ("removed", &r.stages_removed),
        ];
        let parts: Vec<String> = groups
            .iter()
            .filter(|(_, names)| !names.is_empty())
            .map(|(what, names)| format!("stages {what}: {}", names.join(", ")))
            .collect();
        if !parts.is_empty() {
            message = format!("{message}: {}", parts.join("; "));
        }
    }
    let line = change.old.as_deref().map_or(1, |old| {
        let differs = old
            .lines()
            .zip(change.new.lines())
            .position(|(a, b)| a != b);
        differs.unwrap_or_else(|| old.lines().count().min(change.new.lines().count())) + 1
    });
    let location = Location::new(translation.root.join(&change.path), line, 1);
    let mut report = Report::from_text(Level::Error, &message, Some(location));
    // The whole line is what differs.
    report.end = change
        .old
        .as_deref()
        .and_then(|old| old.lines().nth(line - 1))
        .map(|text| (line, text.chars().count() + 1));
    report.hint = Some(CHECK_HINT.to_owned());
    report
}
