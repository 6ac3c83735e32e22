//! Test helpers shared by the kdvc crates. Not part of kdvc's API.
//!
//! The tests use the real Kedro 1.7.0 and DVC 3.67.1 as oracles. They live in a virtual environment that
//! `scripts/setup-venv` creates (the README's test command runs it first). A test never skips because a tool
//! is missing: [`venv`] panics with a message that says how to install it.

#![allow(clippy::missing_panics_doc)]

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod kedro;

pub use kedro::{
    DataFiles, Spelling, data_files, kedro_json, kedro_pipelines, kedro_run_outputs,
    relabel_as_kedro17,
};

/// Environment variables that turn off Kedro's and DVC's usage reporting. Every call of either sets them.
pub const TELEMETRY_OFF: [(&str, &str); 3] = [
    ("DO_NOT_TRACK", "1"),
    ("KEDRO_DISABLE_TELEMETRY", "true"),
    ("DVC_NO_ANALYTICS", "1"),
];

/// The JSON schema of `dvc.yaml`, vendored at `<root>/schemas/dvc-yaml.schema.json` (provenance in
/// `schemas/README.md`). Panics, naming the file, when it is missing or not JSON.
pub fn dvc_yaml_schema() -> serde_json::Value {
    vendored_schema("dvc-yaml.schema.json")
}

/// The JSON schema of Argo Workflows manifests, vendored at `<root>/schemas/argo-workflow.schema.json`
/// (draft 2020-12, with the patches described in `schemas/README.md`). Panics, naming the file, when it is
/// missing or not JSON.
pub fn argo_workflow_schema() -> serde_json::Value {
    vendored_schema("argo-workflow.schema.json")
}

/// A schema from `<root>/schemas/`: only the repository's own copy is read.
fn vendored_schema(file: &str) -> serde_json::Value {
    let path = workspace_root().join("schemas").join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "cannot read the vendored schema {} ({e}): it is committed under schemas/",
            path.display()
        )
    });
    serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("the vendored schema {} is not JSON: {e}", path.display()))
}

/// The workspace root (the directory holding the top-level `Cargo.toml`).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("crates/test-support sits two levels below the workspace root")
        .to_path_buf()
}

/// The directory of committed fixture projects, `<root>/fixtures`.
pub fn fixtures_dir() -> PathBuf {
    workspace_root().join("fixtures")
}

/// The virtual environment with the pinned Kedro and DVC.
///
/// Taken from `KDVC_TEST_VENV`, else `<root>/target/kdvc-venv`. Panics, naming the fix, when it is missing:
/// tests must not skip silently.
pub fn venv() -> PathBuf {
    let dir = std::env::var_os("KDVC_TEST_VENV")
        .map_or_else(|| workspace_root().join("target/kdvc-venv"), PathBuf::from);
    for tool in ["python", "kedro", "dvc"] {
        assert!(
            dir.join("bin").join(tool).exists(),
            "the test environment has no {tool} at {}: run ./scripts/test (or ./scripts/setup-venv) \
             to install the pinned Kedro and DVC",
            dir.join("bin").join(tool).display()
        );
    }
    dir
}

/// Path of a program in the test virtual environment (`python`, `kedro`, `dvc`, `ruff`).
pub fn venv_bin(name: &str) -> PathBuf {
    venv().join("bin").join(name)
}

/// A [`Command`] for a program of the virtual environment, with telemetry off, the venv's `bin` first on
/// `PATH` and a fixed git identity.
pub fn tool(name: &str) -> Command {
    let mut cmd = Command::new(venv_bin(name));
    configure(&mut cmd);
    cmd
}

/// A [`Command`] for a program of the virtual environment, like [`tool`], with the directory of a binary
/// under test (`env!("CARGO_BIN_EXE_<name>")`) first on `PATH`: for tools that start that binary (DVC
/// running `kdvc fingerprint` as a stage).
pub fn tool_with_binary(name: &str, binary: &Path) -> Command {
    let mut cmd = Command::new(venv_bin(name));
    configure_with_path(&mut cmd, &[bin_dir(binary)]);
    cmd
}

/// A [`Command`] for a binary under test (`env!("CARGO_BIN_EXE_<name>")`) with the test environment and
/// its own directory first on `PATH` (so that the tools it starts can start it again).
pub fn binary(binary: &Path) -> Command {
    let mut cmd = Command::new(binary);
    configure_with_path(&mut cmd, &[bin_dir(binary)]);
    cmd
}

fn bin_dir(binary: &Path) -> PathBuf {
    binary
        .parent()
        .unwrap_or_else(|| panic!("{} has no directory", binary.display()))
        .to_path_buf()
}

/// The `PATH` of test commands: `first`, then the venv's `bin`, then the inherited `PATH`.
pub fn test_path(first: &[PathBuf]) -> OsString {
    let inherited = std::env::var_os("PATH").unwrap_or_default();
    let mut paths = first.to_vec();
    paths.push(venv().join("bin"));
    paths.extend(std::env::split_paths(&inherited));
    std::env::join_paths(paths).expect("valid PATH")
}

/// Applies the test environment (telemetry off, venv on `PATH`, git identity) to any command.
pub fn configure(cmd: &mut Command) {
    configure_with_path(cmd, &[]);
}

/// [`configure`], with the directories `first` on `PATH` before the venv's `bin`.
pub fn configure_with_path(cmd: &mut Command, first: &[PathBuf]) {
    for (k, v) in TELEMETRY_OFF {
        cmd.env(k, v);
    }
    cmd.env("PATH", test_path(first));
    cmd.env("VIRTUAL_ENV", venv());
    cmd.env("GIT_AUTHOR_NAME", "kdvc-tests")
        .env("GIT_AUTHOR_EMAIL", "tests@kdvc.invalid")
        .env("GIT_COMMITTER_NAME", "kdvc-tests")
        .env("GIT_COMMITTER_EMAIL", "tests@kdvc.invalid")
        .env("NO_COLOR", "1")
        .env("PYTHONDONTWRITEBYTECODE", "1");
}

/// Runs a command, panicking with its full output if it fails. Returns the output.
pub fn run_ok(cmd: &mut Command) -> Output {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot start {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed with {}\n--- stdout\n{}\n--- stderr\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Runs a command and returns its stdout as a string, panicking if it fails.
pub fn stdout_of(cmd: &mut Command) -> String {
    String::from_utf8(run_ok(cmd).stdout).expect("utf-8 output")
}

/// Runs a program of the virtual environment in `dir` with `args` that must fail; returns its stderr.
pub fn run_tool_failing<I, S>(name: &str, dir: &Path, args: I) -> String
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let mut cmd = tool(name);
    cmd.current_dir(dir).args(args);
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot start {cmd:?}: {e}"));
    assert!(
        !out.status.success(),
        "{cmd:?} succeeded\n--- stdout\n{}",
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Runs a program of the virtual environment in `dir` with `args`, panicking if it fails; returns stdout.
pub fn run_tool<I, S>(name: &str, dir: &Path, args: I) -> String
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    stdout_of(tool(name).current_dir(dir).args(args))
}

/// Runs `git` in `dir` with the test identity, panicking if it fails; returns stdout.
pub fn git(dir: &Path, args: &[&str]) -> String {
    let mut cmd = Command::new("git");
    configure(&mut cmd);
    stdout_of(cmd.current_dir(dir).args(args))
}

/// Recursively copies a directory (regular files, directories and symlinks).
pub fn copy_dir(src: &Path, dst: &Path) {
    std::fs::create_dir_all(dst).unwrap_or_else(|e| panic!("mkdir {}: {e}", dst.display()));
    for entry in std::fs::read_dir(src).unwrap_or_else(|e| panic!("read {}: {e}", src.display())) {
        let entry = entry.expect("dir entry");
        let ty = entry.file_type().expect("file type");
        let to = dst.join(entry.file_name());
        if ty.is_dir() {
            if entry.file_name() == "__pycache__" {
                continue;
            }
            copy_dir(&entry.path(), &to);
        } else if ty.is_symlink() {
            let target = std::fs::read_link(entry.path()).expect("read link");
            std::os::unix::fs::symlink(target, &to).expect("symlink");
        } else {
            std::fs::copy(entry.path(), &to)
                .unwrap_or_else(|e| panic!("copy to {}: {e}", to.display()));
        }
    }
}

/// Every Kedro project of the repository (directories of `fixtures/` and `examples/` whose `pyproject.toml`
/// has `[tool.kedro]`), sorted, named as [`project_dir`] takes them: `config-envs`, `examples/spaceflights`.
pub fn kedro_projects() -> Vec<String> {
    let mut out = Vec::new();
    for (dir, prefix) in [
        (fixtures_dir(), ""),
        (workspace_root().join("examples"), "examples/"),
    ] {
        let entries =
            std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("read {}: {e}", dir.display()));
        for entry in entries {
            let path = entry.expect("dir entry").path();
            let is_kedro = std::fs::read_to_string(path.join("pyproject.toml"))
                .is_ok_and(|t| t.lines().any(|l| l.trim() == "[tool.kedro]"));
            if let (true, Some(name)) = (is_kedro, path.file_name().and_then(OsStr::to_str)) {
                out.push(format!("{prefix}{name}"));
            }
        }
    }
    out.sort();
    out
}

/// One `#[test]` per project, so that a failure names its project and projects run in parallel.
///
/// `fixture_tests!(check; spaceflights => "examples/spaceflights", helpers => "pipe-helpers")` writes
/// `#[test] fn spaceflights() { check("examples/spaceflights") }` and so on, and a constant
/// `FIXTURE_TESTS: &[&str]` with the projects (to check against [`kedro_projects`]).
#[macro_export]
macro_rules! fixture_tests {
    ($check:path; $($test:ident => $project:literal),+ $(,)?) => {
        /// The projects with a test of their own in this module.
        #[allow(dead_code)]
        const FIXTURE_TESTS: &[&str] = &[$($project),+];
        $(
            #[test]
            fn $test() {
                $check($project);
            }
        )+
    };
}

/// A fresh copy of `fixtures/<name>` in a temporary directory. The directory is removed when dropped.
pub struct FixtureCopy {
    /// Keeps the temporary directory alive.
    pub tmp: tempfile::TempDir,
    /// The project root inside it.
    pub root: PathBuf,
}

/// The directory of a project: `fixtures/<name>`, `<root>/examples/<name>` for `examples/<name>`, or an
/// absolute path.
pub fn project_dir(name: &str) -> PathBuf {
    if Path::new(name).is_absolute() {
        PathBuf::from(name)
    } else if name.starts_with("examples/") {
        workspace_root().join(name)
    } else {
        fixtures_dir().join(name)
    }
}

/// Copies a project ([`project_dir`]: `fixtures/<name>`, `examples/<name>` or an absolute path) into a new
/// temporary directory.
pub fn fixture_copy(name: &str) -> FixtureCopy {
    let src = project_dir(name);
    assert!(src.is_dir(), "no fixture project at {}", src.display());
    let tmp = tempfile::tempdir().expect("temp dir");
    let root = tmp.path().join(src.file_name().expect("fixture name"));
    copy_dir(&src, &root);
    FixtureCopy { tmp, root }
}

/// The stages a `dvc repro` or `dvc exp run` output (`Running stage 'name':`) says it ran, sorted.
pub fn stages_ran(stdout: &[u8]) -> Vec<String> {
    let mut ran: Vec<String> = String::from_utf8_lossy(stdout)
        .lines()
        .filter_map(|l| l.strip_prefix("Running stage '"))
        .filter_map(|l| l.split('\'').next())
        .map(str::to_owned)
        .collect();
    ran.sort();
    ran
}

/// The stages and `.dvc` files a `dvc status --json` output reports as changed.
pub fn stale_stages(stdout: &[u8]) -> std::collections::BTreeSet<String> {
    let status: serde_json::Value = serde_json::from_slice(stdout).unwrap_or_else(|e| {
        panic!(
            "dvc status --json printed no JSON ({e}): {}",
            String::from_utf8_lossy(stdout)
        )
    });
    status
        .as_object()
        .unwrap_or_else(|| panic!("dvc status --json printed no object: {status}"))
        .keys()
        .cloned()
        .collect()
}

/// Writes `bytes` to `path`, creating its parent directories.
pub fn write_file(path: &Path, bytes: impl AsRef<[u8]>) {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .unwrap_or_else(|e| panic!("mkdir {}: {e}", parent.display()));
    }
    std::fs::write(path, bytes).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
}

/// Writes each `(relative path, text)` under `root`, creating directories.
pub fn write_files(root: &Path, files: &[(&str, &str)]) {
    for (rel, text) in files {
        write_file(&root.join(rel), text);
    }
}

/// Replaces the first `from` in the file `root/rel` with `to`; panics when the file has no `from`.
pub fn edit_file(root: &Path, rel: &str, from: &str, to: &str) {
    let path = root.join(rel);
    let text =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    assert!(text.contains(from), "{rel} does not contain {from:?}");
    write_file(&path, text.replacen(from, to, 1));
}

/// The set of `items`, as owned strings (to compare with sets of stage or symbol names).
pub fn string_set(items: &[&str]) -> std::collections::BTreeSet<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

/// A new, empty git and DVC repository (`<tmp>/repo`, see [`git_dvc_init`]); the directory is removed when
/// the returned [`tempfile::TempDir`] is dropped.
pub fn new_dvc_repo() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().expect("temp dir");
    let root = tmp.path().join("repo");
    std::fs::create_dir_all(&root).unwrap_or_else(|e| panic!("mkdir {}: {e}", root.display()));
    git_dvc_init(&root);
    (tmp, root)
}

/// Makes `dir` a git repository with one commit of everything in it, and `dvc init` in it.
pub fn git_dvc_init(dir: &Path) {
    git(dir, &["init", "-q", "-b", "main"]);
    run_tool("dvc", dir, ["init", "-q"]);
    run_tool("dvc", dir, ["config", "core.autostage", "false"]);
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "-m", "initial"]);
}

/// Runs a Python snippet with the venv's interpreter in `dir` and parses its stdout as JSON.
///
/// Kedro logs to stdout, so snippets should print their JSON as the last line; this takes the last
/// non-empty line. For a snippet about a Kedro project, [`kedro_json`] does the setting up.
pub fn python_json(dir: &Path, code: &str) -> serde_json::Value {
    let out = stdout_of(tool("python").current_dir(dir).arg("-c").arg(code));
    last_json_line(&out, code)
}

/// The last non-empty line of a program's `stdout`, parsed as JSON; `what` names the program in panics.
pub fn last_json_line(stdout: &str, what: &str) -> serde_json::Value {
    let last = stdout
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or_else(|| panic!("printed nothing:\n{what}"));
    serde_json::from_str(last).unwrap_or_else(|e| panic!("not JSON ({e}): {last}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workspace_root_has_the_workspace_manifest() {
        let manifest = std::fs::read_to_string(workspace_root().join("Cargo.toml")).unwrap();
        assert!(manifest.contains("[workspace]"));
    }

    #[test]
    fn the_vendored_schemas_load() {
        let dvc = dvc_yaml_schema();
        assert_eq!(dvc["title"], "dvc.yaml");
        assert!(dvc["properties"]["stages"].is_object());
        let argo = argo_workflow_schema();
        assert_eq!(
            argo["$schema"],
            "https://json-schema.org/draft/2020-12/schema"
        );
        let definitions = argo["definitions"].as_object().unwrap();
        assert!(definitions.contains_key("io.argoproj.workflow.v1alpha1.Workflow"));
        // The two patches of schemas/README.md: closed objects and IntOrString.
        assert_eq!(
            definitions["io.argoproj.workflow.v1alpha1.Workflow"]["additionalProperties"],
            false
        );
        assert_eq!(
            definitions["io.k8s.apimachinery.pkg.util.intstr.IntOrString"]["type"],
            serde_json::json!(["string", "integer"])
        );
    }

    #[test]
    fn the_pinned_tools_are_installed() {
        let kedro = run_tool("kedro", &workspace_root(), ["--version"]);
        assert!(kedro.contains("1.7.0"), "kedro --version said {kedro}");
        let dvc = run_tool("dvc", &workspace_root(), ["--version"]);
        assert_eq!(dvc.trim(), "3.67.1");
    }
}

#[cfg(test)]
mod fixture_tests {
    use super::*;

    /// Fixture projects carry Kedro's template `.gitignore` (`data/**`, `conf/local/**`), which hides their
    /// raw data from git. A file present here but not tracked would be missing on a fresh clone (and in CI).
    #[test]
    fn every_fixture_file_is_tracked_by_git() {
        let root = workspace_root();
        let out = git(
            &root,
            &[
                "ls-files",
                "--others",
                "--ignored",
                "--exclude-standard",
                "--",
                "fixtures",
                "examples",
            ],
        );
        let untracked: Vec<&str> = out
            .lines()
            .filter(|l| !l.contains("__pycache__/") && !l.ends_with(".pyc"))
            .collect();
        assert!(
            untracked.is_empty(),
            "fixture files hidden by a .gitignore and not tracked (add them with `git add -f`):\n{}",
            untracked.join("\n")
        );
    }
}

/// Replays every saved input of the fuzz target `target` (`fuzz/corpus/<target>/`, plus the crashes fixed
/// since, `fuzz/regressions/<target>/`) through `body`, the target's own function, as `cargo fuzz` runs it.
/// Each input must finish within a generous guard for a shared machine (`cargo fuzz` runs with
/// `-timeout=2`); panics name the input. Panics when the target has no saved input.
pub fn replay_fuzz_corpus(target: &str, body: impl Fn(&[u8])) {
    let fuzz = workspace_root().join("fuzz");
    let mut count = 0;
    for dir in [format!("corpus/{target}"), format!("regressions/{target}")] {
        let Ok(entries) = std::fs::read_dir(fuzz.join(dir)) else {
            continue;
        };
        let mut paths: Vec<PathBuf> = entries.map(|e| e.expect("dir entry").path()).collect();
        paths.sort();
        for path in paths {
            let data = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let start = std::time::Instant::now();
            body(&data);
            assert!(
                start.elapsed() < std::time::Duration::from_secs(5),
                "{} took {:?}",
                path.display(),
                start.elapsed()
            );
            count += 1;
        }
    }
    assert!(count > 0, "no saved inputs for the fuzz target {target}");
}
