//! Fingerprints of the `fixtures/fp-demo` Kedro project: which nodes change when which code changes.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use kdvc_fingerprint::{
    Engine, EntryPoint, Fingerprint, FsSource, FuncRef, GitTreeSource, Index, ProjectSources,
    SourceProvider, WarningKind,
};
use kdvc_test_support::{edit_file, fixture_copy, git, run_tool, string_set};

const NODES: &str = "fp_demo.pipelines.alpha.nodes";
const PIPELINE: &str = "fp_demo.pipelines.alpha.pipeline";

/// The entry points of the fixture's pipeline, as the pipeline reader gives them.
fn entries() -> Vec<(String, EntryPoint)> {
    let f = |name: &str| FuncRef::Function {
        module: NODES.to_owned(),
        name: name.to_owned(),
    };
    vec![
        (
            "clean_names".to_owned(),
            EntryPoint {
                func: f("clean_names"),
                extra_symbols: vec!["fp_demo.datasets.UpperCsvDataset".to_owned()],
            },
        ),
        (
            "compute_ratio".to_owned(),
            EntryPoint {
                func: f("compute_ratio"),
                extra_symbols: vec![],
            },
        ),
        (
            "filter_rows".to_owned(),
            EntryPoint {
                func: FuncRef::Partial {
                    inner: Box::new(f("filter_rows")),
                    args: "threshold=0.7".to_owned(),
                    module: Some(PIPELINE.to_owned()),
                },
                extra_symbols: vec![],
            },
        ),
        (
            "scale".to_owned(),
            EntryPoint {
                func: f("scale"),
                extra_symbols: vec![],
            },
        ),
        (
            "head".to_owned(),
            EntryPoint {
                func: FuncRef::Lambda {
                    module: PIPELINE.to_owned(),
                    source: "lambda df: df.head(5)".to_owned(),
                },
                extra_symbols: vec![],
            },
        ),
        (
            "passthrough".to_owned(),
            EntryPoint {
                func: f("passthrough"),
                extra_symbols: vec![],
            },
        ),
    ]
}

fn engine(root: &Path) -> Engine {
    Engine::new(ProjectSources::kedro(root, "src", "fp_demo"))
}

fn index(root: &Path, src: &dyn SourceProvider) -> Index {
    engine(root).summarize(src).expect("summarize the fixture")
}

fn fingerprints(root: &Path) -> BTreeMap<String, Fingerprint> {
    let idx = index(root, &FsSource::new(root));
    entries()
        .into_iter()
        .map(|(k, e)| (k, idx.fingerprint(&e)))
        .collect()
}

fn changed(
    a: &BTreeMap<String, Fingerprint>,
    b: &BTreeMap<String, Fingerprint>,
) -> BTreeSet<String> {
    a.iter()
        .filter(|(k, fp)| b[*k].hash != fp.hash)
        .map(|(k, _)| k.clone())
        .collect()
}

fn closure_symbols(fp: &Fingerprint) -> BTreeSet<String> {
    fp.closure.iter().map(|r| r.symbol.clone()).collect()
}

#[test]
fn closures_are_transitive_and_narrow() {
    let fx = fixture_copy("fp-demo");
    let fps = fingerprints(&fx.root);
    let ratio = closure_symbols(&fps["compute_ratio"]);
    for s in [
        "fp_demo.utils.numbers:ratio",
        "fp_demo.core.math:safe_div",
        "fp_demo.pipelines.alpha.nodes:compute_ratio",
    ] {
        assert!(
            ratio.contains(s),
            "compute_ratio's closure lacks {s}: {ratio:#?}"
        );
    }
    let clean = closure_symbols(&fps["clean_names"]);
    for s in [
        "fp_demo.utils.text:normalize_name",
        "fp_demo.utils.text:_strip",
        "fp_demo.utils.text:_SPACES",
        "fp_demo.datasets:UpperCsvDataset",
    ] {
        assert!(
            clean.contains(s),
            "clean_names's closure lacks {s}: {clean:#?}"
        );
    }
    assert!(
        !clean.contains("fp_demo.core.math:safe_div"),
        "clean_names does not reach safe_div"
    );
    let scale = closure_symbols(&fps["scale"]);
    assert!(
        scale.contains("fp_demo.models:Scaler") && scale.contains("fp_demo.consts:SCALE"),
        "{scale:#?}"
    );
    assert!(!scale.contains("fp_demo.consts:THRESHOLD"));
    let ext: Vec<String> = fps["clean_names"]
        .externals
        .iter()
        .map(|e| format!("{}=={}", e.dist, e.version.clone().unwrap_or_default()))
        .collect();
    assert!(
        ext.contains(&"kedro-datasets==8.1.0".to_owned()),
        "dataset class pulls in its pinned distribution: {ext:?}"
    );
    assert!(ext.contains(&"pandas==2.2.3".to_owned()), "{ext:?}");
    assert_eq!(fps["passthrough"].python, "3.11");
    for fp in fps.values() {
        assert!(
            fp.warnings.is_empty(),
            "the fixture resolves cleanly: {:#?}",
            fp.warnings
        );
    }
    // Records name the file and line of each symbol.
    let listing: Vec<String> = fps["compute_ratio"]
        .closure
        .iter()
        .map(|r| {
            format!(
                "{} {}:{}",
                r.symbol,
                r.file.clone().unwrap_or_default(),
                r.line
            )
        })
        .collect();
    insta::assert_snapshot!("compute_ratio_closure", listing.join("\n"));
}

#[test]
fn helper_two_imports_away_changes_exactly_its_dependants() {
    let fx = fixture_copy("fp-demo");
    let before = fingerprints(&fx.root);
    edit_file(
        &fx.root,
        "src/fp_demo/core/math.py",
        "return a / b",
        "return a / b if b else default",
    );
    let after = fingerprints(&fx.root);
    assert_eq!(changed(&before, &after), string_set(&["compute_ratio"]));
    let ch = after["compute_ratio"].changed_symbols(&before["compute_ratio"]);
    assert_eq!(ch.changed, vec!["fp_demo.core.math:safe_div".to_owned()]);
    assert!(ch.added.is_empty() && ch.removed.is_empty());
}

#[test]
fn ruff_format_changes_no_fingerprint() {
    let fx = fixture_copy("fp-demo");
    let before = fingerprints(&fx.root);
    let models_before = std::fs::read(fx.root.join("src/fp_demo/models.py")).expect("read");
    run_tool("ruff", &fx.root, ["format", "--no-cache", "."]);
    let models_after = std::fs::read(fx.root.join("src/fp_demo/models.py")).expect("read");
    assert_ne!(
        models_before, models_after,
        "ruff format must actually reformat the fixture"
    );
    let after = fingerprints(&fx.root);
    assert_eq!(changed(&before, &after), BTreeSet::new());
}

#[test]
fn comments_and_docstrings_change_no_fingerprint() {
    let fx = fixture_copy("fp-demo");
    let before = fingerprints(&fx.root);
    edit_file(
        &fx.root,
        "src/fp_demo/core/math.py",
        "'''Divide, giving `default` when the divisor is zero.'''",
        "\"\"\"Divide safely.\n\n    Returns default on zero.\n    \"\"\"",
    );
    edit_file(
        &fx.root,
        "src/fp_demo/models.py",
        "'''Scales columns by the factors in SCALE.'''",
        "'''Scales columns.'''  # see consts",
    );
    edit_file(
        &fx.root,
        "src/fp_demo/pipelines/alpha/nodes.py",
        "# Normalize column names first.",
        "# Column names are normalized before anything else.\n    # (second comment)",
    );
    edit_file(
        &fx.root,
        "src/fp_demo/consts.py",
        "'''Project-wide constants.'''",
        "# no docstring any more",
    );
    let after = fingerprints(&fx.root);
    assert_eq!(changed(&before, &after), BTreeSet::new());
}

#[test]
fn constants_mutations_and_methods_change_exactly_their_dependants() {
    let fx = fixture_copy("fp-demo");
    let base = fingerprints(&fx.root);
    edit_file(
        &fx.root,
        "src/fp_demo/consts.py",
        "THRESHOLD = 0.5",
        "THRESHOLD = 0.25",
    );
    let t = fingerprints(&fx.root);
    assert_eq!(changed(&base, &t), string_set(&["filter_rows"]));
    assert_eq!(
        t["filter_rows"]
            .changed_symbols(&base["filter_rows"])
            .changed,
        vec!["fp_demo.consts:THRESHOLD".to_owned()]
    );

    edit_file(
        &fx.root,
        "src/fp_demo/consts.py",
        "SCALE['c'] = 3.0",
        "SCALE['c'] = 4.0",
    );
    let s = fingerprints(&fx.root);
    assert_eq!(
        changed(&t, &s),
        string_set(&["scale"]),
        "a later mutation of a constant counts"
    );

    edit_file(
        &fx.root,
        "src/fp_demo/models.py",
        "out[col] = out[col] * f",
        "out[col] = out[col] * f * 2",
    );
    let m = fingerprints(&fx.root);
    assert_eq!(changed(&s, &m), string_set(&["scale"]));
    assert_eq!(
        m["scale"].changed_symbols(&s["scale"]).changed,
        vec!["fp_demo.models:Scaler".to_owned()]
    );

    edit_file(
        &fx.root,
        "src/fp_demo/consts.py",
        "UNUSED_LIMIT = 100",
        "UNUSED_LIMIT = 200",
    );
    assert_eq!(
        changed(&m, &fingerprints(&fx.root)),
        BTreeSet::new(),
        "an unused constant changes nothing"
    );
}

#[test]
fn partial_arguments_and_lambdas_change_exactly_their_node() {
    let fx = fixture_copy("fp-demo");
    let root = &fx.root;
    let idx = index(root, &FsSource::new(root));
    let mut es = entries();
    let base: Vec<String> = es.iter().map(|(_, e)| idx.fingerprint(e).hash).collect();
    // The pipeline reader hands over the new argument text / lambda text.
    if let FuncRef::Partial { args, .. } = &mut es[2].1.func {
        *args = "threshold=0.8".to_owned();
    }
    let after: Vec<String> = es.iter().map(|(_, e)| idx.fingerprint(e).hash).collect();
    let diff: Vec<&str> = es
        .iter()
        .zip(base.iter().zip(&after))
        .filter(|(_, (a, b))| a != b)
        .map(|(e, _)| e.0.as_str())
        .collect();
    assert_eq!(diff, vec!["filter_rows"]);
    // Reformatted argument text is the same argument.
    if let FuncRef::Partial { args, .. } = &mut es[2].1.func {
        *args = "threshold = 0.7,".to_owned();
    }
    assert_eq!(idx.fingerprint(&es[2].1).hash, base[2]);
    if let FuncRef::Lambda { source, .. } = &mut es[4].1.func {
        *source = "lambda df: df.head(10)".to_owned();
    }
    assert_ne!(idx.fingerprint(&es[4].1).hash, base[4]);
    if let FuncRef::Lambda { source, .. } = &mut es[4].1.func {
        *source = "lambda df:   df.head( 5 )".to_owned();
    }
    assert_eq!(idx.fingerprint(&es[4].1).hash, base[4]);
}

#[test]
fn pins_and_python_version_are_part_of_fingerprints() {
    let fx = fixture_copy("fp-demo");
    let base = fingerprints(&fx.root);
    edit_file(
        &fx.root,
        "requirements.txt",
        "pandas==2.2.3",
        "pandas==2.2.4",
    );
    let p = fingerprints(&fx.root);
    let ch = changed(&base, &p);
    assert!(
        ch.contains("clean_names"),
        "clean_names imports pandas (annotation): {ch:?}"
    );
    assert!(
        !ch.contains("passthrough"),
        "passthrough does not import pandas: {ch:?}"
    );
    std::fs::write(fx.root.join(".python-version"), "3.12\n").expect("write");
    let py = fingerprints(&fx.root);
    assert_eq!(
        changed(&p, &py).len(),
        entries().len(),
        "every node depends on the Python version"
    );
    assert_eq!(
        py["passthrough"]
            .changed_symbols(&p["passthrough"])
            .python
            .as_deref(),
        Some("3.11 -> 3.12")
    );
}

#[test]
fn cache_is_git_ignored_and_gives_the_same_fingerprints() {
    let fx = fixture_copy("fp-demo");
    git(&fx.root, &["init", "-q"]);
    let first = fingerprints(&fx.root);
    let ignore = std::fs::read_to_string(fx.root.join(".kdvc/.gitignore"))
        .expect(".kdvc/.gitignore written");
    assert!(ignore.lines().any(|l| l.trim() == "*"));
    let packed: serde_json::Value = serde_json::from_slice(
        &std::fs::read(fx.root.join(".kdvc/cache/summaries.json")).expect("packed summaries"),
    )
    .expect("packed summaries are JSON");
    let cached = packed["entries"].as_array().expect("entries").len();
    assert!(
        cached >= 10,
        "one summary per distinct file content, got {cached}"
    );
    let status = git(
        &fx.root,
        &["status", "--porcelain", "--untracked-files=all"],
    );
    assert!(
        !status.contains(".kdvc"),
        "git must not see .kdvc: {status}"
    );
    let second = fingerprints(&fx.root);
    assert_eq!(first, second);
    // Corrupt cache files are ignored, not trusted.
    for e in std::fs::read_dir(fx.root.join(".kdvc/cache")).expect("cache dir") {
        std::fs::write(e.expect("entry").path(), b"{not json").expect("corrupt");
    }
    assert_eq!(fingerprints(&fx.root), first);
}

#[test]
fn git_tree_source_matches_the_working_tree_and_diffs_revisions() {
    let fx = fixture_copy("fp-demo");
    let root = &fx.root;
    git(root, &["init", "-q"]);
    git(root, &["add", "."]);
    git(root, &["commit", "-q", "-m", "base"]);
    let fs = fingerprints(root);
    let head = index(root, &GitTreeSource::open(root, "HEAD").expect("open HEAD"));
    for (k, e) in entries() {
        assert_eq!(
            head.fingerprint(&e),
            fs[&k],
            "{k}: git tree and working tree agree"
        );
    }
    edit_file(
        root,
        "src/fp_demo/core/math.py",
        "return a / b",
        "return float(a) / b",
    );
    git(root, &["commit", "-q", "-am", "change safe_div"]);
    let old = index(
        root,
        &GitTreeSource::open(root, "HEAD~1").expect("open HEAD~1"),
    );
    let new = index(root, &GitTreeSource::open(root, "HEAD").expect("open HEAD"));
    let diffs = old.diff(&new, &entries());
    assert_eq!(
        diffs.iter().map(|d| d.key.as_str()).collect::<Vec<_>>(),
        vec!["compute_ratio"]
    );
    assert_eq!(
        diffs[0].change.changed,
        vec!["fp_demo.core.math:safe_div".to_owned()]
    );
    let err = GitTreeSource::open(root, "no-such-branch").expect_err("bad revision");
    insta::assert_snapshot!(
        "bad_revision",
        err.to_string()
            .replace(&root.display().to_string(), "[ROOT]")
            .lines()
            .next()
            .unwrap_or_default()
    );
}

#[test]
fn conservative_fallbacks_widen_and_warn() {
    let fx = fixture_copy("fp-demo");
    let root = &fx.root;
    std::fs::write(
        root.join("src/fp_demo/plugins.py"),
        "import importlib\n\n\ndef load(name):\n    return importlib.import_module(name)\n\n\ndef uses_magic():\n    return MAGIC + 1\n\n\ndef fixed():\n    return importlib.import_module('fp_demo.core.math').safe_div(1, 2)\n",
    )
    .expect("write plugins");
    std::fs::write(
        root.join("src/fp_demo/broken.py"),
        "def f(:\n    return 1\n",
    )
    .expect("write broken");
    let idx = index(root, &FsSource::new(root));
    let dynamic = idx.fingerprint(&EntryPoint::function("fp_demo.plugins", "load"));
    assert!(
        dynamic
            .warnings
            .iter()
            .any(|w| w.kind == WarningKind::DynamicImport),
        "{:#?}",
        dynamic.warnings
    );
    let syms = closure_symbols(&dynamic);
    assert!(
        syms.contains("fp_demo.*") && syms.contains("fp_demo.core.math:safe_div"),
        "whole package: {syms:#?}"
    );
    let magic = idx.fingerprint(&EntryPoint::function("fp_demo.plugins", "uses_magic"));
    assert!(
        magic
            .warnings
            .iter()
            .any(|w| w.kind == WarningKind::Unresolved && w.message.contains("MAGIC"))
    );
    assert!(
        closure_symbols(&magic).contains("fp_demo.plugins:*"),
        "unresolved name -> whole module"
    );
    let fixed = idx.fingerprint(&EntryPoint::function("fp_demo.plugins", "fixed"));
    assert!(fixed.warnings.is_empty(), "{:#?}", fixed.warnings);
    assert!(
        closure_symbols(&fixed).contains("fp_demo.core.math"),
        "literal import_module is resolved"
    );
    let broken = idx.fingerprint(&EntryPoint::function("fp_demo.broken", "f"));
    assert!(
        broken
            .warnings
            .iter()
            .any(|w| w.kind == WarningKind::ParseError)
    );
    let missing = idx.fingerprint(&EntryPoint::function("fp_demo.nope", "f"));
    assert!(
        missing
            .warnings
            .iter()
            .any(|w| w.kind == WarningKind::MissingEntry)
    );
    insta::assert_json_snapshot!("fallback_warnings", dynamic.warnings);
}

/// Sets a file's mtime back, so the stat cache may trust it (entries younger than 2 s are re-hashed).
fn age(root: &Path) {
    let old = std::time::SystemTime::now() - std::time::Duration::from_secs(60);
    for e in walkdir(root) {
        let f = std::fs::File::options().write(true).open(&e).expect("open");
        f.set_modified(old).expect("set mtime");
    }
}

fn walkdir(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).expect("read dir") {
        let p = e.expect("entry").path();
        if p.is_dir() {
            out.extend(walkdir(&p));
        } else if p.extension().is_some_and(|x| x == "py") {
            out.push(p);
        }
    }
    out
}

#[test]
fn unchanged_inputs_reuse_the_last_result_and_any_change_recomputes() {
    let fx = fixture_copy("fp-demo");
    age(&fx.root.join("src"));
    let es = entries();
    let eng = engine(&fx.root);
    let src = FsSource::new(&fx.root);
    let first = eng.fingerprint_entries(&src, &es).expect("first run");
    assert!(!first.reused && first.record.is_some());
    eng.save(&first).expect("save");
    let again = eng.fingerprint_entries(&src, &es).expect("second run");
    assert!(again.reused, "nothing changed: the last result is reused");
    assert!(again.record.is_none());
    assert_eq!(again.nodes, first.nodes);
    // The same hashes as fingerprinting each entry on its own.
    let idx = index(&fx.root, &src);
    for (k, h) in &first.nodes {
        let e = &es.iter().find(|(n, _)| n == k).expect("entry").1;
        assert_eq!(&idx.fingerprint(e).hash, h, "{k}");
    }
    // A changed entry list is a changed input.
    let fewer = &es[..2];
    let part = eng.fingerprint_entries(&src, fewer).expect("fewer entries");
    assert!(!part.reused);
    // An edit is seen even though the result was saved: the stat cache sees the new size and mtime.
    edit_file(
        &fx.root,
        "src/fp_demo/core/math.py",
        "return a / b",
        "return a / b if b else default",
    );
    let edited = eng.fingerprint_entries(&src, &es).expect("after the edit");
    assert!(!edited.reused);
    let changed: BTreeSet<String> = edited
        .nodes
        .iter()
        .zip(&first.nodes)
        .filter(|(a, b)| a.1 != b.1)
        .map(|(a, _)| a.0.clone())
        .collect();
    assert_eq!(changed, string_set(&["compute_ratio"]));
    // A lock file is an input too.
    eng.save(&edited).expect("save");
    assert!(eng.fingerprint_entries(&src, &es).expect("reuse").reused);
    std::fs::write(fx.root.join("requirements.txt"), "pandas==9.9.9\n").expect("write");
    assert!(!eng.fingerprint_entries(&src, &es).expect("pins").reused);
}

#[test]
fn the_compact_record_explains_like_the_full_closure() {
    let fx = fixture_copy("fp-demo");
    let es = entries();
    let idx = index(&fx.root, &FsSource::new(&fx.root));
    let set = idx.fingerprint_all(&es);
    let record = set.record.clone().expect("a computed set has a record");
    let json = serde_json::to_string(&record).expect("serialize");
    let record: kdvc_fingerprint::Record = serde_json::from_str(&json).expect("round trip");
    for (k, e) in &es {
        let full = idx.fingerprint(e);
        let rebuilt = record.fingerprint(k).expect("node in the record");
        assert_eq!(rebuilt.hash, full.hash, "{k}");
        assert_eq!(rebuilt.closure, full.closure, "{k}");
        assert_eq!(rebuilt.externals, full.externals, "{k}");
        assert!(full.changed_symbols(&rebuilt).is_empty(), "{k}");
    }
    // Each shared symbol is stored once.
    let names: BTreeSet<&str> = record.symbols.iter().map(|s| s.0.as_str()).collect();
    assert_eq!(names.len(), record.symbols.len());
}

/// Resolution runs in parallel, and `fingerprint_entries` resolves only what the entries reach: the
/// fingerprints, warnings and record must depend on neither, even with import cycles, star imports and
/// unresolved names spread over more modules than one parallel task holds.
#[test]
fn fingerprints_do_not_depend_on_the_thread_count() {
    let fx = fixture_copy("fp-demo");
    let root = &fx.root;
    let dir = root.join("src/fp_demo/ring");
    std::fs::create_dir_all(&dir).expect("mkdir ring");
    std::fs::write(dir.join("__init__.py"), "from .m0 import *\n").expect("init");
    let n = 150;
    let mut entries = entries();
    for i in 0..n {
        let next = (i + 1) % n;
        let prev = (i + n - 1) % n;
        // Every tenth module star-imports its predecessor; the others leave `UNKNOWN_i` unresolved.
        let star = if i % 10 == 0 {
            format!("from .m{prev} import *\n")
        } else {
            String::new()
        };
        let body = format!(
            "from fp_demo.ring.m{next} import step_{next}\n{star}\n\nLIMIT_{i} = {i}\n\n\ndef step_{i}(x):\n    if x > LIMIT_{i}:\n        return x\n    return step_{next}(x + 1) + UNKNOWN_{i}\n"
        );
        std::fs::write(dir.join(format!("m{i}.py")), body).expect("write module");
        entries.push((
            format!("step_{i}"),
            EntryPoint::function(format!("fp_demo.ring.m{i}"), format!("step_{i}")),
        ));
    }
    let engine = engine(root).with_cache_dir(None);
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("pool");
        let set = pool
            .install(|| engine.fingerprint_entries(&FsSource::new(root), &entries))
            .expect("fingerprints");
        (set.nodes, set.warnings, set.record)
    };
    let one = run(1);
    assert_eq!(one.0.len(), entries.len());
    assert!(
        one.1.iter().any(|w| w.kind == WarningKind::Unresolved),
        "the unresolved names warn: {:#?}",
        one.1
    );
    for threads in [2, 3, 8] {
        assert!(run(threads) == one, "{threads} threads give other results");
    }
    // `fingerprint_entries` resolves only what the entries reach; a full index gives the same.
    let full = engine
        .summarize(&FsSource::new(root))
        .expect("full index")
        .fingerprint_all(&entries);
    assert_eq!(full.nodes, one.0, "fingerprints of a full index");
    assert_eq!(full.warnings, one.1, "warnings of a full index");
    assert!(full.record == one.2, "record of a full index");
}
