//! Differential tests against the real DVC 3.67.1: our hashes, `.dvc` and `dvc.lock` handling must agree
//! with what DVC itself computes and writes.

use std::fs;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::Path;

use kdvc_dvc_model::hash::{HashAlgorithm, HashOptions, dir_manifest, file_md5, hash_path};
use kdvc_dvc_model::{DvcFile, HashInfo};
use kdvc_test_support::{git, new_dvc_repo, python_json, run_tool, run_tool_failing, write_file};
use serde_json::{Value, json};

/// Deterministic pseudo-random bytes (xorshift), so data is reproducible without storing it.
fn pseudo_random(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

/// Loads a `.dvc` file (or any YAML) with DVC's own loader and returns it as JSON.
fn dvc_load(root: &Path, file: &Path) -> Value {
    python_json(
        root,
        &format!(
            "import json\nfrom dvc.utils.serialize import load_yaml\nprint(json.dumps(load_yaml({:?})))",
            file.to_str().unwrap()
        ),
    )
}

fn expected_from_dvc(root: &Path, dvc_file: &Path) -> HashInfo {
    let d = dvc_load(root, dvc_file);
    let out = &d["outs"][0];
    assert_eq!(out["hash"], "md5", "DVC 3 writes hash: md5 in {d}");
    HashInfo {
        md5: out["md5"].as_str().unwrap().to_string(),
        size: out["size"].as_u64().unwrap(),
        nfiles: out.get("nfiles").and_then(Value::as_u64),
        isexec: out.get("isexec").and_then(Value::as_bool).unwrap_or(false),
    }
}

/// Builds the odd-names directory. Returns whether the file system accepted non-UTF-8 names.
fn build_odd_dir(dir: &Path) {
    let names: &[&str] = &[
        "with space.txt",
        "quote\"s.txt",
        "single'q.txt",
        "back\\slash.txt",
        "emoji😀.txt",
        "ctrl\u{1}\u{1f}\u{7f}.txt",
        "tab\tname",
        "new\nline",
        "Case.txt",
        "case.txt",
        "B.txt",
        "a.txt",
        "ü.txt",
        "é-nfc.txt",
        "e\u{301}-nfd.txt",
        "中文/文件.txt",
        "a-c",
        "a/b",
        "a0",
        "#hash",
        "-dash",
        "%percent",
        "long/very/deeply/nested/path/of/dirs/f.bin",
        ".hidden",
        "𝔘nicode-astral/𝔣.txt",
    ];
    for (i, name) in names.iter().enumerate() {
        write_file(&dir.join(name), format!("content {i} of {name}\n"));
    }
    write_file(&dir.join("crlf.csv"), "a,b\r\n1,2\r\n");
    write_file(&dir.join("bin.dat"), pseudo_random(5000, 7));
    write_file(&dir.join("empty.txt"), "");
    fs::create_dir_all(dir.join("empty_dir/inner_empty")).unwrap();
}

#[test]
fn dvc_add_agrees_with_our_hashes() {
    let (_tmp, root) = new_dvc_repo();
    let data = root.join("data");
    let outside = root.join("outside");

    // Files.
    write_file(&data.join("crlf.csv"), "a,b\r\n1,2\r\n");
    write_file(&data.join("binary.bin"), pseudo_random(70_000, 3));
    write_file(&data.join("empty.txt"), "");
    write_file(
        &data.join("large.bin"),
        pseudo_random(3 * (1 << 20) + 12_345, 11),
    );
    write_file(&data.join("run.sh"), "#!/bin/sh\necho hi\n");
    fs::set_permissions(data.join("run.sh"), fs::Permissions::from_mode(0o755)).unwrap();
    write_file(&data.join("ünï cödé 😀.txt"), "unicode name\n");

    // Directories.
    build_odd_dir(&data.join("odd"));
    fs::create_dir_all(data.join("empty_dir")).unwrap();
    fs::create_dir_all(data.join("only_empty/a/b")).unwrap();
    fs::create_dir_all(data.join("only_empty/c")).unwrap();
    write_file(&data.join("nested/x/y/z.txt"), "z\n");
    write_file(&data.join("nested/x/w.txt"), "w\n");
    write_file(&data.join("nested/top.txt"), "top\n");
    write_file(&data.join("nested/exec.sh"), "#!/bin/sh\n");
    fs::set_permissions(
        data.join("nested/exec.sh"),
        fs::Permissions::from_mode(0o700),
    )
    .unwrap();
    // Built-in ignores: a `.git` file and a `.hg` directory inside a tracked dir.
    write_file(&data.join("nested/.git"), "gitdir: elsewhere\n");
    write_file(&data.join("nested/.hg/store"), "hg\n");

    // .dvcignore: patterns at the repo root and in data/ (a parent of the tracked dirs).
    write_file(
        &root.join(".dvcignore"),
        "# comment\n*.tmp\n!keep.tmp\n/data/ign/cache/\n  logs  \n",
    );
    write_file(&data.join(".dvcignore"), "ign/**/*.bak\nign/sub/drop.txt\n");
    write_file(&data.join("ign/a.txt"), "a\n");
    write_file(&data.join("ign/x.tmp"), "tmp\n");
    write_file(&data.join("ign/keep.tmp"), "kept\n");
    write_file(&data.join("ign/cache/c.txt"), "cache\n");
    write_file(
        &data.join("ign/sub/cache/c.txt"),
        "not the root cache dir\n",
    );
    write_file(&data.join("ign/logs/l.txt"), "log\n");
    write_file(&data.join("ign/sub/y.bak"), "bak\n");
    write_file(&data.join("ign/sub/deeper/z.bak"), "bak\n");
    write_file(&data.join("ign/sub/drop.txt"), "drop\n");
    write_file(&data.join("ign/sub/keep.txt"), "keep\n");

    // Symlinks: a symlinked file (hashed by content) and a symlinked dir (skipped).
    write_file(&outside.join("target.txt"), "symlink target\n");
    write_file(&outside.join("tdir/f.txt"), "in linked dir\n");
    write_file(&data.join("links/real.txt"), "real\n");
    symlink(outside.join("target.txt"), data.join("links/link.txt")).unwrap();
    symlink(outside.join("tdir"), data.join("links/linkdir")).unwrap();
    symlink("real.txt", data.join("links/rel_link.txt")).unwrap();

    let targets = [
        "crlf.csv",
        "binary.bin",
        "empty.txt",
        "large.bin",
        "run.sh",
        "ünï cödé 😀.txt",
        "odd",
        "empty_dir",
        "only_empty",
        "nested",
        "ign",
        "links",
    ];
    let opts = HashOptions {
        repo_root: Some(root.clone()),
        ..HashOptions::default()
    };
    // Hash before DVC touches anything (dvc add replaces symlinks inside dirs by copies).
    let ours: Vec<HashInfo> = targets
        .iter()
        .map(|t| hash_path(&data.join(t), &opts).unwrap_or_else(|e| panic!("{t}: {e}")))
        .collect();

    let mut args = vec!["add".to_string()];
    args.extend(targets.iter().map(|t| format!("data/{t}")));
    run_tool("dvc", &root, &args);

    for (t, ours) in targets.iter().zip(&ours) {
        let dvc_file = data.join(format!("{t}.dvc"));
        let theirs = expected_from_dvc(&root, &dvc_file);
        assert_eq!(ours, &theirs, "hash of data/{t}");
        // Our model reads what DVC wrote and sees the same values.
        let parsed = DvcFile::read(&dvc_file).unwrap();
        let out = &parsed.outs[0];
        assert_eq!(out.md5.as_deref(), Some(theirs.md5.as_str()));
        assert_eq!(out.size, Some(theirs.size));
        assert_eq!(out.nfiles, theirs.nfiles);
        assert_eq!(out.isexec, theirs.isexec.then_some(true));
        assert_eq!(out.hash.as_deref(), Some("md5"));
        assert_eq!(out.path, *t);
        // Writing it back gives DVC's bytes.
        assert_eq!(
            parsed.to_yaml(),
            fs::read_to_string(&dvc_file).unwrap(),
            "{t}.dvc"
        );
    }

    // The .gitignore entries are the ones `dvc add` wrote, byte for byte.
    let scratch = tempfile::tempdir().unwrap();
    let mut changed = Vec::new();
    for t in &targets {
        changed.push(kdvc_dvc_model::ensure_gitignored(&scratch.path().join(t)).unwrap());
    }
    assert!(changed.iter().all(|c| *c));
    assert!(!kdvc_dvc_model::ensure_gitignored(&scratch.path().join("odd")).unwrap());
    assert_eq!(
        fs::read_to_string(scratch.path().join(".gitignore")).unwrap(),
        fs::read_to_string(data.join(".gitignore")).unwrap()
    );

    // The directory manifest bytes are the object DVC stored in its cache.
    let odd = dir_manifest(&data.join("odd"), &opts).unwrap();
    let md5 = odd.info.md5.trim_end_matches(".dir");
    let cached = fs::read(root.join(format!(
        ".dvc/cache/files/md5/{}/{}.dir",
        &md5[..2],
        &md5[2..]
    )))
    .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&odd.bytes),
        String::from_utf8_lossy(&cached)
    );
    assert_eq!(odd.bytes, cached);
    assert!(odd.entries.iter().any(|e| e.relpath == "a/b"));

    // Sanity: the repo is clean for DVC after the adds.
    let status = run_tool("dvc", &root, ["status", "--json"]);
    assert_eq!(
        serde_json::from_str::<Value>(status.trim()).unwrap(),
        json!({})
    );
}

#[test]
fn dvcignore_inside_a_tracked_dir_is_an_error_for_both() {
    let (_tmp, root) = new_dvc_repo();
    write_file(&root.join("d/.dvcignore"), "*.tmp\n");
    write_file(&root.join("d/a.txt"), "a\n");
    let err = hash_path(
        &root.join("d"),
        &HashOptions {
            repo_root: Some(root.clone()),
            ..HashOptions::default()
        },
    )
    .unwrap_err();
    assert!(
        err.to_string()
            .contains(".dvcignore file should not be in collected dir path"),
        "{err}"
    );
    let stderr = run_tool_failing("dvc", &root, ["add", "d"]);
    assert!(
        stderr.contains(".dvcignore file should not be in collected dir path"),
        "{stderr}"
    );
}

#[test]
fn non_utf8_names_fail_for_both() {
    use std::os::unix::ffi::OsStrExt;
    let (_tmp, root) = new_dvc_repo();
    write_file(
        &root
            .join("d")
            .join(std::ffi::OsStr::from_bytes(b"latin1-\xe9.txt")),
        "x\n",
    );
    let err = hash_path(&root.join("d"), &HashOptions::default()).unwrap_err();
    assert!(err.to_string().contains("not valid UTF-8"), "{err}");
    let stderr = run_tool_failing("dvc", &root, ["add", "d"]);
    assert!(stderr.contains("surrogates not allowed"), "{stderr}");
}

/// The legacy md5-dos2unix hash equals what DVC's own code path computes (`dvc_data.hashfile.hash`).
#[test]
fn dos2unix_md5_matches_dvc_data() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let mut big_text = Vec::new();
    while big_text.len() < 2 * (1 << 20) + 1000 {
        big_text.extend_from_slice(b"some,csv,line\r\n");
    }
    // Put a \r\n across the 1 MiB chunk boundary: DVC does not convert that one.
    let mut straddle = vec![b'x'; (1 << 20) - 1];
    straddle.extend_from_slice(b"\r\nafter\r\n");
    let mut binary_then_text = pseudo_random(1 << 20, 5);
    binary_then_text.extend_from_slice(b"text\r\nagain\r\n");
    let mut mostly_text = b"abc\r\n".repeat(100);
    mostly_text.extend_from_slice(&[0xc3; 200]);
    let files: Vec<(&str, Vec<u8>)> = vec![
        ("crlf.csv", b"a,b\r\n1,2\r\n".to_vec()),
        ("lf.txt", b"a\nb\n".to_vec()),
        ("empty", Vec::new()),
        ("bin", pseudo_random(3000, 9)),
        ("nul_text", b"a\r\n\0b\r\n".to_vec()),
        ("big_text", big_text),
        ("straddle", straddle),
        ("binary_then_text", binary_then_text),
        ("mostly_text", mostly_text),
        ("lone_cr", b"a\rb\r\r\n".to_vec()),
    ];
    for (name, bytes) in &files {
        write_file(&dir.join(name), bytes);
    }
    let names: Vec<&str> = files.iter().map(|(n, _)| *n).collect();
    let theirs = python_json(
        dir,
        &format!(
            "import json\nfrom dvc_data.hashfile.hash import file_md5\n\
             print(json.dumps({{n: file_md5(n, name='md5-dos2unix') for n in {names:?}}}))"
        ),
    );
    for name in names {
        let (ours, _) = file_md5(&dir.join(name), HashAlgorithm::Md5Dos2Unix).unwrap();
        assert_eq!(
            ours,
            theirs[name].as_str().unwrap(),
            "dos2unix md5 of {name}"
        );
    }
    // A legacy directory: DVC 2 manifests list dos2unix md5s.
    write_file(&dir.join("d/x.csv"), "a\r\nb\r\n");
    write_file(&dir.join("d/sub/y.bin"), pseudo_random(100, 1));
    let theirs = python_json(
        dir,
        "import json\nfrom dvc_data.hashfile.build import build\n\
         from dvc_data.hashfile.db import HashFileDB\nfrom dvc_objects.fs import localfs\n\
         import tempfile\nodb = HashFileDB(localfs, tempfile.mkdtemp())\n\
         _, meta, obj = build(odb, 'd', localfs, 'md5-dos2unix', dry_run=True)\n\
         print(json.dumps({'md5': obj.hash_info.value, 'size': meta.size, 'nfiles': meta.nfiles}))",
    );
    let ours = hash_path(
        &dir.join("d"),
        &HashOptions {
            algorithm: HashAlgorithm::Md5Dos2Unix,
            ..HashOptions::default()
        },
    )
    .unwrap();
    assert_eq!(ours.md5, theirs["md5"].as_str().unwrap());
    assert_eq!(Some(ours.size), theirs["size"].as_u64());
    assert_eq!(ours.nfiles, theirs["nfiles"].as_u64());
}

/// A `dvc.lock` written by `dvc repro` parses with our model and writes back byte-identically.
#[test]
fn dvc_lock_from_repro_round_trips() {
    let (_tmp, root) = new_dvc_repo();
    write_file(
        &root.join("params.yaml"),
        "seed: 42\ntrain:\n  lr: 0.001\n  epochs: 3\n  tiny: 1.0e-07\n",
    );
    write_file(
        &root.join("conf/params.yml"),
        "split:\n  ratio: 0.8\n  names: [a, b]\nmodel_options:\n  test_size: 0.2\n  flag: null\nother: x\n",
    );
    write_file(&root.join("data/raw.csv"), "a,b\r\n1,2\r\n");
    write_file(&root.join("data/raw_dir/one.txt"), "1\n");
    write_file(&root.join("data/raw_dir/two.txt"), "2\n");
    write_file(
        &root.join("dvc.yaml"),
        r#"stages:
  prep:
    cmd: mkdir -p out && cat data/raw.csv > out/prep.csv && cp -r data/raw_dir out/dir
    deps:
    - data/raw.csv
    - data/raw_dir
    params:
    - seed
    - conf/params.yml:
      - split
      - model_options.test_size
    outs:
    - out/prep.csv
    - out/dir
  train:
    cmd: cat out/prep.csv > model.bin && printf '{"acc":0.5,"loss":1e-07}' > metrics.json
    deps:
    - out/prep.csv
    params:
    - train
    - conf/params.yml:
      - model_options
    outs:
    - model.bin
    metrics:
    - metrics.json:
        cache: false
"#,
    );
    run_tool("dvc", &root, ["repro"]);
    let lock_path = root.join("dvc.lock");
    let text = fs::read_to_string(&lock_path).unwrap();
    let lock = kdvc_dvc_model::DvcLock::read(&lock_path).unwrap();
    assert_eq!(lock.stages.keys().collect::<Vec<_>>(), ["prep", "train"]);
    assert_eq!(lock.to_yaml(), text);
    // Our dvc.yaml model reads DVC's dvc.yaml too.
    let y = kdvc_dvc_model::DvcYaml::read(&root.join("dvc.yaml")).unwrap();
    assert_eq!(y.stages.len(), 2);
    // The hashes in the lock are ours.
    let opts = HashOptions {
        repo_root: Some(root.clone()),
        ..HashOptions::default()
    };
    for (_, st) in &lock.stages {
        for e in st.deps.iter().chain(&st.outs) {
            let h = hash_path(&root.join(&e.path), &opts).unwrap();
            assert_eq!(Some(h.md5), e.md5, "{}", e.path);
            assert_eq!(Some(h.size), e.size, "{}", e.path);
            assert_eq!(h.nfiles, e.nfiles, "{}", e.path);
        }
    }
    let _ = git(&root, &["status", "--short"]);
}
