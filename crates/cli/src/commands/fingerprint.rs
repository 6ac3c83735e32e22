//! `kdvc fingerprint`, `kdvc trace` and `kdvc diff`: code fingerprints of Kedro nodes.

use std::fmt::Write as _;
use std::process::ExitCode;

use crate::args::{DiffArgs, FingerprintArgs, TraceArgs};

pub(crate) fn fingerprint(args: &FingerprintArgs) -> anyhow::Result<ExitCode> {
    let session = super::open(&args.project, super::options(&args.project, None))?;
    let report = super::with_warnings(&session, |s| Ok(s.update_fingerprints()?))?;
    if args.json {
        super::emit_json(&report)?;
    } else {
        let mut out = String::new();
        for (name, node) in &report.nodes {
            let _ = writeln!(out, "{}  {name}", node.hash);
        }
        let written = report.written_stages();
        if !written.is_empty() {
            let written: Vec<String> = written.iter().map(ToString::to_string).collect();
            crate::render::info(&format!(
                "updated the fingerprints of {}: {}",
                crate::output::plural(written.len(), "stage"),
                crate::output::names(&written, false)
            ));
        }
        super::emit(&out)?;
    }
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn trace(args: &TraceArgs) -> anyhow::Result<ExitCode> {
    let session = super::open(&args.project, super::options(&args.project, None))?;
    let report = super::with_warnings(&session, |s| Ok(s.trace(&args.node)?))?;
    if args.json {
        super::emit_json(&report)?;
        return Ok(ExitCode::SUCCESS);
    }
    let fp = &report.fingerprint;
    let mut out = String::new();
    let _ = writeln!(out, "{}  {}", fp.hash, report.node);
    let _ = writeln!(out, "closure ({} symbols):", fp.closure.len());
    for s in &fp.closure {
        let place = s
            .file
            .as_deref()
            .map(|f| format!("{f}:{}", s.line))
            .unwrap_or_default();
        let _ = writeln!(out, "  {:<50} {place}", s.symbol);
    }
    if !fp.externals.is_empty() {
        let ext: Vec<String> = fp
            .externals
            .iter()
            .map(|e| {
                format!(
                    "{}{}",
                    e.dist,
                    e.version
                        .as_deref()
                        .map(|v| format!("=={v}"))
                        .unwrap_or_default()
                )
            })
            .collect();
        let _ = writeln!(out, "third-party: {}", ext.join(", "));
    }
    let _ = writeln!(out, "python: {}", fp.python);
    for w in &fp.warnings {
        let _ = writeln!(out, "warning: {}", w.message);
    }
    match (&report.recorded_hash, &report.since_last_record) {
        (None, _) | (_, None) => {
            let _ = writeln!(
                out,
                "no recorded fingerprint yet (run `kdvc fingerprint` or `dvc repro`)"
            );
        }
        (Some(_), Some(c)) if c.is_empty() => {
            let _ = writeln!(out, "unchanged since the last recorded fingerprint");
        }
        (Some(recorded), Some(c)) => {
            let _ = writeln!(
                out,
                "changed since the last recorded fingerprint ({recorded}):"
            );
            for s in &c.changed {
                let _ = writeln!(out, "  changed: {s}");
            }
            for s in &c.added {
                let _ = writeln!(out, "  added:   {s}");
            }
            for s in &c.removed {
                let _ = writeln!(out, "  removed: {s}");
            }
            for s in &c.externals {
                let _ = writeln!(out, "  package: {s}");
            }
            if let Some(p) = &c.python {
                let _ = writeln!(out, "  python:  {p}");
            }
        }
    }
    super::emit(&out)?;
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn diff(args: &DiffArgs) -> anyhow::Result<ExitCode> {
    let session = super::open(&args.project, super::options(&args.project, None))?;
    let diffs = super::with_warnings(&session, |s| Ok(s.diff(&args.rev, args.rev2.as_deref())?))?;
    if args.json {
        super::emit_json(&diffs)?;
    } else {
        let mut out = String::new();
        for d in &diffs {
            let stage = d
                .stage
                .as_deref()
                .map(|s| format!("  (stage {s})"))
                .unwrap_or_default();
            let _ = writeln!(out, "{}{stage}", d.node);
            for s in &d.changed_symbols {
                let _ = writeln!(out, "    {s}");
            }
        }
        if diffs.is_empty() {
            out.push_str("no node's code fingerprint differs\n");
        }
        super::emit(&out)?;
    }
    Ok(ExitCode::SUCCESS)
}
