//! A minimal fake kube-apiserver for the real `kubectl`: discovery for the core group and
//! `argoproj.io/v1alpha1`, and create/get of Workflows. On create it hands the Workflow to a "controller"
//! callback in a background thread (one Workflow at a time, `Running` meanwhile) and stores the status
//! it returns. No watch support: tests wait for
//! the controller, then read the Workflow.

use std::collections::BTreeMap;
use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex};

use serde_json::{Value, json};

type Controller = dyn Fn(Value) -> Value + Send + Sync;

#[derive(Default)]
struct State {
    workflows: BTreeMap<(String, String), Value>,
    created: usize,
    finished: usize,
}

/// The running server; it stops serving when the test process ends.
pub(crate) struct FakeKube {
    pub(crate) kubeconfig: PathBuf,
    state: Arc<(Mutex<State>, Condvar)>,
}

impl FakeKube {
    /// Starts the server; `dir` gets the kubeconfig (context namespace `namespace`).
    pub(crate) fn start(dir: &Path, namespace: &str, controller: Box<Controller>) -> FakeKube {
        // The real kubectl talks to this server: a missing one is a failure that says what to install.
        let found = std::process::Command::new("kubectl")
            .args(["version", "--client"])
            .output()
            .is_ok_and(|o| o.status.success());
        assert!(
            found,
            "kubectl is not on PATH: install it (Debian: `apt-get install kubectl` from the Kubernetes \
             package repository, or the kubectl binary of your Kubernetes release)"
        );
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let state: Arc<(Mutex<State>, Condvar)> = Arc::default();
        let controller: Arc<Controller> = Arc::from(controller);
        let shared = Arc::clone(&state);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let state = Arc::clone(&shared);
                let controller = Arc::clone(&controller);
                std::thread::spawn(move || serve(stream, &state, &controller));
            }
        });
        let kubeconfig = dir.join("kubeconfig");
        std::fs::write(
            &kubeconfig,
            format!(
                "apiVersion: v1\nkind: Config\nclusters:\n- name: fake\n  cluster:\n    server: http://127.0.0.1:{port}\n\
                 contexts:\n- name: fake\n  context:\n    cluster: fake\n    user: fake\n    namespace: {namespace}\n\
                 current-context: fake\nusers:\n- name: fake\n  user:\n    token: fake-token\n"
            ),
        )
        .unwrap();
        FakeKube { kubeconfig, state }
    }

    /// Waits until the controller has finished `n` Workflows (panics after 15 minutes).
    pub(crate) fn wait_finished(&self, n: usize) {
        let (lock, cv) = &*self.state;
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(900);
        let mut st = lock.lock().unwrap();
        while st.finished < n {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            assert!(
                !left.is_zero(),
                "the fake controller did not finish {n} Workflow(s)"
            );
            st = cv.wait_timeout(st, left).unwrap().0;
        }
    }
}

fn respond(stream: &mut TcpStream, code: u16, body: &Value) {
    let text = body.to_string();
    let reason = match code {
        200 => "OK",
        201 => "Created",
        404 => "Not Found",
        _ => "Error",
    };
    let _ = write!(
        stream,
        "HTTP/1.1 {code} {reason}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{text}",
        text.len()
    );
}

fn not_found(what: &str) -> Value {
    json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
           "message": format!("{what} not found"), "reason": "NotFound", "code": 404})
}

fn serve(
    mut stream: TcpStream,
    state: &Arc<(Mutex<State>, Condvar)>,
    controller: &Arc<Controller>,
) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut line = String::new();
    if reader.read_line(&mut line).is_err() {
        return;
    }
    let mut parts = line.split_whitespace();
    let (method, target) = (
        parts.next().unwrap_or("").to_owned(),
        parts.next().unwrap_or("").to_owned(),
    );
    let mut length = 0;
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).is_err() || h.trim().is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':')
            && k.eq_ignore_ascii_case("content-length")
        {
            length = v.trim().parse().unwrap_or(0);
        }
    }
    let mut body = vec![0; length];
    let _ = reader.read_exact(&mut body);
    let path = target.split('?').next().unwrap_or("").to_owned();
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    match (method.as_str(), segments.as_slice()) {
        ("GET", ["version"]) => respond(
            &mut stream,
            200,
            &json!({"major": "1", "minor": "32", "gitVersion": "v1.32.0", "platform": "linux/amd64"}),
        ),
        ("GET", ["api"]) => respond(
            &mut stream,
            200,
            &json!({"kind": "APIVersions", "versions": ["v1"],
                    "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1"}]}),
        ),
        ("GET", ["api", "v1"]) => respond(
            &mut stream,
            200,
            &json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": "v1", "resources": []}),
        ),
        ("GET", ["apis"]) => respond(
            &mut stream,
            200,
            &json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": [{
                "name": "argoproj.io",
                "versions": [{"groupVersion": "argoproj.io/v1alpha1", "version": "v1alpha1"}],
                "preferredVersion": {"groupVersion": "argoproj.io/v1alpha1", "version": "v1alpha1"}}]}),
        ),
        ("GET", ["apis", "argoproj.io", "v1alpha1"]) => respond(
            &mut stream,
            200,
            &json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": "argoproj.io/v1alpha1",
                "resources": [{"name": "workflows", "singularName": "workflow", "namespaced": true,
                    "kind": "Workflow", "shortNames": ["wf"],
                    "verbs": ["create", "delete", "get", "list", "patch", "update", "watch"]}]}),
        ),
        (
            "POST",
            [
                "apis",
                "argoproj.io",
                "v1alpha1",
                "namespaces",
                ns,
                "workflows",
            ],
        ) => {
            let Ok(mut wf) = serde_json::from_slice::<Value>(&body) else {
                respond(
                    &mut stream,
                    400,
                    &json!({"kind": "Status", "status": "Failure", "code": 400}),
                );
                return;
            };
            let prefix = wf["metadata"]["generateName"]
                .as_str()
                .unwrap_or("wf-")
                .to_owned();
            // The API server appends 5 random characters; here the first Workflow gets `x7k2q`,
            // later ones a counter, so that tests know the names.
            let name = {
                let mut st = state.0.lock().unwrap();
                st.created += 1;
                match st.created {
                    1 => format!("{prefix}x7k2q"),
                    n => format!("{prefix}w{n:04}"),
                }
            };
            wf["metadata"]["name"] = json!(name);
            wf["metadata"]["namespace"] = json!(ns);
            wf["metadata"]["uid"] = json!("00000000-0000-0000-0000-000000000001");
            wf["metadata"]["resourceVersion"] = json!("1");
            wf["status"] = json!({"phase": "Pending"});
            let key = ((*ns).to_owned(), name);
            state
                .0
                .lock()
                .unwrap()
                .workflows
                .insert(key.clone(), wf.clone());
            respond(&mut stream, 201, &wf);
            let state = Arc::clone(state);
            let controller = Arc::clone(controller);
            std::thread::spawn(move || {
                // One Workflow at a time (the machine running the tests is small).
                static CONTROLLER: Mutex<()> = Mutex::new(());
                let _one = CONTROLLER
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                {
                    let mut st = state.0.lock().unwrap();
                    if let Some(wf) = st.workflows.get_mut(&key) {
                        wf["status"] = json!({"phase": "Running"});
                    }
                }
                let mut done = wf.clone();
                let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| controller(wf)));
                match run {
                    Ok(result) => done = result,
                    Err(_) => {
                        done["status"] =
                            json!({"phase": "Error", "message": "the controller panicked"})
                    }
                }
                let (lock, cv) = &*state;
                let mut st = lock.lock().unwrap();
                st.workflows.insert(key, done);
                st.finished += 1;
                cv.notify_all();
            });
        }
        (
            "GET",
            [
                "apis",
                "argoproj.io",
                "v1alpha1",
                "namespaces",
                ns,
                "workflows",
                name,
            ],
        ) => {
            let found = state
                .0
                .lock()
                .unwrap()
                .workflows
                .get(&((*ns).to_owned(), (*name).to_owned()))
                .cloned();
            match found {
                Some(wf) => respond(&mut stream, 200, &wf),
                None => respond(
                    &mut stream,
                    404,
                    &not_found(&format!("workflows.argoproj.io \"{name}\"")),
                ),
            }
        }
        _ => respond(&mut stream, 404, &not_found(&path)),
    }
}
