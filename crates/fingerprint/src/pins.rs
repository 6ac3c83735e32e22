//! Third-party versions and the Python version a fingerprint records.
//!
//! - Versions come from the first of these files that pins a distribution: `uv.lock`, `poetry.lock`,
//!   `pylock.toml` (PEP 751), then `requirements.txt`, `requirements.lock`, `src/requirements.txt`
//!   (`name==version` lines). An unpinned distribution is recorded by name only.
//! - The Python version is the `major.minor` of `.python-version`; else the `[project] requires-python`
//!   specifier of `pyproject.toml` as written (`requires-python >=3.10`: a range, but it changes when the
//!   supported versions change); else `unknown`. The interpreter on the machine is deliberately not asked:
//!   fingerprints must be the same on every machine that checks out the same commit.

use std::collections::BTreeMap;
use std::path::Path;

use crate::Error;
use crate::source::SourceProvider;

/// Lock and requirements files read, in order of precedence.
pub const PIN_FILES: [&str; 6] = [
    "uv.lock",
    "poetry.lock",
    "pylock.toml",
    "requirements.txt",
    "requirements.lock",
    "src/requirements.txt",
];

/// PEP 503 normalization of a distribution name.
pub(crate) fn normalize_dist(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut dash = false;
    for c in name.trim().chars() {
        if c == '-' || c == '_' || c == '.' {
            if !dash {
                out.push('-');
            }
            dash = true;
        } else {
            out.push(c.to_ascii_lowercase());
            dash = false;
        }
    }
    out
}

/// Pinned versions by normalized distribution name.
#[derive(Debug, Clone, Default)]
pub(crate) struct Pins {
    pub(crate) versions: BTreeMap<String, String>,
}

impl Pins {
    pub(crate) fn load(src: &dyn SourceProvider) -> Result<Self, Error> {
        let mut pins = Self::default();
        for file in PIN_FILES {
            let Some(bytes) = src.read(Path::new(file))? else {
                continue;
            };
            let text = String::from_utf8_lossy(&bytes);
            let found = if file.ends_with(".toml")
                || file.ends_with("uv.lock")
                || file.ends_with("poetry.lock")
            {
                toml_packages(&text)
            } else {
                requirement_pins(&text)
            };
            for (name, version) in found {
                pins.versions
                    .entry(normalize_dist(&name))
                    .or_insert(version);
            }
        }
        Ok(pins)
    }

    pub(crate) fn version(&self, dist: &str) -> Option<&str> {
        self.versions.get(dist).map(String::as_str)
    }
}

fn toml_packages(text: &str) -> Vec<(String, String)> {
    let Ok(doc) = text.parse::<toml::Table>() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for key in ["package", "packages"] {
        if let Some(toml::Value::Array(items)) = doc.get(key) {
            for item in items {
                let name = item.get("name").and_then(toml::Value::as_str);
                let version = item.get("version").and_then(toml::Value::as_str);
                if let (Some(n), Some(v)) = (name, version) {
                    out.push((n.to_owned(), v.to_owned()));
                }
            }
        }
    }
    out
}

fn requirement_pins(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for line in text.lines() {
        let line = line.split('#').next().unwrap_or_default();
        let line = line.split(';').next().unwrap_or_default().trim();
        if line.is_empty() || line.starts_with('-') {
            continue;
        }
        if let Some((name, version)) = line.split_once("==") {
            let name = name.split('[').next().unwrap_or_default().trim();
            let version = version.split(',').next().unwrap_or_default().trim();
            if !name.is_empty() && !version.is_empty() {
                out.push((name.to_owned(), version.to_owned()));
            }
        }
    }
    out
}

/// The project's Python version, as described in the module docs.
pub(crate) fn python_version(src: &dyn SourceProvider) -> Result<String, Error> {
    if let Some(bytes) = src.read(Path::new(".python-version"))? {
        let text = String::from_utf8_lossy(&bytes);
        if let Some(line) = text
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty() && !l.starts_with('#'))
        {
            let parts: Vec<&str> = line.split('.').collect();
            let v = if parts.len() >= 2 && parts[0].chars().all(|c| c.is_ascii_digit()) {
                format!("{}.{}", parts[0], parts[1])
            } else {
                line.to_owned()
            };
            return Ok(v);
        }
    }
    if let Some(bytes) = src.read(Path::new("pyproject.toml"))? {
        let text = String::from_utf8_lossy(&bytes);
        if let Ok(doc) = text.parse::<toml::Table>()
            && let Some(spec) = doc
                .get("project")
                .and_then(|p| p.get("requires-python"))
                .and_then(toml::Value::as_str)
        {
            return Ok(format!("requires-python {}", spec.trim()));
        }
    }
    Ok("unknown".to_owned())
}

/// The distribution that provides a top-level import name, for the names whose distribution is spelled
/// differently; other names are their own distribution (normalized).
pub(crate) fn dist_of(top: &str) -> String {
    let known = match top {
        "sklearn" => "scikit-learn",
        "skimage" => "scikit-image",
        "yaml" => "pyyaml",
        "PIL" => "pillow",
        "cv2" => "opencv-python",
        "bs4" => "beautifulsoup4",
        "dateutil" => "python-dateutil",
        "dotenv" => "python-dotenv",
        "attr" => "attrs",
        "jwt" => "pyjwt",
        "zmq" => "pyzmq",
        "git" => "gitpython",
        "docx" => "python-docx",
        "fitz" => "pymupdf",
        "MySQLdb" => "mysqlclient",
        "OpenSSL" => "pyopenssl",
        "Crypto" => "pycryptodome",
        "serial" => "pyserial",
        "google" => "protobuf",
        _ => top,
    };
    normalize_dist(known)
}

/// Whether a top-level module name belongs to the standard library (its version is the Python version).
pub(crate) fn is_stdlib(top: &str) -> bool {
    STDLIB.binary_search(&top).is_ok()
}

/// Top-level standard-library modules (Python 3.9-3.13), sorted.
const STDLIB: &[&str] = &[
    "__future__",
    "_thread",
    "abc",
    "aifc",
    "argparse",
    "array",
    "ast",
    "asynchat",
    "asyncio",
    "asyncore",
    "atexit",
    "audioop",
    "base64",
    "bdb",
    "binascii",
    "bisect",
    "builtins",
    "bz2",
    "cProfile",
    "calendar",
    "cgi",
    "cgitb",
    "chunk",
    "cmath",
    "cmd",
    "code",
    "codecs",
    "codeop",
    "collections",
    "colorsys",
    "compileall",
    "concurrent",
    "configparser",
    "contextlib",
    "contextvars",
    "copy",
    "copyreg",
    "crypt",
    "csv",
    "ctypes",
    "curses",
    "dataclasses",
    "datetime",
    "dbm",
    "decimal",
    "difflib",
    "dis",
    "doctest",
    "email",
    "encodings",
    "ensurepip",
    "enum",
    "errno",
    "faulthandler",
    "fcntl",
    "filecmp",
    "fileinput",
    "fnmatch",
    "fractions",
    "ftplib",
    "functools",
    "gc",
    "getopt",
    "getpass",
    "gettext",
    "glob",
    "graphlib",
    "grp",
    "gzip",
    "hashlib",
    "heapq",
    "hmac",
    "html",
    "http",
    "imaplib",
    "imghdr",
    "imp",
    "importlib",
    "inspect",
    "io",
    "ipaddress",
    "itertools",
    "json",
    "keyword",
    "lib2to3",
    "linecache",
    "locale",
    "logging",
    "lzma",
    "mailbox",
    "marshal",
    "math",
    "mimetypes",
    "mmap",
    "modulefinder",
    "msvcrt",
    "multiprocessing",
    "netrc",
    "numbers",
    "operator",
    "optparse",
    "os",
    "pathlib",
    "pdb",
    "pickle",
    "pickletools",
    "pipes",
    "pkgutil",
    "platform",
    "plistlib",
    "poplib",
    "posix",
    "pprint",
    "profile",
    "pstats",
    "pty",
    "pwd",
    "py_compile",
    "pyclbr",
    "pydoc",
    "queue",
    "quopri",
    "random",
    "re",
    "readline",
    "reprlib",
    "resource",
    "rlcompleter",
    "runpy",
    "sched",
    "secrets",
    "select",
    "selectors",
    "shelve",
    "shlex",
    "shutil",
    "signal",
    "site",
    "smtplib",
    "socket",
    "socketserver",
    "sqlite3",
    "ssl",
    "stat",
    "statistics",
    "string",
    "stringprep",
    "struct",
    "subprocess",
    "symtable",
    "sys",
    "sysconfig",
    "syslog",
    "tabnanny",
    "tarfile",
    "tempfile",
    "termios",
    "textwrap",
    "threading",
    "time",
    "timeit",
    "tkinter",
    "token",
    "tokenize",
    "tomllib",
    "trace",
    "traceback",
    "tracemalloc",
    "tty",
    "turtle",
    "types",
    "typing",
    "unicodedata",
    "unittest",
    "urllib",
    "uuid",
    "venv",
    "warnings",
    "wave",
    "weakref",
    "webbrowser",
    "winreg",
    "wsgiref",
    "xml",
    "xmlrpc",
    "zipapp",
    "zipfile",
    "zipimport",
    "zlib",
    "zoneinfo",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_are_sorted() {
        assert!(STDLIB.windows(2).all(|w| w[0] < w[1]));
    }
}
