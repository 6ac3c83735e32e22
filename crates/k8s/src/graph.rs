//! The stage graph of a `dvc.yaml`, with DVC's dependency rule, and stage selection.
//!
//! Stage B depends on stage A when one of B's deps is equal to or inside one of A's outs (`outs`,
//! `metrics` or `plots`), or one of A's outs is inside a directory B depends on. Paths are taken relative
//! to the `dvc.yaml` (each stage's `wdir` applied) and normalised (`.`, `..`, trailing `/`).

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap};
use std::path::{Path, PathBuf};

use kdvc_dvc_model::{DvcYaml, StageDef};

use crate::error::{Error, Result};

/// One stage of the graph.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageNode {
    /// The stage name in dvc.yaml.
    pub name: String,
    /// The Kedro nodes it runs (from kdvc's `meta.kdvc.nodes`; empty for other stages).
    pub kedro_nodes: Vec<String>,
    /// Normalised dep paths.
    pub deps: Vec<String>,
    /// Normalised out paths (outs, metrics and plots).
    pub outs: Vec<String>,
    /// Indices of the stages it directly depends on, ascending.
    pub upstream: Vec<usize>,
}

/// The stages of a dvc.yaml and their dependencies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageGraph {
    /// The dvc.yaml (for errors).
    pub file: PathBuf,
    /// The stages in file order.
    pub stages: Vec<StageNode>,
    /// Stage indices in a topological order (file order among independent stages).
    pub order: Vec<usize>,
}

/// Which stages to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selection {
    /// Every stage.
    All,
    /// Exactly these stages.
    Stages(Vec<String>),
    /// These stages (typically the stale ones) and every stage downstream of them.
    Downstream(BTreeSet<String>),
}

/// `path` with `.` and `..` resolved, `\` read as `/`, and no trailing `/`.
fn normalise(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split(['/', '\\']) {
        match part {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|p| *p != "..") {
                    parts.pop();
                } else {
                    parts.push("..");
                }
            }
            p => parts.push(p),
        }
    }
    parts.join("/")
}

fn join(wdir: Option<&str>, path: &str) -> String {
    match wdir {
        Some(w) if !w.is_empty() && w != "." => normalise(&format!("{w}/{path}")),
        _ => normalise(path),
    }
}

impl StageGraph {
    /// Builds the graph of `dvc` (read from `file`). `foreach` and `matrix` stages are not supported;
    /// a cycle is an error.
    pub fn new(dvc: &DvcYaml, file: &Path) -> Result<StageGraph> {
        let mut stages = Vec::with_capacity(dvc.stages.len());
        for (name, def) in &dvc.stages {
            let unsupported = |reason: &str| Error::UnsupportedStage {
                file: file.to_path_buf(),
                stage: name.clone(),
                reason: reason.to_owned(),
            };
            let stage = match def {
                StageDef::Stage(s) if s.matrix.is_none() => s,
                StageDef::Stage(_) => {
                    return Err(unsupported(
                        "is a `matrix` stage; expand it into plain stages to run it on Kubernetes",
                    ));
                }
                StageDef::Foreach { .. } => {
                    return Err(unsupported(
                        "is a `foreach` stage; expand it into plain stages to run it on Kubernetes",
                    ));
                }
            };
            let wdir = stage.wdir.as_deref();
            let kedro_nodes = stage
                .meta
                .as_ref()
                .and_then(|m| m.get("kdvc"))
                .and_then(|k| k.get("nodes"))
                .map(|n| match n {
                    kdvc_dvc_model::Value::Seq(items) => items
                        .iter()
                        .filter_map(|i| i.as_str().map(str::to_owned))
                        .collect(),
                    _ => Vec::new(),
                })
                .unwrap_or_default();
            stages.push(StageNode {
                name: name.clone(),
                kedro_nodes,
                deps: stage.deps.iter().map(|d| join(wdir, d)).collect(),
                outs: stage
                    .outs
                    .iter()
                    .chain(&stage.metrics)
                    .chain(&stage.plots)
                    .map(|o| join(wdir, &o.path))
                    .collect(),
                upstream: Vec::new(),
            });
        }
        // Every out path -> the stages producing it.
        let mut producers: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for (i, st) in stages.iter().enumerate() {
            for o in &st.outs {
                producers.entry(o.as_str()).or_default().push(i);
            }
        }
        let mut upstreams: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); stages.len()];
        for (i, st) in stages.iter().enumerate() {
            for dep in &st.deps {
                // An out equal to the dep or containing it.
                let mut prefix = dep.as_str();
                loop {
                    if let Some(ps) = producers.get(prefix) {
                        upstreams[i].extend(ps.iter().copied().filter(|p| *p != i));
                    }
                    match prefix.rfind('/') {
                        Some(cut) => prefix = &prefix[..cut],
                        None => break,
                    }
                }
                // An out inside the dep directory.
                let dir = if dep.is_empty() {
                    String::new()
                } else {
                    format!("{dep}/")
                };
                for (out, ps) in producers.range(dir.as_str()..) {
                    if !out.starts_with(&dir) {
                        break;
                    }
                    upstreams[i].extend(ps.iter().copied().filter(|p| *p != i));
                }
            }
        }
        for (st, up) in stages.iter_mut().zip(upstreams) {
            st.upstream = up.into_iter().collect();
        }
        let order = topological(&stages).map_err(|cycle| Error::Cycle {
            file: file.to_path_buf(),
            stages: cycle.iter().map(|&i| stages[i].name.clone()).collect(),
        })?;
        Ok(StageGraph {
            file: file.to_path_buf(),
            stages,
            order,
        })
    }

    /// The index of stage `name`.
    pub fn index(&self, name: &str) -> Result<usize> {
        self.stages
            .iter()
            .position(|s| s.name == name)
            .ok_or_else(|| Error::UnknownStage {
                file: self.file.clone(),
                stage: name.to_owned(),
            })
    }

    /// The selected stage indices, in topological order.
    pub fn select(&self, selection: &Selection) -> Result<Vec<usize>> {
        let mut chosen = vec![false; self.stages.len()];
        match selection {
            Selection::All => chosen.iter_mut().for_each(|c| *c = true),
            Selection::Stages(names) => {
                for n in names {
                    chosen[self.index(n)?] = true;
                }
            }
            Selection::Downstream(names) => {
                for n in names {
                    chosen[self.index(n)?] = true;
                }
                // In topological order, a stage is chosen when any upstream stage is.
                for &i in &self.order {
                    if self.stages[i].upstream.iter().any(|&u| chosen[u]) {
                        chosen[i] = true;
                    }
                }
            }
        }
        Ok(self.order.iter().copied().filter(|&i| chosen[i]).collect())
    }

    /// For each selected stage, its nearest selected ancestors: direct upstream stages that are
    /// selected, and through unselected ones the selected stages above them (so the run order is kept
    /// when a stage in between is left out). Keyed by stage index; values ascending.
    pub fn selected_upstream(&self, selected: &[usize]) -> BTreeMap<usize, Vec<usize>> {
        let mut is_sel = vec![false; self.stages.len()];
        for &i in selected {
            is_sel[i] = true;
        }
        // nearest[i]: the nearest selected stages at or above i (for an unselected i).
        let mut nearest: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); self.stages.len()];
        let mut out = BTreeMap::new();
        for &i in &self.order {
            let mut above = BTreeSet::new();
            for &u in &self.stages[i].upstream {
                if is_sel[u] {
                    above.insert(u);
                } else {
                    above.extend(nearest[u].iter().copied());
                }
            }
            if is_sel[i] {
                out.insert(i, above.into_iter().collect());
            } else {
                nearest[i] = above;
            }
        }
        out
    }
}

/// Kahn's algorithm, file order among ready stages; `Err` with the stages of one cycle.
fn topological(stages: &[StageNode]) -> std::result::Result<Vec<usize>, Vec<usize>> {
    let n = stages.len();
    let mut indegree = vec![0usize; n];
    let mut downstream: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (i, st) in stages.iter().enumerate() {
        indegree[i] = st.upstream.len();
        for &u in &st.upstream {
            downstream[u].push(i);
        }
    }
    let mut ready: BinaryHeap<Reverse<usize>> =
        (0..n).filter(|&i| indegree[i] == 0).map(Reverse).collect();
    let mut order = Vec::with_capacity(n);
    while let Some(Reverse(i)) = ready.pop() {
        order.push(i);
        for &d in &downstream[i] {
            indegree[d] -= 1;
            if indegree[d] == 0 {
                ready.push(Reverse(d));
            }
        }
    }
    if order.len() == n {
        return Ok(order);
    }
    // Walk upstream from a blocked stage until a stage repeats: that loop is a cycle.
    let blocked: Vec<bool> = indegree.iter().map(|&d| d > 0).collect();
    let start = (0..n).find(|&i| blocked[i]).unwrap_or(0);
    let mut seen = vec![usize::MAX; n];
    let mut path = Vec::new();
    let mut cur = start;
    while seen[cur] == usize::MAX {
        seen[cur] = path.len();
        path.push(cur);
        cur = stages[cur]
            .upstream
            .iter()
            .copied()
            .find(|&u| blocked[u])
            .unwrap_or(cur);
    }
    let mut cycle: Vec<usize> = path[seen[cur]..].to_vec();
    cycle.reverse();
    cycle.push(cycle[0]);
    Err(cycle)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph(yaml: &str) -> Result<StageGraph> {
        let dvc = DvcYaml::parse(yaml, Path::new("dvc.yaml"))?;
        StageGraph::new(&dvc, Path::new("dvc.yaml"))
    }

    fn names(g: &StageGraph, idx: &[usize]) -> Vec<String> {
        idx.iter().map(|&i| g.stages[i].name.clone()).collect()
    }

    const CHAIN: &str = "stages:
  c:
    cmd: c
    deps: [data/b/part.csv]
    outs: [data/c.csv]
  a:
    cmd: a
    deps: [raw.csv]
    outs: [data/a]
  b:
    cmd: b
    wdir: data
    deps: [./a/x/../file.txt]
    outs: [b/]
  d:
    cmd: d
    deps: [data]
    metrics: [m.json]
  e:
    cmd: e
    deps: [m.json]
";

    #[test]
    fn dvc_dependency_rule() {
        let g = graph(CHAIN).unwrap();
        let up = |n: &str| {
            let i = g.index(n).unwrap();
            names(&g, &g.stages[i].upstream)
        };
        assert_eq!(up("a"), Vec::<String>::new());
        assert_eq!(up("b"), ["a"], "a dep inside an out directory");
        assert_eq!(up("c"), ["b"], "wdir and trailing slash normalised");
        assert_eq!(up("d"), ["c", "a", "b"], "outs inside a dep directory");
        assert_eq!(up("e"), ["d"], "metrics are outs");
        assert_eq!(names(&g, &g.order), ["a", "b", "c", "d", "e"]);
    }

    #[test]
    fn selections() {
        let g = graph(CHAIN).unwrap();
        let all = g.select(&Selection::All).unwrap();
        assert_eq!(all.len(), 5);
        let down = g
            .select(&Selection::Downstream(["c".to_owned()].into()))
            .unwrap();
        assert_eq!(names(&g, &down), ["c", "d", "e"]);
        let some = g
            .select(&Selection::Stages(vec!["e".into(), "a".into()]))
            .unwrap();
        assert_eq!(names(&g, &some), ["a", "e"]);
        let up = g.selected_upstream(&some);
        assert_eq!(names(&g, &up[&g.index("e").unwrap()]), ["a"]);
        assert!(matches!(
            g.select(&Selection::Stages(vec!["zz".into()])),
            Err(Error::UnknownStage { .. })
        ));
    }

    #[test]
    fn cycles_are_reported() {
        let err = graph(
            "stages:\n  x:\n    cmd: x\n    deps: [b]\n    outs: [a]\n  y:\n    cmd: y\n    deps: [a]\n    outs: [b]\n  z:\n    cmd: z\n",
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "'dvc.yaml': the stages depend on each other in a cycle: y -> x -> y (each stage writes a dep of the next)"
        );
    }
}
