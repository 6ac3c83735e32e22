//! Pipelines: Kedro's `Pipeline` as a validated DAG, its namespace rename, algebra and filters.

use std::collections::BTreeSet;

use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};

use indexmap::{IndexMap, IndexSet};
use petgraph::graph::{DiGraph, NodeIndex};
use serde::{Deserialize, Serialize};

use super::names::{strip_transcoding, transcode_split};
use super::node::NodeKey;
use super::{Node, PipelineError};

/// One item of the list given to `Pipeline([...])`: a node or a whole pipeline (flattened).
#[derive(Debug, Clone)]
#[allow(clippy::large_enum_variant)]
pub enum PipelinePart {
    /// A single node.
    Node(Node),
    /// All nodes of a pipeline.
    Pipeline(Pipeline),
}

/// A `str`, collection or dict given as `inputs=`, `outputs=` or `parameters=` of `Pipeline(...)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum NameArg {
    /// One name, kept as is.
    Str(String),
    /// A set or list of names, kept as they are.
    Names(Vec<String>),
    /// Old name -> new name.
    Dict(IndexMap<String, String>),
}

impl NameArg {
    fn is_truthy(&self) -> bool {
        match self {
            Self::Str(s) => !s.is_empty(),
            Self::Names(v) => !v.is_empty(),
            Self::Dict(d) => !d.is_empty(),
        }
    }

    /// Kedro's `_get_dataset_names_mapping`.
    fn mapping(&self) -> IndexMap<String, String> {
        match self {
            Self::Str(s) => IndexMap::from([(s.clone(), s.clone())]),
            Self::Names(v) => v.iter().map(|s| (s.clone(), s.clone())).collect(),
            Self::Dict(d) => d.clone(),
        }
    }

    /// Kedro's `_get_param_names_mapping`: both sides get `params:`; `parameters` maps to itself.
    fn param_mapping(&self) -> IndexMap<String, String> {
        let norm = |s: &str| {
            if s.starts_with("params:") {
                s.to_owned()
            } else {
                format!("params:{s}")
            }
        };
        self.mapping()
            .into_iter()
            .map(|(k, v)| {
                if k == "parameters" {
                    (k.clone(), k)
                } else {
                    (norm(&k), norm(&v))
                }
            })
            .collect()
    }
}

/// The keyword arguments of `Pipeline(nodes, *, inputs, outputs, parameters, tags, namespace,
/// prefix_datasets_with_namespace)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModularArgs {
    /// `inputs=`.
    pub inputs: Option<NameArg>,
    /// `outputs=`.
    pub outputs: Option<NameArg>,
    /// `parameters=`.
    pub parameters: Option<NameArg>,
    /// `tags=` (a `str` is one tag).
    pub tags: Vec<String>,
    /// `namespace=`.
    pub namespace: Option<String>,
    /// `prefix_datasets_with_namespace=` (default `True`).
    pub prefix_datasets_with_namespace: bool,
}

impl Default for ModularArgs {
    fn default() -> Self {
        Self {
            inputs: None,
            outputs: None,
            parameters: None,
            tags: Vec::new(),
            namespace: None,
            prefix_datasets_with_namespace: true,
        }
    }
}

impl ModularArgs {
    fn renames(&self) -> bool {
        self.inputs.as_ref().is_some_and(NameArg::is_truthy)
            || self.outputs.as_ref().is_some_and(NameArg::is_truthy)
            || self.parameters.as_ref().is_some_and(NameArg::is_truthy)
            || self.namespace.as_deref().is_some_and(|n| !n.is_empty())
    }
}

/// The filters of `kedro run` (`Pipeline.filter`); every given filter is applied to the original pipeline and
/// the results are intersected.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Filter {
    /// `--tags`: nodes with any of these tags.
    pub tags: Vec<String>,
    /// `--from-nodes`: these nodes and everything downstream.
    pub from_nodes: Vec<String>,
    /// `--to-nodes`: these nodes and everything upstream.
    pub to_nodes: Vec<String>,
    /// `--nodes`: exactly these nodes (full names).
    pub node_names: Vec<String>,
    /// `--from-inputs`: nodes depending (transitively) on these datasets.
    pub from_inputs: Vec<String>,
    /// `--to-outputs`: nodes needed (transitively) for these datasets.
    pub to_outputs: Vec<String>,
    /// `--namespaces`: nodes whose namespace is one of these or below one.
    pub node_namespaces: Vec<String>,
}

impl Filter {
    /// Whether no filter is set.
    pub fn is_empty(&self) -> bool {
        self.tags.is_empty()
            && self.from_nodes.is_empty()
            && self.to_nodes.is_empty()
            && self.node_names.is_empty()
            && self.from_inputs.is_empty()
            && self.to_outputs.is_empty()
            && self.node_namespaces.is_empty()
    }
}

/// A Kedro pipeline: nodes in Kedro's topological order (`Pipeline.nodes`) and their dependency DAG.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(try_from = "PipelineRepr", into = "PipelineRepr")]
pub struct Pipeline {
    nodes: Vec<Node>,
    graph: DiGraph<usize, ()>,
}

#[derive(Serialize, Deserialize)]
struct PipelineRepr {
    nodes: Vec<Node>,
}

impl TryFrom<PipelineRepr> for Pipeline {
    type Error = PipelineError;
    fn try_from(r: PipelineRepr) -> Result<Self, Self::Error> {
        Self::from_nodes(r.nodes)
    }
}

impl From<Pipeline> for PipelineRepr {
    fn from(p: Pipeline) -> Self {
        Self { nodes: p.nodes }
    }
}

impl PartialEq for Pipeline {
    fn eq(&self, other: &Self) -> bool {
        self.nodes == other.nodes
    }
}

impl Default for Pipeline {
    fn default() -> Self {
        Self {
            nodes: Vec::new(),
            graph: DiGraph::new(),
        }
    }
}

impl Pipeline {
    /// `Pipeline([])`.
    pub fn empty() -> Self {
        Self::default()
    }

    /// `Pipeline(nodes)` for a flat list of nodes.
    pub fn from_nodes(nodes: Vec<Node>) -> Result<Self, PipelineError> {
        Self::new(
            nodes.into_iter().map(PipelinePart::Node).collect(),
            &ModularArgs::default(),
        )
    }

    /// `Pipeline(parts, inputs=..., outputs=..., parameters=..., tags=..., namespace=...,
    /// prefix_datasets_with_namespace=...)` with Kedro's checks, renaming and ordering.
    pub fn new(parts: Vec<PipelinePart>, args: &ModularArgs) -> Result<Self, PipelineError> {
        let mut parts = parts;
        if !args.renames()
            && let [PipelinePart::Pipeline(_)] = parts.as_slice()
            && let Some(PipelinePart::Pipeline(mut p)) = parts.pop()
        {
            // One pipeline, already checked and ordered: Kedro's checks pass again and tags change no order.
            if !args.tags.is_empty() {
                for n in &mut p.nodes {
                    n.tags.extend(args.tags.iter().cloned());
                }
            }
            return Ok(p);
        }
        let parts = if args.renames() {
            let renamed = if let [PipelinePart::Pipeline(p)] = parts.as_slice() {
                // Already checked and ordered; `args.tags` are added to the renamed copies below.
                Self::map_nodes(p, args)?
            } else {
                let pipe = Self::new(
                    parts,
                    &ModularArgs {
                        tags: args.tags.clone(),
                        ..ModularArgs::default()
                    },
                )?;
                Self::map_nodes(&pipe, args)?
            };
            renamed.into_iter().map(PipelinePart::Node).collect()
        } else {
            parts
        };
        Self::build(parts, &args.tags)
    }

    /// `Pipeline(self, inputs=..., outputs=..., ...)` ([`Pipeline::new`] with this pipeline as the only part),
    /// without copying `self` first.
    pub fn modular(&self, args: &ModularArgs) -> Result<Self, PipelineError> {
        if args.renames() {
            let renamed = Self::map_nodes(self, args)?;
            Self::build(
                renamed.into_iter().map(PipelinePart::Node).collect(),
                &args.tags,
            )
        } else {
            Self::new(vec![PipelinePart::Pipeline(self.clone())], args)
        }
    }

    /// Kedro's checks on the flattened parts, then `tags` and the topological order.
    fn build(parts: Vec<PipelinePart>, tags: &[String]) -> Result<Self, PipelineError> {
        // _validate_duplicate_nodes
        let total: usize = parts
            .iter()
            .map(|p| match p {
                PipelinePart::Node(_) => 1,
                PipelinePart::Pipeline(p) => p.nodes.len(),
            })
            .sum();
        let mut seen: HashSet<&str> = HashSet::with_capacity(total);
        let mut dups: BTreeSet<String> = BTreeSet::new();
        for part in &parts {
            let nodes: &[Node] = match part {
                PipelinePart::Node(n) => std::slice::from_ref(n),
                PipelinePart::Pipeline(p) => &p.nodes,
            };
            for n in nodes {
                if !seen.insert(n.name.as_str()) {
                    dups.insert(n.name.clone());
                }
            }
        }
        if !dups.is_empty() {
            return Err(PipelineError::DuplicateNodeNames {
                names: dups.into_iter().collect(),
            });
        }
        let mut nodes: Vec<Node> = Vec::with_capacity(total);
        for part in parts {
            match part {
                PipelinePart::Node(n) => nodes.push(n),
                PipelinePart::Pipeline(p) => nodes.extend(p.nodes),
            }
        }
        validate_transcoded(&nodes)?;
        if !tags.is_empty() {
            for n in &mut nodes {
                n.tags.extend(tags.iter().cloned());
            }
        }
        validate_unique(
            &nodes,
            |n| &n.outputs,
            |names| PipelineError::OutputNotUnique { names },
        )?;
        validate_unique(
            &nodes,
            |n| &n.confirms,
            |names| PipelineError::ConfirmNotUnique { names },
        )?;
        Self::toposort(nodes)
    }

    /// `Pipeline._map_nodes`: the renamed copies of the nodes of `pipe`, in its order.
    fn map_nodes(pipe: &Pipeline, args: &ModularArgs) -> Result<Vec<Node>, PipelineError> {
        let inputs = args
            .inputs
            .as_ref()
            .map(NameArg::mapping)
            .unwrap_or_default();
        let outputs = args
            .outputs
            .as_ref()
            .map(NameArg::mapping)
            .unwrap_or_default();
        let params = args
            .parameters
            .as_ref()
            .map(NameArg::param_mapping)
            .unwrap_or_default();
        // _validate_datasets_exist
        let in_keys: BTreeSet<&str> = inputs.keys().map(|k| strip_transcoding(k)).collect();
        let out_keys: BTreeSet<&str> = outputs.keys().map(|k| strip_transcoding(k)).collect();
        let existing: HashSet<&str> = pipe
            .nodes
            .iter()
            .flat_map(|n| n.inputs.iter().chain(&n.outputs))
            .map(|d| strip_transcoding(d))
            .collect();
        let missing: BTreeSet<String> = in_keys
            .iter()
            .chain(&out_keys)
            .copied()
            .chain(params.keys().map(String::as_str))
            .filter(|k| !existing.contains(k))
            .map(str::to_owned)
            .collect();
        if !missing.is_empty() {
            return Err(PipelineError::MapUnknownDatasets {
                names: missing.into_iter().collect(),
            });
        }
        // _validate_inputs_outputs
        if in_keys
            .iter()
            .any(|i| i.starts_with("params:") || *i == "parameters")
        {
            return Err(PipelineError::ParametersInInputsOutputs);
        }
        // The free inputs (`pipe.inputs()`), transcoding stripped: inputs no node of `pipe` produces.
        let produced: HashSet<&str> = pipe
            .nodes
            .iter()
            .flat_map(|n| n.outputs.iter().map(|d| strip_transcoding(d)))
            .collect();
        let free: HashSet<&str> = pipe
            .nodes
            .iter()
            .flat_map(|n| n.inputs.iter().map(|d| strip_transcoding(d)))
            .filter(|d| !produced.contains(d))
            .collect();
        if !in_keys.iter().all(|i| free.contains(i)) {
            return Err(PipelineError::InputsAreOutputs);
        }
        if out_keys.iter().any(|o| free.contains(o)) {
            return Err(PipelineError::OutputsAreFreeInputs);
        }
        let mut mapping = inputs;
        mapping.extend(outputs);
        mapping.extend(params);
        let namespace = args.namespace.as_deref().filter(|n| !n.is_empty());
        let prefix = args.prefix_datasets_with_namespace;
        let mut rename = |name: &str| rename_dataset(name, &mapping, namespace, prefix);
        pipe.nodes
            .iter()
            .map(|n| n.copy_renamed(&mut rename, namespace))
            .collect()
    }

    /// Kedro's order: Kahn's algorithm by layers, each layer sorted by node name. Outputs are unique here
    /// (checked before), so every dataset has at most one producer.
    fn toposort(nodes: Vec<Node>) -> Result<Self, PipelineError> {
        let n = nodes.len();
        let mut producer: HashMap<&str, usize> = HashMap::with_capacity(n);
        for (i, node) in nodes.iter().enumerate() {
            for out in &node.outputs {
                producer.insert(strip_transcoding(out), i);
            }
        }
        // Edges producer -> consumer, by consumer, each consumer's producers ascending and distinct.
        let mut edges: Vec<(usize, usize)> = Vec::with_capacity(n);
        let mut pending = vec![0usize; n];
        let mut ps: Vec<usize> = Vec::new();
        for (c, node) in nodes.iter().enumerate() {
            ps.clear();
            ps.extend(
                node.inputs
                    .iter()
                    .filter_map(|i| producer.get(strip_transcoding(i)).copied()),
            );
            ps.sort_unstable();
            ps.dedup();
            pending[c] = ps.len();
            edges.extend(ps.iter().map(|&p| (p, c)));
        }
        drop(producer);
        // Children of each node (consumers ascending), as one flat array.
        let mut start = vec![0usize; n + 1];
        for &(p, _) in &edges {
            start[p + 1] += 1;
        }
        for i in 0..n {
            start[i + 1] += start[i];
        }
        let mut fill = start.clone();
        let mut children = vec![0usize; edges.len()];
        for &(p, c) in &edges {
            children[fill[p]] = c;
            fill[p] += 1;
        }
        let mut order: Vec<usize> = Vec::with_capacity(n);
        let mut ready: Vec<usize> = (0..n).filter(|&i| pending[i] == 0).collect();
        let mut next: Vec<usize> = Vec::new();
        while !ready.is_empty() {
            ready.sort_unstable_by(|&a, &b| nodes[a].name.cmp(&nodes[b].name));
            for &i in &ready {
                for &c in &children[start[i]..start[i + 1]] {
                    pending[c] -= 1;
                    if pending[c] == 0 {
                        next.push(c);
                    }
                }
            }
            order.append(&mut ready);
            std::mem::swap(&mut ready, &mut next);
        }
        if order.len() != n {
            let mut g: DiGraph<usize, ()> = DiGraph::new();
            let idx: Vec<NodeIndex> = (0..n).map(|i| g.add_node(i)).collect();
            for &(p, c) in &edges {
                g.add_edge(idx[p], idx[c], ());
            }
            let mut on_cycle: Vec<String> = petgraph::algo::tarjan_scc(&g)
                .into_iter()
                .filter(|scc| scc.len() > 1)
                .flatten()
                .map(|i| nodes[g[i]].name.clone())
                .collect();
            on_cycle.sort();
            return Err(PipelineError::CircularDependency { nodes: on_cycle });
        }
        let mut position = vec![0usize; n];
        for (pos, &i) in order.iter().enumerate() {
            position[i] = pos;
        }
        let mut slots: Vec<Option<Node>> = nodes.into_iter().map(Some).collect();
        let sorted: Vec<Node> = order
            .iter()
            .map(|&i| slots[i].take().expect("each node once"))
            .collect();
        let mut graph: DiGraph<usize, ()> = DiGraph::with_capacity(n, edges.len());
        for i in 0..n {
            graph.add_node(i);
        }
        for &(p, c) in &edges {
            graph.add_edge(NodeIndex::new(position[p]), NodeIndex::new(position[c]), ());
        }
        Ok(Self {
            nodes: sorted,
            graph,
        })
    }

    /// The nodes in Kedro's topological order (`Pipeline.nodes`).
    pub fn nodes(&self) -> &[Node] {
        &self.nodes
    }

    /// The dependency graph: node weights are indices into [`Pipeline::nodes`], edges go producer -> consumer.
    pub fn graph(&self) -> &DiGraph<usize, ()> {
        &self.graph
    }

    /// Number of nodes.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Whether the pipeline has no nodes.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// The node with this full name.
    pub fn node(&self, name: &str) -> Option<&Node> {
        self.nodes.iter().find(|n| n.name == name)
    }

    /// Indices (into [`Pipeline::nodes`]) of the direct parents of node `i`.
    pub fn parents(&self, i: usize) -> Vec<usize> {
        let mut v: Vec<usize> = self
            .graph
            .neighbors_directed(NodeIndex::new(i), petgraph::Direction::Incoming)
            .map(|n| n.index())
            .collect();
        v.sort_unstable();
        v
    }

    /// Every input of every node.
    pub fn all_inputs(&self) -> BTreeSet<String> {
        self.nodes
            .iter()
            .flat_map(|n| n.inputs.iter().cloned())
            .collect()
    }

    /// Every output of every node.
    pub fn all_outputs(&self) -> BTreeSet<String> {
        self.nodes
            .iter()
            .flat_map(|n| n.outputs.iter().cloned())
            .collect()
    }

    fn remove_intermediates(&self, datasets: BTreeSet<String>) -> BTreeSet<String> {
        let ins: HashSet<&str> = self
            .nodes
            .iter()
            .flat_map(|n| n.inputs.iter().map(|s| strip_transcoding(s)))
            .collect();
        let outs: HashSet<&str> = self
            .nodes
            .iter()
            .flat_map(|n| n.outputs.iter().map(|s| strip_transcoding(s)))
            .collect();
        datasets
            .into_iter()
            .filter(|d| {
                let s = strip_transcoding(d);
                !(ins.contains(s) && outs.contains(s))
            })
            .collect()
    }

    /// Free inputs (`Pipeline.inputs()`), including `params:` and `parameters`.
    pub fn inputs(&self) -> BTreeSet<String> {
        self.remove_intermediates(self.all_inputs())
    }

    /// Outputs no node consumes (`Pipeline.outputs()`).
    pub fn outputs(&self) -> BTreeSet<String> {
        self.remove_intermediates(self.all_outputs())
    }

    /// All datasets used (`Pipeline.datasets()`).
    pub fn datasets(&self) -> BTreeSet<String> {
        let mut d = self.all_inputs();
        d.extend(self.all_outputs());
        d
    }

    /// `self + other` (also `|`): the union; equal nodes are kept once (the left one).
    pub fn union(&self, other: &Self) -> Result<Self, PipelineError> {
        let mut keys: HashSet<NodeKey> = HashSet::new();
        let mut nodes = Vec::new();
        for n in self.nodes.iter().chain(&other.nodes) {
            if keys.insert(n.key()) {
                nodes.push(n.clone());
            }
        }
        Self::from_nodes(nodes)
    }

    /// `self - other`: the nodes of `self` that are not (equal to a node) in `other`.
    pub fn difference(&self, other: &Self) -> Result<Self, PipelineError> {
        let keys: HashSet<NodeKey> = other.nodes.iter().map(Node::key).collect();
        Self::from_nodes(
            self.nodes
                .iter()
                .filter(|n| !keys.contains(&n.key()))
                .cloned()
                .collect(),
        )
    }

    /// `self & other`: the common nodes. Like CPython's set intersection, the copies come from the smaller
    /// operand (the right one on a tie), which matters only for their tags.
    pub fn intersection(&self, other: &Self) -> Result<Self, PipelineError> {
        let (small, large) = if other.nodes.len() > self.nodes.len() {
            (self, other)
        } else {
            (other, self)
        };
        let keys: HashSet<NodeKey> = large.nodes.iter().map(Node::key).collect();
        Self::from_nodes(
            small
                .nodes
                .iter()
                .filter(|n| keys.contains(&n.key()))
                .cloned()
                .collect(),
        )
    }

    /// `sum(pipelines)`: the union of all (equal nodes kept once, the first one), an empty pipeline for none.
    ///
    /// Equivalent to adding them one by one (every check Kedro makes on an intermediate sum also fails on the
    /// whole), but done in one pass.
    pub fn sum<'a>(
        pipelines: impl IntoIterator<Item = &'a Pipeline>,
    ) -> Result<Self, PipelineError> {
        let pipelines: Vec<&Pipeline> = pipelines.into_iter().collect();
        let total = pipelines.iter().map(|p| p.nodes.len()).sum();
        let mut keys: HashSet<NodeKey> = HashSet::with_capacity(total);
        let mut nodes = Vec::with_capacity(total);
        for p in pipelines {
            for n in &p.nodes {
                if keys.insert(n.key()) {
                    nodes.push(n.clone());
                }
            }
        }
        Self::from_nodes(nodes)
    }

    fn subset(&self, keep: impl Fn(&Node) -> bool) -> Result<Self, PipelineError> {
        Self::from_nodes(self.nodes.iter().filter(|n| keep(n)).cloned().collect())
    }

    /// `only_nodes(*names)`: exactly the named nodes (full names).
    pub fn only_nodes(&self, names: &[String]) -> Result<Self, PipelineError> {
        let known: HashSet<&str> = self.nodes.iter().map(|n| n.name.as_str()).collect();
        let unknown: BTreeSet<&String> = names
            .iter()
            .filter(|n| !known.contains(n.as_str()))
            .collect();
        if !unknown.is_empty() {
            let suggestions = unknown
                .iter()
                .flat_map(|u| {
                    let suffix = format!(".{u}");
                    self.nodes
                        .iter()
                        .filter(move |n| n.name.ends_with(&suffix))
                        .map(|n| n.name.clone())
                })
                .collect();
            return Err(PipelineError::UnknownNodes {
                names: unknown.into_iter().cloned().collect(),
                suggestions,
            });
        }
        let wanted: HashSet<&str> = names.iter().map(String::as_str).collect();
        self.subset(|n| wanted.contains(n.name.as_str()))
    }

    /// `only_nodes_with_namespaces([...])`: nodes whose namespace is `ns` or starts with `ns.`.
    pub fn only_nodes_with_namespaces(&self, namespaces: &[String]) -> Result<Self, PipelineError> {
        let matches = |n: &Node, ns: &str| {
            n.namespace
                .as_deref()
                .is_some_and(|m| m == ns || m.strip_prefix(ns).is_some_and(|r| r.starts_with('.')))
        };
        let unmatched: Vec<String> = namespaces
            .iter()
            .filter(|ns| !self.nodes.iter().any(|n| matches(n, ns)))
            .cloned()
            .collect();
        if !unmatched.is_empty() {
            return Err(PipelineError::UnknownNamespaces {
                namespaces: unmatched,
            });
        }
        self.subset(|n| namespaces.iter().any(|ns| matches(n, ns)))
    }

    /// `only_nodes_with_tags(*tags)`: nodes with any of the tags.
    pub fn only_nodes_with_tags(&self, tags: &[String]) -> Result<Self, PipelineError> {
        self.subset(|n| tags.iter().any(|t| n.tags.contains(t)))
    }

    fn check_datasets(&self, datasets: &[String]) -> Result<(), PipelineError> {
        let all = self.datasets();
        let stripped: HashSet<&str> = all.iter().map(|d| strip_transcoding(d)).collect();
        let missing: BTreeSet<String> = datasets
            .iter()
            .filter(|d| !all.contains(*d) && !stripped.contains(d.as_str()))
            .cloned()
            .collect();
        if missing.is_empty() {
            Ok(())
        } else {
            Err(PipelineError::UnknownDatasets {
                names: missing.into_iter().collect(),
            })
        }
    }

    fn consumers_of(&self, dataset: &str, exact: bool) -> impl Iterator<Item = usize> + '_ {
        let base = strip_transcoding(dataset).to_owned();
        let dataset = dataset.to_owned();
        self.nodes.iter().enumerate().filter_map(move |(i, n)| {
            let uses = if exact {
                n.inputs.contains(&dataset)
            } else {
                n.inputs.iter().any(|x| strip_transcoding(x) == base)
            };
            uses.then_some(i)
        })
    }

    /// Nodes by the datasets they read (transcoding stripped), each node once per dataset.
    fn consumers_index(&self) -> HashMap<&str, Vec<usize>> {
        let mut index: HashMap<&str, Vec<usize>> = HashMap::new();
        for (i, n) in self.nodes.iter().enumerate() {
            for input in &n.inputs {
                let list = index.entry(strip_transcoding(input)).or_default();
                if list.last() != Some(&i) {
                    list.push(i);
                }
            }
        }
        index
    }

    /// The first node writing each dataset (transcoding stripped).
    fn producers_index(&self) -> HashMap<&str, usize> {
        let mut index: HashMap<&str, usize> = HashMap::new();
        for (i, n) in self.nodes.iter().enumerate() {
            for output in &n.outputs {
                index.entry(strip_transcoding(output)).or_insert(i);
            }
        }
        index
    }

    /// `from_inputs(*datasets)`: nodes that depend, directly or transitively, on the datasets.
    pub fn from_inputs(&self, datasets: &[String]) -> Result<Self, PipelineError> {
        self.check_datasets(datasets)?;
        let consumers = self.consumers_index();
        let mut result: BTreeSet<usize> = BTreeSet::new();
        let mut todo: Vec<usize> = Vec::new();
        for d in datasets {
            let exact = strip_transcoding(d) != d;
            let found: Vec<usize> = if exact {
                self.consumers_of(d, true).collect()
            } else {
                consumers.get(d.as_str()).cloned().unwrap_or_default()
            };
            todo.extend(found.into_iter().filter(|&i| result.insert(i)));
        }
        // A walk with an explicit stack: each node is visited once.
        while let Some(i) = todo.pop() {
            for o in &self.nodes[i].outputs {
                if let Some(cs) = consumers.get(strip_transcoding(o)) {
                    todo.extend(cs.iter().copied().filter(|&c| result.insert(c)));
                }
            }
        }
        self.subset_indices(&result)
    }

    /// `to_outputs(*datasets)`: nodes needed, directly or transitively, to make the datasets.
    pub fn to_outputs(&self, datasets: &[String]) -> Result<Self, PipelineError> {
        self.check_datasets(datasets)?;
        let producers = self.producers_index();
        let mut result: BTreeSet<usize> = BTreeSet::new();
        let mut todo: Vec<usize> = Vec::new();
        for d in datasets {
            if let Some(&p) = producers.get(strip_transcoding(d))
                && (strip_transcoding(d) == d || self.nodes[p].outputs.contains(d))
                && result.insert(p)
            {
                todo.push(p);
            }
        }
        while let Some(i) = todo.pop() {
            for input in &self.nodes[i].inputs {
                if let Some(&p) = producers.get(strip_transcoding(input))
                    && result.insert(p)
                {
                    todo.push(p);
                }
            }
        }
        self.subset_indices(&result)
    }

    fn subset_indices(&self, keep: &BTreeSet<usize>) -> Result<Self, PipelineError> {
        Self::from_nodes(keep.iter().map(|&i| self.nodes[i].clone()).collect())
    }

    /// `from_nodes(*names)`: the named nodes and everything downstream of them.
    pub fn from_nodes_named(&self, names: &[String]) -> Result<Self, PipelineError> {
        let res = self.only_nodes(names)?;
        let outs: Vec<String> = res
            .all_outputs()
            .iter()
            .map(|o| strip_transcoding(o).to_owned())
            .collect();
        res.union(&self.from_inputs(&outs)?)
    }

    /// `to_nodes(*names)`: the named nodes and everything upstream of them.
    pub fn to_nodes_named(&self, names: &[String]) -> Result<Self, PipelineError> {
        let res = self.only_nodes(names)?;
        let ins: Vec<String> = res
            .all_inputs()
            .iter()
            .map(|o| strip_transcoding(o).to_owned())
            .collect();
        res.union(&self.to_outputs(&ins)?)
    }

    /// `Pipeline.filter(...)`, as `kedro run` applies it: each given filter on this pipeline, intersected.
    pub fn filter(&self, f: &Filter) -> Result<Self, PipelineError> {
        let mut subsets = Vec::new();
        if !f.tags.is_empty() {
            subsets.push(self.only_nodes_with_tags(&f.tags)?);
        }
        if !f.from_nodes.is_empty() {
            subsets.push(self.from_nodes_named(&f.from_nodes)?);
        }
        if !f.to_nodes.is_empty() {
            subsets.push(self.to_nodes_named(&f.to_nodes)?);
        }
        if !f.node_names.is_empty() {
            subsets.push(self.only_nodes(&f.node_names)?);
        }
        if !f.from_inputs.is_empty() {
            subsets.push(self.from_inputs(&f.from_inputs)?);
        }
        if !f.to_outputs.is_empty() {
            subsets.push(self.to_outputs(&f.to_outputs)?);
        }
        if !f.node_namespaces.is_empty() {
            subsets.push(self.only_nodes_with_namespaces(&f.node_namespaces)?);
        }
        let mut out = self.clone();
        for s in &subsets {
            out = out.intersection(s)?;
        }
        if out.is_empty() {
            return Err(PipelineError::EmptyAfterFilter);
        }
        Ok(out)
    }
}

/// `Pipeline._rename` for one dataset name.
fn rename_dataset(
    name: &str,
    mapping: &IndexMap<String, String>,
    namespace: Option<&str>,
    prefix: bool,
) -> Result<String, PipelineError> {
    if let Some(new) = mapping.get(name) {
        return Ok(new.clone());
    }
    if name == "parameters" {
        return Ok(name.to_owned());
    }
    let (base, suffix) = transcode_split(name)?;
    if let Some(new) = mapping.get(base) {
        return Ok(format!("{new}@{suffix}"));
    }
    if prefix && let Some(ns) = namespace {
        if let Some(rest) = name.strip_prefix("params:") {
            if rest.contains("params:") {
                return Err(PipelineError::InvalidNode {
                    message: format!(
                        "cannot namespace the parameter name '{name}' (it contains 'params:' twice)"
                    ),
                });
            }
            return Ok(format!("params:{ns}.{rest}"));
        }
        return Ok(format!("{ns}.{name}"));
    }
    Ok(name.to_owned())
}

fn validate_transcoded(nodes: &[Node]) -> Result<(), PipelineError> {
    let transcoded = nodes.iter().any(|n| {
        n.inputs
            .iter()
            .chain(&n.outputs)
            .any(|d| d.bytes().any(|b| b == b'@'))
    });
    if !transcoded {
        return Ok(());
    }
    let all: HashSet<&str> = nodes
        .iter()
        .flat_map(|n| n.inputs.iter().chain(&n.outputs).map(String::as_str))
        .collect();
    let invalid: BTreeSet<String> = all
        .iter()
        .filter_map(|d| {
            let s = strip_transcoding(d);
            (s != *d && all.contains(s)).then(|| s.to_owned())
        })
        .collect();
    if invalid.is_empty() {
        Ok(())
    } else {
        Err(PipelineError::TranscodedWithoutSeparator {
            names: invalid.into_iter().collect(),
        })
    }
}

fn validate_unique(
    nodes: &[Node],
    get: impl Fn(&Node) -> &Vec<String>,
    err: impl FnOnce(Vec<String>) -> PipelineError,
) -> Result<(), PipelineError> {
    let count: usize = nodes.iter().map(|n| get(n).len()).sum();
    if count == 0 {
        return Ok(());
    }
    let mut seen: HashSet<&str> = HashSet::with_capacity(count);
    let mut dups: IndexSet<&str> = IndexSet::new();
    for n in nodes {
        for d in get(n) {
            let s = strip_transcoding(d);
            if !seen.insert(s) {
                dups.insert(s);
            }
        }
    }
    if dups.is_empty() {
        return Ok(());
    }
    let mut names: Vec<String> = dups.into_iter().map(str::to_owned).collect();
    names.sort();
    Err(err(names))
}
