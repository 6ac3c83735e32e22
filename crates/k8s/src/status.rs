//! A Workflow's status as `kubectl get wf NAME -o json` shows it: the node status (plain in
//! `status.nodes`, or compressed into `status.compressedNodes` when the Workflow grows large) and the
//! phase of every stage.
//!
//! Argo compresses node status as base64 of gzip (its default), zstd or brotli (selectable since v4.1);
//! kdvc reads gzip and says what to change for the others. Status offloaded to Argo's database
//! (`status.offloadNodeStatusVersion`) is not in the object at all: that is an error that says so.

use std::io::Read as _;

use base64::Engine as _;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::error::{Error, Result};

fn status_error(workflow: &str, message: impl Into<String>) -> Error {
    Error::Status {
        workflow: workflow.to_owned(),
        message: message.into(),
    }
}

/// The Workflow object of `doc` (a `WorkflowList` with exactly one item is accepted too).
pub fn single_workflow(doc: &Value) -> Result<&Value> {
    match doc["kind"].as_str() {
        Some("WorkflowList") => match doc["items"].as_array().map(Vec::as_slice) {
            Some([one]) => Ok(one),
            _ => Err(status_error(
                "",
                "the WorkflowList must hold exactly one Workflow",
            )),
        },
        _ => Ok(doc),
    }
}

/// Decodes `status.compressedNodes`: base64, then gzip, then the JSON object of nodes by id.
/// zstd and brotli (Argo's `WORKFLOW_COMPRESSION_ALGORITHM`) are recognised and refused with a hint.
pub fn decode_compressed_nodes(text: &str) -> std::result::Result<Map<String, Value>, String> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(text.trim())
        .map_err(|e| format!("status.compressedNodes is not base64: {e}"))?;
    let json = match bytes.as_slice() {
        [0x1f, 0x8b, ..] => {
            let mut out = Vec::new();
            flate2::read::GzDecoder::new(bytes.as_slice())
                .read_to_end(&mut out)
                .map_err(|e| format!("status.compressedNodes is not valid gzip: {e}"))?;
            out
        }
        [0x28, 0xb5, 0x2f, 0xfd, ..] => {
            return Err(
                "status.compressedNodes is zstd-compressed, which kdvc does not read; \
                 set WORKFLOW_COMPRESSION_ALGORITHM=gzip on the Argo controller"
                    .into(),
            );
        }
        _ => {
            return Err(
                "status.compressedNodes is neither gzip nor zstd (brotli?), which kdvc \
                 does not read; set WORKFLOW_COMPRESSION_ALGORITHM=gzip on the Argo controller"
                    .into(),
            );
        }
    };
    match serde_json::from_slice::<Value>(&json) {
        Ok(Value::Object(nodes)) => Ok(nodes),
        Ok(_) => Err("status.compressedNodes does not hold a JSON object of nodes".into()),
        Err(e) => Err(format!(
            "status.compressedNodes does not hold JSON nodes: {e}"
        )),
    }
}

/// The node status of a Workflow object: `status.nodes`, else the decoded `status.compressedNodes`.
/// Offloaded status is an error, and so is a Workflow that has no node status yet only when
/// `require` is set (a pending Workflow has none).
pub fn workflow_nodes(wf: &Value, require: bool) -> Result<Map<String, Value>> {
    let name = wf["metadata"]["name"].as_str().unwrap_or_default();
    let status = &wf["status"];
    if let Some(nodes) = status["nodes"].as_object().filter(|n| !n.is_empty()) {
        return Ok(nodes.clone());
    }
    if let Some(text) = status["compressedNodes"].as_str().filter(|t| !t.is_empty()) {
        return decode_compressed_nodes(text).map_err(|m| status_error(name, m));
    }
    if status["offloadNodeStatusVersion"]
        .as_str()
        .is_some_and(|v| !v.is_empty())
    {
        return Err(status_error(
            name,
            "its node status is offloaded to Argo's database (status.offloadNodeStatusVersion), \
             so kubectl cannot show it; read it through the Argo Server (`argo get NAME -o json`, \
             then `--status FILE`), or raise the controller's limit for compressed status",
        ));
    }
    if require {
        return Err(status_error(
            name,
            "it has no node status yet (not started?)",
        ));
    }
    Ok(Map::new())
}

/// Task name -> stage name, from the `stage` argument of each task of the Workflow's entrypoint DAG,
/// in the DAG's order.
pub fn task_stages(wf: &Value) -> Vec<(String, String)> {
    let entry = wf["spec"]["entrypoint"].as_str().unwrap_or_default();
    let mut out = Vec::new();
    for t in wf["spec"]["templates"].as_array().into_iter().flatten() {
        if t["name"] != entry {
            continue;
        }
        for task in t["dag"]["tasks"].as_array().into_iter().flatten() {
            let stage = task["arguments"]["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|p| p["name"] == "stage")
                .and_then(|p| p["value"].as_str());
            if let (Some(name), Some(stage)) = (task["name"].as_str(), stage) {
                out.push((name.to_owned(), stage.to_owned()));
            }
        }
    }
    out
}

/// One stage of a run and how far it got.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StageStatus {
    /// The DVC stage.
    pub stage: String,
    /// Its Argo task.
    pub task: String,
    /// Argo's node phase (`Pending`, `Running`, `Succeeded`, `Failed`, `Error`, `Omitted`, ...);
    /// `Pending` when the task has no node yet.
    pub phase: String,
    /// When its pod started (RFC 3339), if it did.
    pub started_at: Option<String>,
    /// When it finished, if it did.
    pub finished_at: Option<String>,
    /// Argo's message (why it failed).
    pub message: Option<String>,
}

/// A run's Workflow and its stages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RunStatus {
    /// The Workflow's name.
    pub workflow: String,
    /// The Workflow's phase (`Pending` when the controller has not set one).
    pub phase: String,
    /// The stages in the DAG's order.
    pub stages: Vec<StageStatus>,
}

/// The phase of every stage of the Workflow object `doc` (`kubectl get wf NAME -o json`).
pub fn run_status(doc: &Value) -> Result<RunStatus> {
    let wf = single_workflow(doc)?;
    let nodes = workflow_nodes(wf, false)?;
    let text = |v: &Value| v.as_str().filter(|s| !s.is_empty()).map(str::to_owned);
    let stages = task_stages(wf)
        .into_iter()
        .map(|(task, stage)| {
            // The task's own node (a Pod, or a Retry node over its attempts `task(0)`, `task(1)`).
            let node = nodes.values().find(|n| n["displayName"] == task.as_str());
            StageStatus {
                phase: node
                    .and_then(|n| text(&n["phase"]))
                    .unwrap_or_else(|| "Pending".to_owned()),
                started_at: node.and_then(|n| text(&n["startedAt"])),
                finished_at: node.and_then(|n| text(&n["finishedAt"])),
                message: node.and_then(|n| text(&n["message"])),
                stage,
                task,
            }
        })
        .collect();
    Ok(RunStatus {
        workflow: text(&wf["metadata"]["name"]).unwrap_or_default(),
        phase: text(&wf["status"]["phase"]).unwrap_or_else(|| "Pending".to_owned()),
        stages,
    })
}

#[cfg(test)]
mod tests {
    use std::io::Write as _;

    use serde_json::json;

    use super::*;

    fn gzip_base64(bytes: &[u8]) -> String {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(bytes).unwrap();
        base64::engine::general_purpose::STANDARD.encode(enc.finish().unwrap())
    }

    fn workflow(status: Value) -> Value {
        json!({
            "kind": "Workflow",
            "metadata": {"name": "kdvc-demo-abcde"},
            "spec": {"entrypoint": "pipeline", "templates": [
                {"name": "pipeline", "dag": {"tasks": [
                    {"name": "prepare-1a2b3c4d", "template": "kdvc-stage",
                     "arguments": {"parameters": [{"name": "stage", "value": "prepare"}]}},
                    {"name": "train-5e6f7a8b", "template": "kdvc-stage",
                     "arguments": {"parameters": [{"name": "stage", "value": "train"}]}}
                ]}},
                {"name": "kdvc-stage", "container": {"image": "x"}}
            ]},
            "status": status,
        })
    }

    fn nodes() -> Value {
        json!({
            "kdvc-demo-abcde": {"displayName": "kdvc-demo-abcde", "type": "DAG", "phase": "Running"},
            "kdvc-demo-abcde-1": {"displayName": "prepare-1a2b3c4d", "type": "Pod", "phase": "Succeeded",
                                  "startedAt": "2026-12-06T10:00:00Z", "finishedAt": "2026-12-06T10:00:09Z"},
            "kdvc-demo-abcde-2": {"displayName": "train-5e6f7a8b", "type": "Retry", "phase": "Running",
                                  "startedAt": "2026-12-06T10:00:10Z"},
            "kdvc-demo-abcde-3": {"displayName": "train-5e6f7a8b(0)", "type": "Pod", "phase": "Failed"}
        })
    }

    #[test]
    fn plain_and_compressed_nodes_give_the_same_status() {
        let plain = run_status(&workflow(json!({"phase": "Running", "nodes": nodes()}))).unwrap();
        let packed = gzip_base64(nodes().to_string().as_bytes());
        let compressed = run_status(&workflow(
            json!({"phase": "Running", "nodes": {}, "compressedNodes": packed}),
        ))
        .unwrap();
        assert_eq!(plain, compressed);
        assert_eq!(plain.workflow, "kdvc-demo-abcde");
        assert_eq!(plain.phase, "Running");
        let phases: Vec<(&str, &str)> = plain
            .stages
            .iter()
            .map(|s| (s.stage.as_str(), s.phase.as_str()))
            .collect();
        assert_eq!(phases, [("prepare", "Succeeded"), ("train", "Running")]);
        assert_eq!(
            plain.stages[0].finished_at.as_deref(),
            Some("2026-12-06T10:00:09Z")
        );
        assert_eq!(plain.stages[1].finished_at, None);
    }

    #[test]
    fn a_pending_workflow_has_pending_stages() {
        let status = run_status(&workflow(json!({}))).unwrap();
        assert_eq!(status.phase, "Pending");
        assert!(status.stages.iter().all(|s| s.phase == "Pending"));
        let err = workflow_nodes(&workflow(json!({})), true).unwrap_err();
        assert!(err.to_string().contains("no node status yet"), "{err}");
    }

    #[test]
    fn offloaded_and_undecodable_status_fail_clearly() {
        let offloaded =
            workflow(json!({"phase": "Succeeded", "offloadNodeStatusVersion": "fnv:123"}));
        let err = run_status(&offloaded).unwrap_err().to_string();
        assert!(
            err.contains("kdvc-demo-abcde")
                && err.contains("offloaded")
                && err.contains("Argo Server"),
            "{err}"
        );

        let cases = [
            ("not base64!", "not base64"),
            (
                &base64::engine::general_purpose::STANDARD.encode([0x28, 0xb5, 0x2f, 0xfd, 0, 1]),
                "zstd",
            ),
            (
                &base64::engine::general_purpose::STANDARD.encode(b"plain text"),
                "neither gzip nor zstd",
            ),
            (&gzip_base64(b"[1, 2]"), "JSON object"),
            (&gzip_base64(b"{not json"), "does not hold JSON"),
        ];
        for (text, expected) in cases {
            let wf = workflow(json!({"phase": "Succeeded", "compressedNodes": text}));
            let err = run_status(&wf).unwrap_err().to_string();
            assert!(err.contains(expected), "{text}: {err}");
        }
        // A truncated gzip stream.
        let packed = base64::engine::general_purpose::STANDARD
            .decode(gzip_base64(nodes().to_string().as_bytes()))
            .unwrap();
        let cut = base64::engine::general_purpose::STANDARD.encode(&packed[..packed.len() / 2]);
        let err = decode_compressed_nodes(&cut).unwrap_err();
        assert!(err.contains("not valid gzip"), "{err}");
    }
}
