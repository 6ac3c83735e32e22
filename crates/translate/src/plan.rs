//! Stage planning: Kedro nodes -> DVC stages.
//!
//! - One stage per node. Nodes joined by a dataset DVC cannot see (in memory, undeclared, remote, or
//!   excluded in `[tool.kdvc]`) are fused into one stage (union-find), because DVC can neither pass such
//!   data between processes nor order stages by it. If fusing would make the stage graph cyclic
//!   (`A -mem-> B` while `A -file-> C -file-> B`), the strongly connected set of stages is merged, and
//!   nothing more.
//! - Stages come in a stable topological order: among ready stages, the one holding the earliest node
//!   of Kedro's order goes first.
//! - deps: local file/directory inputs not produced inside the stage; a versioned dataset is its
//!   `filepath` directory, a partitioned one its `path` directory.
//! - params: for each `params:k` input, the defining file and key (after env overrides), and every key an
//!   interpolation reads; `parameters` tracks whole files. A key DVC cannot track (a date value, a key
//!   with a dot) becomes a dependency on its whole file instead, with a note.
//! - outs: local outputs, split into `outs`, `metrics` and `plots` by [`crate::config`]'s rules. All are
//!   cached (`cache: true`, DVC's default): cached outs are what makes `dvc checkout`, the run cache and
//!   experiments restore Kedro's data; Kedro's template git-ignores `data/**`, so `cache: false` outputs
//!   would be versioned by nobody. None persist (`persist: false`): DVC deletes an output before
//!   rerunning its stage, which is exactly what keeps a versioned dataset's directory down to the one
//!   version Kedro writes in that run, so that downstream stages load it and DVC's cache (through
//!   dvc.lock) keeps the history of versions.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap, HashMap};

use petgraph::graph::DiGraph;
use serde::Serialize;

use crate::config::{Classifier, KdvcConfig, OutKind};
use crate::error::{Error, Result};
use crate::input::{DatasetInfo, DatasetLocation, ParamIssue, ParamSource, PlanInput};
use crate::names::{assign_unique, sanitize};

/// The name of the stage that refreshes code fingerprints when [`FingerprintWiring`] is on.
pub const FINGERPRINT_STAGE: &str = "kdvc-fingerprint";

/// How code fingerprints are wired into dvc.yaml (docs/fingerprint.md#wiring-into-dvc).
///
/// With it, every generated stage depends on `<dir>/<stage>.txt`, and one more generated stage (`stage`,
/// running `cmd`) lists all those files as uncached, persistent outs. That stage depends on `deps` (what
/// fingerprints are computed from), so DVC runs it only when one of them changed. A plain `dvc repro` then runs the fingerprint stage first and reruns exactly the stages whose file
/// content changed (checked with DVC in crates/cli/tests/cli/code_aware.rs).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FingerprintWiring {
    /// Stage name (default [`FINGERPRINT_STAGE`]).
    pub stage: String,
    /// Command of that stage (default [`FINGERPRINT_CMD`]).
    pub cmd: String,
    /// Directory of the per-stage files, relative to the project root (default `.kdvc/fp`).
    pub dir: String,
    /// What the fingerprints are computed from (the source directory, the configuration, `pyproject.toml`
    /// and the lock/requirements files), as the fingerprint stage's deps: DVC runs it only when one of them
    /// changed, and `dvc status` stays clean otherwise. Empty = `always_changed: true` instead.
    pub deps: Vec<String>,
}

/// The fingerprint stage's command: `kdvc fingerprint`, and when that fails (above all because `kdvc` is not
/// on the `PATH` of the shell DVC starts), a line on stderr saying how to install it, after the shell's bare
/// "not found", and a non-zero exit. It uses only `||`, a parenthesised group, `>&2`, `&&` and words without
/// quotes, glob or variable characters, which POSIX shells and Windows' `cmd.exe` read alike
/// (docs/fingerprint.md#wiring-into-dvc).
pub const FINGERPRINT_CMD: &str = "kdvc fingerprint || (echo kdvc fingerprint failed. If kdvc is not installed, \
run pip install kdvc in the environment that runs dvc repro >&2 && exit 1)";

impl Default for FingerprintWiring {
    fn default() -> Self {
        Self {
            stage: FINGERPRINT_STAGE.into(),
            cmd: FINGERPRINT_CMD.into(),
            dir: ".kdvc/fp".into(),
            deps: Vec::new(),
        }
    }
}

impl FingerprintWiring {
    /// The fingerprint file a stage depends on.
    pub fn file_for(&self, stage: &str) -> String {
        format!("{}/{stage}.txt", self.dir.trim_end_matches('/'))
    }
}

/// Options of one planning run besides the Kedro input.
#[derive(Debug, Clone, Default)]
pub struct PlanOptions {
    /// `[tool.kdvc]` (env and pipeline there are already resolved into the [`PlanInput`]).
    pub config: KdvcConfig,
    /// Names of stages the user owns in dvc.yaml: generated names avoid them.
    pub user_stages: BTreeSet<String>,
    /// Paths the user's own stages write: such inputs get no `.dvc` file.
    pub user_outs: BTreeSet<String>,
    /// Code fingerprints (docs/fingerprint.md#wiring-into-dvc). `None` (the default) = off.
    pub fingerprints: Option<FingerprintWiring>,
}

/// One output of a stage.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct OutPlan {
    /// Path relative to the project root.
    pub path: String,
    /// `outs`, `metrics` or `plots`.
    #[serde(skip)]
    pub kind: OutKind,
    /// DVC `cache` flag (kdvc caches everything it generates, see the module docs).
    pub cache: bool,
    /// DVC `persist` flag.
    pub persist: bool,
}

/// One planned DVC stage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StagePlan {
    /// The DVC stage name.
    pub name: String,
    /// The Kedro nodes it runs, in Kedro's order.
    pub nodes: Vec<String>,
    /// Their namespaces, in first-seen order.
    pub namespaces: Vec<String>,
    /// The shell command (already `${`-escaped for dvc.yaml).
    pub cmd: String,
    /// Dependency paths, sorted.
    pub deps: Vec<String>,
    /// Params: file -> keys (`None` = the whole file), files sorted.
    pub params: BTreeMap<String, Option<BTreeSet<String>>>,
    /// Outputs (all three kinds), sorted by path.
    pub outs: Vec<OutPlan>,
    /// `always_changed: true` (only the fingerprint stage).
    pub always_changed: bool,
    /// The Kedro pipeline name, for `meta`.
    pub pipeline: String,
    /// Extra `meta.kdvc` role (`fingerprint` for the fingerprint stage).
    pub role: Option<String>,
    /// Parameter inputs (`params:x`, `parameters`) DVC cannot track (a date value, a dotted key) whose
    /// Kedro-resolved values go into the stage's code-fingerprint file instead (`meta.kdvc.fingerprint_params`);
    /// only with code fingerprints on, else such a parameter's whole file is a dependency.
    pub fingerprint_params: Vec<String>,
}

impl StagePlan {
    /// The stage as dvc-model writes it into dvc.yaml: `cmd`, `deps`, `params` (one list item per file;
    /// no keys tracks the whole file), `outs`/`metrics`/`plots` with `cache: false` and `persist: true`
    /// where they apply, `always_changed`, and the Kedro identity under `meta.kdvc`.
    pub fn to_stage(&self) -> kdvc_dvc_model::Stage {
        use kdvc_dvc_model::{Cmd, Out, OutFlags, ParamDep, Stage, Value};
        let strings =
            |v: &[String]| Value::Seq(v.iter().map(|x| Value::from(x.as_str())).collect());
        let outs = |kind: OutKind| -> Vec<Out> {
            self.outs
                .iter()
                .filter(|o| o.kind == kind)
                .map(|o| Out {
                    path: o.path.clone(),
                    flags: OutFlags {
                        cache: (!o.cache).then_some(false),
                        persist: o.persist.then_some(true),
                        ..OutFlags::default()
                    },
                })
                .collect()
        };
        let mut kdvc = vec![
            ("generated", Value::Bool(true)),
            ("pipeline", Value::from(self.pipeline.as_str())),
        ];
        if let Some(role) = &self.role {
            kdvc.push(("role", Value::from(role.as_str())));
        }
        kdvc.push(("nodes", strings(&self.nodes)));
        kdvc.push(("namespaces", strings(&self.namespaces)));
        if !self.fingerprint_params.is_empty() {
            kdvc.push(("fingerprint_params", strings(&self.fingerprint_params)));
        }
        Stage {
            cmd: Cmd::One(self.cmd.clone()),
            deps: self.deps.clone(),
            params: self
                .params
                .iter()
                .map(|(file, keys)| {
                    let keys = keys
                        .as_ref()
                        .filter(|k| !k.is_empty())
                        .map(|k| k.iter().cloned().collect());
                    ParamDep::Files([(file.clone(), keys)].into_iter().collect())
                })
                .collect(),
            outs: outs(OutKind::Out),
            metrics: outs(OutKind::Metric),
            plots: outs(OutKind::Plot),
            always_changed: self.always_changed.then_some(true),
            meta: Some(Value::map([("kdvc", Value::map(kdvc))])),
            ..Stage::default()
        }
    }
}

/// A free input of the pipeline that gets a `.dvc` file.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct RawInput {
    /// Local path relative to the project root.
    pub path: String,
    /// The catalog datasets that read it.
    pub datasets: Vec<String>,
}

/// The complete plan.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Plan {
    /// Stages in order.
    pub stages: Vec<StagePlan>,
    /// Raw inputs needing `.dvc` files, sorted by path.
    pub raw_inputs: Vec<RawInput>,
    /// Groups of nodes fused into one stage (stage name, nodes).
    pub fused_groups: Vec<(String, Vec<String>)>,
    /// Remote datasets DVC cannot track here (dataset, URL).
    pub remote_datasets: Vec<(String, String)>,
    /// Human-readable notes (fallbacks, unknown datasets, ...), deterministic order.
    pub notes: Vec<String>,
}

/// `x@pandas` -> `x`.
fn base(name: &str) -> &str {
    name.split_once('@').map_or(name, |(b, _)| b)
}

fn is_param(name: &str) -> bool {
    name == "parameters" || name.starts_with("params:")
}

struct Dsu(Vec<usize>);
impl Dsu {
    fn find(&mut self, x: usize) -> usize {
        let mut r = x;
        while self.0[r] != r {
            r = self.0[r];
        }
        let mut y = x;
        while self.0[y] != r {
            let next = self.0[y];
            self.0[y] = r;
            y = next;
        }
        r
    }
    fn union(&mut self, a: usize, b: usize) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            // Keep the smaller index as root: deterministic.
            let (lo, hi) = if ra < rb { (ra, rb) } else { (rb, ra) };
            self.0[hi] = lo;
        }
    }
}

/// Shell-quotes one word when needed (single quotes, `'` as `'\''`).
pub(crate) fn shell_quote(s: &str) -> String {
    let safe = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-./=:@%+,".contains(c));
    if safe {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// Always single-quotes (used for node lists, see `kedro run --nodes`).
fn single_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// Escapes `${` the way dvc.yaml requires for a literal (`\${`).
pub(crate) fn escape_interpolation(s: &str) -> String {
    s.replace("${", "\\${")
}

/// The `kedro run` command for a set of nodes.
pub fn kedro_cmd(pipeline: &str, env: Option<&str>, nodes: &[String], extra: &[String]) -> String {
    let mut cmd = String::from("kedro run");
    if pipeline != "__default__" {
        cmd.push_str(" --pipelines=");
        cmd.push_str(&shell_quote(pipeline));
    }
    if let Some(env) = env {
        cmd.push_str(" --env=");
        cmd.push_str(&shell_quote(env));
    }
    cmd.push_str(" --nodes=");
    cmd.push_str(&single_quote(&nodes.join(",")));
    for a in extra {
        cmd.push(' ');
        cmd.push_str(&shell_quote(a));
    }
    escape_interpolation(&cmd)
}

struct Ctx<'a> {
    input: &'a PlanInput,
    classifier: Classifier,
    memory: DatasetInfo,
}

impl Ctx<'_> {
    fn info(&self, name: &str) -> &DatasetInfo {
        self.input.datasets.get(name).unwrap_or(&self.memory)
    }
    /// Whether DVC sees this dataset as a local path (so it can be a dep/out and an edge).
    fn tracked_path(&self, name: &str) -> Option<&str> {
        if self.classifier.excluded(name) || self.classifier.excluded(base(name)) {
            return None;
        }
        self.info(name).location.local_path()
    }
}

/// Plans the stages for `input`.
pub fn plan(input: &PlanInput, opts: &PlanOptions) -> Result<Plan> {
    let ctx = Ctx {
        input,
        classifier: Classifier::new(&opts.config),
        memory: DatasetInfo::memory(),
    };
    let n = input.nodes.len();
    let mut notes: BTreeSet<String> = BTreeSet::new();

    // Producer of each base dataset name.
    let mut producer: HashMap<&str, (usize, &str)> = HashMap::new();
    for (i, node) in input.nodes.iter().enumerate() {
        for out in &node.outputs {
            if let Some((j, _)) = producer.insert(base(out), (i, out.as_str()))
                && j != i
            {
                return Err(Error::Plan(format!(
                    "dataset '{}' is an output of both '{}' and '{}'; Kedro does not allow that",
                    base(out),
                    input.nodes[j].name,
                    node.name
                )));
            }
        }
    }

    // 1. Fuse across edges DVC cannot see.
    let mut dsu = Dsu((0..n).collect());
    let mut edges: Vec<(usize, usize)> = Vec::new();
    for (j, node) in input.nodes.iter().enumerate() {
        for inp in &node.inputs {
            if is_param(inp) {
                continue;
            }
            let Some(&(p, out_name)) = producer.get(base(inp)) else {
                continue;
            };
            if p == j {
                continue;
            }
            edges.push((p, j));
            if ctx.tracked_path(inp).is_none() || ctx.tracked_path(out_name).is_none() {
                dsu.union(p, j);
                if let DatasetLocation::Url(url) = &ctx.info(inp).location {
                    notes.insert(format!(
                        "'{}' and '{}' share the remote dataset '{inp}' ({url}), which DVC cannot track: \
                         they run in one stage",
                        input.nodes[p].name, node.name
                    ));
                }
            }
        }
    }

    // 2. Merge strongly connected sets of groups (fusion can create cycles).
    let mut graph: DiGraph<usize, ()> = DiGraph::new();
    let mut gidx: HashMap<usize, petgraph::graph::NodeIndex> = HashMap::new();
    for i in 0..n {
        let r = dsu.find(i);
        gidx.entry(r).or_insert_with(|| graph.add_node(r));
    }
    for &(p, j) in &edges {
        let (a, b) = (dsu.find(p), dsu.find(j));
        if a != b {
            graph.update_edge(gidx[&a], gidx[&b], ());
        }
    }
    for scc in petgraph::algo::tarjan_scc(&graph) {
        if scc.len() > 1 {
            let roots: Vec<usize> = scc.iter().map(|ix| graph[*ix]).collect();
            for r in &roots[1..] {
                dsu.union(roots[0], *r);
            }
        }
    }

    // 3. Groups, each with its nodes in Kedro order; stable topological order of groups.
    let mut members: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for i in 0..n {
        members.entry(dsu.find(i)).or_default().push(i);
    }
    let roots: Vec<usize> = members.keys().copied().collect(); // root = min index of the group
    let pos: HashMap<usize, usize> = roots.iter().enumerate().map(|(k, r)| (*r, k)).collect();
    let mut succ: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); roots.len()];
    let mut indeg = vec![0usize; roots.len()];
    for &(p, j) in &edges {
        let (a, b) = (pos[&dsu.find(p)], pos[&dsu.find(j)]);
        if a != b && succ[a].insert(b) {
            indeg[b] += 1;
        }
    }
    let mut heap: BinaryHeap<Reverse<(usize, usize)>> = (0..roots.len())
        .filter(|g| indeg[*g] == 0)
        .map(|g| Reverse((roots[g], g)))
        .collect();
    let mut order = Vec::with_capacity(roots.len());
    while let Some(Reverse((_, g))) = heap.pop() {
        order.push(g);
        for &s in &succ[g] {
            indeg[s] -= 1;
            if indeg[s] == 0 {
                heap.push(Reverse((roots[s], s)));
            }
        }
    }
    if order.len() != roots.len() {
        // Cannot happen after SCC merging; guard anyway rather than panic.
        return Err(Error::Plan(
            "the pipeline's dataset graph has a cycle".into(),
        ));
    }

    // 4. Names.
    let mut reserved = opts.user_stages.clone();
    if let Some(fp) = &opts.fingerprints {
        reserved.insert(fp.stage.clone());
    }
    let wanted: Vec<(String, String)> = order
        .iter()
        .map(|g| {
            let nodes = &members[&roots[*g]];
            let first = &input.nodes[nodes[0]].name;
            if nodes.len() == 1 {
                (first.clone(), sanitize(first))
            } else {
                let ident = nodes
                    .iter()
                    .map(|i| input.nodes[*i].name.as_str())
                    .collect::<Vec<_>>()
                    .join(",");
                (ident, format!("{}-fused{}", sanitize(first), nodes.len()))
            }
        })
        .collect();
    let names = assign_unique(&wanted, &reserved);

    // 5. Stage contents.
    let mut stages = Vec::with_capacity(order.len() + 1);
    let mut fused_groups = Vec::new();
    let mut remote: BTreeSet<(String, String)> = BTreeSet::new();
    let mut out_owner: BTreeMap<String, String> = BTreeMap::new();
    for (g, name) in order.iter().zip(names) {
        let idxs = &members[&roots[*g]];
        let nodes: Vec<String> = idxs.iter().map(|i| input.nodes[*i].name.clone()).collect();
        let mut namespaces: Vec<String> = Vec::new();
        for i in idxs {
            if let Some(ns) = &input.nodes[*i].namespace
                && !namespaces.contains(ns)
            {
                namespaces.push(ns.clone());
            }
        }
        let produced_here: BTreeSet<&str> = idxs
            .iter()
            .flat_map(|i| input.nodes[*i].outputs.iter().map(|o| base(o)))
            .collect();
        let mut deps: BTreeSet<String> = BTreeSet::new();
        let mut params: BTreeMap<String, Option<BTreeSet<String>>> = BTreeMap::new();
        let mut fp_params: BTreeSet<String> = BTreeSet::new();
        let fingerprints_on = opts.fingerprints.is_some();
        for i in idxs {
            for inp in &input.nodes[*i].inputs {
                if let Some(key) = inp.strip_prefix("params:") {
                    match input.params.get(key) {
                        Some(sources) => {
                            let fp = fingerprints_on.then_some(&mut fp_params);
                            add_params(sources, &mut params, &mut deps, &mut notes, fp, &name, inp);
                        }
                        None => {
                            notes.insert(format!(
                                "stage '{name}': parameter '{key}' is not defined in any parameters file \
                                 (Kedro will fail to run it)"
                            ));
                        }
                    }
                    continue;
                }
                if inp == "parameters" {
                    add_params(
                        &input.parameters_sources,
                        &mut params,
                        &mut deps,
                        &mut notes,
                        fingerprints_on.then_some(&mut fp_params),
                        &name,
                        inp,
                    );
                    continue;
                }
                if produced_here.contains(base(inp)) {
                    continue;
                }
                if ctx.classifier.excluded(inp) || ctx.classifier.excluded(base(inp)) {
                    continue;
                }
                match &ctx.info(inp).location {
                    DatasetLocation::File(p) | DatasetLocation::Directory(p) => {
                        deps.insert(p.clone());
                    }
                    DatasetLocation::Url(url) => {
                        remote.insert((inp.clone(), url.clone()));
                    }
                    DatasetLocation::Memory => {
                        if !producer.contains_key(base(inp)) {
                            notes.insert(format!(
                                "stage '{name}': input '{inp}' has no catalog entry and no producer \
                                 (Kedro will report it missing)"
                            ));
                        }
                    }
                }
            }
        }
        // Whole-file params make per-key entries redundant.
        let mut outs: BTreeMap<String, OutPlan> = BTreeMap::new();
        for i in idxs {
            for out in &input.nodes[*i].outputs {
                if ctx.classifier.excluded(out) || ctx.classifier.excluded(base(out)) {
                    continue;
                }
                let info = ctx.info(out);
                match &info.location {
                    DatasetLocation::File(p) | DatasetLocation::Directory(p) => {
                        let kind = ctx.classifier.classify(out, info.type_name.as_deref());
                        let prev = outs.insert(
                            p.clone(),
                            OutPlan {
                                path: p.clone(),
                                kind,
                                cache: true,
                                persist: false,
                            },
                        );
                        if let Some(prev) = prev
                            && prev.kind != kind
                        {
                            // Same path under two datasets: keep the more specific kind.
                            let k = prev.kind.max(kind);
                            if let Some(o) = outs.get_mut(p) {
                                o.kind = k;
                            }
                        }
                    }
                    DatasetLocation::Url(url) => {
                        remote.insert((out.clone(), url.clone()));
                    }
                    DatasetLocation::Memory => {}
                }
            }
        }
        for p in outs.keys() {
            if let Some(other) = out_owner.insert(p.clone(), name.clone())
                && other != name
            {
                return Err(Error::Plan(format!(
                    "stages '{other}' and '{name}' both write '{p}'; give the datasets distinct filepaths"
                )));
            }
        }
        // A dep that is also this stage's own output (a dataset read before it is rewritten) would
        // make DVC reject the stage; Kedro forbids it per node, so only report it.
        deps.retain(|d| !outs.contains_key(d));
        if nodes.len() > 1 {
            fused_groups.push((name.clone(), nodes.clone()));
        }
        let cmd = kedro_cmd(
            &input.pipeline,
            input.env.as_deref(),
            &nodes,
            &opts.config.kedro_run_args,
        );
        stages.push(StagePlan {
            name,
            nodes,
            namespaces,
            cmd,
            deps: deps.into_iter().collect(),
            params,
            outs: outs.into_values().collect(),
            always_changed: false,
            pipeline: input.pipeline.clone(),
            role: None,
            fingerprint_params: fp_params.into_iter().collect(),
        });
    }

    // Overlapping outs (one inside another's directory) are a DVC error: report them now.
    let mut prev: Option<(&String, &String)> = None;
    for (p, owner) in &out_owner {
        if let Some((q, qowner)) = prev
            && p.starts_with(q.as_str())
            && p.as_bytes().get(q.len()) == Some(&b'/')
        {
            return Err(Error::Plan(format!(
                "'{p}' (written by stage '{owner}') is inside '{q}' (written by stage '{qowner}'); DVC \
                 does not allow overlapping outputs"
            )));
        }
        prev = Some((p, owner));
    }

    for (ds, url) in &remote {
        notes.insert(format!(
            "dataset '{ds}' is remote ({url}): DVC does not track it here"
        ));
    }
    for s in &stages {
        for f in s.params.keys() {
            if f.starts_with("conf/local/") {
                notes.insert(format!(
                    "stage '{}' tracks parameters in {f}, which Kedro's template git-ignores: dvc.lock \
                     records the values, but experiments and clones do not carry the file",
                    s.name
                ));
            }
        }
    }

    // 6. Raw inputs: local free inputs of the pipeline, not produced by any stage.
    let mut raw: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for node in &input.nodes {
        for inp in &node.inputs {
            if is_param(inp) || producer.contains_key(base(inp)) {
                continue;
            }
            let Some(p) = ctx.tracked_path(inp) else {
                continue;
            };
            if out_owner.contains_key(p) || opts.user_outs.contains(p) {
                continue;
            }
            let info = ctx.info(inp);
            if info.partitioned
                && info
                    .type_name
                    .as_deref()
                    .is_some_and(|t| t.contains("IncrementalDataset"))
            {
                notes.insert(format!(
                    "'{inp}' is an IncrementalDataset: its checkpoint lives inside {p}, so confirming it \
                     changes the tracked directory"
                ));
            }
            raw.entry(p.to_string()).or_default().insert(inp.clone());
        }
    }
    let raw_inputs = raw
        .into_iter()
        .map(|(path, ds)| RawInput {
            path,
            datasets: ds.into_iter().collect(),
        })
        .collect();

    // 7. The fingerprint stage and the per-stage fingerprint deps.
    if let Some(fp) = &opts.fingerprints {
        let mut outs = Vec::new();
        for s in &mut stages {
            let f = fp.file_for(&s.name);
            s.deps.push(f.clone());
            s.deps.sort();
            outs.push(OutPlan {
                path: f,
                kind: OutKind::Out,
                cache: false,
                persist: true,
            });
        }
        outs.sort();
        stages.insert(
            0,
            StagePlan {
                name: fp.stage.clone(),
                nodes: Vec::new(),
                namespaces: Vec::new(),
                cmd: escape_interpolation(&fp.cmd),
                deps: {
                    let mut deps = fp.deps.clone();
                    deps.sort();
                    deps.dedup();
                    deps
                },
                params: BTreeMap::new(),
                outs,
                always_changed: fp.deps.is_empty(),
                pipeline: input.pipeline.clone(),
                role: Some("fingerprint".into()),
                fingerprint_params: Vec::new(),
            },
        );
    }

    Ok(Plan {
        stages,
        raw_inputs,
        fused_groups,
        remote_datasets: remote.into_iter().collect(),
        notes: notes.into_iter().collect(),
    })
}

/// Adds the DVC params entries for one parameter input. A key DVC cannot track goes into `fingerprint`
/// (the stage's code-fingerprint file, when code fingerprints are on), else its whole file becomes a dependency.
fn add_params(
    sources: &[ParamSource],
    params: &mut BTreeMap<String, Option<BTreeSet<String>>>,
    deps: &mut BTreeSet<String>,
    notes: &mut BTreeSet<String>,
    mut fingerprint: Option<&mut BTreeSet<String>>,
    stage: &str,
    input: &str,
) {
    for src in sources {
        let issue = src.issue.or_else(|| {
            src.key
                .iter()
                .any(|k| k.contains('.'))
                .then_some(ParamIssue::DottedKey)
        });
        if let Some(issue) = issue {
            let why = match issue {
                ParamIssue::Date => "its value contains a date, which DVC cannot serialize",
                ParamIssue::DottedKey => "a key on its path contains '.', which DVC cannot address",
                ParamIssue::NotAddressable => "DVC cannot address the key in that file",
            };
            let key = if src.key.is_empty() {
                "(whole file)".to_string()
            } else {
                src.key.join(".")
            };
            if let Some(fp) = fingerprint.as_deref_mut() {
                notes.insert(format!(
                    "stage '{stage}' ({input}): {} {key}: {why}; kdvc tracks its value in the stage's \
                     fingerprint file instead",
                    src.file
                ));
                fp.insert(input.to_string());
                continue;
            }
            notes.insert(format!(
                "stage '{stage}' ({input}): {} {key}: {why}; the stage depends on the whole file instead",
                src.file
            ));
            deps.insert(src.file.clone());
            continue;
        }
        if src.key.is_empty() {
            params.insert(src.file.clone(), None);
            continue;
        }
        // A whole-file entry (None) already covers every key.
        if let Some(keys) = params
            .entry(src.file.clone())
            .or_insert_with(|| Some(BTreeSet::new()))
        {
            keys.insert(src.key.join("."));
        }
    }
    // A file tracked as a dependency does not need params entries too.
    params.retain(|f, _| !deps.contains(f));
}
