//! Rendering errors for people: the message, the cause chain and, where a library error names a file and
//! a line, a snippet of that file.

use std::io::Write as _;

use kdvc_session::kedro_model::Location;

/// Whether the error is a closed pipe (`kdvc ... | head`), which is not a failure.
pub(crate) fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// Prints `error: ...` with its causes to stderr, with a source snippet when the location is known.
pub(crate) fn report(err: &anyhow::Error) {
    let mut stderr = std::io::stderr().lock();
    let snippet = location_of(err).and_then(|loc| snippet(&loc));
    let _ = writeln!(stderr, "error: {err}");
    let mut previous = err.to_string();
    for cause in err.chain().skip(1) {
        let text = cause.to_string();
        // Library errors often repeat their source's message in their own; print it once.
        if !previous.contains(&text) {
            let _ = writeln!(stderr, "  caused by: {text}");
        }
        previous = text;
    }
    if let Some(snippet) = snippet {
        let _ = write!(stderr, "{snippet}");
    }
}

/// The file position an error points at, if a session error in its chain knows one.
fn location_of(err: &anyhow::Error) -> Option<Location> {
    err.chain().find_map(|cause| {
        cause
            .downcast_ref::<kdvc_session::Error>()
            .and_then(kdvc_session::Error::location)
    })
}

/// Renders the lines around `loc` with a caret under the column, like a compiler does.
fn snippet(loc: &Location) -> Option<String> {
    if loc.line == 0 {
        return None;
    }
    let text = std::fs::read_to_string(&loc.file).ok()?;
    let lines: Vec<&str> = text.lines().collect();
    // A parser may point just past the last line (an unexpected end of file): show the last line.
    let idx = loc.line.checked_sub(1)?.min(lines.len().checked_sub(1)?);
    let line = lines.get(idx)?;
    let width = (loc.line + 1).to_string().len();
    let mut out = String::new();
    out.push_str(&format!(
        "{:>width$} --> {}:{}:{}\n",
        "",
        loc.file.display(),
        loc.line,
        loc.column
    ));
    if idx > 0 {
        out.push_str(&format!("{:>width$} | {}\n", idx, lines[idx - 1]));
    }
    out.push_str(&format!("{:>width$} | {}\n", idx + 1, line));
    if loc.column > 0 {
        out.push_str(&format!(
            "{:>width$} | {}^\n",
            "",
            " ".repeat(loc.column - 1)
        ));
    }
    Some(out)
}

/// Prints a warning to stderr.
pub(crate) fn warn(message: &str) {
    let _ = writeln!(std::io::stderr().lock(), "warning: {message}");
}

/// Prints a hint to stderr.
pub(crate) fn hint(message: &str) {
    let _ = writeln!(std::io::stderr().lock(), "hint: {message}");
}

/// Prints progress information to stderr.
pub(crate) fn info(message: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{message}");
}
