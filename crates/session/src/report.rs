//! Errors, warnings and stale files taken apart for a renderer: a [`Report`] is a message, the place it
//! points at (file, line and column, and where the pointed-at token ends), a hint and the causes, so that
//! a front end can show a source snippet, JSON or CI annotations without reading error texts itself.

use std::path::Path;

use kdvc_kedro_model::Location;

use crate::error::Error;
use crate::warning::Warning;

/// How serious a [`Report`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// The operation failed (or, for `kdvc check`, found a stale file).
    Error,
    /// Worth knowing; the operation went on.
    Warning,
}

/// One diagnostic, ready to render.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Report {
    /// Error or warning.
    pub level: Level,
    /// What is wrong, without the location prefix and the hint.
    pub message: String,
    /// Where: the file (absolute when the project root is known), 1-based line and column (0 when
    /// unknown).
    pub location: Option<Location>,
    /// Where the pointed-at text ends, `(line, column)`, 1-based and exclusive (the column just past its
    /// last character): the token at the location (a word, a quoted string, a `${...}` expression or one
    /// punctuation character). `None` when the file cannot be read or the location has no column.
    pub end: Option<(usize, usize)>,
    /// What to do about it.
    pub hint: Option<String>,
    /// The causes, outermost first (messages that repeat the one before are left out).
    pub causes: Vec<String>,
}

impl Report {
    /// A report with `message` split from its `\n  hint: ...` lines and the location prefix
    /// (`file:line:col: `) taken off.
    pub(crate) fn from_text(level: Level, text: &str, location: Option<Location>) -> Self {
        let mut parts = text.split("\n  hint: ");
        let head = parts.next().unwrap_or_default();
        let hints: Vec<&str> = parts.collect();
        let message = match &location {
            Some(loc) => strip_location(head, loc),
            None => head,
        };
        let mut report = Self {
            level,
            message: message.to_owned(),
            location,
            end: None,
            hint: (!hints.is_empty()).then(|| hints.join("\n")),
            causes: Vec::new(),
        };
        report.end = report.location.as_ref().and_then(token_end);
        report
    }
}

impl Error {
    /// What this error says, taken apart: one report, or one per error diagnostic of the static
    /// pipeline reader.
    pub fn reports(&self) -> Vec<Report> {
        if let Self::StaticPipelines { diagnostics, root } = self {
            return diagnostics
                .iter()
                .map(|d| {
                    let mut location = Location::new(root.join(&d.file), d.line, d.col);
                    // A statement's diagnostic is more precise at the name its message quotes.
                    if let Some(name) = d.message.split('`').nth(1) {
                        location = at_text(location, name);
                    }
                    let mut report = Report::from_text(Level::Error, &d.message, Some(location));
                    report.hint = Some(d.hint.clone());
                    report
                })
                .collect();
        }
        let mut report = Report::from_text(Level::Error, &self.to_string(), self.location());
        if report.hint.is_none() {
            report.hint = self.hint().map(str::to_owned);
        }
        let mut previous = self.to_string();
        let mut cause = std::error::Error::source(self);
        while let Some(err) = cause {
            let text = err.to_string();
            // Library errors often repeat their source's message in their own; keep it once.
            if !previous.contains(&text) {
                report.causes.push(text.clone());
            }
            previous = text;
            cause = err.source();
        }
        vec![report]
    }
}

impl Warning {
    /// What this warning says, taken apart, with its file under `root` (the project root, see
    /// [`crate::Session::root`]).
    pub fn report(&self, root: &Path) -> Report {
        match self {
            Self::Pipeline(d) => {
                let location = Location::new(root.join(&d.file), d.line, d.col);
                let mut report = Report::from_text(Level::Warning, &d.message, Some(location));
                report.hint = Some(d.hint.clone());
                report
            }
            Self::Config(d) => {
                let location = Location::new(
                    root.join(&d.location.file),
                    d.location.line,
                    d.location.column,
                );
                let mut report = Report::from_text(Level::Warning, &d.message, Some(location));
                report.hint = Some(d.hint.clone());
                report
            }
            _ => Report::from_text(Level::Warning, &self.to_string(), None),
        }
    }
}

/// `loc` moved to the first occurrence of `text` at or after it on its line, when there is one.
pub(crate) fn at_text(loc: Location, text: &str) -> Location {
    if loc.line == 0 || text.is_empty() {
        return loc;
    }
    let Ok(source) = std::fs::read_to_string(&loc.file) else {
        return loc;
    };
    let Some(line) = source.lines().nth(loc.line - 1) else {
        return loc;
    };
    let from = line
        .char_indices()
        .nth(loc.column.saturating_sub(1))
        .map_or(line.len(), |(i, _)| i);
    match line[from..].find(text) {
        Some(at) => {
            let column = line[..from + at].chars().count() + 1;
            Location::new(loc.file, loc.line, column)
        }
        None => loc,
    }
}

/// `text` without a leading `path:line:col: ` (or `path:line: `, or `path: `) whose path names the file
/// of `loc` (the numbers may differ from `loc`'s, which can point more precisely).
fn strip_location<'t>(text: &'t str, loc: &Location) -> &'t str {
    let Some(name) = loc
        .file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
    else {
        return text;
    };
    let first_line = text.lines().next().unwrap_or_default();
    let Some(at) = first_line.find(&format!("{name}:")) else {
        return text;
    };
    if first_line[..at].contains(' ') {
        return text;
    }
    let mut rest = &text[at + name.len()..];
    // Up to two `:N` parts, then `: `.
    for _ in 0..2 {
        let Some(after) = rest.strip_prefix(':') else {
            break;
        };
        let digits = after.chars().take_while(char::is_ascii_digit).count();
        if digits == 0 {
            break;
        }
        rest = &after[digits..];
    }
    rest.strip_prefix(": ").unwrap_or(text)
}

/// Where the token at `loc` ends (see [`Report::end`]).
fn token_end(loc: &Location) -> Option<(usize, usize)> {
    if loc.line == 0 || loc.column == 0 {
        return None;
    }
    let text = std::fs::read_to_string(&loc.file).ok()?;
    let line = text.lines().nth(loc.line - 1)?;
    let chars: Vec<char> = line.chars().collect();
    let start = loc.column - 1;
    let Some(&first) = chars.get(start) else {
        // Past the end of the line (an unexpected end of a line or file): one column.
        return Some((loc.line, loc.column + 1));
    };
    let len = token_len(&chars[start..], first);
    Some((loc.line, loc.column + len.max(1)))
}

/// The length in characters of the token that starts `rest` (whose first character is `first`).
fn token_len(rest: &[char], first: char) -> usize {
    let is_word = |c: char| c.is_alphanumeric() || matches!(c, '_' | '.' | '-' | '/' | '@');
    match first {
        '"' | '\'' => rest[1..]
            .iter()
            .position(|&c| c == first)
            .map_or(rest.len(), |end| end + 2),
        '$' if rest.get(1) == Some(&'{') => rest
            .iter()
            .position(|&c| c == '}')
            .map_or(rest.len(), |end| end + 1),
        c if is_word(c) => rest.iter().take_while(|&&c| is_word(c)).count(),
        _ => 1,
    }
}

/// The place of `key = ...` in the `[tool.kdvc]` table of `root/pyproject.toml`, if it is written there.
pub(crate) fn tool_kdvc_key(root: &Path, key: &str) -> Option<Location> {
    let file = root.join("pyproject.toml");
    let text = std::fs::read_to_string(&file).ok()?;
    let mut in_table = false;
    for (idx, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        if trimmed.starts_with('[') {
            in_table = trimmed.trim_end() == "[tool.kdvc]";
            continue;
        }
        if !in_table {
            continue;
        }
        let Some(rest) = trimmed.strip_prefix(key) else {
            continue;
        };
        if rest.trim_start().starts_with('=') {
            let value_at = rest.find('=').map_or(0, |eq| {
                let after = &rest[eq + 1..];
                eq + 1 + (after.len() - after.trim_start().len())
            });
            let indent = line.len() - trimmed.len();
            let column = line[..indent + key.len() + value_at].chars().count() + 1;
            return Some(Location::new(file, idx + 1, column));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_loses_its_location_and_hint() {
        let loc = Location::new("/p/conf/base/catalog.yml", 4, 10);
        let r = Report::from_text(
            Level::Error,
            "conf/base/catalog.yml:4:10: invalid YAML: bad\n  hint: fix it",
            Some(loc),
        );
        assert_eq!(r.message, "invalid YAML: bad");
        assert_eq!(r.hint.as_deref(), Some("fix it"));
    }

    #[test]
    fn tokens_end_after_words_quotes_and_interpolations() {
        let len = |s: &str| {
            let chars: Vec<char> = s.chars().collect();
            token_len(&chars, chars[0])
        };
        assert_eq!(len("north_raw: x"), 9);
        assert_eq!(len("\"a b\" c"), 5);
        assert_eq!(len("${globals:x} y"), 12);
        assert_eq!(len(": y"), 1);
    }

    #[test]
    fn a_tool_kdvc_key_is_found_with_its_value_column() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("pyproject.toml"),
            "[tool.kedro]\nenv = 'no'\n\n[tool.kdvc]\nenv = \"staging\"\n",
        )
        .unwrap();
        let loc = tool_kdvc_key(dir.path(), "env").unwrap();
        assert_eq!((loc.line, loc.column), (5, 7));
    }
}
