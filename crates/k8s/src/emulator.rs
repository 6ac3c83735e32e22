//! A local stand-in for Argo's controller, for tests: it executes exactly the subset of Workflow kdvc
//! emits, without a cluster.
//!
//! - the entrypoint's DAG tasks run as soon as their dependencies have succeeded, independent ones at
//!   the same time (each on its own thread, at most `spec.parallelism` at once);
//! - `{{workflow.parameters.P}}`, `{{workflow.name}}`, `{{inputs.parameters.P}}` (the task's argument,
//!   else the input's default) and `{{tasks.T.outputs.parameters.P}}` are substituted; a placeholder left
//!   over is an error;
//! - each task is its container's `command` + `args` run as a local process ("pod") in a fresh private
//!   directory, with the container's `env` (Secret values from [`EmulatorOptions::secrets`]); paths under
//!   a volume mount are remapped into that directory;
//! - `retryStrategy.limit` retries (on any failure, whatever the policy); a failed task fails the
//!   Workflow: running tasks finish, and the tasks not yet started are `Omitted` (Argo's `failFast`);
//! - output parameters are read from their `valueFrom.path` (or `default`) after success;
//! - the result is the Workflow with `metadata.name` and an Argo-shaped `status`: `phase`, `startedAt`,
//!   `finishedAt` and `nodes` keyed by node id (the DAG node under the Workflow name, pods under
//!   `<name>-<n>`), each with `id`, `name`, `displayName`, `type`, `templateName`, `phase`, timestamps,
//!   `children` and `outputs.parameters`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Map, Value, json};

use crate::error::{Error, Result};
use crate::workflow::{Template, Workflow};

/// How the emulator runs "pods".
#[derive(Debug, Clone, Default)]
pub struct EmulatorOptions {
    /// A directory for the pods' private directories (`<dir>/<workflow>/<task>/attempt-<n>`).
    pub dir: PathBuf,
    /// Local programs for container commands (`kdvc` -> the binary under test); others run as named.
    pub programs: BTreeMap<String, PathBuf>,
    /// Extra environment of every pod (`PATH`, a git identity).
    pub env: Vec<(String, String)>,
    /// Values of `secretKeyRef`s, keyed `(secret, key)`.
    pub secrets: BTreeMap<(String, String), String>,
    /// The 5 characters the API server would append to `generateName`.
    pub name_suffix: String,
}

fn failed(message: String) -> Error {
    Error::Tool {
        program: "argo-emulator",
        dir: PathBuf::new(),
        message,
    }
}

/// Replaces every `{{expr}}` through `lookup`; an unknown expression is an error.
fn substitute(
    text: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> std::result::Result<String, String> {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after
            .find("}}")
            .ok_or_else(|| format!("unclosed '{{{{' in '{text}'"))?;
        let expr = after[..end].trim();
        let value =
            lookup(expr).ok_or_else(|| format!("unresolved placeholder '{{{{{expr}}}}}'"))?;
        out.push_str(&value);
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Seconds since the epoch as RFC 3339 UTC (`2026-12-06T10:00:00Z`).
fn timestamp() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let (days, rem) = (secs / 86_400, secs % 86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Remaps an absolute path under one of `mounts` (mount path -> local dir) into the pod's directory.
fn remap(text: &str, mounts: &[(String, PathBuf)]) -> String {
    let mut out = text.to_owned();
    for (mount, local) in mounts {
        out = out.replace(mount.as_str(), &local.to_string_lossy());
    }
    out
}

struct Pod<'a> {
    template: &'a Template,
    inputs: BTreeMap<String, String>,
}

/// Runs `workflow` locally and returns it with `metadata.name` and `status` filled in, as
/// `kubectl get wf NAME -o json` would show it. An error means the Workflow could not be run at all
/// (it fails validation, or its entrypoint is not a DAG); a failing task gives `status.phase: Failed`.
pub fn run(workflow: &Workflow, opts: &EmulatorOptions) -> Result<Value> {
    crate::validate::validate(workflow)?;
    let prefix = workflow
        .metadata
        .generate_name
        .clone()
        .or_else(|| workflow.metadata.name.clone())
        .unwrap_or_default();
    let suffix = if opts.name_suffix.is_empty() {
        "local"
    } else {
        opts.name_suffix.as_str()
    };
    let wf_name = match &workflow.metadata.name {
        Some(n) => n.clone(),
        None => format!("{prefix}{suffix}"),
    };
    let entry = workflow
        .template(&workflow.spec.entrypoint)
        .ok_or_else(|| failed("no entrypoint template".into()))?;
    let dag = entry
        .dag
        .as_ref()
        .ok_or_else(|| failed("the entrypoint is not a DAG".into()))?;
    let wf_params: BTreeMap<String, String> = workflow
        .spec
        .arguments
        .iter()
        .flat_map(|a| &a.parameters)
        .map(|p| (p.name.clone(), p.value.clone().unwrap_or_default()))
        .collect();

    // Tasks start as soon as their dependencies have succeeded, at most `spec.parallelism` at a time;
    // after a failure no new task starts and the rest are omitted (Argo's `failFast`).
    let limit = workflow
        .spec
        .parallelism
        .map_or(usize::MAX, |p| (p as usize).max(1));
    let tasks = &dag.tasks;
    let started = timestamp();
    let mut phases: BTreeMap<String, &'static str> = BTreeMap::new();
    let mut outputs: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    let mut nodes = Map::new();
    let mut children = Vec::new();
    let mut failed_any = false;
    let mut waiting = vec![true; tasks.len()];
    let mut count = 0;
    let (wf_name_ref, wf_params_ref) = (&wf_name, &wf_params);
    std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::channel();
        let mut running = 0;
        loop {
            for (i, task) in tasks.iter().enumerate() {
                if failed_any || running >= limit {
                    break;
                }
                let ready = waiting[i]
                    && task
                        .dependencies
                        .iter()
                        .all(|d| phases.get(d) == Some(&"Succeeded"));
                if !ready {
                    continue;
                }
                waiting[i] = false;
                running += 1;
                count += 1;
                let id = format!("{wf_name_ref}-{count}");
                let upstream = outputs.clone();
                let tx = tx.clone();
                scope.spawn(move || {
                    let start = timestamp();
                    let result =
                        run_task(workflow, task, wf_name_ref, wf_params_ref, &upstream, opts);
                    let _ = tx.send((i, id, start, timestamp(), result));
                });
            }
            if running == 0 {
                break;
            }
            let Ok((i, id, start, end, result)) = rx.recv() else {
                break;
            };
            running -= 1;
            let task = &tasks[i];
            children.push(Value::String(id.clone()));
            let mut node = json!({
                "id": id,
                "name": format!("{wf_name_ref}.{}", task.name),
                "displayName": task.name,
                "type": "Pod",
                "templateName": task.template,
                "boundaryID": wf_name_ref,
                "startedAt": start,
                "finishedAt": end,
            });
            match result {
                Ok((outs, attempts)) => {
                    node["phase"] = json!("Succeeded");
                    if attempts > 1 {
                        node["message"] = json!(format!("succeeded after {attempts} attempts"));
                    }
                    let params: Vec<Value> = outs
                        .iter()
                        .map(|(k, v)| json!({"name": k, "value": v}))
                        .collect();
                    if !params.is_empty() {
                        node["outputs"] = json!({"parameters": params});
                    }
                    phases.insert(task.name.clone(), "Succeeded");
                    outputs.insert(task.name.clone(), outs);
                }
                Err(message) => {
                    failed_any = true;
                    node["phase"] = json!("Failed");
                    node["message"] = json!(message);
                    phases.insert(task.name.clone(), "Failed");
                }
            }
            nodes.insert(id, node);
        }
    });
    if waiting.iter().any(|w| *w) && !failed_any {
        return Err(failed("the DAG cannot be ordered".into()));
    }
    for task in tasks
        .iter()
        .zip(&waiting)
        .filter(|(_, w)| **w)
        .map(|(t, _)| t)
    {
        count += 1;
        let id = format!("{wf_name}-{count}");
        children.push(Value::String(id.clone()));
        nodes.insert(
            id.clone(),
            json!({
                "id": id,
                "name": format!("{wf_name}.{}", task.name),
                "displayName": task.name,
                "type": "Skipped",
                "templateName": task.template,
                "boundaryID": wf_name,
                "phase": "Omitted",
                "message": "omitted: a task failed",
            }),
        );
    }
    let phase = if failed_any { "Failed" } else { "Succeeded" };
    let finished = timestamp();
    nodes.insert(
        wf_name.clone(),
        json!({
            "id": wf_name,
            "name": wf_name,
            "displayName": wf_name,
            "type": "DAG",
            "templateName": workflow.spec.entrypoint,
            "phase": phase,
            "startedAt": started,
            "finishedAt": finished,
            "children": children,
        }),
    );
    let mut doc = workflow.to_value();
    doc["metadata"]["name"] = json!(wf_name);
    if let Some(m) = doc["metadata"].as_object_mut() {
        m.remove("generateName");
    }
    doc["status"] = json!({
        "phase": phase,
        "startedAt": started,
        "finishedAt": finished,
        "nodes": nodes,
    });
    Ok(doc)
}

/// Runs one task with its retries; its output parameters and the number of attempts, or why it failed.
fn run_task(
    workflow: &Workflow,
    task: &crate::workflow::DagTask,
    wf_name: &str,
    wf_params: &BTreeMap<String, String>,
    outputs: &BTreeMap<String, BTreeMap<String, String>>,
    opts: &EmulatorOptions,
) -> std::result::Result<(BTreeMap<String, String>, u32), String> {
    let template = workflow
        .template(&task.template)
        .ok_or_else(|| format!("no template '{}'", task.template))?;
    let global = |expr: &str| -> Option<String> {
        if expr == "workflow.name" {
            return Some(wf_name.to_owned());
        }
        if let Some(p) = expr.strip_prefix("workflow.parameters.") {
            return wf_params.get(p).cloned();
        }
        let rest = expr.strip_prefix("tasks.")?;
        let (t, p) = rest.split_once(".outputs.parameters.")?;
        outputs.get(t)?.get(p).cloned()
    };
    let mut inputs = BTreeMap::new();
    for p in template.inputs.iter().flat_map(|i| &i.parameters) {
        let given = task
            .arguments
            .iter()
            .flat_map(|a| &a.parameters)
            .find(|a| a.name == p.name)
            .and_then(|a| a.value.clone());
        let value = given
            .or_else(|| p.value.clone())
            .or_else(|| p.default.clone())
            .ok_or_else(|| format!("input parameter '{}' has no value", p.name))?;
        inputs.insert(p.name.clone(), substitute(&value, &global)?);
    }
    let pod = Pod { template, inputs };
    let container = pod
        .template
        .container
        .as_ref()
        .ok_or_else(|| format!("template '{}' has no container", task.template))?;
    let lookup = |expr: &str| -> Option<String> {
        if let Some(p) = expr.strip_prefix("inputs.parameters.") {
            return pod.inputs.get(p).cloned();
        }
        global(expr)
    };
    let limit: u32 = template
        .retry_strategy
        .as_ref()
        .map_or(Ok(0), |r| r.limit.parse())
        .map_err(|e| format!("retryStrategy.limit: {e}"))?;
    let mut last = String::new();
    for attempt in 1..=limit + 1 {
        let dir = pod_dir(opts, wf_name, &task.name, attempt);
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let mut mounts: Vec<(String, PathBuf)> = container
            .volume_mounts
            .iter()
            .map(|m| (m.mount_path.clone(), dir.join("mounts").join(&m.name)))
            .collect();
        // The longest mount path first, so a nested mount wins over its parent.
        mounts.sort_by_key(|(m, _)| std::cmp::Reverse(m.len()));
        for (_, local) in &mounts {
            std::fs::create_dir_all(local).map_err(|e| format!("{}: {e}", local.display()))?;
        }
        let mut argv = Vec::new();
        for a in container.command.iter().chain(&container.args) {
            argv.push(remap(&substitute(a, &lookup)?, &mounts));
        }
        let Some((program, args)) = argv.split_first() else {
            return Err("the container has no command".into());
        };
        let program = opts
            .programs
            .get(program)
            .map_or_else(|| PathBuf::from(program), Clone::clone);
        let mut cmd = Command::new(&program);
        cmd.args(args).current_dir(&dir);
        for (k, v) in &opts.env {
            cmd.env(k, v);
        }
        for e in &container.env {
            let value = match (&e.value, &e.value_from) {
                (Some(v), _) => remap(&substitute(v, &lookup)?, &mounts),
                (None, Some(from)) => {
                    let r = &from.secret_key_ref;
                    opts.secrets
                        .get(&(r.name.clone(), r.key.clone()))
                        .cloned()
                        .ok_or_else(|| format!("secret {}/{} is not given", r.name, r.key))?
                }
                (None, None) => String::new(),
            };
            cmd.env(&e.name, value);
        }
        let output = cmd
            .output()
            .map_err(|e| format!("cannot start {}: {e}", program.display()))?;
        let log = [output.stdout.as_slice(), output.stderr.as_slice()].concat();
        let _ = std::fs::write(dir.join("pod.log"), &log);
        if !output.status.success() {
            let text = String::from_utf8_lossy(&log);
            let tail: Vec<&str> = text.lines().rev().take(15).collect();
            last = format!(
                "{} (attempt {attempt}): {}",
                output.status,
                tail.into_iter().rev().collect::<Vec<_>>().join("\n")
            );
            continue;
        }
        let mut outs = BTreeMap::new();
        for p in template.outputs.iter().flat_map(|o| &o.parameters) {
            let Some(from) = &p.value_from else { continue };
            let read = from
                .path
                .as_ref()
                .and_then(|path| std::fs::read_to_string(remap(path, &mounts)).ok());
            let value = read
                .or_else(|| from.default.clone())
                .ok_or_else(|| format!("output parameter '{}': no file and no default", p.name))?;
            outs.insert(p.name.clone(), value);
        }
        return Ok((outs, attempt));
    }
    Err(last)
}

/// The output parameter `name` of every succeeded pod node of an emulated (or real) Workflow's
/// `status.nodes`, in node order, keyed by task name.
pub fn node_outputs(status: &Value, name: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let Some(nodes) = status["status"]["nodes"].as_object() else {
        return out;
    };
    for node in nodes.values() {
        if node["type"] != "Pod" || node["phase"] != "Succeeded" {
            continue;
        }
        let value = node["outputs"]["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|p| p["name"] == name)
            .and_then(|p| p["value"].as_str());
        if let (Some(task), Some(v)) = (node["displayName"].as_str(), value) {
            out.insert(task.to_owned(), v.to_owned());
        }
    }
    out
}

/// The local directory where a task's attempt ran (for reading its `pod.log` in a failing test).
pub fn pod_dir(opts: &EmulatorOptions, workflow: &str, task: &str, attempt: u32) -> PathBuf {
    Path::new(&opts.dir)
        .join(workflow)
        .join(task)
        .join(format!("attempt-{attempt}"))
}
