//! Golden outputs. For every project under `fixtures/` and `examples/`, in every configuration environment
//! it has, and for a generated project, this runs `kdvc translate` and `kdvc fingerprint` on a fresh copy and
//! snapshots a digest of every file they write or change, with every node's code fingerprint.
//!
//! The snapshots hold what kdvc wrote before any refactoring: a change to the code's structure must leave
//! them byte-identical. A deliberate change of output (a format or normalizer version bump) updates them
//! in the same commit, which says why.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use kdvc_test_support::{copy_dir, git, workspace_root};

use crate::{kdvc, run};

/// Every file below `dir` (`.git` left out), relative path to content.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let entry = entry.unwrap();
            let path = entry.path();
            if entry.file_name() == ".git" || entry.file_name() == "__pycache__" {
                continue;
            }
            let ty = entry.file_type().unwrap();
            if ty.is_dir() {
                walk(base, &path, out);
            } else if ty.is_file() {
                let rel = path
                    .strip_prefix(base)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                out.insert(rel, std::fs::read(&path).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// The configuration environments of a project: its `conf/` subdirectories other than `base` and `local`.
fn environments(root: &Path) -> Vec<String> {
    let mut envs: Vec<String> = std::fs::read_dir(root.join("conf"))
        .map(|rd| {
            rd.filter_map(Result::ok)
                .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n != "base" && n != "local")
                .collect()
        })
        .unwrap_or_default();
    envs.sort();
    envs
}

/// Translates and fingerprints a fresh copy of `src` in `env`, and describes what was written.
fn outputs(src: &Path, env: Option<&str>) -> String {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("project");
    copy_dir(src, &root);
    git(&root, &["init", "-q", "-b", "main"]);
    let before = files(&root);
    let env_args: Vec<&str> = env.map(|e| vec!["--env", e]).unwrap_or_default();
    let mut out = String::new();

    let t = run(kdvc(&root).arg("translate").args(&env_args));
    let _ = writeln!(out, "translate: exit {}", t.code);
    if t.code == 0 {
        let f = run(kdvc(&root).args(["fingerprint", "--json"]).args(&env_args));
        let _ = writeln!(out, "fingerprint: exit {}", f.code);
        if f.code == 0 {
            let v: serde_json::Value = serde_json::from_str(&f.stdout).unwrap();
            for (node, fp) in v["nodes"].as_object().unwrap() {
                let _ = writeln!(out, "node {node}: {}", fp["hash"].as_str().unwrap());
            }
        }
    }
    for (path, bytes) in files(&root) {
        // The stat cache records modification times: it differs between any two runs.
        if path == ".kdvc/cache/files.json" {
            continue;
        }
        if before.get(&path) != Some(&bytes) {
            let digest = blake3::hash(&bytes).to_hex();
            let _ = writeln!(out, "file {path}: {}", &digest[..32]);
        }
    }
    for path in before.keys() {
        if !root.join(path).exists() {
            let _ = writeln!(out, "removed {path}");
        }
    }
    out
}

fn projects() -> Vec<(String, PathBuf)> {
    let mut out = Vec::new();
    for dir in ["fixtures", "examples"] {
        let mut found: Vec<PathBuf> = std::fs::read_dir(workspace_root().join(dir))
            .unwrap()
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.join("pyproject.toml").is_file())
            .collect();
        found.sort();
        for p in found {
            out.push((p.file_name().unwrap().to_string_lossy().into_owned(), p));
        }
    }
    out
}

#[test]
fn committed_projects_translate_and_fingerprint_as_before() {
    let projects = projects();
    assert!(
        projects.len() >= 16,
        "found only {} projects",
        projects.len()
    );
    for (name, src) in projects {
        let mut text = format!("## default environment\n{}", outputs(&src, None));
        for env in environments(&src) {
            let _ = write!(text, "## --env {env}\n{}", outputs(&src, Some(&env)));
        }
        insta::assert_snapshot!(format!("golden_{name}"), text);
    }
}

#[test]
fn a_generated_project_translates_and_fingerprints_as_before() {
    let dir = tempfile::tempdir().unwrap();
    let spec = kdvc_benches::Spec::nodes(60, 6)
        .with_python_lines(4_000)
        .with_catalog_entries(80)
        .with_param_keys(30);
    let g = kdvc_benches::generate(dir.path(), &spec).unwrap();
    let text = outputs(&g.root, None);
    assert_eq!(
        text.lines().filter(|l| l.starts_with("node ")).count(),
        g.node_names.len(),
        "every node gets a fingerprint:\n{text}"
    );
    insta::assert_snapshot!("golden_generated", text);
}
