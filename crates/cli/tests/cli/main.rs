//! End-to-end tests of the `kdvc` binary. One test binary for the crate (see `mod` lines below).

mod code_aware;
mod config_independence;
mod custom_resolvers;
mod errors;
mod experiments;
mod fake_kube;
mod golden;
mod hash;
mod install;
mod k8s;
mod k8s_e2e;
mod kedro_versions;
mod kill;
mod project;
mod tracked_raw;
mod translate_e2e;
mod ux;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Output};

/// A `kdvc` command in `dir` with the test environment (telemetry off, the venv's tools on PATH). This
/// binary is on PATH too: `kdvc exp run` starts DVC, which runs `kdvc fingerprint`.
pub(crate) fn kdvc(dir: &Path) -> Command {
    let mut cmd = kdvc_test_support::binary(Path::new(env!("CARGO_BIN_EXE_kdvc")));
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
    kdvc_test_support::tool_with_binary(name, Path::new(env!("CARGO_BIN_EXE_kdvc")))
}

/// Runs `dvc repro` in `root` (kdvc on PATH) and returns the stages it ran.
pub(crate) fn dvc_repro(root: &Path) -> BTreeSet<String> {
    let out = kdvc_test_support::run_ok(tool_with_kdvc("dvc").current_dir(root).arg("repro"));
    kdvc_test_support::stages_ran(&out.stdout)
        .into_iter()
        .collect()
}

/// The stages and `.dvc` files `dvc status --json` in `root` (kdvc on PATH) reports as changed.
pub(crate) fn dvc_status(root: &Path) -> BTreeSet<String> {
    let out = kdvc_test_support::run_ok(
        tool_with_kdvc("dvc")
            .current_dir(root)
            .args(["status", "--json"]),
    );
    kdvc_test_support::stale_stages(&out.stdout)
}
