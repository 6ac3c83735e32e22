//! End-to-end tests of the `kdvc` binary. One test binary for the crate (see `mod` lines below).

mod code_aware;
mod errors;
mod experiments;
mod golden;
mod hash;
mod install;
mod k8s;
mod project;
mod translate_e2e;
mod ux;

use std::path::Path;
use std::process::{Command, Output};

/// A `kdvc` command with the test environment (telemetry off, the venv's tools on PATH).
pub(crate) fn kdvc(dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kdvc"));
    kdvc_test_support::configure(&mut cmd);
    // `kdvc exp run` starts DVC, which runs `kdvc fingerprint`: this binary must be on PATH too.
    let bin = Path::new(env!("CARGO_BIN_EXE_kdvc"))
        .parent()
        .expect("bin dir")
        .to_path_buf();
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut paths = vec![bin, kdvc_test_support::venv().join("bin")];
    paths.extend(std::env::split_paths(&path));
    cmd.env("PATH", std::env::join_paths(paths).expect("valid PATH"));
    cmd.current_dir(dir);
    cmd
}

/// stdout, stderr and exit code of a finished command, for assertions and snapshots.
pub(crate) struct Run {
    pub(crate) code: i32,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

pub(crate) fn run(cmd: &mut Command) -> Run {
    let Output {
        status,
        stdout,
        stderr,
    } = cmd.output().expect("kdvc runs");
    Run {
        code: status.code().expect("exit code"),
        stdout: String::from_utf8(stdout).expect("utf-8 stdout"),
        stderr: String::from_utf8(stderr).expect("utf-8 stderr"),
    }
}

/// A command for a tool of the test environment (`dvc`, `kedro`) with the kdvc binary under test on PATH:
/// DVC runs `kdvc fingerprint` as the `kdvc-fingerprint` stage.
pub(crate) fn tool_with_kdvc(name: &str) -> Command {
    let mut cmd = kdvc_test_support::tool(name);
    let bin = Path::new(env!("CARGO_BIN_EXE_kdvc"))
        .parent()
        .expect("bin dir")
        .to_path_buf();
    let path = std::env::var_os("PATH").unwrap_or_default();
    let venv_bin = kdvc_test_support::venv().join("bin");
    let mut paths = vec![bin, venv_bin];
    paths.extend(std::env::split_paths(&path));
    cmd.env("PATH", std::env::join_paths(paths).expect("valid PATH"));
    cmd
}
