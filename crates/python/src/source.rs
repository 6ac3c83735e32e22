//! Reading a Python source file as Python does (PEP 3120, PEP 263): UTF-8, or latin-1 when a coding
//! cookie in the first two lines says so.

use std::path::Path;

/// Encoding names Python accepts for latin-1 (normalized: lower case, `_` as `-`).
const LATIN_1: &[&str] = &[
    "latin-1",
    "latin1",
    "iso-8859-1",
    "iso8859-1",
    "8859",
    "cp819",
    "l1",
    "latin",
    "iso-ir-100",
];

/// The encoding a PEP 263 coding cookie declares (`# -*- coding: latin-1 -*-`, `# vim: set
/// fileencoding=utf-8 :`) on the first or second line, if any.
fn coding_cookie(bytes: &[u8]) -> Option<String> {
    for line in bytes.split(|&b| b == b'\n').take(2) {
        let line: String = line.iter().map(|&b| char::from(b)).collect();
        let trimmed = line.trim_start_matches([' ', '\t', '\x0c']);
        if !trimmed.starts_with('#') {
            // Only a comment line holds a cookie; a first line of code ends the search.
            if trimmed.trim().is_empty() {
                continue;
            }
            return None;
        }
        if let Some(at) = trimmed.find("coding") {
            let rest = &trimmed[at + "coding".len()..];
            if let Some(rest) = rest.strip_prefix([':', '=']) {
                let name: String = rest
                    .trim_start_matches([' ', '\t'])
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
                    .collect();
                if !name.is_empty() {
                    return Some(name);
                }
            }
        }
    }
    None
}

/// Reads a Python source file: UTF-8, or latin-1 when its coding cookie declares it. Anything else is
/// an [`std::io::ErrorKind::InvalidData`] error naming the file, the line and column of the first byte
/// that is not UTF-8, and what to do.
pub fn read_source(path: &Path) -> std::io::Result<String> {
    let bytes = std::fs::read(path)?;
    let bytes = match String::from_utf8(bytes) {
        Ok(text) => return Ok(text),
        Err(e) => e.into_bytes(),
    };
    let cookie = coding_cookie(&bytes);
    let normalized = cookie
        .as_deref()
        .map(|c| c.to_ascii_lowercase().replace('_', "-"));
    if normalized.as_deref().is_some_and(|c| LATIN_1.contains(&c)) {
        return Ok(bytes.iter().map(|&b| char::from(b)).collect());
    }
    let valid = std::str::from_utf8(&bytes).map_or_else(|e| e.valid_up_to(), |_| bytes.len());
    let before = String::from_utf8_lossy(bytes.get(..valid).unwrap_or_default());
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    let byte = bytes.get(valid).copied().unwrap_or_default();
    let what = match cookie {
        Some(c)
            if !normalized
                .as_deref()
                .is_some_and(|n| n == "utf-8" || n == "utf8") =>
        {
            format!(
                "its coding line declares `{c}`, which kdvc does not decode (it reads UTF-8 and latin-1)"
            )
        }
        _ => {
            "Python reads source files as UTF-8 unless a coding line (`# -*- coding: latin-1 -*-`) \
              says otherwise"
                .to_owned()
        }
    };
    Err(std::io::Error::new(
        std::io::ErrorKind::InvalidData,
        format!(
            "{}:{line}:{column}: the file is not valid UTF-8 (byte 0x{byte:02x}); {what}: save it as UTF-8",
            path.display()
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(bytes: &[u8]) -> std::io::Result<String> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.py");
        std::fs::write(&path, bytes).unwrap();
        read_source(&path)
    }

    #[test]
    fn utf8_and_declared_latin1_are_read() {
        assert_eq!(
            read("x = 'caf\u{e9}'\n".as_bytes()).unwrap(),
            "x = 'caf\u{e9}'\n"
        );
        for cookie in [
            "# -*- coding: latin-1 -*-",
            "# coding=iso-8859-1",
            "# vim: set fileencoding=latin_1 :",
        ] {
            let mut src = format!("#!/usr/bin/env python\n{cookie}\nx = 'caf").into_bytes();
            src.extend_from_slice(b"\xe9'\n");
            let text = read(&src).unwrap();
            assert!(text.ends_with("x = 'caf\u{e9}'\n"), "{cookie}: {text}");
        }
    }

    #[test]
    fn other_bytes_are_an_error_at_their_place() {
        let e = read(b"a = 1\nx = 'caf\xe9'\n").unwrap_err();
        let m = e.to_string();
        assert!(
            m.contains("m.py:2:9: the file is not valid UTF-8 (byte 0xe9)"),
            "{m}"
        );
        assert!(m.contains("save it as UTF-8"), "{m}");
        let e = read(b"# coding: cp1252\nx = '\x80'\n").unwrap_err();
        assert!(e.to_string().contains("declares `cp1252`"), "{e}");
        // A cookie after a line of code does not count.
        assert!(read(b"x = 1\n# coding: latin-1\ny = '\xe9'\n").is_err());
    }
}
