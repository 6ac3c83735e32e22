//! Hashing identical to DVC 3 (`dvc_data.hashfile`): file md5, `.dir` manifests, size, nfiles, isexec,
//! `.dvcignore`, the symlink rules, and the legacy `md5-dos2unix` of DVC 2.

use std::ffi::OsStr;
use std::fs::{self, File};
use std::io::Read;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use md5::{Digest, Md5};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::dvcignore::DvcIgnore;
use crate::error::{Error, Result};

/// DVC reads files in chunks of this size (1 MiB); it matters for `md5-dos2unix`.
pub const CHUNK_SIZE: usize = 1 << 20;

/// md5 of the empty manifest `[]`: what DVC records for an empty directory.
pub const EMPTY_DIR_MD5: &str = "d751713988987e9331980363e24189ce.dir";

/// Which md5 flavour to compute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum HashAlgorithm {
    /// DVC 3: md5 of the raw bytes (`hash: md5` entries).
    #[default]
    Md5,
    /// DVC 2 legacy entries (no `hash:` key): text chunks have `\r\n` turned into `\n` first.
    Md5Dos2Unix,
}

/// Options for [`hash_path`] and [`dir_manifest`].
#[derive(Debug, Clone, Default)]
pub struct HashOptions {
    /// Root of the DVC repository: `.dvcignore` files from here down to the hashed path apply.
    /// `None` means no `.dvcignore` is read (DVC's built-in ignores of `.git`, `.hg`, `.dvc` still apply).
    pub repo_root: Option<PathBuf>,
    /// The md5 flavour.
    pub algorithm: HashAlgorithm,
}

/// What DVC records for a file or directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HashInfo {
    /// `<32 hex>` for a file, `<32 hex>.dir` for a directory.
    pub md5: String,
    /// Byte size (the sum of file sizes for a directory).
    pub size: u64,
    /// Number of files, for directories only.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub nfiles: Option<u64>,
    /// Whether a file is executable (any `x` bit); always false for directories.
    #[serde(skip_serializing_if = "std::ops::Not::not", default)]
    pub isexec: bool,
}

/// One file of a directory manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ManifestEntry {
    /// Posix path relative to the directory (lossy UTF-8 for display; the manifest uses the exact name).
    pub relpath: String,
    /// Absolute (or as-given) path of the file on disk (for copying it into a cache).
    #[serde(skip)]
    pub path: PathBuf,
    /// md5 of the file content.
    pub md5: String,
    /// Size in bytes.
    pub size: u64,
    /// Whether the file is executable.
    pub isexec: bool,
}

/// A directory's manifest: its entries, the exact bytes DVC stores as the `.dir` object, and the result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirManifest {
    /// Files in DVC's order (code-point order of `relpath`).
    pub entries: Vec<ManifestEntry>,
    /// The manifest, byte-identical to `json.dumps(entries, sort_keys=True)`.
    pub bytes: Vec<u8>,
    /// `md5(bytes) + ".dir"`, size and nfiles.
    pub info: HashInfo,
}

/// Hashes a file or a directory as `dvc add` would record it.
pub fn hash_path(path: &Path, opts: &HashOptions) -> Result<HashInfo> {
    let meta = fs::metadata(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound if path.is_symlink() => Error::NotAFileOrDir {
            path: path.to_path_buf(),
        },
        _ => Error::io("stat", path, e),
    })?;
    if meta.is_dir() {
        Ok(dir_manifest(path, opts)?.info)
    } else if meta.is_file() {
        let (md5, size) = file_md5(path, opts.algorithm)?;
        Ok(HashInfo {
            md5,
            size,
            nfiles: None,
            isexec: is_exec(&meta),
        })
    } else {
        Err(Error::NotAFileOrDir {
            path: path.to_path_buf(),
        })
    }
}

fn is_exec(meta: &fs::Metadata) -> bool {
    meta.permissions().mode() & 0o111 != 0
}

/// md5 (lowercase hex) and size of a file, streamed in 1 MiB chunks.
pub fn file_md5(path: &Path, algorithm: HashAlgorithm) -> Result<(String, u64)> {
    let mut buf = vec![0u8; CHUNK_SIZE];
    file_md5_with(path, algorithm, &mut buf)
}

fn file_md5_with(path: &Path, algorithm: HashAlgorithm, buf: &mut [u8]) -> Result<(String, u64)> {
    let f = File::open(path).map_err(|e| Error::io("open", path, e))?;
    md5_of_open_file(f, path, algorithm, buf)
}

/// md5, size and the executable bit of a file, with one open and one `fstat`.
fn file_md5_exec(
    path: &Path,
    algorithm: HashAlgorithm,
    buf: &mut [u8],
) -> Result<(String, u64, bool)> {
    let f = File::open(path).map_err(|e| Error::io("open", path, e))?;
    let meta = f.metadata().map_err(|e| Error::io("stat", path, e))?;
    let (md5, size) = md5_of_open_file(f, path, algorithm, buf)?;
    Ok((md5, size, is_exec(&meta)))
}

fn md5_of_open_file(
    mut f: File,
    path: &Path,
    algorithm: HashAlgorithm,
    buf: &mut [u8],
) -> Result<(String, u64)> {
    let mut hasher = Md5::new();
    let mut size = 0u64;
    let mut scratch = Vec::new();
    loop {
        let n = read_full(&mut f, buf).map_err(|e| Error::io("read", path, e))?;
        if n == 0 {
            break;
        }
        size += n as u64;
        let chunk = &buf[..n];
        match algorithm {
            HashAlgorithm::Md5 => hasher.update(chunk),
            HashAlgorithm::Md5Dos2Unix => {
                if is_text_block(&chunk[..chunk.len().min(512)]) {
                    dos2unix_into(chunk, &mut scratch);
                    hasher.update(&scratch);
                } else {
                    hasher.update(chunk);
                }
            }
        }
        if n < buf.len() {
            break;
        }
    }
    Ok((hex::encode(hasher.finalize()), size))
}

/// Reads until `buf` is full or the end of the file (DVC's `read(1 MiB)` on a local file does the same).
fn read_full(f: &mut File, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match f.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// DVC's `istextblock`: no NUL, and at most 30 % of bytes outside printable ASCII and `\n\r\t\f\b`.
pub fn is_text_block(block: &[u8]) -> bool {
    if block.is_empty() {
        return true;
    }
    if block.contains(&0) {
        return false;
    }
    let nontext = block
        .iter()
        .filter(|&&b| !((32..127).contains(&b) || matches!(b, b'\n' | b'\r' | b'\t' | 0x0c | 0x08)))
        .count();
    (nontext as f64) / (block.len() as f64) <= 0.30
}

fn dos2unix_into(chunk: &[u8], out: &mut Vec<u8>) {
    out.clear();
    out.reserve(chunk.len());
    let mut i = 0;
    while i < chunk.len() {
        if chunk[i] == b'\r' && chunk.get(i + 1) == Some(&b'\n') {
            out.push(b'\n');
            i += 2;
        } else {
            out.push(chunk[i]);
            i += 1;
        }
    }
}

/// A file found while walking a directory.
struct Found {
    /// The name as Python sees it (code points, undecodable bytes as lone surrogates).
    key: Vec<u32>,
    relpath: String,
    path: PathBuf,
}

/// Builds the manifest of a directory exactly as DVC 3 does (`dvc_data.hashfile.build._build_tree`).
///
/// Empty directories contribute nothing; symlinked directories are skipped; symlinked files are hashed by
/// their target's content; `.dvcignore` rules from `opts.repo_root` down apply; a `.dvcignore` inside the
/// directory is an error. Files are hashed in parallel.
pub fn dir_manifest(path: &Path, opts: &HashOptions) -> Result<DirManifest> {
    let ignore = match &opts.repo_root {
        Some(root) => DvcIgnore::for_path(root, path)?,
        None => DvcIgnore::default(),
    };
    let walk_root = if ignore.has_rules() {
        std::path::absolute(path).map_err(|e| Error::io("resolve", path, e))?
    } else {
        path.to_path_buf()
    };
    let mut found = Vec::new();
    walk(&walk_root, &mut Vec::new(), &ignore, &mut found)?;
    found.sort_unstable_by(|a, b| a.key.cmp(&b.key));

    let algorithm = opts.algorithm;
    let hashed: Vec<Result<(Vec<u32>, ManifestEntry)>> = found
        .into_par_iter()
        .map_init(
            || vec![0u8; CHUNK_SIZE],
            |buf, f| {
                let (md5, size, isexec) = file_md5_exec(&f.path, algorithm, buf)?;
                let entry = ManifestEntry {
                    relpath: f.relpath,
                    path: f.path,
                    md5,
                    size,
                    isexec,
                };
                Ok((f.key, entry))
            },
        )
        .collect();
    let hashed = hashed.into_iter().collect::<Result<Vec<_>>>()?;
    let bytes = manifest_json(hashed.iter().map(|(k, e)| (e.md5.as_str(), k.as_slice())));
    let entries: Vec<ManifestEntry> = hashed.into_iter().map(|(_, e)| e).collect();
    let size = entries.iter().map(|e| e.size).sum();
    let md5 = format!("{}.dir", hex::encode(Md5::digest(&bytes)));
    let nfiles = entries.len() as u64;
    Ok(DirManifest {
        entries,
        bytes,
        info: HashInfo {
            md5,
            size,
            nfiles: Some(nfiles),
            isexec: false,
        },
    })
}

fn walk(dir: &Path, rel: &mut Vec<u8>, ignore: &DvcIgnore, out: &mut Vec<Found>) -> Result<()> {
    let rd = fs::read_dir(dir).map_err(|e| Error::io("read directory", dir, e))?;
    let mut names = Vec::new();
    for entry in rd {
        let entry = entry.map_err(|e| Error::io("read directory", dir, e))?;
        names.push(entry);
    }
    // DVC raises as soon as it lists the files of a directory holding a .dvcignore.
    if names.iter().any(|e| e.file_name() == ".dvcignore") {
        return Err(Error::IgnoreInCollectedDir {
            dir: dir.to_path_buf(),
        });
    }
    for entry in names {
        let name = entry.file_name();
        let path = entry.path();
        let ft = entry.file_type().map_err(|e| Error::io("stat", &path, e))?;
        // os.walk puts a symlink to a directory into `dirs` and does not descend: skipped entirely.
        let is_dir = if ft.is_symlink() {
            match fs::metadata(&path) {
                Ok(m) if m.is_dir() => continue,
                Ok(_) => false,
                Err(_) => return Err(Error::NotAFileOrDir { path }),
            }
        } else {
            ft.is_dir()
        };
        if ignore.is_ignored(&path, &name, is_dir) {
            continue;
        }
        if name.to_str().is_none() {
            return Err(Error::NotUtf8 { path });
        }
        let old = rel.len();
        if !rel.is_empty() {
            rel.push(b'/');
        }
        rel.extend_from_slice(name.as_bytes());
        if is_dir {
            // A nested DVC repository is ignored by DVC (`_update_sub_repo`).
            if !path.join(".dvc").is_dir() {
                walk(&path, rel, ignore, out)?;
            }
        } else {
            let os = OsStr::from_bytes(rel);
            out.push(Found {
                key: python_str(os),
                relpath: os.to_string_lossy().into_owned(),
                path,
            });
        }
        rel.truncate(old);
    }
    Ok(())
}

/// The code points Python sees for a file name (`os.fsdecode`: UTF-8 with `surrogateescape`).
fn python_str(name: &OsStr) -> Vec<u32> {
    let mut out = Vec::with_capacity(name.len());
    for chunk in name.as_bytes().utf8_chunks() {
        out.extend(chunk.valid().chars().map(u32::from));
        out.extend(chunk.invalid().iter().map(|&b| 0xDC00 + u32::from(b)));
    }
    out
}

/// Serialises manifest entries `(md5, relpath code points)` (already sorted) exactly like Python's
/// `json.dumps(entries, sort_keys=True)` with its defaults (`ensure_ascii`, `", "` and `": "`).
fn manifest_json<'a>(entries: impl Iterator<Item = (&'a str, &'a [u32])>) -> Vec<u8> {
    let mut out = Vec::with_capacity(128);
    out.push(b'[');
    for (i, (md5, relpath)) in entries.enumerate() {
        if i > 0 {
            out.extend_from_slice(b", ");
        }
        out.extend_from_slice(b"{\"md5\": ");
        python_json_str(md5.chars().map(u32::from), &mut out);
        out.extend_from_slice(b", \"relpath\": ");
        python_json_str(relpath.iter().copied(), &mut out);
        out.push(b'}');
    }
    out.push(b']');
    out
}

/// Writes a JSON string the way Python's `json.dumps(..., ensure_ascii=True)` does.
pub fn python_json_string(s: &str) -> String {
    let mut out = Vec::new();
    python_json_str(s.chars().map(u32::from), &mut out);
    String::from_utf8(out).expect("ASCII output")
}

fn python_json_str(cps: impl Iterator<Item = u32>, out: &mut Vec<u8>) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let u = |out: &mut Vec<u8>, v: u32| {
        out.extend_from_slice(b"\\u");
        for shift in [12, 8, 4, 0] {
            out.push(HEX[((v >> shift) & 0xf) as usize]);
        }
    };
    out.push(b'"');
    for c in cps {
        match c {
            0x22 => out.extend_from_slice(b"\\\""),
            0x5c => out.extend_from_slice(b"\\\\"),
            0x0a => out.extend_from_slice(b"\\n"),
            0x0d => out.extend_from_slice(b"\\r"),
            0x09 => out.extend_from_slice(b"\\t"),
            0x08 => out.extend_from_slice(b"\\b"),
            0x0c => out.extend_from_slice(b"\\f"),
            0x20..=0x7e => out.push(c as u8),
            0x10000.. => {
                let v = c - 0x10000;
                u(out, 0xd800 | (v >> 10));
                u(out, 0xdc00 | (v & 0x3ff));
            }
            _ => u(out, c),
        }
    }
    out.push(b'"');
}

/// Walks up from `start` to the first directory that holds a `.dvc` directory (the DVC repository root).
pub fn find_repo_root(start: &Path) -> Option<PathBuf> {
    let abs = std::path::absolute(start).ok()?;
    abs.ancestors()
        .find(|d| d.join(".dvc").is_dir())
        .map(Path::to_path_buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_json_escapes() {
        assert_eq!(
            python_json_string("a\"\\/\n\r\t\u{8}\u{c}"),
            r#""a\"\\/\n\r\t\b\f""#
        );
        assert_eq!(
            python_json_string("\u{1}\u{7f}é€😀"),
            r#""\u0001\u007f\u00e9\u20ac\ud83d\ude00""#
        );
        let mut out = Vec::new();
        python_json_str([0x61, 0xdc80].into_iter(), &mut out);
        assert_eq!(out, br#""a\udc80""#);
    }

    #[test]
    fn empty_manifest() {
        let bytes = manifest_json(std::iter::empty());
        assert_eq!(bytes, b"[]");
        assert_eq!(
            format!("{}.dir", hex::encode(Md5::digest(&bytes))),
            EMPTY_DIR_MD5
        );
    }

    #[test]
    fn dos2unix_chunks() {
        assert!(is_text_block(b"a,b\r\n"));
        assert!(!is_text_block(b"a\0b"));
        let mut out = Vec::new();
        dos2unix_into(b"a\r\nb\r\r\n\r", &mut out);
        assert_eq!(out, b"a\nb\r\n\r");
    }
}
