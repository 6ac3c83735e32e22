//! # kdvc-kedro-model
//!
//! A static model of a [Kedro](https://kedro.org) project, read without Python:
//!
//! - project discovery (`pyproject.toml` with `[tool.kedro]`, the literal parts of `settings.py`);
//! - configuration loading with the rules of Kedro's `OmegaConfigLoader` (environments, file patterns,
//!   merge strategies, `${...}` interpolation, `globals` and `runtime_params` resolvers, YAML 1.1 scalars);
//! - the data catalog (explicit entries, dataset factories, transcoding, versioned and partitioned datasets);
//! - parameters and where each value is defined;
//! - pipelines and nodes, with Kedro's exact node names, namespace renaming and pipeline algebra.
//!
//! What it leaves out: anything that needs Python to run. Reading Python source is the job of
//! `kdvc-pipeline`, which builds the pipeline types defined here; the one exception is the small
//! evaluator of `settings.py`'s custom resolvers ([`settings::resolvers`]: lambdas and simple functions),
//! which configuration loading needs. Other custom resolvers, hooks that change the catalog at run time and
//! dataset classes' own behaviour are not modelled.
//!
//! The entry point is [`Project::discover`], then [`KedroConfig::load`] for the configuration of one
//! environment:
//!
//! ```
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use kdvc_kedro_model::{KedroConfig, LoadOptions, Project};
//!
//! let dir = tempfile::tempdir()?;
//! let root = dir.path();
//! std::fs::write(
//!     root.join("pyproject.toml"),
//!     "[tool.kedro]\npackage_name = \"shop\"\nproject_name = \"shop\"\nkedro_init_version = \"1.7.0\"\n",
//! )?;
//! for d in ["conf/base", "conf/local", "src/shop"] {
//!     std::fs::create_dir_all(root.join(d))?;
//! }
//! std::fs::write(
//!     root.join("conf/base/catalog.yml"),
//!     "\"{name}_raw\":\n  type: pandas.CSVDataset\n  filepath: data/01_raw/{name}.csv\n",
//! )?;
//! std::fs::write(root.join("conf/base/parameters.yml"), "split:\n  test_size: 0.2\n")?;
//!
//! let project = Project::discover(root)?;
//! let config = KedroConfig::load(&project, &LoadOptions::default())?;
//! // A dataset factory resolves as Kedro resolves it.
//! let orders = config.catalog().resolve("orders_raw");
//! assert_eq!(orders.type_name, "kedro_datasets.pandas.CSVDataset");
//! assert_eq!(orders.filepath.as_deref(), Some("data/01_raw/orders.csv"));
//! // Every parameter knows where it is defined.
//! let defined = config.parameters().provenance("split.test_size").expect("a parameter");
//! assert_eq!((defined.file.to_str(), defined.line), (Some("conf/base/parameters.yml"), 2));
//! # Ok(())
//! # }
//! ```

pub mod catalog;
pub mod config;
pub mod error;
#[doc(hidden)]
pub mod fuzz;
pub mod limits;
pub mod params;
pub mod pipeline;
pub mod project;
pub mod settings;
pub mod value;
pub mod yaml;

pub use catalog::{Catalog, DatasetInfo};
pub use config::{Deferred, DeferredKind, KedroConfig, LoadOptions};
pub use error::{Error, Location, Result};
pub use params::{Parameters, Provenance};
pub use project::{Project, ProjectMetadata};
pub use settings::{MergeStrategy, Setting, Settings};
