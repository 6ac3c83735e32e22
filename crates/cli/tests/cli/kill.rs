//! `kdvc translate` killed with SIGKILL at random moments, 200 times, on a generated project with many
//! stages. After every kill, each file it writes (dvc.yaml, dvc.lock, the `.dvc` files, `.gitignore` and
//! `.dvcignore` files, the fingerprint files, its caches and the DVC cache) is either the complete old or
//! the complete new version. The next run then completes, writes exactly the new versions and leaves no
//! temporary file behind.
//!
//! The change between old and new touches many files at once: the raw input moves (a new `.dvc` file, a new
//! `.gitignore` entry, new deps in dvc.yaml), its content changes (a new object in the DVC cache), and a
//! pipeline is removed (its stages leave dvc.yaml, their dvc.lock entries are pruned). The fingerprint files
//! (which `kdvc fingerprint` writes, not `translate`) must stay as they are.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use kdvc_test_support::{git_dvc_init, write_file};

use crate::kdvc;

const KILLS: usize = 200;

/// Every file below `root` except git's own, relative path to content.
fn tree(root: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let entry = entry.unwrap();
            let path = entry.path();
            let rel = path
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            if rel == ".git" {
                continue;
            }
            if entry.file_type().unwrap().is_dir() {
                walk(root, &path, out);
            } else {
                out.insert(rel, std::fs::read(&path).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(root, root, &mut out);
    out
}

/// Makes the files below `root` (git's left alone) exactly `want`.
fn restore(root: &Path, want: &BTreeMap<String, Vec<u8>>) {
    for rel in tree(root).keys() {
        if !want.contains_key(rel) {
            std::fs::remove_file(root.join(rel)).unwrap();
        }
    }
    for (rel, bytes) in want {
        let path = root.join(rel);
        if std::fs::read(&path).ok().as_deref() != Some(bytes.as_slice()) {
            write_file(&path, bytes);
        }
    }
}

/// Files that are not kdvc's to keep consistent: DVC's own temporary state and the stat cache, whose
/// entries record modification times.
fn volatile(rel: &str) -> bool {
    rel.starts_with(".dvc/tmp/") || rel == ".kdvc/cache/files.json"
}

fn is_temporary(rel: &str) -> bool {
    rel.rsplit('/')
        .next()
        .is_some_and(|name| name.contains(".kdvc-tmp-"))
}

/// A small deterministic generator (xorshift64*): the kill moments are random but the same on every run,
/// so a failure can be reproduced.
struct Moments(u64);

impl Moments {
    fn next_below(&mut self, bound: Duration) -> Duration {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let r = self.0.wrapping_mul(0x2545_F491_4F6C_DD1D);
        let nanos = u64::try_from(bound.as_nanos()).unwrap().max(1);
        Duration::from_nanos(r % nanos)
    }
}

fn translate_ok(root: &Path) {
    let r = crate::run(kdvc(root).args(["translate", "--quiet"]));
    assert_eq!(r.code, 0, "translate failed:\n{}", r.stderr);
}

#[test]
fn translate_killed_at_random_moments_leaves_old_or_new_files_and_the_next_run_recovers() {
    let dir = tempfile::tempdir().unwrap();
    let spec = kdvc_benches::Spec::nodes(60, 6)
        .with_python_lines(3_000)
        .with_catalog_entries(60)
        .with_param_keys(20);
    let generated = kdvc_benches::generate(dir.path(), &spec).unwrap();
    let root = generated.root.as_path();
    git_dvc_init(root);
    // The raw input, written after the first commit (DVC tracks it, not git), large enough (1 MiB) that
    // hashing and caching it takes part of the run.
    let rows: String = (0..32_768)
        .map(|i| format!("{i:08},{:020}\n", i * 7))
        .collect();
    write_file(
        &root.join("data/01_raw/raw_input.csv"),
        format!("id,value\n{rows}"),
    );
    translate_ok(root);
    // dvc.lock holds entries of the stages of pipeline p005, which the change removes.
    let dvc_yaml = std::fs::read_to_string(root.join("dvc.yaml")).unwrap();
    let gone: Vec<&str> = dvc_yaml
        .lines()
        .filter_map(|l| l.strip_prefix("  ")?.strip_suffix(':'))
        .filter(|name| name.starts_with("p005"))
        .collect();
    assert!(gone.len() >= 5, "stages of p005: {gone:?}\n{dvc_yaml}");
    let mut lock = String::from("schema: '2.0'\nstages:\n");
    for name in &gone {
        lock.push_str(&format!("  {name}:\n    cmd: kedro run --nodes=x\n"));
    }
    write_file(&root.join("dvc.lock"), lock);

    // The change: the raw input moves and changes, and pipeline p005 is removed.
    let raw = std::fs::read_to_string(root.join("data/01_raw/raw_input.csv")).unwrap();
    std::fs::remove_file(root.join("data/01_raw/raw_input.csv")).unwrap();
    write_file(
        &root.join("data/01_raw/raw_input_v2.csv"),
        format!("{raw}{}", raw.lines().last().unwrap_or_default()),
    );
    let catalog = root.join("conf/base/catalog.yml");
    let text = std::fs::read_to_string(&catalog).unwrap();
    write_file(&catalog, text.replace("raw_input.csv", "raw_input_v2.csv"));
    std::fs::remove_dir_all(root.join(format!("src/{}/pipelines/p005", spec.package))).unwrap();
    let old = tree(root);

    // The new versions, and how long a whole run takes.
    let mut full = Duration::ZERO;
    for _ in 0..3 {
        restore(root, &old);
        let start = Instant::now();
        translate_ok(root);
        full = full.max(start.elapsed());
    }
    let new = tree(root);
    let changed: Vec<&String> = new
        .keys()
        .chain(old.keys())
        .filter(|rel| !volatile(rel) && old.get(*rel) != new.get(*rel))
        .collect();
    for expected in [
        "dvc.yaml",
        "dvc.lock",
        "data/01_raw/raw_input_v2.csv.dvc",
        "data/01_raw/.gitignore",
    ] {
        assert!(
            changed.iter().any(|rel| *rel == expected),
            "{expected} is not among the changed files {changed:?}"
        );
    }
    assert!(
        changed.iter().any(|rel| rel.starts_with(".dvc/cache/")),
        "nothing new in the DVC cache: {changed:?}"
    );

    let mut moments = Moments(0x9E37_79B9_7F4A_7C15);
    let mut killed_midway = 0;
    for kill in 0..KILLS {
        restore(root, &old);
        let mut child = kdvc(root)
            .args(["translate", "--quiet"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(moments.next_below(full));
        let finished = child.try_wait().unwrap().is_some();
        child.kill().unwrap();
        child.wait().unwrap();

        let now = tree(root);
        let mut differs_from_old = false;
        for (rel, bytes) in &now {
            if volatile(rel) || is_temporary(rel) {
                continue;
            }
            let bytes = Some(bytes);
            assert!(
                bytes == old.get(rel) || bytes == new.get(rel),
                "kill {kill}: {rel} is neither the old nor the new version"
            );
            differs_from_old |= bytes != old.get(rel);
        }
        for rel in old.keys().filter(|rel| !volatile(rel)) {
            assert!(
                now.contains_key(rel) || !new.contains_key(rel),
                "kill {kill}: {rel} vanished"
            );
        }
        if !finished && differs_from_old {
            killed_midway += 1;
        }

        // The next run completes and writes exactly the new versions, with no temporary file left.
        translate_ok(root);
        let after = tree(root);
        for (rel, bytes) in &after {
            assert!(!is_temporary(rel), "kill {kill}: {rel} was left behind");
            if !volatile(rel) {
                assert!(
                    new.get(rel) == Some(bytes),
                    "kill {kill}: after the next run, {rel} is not the new version"
                );
            }
        }
        for rel in new.keys().filter(|rel| !volatile(rel)) {
            assert!(after.contains_key(rel), "kill {kill}: {rel} is missing");
        }
    }
    // The moments fall across the whole run: some kills land after it wrote part of its files.
    assert!(
        killed_midway >= 5,
        "only {killed_midway} of {KILLS} kills interrupted a run that had written something"
    );
}
