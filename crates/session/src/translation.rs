//! What `kdvc translate` and `kdvc check` do with the [`Translation`] of a session.

use kdvc_translate::Translation;

use crate::error::Result;
use crate::session::Session;

/// Whether the files on disk are what `kdvc translate` would write (`kdvc check`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CheckOutcome {
    /// True when `dvc.yaml`, the `.dvc` files and the `.gitignore` entries are up to date.
    pub up_to_date: bool,
    /// A unified diff from the files on disk to what translate would write (empty when up to date).
    pub diff: String,
}

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
        })
    }
}
