//! Raw inputs git already tracks. `dvc add` refuses such a file ("output '...' is already tracked by SCM
//! (e.g. Git)", DVC 3.67.1) and tells the user to stop tracking it in git first; kdvc refuses the same way
//! rather than write a `.dvc` file that would leave the data tracked twice.

use std::fmt;
use std::path::Path;
use std::process::Command;

use kdvc_kedro_model::Location;

/// A raw input that git tracks (the file itself, or files under the directory).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TrackedInput {
    /// The path relative to the project root (POSIX).
    pub path: String,
    /// Whether the raw input is a directory.
    pub directory: bool,
    /// The catalog datasets that read it.
    pub datasets: Vec<String>,
    /// The catalog entry (or factory pattern) that declares the first dataset, when known; the file is
    /// absolute.
    pub location: Option<Location>,
}

impl TrackedInput {
    /// The commands that stop git tracking it, run from the project root; the data stays on disk.
    pub fn commands(&self) -> [String; 2] {
        let quoted = shell_quote(&self.path);
        let rm = if self.directory {
            format!("git rm -r --cached {quoted}")
        } else {
            format!("git rm --cached {quoted}")
        };
        let message = shell_quote(&format!("stop tracking {}", self.path));
        [rm, format!("git commit -m {message}")]
    }
}

/// The inputs of a [`crate::Error::TrackedByGit`], as its message shows them.
pub(crate) struct Listing<'a>(pub &'a [TrackedInput]);

impl fmt::Display for Listing<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Some(first) = self.0.first() else {
            return Ok(());
        };
        if let Some(loc) = &first.location {
            write!(f, "{loc}: ")?;
        }
        let names = |i: &TrackedInput| {
            i.datasets
                .iter()
                .map(|d| format!("'{d}'"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        write!(
            f,
            "raw input '{}' (dataset {}) is already tracked by git; a .dvc file would track it a second time",
            first.path,
            names(first)
        )?;
        for other in &self.0[1..] {
            write!(
                f,
                "\n  also tracked by git: '{}' (dataset {})",
                other.path,
                names(other)
            )?;
        }
        write!(
            f,
            "\n  hint: stop tracking {} in git (the data stays on disk), then translate again; from the project \
             root:",
            if self.0.len() == 1 { "it" } else { "them" }
        )?;
        for input in self.0 {
            for command in input.commands() {
                write!(f, "\n  {command}")?;
            }
        }
        Ok(())
    }
}

/// `'text'` for a POSIX shell (a `'` inside becomes `'\''`).
fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// Which of `paths` (relative to `root`, POSIX) git tracks in its index, itself or a file under it. Not a
/// git work tree, or no git: none (DVC without git checks nothing either).
pub(crate) fn tracked(root: &Path, paths: &[&str]) -> Vec<String> {
    if paths.is_empty() {
        return Vec::new();
    }
    let Ok(output) = Command::new("git")
        .current_dir(root)
        .args(["ls-files", "-z", "--cached", "--"])
        .args(paths.iter().map(|p| format!(":(literal){p}")))
        .output()
    else {
        return Vec::new();
    };
    if !output.status.success() {
        return Vec::new();
    }
    let listed: Vec<&str> = output
        .stdout
        .split(|b| *b == 0)
        .filter_map(|s| std::str::from_utf8(s).ok())
        .filter(|s| !s.is_empty())
        .collect();
    paths
        .iter()
        .filter(|p| {
            listed
                .iter()
                .any(|l| l == *p || l.strip_prefix(*p).is_some_and(|rest| rest.starts_with('/')))
        })
        .map(|p| (*p).to_owned())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_quote_for_the_shell() {
        let file = TrackedInput {
            path: "data/01_raw/it's.csv".into(),
            directory: false,
            datasets: vec!["x".into()],
            location: None,
        };
        assert_eq!(
            file.commands(),
            [
                r"git rm --cached 'data/01_raw/it'\''s.csv'".to_owned(),
                r"git commit -m 'stop tracking data/01_raw/it'\''s.csv'".to_owned()
            ]
        );
        let dir = TrackedInput {
            path: "data/01_raw/parts".into(),
            directory: true,
            ..file
        };
        assert_eq!(dir.commands()[0], "git rm -r --cached 'data/01_raw/parts'");
    }

    fn git(dir: &Path, args: &[&str]) {
        let status = Command::new("git")
            .current_dir(dir)
            .args(args)
            .env("GIT_AUTHOR_NAME", "t")
            .env("GIT_AUTHOR_EMAIL", "t@t.invalid")
            .env("GIT_COMMITTER_NAME", "t")
            .env("GIT_COMMITTER_EMAIL", "t@t.invalid")
            .status()
            .expect("git is installed");
        assert!(status.success(), "git {args:?}");
    }

    #[test]
    fn files_and_directories_in_the_index_are_tracked() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        let paths = [
            "raw/a.csv",
            "raw/parts",
            "raw/untracked.csv",
            "raw/part",
            "raw/[x].csv",
        ];
        // Not a git work tree: nothing is tracked.
        assert!(tracked(root, &paths).is_empty());
        git(root, &["init", "-q"]);
        std::fs::create_dir_all(root.join("raw/parts/2024")).unwrap();
        for f in [
            "raw/a.csv",
            "raw/parts/2024/p1.csv",
            "raw/untracked.csv",
            "raw/[x].csv",
        ] {
            std::fs::write(root.join(f), "x\n").unwrap();
        }
        // Staged counts, as for `dvc add`; `raw/part` is only a prefix of `raw/parts`.
        git(root, &["add", "raw/a.csv", "raw/parts", "raw/[[]x].csv"]);
        assert_eq!(
            tracked(root, &paths),
            ["raw/a.csv", "raw/parts", "raw/[x].csv"]
        );
        git(root, &["commit", "-q", "-m", "data"]);
        git(root, &["rm", "-q", "--cached", "raw/a.csv"]);
        assert_eq!(tracked(root, &paths), ["raw/parts", "raw/[x].csv"]);
    }
}
