//! `kdvc hash` against `dvc add`.

use kdvc_test_support::{git_dvc_init, run_tool};

use crate::{kdvc, run};

#[test]
fn hash_json_matches_what_dvc_add_records() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path();
    git_dvc_init(repo);
    std::fs::create_dir_all(repo.join("data/sub")).unwrap();
    std::fs::write(repo.join("data/a.csv"), "a,b\r\n1,2\r\n").unwrap();
    std::fs::write(repo.join("data/sub/ü.txt"), "é").unwrap();
    std::fs::write(repo.join("single.bin"), [0u8, 1, 2, 255]).unwrap();

    let r = run(kdvc(repo).args(["hash", "data", "single.bin", "--json"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let ours: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();

    run_tool("dvc", repo, ["add", "-q", "data", "single.bin"]);
    for (i, name) in ["data", "single.bin"].iter().enumerate() {
        let dvc_file = std::fs::read_to_string(repo.join(format!("{name}.dvc"))).unwrap();
        let field = |key: &str| {
            dvc_file.lines().find_map(|l| {
                l.trim_start_matches("- ")
                    .trim()
                    .strip_prefix(&format!("{key}: "))
                    .map(str::to_owned)
            })
        };
        let row = &ours[i];
        assert_eq!(row["path"], *name);
        assert_eq!(
            Some(row["md5"].as_str().unwrap().to_owned()),
            field("md5"),
            "{dvc_file}"
        );
        assert_eq!(Some(row["size"].to_string()), field("size"), "{dvc_file}");
        assert_eq!(
            row["nfiles"].as_u64().map(|n| n.to_string()),
            field("nfiles"),
            "{dvc_file}"
        );
    }
}

#[test]
fn hash_of_a_missing_path_is_an_error_with_exit_code_2() {
    let tmp = tempfile::tempdir().unwrap();
    let r = run(kdvc(tmp.path()).args(["hash", "nope.csv"]));
    assert_eq!(r.code, 2);
    assert!(r.stdout.is_empty());
    insta::assert_snapshot!("hash_missing_path", r.stderr);
}
