//! # kdvc-translate
//!
//! Maps a Kedro project onto DVC: stage planning (one stage per node, fusing nodes joined by in-memory
//! datasets), dependencies, parameters and outputs, merging with an existing `dvc.yaml` without losing a
//! user's own stages, `.dvc` files for raw inputs, and Argo Workflow rendering.
//!
//! What it leaves out: file-format details (see `kdvc-dvc-model`) and reading Python (see `kdvc-code-trace`).
