//! Raw inputs git already tracks: `kdvc translate` refuses them as `dvc add` does, with the commands that
//! stop git tracking them, and writes nothing until they are run; the data never moves.

use std::path::Path;
use std::process::Command;

use kdvc_test_support::{fixture_copy, git, git_dvc_init, run_tool_failing};

use crate::{kdvc, run};

const RAW: &str = "data/01_raw/prices.csv";

/// The lines of `text` that are git commands, as the hint gives them.
fn commands(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| l.starts_with("git "))
        .map(str::to_owned)
        .collect()
}

fn tracked(root: &Path, path: &str) -> bool {
    !git(root, &["ls-files", "--", path]).trim().is_empty()
}

#[test]
fn a_raw_input_git_tracks_is_refused_with_the_commands_dvc_asks_for() {
    let copy = fixture_copy("pipe-decorated");
    let root = &copy.root;
    git_dvc_init(root);
    // A starter that commits its raw data (the project's .gitignore ignores data/, hence -f).
    git(root, &["add", "-f", RAW]);
    git(root, &["commit", "-q", "-m", "raw data"]);
    let data = std::fs::read(root.join(RAW)).unwrap();

    // DVC itself refuses to add it, and says to stop tracking it in git first (once its .dvc file would
    // not be git-ignored, which translate arranges too).
    let gitignore = root.join(".gitignore");
    let text = std::fs::read_to_string(&gitignore).unwrap();
    std::fs::write(&gitignore, format!("{text}!*.dvc\n")).unwrap();
    let dvc = run_tool_failing("dvc", root, ["add", RAW]);
    assert!(
        dvc.contains("is already tracked by SCM") && dvc.contains(&format!("--cached '{RAW}'")),
        "{dvc}"
    );
    git(root, &["checkout", "--", "."]);
    git(root, &["clean", "-fdq"]);

    let r = run(kdvc(root).arg("translate"));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains(&format!(
            "raw input '{RAW}' (dataset 'prices') is already tracked by git"
        )),
        "{}",
        r.stderr
    );
    // Located at the catalog entry.
    assert!(
        r.stderr.contains("conf/base/catalog.yml:1:1"),
        "{}",
        r.stderr
    );
    assert_eq!(
        commands(&r.stderr),
        [
            format!("git rm --cached '{RAW}'"),
            format!("git commit -m 'stop tracking {RAW}'")
        ]
    );
    // Nothing written, nothing moved.
    assert!(!root.join("dvc.yaml").exists());
    assert!(!root.join(format!("{RAW}.dvc")).exists());
    assert!(!root.join("data/01_raw/weights.csv.dvc").exists());
    assert_eq!(std::fs::read(root.join(RAW)).unwrap(), data);
    assert!(tracked(root, RAW));

    // The same in JSON, for tools.
    let r = run(kdvc(root).args(["--format", "json", "translate"]));
    assert_eq!(r.code, 2, "{}", r.stderr);
    let report: serde_json::Value =
        serde_json::from_str(r.stderr.lines().next().unwrap_or_default()).unwrap();
    assert!(
        report["file"]
            .as_str()
            .unwrap()
            .ends_with("conf/base/catalog.yml"),
        "{report}"
    );
    let hint = report["hint"].as_str().unwrap();

    // Run as given, from the project root: git stops tracking the file, which stays.
    for command in commands(hint) {
        let status = Command::new("sh")
            .current_dir(root)
            .args(["-c", &command])
            .status()
            .unwrap();
        assert!(status.success(), "{command}");
    }
    assert!(!tracked(root, RAW));
    assert_eq!(std::fs::read(root.join(RAW)).unwrap(), data);

    let r = run(kdvc(root).arg("translate"));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(root.join(format!("{RAW}.dvc")).is_file());
    assert_eq!(std::fs::read(root.join(RAW)).unwrap(), data);
    // DVC agrees the .dvc file describes the data in its cache.
    let status = kdvc_test_support::run_tool("dvc", root, ["status", &format!("{RAW}.dvc")]);
    assert!(status.contains("up to date"), "{status}");
}

/// fixtures/raw-committed: a starter that commits its raw data, a file and a partitioned directory.
#[test]
fn a_starter_with_committed_raw_data_gets_one_command_pair_per_input() {
    let copy = fixture_copy("raw-committed");
    let root = &copy.root;
    git_dvc_init(root);
    let inputs = ["data/01_raw/harbours.csv", "data/01_raw/stations"];
    for input in inputs {
        assert!(tracked(root, input), "{input}");
    }
    let r = run(kdvc(root).arg("translate"));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains(
            "raw input 'data/01_raw/harbours.csv' (dataset 'harbours') is already tracked by git"
        ) && r
            .stderr
            .contains("also tracked by git: 'data/01_raw/stations' (dataset 'station_readings')"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("conf/base/catalog.yml:8:1"),
        "{}",
        r.stderr
    );
    assert_eq!(
        commands(&r.stderr),
        [
            "git rm --cached 'data/01_raw/harbours.csv'",
            "git commit -m 'stop tracking data/01_raw/harbours.csv'",
            "git rm -r --cached 'data/01_raw/stations'",
            "git commit -m 'stop tracking data/01_raw/stations'",
        ]
    );
    assert!(!root.join("dvc.yaml").exists());
    for command in commands(&r.stderr) {
        let status = Command::new("sh")
            .current_dir(root)
            .args(["-c", &command])
            .status()
            .unwrap();
        assert!(status.success(), "{command}");
    }
    let r = run(kdvc(root).arg("translate"));
    assert_eq!(r.code, 0, "{}", r.stderr);
    for input in inputs {
        assert!(!tracked(root, input), "{input}");
        assert!(root.join(input).exists(), "{input}");
        let dvc_file = format!("{input}.dvc");
        let status = kdvc_test_support::run_tool("dvc", root, ["status", &dvc_file]);
        assert!(status.contains("up to date"), "{dvc_file}: {status}");
    }
}
