//! # kdvc-session
//!
//! kdvc as a library. A [`Session`] is a Kedro project opened once; it gives, each read the first time it
//! is asked for and then kept:
//!
//! - the project ([`Session::project`]) and `[tool.kdvc]` with the [`Options`] applied over it
//!   ([`Session::kdvc_config`]);
//! - the Kedro configuration of the chosen environment ([`Session::kedro_config`]), its catalog and
//!   parameters;
//! - the pipeline registry, read statically or by Kedro itself ([`Options::reader`]), and the pipeline to
//!   translate ([`Session::pipeline`]);
//! - the translation: the plan and every file `kdvc translate` writes ([`Session::translation`]);
//! - the nodes' code fingerprints ([`Session::fingerprints`]).
//!
//! and the operations of the `kdvc` commands: [`Session::check`] and [`Session::write_translation`],
//! [`Session::param_edits`] for experiments, [`Session::update_fingerprints`], [`Session::trace`],
//! [`Session::diff`], the views of `kdvc pipelines`, `catalog` and `params`, and [`hash_paths`]. Every
//! result a command prints as JSON is a typed `Serialize` struct here.
//!
//! Errors are one enum, [`Error`], that keeps its causes as sources and names the file (and line and
//! column) where the cause knows them; rendering them is the caller's job, helped by [`Error::reports`]:
//! each [`Report`] is a message, a location with the end of the pointed-at token, a hint and the
//! causes. Non-fatal findings are collected as [`Warning`]s ([`Session::take_warnings`]), and
//! [`CheckOutcome::stale`] reports the stale files of `kdvc check`. Long operations (hashing raw data,
//! reading sources for fingerprints) report to a [`Progress`] ([`Session::with_progress`]).
//!
//! ```
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use kdvc_session::{Options, Session};
//!
//! // A small Kedro project: one node that keeps the warm cities.
//! let dir = tempfile::tempdir()?;
//! let root = dir.path();
//! let files = [
//!     (
//!         "pyproject.toml",
//!         "[tool.kedro]\npackage_name = \"demo\"\nproject_name = \"demo\"\n\
//!          kedro_init_version = \"1.7.0\"\nsource_dir = \"src\"\n",
//!     ),
//!     (
//!         "conf/base/catalog.yml",
//!         "temps:\n  type: pandas.CSVDataset\n  filepath: data/01_raw/temps.csv\n\
//!          warm_cities:\n  type: pandas.CSVDataset\n  filepath: data/02_intermediate/warm.csv\n",
//!     ),
//!     ("conf/base/parameters.yml", "above: 20  # degrees Celsius\n"),
//!     ("conf/local/.gitkeep", ""),
//!     ("data/01_raw/temps.csv", "city,celsius\nOslo,12\nRome,24\n"),
//!     ("src/demo/__init__.py", ""),
//!     (
//!         "src/demo/nodes.py",
//!         "def warm(temps, above):\n    return temps[temps.celsius > above]\n",
//!     ),
//!     (
//!         "src/demo/pipeline_registry.py",
//!         "from kedro.pipeline import Pipeline, node\n\nfrom demo.nodes import warm\n\n\n\
//!          def register_pipelines():\n    \
//!          return {\"__default__\": Pipeline([node(warm, [\"temps\", \"params:above\"], \
//!          \"warm_cities\", name=\"warm\")])}\n",
//!     ),
//! ];
//! for (path, text) in files {
//!     let path = root.join(path);
//!     std::fs::create_dir_all(path.parent().unwrap())?;
//!     std::fs::write(path, text)?;
//! }
//!
//! // Open it from a directory inside it; nothing is read until asked for.
//! let session = Session::open(root.join("src"), Options::default())?;
//! assert_eq!(session.parameters()?.lookup("params:above"), Some(20.into()));
//! let pipeline = session.pipeline()?;
//! assert_eq!(pipeline.nodes()[0].name, "warm");
//!
//! // What `kdvc translate` would write: one stage for the node, and the fingerprint stage.
//! let stages: Vec<&str> = session.plan()?.stages.iter().map(|s| s.name.as_str()).collect();
//! assert_eq!(stages, ["kdvc-fingerprint", "warm"]);
//! assert!(!session.check()?.up_to_date);
//!
//! // The node's code fingerprint, and its closure.
//! let fingerprint = &session.fingerprints()?.nodes["warm"];
//! let trace = session.trace("warm")?;
//! assert_eq!(&trace.fingerprint.hash, fingerprint);
//! assert!(trace.fingerprint.closure.iter().any(|s| s.symbol == "demo.nodes:warm"));
//!
//! // A typed error, with a hint.
//! let err = session.trace("cold").unwrap_err();
//! assert!(matches!(err, kdvc_session::Error::UnknownNode { .. }));
//! assert!(err.hint().is_some());
//! # Ok(())
//! # }
//! ```

pub mod code;
mod error;
mod experiment;
mod fingerprints;
mod hash;
mod inspect;
mod options;
mod progress;
mod report;
mod session;
mod translation;
mod warning;

pub use error::{Error, KedroError, PipelineOrigin, Result};
pub use experiment::{ParamChange, ParamEdits, PlannedRun, sweep};
pub use fingerprints::{FingerprintReport, NodeDiff, NodeHash, TraceReport};
pub use hash::{HashedPath, hash_paths};
pub use inspect::{
    CatalogView, DatasetView, NodeView, ParamLeaf, ParamOrigin, ParamsView, PipelineView,
    PipelinesView,
};
pub use options::{Options, PipelineReader};
pub use progress::{Progress, Task};
pub use report::{Level, Report};
pub use session::{DEFAULT_PIPELINE, NodeFingerprints, Session};
pub use translation::CheckOutcome;
pub use warning::Warning;

/// The DVC model (`dvc.yaml`, `.dvc` files, hashing).
pub use kdvc_dvc_model as dvc_model;
/// The Kedro model (project, configuration, catalog, parameters, pipelines) a session reads.
pub use kdvc_kedro_model as kedro_model;
/// The translation (plan, files, `[tool.kdvc]`) a session computes.
pub use kdvc_translate as translate;
