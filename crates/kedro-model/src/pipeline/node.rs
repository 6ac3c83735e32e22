//! Nodes: what a Kedro `node()` call makes, with Kedro's naming rules.

use std::collections::BTreeSet;
use std::path::PathBuf;

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::PipelineError;
use super::names::{py_list_str, strip_transcoding, transcode_split};

/// Which Kedro release's rule makes the default node names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NameStyle {
    /// Kedro 1.x: `func__<sha256[:8]>`.
    #[default]
    Kedro1,
    /// Kedro 0.19: `func([a;b]) -> [c]`.
    Kedro019,
}

impl NameStyle {
    /// The style for a project's `kedro_init_version` (`0.x` gives [`NameStyle::Kedro019`]).
    pub fn for_init_version(version: &str) -> Self {
        if version.trim().split('.').next() == Some("0") {
            Self::Kedro019
        } else {
            Self::Kedro1
        }
    }
}

/// A place in a source file: 1-based line and column (in characters), and the byte range.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SourceSpan {
    /// The file, as given to the extractor (usually absolute).
    pub file: PathBuf,
    /// 1-based line of the start.
    pub line: usize,
    /// 1-based column of the start.
    pub col: usize,
    /// Byte offset of the start.
    pub start_byte: usize,
    /// Byte offset one past the end.
    pub end_byte: usize,
}

/// How the node's callable is made.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FuncKind {
    /// A function defined with `def`.
    Plain,
    /// `functools.partial(f, ...)`: [`FuncRef`] names `f`; these are the extra arguments.
    Partial {
        /// Source text of the partial's arguments after the function (`"factor=2"`), for code hashing.
        args_source: String,
        /// Where the `partial(...)` call is, when known.
        call_span: Option<SourceSpan>,
    },
    /// A `lambda`; [`FuncRef::span`] is the lambda expression.
    Lambda {
        /// Source text of the whole lambda expression.
        source: String,
    },
    /// The function Kedro's `llm_context_node(...)` builds (`kedro.pipeline.llm_context.construct_context`),
    /// which calls the tool builders given with `tool(...)`.
    LlmContext {
        /// The dotted names of the tool builders (`my_pkg.tools.build_lookup`), in the order given.
        tools: Vec<String>,
    },
}

/// The Python callable a node runs.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct FuncRef {
    /// The module the function is defined in (`__module__`); for a partial, the wrapped function's module.
    pub module: String,
    /// The function's `__name__` (`<lambda>` for lambdas); for a partial, the wrapped function's.
    pub name: String,
    /// Plain function, partial or lambda.
    #[serde(flatten)]
    pub kind: FuncKind,
    /// Where the function (or lambda) is defined, when known.
    pub span: Option<SourceSpan>,
}

impl FuncRef {
    /// A plain function `module.name`.
    pub fn plain(module: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            module: module.into(),
            name: name.into(),
            kind: FuncKind::Plain,
            span: None,
        }
    }

    /// The name shown by `kdvc pipelines`: `__name__`, or `partial(<name>)` for partials.
    pub fn display_name(&self) -> String {
        match self.kind {
            FuncKind::Partial { .. } => format!("partial({})", self.name),
            _ => self.name.clone(),
        }
    }

    /// Whether this is a `functools.partial`.
    pub fn is_partial(&self) -> bool {
        matches!(self.kind, FuncKind::Partial { .. })
    }
}

/// A node's `inputs`, `outputs` or `confirms` argument, in the form it was written.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(untagged)]
pub enum DatasetArg {
    /// `None`.
    #[default]
    None,
    /// A single name.
    Str(String),
    /// A list of names.
    List(Vec<String>),
    /// A mapping (function argument or returned key) -> dataset name.
    Dict(IndexMap<String, String>),
}

impl DatasetArg {
    /// Python truthiness of the argument.
    pub fn is_truthy(&self) -> bool {
        match self {
            Self::None => false,
            Self::Str(s) => !s.is_empty(),
            Self::List(l) => !l.is_empty(),
            Self::Dict(d) => !d.is_empty(),
        }
    }

    /// Kedro's `_to_list`: dict values in insertion order.
    pub fn to_list(&self) -> Vec<String> {
        match self {
            Self::None => Vec::new(),
            Self::Str(s) => vec![s.clone()],
            Self::List(l) => l.clone(),
            Self::Dict(d) => d.values().cloned().collect(),
        }
    }

    fn map(
        &self,
        f: &mut impl FnMut(&str) -> Result<String, PipelineError>,
    ) -> Result<Self, PipelineError> {
        Ok(match self {
            Self::None => Self::None,
            Self::Str(s) => Self::Str(f(s)?),
            Self::List(l) => Self::List(l.iter().map(|s| f(s)).collect::<Result<_, _>>()?),
            Self::Dict(d) => Self::Dict(
                d.iter()
                    .map(|(k, v)| Ok((k.clone(), f(v)?)))
                    .collect::<Result<_, PipelineError>>()?,
            ),
        })
    }

    fn hashable(&self) -> Hashable<'_> {
        match self {
            Self::None => Hashable::None,
            Self::Str(s) => Hashable::Str(s),
            Self::List(l) => Hashable::Tuple(l),
            Self::Dict(d) => {
                let mut items: Vec<(&str, &str)> =
                    d.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
                items.sort_unstable();
                Hashable::Items(items)
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Hashable<'a> {
    None,
    Str(&'a str),
    Tuple(&'a [String]),
    Items(Vec<(&'a str, &'a str)>),
}

/// Kedro's node identity: `(name, inputs, outputs)` with dicts compared sorted. Tags do not count.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct NodeKey<'a>(&'a str, Hashable<'a>, Hashable<'a>);

/// Everything a `node()` call says, before Kedro's checks and naming.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeSpec {
    /// The callable.
    pub func: FuncRef,
    /// `inputs=`.
    pub inputs: DatasetArg,
    /// For dict inputs: the keys in the order `inspect.signature(func).bind(**inputs)` gives them
    /// (positional-or-keyword parameters in definition order, then keyword-only, then `**kwargs` extras).
    pub input_key_order: Option<Vec<String>>,
    /// `outputs=`.
    pub outputs: DatasetArg,
    /// `name=`.
    pub name: Option<String>,
    /// `tags=`.
    pub tags: Vec<String>,
    /// `confirms=`.
    pub confirms: DatasetArg,
    /// `namespace=` (node namespace; renames nothing).
    pub namespace: Option<String>,
}

impl NodeSpec {
    /// A spec with only a function, inputs and outputs.
    pub fn new(func: FuncRef, inputs: DatasetArg, outputs: DatasetArg) -> Self {
        Self {
            func,
            inputs,
            input_key_order: None,
            outputs,
            name: None,
            tags: Vec::new(),
            confirms: DatasetArg::None,
            namespace: None,
        }
    }
}

/// A Kedro node, as `Pipeline.nodes` holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Node {
    /// Full name (`<namespace>.<name or auto name>`): what `kedro run --nodes` takes.
    pub name: String,
    /// The node's namespace, if any.
    pub namespace: Option<String>,
    /// Input dataset names in Kedro's order (dict inputs ordered by the function signature).
    pub inputs: Vec<String>,
    /// Output dataset names in Kedro's order.
    pub outputs: Vec<String>,
    /// Tags, sorted.
    pub tags: BTreeSet<String>,
    /// Datasets to confirm.
    pub confirms: Vec<String>,
    /// The function the node runs.
    pub func: FuncRef,
    /// The arguments as written, for Kedro's node identity and renaming.
    pub raw: RawNodeArgs,
}

/// A node's arguments in their original form (`Node._inputs`, `_outputs`, `_confirms`, `_name`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RawNodeArgs {
    /// `_inputs`.
    pub inputs: DatasetArg,
    /// Signature order of dict input keys.
    pub input_key_order: Option<Vec<String>>,
    /// `_outputs`.
    pub outputs: DatasetArg,
    /// `_confirms`.
    pub confirms: DatasetArg,
    /// `_name`: the explicit name, without namespace.
    pub explicit_name: Option<String>,
    /// Naming rule.
    pub style: NameStyle,
}

/// Up to this many outputs, duplicate checks compare pairwise instead of building a set.
const SMALL: usize = 16;

fn is_valid_name(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '.' || c == '-')
}

impl Node {
    /// Builds a node with Kedro's checks (`Node.__init__`) and naming.
    pub fn new(spec: NodeSpec, style: NameStyle) -> Result<Self, PipelineError> {
        let NodeSpec {
            func,
            inputs,
            input_key_order,
            outputs,
            name,
            tags,
            confirms,
            namespace,
        } = spec;
        if !inputs.is_truthy() && !outputs.is_truthy() {
            return Err(PipelineError::InvalidNode {
                message: "it must have some 'inputs' or 'outputs'.".into(),
            });
        }
        if let Some(n) = &name
            && !n.is_empty()
            && !is_valid_name(n)
        {
            return Err(PipelineError::InvalidNode {
                message: format!(
                    "'{n}' is not a valid node name. It must contain only letters, digits, hyphens, underscores and/or fullstops."
                ),
            });
        }
        for t in &tags {
            if !is_valid_name(t) {
                return Err(PipelineError::InvalidNode {
                    message: format!(
                        "'{t}' is not a valid node tag. It must contain only letters, digits, hyphens, underscores and/or fullstops."
                    ),
                });
            }
        }
        let raw = RawNodeArgs {
            inputs,
            input_key_order,
            outputs,
            confirms,
            explicit_name: name.filter(|n| !n.is_empty()),
            style,
        };
        Self::assemble(
            raw,
            func,
            namespace.filter(|n| !n.is_empty()),
            tags.into_iter().collect(),
        )
    }

    fn assemble(
        raw: RawNodeArgs,
        func: FuncRef,
        namespace: Option<String>,
        tags: BTreeSet<String>,
    ) -> Result<Self, PipelineError> {
        let inputs = match (&raw.inputs, &raw.input_key_order) {
            (DatasetArg::Dict(d), Some(order)) => order
                .iter()
                .map(|k| {
                    d.get(k).cloned().ok_or_else(|| PipelineError::InvalidNode {
                        message: format!("input key '{k}' is not in the inputs dict"),
                    })
                })
                .collect::<Result<Vec<_>, _>>()?,
            (DatasetArg::Dict(_), None) => {
                return Err(PipelineError::InvalidNode {
                    message: format!(
                        "the dict inputs of '{}' can only be ordered with the function's signature, which is unknown",
                        func.display_name()
                    ),
                });
            }
            (other, _) => other.to_list(),
        };
        let outputs = raw.outputs.to_list();
        let confirms = raw.confirms.to_list();
        for n in inputs.iter().chain(&outputs).chain(&confirms) {
            transcode_split(n)?;
        }
        let mut dup = BTreeSet::new();
        if outputs.len() <= SMALL {
            for (i, o) in outputs.iter().enumerate() {
                if outputs[..i].contains(o) {
                    dup.insert(o.clone());
                }
            }
        } else {
            let mut seen = BTreeSet::new();
            for o in &outputs {
                if !seen.insert(o.as_str()) {
                    dup.insert(o.clone());
                }
            }
        }
        if !dup.is_empty() {
            return Err(PipelineError::InvalidNode {
                message: format!(
                    "Failed to create node {} due to duplicate output(s) {:?}. Node outputs must be unique.",
                    describe(&func, &inputs, &outputs),
                    dup
                ),
            });
        }
        let common: BTreeSet<&str> = if outputs.len() <= SMALL {
            inputs
                .iter()
                .map(|i| strip_transcoding(i))
                .filter(|i| outputs.iter().any(|o| strip_transcoding(o) == *i))
                .collect()
        } else {
            let stripped_out: BTreeSet<&str> =
                outputs.iter().map(|o| strip_transcoding(o)).collect();
            inputs
                .iter()
                .map(|i| strip_transcoding(i))
                .filter(|i| stripped_out.contains(i))
                .collect()
        };
        if !common.is_empty() {
            return Err(PipelineError::InvalidNode {
                message: format!(
                    "Failed to create node {}. A node cannot have the same inputs and outputs even if they are transcoded: {:?}",
                    describe(&func, &inputs, &outputs),
                    common
                ),
            });
        }
        let base = match &raw.explicit_name {
            Some(n) => n.clone(),
            None => auto_name(&func, &raw, &inputs, &outputs),
        };
        let name = match &namespace {
            Some(ns) => format!("{ns}.{base}"),
            None => base,
        };
        Ok(Self {
            name,
            namespace,
            inputs,
            outputs,
            tags,
            confirms,
            func,
            raw,
        })
    }

    /// The explicit name (without namespace), if the node was given one.
    pub fn explicit_name(&self) -> Option<&str> {
        self.raw.explicit_name.as_deref()
    }

    /// Kedro's `node.tag(tags)`: a copy with more tags.
    pub fn tagged<'a>(&self, tags: impl IntoIterator<Item = &'a String>) -> Self {
        let mut n = self.clone();
        n.tags.extend(tags.into_iter().cloned());
        n
    }

    /// Kedro's node identity (`_unique_key`): name plus inputs and outputs as written.
    pub(crate) fn key(&self) -> NodeKey<'_> {
        NodeKey(
            &self.name,
            self.raw.inputs.hashable(),
            self.raw.outputs.hashable(),
        )
    }

    /// `Pipeline._copy_node`: renames datasets with `rename` and moves the node under `namespace`.
    pub(crate) fn copy_renamed(
        &self,
        rename: &mut impl FnMut(&str) -> Result<String, PipelineError>,
        namespace: Option<&str>,
    ) -> Result<Self, PipelineError> {
        let new_ns = match namespace.filter(|n| !n.is_empty()) {
            Some(outer) => Some(match &self.namespace {
                Some(inner) => format!("{outer}.{inner}"),
                None => outer.to_owned(),
            }),
            None => self.namespace.clone(),
        };
        let raw = RawNodeArgs {
            inputs: self.raw.inputs.map(rename)?,
            input_key_order: self.raw.input_key_order.clone(),
            outputs: self.raw.outputs.map(rename)?,
            confirms: self.raw.confirms.map(rename)?,
            explicit_name: self.raw.explicit_name.clone(),
            style: self.raw.style,
        };
        Self::assemble(raw, self.func.clone(), new_ns, self.tags.clone())
    }
}

fn describe(func: &FuncRef, inputs: &[String], outputs: &[String]) -> String {
    format!(
        "{}([{}]) -> [{}]",
        func.display_name(),
        inputs.join(";"),
        outputs.join(";")
    )
}

/// The default name of an unnamed node (without namespace).
fn auto_name(func: &FuncRef, raw: &RawNodeArgs, inputs: &[String], outputs: &[String]) -> String {
    match raw.style {
        NameStyle::Kedro1 => {
            let (head, key) = if func.is_partial() {
                let head = format!("partial({})", func.name);
                let key = format!("{head}|{}|{}", py_list_str(inputs), py_list_str(outputs));
                (head, key)
            } else {
                let key = format!(
                    "{}.{}|{}|{}",
                    func.module,
                    func.name,
                    py_list_str(inputs),
                    py_list_str(outputs)
                );
                (func.name.clone(), key)
            };
            let digest = Sha256::digest(key.as_bytes());
            format!("{head}__{}", hex::encode(&digest[..4]))
        }
        NameStyle::Kedro019 => {
            let func_name = if func.is_partial() {
                "<partial>".to_owned()
            } else {
                func.name.clone()
            };
            let in_str = if raw.inputs.is_truthy() {
                format!("[{}]", inputs.join(";"))
            } else {
                "None".into()
            };
            let out_str = if raw.outputs.is_truthy() {
                format!("[{}]", outputs.join(";"))
            } else {
                "None".into()
            };
            format!("{func_name}({in_str}) -> {out_str}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(xs: &[&str]) -> DatasetArg {
        DatasetArg::List(xs.iter().map(|s| s.to_string()).collect())
    }

    fn auto(module: &str, f: &str, ins: &[&str], outs: &[&str]) -> String {
        Node::new(
            NodeSpec::new(FuncRef::plain(module, f), list(ins), list(outs)),
            NameStyle::Kedro1,
        )
        .unwrap()
        .name
    }

    #[test]
    fn verified_kedro1_names() {
        // Names Kedro 1.7 gives these nodes (docs/kedro.md#automatic-names-in-kedro-1x).
        assert_eq!(
            auto(
                "spaceflights.pipelines.reporting.nodes",
                "create_confusion_matrix",
                &["companies"],
                &["dummy_confusion_matrix"]
            ),
            "create_confusion_matrix__adb01ae6"
        );
        assert_eq!(
            auto(
                "spaceflights_pandas.pipelines.reporting.nodes",
                "create_confusion_matrix",
                &["companies"],
                &["dummy_confusion_matrix"]
            ),
            "create_confusion_matrix__e13870c6"
        );
        let m = "spaceflights_pandas.pipelines.reporting.nodes";
        assert_eq!(
            auto(
                m,
                "compare_passenger_capacity_exp",
                &["preprocessed_shuttles"],
                &["shuttle_passenger_capacity_plot_exp"]
            ),
            "compare_passenger_capacity_exp__8f718582"
        );
        assert_eq!(
            auto(
                m,
                "compare_passenger_capacity_go",
                &["preprocessed_shuttles"],
                &["shuttle_passenger_capacity_plot_go"]
            ),
            "compare_passenger_capacity_go__54607f37"
        );
        let m = "spaceflights.pipelines.reporting.nodes";
        assert_eq!(
            auto(
                m,
                "compare_passenger_capacity_exp",
                &["preprocessed_shuttles"],
                &["shuttle_passenger_capacity_plot_exp"]
            ),
            "compare_passenger_capacity_exp__43c60170"
        );
        assert_eq!(
            auto(
                m,
                "compare_passenger_capacity_go",
                &["preprocessed_shuttles"],
                &["shuttle_passenger_capacity_plot_go"]
            ),
            "compare_passenger_capacity_go__738187f2"
        );
        assert_eq!(
            auto("demo_proj.pipelines.alpha.nodes", "report", &["model"], &[]),
            "report__469c20d8"
        );
        let lam = FuncRef {
            kind: FuncKind::Lambda {
                source: "lambda x: x".into(),
            },
            ..FuncRef::plain("demo_proj.pipelines.alpha.pipeline", "<lambda>")
        };
        let n = Node::new(
            NodeSpec::new(lam, list(&["scaled_companies"]), list(&["lambda_out"])),
            NameStyle::Kedro1,
        )
        .unwrap();
        assert_eq!(n.name, "<lambda>__fb70af9b");
        let part = FuncRef {
            kind: FuncKind::Partial {
                args_source: "factor=2".into(),
                call_span: None,
            },
            ..FuncRef::plain("demo_proj.pipelines.alpha.nodes", "scale")
        };
        let n = Node::new(
            NodeSpec::new(
                part,
                list(&["clean_companies"]),
                list(&["scaled_companies"]),
            ),
            NameStyle::Kedro1,
        )
        .unwrap();
        assert_eq!(n.name, "partial(scale)__18ef7fd0");
        assert_eq!(n.func.display_name(), "partial(scale)");
    }

    #[test]
    fn outputs_none_and_str_forms_hash_as_lists() {
        let f = FuncRef::plain("demo_proj.pipelines.alpha.nodes", "report");
        let n = Node::new(
            NodeSpec::new(f, DatasetArg::Str("model".into()), DatasetArg::None),
            NameStyle::Kedro1,
        )
        .unwrap();
        assert_eq!(n.name, "report__469c20d8");
    }

    #[test]
    fn kedro019_names() {
        let f = FuncRef::plain("p.nodes", "split");
        let n = Node::new(
            NodeSpec::new(
                f,
                list(&["clean_companies", "params:model.split.ratio"]),
                list(&["X_train", "y_train"]),
            ),
            NameStyle::Kedro019,
        )
        .unwrap();
        assert_eq!(
            n.name,
            "split([clean_companies;params:model.split.ratio]) -> [X_train;y_train]"
        );
        let f = FuncRef::plain("p.nodes", "report");
        let n = Node::new(
            NodeSpec::new(f, list(&["model"]), DatasetArg::None),
            NameStyle::Kedro019,
        )
        .unwrap();
        assert_eq!(n.name, "report([model]) -> None");
        let part = FuncRef {
            kind: FuncKind::Partial {
                args_source: String::new(),
                call_span: None,
            },
            ..FuncRef::plain("p.nodes", "scale")
        };
        let mut spec = NodeSpec::new(
            part,
            list(&["clean_companies"]),
            list(&["scaled_companies"]),
        );
        spec.namespace = Some("ns".into());
        let n = Node::new(spec, NameStyle::Kedro019).unwrap();
        assert_eq!(
            n.name,
            "ns.<partial>([clean_companies]) -> [scaled_companies]"
        );
        assert_eq!(NameStyle::for_init_version("0.19.3"), NameStyle::Kedro019);
        assert_eq!(NameStyle::for_init_version("1.7.0"), NameStyle::Kedro1);
    }

    #[test]
    fn node_checks() {
        let f = || FuncRef::plain("m", "f");
        let bad = [
            NodeSpec::new(f(), DatasetArg::None, DatasetArg::List(vec![])),
            NodeSpec::new(f(), list(&["a@x"]), list(&["a@y"])),
            NodeSpec::new(f(), list(&["a"]), list(&["b", "b"])),
            NodeSpec::new(f(), list(&["a@b@c"]), list(&["b"])),
        ];
        for spec in bad {
            assert!(Node::new(spec, NameStyle::Kedro1).is_err());
        }
        let mut spec = NodeSpec::new(f(), list(&["a"]), list(&["b"]));
        spec.name = Some("bad name".into());
        assert!(Node::new(spec, NameStyle::Kedro1).is_err());
    }
}
