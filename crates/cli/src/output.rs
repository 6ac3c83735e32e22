//! Human summaries of command results (what a command prints on stdout in text form).

use std::fmt::Write as _;

use kdvc_session::translate::Translation;

/// How many names a summary shows per category without `--verbose`.
const NAMES_SHOWN: usize = 5;
/// How many lines a summary shows per repeated item (fused groups, notes, ...) without `--verbose`.
const LINES_SHOWN: usize = 3;

/// `n` with thousands separators: `2,001`.
pub(crate) fn count(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `1 stage`, `2,001 stages`.
pub(crate) fn plural(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{} {noun}s", count(n))
    }
}

/// `a, b, c`, or with more than a few names and not `verbose`, `a, b, c, d, e and 1,996 more`.
pub(crate) fn names(list: &[String], verbose: bool) -> String {
    names_joined(list, verbose, ", ")
}

/// The names joined by `sep`, shortened as [`names`] says.
fn names_joined(list: &[String], verbose: bool, sep: &str) -> String {
    if verbose || list.len() <= NAMES_SHOWN {
        return list.join(sep);
    }
    format!(
        "{} and {} more",
        list[..NAMES_SHOWN].join(sep),
        count(list.len() - NAMES_SHOWN)
    )
}

/// Writes the lines of `items` (at most a few without `verbose`, then a line counting the rest).
fn lines<T>(out: &mut String, items: &[T], verbose: bool, what: &str, line: impl Fn(&T) -> String) {
    let shown = if verbose {
        items.len()
    } else {
        items.len().min(LINES_SHOWN)
    };
    for item in &items[..shown] {
        let _ = writeln!(out, "{}", line(item));
    }
    if shown < items.len() {
        let _ = writeln!(
            out,
            "... and {} more {what} (--verbose lists them)",
            count(items.len() - shown)
        );
    }
}

/// The summary of a translation: counts, and a few names per category (every name with `verbose`).
pub(crate) fn translation_summary(t: &Translation, dry_run: bool, verbose: bool) -> String {
    let r = &t.report;
    let verb = if dry_run { "would write" } else { "wrote" };
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} stages: {} added, {} changed, {} removed, {} unchanged",
        count(t.plan.stages.len()),
        count(r.stages_added.len()),
        count(r.stages_changed.len()),
        count(r.stages_removed.len()),
        count(r.stages_unchanged.len())
    );
    for (what, list) in [
        ("added", &r.stages_added),
        ("changed", &r.stages_changed),
        ("removed", &r.stages_removed),
    ] {
        if !list.is_empty() {
            let _ = writeln!(out, "  {what}: {}", names(list, verbose));
        }
    }
    lines(
        &mut out,
        &r.fused_groups,
        verbose,
        "fused stages",
        |(stage, nodes)| {
            format!(
                "fused into {stage}: {} (joined by in-memory datasets)",
                names(nodes, verbose)
            )
        },
    );
    lines(
        &mut out,
        &r.remote_datasets,
        verbose,
        "remote datasets",
        |(dataset, url)| format!("not tracked by DVC (remote): {dataset} at {url}"),
    );
    if !r.dvc_files.is_empty() {
        let _ = writeln!(
            out,
            "{verb} {}: {}",
            plural(r.dvc_files.len(), ".dvc file"),
            names(&r.dvc_files, verbose)
        );
    }
    if !r.dvc_files_removed.is_empty() {
        let _ = writeln!(
            out,
            "{} {} (their raw input moved or left the pipeline): {}",
            if dry_run { "would remove" } else { "removed" },
            plural(r.dvc_files_removed.len(), "generated .dvc file"),
            names(&r.dvc_files_removed, verbose)
        );
    }
    lines(
        &mut out,
        &r.gitignore_changes,
        verbose,
        "ignore files",
        |(file, entries)| format!("{verb} {file}: {}", names_spaced(entries, verbose)),
    );
    if !r.lock_pruned.is_empty() {
        let _ = writeln!(
            out,
            "pruned dvc.lock entries: {}",
            names(&r.lock_pruned, verbose)
        );
    }
    lines(&mut out, &r.notes, verbose, "notes", |note| {
        format!("note: {note}")
    });
    out
}

/// Like [`names`], separated by spaces (ignore-file lines).
fn names_spaced(list: &[String], verbose: bool) -> String {
    names_joined(list, verbose, " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_have_thousands_separators() {
        assert_eq!(count(7), "7");
        assert_eq!(count(2_001), "2,001");
        assert_eq!(count(1_234_567), "1,234,567");
    }

    #[test]
    fn long_lists_are_cut_with_a_count() {
        let list: Vec<String> = (0..8).map(|i| format!("s{i}")).collect();
        assert_eq!(names(&list, false), "s0, s1, s2, s3, s4 and 3 more");
        assert_eq!(names(&list, true), list.join(", "));
        assert_eq!(names(&list[..2], false), "s0, s1");
    }
}
