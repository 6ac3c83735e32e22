//! Git-ignore questions kdvc must answer without running git: is a `.dvc` file committable, and what
//! `.gitignore` lines DVC would add.
//!
//! Kedro's template ignores `data/**` (re-including directories with `!data/**/` and `!.gitkeep`), so a
//! `data/01_raw/x.csv.dvc` is ignored and DVC refuses it ("bad DVC file name ... is git-ignored").
//! kdvc appends a marked negation block to the root `.gitignore` ([`NEGATION_BLOCK`]) and reports it.

use std::path::Path;

use ignore::Match;
use ignore::gitignore::{Gitignore, GitignoreBuilder};

/// The block kdvc appends to the root `.gitignore` so that DVC files under ignored data stay committable.
pub const NEGATION_BLOCK: &str =
    "# kdvc: keep DVC files committable under git-ignored data (added by kdvc translate)\n!*.dvc\n";

/// The `.gitignore` contents of a project, some possibly replaced by planned new texts.
pub(crate) struct IgnoreView<'a> {
    root: &'a Path,
    overrides: &'a dyn Fn(&str) -> Option<String>,
}

impl<'a> IgnoreView<'a> {
    /// `overrides(rel_path_of_gitignore)` gives a planned text for a `.gitignore`, if any.
    pub(crate) fn new(root: &'a Path, overrides: &'a dyn Fn(&str) -> Option<String>) -> Self {
        Self { root, overrides }
    }

    fn matcher(&self, dir: &str) -> Option<Gitignore> {
        let rel = if dir.is_empty() {
            ".gitignore".to_string()
        } else {
            format!("{dir}/.gitignore")
        };
        let text = match (self.overrides)(&rel) {
            Some(t) => t,
            None => std::fs::read_to_string(self.root.join(&rel)).ok()?,
        };
        let mut b = GitignoreBuilder::new(self.root.join(dir));
        for line in text.lines() {
            let _ = b.add_line(None, line);
        }
        b.build().ok()
    }

    /// Whether git would ignore `rel` (a path relative to the root; `is_dir` says what it is), using the
    /// `.gitignore` files from the root down (deeper files win; an ignored parent directory hides all).
    pub(crate) fn is_ignored(&self, rel: &str, is_dir: bool) -> bool {
        let parts: Vec<&str> = rel.split('/').filter(|p| !p.is_empty()).collect();
        let mut matchers: Vec<Gitignore> = Vec::new();
        for i in 0..parts.len() {
            let dir = parts[..i].join("/");
            if let Some(m) = self.matcher(&dir) {
                matchers.push(m);
            }
            let path = parts[..=i].join("/");
            let last = i + 1 == parts.len();
            let check_dir = !last || is_dir;
            let mut verdict = Match::None;
            for m in &matchers {
                match m.matched(self.root.join(&path), check_dir) {
                    Match::None => {}
                    other => verdict = other.map(|_| ()),
                }
            }
            if matches!(verdict, Match::Ignore(())) {
                return true;
            }
        }
        false
    }
}

pub(crate) use kdvc_fsutil::{gitignore_escape as escape, gitignore_with_line as with_line};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kedro_template_ignores_dvc_files_until_negated() {
        let tmp = tempfile::tempdir().unwrap();
        let template = "conf/local/**\n!conf/local/.gitkeep\ndata/**\n!data/**/\n!.gitkeep\n";
        std::fs::write(tmp.path().join(".gitignore"), template).unwrap();
        let none = |_: &str| None;
        let view = IgnoreView::new(tmp.path(), &none);
        assert!(view.is_ignored("data/01_raw/x.csv.dvc", false));
        assert!(!view.is_ignored("data/01_raw", true));
        assert!(!view.is_ignored("dvc.yaml", false));
        let negated = format!("{template}\n{NEGATION_BLOCK}");
        let over = move |p: &str| (p == ".gitignore").then(|| negated.clone());
        let view = IgnoreView::new(tmp.path(), &over);
        assert!(!view.is_ignored("data/01_raw/x.csv.dvc", false));
        assert!(view.is_ignored("data/01_raw/x.csv", false));
    }

    #[test]
    fn ignored_parent_directory_hides_everything() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(
            tmp.path().join(".gitignore"),
            format!("data/\n{NEGATION_BLOCK}"),
        )
        .unwrap();
        let none = |_: &str| None;
        assert!(IgnoreView::new(tmp.path(), &none).is_ignored("data/x.csv.dvc", false));
    }

    #[test]
    fn appends_like_dvc() {
        assert_eq!(with_line("", "/x").unwrap(), "/x\n");
        assert_eq!(with_line("/a", "/x").unwrap(), "/a\n/x\n");
        assert_eq!(with_line("/x\n", "/x"), None);
        assert_eq!(escape("a[1]#.csv"), "a\\[1\\]\\#.csv");
    }
}
