//! Configuration loading with the rules of Kedro's `OmegaConfigLoader` (kedro/config/omegaconf_config.py):
//! file patterns, the base and run environments, duplicate keys, per-environment interpolation, runtime
//! parameters and the destructive or soft merge of environments.

pub(crate) mod interp;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use indexmap::IndexMap;

use crate::catalog::Catalog;
use crate::error::{Error, Location, Result};
use crate::params::Parameters;
use crate::project::Project;
use crate::settings::MergeStrategy;
use crate::value::{Map, Node, Origin, Value};

/// The config keys kdvc loads, in the order Kedro reads them.
pub const CONFIG_KEYS: [&str; 4] = ["globals", "parameters", "credentials", "catalog"];

/// Kedro's default glob patterns for a config key.
pub fn default_patterns(key: &str) -> Vec<String> {
    let p: &[&str] = match key {
        "catalog" => &["catalog*", "catalog*/**", "**/catalog*"],
        "parameters" => &["parameters*", "parameters*/**", "**/parameters*"],
        "credentials" => &["credentials*", "credentials*/**", "**/credentials*"],
        "globals" => &["globals.yml"],
        _ => &[],
    };
    p.iter().map(|s| (*s).to_string()).collect()
}

/// How to load: the run environment and the `--params` overrides.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// `--env`; when `None`, `KEDRO_ENV`, then `default_run_env` from settings.
    pub env: Option<String>,
    /// `--params` as Kedro's CLI takes it: `a=1,b.c=x`.
    pub runtime_params: Option<String>,
    /// Environment variables to use instead of the process's (`KEDRO_ENV`, and `oc.env` in credentials).
    pub environ: Option<BTreeMap<String, String>>,
}

/// One configuration file that was read.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ConfigFile {
    /// The config key (`catalog`, `parameters`, `credentials`, `globals`).
    pub key: String,
    /// The environment directory name.
    pub env: String,
    /// The file, relative to the project root.
    pub path: PathBuf,
}

/// Something in the catalog or the credentials that Kedro would have to resolve before it can create the
/// catalog, which kdvc leaves aside because no location depends on it (a dataset's location that depends
/// on it is an error instead). `kedro run` fails until it is given.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Deferred {
    /// Where it is.
    pub location: Location,
    /// What it is.
    pub kind: DeferredKind,
    /// What Kedro would say, and that kdvc goes on without it.
    pub message: String,
    /// What to do before `kedro run`.
    pub hint: String,
}

/// What kind of [`Deferred`] value.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DeferredKind {
    /// A dataset's `credentials` name that no credentials file defines.
    MissingCredentials {
        /// The credentials key.
        name: String,
    },
    /// `${runtime_params:key}` without a default, and `--params` does not give it.
    RuntimeParam {
        /// The whole expression.
        expression: String,
    },
    /// `${oc.env:VAR}` without a default, and the variable is not set.
    EnvironmentVariable {
        /// The whole expression.
        expression: String,
    },
}

/// The configuration of a project as Kedro's loader returns it for one environment.
#[derive(Debug, Clone)]
pub struct KedroConfig {
    /// The project root.
    pub root: PathBuf,
    /// The conf root, relative to the project root.
    pub conf_source: PathBuf,
    /// The base environment name (`""` means the conf root itself).
    pub base_env: String,
    /// The run environment name.
    pub env: String,
    /// Every file read, in reading order.
    pub files: Vec<ConfigFile>,
    /// Non-fatal notes (e.g. no catalog files).
    pub warnings: Vec<String>,
    /// What the catalog and the credentials leave unresolved (see [`Deferred`]), in reading order.
    pub deferred: Vec<Deferred>,
    globals: Map,
    runtime_params: Map,
    catalog_config: Map,
    credentials: Map,
    parameters: Parameters,
    catalog: Catalog,
}

impl KedroConfig {
    /// Loads globals, parameters, credentials and catalog of `project` as Kedro 1.x would.
    ///
    /// Credentials matter to kdvc only by name, so credentials kdvc cannot resolve, a `credentials` name no
    /// file defines, and a `${runtime_params:...}` or `${oc.env:...}` in the catalog that is not given do
    /// not fail the load unless a dataset's location depends on them: they are listed in
    /// [`KedroConfig::deferred`] instead.
    pub fn load(project: &Project, options: &LoadOptions) -> Result<Self> {
        Loader::new(project, options)?.load()
    }

    /// Loads only what Kedro's `context.params` reads: globals and parameters (with `--params`). The
    /// catalog and the credentials are not read, so nothing in them can fail this.
    pub fn load_parameters(project: &Project, options: &LoadOptions) -> Result<Parameters> {
        let mut loader = Loader::new(project, options)?;
        loader.check_envs()?;
        let globals = loader.load_key("globals", None)?.unwrap_or_default();
        let parameters = match loader.load_key("parameters", Some(&globals))? {
            Some(p) => p,
            None => loader.runtime.clone(),
        };
        Ok(Parameters::new(parameters))
    }

    /// The resolved catalog.
    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// The merged parameters.
    pub fn parameters(&self) -> &Parameters {
        &self.parameters
    }

    /// The merged, resolved `globals`.
    pub fn globals(&self) -> &Map {
        &self.globals
    }

    /// The runtime parameters parsed from `--params`.
    pub fn runtime_params(&self) -> &Map {
        &self.runtime_params
    }

    /// The run environment.
    pub fn env(&self) -> &str {
        &self.env
    }

    /// The catalog configuration as `config_loader["catalog"]` gives it (merged, interpolated, `_` keys
    /// dropped; paths still as written, credentials still names).
    pub fn catalog_config(&self) -> &Map {
        &self.catalog_config
    }

    /// The names of the credentials entries (their values are never exposed).
    pub fn credential_names(&self) -> Vec<&str> {
        self.credentials.keys().map(String::as_str).collect()
    }
}

/// Parses a `--params` string with Kedro's `_split_params` rules: split on every comma, strip, drop empty
/// items; each item `key=value` with a non-empty key; values typed as YAML; dotted keys nest.
pub fn parse_runtime_params(input: &str) -> Result<Map> {
    let mut out = Map::new();
    for item in input.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let Some((key, value)) = item.split_once('=') else {
            return Err(Error::RuntimeParams {
                input: input.to_string(),
                message: format!("item `{item}` must contain a key and a value separated by `=`"),
            });
        };
        let key = key.trim();
        if key.is_empty() {
            return Err(Error::RuntimeParams {
                input: input.to_string(),
                message: "parameter key cannot be an empty string".into(),
            });
        }
        let parsed = crate::yaml::parse(value, Path::new(Origin::RUNTIME_PARAMS)).map_err(|e| {
            Error::RuntimeParams {
                input: input.to_string(),
                message: format!("the value of `{key}` is not valid YAML: {e}"),
            }
        })?;
        let mut node = parsed.unwrap_or_else(|| Node::new(Value::Null, Origin::runtime()));
        set_origin(&mut node, &Origin::runtime());
        let segs: Vec<&str> = key.split('.').collect();
        insert_path(&mut out, &segs, node);
    }
    Ok(out)
}

fn set_origin(node: &mut Node, origin: &Origin) {
    node.origin = origin.clone();
    match &mut node.value {
        Value::List(l) => l.iter_mut().for_each(|n| set_origin(n, origin)),
        Value::Map(m) => m.values_mut().for_each(|n| set_origin(n, origin)),
        _ => {}
    }
}

/// `OmegaConf.update(cfg, "a.b.c", value, merge=True)`.
fn insert_path(map: &mut Map, segs: &[&str], value: Node) {
    let Some((first, rest)) = segs.split_first() else {
        return;
    };
    if rest.is_empty() {
        match map.get_mut(*first) {
            Some(existing)
                if matches!(existing.value, Value::Map(_))
                    && matches!(value.value, Value::Map(_)) =>
            {
                deep_merge(existing, value);
            }
            _ => {
                map.insert((*first).to_string(), value);
            }
        }
        return;
    }
    let entry = map
        .entry((*first).to_string())
        .or_insert_with(|| Node::new(Value::Map(Map::new()), Origin::runtime()));
    if !matches!(entry.value, Value::Map(_)) {
        *entry = Node::new(Value::Map(Map::new()), Origin::runtime());
    }
    if let Value::Map(m) = &mut entry.value {
        insert_path(m, rest, value);
    }
}

/// `OmegaConf.unsafe_merge(dest, src)`: mappings merge key by key, everything else is replaced.
pub(crate) fn deep_merge(dest: &mut Node, src: Node) {
    match (&mut dest.value, src.value) {
        (Value::Map(d), Value::Map(s)) => {
            for (k, v) in s {
                match d.get_mut(&k) {
                    Some(existing)
                        if matches!(existing.value, Value::Map(_))
                            && matches!(v.value, Value::Map(_)) =>
                    {
                        deep_merge(existing, v);
                    }
                    _ => {
                        d.insert(k, v);
                    }
                }
            }
        }
        (_, value) => {
            dest.value = value;
            dest.origin = src.origin;
            dest.refs = src.refs;
        }
    }
}

/// A lookup of environment variables.
type Environ<'p> = Box<dyn Fn(&str) -> Option<String> + 'p>;

struct Loader<'p> {
    project: &'p Project,
    conf_dir: PathBuf,
    conf_source: PathBuf,
    base_env: String,
    run_env: String,
    patterns: IndexMap<String, Vec<String>>,
    ignore_hidden: bool,
    runtime: Map,
    environ: Environ<'p>,
    files: Vec<ConfigFile>,
    warnings: Vec<String>,
    deferred: Vec<Deferred>,
}

/// One parsed file of one env.
struct Parsed {
    rel: PathBuf,
    node: Node,
}

impl<'p> Loader<'p> {
    fn new(project: &'p Project, options: &'p LoadOptions) -> Result<Self> {
        let s = &project.settings;
        let conf_source = PathBuf::from(s.conf_source.get("CONF_SOURCE")?);
        let conf_dir = project.root.join(&conf_source);
        let base_env = s.base_env.get("CONFIG_LOADER_ARGS[\"base_env\"]")?.clone();
        let default_run_env = s
            .default_run_env
            .get("CONFIG_LOADER_ARGS[\"default_run_env\"]")?
            .clone();
        let mut patterns: IndexMap<String, Vec<String>> = CONFIG_KEYS
            .iter()
            .map(|k| ((*k).to_string(), default_patterns(k)))
            .collect();
        for (k, v) in s
            .config_patterns
            .get("CONFIG_LOADER_ARGS[\"config_patterns\"]")?
        {
            patterns.insert(k.clone(), v.clone());
        }
        let ignore_hidden = *s
            .ignore_hidden
            .get("CONFIG_LOADER_ARGS[\"ignore_hidden\"]")?;
        let environ: Environ<'p> = match &options.environ {
            Some(map) => Box::new(move |k: &str| map.get(k).cloned()),
            None => Box::new(|k: &str| std::env::var(k).ok()),
        };
        let run_env = options
            .env
            .clone()
            .filter(|e| !e.is_empty())
            .or_else(|| environ("KEDRO_ENV").filter(|e| !e.is_empty()))
            .unwrap_or(default_run_env);
        let runtime = match &options.runtime_params {
            Some(p) => parse_runtime_params(p)?,
            None => Map::new(),
        };
        Ok(Self {
            project,
            conf_dir,
            conf_source,
            base_env,
            run_env,
            patterns,
            ignore_hidden,
            runtime,
            environ,
            files: Vec::new(),
            warnings: Vec::new(),
            deferred: Vec::new(),
        })
    }

    fn rel(&self, p: &Path) -> PathBuf {
        self.project.relative(p).to_path_buf()
    }

    fn env_dir(&self, env: &str) -> Result<PathBuf> {
        let dir = if env.is_empty() {
            self.conf_dir.clone()
        } else {
            self.conf_dir.join(env)
        };
        if !dir.is_dir() {
            let others = self.existing_envs();
            return Err(Error::MissingEnvironment {
                path: self.rel(&dir),
                env: env.to_string(),
                hint: if others.is_empty() {
                    format!("create the directory {}", self.rel(&dir).display())
                } else {
                    format!(
                        "create the directory {} or choose one of: {}",
                        self.rel(&dir).display(),
                        others.join(", ")
                    )
                },
            });
        }
        Ok(dir)
    }

    fn existing_envs(&self) -> Vec<String> {
        let mut envs: Vec<String> = std::fs::read_dir(&self.conf_dir)
            .into_iter()
            .flatten()
            .flatten()
            .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
            .filter_map(|e| e.file_name().to_str().map(str::to_string))
            .filter(|n| !n.starts_with('.'))
            .collect();
        envs.sort();
        envs
    }

    /// The environments must exist (Kedro raises on first access to catalog or parameters).
    fn check_envs(&self) -> Result<()> {
        self.env_dir(&self.base_env)?;
        if self.run_env != self.base_env {
            self.env_dir(&self.run_env)?;
        }
        Ok(())
    }

    fn load(mut self) -> Result<KedroConfig> {
        self.check_envs()?;
        let globals = match self.load_key("globals", None)? {
            Some(g) => g,
            None => Map::new(),
        };
        let parameters = match self.load_key("parameters", Some(&globals))? {
            Some(p) => p,
            None => self.runtime.clone(),
        };
        let credentials = self
            .load_key("credentials", Some(&globals))?
            .unwrap_or_default();
        let catalog_config = match self.load_key("catalog", Some(&globals))? {
            Some(c) => c,
            None => {
                self.warnings.push(format!(
                    "no catalog files in {}: Kedro would fail to create the catalog",
                    self.conf_source.display()
                ));
                Map::new()
            }
        };
        check_locations(&catalog_config)?;
        for (location, name) in crate::catalog::missing_credentials(&catalog_config, &credentials) {
            self.deferred.push(Deferred {
                location,
                message: format!(
                    "unable to find credentials '{name}'; kdvc reads the catalog without them, but Kedro \
                     cannot create it"
                ),
                hint: format!(
                    "define '{name}' in conf/<env>/credentials.yml (usually conf/local, which git ignores) \
                     where `kedro run` runs"
                ),
                kind: DeferredKind::MissingCredentials { name },
            });
        }
        let catalog = Catalog::new(&catalog_config, &credentials, &self.project.root)?;
        Ok(KedroConfig {
            root: self.project.root.clone(),
            conf_source: self.conf_source,
            base_env: self.base_env,
            env: self.run_env,
            files: self.files,
            warnings: self.warnings,
            deferred: self.deferred,
            globals,
            runtime_params: self.runtime,
            catalog_config,
            credentials,
            parameters: Parameters::new(parameters),
            catalog,
        })
    }

    /// `config_loader[key]`; `None` for Kedro's `MissingConfigException` (no files at all).
    fn load_key(&mut self, key: &str, globals: Option<&Map>) -> Result<Option<Map>> {
        let patterns = self.patterns.get(key).cloned().unwrap_or_default();
        let base_env = self.base_env.clone();
        let run_env = self.run_env.clone();
        let base_files = self.read_env(key, &base_env, &patterns, globals)?;
        let base_count = base_files.len();
        let base = self.merge_and_resolve(key, base_files, globals)?;
        if run_env == base_env {
            return Ok(if base_count == 0 && key != "globals" {
                None
            } else {
                Some(base)
            });
        }
        let env_files = self.read_env(key, &run_env, &patterns, globals)?;
        let env_count = env_files.len();
        let env = self.merge_and_resolve(key, env_files, globals)?;
        if base_count + env_count == 0 && key != "globals" {
            return Ok(None);
        }
        let strategy = self.project.settings.merge_strategy_for(key)?;
        Ok(Some(match strategy {
            MergeStrategy::Destructive => {
                let mut out = base;
                for (k, v) in env {
                    out.insert(k, v);
                }
                out
            }
            MergeStrategy::Soft => {
                let mut dest = Node::new(Value::Map(base), Origin::runtime());
                deep_merge(&mut dest, Node::new(Value::Map(env), Origin::runtime()));
                match dest.value {
                    Value::Map(m) => m,
                    _ => Map::new(),
                }
            }
        }))
    }

    fn matcher(patterns: &[String]) -> Result<GlobSet> {
        let mut b = GlobSetBuilder::new();
        for p in patterns {
            let p = p.trim_end_matches('/');
            if p.is_empty() {
                continue;
            }
            let glob = GlobBuilder::new(p)
                .literal_separator(true)
                .backslash_escape(true)
                .build()
                .map_err(|e| Error::InvalidSetting {
                    location: Location::file("settings.py"),
                    setting: "CONFIG_LOADER_ARGS[\"config_patterns\"]".into(),
                    message: format!("invalid glob pattern '{p}': {e}"),
                })?;
            b.add(glob);
        }
        b.build().map_err(|e| Error::InvalidSetting {
            location: Location::file("settings.py"),
            setting: "CONFIG_LOADER_ARGS[\"config_patterns\"]".into(),
            message: e.to_string(),
        })
    }

    /// The files of `env` matching `patterns`, hidden ones dropped, `.yml`/`.yaml`/`.json` only, sorted.
    fn discover(&self, env: &str, patterns: &[String]) -> Result<Vec<PathBuf>> {
        let dir = self.env_dir(env)?;
        let set = Self::matcher(patterns)?;
        let mut out = Vec::new();
        for entry in walkdir::WalkDir::new(&dir)
            .follow_links(true)
            .min_depth(1)
            .sort_by_file_name()
        {
            let Ok(entry) = entry else { continue };
            if !entry.file_type().is_file() {
                continue;
            }
            let path = entry.path();
            let Ok(rel) = path.strip_prefix(&dir) else {
                continue;
            };
            if !set.is_match(rel) {
                continue;
            }
            if self.ignore_hidden {
                let under_conf = path.strip_prefix(&self.conf_dir).unwrap_or(rel);
                if under_conf
                    .components()
                    .any(|c| c.as_os_str().to_str().is_some_and(|s| s.starts_with('.')))
                {
                    continue;
                }
            }
            if !matches!(
                path.extension().and_then(|e| e.to_str()),
                Some("yml" | "yaml" | "json")
            ) {
                continue;
            }
            out.push(path.to_path_buf());
        }
        Ok(out)
    }

    fn read_env(
        &mut self,
        key: &str,
        env: &str,
        patterns: &[String],
        globals: Option<&Map>,
    ) -> Result<Vec<Parsed>> {
        let paths = self.discover(env, patterns)?;
        let mut parsed = Vec::with_capacity(paths.len());
        for path in paths {
            let rel = self.rel(&path);
            let text = crate::yaml::read_text(&path, &rel)?;
            let mut node = crate::yaml::parse_mapping(&text, &rel)?;
            if key == "credentials" {
                // Kedro resolves each credentials file on its own (to apply oc.env).
                node = self.resolve(key, &node, globals)?;
            }
            self.files.push(ConfigFile {
                key: key.to_string(),
                env: env.to_string(),
                path: rel.clone(),
            });
            parsed.push(Parsed { rel, node });
        }
        check_duplicates(key, &parsed)?;
        Ok(parsed)
    }

    /// Resolves `node`; in the catalog and the credentials, values that read runtime parameters or
    /// environment variables that are not given are left unresolved and recorded as [`Deferred`].
    fn resolve(&mut self, key: &str, node: &Node, globals: Option<&Map>) -> Result<Node> {
        let ctx = interp::Ctx {
            key,
            globals,
            runtime: &self.runtime,
            custom_resolvers: &self.project.settings.custom_resolver_defs,
            environ: &*self.environ,
            defer_unset: matches!(key, "catalog" | "credentials"),
        };
        let (node, unresolved) = interp::resolve_tree(node, &ctx)?;
        for u in unresolved {
            // Credentials are resolved per file, then merged and resolved again: the expression a value
            // kept is met twice.
            let seen = self.deferred.iter().any(|d| {
                d.location == u.location
                    && matches!(&d.kind, DeferredKind::RuntimeParam { expression }
                        | DeferredKind::EnvironmentVariable { expression } if *expression == u.expression)
            });
            if seen {
                continue;
            }
            let kind = if u.expression.starts_with("${runtime_params:") {
                DeferredKind::RuntimeParam {
                    expression: u.expression,
                }
            } else {
                DeferredKind::EnvironmentVariable {
                    expression: u.expression,
                }
            };
            let what = if key == "credentials" {
                "kdvc does not need credential values to plan stages"
            } else {
                "no dataset location depends on it, so kdvc plans stages without it"
            };
            self.deferred.push(Deferred {
                location: u.location,
                kind,
                message: format!(
                    "{} {what}, but Kedro fails to create the catalog until it is given",
                    u.message.trim_end_matches('.').to_owned() + ";"
                ),
                hint: format!("{} before `kedro run`", u.hint),
            });
        }
        Ok(node)
    }

    fn merge_and_resolve(
        &mut self,
        key: &str,
        files: Vec<Parsed>,
        globals: Option<&Map>,
    ) -> Result<Map> {
        if files.is_empty() {
            return Ok(Map::new());
        }
        let first_origin = files[0].node.origin.clone();
        let mut merged = Node::new(Value::Map(Map::new()), first_origin);
        for f in files {
            deep_merge(&mut merged, f.node);
        }
        if key == "parameters" {
            deep_merge(
                &mut merged,
                Node::new(Value::Map(self.runtime.clone()), Origin::runtime()),
            );
        }
        let resolved = self.resolve(key, &merged, globals)?;
        let Value::Map(mut map) = resolved.value else {
            return Ok(Map::new());
        };
        if key != "parameters" {
            map.retain(|k, _| !k.starts_with('_'));
        }
        Ok(map)
    }
}

/// Refuses a catalog entry whose location (`type`, `versioned`, a `filepath`, `path` or `filename` at any
/// depth) reads a runtime parameter or environment variable that is not given.
fn check_locations(catalog: &Map) -> Result<()> {
    /// `dataset_level`: the entry itself, or a nested `dataset:`/`checkpoint:` configuration.
    fn walk(dataset: &str, node: &Node, dataset_level: bool) -> Result<()> {
        let Value::Map(m) = &node.value else {
            return Ok(());
        };
        for (k, v) in m {
            let location_key = matches!(k.as_str(), "filepath" | "path" | "filename")
                || (dataset_level && matches!(k.as_str(), "type" | "versioned"));
            if location_key && interp::is_unresolved(v) {
                let missing = v
                    .refs
                    .iter()
                    .find(|r| r.kind == interp::UNRESOLVED)
                    .map(|r| r.key.clone())
                    .unwrap_or_default();
                let text = v.as_str().unwrap_or_default().to_string();
                let hint = if text.contains("${oc.env:") {
                    format!(
                        "set the environment variable {missing}, or give the expression a default"
                    )
                } else {
                    format!("pass --params {missing}=VALUE, or give the expression a default")
                };
                return Err(Error::Interpolation {
                    location: v.origin.location(),
                    expression: text,
                    message: format!(
                        "'{missing}' is not given and the `{k}` of dataset '{dataset}' depends on it, so \
                         kdvc cannot tell where the data is"
                    ),
                    hint,
                });
            }
            if matches!(v.value, Value::Map(_)) {
                walk(dataset, v, matches!(k.as_str(), "dataset" | "checkpoint"))?;
            }
        }
        Ok(())
    }
    for (name, node) in catalog {
        walk(name, node, true)?;
    }
    Ok(())
}

/// Leaf key paths of a parameters file (Kedro's `_get_all_keys`), with the position of each leaf.
fn leaf_keys(map: &Map, prefix: &str, out: &mut BTreeMap<String, Origin>) {
    for (k, v) in map {
        let full = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        match &v.value {
            Value::Map(m) => leaf_keys(m, &full, out),
            _ => {
                out.insert(full, v.origin.clone());
            }
        }
    }
}

/// Kedro's `_check_duplicates`: leaf paths for parameters, top-level keys otherwise; `_` keys exempt.
fn check_duplicates(key: &str, files: &[Parsed]) -> Result<()> {
    let keys: Vec<BTreeMap<String, Origin>> = files
        .iter()
        .map(|f| {
            let mut out = BTreeMap::new();
            if let Value::Map(m) = &f.node.value {
                if key == "parameters" {
                    leaf_keys(m, "", &mut out);
                } else {
                    for (k, v) in m {
                        out.insert(k.clone(), v.origin.clone());
                    }
                }
            }
            out
        })
        .collect();
    for i in 0..files.len() {
        for j in i + 1..files.len() {
            let dups: Vec<&String> = keys[i]
                .keys()
                .filter(|k| !k.starts_with('_') && keys[j].contains_key(*k))
                .collect();
            if let Some(first) = dups.first() {
                let a = &keys[i][*first];
                let b = &keys[j][*first];
                let mut list = dups
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", ");
                if list.len() > 100 {
                    list = format!("{}...", list.chars().take(100).collect::<String>());
                }
                return Err(Error::DuplicateKeysAcrossFiles {
                    config: key.to_string(),
                    what: if key == "parameters" {
                        "parameter"
                    } else {
                        "top-level key"
                    },
                    first: Box::new(Location::new(
                        &files[i].rel,
                        a.line as usize,
                        a.column as usize,
                    )),
                    second: Location::new(&files[j].rel, b.line as usize, b.column as usize),
                    keys: list,
                });
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runtime_params_follow_split_params() {
        let m =
            parse_runtime_params("a.b=1, c=yes,d=,e=x: 1,f=\"1\",g=2024-01-01,a.c=0x10").unwrap();
        let j = Node::new(Value::Map(m), Origin::runtime()).to_json();
        assert_eq!(
            j,
            serde_json::json!({"a": {"b": 1, "c": 16}, "c": true, "d": null, "e": {"x": 1}, "f": "1",
                "g": "2024-01-01"})
        );
        assert!(parse_runtime_params("a").is_err());
        assert!(parse_runtime_params(" =1").is_err());
        assert!(parse_runtime_params("a=[1").is_err());
        assert!(parse_runtime_params(",,").unwrap().is_empty());
    }
}
