//! Kedro pipelines and nodes, with Kedro's exact semantics.
//!
//! - [`Node`]: a node with its full name, namespace, inputs, outputs, tags, confirms and a [`FuncRef`] to the
//!   Python function it runs. Names follow Kedro 1.x (`func__<sha256[:8]>`) or 0.19 (`func([a;b]) -> [c]`),
//!   chosen by [`NameStyle`].
//! - [`Pipeline`]: a validated DAG of nodes in Kedro's topological order, with the namespace rename of
//!   `Pipeline(..., namespace=, inputs=, outputs=, parameters=)` ([`Pipeline::modular`]), the algebra
//!   `+ | & -` and `kedro run`'s filters ([`Filter`]).
//! - [`Registry`]: the ordered map that `register_pipelines()` returns.
//!
//! Everything is plain data and serde-serializable; nothing here reads Python.

mod error;
mod names;
mod node;
#[allow(clippy::module_inception)]
mod pipeline;
mod registry;

pub use error::PipelineError;
pub use names::{py_list_str, py_repr_str, strip_transcoding, transcode_split};
pub use node::{DatasetArg, FuncKind, FuncRef, NameStyle, Node, NodeSpec, RawNodeArgs, SourceSpan};
pub use pipeline::{Filter, ModularArgs, NameArg, Pipeline, PipelinePart};
pub use registry::Registry;

#[cfg(test)]
mod tests;
