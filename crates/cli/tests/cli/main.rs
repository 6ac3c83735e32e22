//! End-to-end tests of the `kdvc` binary. One test binary for the crate (see `mod` lines below).

mod code_aware;
mod errors;
mod hash;
mod project;

use std::path::Path;
use std::process::{Command, Output};

/// A `kdvc` command with the test environment (telemetry off, the venv's tools on PATH).
pub(crate) fn kdvc(dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kdvc"));
    kdvc_test_support::configure(&mut cmd);
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
