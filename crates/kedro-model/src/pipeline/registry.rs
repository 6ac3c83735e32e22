//! The pipeline registry: what `register_pipelines()` returns.

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use super::{Pipeline, PipelineError};

/// Registered pipelines by name, in registration order; `__default__` is what `kedro run` runs.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Registry {
    /// Name -> pipeline.
    pub pipelines: IndexMap<String, Pipeline>,
}

impl Registry {
    /// The name of the pipeline `kedro run` runs without `--pipelines`.
    pub const DEFAULT: &'static str = "__default__";

    /// The pipeline registered under `name`.
    pub fn get(&self, name: &str) -> Option<&Pipeline> {
        self.pipelines.get(name)
    }

    /// Registered names, sorted (as `kedro registry list` prints them).
    pub fn names(&self) -> Vec<&str> {
        let mut v: Vec<&str> = self.pipelines.keys().map(String::as_str).collect();
        v.sort_unstable();
        v
    }

    /// `kedro run --pipelines a,b`: the union of the named pipelines (`__default__` when none is given).
    pub fn select(&self, names: &[String]) -> Result<Pipeline, PipelineError> {
        let default = [Self::DEFAULT.to_owned()];
        let names = if names.is_empty() {
            &default[..]
        } else {
            names
        };
        let mut acc = Pipeline::empty();
        for n in names {
            let p = self
                .get(n)
                .ok_or_else(|| PipelineError::UnknownPipeline { name: n.clone() })?;
            acc = acc.union(p)?;
        }
        Ok(acc)
    }
}
