//! Rendering diagnostics (errors, warnings, stale files) for people and for tools.
//!
//! - `text` (the default): `error: message`, then the file, line and column with the source line(s) and
//!   a caret under the token, the causes and the hint, rendered by `annotate-snippets`. Colour only on a
//!   terminal; `NO_COLOR` and `CLICOLOR=0` turn it off, `CLICOLOR_FORCE` on (`anstream`).
//! - `json`: one JSON object per diagnostic and line, `{"severity", "message", "file", "line", "column",
//!   "end_line", "end_column", "hint", "causes"}`, on stderr like the text (stdout keeps a command's data).
//! - `github`: GitHub Actions workflow commands, `::error file=...,line=...,col=...,title=...::message`, on
//!   stdout (where a workflow step's commands are read).
//!
//! What a diagnostic says is decided by `kdvc-session` ([`Report`]); this module only lays it out.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use annotate_snippets::{AnnotationKind, Group, Level as SnippetLevel, Renderer, Snippet};
use kdvc_session::{Level, Report};

use crate::args::Format;

static FORMAT: OnceLock<Format> = OnceLock::new();

/// Sets the format of every diagnostic this process prints (once, from the command line).
pub(crate) fn init(format: Format) {
    let _ = FORMAT.set(format);
}

/// The format diagnostics are printed in.
pub(crate) fn format() -> Format {
    FORMAT.get().copied().unwrap_or_default()
}

/// Whether the error is a closed pipe (`kdvc ... | head`), which is not a failure.
pub(crate) fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// Prints an error in the chosen format.
pub(crate) fn report(err: &anyhow::Error) {
    emit_reports(&reports_of(err));
}

/// Prints a warning of the session in the chosen format.
pub(crate) fn warning(warning: &kdvc_session::Warning, root: &Path) {
    emit_reports(&[warning.report(root)]);
}

/// Prints a warning that has no place in a file.
pub(crate) fn warn(message: &str) {
    emit_reports(&[Report {
        level: Level::Warning,
        message: message.to_owned(),
        location: None,
        end: None,
        hint: None,
        causes: Vec::new(),
    }]);
}

/// Prints reports (errors, warnings or stale files) in the chosen format.
pub(crate) fn emit_reports(reports: &[Report]) {
    match format() {
        Format::Text => {
            let mut stderr = anstream::stderr().lock();
            for report in reports {
                let _ = write!(stderr, "{}", text(report, true));
            }
        }
        Format::Json => {
            let mut stderr = std::io::stderr().lock();
            for report in reports {
                let _ = writeln!(stderr, "{}", json(report));
            }
        }
        Format::Github => {
            let mut stdout = std::io::stdout().lock();
            for report in reports {
                let _ = writeln!(stdout, "{}", github(report));
            }
        }
    }
}

/// The reports of an error: the session's own when the error is one, else its message and causes.
fn reports_of(err: &anyhow::Error) -> Vec<Report> {
    if let Some(session_err) = err
        .chain()
        .find_map(|cause| cause.downcast_ref::<kdvc_session::Error>())
    {
        return session_err.reports();
    }
    let message = err.to_string();
    let (message, hint) = match message.split_once("\n  hint: ") {
        Some((message, hint)) => (message.to_owned(), Some(hint.to_owned())),
        None => (message, None),
    };
    let mut causes: Vec<String> = Vec::new();
    let mut previous = err.to_string();
    for cause in err.chain().skip(1) {
        let text = cause.to_string();
        if !previous.contains(&text) {
            causes.push(text.clone());
        }
        previous = text;
    }
    vec![Report {
        level: Level::Error,
        message,
        location: None,
        end: None,
        hint,
        causes,
    }]
}

/// A path as shown to people: relative to the current directory when it is inside it.
fn display_path(file: &Path) -> PathBuf {
    std::env::current_dir()
        .ok()
        .and_then(|cwd| file.strip_prefix(cwd).ok().map(Path::to_path_buf))
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or_else(|| file.to_path_buf())
}

/// The text rendering of a report (styled; `anstream` strips the styles where colour is off).
pub(crate) fn text(report: &Report, styled: bool) -> String {
    if report.location.is_none() {
        return text_without_place(report, styled);
    }
    let level = match report.level {
        Level::Error => SnippetLevel::ERROR,
        Level::Warning => SnippetLevel::WARNING,
    };
    let path = report
        .location
        .as_ref()
        .map(|loc| display_path(&loc.file).display().to_string());
    let excerpt = report.location.as_ref().and_then(|loc| {
        let text = std::fs::read_to_string(&loc.file).ok()?;
        excerpt(&text, loc.line, loc.column, report.end)
    });
    let title = level.primary_title(report.message.as_str());
    let mut elements: Vec<annotate_snippets::Element<'_>> = Vec::new();
    if let (Some(loc), Some(path)) = (&report.location, &path) {
        match &excerpt {
            Some(ex) => elements.push(
                Snippet::source(ex.source.as_str())
                    .line_start(ex.line_start)
                    .fold(false)
                    .path(path.as_str())
                    .annotation(AnnotationKind::Primary.span(ex.span.clone()))
                    .into(),
            ),
            None => {
                let mut origin = annotate_snippets::Origin::path(path.as_str());
                if loc.line > 0 {
                    origin = origin.line(loc.line);
                    if loc.column > 0 {
                        origin = origin.char_column(loc.column);
                    }
                }
                elements.push(origin.into());
            }
        }
    }
    for cause in &report.causes {
        elements.push(
            SnippetLevel::NOTE
                .message(format!("caused by: {cause}"))
                .into(),
        );
    }
    if let Some(hint) = &report.hint {
        elements.push(
            SnippetLevel::HELP
                .with_name("hint")
                .message(hint.as_str())
                .into(),
        );
    }
    let group: Group<'_> = Group::with_title(title).elements(elements);
    let renderer = if styled {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    let mut out = renderer.render(&[group]);
    out.push('\n');
    out
}

/// A report without a place in a file: `error: message`, then indented causes and the hint.
fn text_without_place(report: &Report, styled: bool) -> String {
    use anstyle::{AnsiColor, Effects, Style};
    let (name, colour) = match report.level {
        Level::Error => ("error", AnsiColor::BrightRed),
        Level::Warning => ("warning", AnsiColor::Yellow),
    };
    let (head, help, bold) = if styled {
        (
            colour.on_default().effects(Effects::BOLD),
            AnsiColor::BrightCyan.on_default().effects(Effects::BOLD),
            Style::new().effects(Effects::BOLD),
        )
    } else {
        (Style::new(), Style::new(), Style::new())
    };
    let mut out = format!("{head}{name}{head:#}{bold}: {}{bold:#}\n", report.message);
    for cause in &report.causes {
        out.push_str(&format!("  caused by: {cause}\n"));
    }
    if let Some(hint) = &report.hint {
        out.push_str(&format!("  {help}hint{help:#}: {hint}\n"));
    }
    out
}

/// The lines shown around a location and the span of the caret in them.
struct Excerpt {
    source: String,
    line_start: usize,
    span: std::ops::Range<usize>,
}

/// The line at `line` (and the one before it, for context) with the byte span from `column` to `end`
/// (or one character when the end is unknown or on another line).
fn excerpt(text: &str, line: usize, column: usize, end: Option<(usize, usize)>) -> Option<Excerpt> {
    if line == 0 {
        return None;
    }
    let lines: Vec<&str> = text.lines().collect();
    // A parser may point just past the last line (an unexpected end of file): show the last line.
    let idx = (line - 1).min(lines.len().checked_sub(1)?);
    let first = idx.saturating_sub(1);
    let source = lines[first..=idx].join("\n");
    let offset: usize = lines[first..idx].iter().map(|l| l.len() + 1).sum();
    let target = lines[idx];
    let byte_at = |col: usize| {
        target
            .char_indices()
            .nth(col.saturating_sub(1))
            .map_or(target.len(), |(i, _)| i)
    };
    let start = if column == 0 { 0 } else { byte_at(column) };
    let stop = match end {
        Some((end_line, end_col)) if end_line == line && end_col > column => byte_at(end_col),
        _ if column == 0 => target.len(),
        _ => target[start..]
            .chars()
            .next()
            .map_or(start, |c| start + c.len_utf8()),
    };
    Some(Excerpt {
        source,
        line_start: first + 1,
        span: offset + start..offset + stop,
    })
}

/// The JSON object of a report (one line).
pub(crate) fn json(report: &Report) -> String {
    let loc = report.location.as_ref();
    let value = serde_json::json!({
        "severity": report.level,
        "message": report.message,
        "file": loc.map(|l| l.file.display().to_string()),
        "line": loc.map(|l| l.line).filter(|&l| l > 0),
        "column": loc.map(|l| l.column).filter(|&c| c > 0),
        "end_line": report.end.map(|(line, _)| line),
        "end_column": report.end.map(|(_, column)| column),
        "hint": report.hint,
        "causes": report.causes,
    });
    value.to_string()
}

/// The GitHub Actions workflow command of a report.
pub(crate) fn github(report: &Report) -> String {
    let command = match report.level {
        Level::Error => "error",
        Level::Warning => "warning",
    };
    let mut props: Vec<String> = Vec::new();
    if let Some(loc) = &report.location {
        props.push(format!(
            "file={}",
            escape_property(&display_path(&loc.file).display().to_string())
        ));
        if loc.line > 0 {
            props.push(format!("line={}", loc.line));
            if loc.column > 0 {
                props.push(format!("col={}", loc.column));
            }
        }
        if let Some((end_line, end_column)) = report.end {
            props.push(format!("endLine={end_line}"));
            if end_line == loc.line {
                props.push(format!("endColumn={end_column}"));
            }
        }
    }
    props.push(format!("title={}", escape_property("kdvc")));
    let mut message = report.message.clone();
    for cause in &report.causes {
        message.push_str("\ncaused by: ");
        message.push_str(cause);
    }
    if let Some(hint) = &report.hint {
        message.push_str("\nhint: ");
        message.push_str(hint);
    }
    format!("::{command} {}::{}", props.join(","), escape_data(&message))
}

/// Escapes the message of a workflow command.
fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value of a workflow command.
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

/// Prints a hint to stderr (text format only).
pub(crate) fn hint(message: &str) {
    if format() == Format::Text {
        let _ = writeln!(std::io::stderr().lock(), "hint: {message}");
    }
}

/// Prints progress information to stderr (text format only).
pub(crate) fn info(message: &str) {
    if format() == Format::Text {
        let _ = writeln!(std::io::stderr().lock(), "{message}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workflow_commands_are_escaped() {
        assert_eq!(escape_data("50% a\r\nb"), "50%25 a%0D%0Ab");
        assert_eq!(escape_property("a:b,c%"), "a%3Ab%2Cc%25");
    }

    #[test]
    fn the_caret_spans_the_token() {
        let ex = excerpt("a: 1\nkey: ${x}\n", 2, 6, Some((2, 10))).unwrap();
        assert_eq!(ex.line_start, 1);
        assert_eq!(&ex.source[ex.span.clone()], "${x}");
        let ex = excerpt("only\n", 3, 5, None).unwrap();
        assert_eq!(ex.span, 4..4);
    }
}
