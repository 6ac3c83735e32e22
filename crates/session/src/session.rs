//! [`Session`]: a Kedro project opened once; everything else is read when first asked for, then kept.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock};

use kdvc_kedro_model::config::{KedroConfig, LoadOptions};
use kdvc_kedro_model::pipeline::{Node, Pipeline, Registry};
use kdvc_kedro_model::{Catalog, DeferredKind, Parameters, Project};
use kdvc_translate::config::Introspect;
use kdvc_translate::{KdvcConfig, Plan, Translation};

use crate::code::{self, FsSource, Severity};
use crate::error::{Error, PipelineOrigin, Result};
use crate::options::{Options, PipelineReader};
use crate::progress::{Progress, ReportingSource};
use crate::warning::Warning;

/// The pipeline translated when neither the options nor `[tool.kdvc]` name one.
pub const DEFAULT_PIPELINE: &str = "__default__";

/// A Kedro project opened for kdvc.
///
/// [`Session::open`] only finds the project. The configuration, the pipelines, the translation and the
/// fingerprints are read the first time they are asked for and kept, so a command (or a tool embedding
/// kdvc) pays only for what it uses, and errors come from the first thing that cannot be read. Warnings
/// found on the way are collected; see [`Session::take_warnings`].
#[derive(Debug)]
pub struct Session {
    project: Project,
    options: Options,
    kdvc_config: OnceLock<KdvcConfig>,
    kedro_config: OnceLock<KedroConfig>,
    parameters: OnceLock<Parameters>,
    credentials_warned: OnceLock<()>,
    registry: OnceLock<Registry>,
    translation: OnceLock<Translation>,
    fingerprints: OnceLock<NodeFingerprints>,
    warnings: Mutex<Vec<Warning>>,
    progress: Option<Arc<dyn Progress>>,
}

/// The code fingerprint of every node of the target pipeline, computed from the work tree.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct NodeFingerprints {
    /// Node name to fingerprint (hex), sorted by name.
    pub nodes: BTreeMap<String, String>,
    /// The Python version the fingerprints record.
    pub python: String,
}

/// Returns the value in `cell`, computing and storing it first when there is none.
fn lazy<T>(cell: &OnceLock<T>, init: impl FnOnce() -> Result<T>) -> Result<&T> {
    if let Some(value) = cell.get() {
        return Ok(value);
    }
    let value = init()?;
    Ok(cell.get_or_init(|| value))
}

impl Session {
    /// Finds the Kedro project around `start` (the directory itself or a parent with a `pyproject.toml`
    /// holding `[tool.kedro]`). Nothing else is read yet.
    pub fn open(start: impl AsRef<Path>, options: Options) -> Result<Self> {
        let start = start.as_ref();
        // An absolute path makes "not a Kedro project" name the real directory.
        let start = std::path::absolute(start).unwrap_or_else(|_| start.to_path_buf());
        let project = Project::discover(&start).map_err(|e| Error::kedro(e, None))?;
        Ok(Self {
            project,
            options,
            kdvc_config: OnceLock::new(),
            kedro_config: OnceLock::new(),
            parameters: OnceLock::new(),
            credentials_warned: OnceLock::new(),
            registry: OnceLock::new(),
            translation: OnceLock::new(),
            fingerprints: OnceLock::new(),
            warnings: Mutex::new(Vec::new()),
            progress: None,
        })
    }

    /// The project: its root and `[tool.kedro]` metadata.
    pub fn project(&self) -> &Project {
        &self.project
    }

    /// The project root (absolute).
    pub fn root(&self) -> &Path {
        &self.project.root
    }

    /// The options the session was opened with.
    pub fn options(&self) -> &Options {
        &self.options
    }

    /// The warnings collected since the last call, in the order they were found.
    pub fn take_warnings(&self) -> Vec<Warning> {
        std::mem::take(&mut *self.lock_warnings())
    }

    fn lock_warnings(&self) -> std::sync::MutexGuard<'_, Vec<Warning>> {
        self.warnings
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub(crate) fn warn(&self, warning: Warning) {
        self.lock_warnings().push(warning);
    }

    /// `[tool.kdvc]` from `pyproject.toml` (defaults when absent), with [`Options::env`] and
    /// [`Options::pipeline`] applied over it.
    pub fn kdvc_config(&self) -> Result<&KdvcConfig> {
        lazy(&self.kdvc_config, || {
            let mut cfg = KdvcConfig::load(&self.project.root)?;
            if self.options.env.is_some() {
                cfg.env.clone_from(&self.options.env);
            }
            if self.options.pipeline.is_some() {
                cfg.pipeline.clone_from(&self.options.pipeline);
            }
            Ok(cfg)
        })
    }

    /// The environment asked for: [`Options::env`], else `[tool.kdvc] env` when
    /// [`Options::env_from_tool_config`] is set; `None` leaves the choice to Kedro's rules.
    pub fn requested_env(&self) -> Result<Option<&str>> {
        if self.options.env.is_some() || !self.options.env_from_tool_config {
            return Ok(self.options.env.as_deref());
        }
        Ok(self.kdvc_config()?.env.as_deref())
    }

    /// This session, reporting the progress of long operations (hashing raw data, reading sources for
    /// fingerprints) to `progress`.
    #[must_use]
    pub fn with_progress(mut self, progress: Arc<dyn Progress>) -> Self {
        self.progress = Some(progress);
        self
    }

    /// `src`, reporting the files it reads when the session has a [`Progress`].
    pub(crate) fn with_source_progress<T>(
        &self,
        src: &dyn code::SourceProvider,
        body: impl FnOnce(&dyn code::SourceProvider) -> T,
    ) -> T {
        match &self.progress {
            Some(progress) => body(&ReportingSource::new(src, progress.as_ref())),
            None => body(src),
        }
    }

    /// The Kedro configuration (globals, parameters, credentials, catalog) of the requested environment,
    /// with [`Options::runtime_params`].
    ///
    /// What the catalog and the credentials leave unresolved without a dataset location depending on it
    /// (missing credentials, unset environment variables, runtime parameters without a default) becomes a
    /// [`Warning::Config`] each.
    pub fn kedro_config(&self) -> Result<&KedroConfig> {
        lazy(&self.kedro_config, || {
            let config = KedroConfig::load(&self.project, &self.load_options()?)
                .map_err(|e| self.kedro_error(e))?;
            for deferred in &config.deferred {
                // Translate refuses missing credentials (see `Session::translation`); the commands that
                // read the catalog warn about them.
                if !matches!(deferred.kind, DeferredKind::MissingCredentials { .. }) {
                    self.warn(Warning::Config(deferred.clone()));
                }
            }
            Ok(config)
        })
    }

    fn load_options(&self) -> Result<LoadOptions> {
        Ok(LoadOptions {
            env: self.requested_env()?.map(str::to_owned),
            runtime_params: self.options.runtime_params.clone(),
            environ: None,
        })
    }

    /// A kedro-model error of this project; an environment that does not exist points at the
    /// `[tool.kdvc] env` line when that is where its name came from.
    fn kedro_error(&self, source: kdvc_kedro_model::Error) -> Error {
        let from_tool_config = self.options.env.is_none() && self.options.env_from_tool_config;
        let at = match &source {
            kdvc_kedro_model::Error::MissingEnvironment { .. } if from_tool_config => {
                crate::report::tool_kdvc_key(&self.project.root, "env")
            }
            _ => None,
        };
        let mut err = Error::kedro(source, Some(&self.project.root));
        if let Error::Kedro(kedro) = &mut err {
            kedro.at = at;
        }
        err
    }

    /// The resolved catalog. A `credentials` name no file defines is a [`Warning::Config`] (once).
    pub fn catalog(&self) -> Result<&Catalog> {
        let config = self.kedro_config()?;
        self.credentials_warned.get_or_init(|| {
            for deferred in &config.deferred {
                if matches!(deferred.kind, DeferredKind::MissingCredentials { .. }) {
                    self.warn(Warning::Config(deferred.clone()));
                }
            }
        });
        Ok(config.catalog())
    }

    /// The merged parameters. Like Kedro's `context.params`, they are read without the catalog and the
    /// credentials, so nothing there can fail them.
    pub fn parameters(&self) -> Result<&Parameters> {
        if let Some(config) = self.kedro_config.get() {
            return Ok(config.parameters());
        }
        lazy(&self.parameters, || {
            KedroConfig::load_parameters(&self.project, &self.load_options()?)
                .map_err(|e| self.kedro_error(e))
        })
    }

    /// The registered pipelines, read as [`Options::reader`] says. The static reader's warnings are
    /// collected; its errors fail with [`Error::StaticPipelines`], unless the reader is
    /// [`PipelineReader::Auto`] and Kedro itself can answer (then one [`Warning::Introspected`] names the
    /// first construct the static reader refused).
    pub fn registry(&self) -> Result<&Registry> {
        lazy(&self.registry, || {
            if self.project.kedro_major_minor().0 == 0 {
                self.warn(Warning::KedroVersion(
                    self.project.metadata.kedro_init_version.clone(),
                ));
            }
            let reader = match &self.options.reader {
                // Commands that do not otherwise read `[tool.kdvc]` (it may hold tables of other tools,
                // such as `k8s`) take the default when it does not load; those that do report its error.
                PipelineReader::Configured => match self
                    .kdvc_config()
                    .map_or(Introspect::default(), |c| c.introspect)
                {
                    Introspect::Never => PipelineReader::Static,
                    Introspect::Auto => PipelineReader::Auto { python: None },
                    Introspect::Always => PipelineReader::Introspect { python: None },
                },
                other => other.clone(),
            };
            match reader {
                PipelineReader::Introspect { python } => self.introspected(python.as_deref()),
                PipelineReader::Auto { python } => match self.read_statically() {
                    Err(Error::StaticPipelines { diagnostics, root }) => {
                        let registry = match self.introspected(python.as_deref()) {
                            Ok(registry) => registry,
                            Err(err) => {
                                // Kedro could not be asked either: the located refusal is the answer.
                                self.warn(Warning::IntrospectionFailed(Box::new(err)));
                                return Err(Error::StaticPipelines { diagnostics, root });
                            }
                        };
                        if let Some(first) = diagnostics.into_iter().next() {
                            self.warn(Warning::Introspected(first));
                        }
                        Ok(registry)
                    }
                    other => other,
                },
                PipelineReader::Static | PipelineReader::Configured => self.read_statically(),
            }
        })
    }

    /// The registry from Kedro itself.
    fn introspected(&self, python: Option<&Path>) -> Result<Registry> {
        let env = self.requested_env()?;
        code::introspect(&self.project.root, python, env)
            .map_err(|source| Error::Introspect { source })
    }

    /// The registry from the static reader; its warnings are collected.
    fn read_statically(&self) -> Result<Registry> {
        let (registry, diagnostics) = code::extract_static(&self.project)?;
        let (errors, warnings): (Vec<_>, Vec<_>) = diagnostics
            .into_iter()
            .partition(|d| d.severity == Severity::Error);
        for w in warnings {
            self.warn(Warning::Pipeline(w));
        }
        match registry {
            Some(registry) if errors.is_empty() => Ok(registry),
            _ => Err(Error::StaticPipelines {
                diagnostics: errors,
                root: self.project.root.clone(),
            }),
        }
    }

    /// The registered pipeline `name`, or [`Error::UnknownPipeline`] naming the registered ones.
    pub fn registered_pipeline(&self, name: &str, origin: PipelineOrigin) -> Result<&Pipeline> {
        let registry = self.registry()?;
        registry.get(name).ok_or_else(|| Error::UnknownPipeline {
            name: name.to_owned(),
            registered: registry.names().into_iter().map(str::to_owned).collect(),
            origin,
        })
    }

    /// The name of the pipeline to translate: [`Options::pipeline`], else `[tool.kdvc] pipeline`, else
    /// [`DEFAULT_PIPELINE`].
    pub fn pipeline_name(&self) -> Result<&str> {
        Ok(self
            .kdvc_config()?
            .pipeline
            .as_deref()
            .unwrap_or(DEFAULT_PIPELINE))
    }

    /// The pipeline to translate (see [`Session::pipeline_name`]).
    pub fn pipeline(&self) -> Result<&Pipeline> {
        let name = self.pipeline_name()?;
        self.registered_pipeline(name, PipelineOrigin::Target)
    }

    /// Every node of every registered pipeline, once each, sorted by name.
    pub fn all_nodes(&self) -> Result<Vec<&Node>> {
        let mut seen = BTreeMap::new();
        for pipeline in self.registry()?.pipelines.values() {
            for node in pipeline.nodes() {
                seen.entry(node.name.as_str()).or_insert(node);
            }
        }
        Ok(seen.into_values().collect())
    }

    /// What `kdvc translate` writes for the target pipeline: the plan, every changed file and the
    /// summary. Nothing is written; see [`Session::write_translation`].
    pub fn translation(&self) -> Result<&Translation> {
        lazy(&self.translation, || {
            let cfg = self.kdvc_config()?;
            let kedro = self.kedro_config()?;
            // A `credentials` name no file defines stays a refusal of translate: every stage runs
            // `kedro run`, which creates the whole catalog and fails without it.
            if let Some(missing) = kedro.deferred.iter().find_map(|d| match &d.kind {
                DeferredKind::MissingCredentials { name } => {
                    Some(kdvc_kedro_model::Error::MissingCredentials {
                        location: d.location.clone(),
                        name: name.clone(),
                    })
                }
                _ => None,
            }) {
                return Err(self.kedro_error(missing));
            }
            let pipeline = self.pipeline()?;
            let translation = match &self.progress {
                Some(progress) => kdvc_translate::prepare_project_with(
                    &self.project,
                    cfg,
                    kedro,
                    pipeline,
                    &crate::progress::hash_reporter(progress.as_ref()),
                ),
                None => kdvc_translate::prepare_project(&self.project, cfg, kedro, pipeline),
            };
            Ok(translation?)
        })
    }

    /// The translation plan: stages, raw inputs, fused groups.
    pub fn plan(&self) -> Result<&Plan> {
        Ok(&self.translation()?.plan)
    }

    /// The code fingerprint of every node of the target pipeline, from the work tree. Nothing is recorded
    /// (`kdvc fingerprint` does that: [`Session::update_fingerprints`]); the summary caches under `.kdvc/`
    /// are used and refreshed. Fallback warnings are collected.
    pub fn fingerprints(&self) -> Result<&NodeFingerprints> {
        lazy(&self.fingerprints, || {
            let catalog = self.catalog()?;
            let pipeline = self.pipeline()?;
            let entries =
                kdvc_translate::fingerprints::entries(&self.project, pipeline.nodes(), catalog);
            let src = FsSource::new(self.project.root.clone());
            let engine = kdvc_translate::fingerprints::engine(&self.project, true);
            let set =
                self.with_source_progress(&src, |src| engine.fingerprint_entries(src, &entries))?;
            for w in set.warnings {
                self.warn(Warning::Fingerprint(w));
            }
            Ok(NodeFingerprints {
                nodes: set.nodes.into_iter().collect(),
                python: set.python,
            })
        })
    }
}
