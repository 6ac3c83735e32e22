//! kdvc installed the way a Python user installs it.
//!
//! The wheel is built by maturin (pinned in the test environment) from the repository's `pyproject.toml`
//! and installed into a fresh virtual environment whose `PATH` has no Rust toolchain. From there,
//! `kdvc --version`, `kedro kdvc translate` and `dvc repro` run on a copy of the example project: the
//! `kdvc-fingerprint` stage finds the environment's `kdvc`. Then pre-commit installs the repository's own
//! `kdvc-check` hook (building the package from source, as it does for any user) and runs it.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use kdvc_test_support::{TELEMETRY_OFF, copy_dir, git, run_ok, venv_bin, workspace_root};

/// Where the Python builds put what they make: the wheel, the user's virtual environment, and the cargo
/// artefacts of pre-commit's build from source.
fn build_dir() -> PathBuf {
    workspace_root().join("target/python-build")
}

/// The target directory `cargo test` built this suite's `kdvc` in (`<target>/debug/kdvc`).
fn cargo_target_dir() -> PathBuf {
    let bin = Path::new(env!("CARGO_BIN_EXE_kdvc"));
    bin.ancestors()
        .nth(2)
        .unwrap_or_else(|| panic!("{} is not <target>/<profile>/kdvc", bin.display()))
        .to_path_buf()
}

/// The wheel, built once per test run. maturin packages the binary that `cargo test` has just built: the
/// same target directory and the same (dev) profile, so cargo finds everything fresh (cargo releases its
/// build lock while the tests run). A release wheel differs only in the compiler's optimisation level.
fn wheel() -> &'static Path {
    static WHEEL: OnceLock<PathBuf> = OnceLock::new();
    WHEEL.get_or_init(|| {
        let out = build_dir().join("wheels");
        let _ = std::fs::remove_dir_all(&out);
        run_ok(
            Command::new(venv_bin("maturin"))
                .current_dir(workspace_root())
                .args(["build", "--profile", "dev", "--quiet", "--out"])
                .arg(&out)
                .env("CARGO_TARGET_DIR", cargo_target_dir()),
        );
        let wheels: Vec<PathBuf> = std::fs::read_dir(&out)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "whl"))
            .collect();
        assert_eq!(wheels.len(), 1, "maturin built {wheels:?}");
        wheels.into_iter().next().unwrap()
    })
}

/// `PATH` of a user's shell with the virtual environment `venv` activated: the environment's `bin`, then
/// the system directories (git), and no Rust toolchain.
fn user_path(venv: &Path) -> OsString {
    let path = std::env::join_paths([
        venv.join("bin"),
        PathBuf::from("/usr/local/bin"),
        PathBuf::from("/usr/bin"),
        PathBuf::from("/bin"),
    ])
    .unwrap();
    for dir in std::env::split_paths(&path) {
        assert!(
            !dir.join("cargo").exists(),
            "{} holds cargo: the user's PATH must have no Rust toolchain",
            dir.display()
        );
    }
    path
}

/// A command as the user runs it in the activated environment `venv`.
fn user(venv: &Path, program: &str, dir: &Path) -> Command {
    let in_venv = venv.join("bin").join(program);
    let mut cmd = if in_venv.exists() {
        Command::new(in_venv)
    } else {
        Command::new(program)
    };
    for (k, v) in TELEMETRY_OFF {
        cmd.env(k, v);
    }
    cmd.current_dir(dir)
        .env("PATH", user_path(venv))
        .env("VIRTUAL_ENV", venv)
        .env_remove("CARGO_TARGET_DIR")
        .env("PIP_DISABLE_PIP_VERSION_CHECK", "1")
        .env("NO_COLOR", "1");
    cmd
}

/// A fresh virtual environment with the wheel, Kedro, kedro-datasets and DVC (pinned as in the test
/// environment) installed by pip; made once per test run and shared by the tests of this module.
fn fresh_venv() -> &'static Path {
    static VENV: OnceLock<PathBuf> = OnceLock::new();
    VENV.get_or_init(|| {
        let venv = build_dir().join("user-venv");
        let _ = std::fs::remove_dir_all(&venv);
        make_venv(&venv);
        venv
    })
}

fn make_venv(venv: &Path) {
    let dir = venv.parent().unwrap();
    run_ok(
        Command::new(venv_bin("python"))
            .args(["-m", "venv"])
            .arg(venv),
    );
    run_ok(
        user(venv, "python", dir)
            .args(["-m", "pip", "install", "--quiet", "-c"])
            .arg(workspace_root().join("scripts/requirements-test.txt"))
            .arg(wheel())
            .args([
                "kedro",
                "kedro-datasets[pandas-csvdataset,pandas-parquetdataset]",
                "dvc",
            ]),
    );
}

/// A copy of the example project, committed to a new git repository.
fn example(dir: &Path) -> PathBuf {
    let root = dir.join("spaceflights");
    copy_dir(&workspace_root().join("examples/spaceflights"), &root);
    git(&root, &["init", "-q", "-b", "main"]);
    git(&root, &["add", "-A"]);
    git(&root, &["commit", "-q", "-m", "Kedro project"]);
    root
}

fn stdout(cmd: &mut Command) -> String {
    String::from_utf8(run_ok(cmd).stdout).unwrap()
}

#[test]
fn the_wheel_installs_kdvc_and_the_kedro_plugin_into_a_plain_virtual_environment() {
    let tmp = tempfile::tempdir().unwrap();
    let venv = fresh_venv();
    let version = stdout(user(venv, "kdvc", tmp.path()).arg("--version"));
    assert_eq!(
        version.trim(),
        format!("kdvc {}", env!("CARGO_PKG_VERSION")),
        "the wheel's kdvc"
    );
    assert!(
        venv.join("bin/kdvc").is_file(),
        "kdvc is installed into the environment's bin"
    );

    let root = example(tmp.path());
    run_ok(user(venv, "dvc", &root).args(["init", "-q"]));
    let translated = run_ok(user(venv, "kedro", &root).args(["kdvc", "translate"]));
    let summary = String::from_utf8_lossy(&translated.stdout);
    assert!(
        root.join("dvc.yaml").is_file(),
        "`kedro kdvc translate` wrote no dvc.yaml:\n{summary}"
    );
    let repro = stdout(user(venv, "dvc", &root).arg("repro"));
    assert!(
        repro.contains("Running stage 'kdvc-fingerprint'"),
        "dvc repro ran the fingerprint stage with the environment's kdvc:\n{repro}"
    );
    let status = stdout(user(venv, "dvc", &root).args(["status", "--json"]));
    let status: serde_json::Value = serde_json::from_str(&status).unwrap();
    assert_eq!(status, serde_json::json!({}), "dvc status after repro");
}

#[test]
fn pre_commit_installs_the_kdvc_check_hook_from_the_repository() {
    let tmp = tempfile::tempdir().unwrap();
    let root = example(tmp.path());
    let try_repo = || {
        let mut cmd = Command::new(venv_bin("pre-commit"));
        for (k, v) in TELEMETRY_OFF {
            cmd.env(k, v);
        }
        cmd.current_dir(&root)
            .args(["try-repo"])
            .arg(workspace_root())
            .args(["kdvc-check", "--all-files", "--color", "never"])
            .env("PRE_COMMIT_HOME", tmp.path().join("pre-commit-home"))
            // pre-commit builds the package from source with cargo (through maturin): in the dev profile,
            // in a target directory of its own that keeps its dependencies compiled across runs. (Not
            // `cargo test`'s: the sources of pre-commit's clone would replace this checkout's artefacts.)
            .env("CARGO_TARGET_DIR", build_dir().join("cargo"))
            .env("MATURIN_PEP517_ARGS", "--profile dev")
            .env("PIP_DISABLE_PIP_VERSION_CHECK", "1");
        cmd.output().unwrap()
    };

    // Translated with the wheel's kdvc, as a user would before committing.
    run_ok(user(fresh_venv(), "kdvc", &root).arg("translate"));
    git(&root, &["add", "-A"]);
    git(&root, &["commit", "-q", "-m", "translated"]);

    let ok = try_repo();
    let text = String::from_utf8_lossy(&ok.stdout);
    assert!(
        ok.status.success(),
        "kdvc-check fails on a translated project:\n{text}\n{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert!(
        text.contains("kdvc check") && text.contains("Passed"),
        "{text}"
    );

    // A new node: dvc.yaml is stale, and the hook fails with the diff.
    let pipeline = root.join("src/spaceflights/pipelines/data_processing/pipeline.py");
    let code = std::fs::read_to_string(&pipeline).unwrap();
    let marker = "name=\"preprocess_shuttles_node\"),\n";
    assert!(code.contains(marker), "{code}");
    let added = code.replacen(
        marker,
        &format!(
            "{marker}            node(preprocess_companies, \"companies\", \"companies_again\", \
             name=\"preprocess_companies_again\"),\n"
        ),
        1,
    );
    std::fs::write(&pipeline, added).unwrap();
    let stale = try_repo();
    let text = String::from_utf8_lossy(&stale.stdout);
    assert!(
        !stale.status.success(),
        "kdvc-check passes on a stale dvc.yaml:\n{text}"
    );
    assert!(
        text.contains("Failed")
            && text
                .lines()
                .any(|l| l.starts_with('+') && l.contains("preprocess_companies_again")),
        "the hook shows the diff:\n{text}"
    );
}
