//! `kdvc k8s render` on translated projects: the Workflow JSON of the example project and of a project
//! with namespaces, partial and lambda nodes and per-stage overrides, the default selection of changed
//! stages (from `dvc status` after a real `dvc repro`), and configuration errors.

use std::path::Path;

use kdvc_test_support::{FixtureCopy, fixture_copy, git, git_dvc_init, run_ok, workspace_root};
use serde_json::Value;

use crate::{kdvc, run, tool_with_kdvc};

const DIGEST: &str = "sha256:2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae";

/// A translated, committed copy of `project` whose pyproject.toml then gets `k8s` as `[tool.kdvc.k8s]`.
pub(crate) fn translated(project: &str, k8s: &str) -> FixtureCopy {
    let copy = if project.starts_with("examples/") {
        fixture_copy(workspace_root().join(project).to_str().unwrap())
    } else {
        fixture_copy(project)
    };
    git_dvc_init(&copy.root);
    run_ok(kdvc(&copy.root).arg("translate"));
    let pyproject = copy.root.join("pyproject.toml");
    let mut text = std::fs::read_to_string(&pyproject).unwrap();
    text.push_str("\n[tool.kdvc.k8s]\n");
    text.push_str(k8s);
    std::fs::write(&pyproject, text).unwrap();
    git(&copy.root, &["add", "-A"]);
    git(&copy.root, &["commit", "-q", "-m", "translated"]);
    copy
}

fn render(root: &Path, args: &[&str]) -> crate::Run {
    run(kdvc(root).args(["k8s", "render"]).args(args))
}

/// The `stage` parameter of every task, in order.
fn stages(json: &str) -> Vec<String> {
    let wf: Value = serde_json::from_str(json).expect("JSON on stdout");
    wf["spec"]["templates"][0]["dag"]["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            t["arguments"]["parameters"][0]["value"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect()
}

#[test]
fn spaceflights_workflow() {
    let copy = translated(
        "examples/spaceflights",
        &format!(
            "image = \"registry.example.com/spaceflights@{DIGEST}\"\n\
             git_url = \"https://git.example.com/ml/spaceflights.git\"\n"
        ),
    );
    let r = render(
        &copy.root,
        &["--all", "--rev", "0123456789abcdef0123456789abcdef01234567"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stderr, "", "no warnings with a pinned image");
    insta::assert_snapshot!("k8s_spaceflights", r.stdout);
}

#[test]
fn namespaces_lambdas_and_overrides() {
    let copy = translated(
        "pipe-findpipes",
        &format!(
            r#"image = "registry.example.com/fp-shop@{DIGEST}"
namespace = "ml"
service_account = "kdvc-runner"
kedro_env = "base"
resources = {{ requests = {{ cpu = "500m", memory = "1Gi" }} }}

[[tool.kdvc.k8s.stages]]
match = "fx__*"
resources = {{ requests = {{ cpu = 2, memory = "4Gi" }}, limits = {{ memory = "4Gi" }} }}
node_selector = {{ pool = "highmem" }}
tolerations = [{{ key = "highmem", operator = "Exists", effect = "NoSchedule" }}]
"#
        ),
    );
    // The project has an `origin` remote; pods clone its URL.
    git(
        &copy.root,
        &[
            "remote",
            "add",
            "origin",
            "https://git.example.com/ml/fp-shop.git",
        ],
    );
    let r = render(&copy.root, &["--all", "--rev", "main"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    insta::assert_snapshot!("k8s_findpipes_overrides", r.stdout);

    let r = render(
        &copy.root,
        &["--stage", "top__5a926737", "--stage", "kdvc-fingerprint"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(stages(&r.stdout), ["kdvc-fingerprint", "top__5a926737"]);
}

#[test]
fn default_renders_the_changed_stages_and_their_downstream() {
    let copy = translated(
        "pipe-findpipes",
        &format!("image = \"fp-shop@{DIGEST}\"\ngit_url = \"https://git.example.com/x.git\"\n"),
    );
    // Before any run every stage is changed.
    let r = render(&copy.root, &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(stages(&r.stdout).len(), 5);

    run_ok(tool_with_kdvc("dvc").arg("repro").current_dir(&copy.root));
    git(&copy.root, &["add", "-A"]);
    git(&copy.root, &["commit", "-q", "-m", "reproduced"]);
    let r = render(&copy.root, &[]);
    assert_eq!((r.code, r.stdout.as_str()), (0, ""), "{}", r.stderr);
    assert!(r.stderr.contains("nothing to run"), "{}", r.stderr);

    // A parameter read by one stage: that stage and the stages below it. (The conf directory is a dep
    // of the fingerprint stage, which is upstream of every stage.)
    let params = copy.root.join("conf/base/parameters.yml");
    let text = std::fs::read_to_string(&params).unwrap();
    std::fs::write(&params, text.replace("rounding: 2", "rounding: 3")).unwrap();
    let r = render(&copy.root, &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let selected = stages(&r.stdout);
    assert_eq!(selected[0], "kdvc-fingerprint");
    assert!(selected.contains(&"fx__normalise__803efb64-fused5".to_owned()));

    // Only the parameter file changes when the fingerprints are already current.
    run_ok(
        tool_with_kdvc("dvc")
            .args(["repro", "kdvc-fingerprint"])
            .current_dir(&copy.root),
    );
    let status = run_ok(
        tool_with_kdvc("dvc")
            .args(["status", "--json"])
            .current_dir(&copy.root),
    );
    let changed: Value = serde_json::from_slice(&status.stdout).unwrap();
    let changed: Vec<&String> = changed.as_object().unwrap().keys().collect();
    let r = render(&copy.root, &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(changed, ["fx__normalise__803efb64-fused5"]);
    assert_eq!(
        stages(&r.stdout),
        [
            "fx__normalise__803efb64-fused5",
            "normalise__4a90b00c-fused2",
            "log_summary__bcbe6069",
            "top__5a926737"
        ]
    );
}

#[test]
fn configuration_errors() {
    let copy = translated(
        "pipe-findpipes",
        "image = \"fp-shop:1\"\nimgae = \"typo\"\n",
    );
    let r = render(&copy.root, &["--all"]);
    assert_eq!(r.code, 2);
    assert_eq!(r.stdout, "");
    let root = copy.root.display().to_string();
    let mut text = r.stderr.replace(&root, "[PROJECT]");

    let pyproject = copy.root.join("pyproject.toml");
    let body = std::fs::read_to_string(&pyproject).unwrap();
    std::fs::write(&pyproject, body.replace("imgae = \"typo\"\n", "")).unwrap();
    let r = render(&copy.root, &["--stage", "nope"]);
    assert_eq!(r.code, 2);
    text.push_str(&r.stderr.replace(&root, "[PROJECT]"));

    let r = render(&copy.root, &["--all"]);
    assert_eq!(r.code, 2, "no git_url and no origin remote");
    text.push_str(&r.stderr.replace(&root, "[PROJECT]"));

    let bare = fixture_copy("pipe-findpipes");
    let r = render(&bare.root, &["--all"]);
    assert_eq!(r.code, 2);
    text.push_str(
        &r.stderr
            .replace(&bare.root.display().to_string(), "[PROJECT]"),
    );
    insta::assert_snapshot!("k8s_errors", text);
}

/// The whole round trip without a cluster: render, run every task in the local Argo emulator (each pod
/// `kdvc k8s exec` in its own clone of a bare git origin, sharing only a local-directory DVC remote),
/// then `kdvc k8s pull` brings the results back (lock fragments into dvc.lock, uncached outputs
/// restored, `dvc pull`) as an experiment, and `dvc status` is clean with the outputs a local run produces.
#[test]
fn a_rendered_workflow_runs_in_the_emulator_and_comes_back() {
    use kdvc_k8s::emulator::run as emulate;

    let copy = with_origin_and_remote();
    let (root, tmp) = (&copy.root, copy.tmp.path());
    let head = git(root, &["rev-parse", "HEAD"]).trim().to_owned();

    let r = render(root, &["--all", "--rev", &head]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let workflow: kdvc_k8s::Workflow = serde_json::from_str(&r.stdout).unwrap();

    let opts = emulator_options(tmp);
    let status = emulate(&workflow, &opts).unwrap();
    assert_eq!(
        status["status"]["phase"], "Succeeded",
        "{:#}",
        status["status"]["nodes"]
    );
    let nodes = status["status"]["nodes"].as_object().unwrap();
    assert_eq!(nodes.len(), 6, "the DAG node and one pod per stage");

    // Back home: the results of every pod become the local state, and an experiment.
    let status_file = tmp.join("status.json");
    std::fs::write(&status_file, serde_json::to_string(&status).unwrap()).unwrap();
    let r = run(kdvc(root)
        .args(["k8s", "pull", "--exp", "k8s-run", "--status"])
        .arg(&status_file));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("Workflow Succeeded: 5 stage(s) merged into dvc.lock"),
        "{}",
        r.stderr
    );
    let status = run_ok(
        tool_with_kdvc("dvc")
            .args(["status", "--json"])
            .current_dir(root),
    );
    assert_eq!(String::from_utf8_lossy(&status.stdout).trim(), "{}");
    assert!(root.join("data/08_reporting/top_customers.csv").is_file());
    let refs = git(root, &["for-each-ref", "--format=%(refname)", "refs/exps"]);
    assert!(refs.lines().any(|r| r.ends_with("/k8s-run")), "{refs}");
    let metrics = run_ok(
        tool_with_kdvc("dvc")
            .args(["exp", "show", "--json"])
            .current_dir(root),
    );
    assert!(String::from_utf8_lossy(&metrics.stdout).contains("k8s-run"));
    let r = render(root, &[]);
    assert!(r.stderr.contains("nothing to run"), "{}", r.stderr);
}

/// A translated pipe-findpipes with a bare git `origin` (branch pushed) and a local-directory DVC remote
/// holding the raw inputs.
fn with_origin_and_remote() -> FixtureCopy {
    with_origin_and_remote_for("pipe-findpipes")
}

/// A translated `project` (`image` configured) with a bare git `origin` (branch pushed) and a
/// local-directory DVC remote holding the raw inputs.
pub(crate) fn with_origin_and_remote_for(project: &str) -> FixtureCopy {
    let copy = translated(project, &format!("image = \"kdvc-pods@{DIGEST}\"\n"));
    let (root, tmp) = (&copy.root, copy.tmp.path());
    let origin = tmp.join("origin.git");
    let store = tmp.join("dvc-store");
    git(
        tmp,
        &[
            "clone",
            "-q",
            "--bare",
            root.to_str().unwrap(),
            origin.to_str().unwrap(),
        ],
    );
    git(root, &["remote", "add", "origin", origin.to_str().unwrap()]);
    run_ok(
        tool_with_kdvc("dvc")
            .args(["remote", "add", "-d", "store", store.to_str().unwrap()])
            .current_dir(root),
    );
    git(root, &["add", "-A"]);
    git(root, &["commit", "-q", "-m", "remote"]);
    git(root, &["push", "-q", "origin", "main"]);
    // The raw inputs, which translate put in the cache, go to the remote.
    run_ok(tool_with_kdvc("dvc").arg("push").current_dir(root));
    copy
}

/// Emulator options whose pods run the `kdvc` under test with the test venv's Kedro and DVC.
pub(crate) fn emulator_options(tmp: &Path) -> kdvc_k8s::emulator::EmulatorOptions {
    let kdvc_bin = Path::new(env!("CARGO_BIN_EXE_kdvc"));
    let path = std::env::join_paths(
        [
            kdvc_bin.parent().unwrap().to_path_buf(),
            kdvc_test_support::venv().join("bin"),
        ]
        .into_iter()
        .chain(std::env::split_paths(
            &std::env::var_os("PATH").unwrap_or_default(),
        )),
    )
    .unwrap();
    kdvc_k8s::emulator::EmulatorOptions {
        dir: tmp.join("pods"),
        programs: [("kdvc".to_owned(), kdvc_bin.to_path_buf())].into(),
        env: vec![("PATH".into(), path.to_string_lossy().into_owned())],
        ..Default::default()
    }
}

/// `kdvc k8s submit` with the real kubectl against a fake API server whose "controller" is the
/// emulator: the uncommitted parameter change reaches the pods through the snapshot commit, and
/// `kdvc k8s pull --run` brings the results back so that `dvc status` is clean for the changed value.
#[test]
fn submit_and_pull_through_kubectl() {
    let copy = with_origin_and_remote();
    let (root, tmp) = (&copy.root, copy.tmp.path());
    let params = root.join("conf/base/parameters.yml");
    let text = std::fs::read_to_string(&params).unwrap();
    std::fs::write(&params, text.replace("rounding: 2", "rounding: 3")).unwrap();

    let opts = emulator_options(tmp);
    let kube = crate::fake_kube::FakeKube::start(
        tmp,
        "ml",
        Box::new(move |mut wf| {
            // What the API server added is not part of kdvc's model.
            wf.as_object_mut().unwrap().remove("status");
            for key in ["uid", "resourceVersion"] {
                wf["metadata"].as_object_mut().unwrap().remove(key);
            }
            let wf: kdvc_k8s::Workflow = serde_json::from_value(wf).expect("a kdvc Workflow");
            kdvc_k8s::emulator::run(&wf, &opts).expect("the emulator runs it")
        }),
    );
    let r = run(kdvc(root)
        .args(["k8s", "submit"])
        .env("KUBECONFIG", &kube.kubeconfig));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let run_id = r.stdout.trim().to_owned();
    assert!(run_id.starts_with("r-"), "{}", r.stdout);
    let record: Value = serde_json::from_str(
        &std::fs::read_to_string(root.join(format!(".kdvc/runs/{run_id}.json"))).unwrap(),
    )
    .unwrap();
    assert_eq!(record["workflow"], "kdvc-fp-shop-x7k2q");
    assert_eq!(record["namespace"], "ml");
    assert_ne!(
        record["snapshot"], record["baseline"],
        "the work tree had changes"
    );
    let pushed = git(
        &tmp.join("origin.git"),
        &["rev-parse", &format!("refs/kdvc/runs/{run_id}")],
    );
    assert_eq!(pushed.trim(), record["snapshot"].as_str().unwrap());

    kube.wait_finished(1);
    let r = run(kdvc(root)
        .args(["k8s", "pull", "--run", &run_id, "--exp", "rounding-3"])
        .env("KUBECONFIG", &kube.kubeconfig));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("Workflow Succeeded"), "{}", r.stderr);
    let status = run_ok(
        tool_with_kdvc("dvc")
            .args(["status", "--json"])
            .current_dir(root),
    );
    assert_eq!(String::from_utf8_lossy(&status.stdout).trim(), "{}");
    let lock = std::fs::read_to_string(root.join("dvc.lock")).unwrap();
    assert!(lock.contains("rounding: 3"), "{lock}");
}

/// What `status` and `pull` say when Argo offloaded the node status to its database, and a `-S` that
/// names no parameter: refused before anything is submitted, the work tree untouched.
#[test]
fn offloaded_status_and_a_bad_parameter_fail_clearly() {
    let copy = with_origin_and_remote();
    let (root, tmp) = (&copy.root, copy.tmp.path());
    let kube = crate::fake_kube::FakeKube::start(
        tmp,
        "ml",
        Box::new(|mut wf| {
            wf["status"] = serde_json::json!({
                "phase": "Succeeded",
                "offloadNodeStatusVersion": "fnv:1234567",
            });
            wf
        }),
    );
    let before = git(root, &["status", "--porcelain"]);
    let r = run(kdvc(root)
        .args(["k8s", "submit", "-S", "no_such_param=1"])
        .env("KUBECONFIG", &kube.kubeconfig));
    assert_eq!((r.code, r.stdout.as_str()), (2, ""), "{}", r.stderr);
    assert!(r.stderr.contains("no_such_param"), "{}", r.stderr);
    assert!(!root.join(".kdvc/runs").exists(), "nothing was submitted");
    assert_eq!(git(root, &["status", "--porcelain"]), before);

    let r = run(kdvc(root)
        .args(["k8s", "submit", "--all"])
        .env("KUBECONFIG", &kube.kubeconfig));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let run_id = r.stdout.trim().to_owned();
    kube.wait_finished(1);
    for args in [
        vec!["k8s", "status"],
        vec!["k8s", "pull", "--run", run_id.as_str()],
    ] {
        let r = run(kdvc(root).args(&args).env("KUBECONFIG", &kube.kubeconfig));
        assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
        assert!(
            r.stderr.contains("kdvc-fp-shop-x7k2q")
                && r.stderr.contains("offloaded")
                && r.stderr.contains("Argo Server"),
            "{args:?}: {}",
            r.stderr
        );
    }
}
