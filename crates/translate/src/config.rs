//! `[tool.kdvc]` in `pyproject.toml`.
//!
//! ```toml
//! [tool.kdvc]
//! env = "prod"                      # Kedro run environment (--env); default: none (Kedro's default)
//! pipeline = "__default__"          # registered pipeline to translate
//! exclude = ["scratch_*"]           # dataset name globs kdvc ignores (no deps, outs or .dvc files)
//! kedro_run_args = ["--runner=SequentialRunner"]   # appended to every generated `kedro run`
//! code_fingerprints = true          # per-node code fingerprint deps (on by default; needs `kdvc` on PATH
//!                                   # when DVC runs the `kdvc-fingerprint` stage)
//! introspect = "auto"               # "never": static reading only; "auto" (default): static, and Kedro
//!                                   # itself when the static reader refuses a construct; "always": Kedro
//!
//! [tool.kdvc.metrics]               # which outputs go under DVC's `metrics`
//! datasets = ["*scores*"]           # dataset name globs
//! types = ["my_pkg.MetricsDataset"] # dataset type globs (short `pandas.CSVDataset` form)
//! defaults = true                   # keep the built-in rules too (default true)
//!
//! [tool.kdvc.plots]                 # same keys, for DVC's `plots`
//! ```
//!
//! Built-in rules: metrics are JSON/YAML datasets whose name contains `metrics`, and every `tracking.*`
//! dataset; plots are `matplotlib.*`, `plotly.*`, `holoviews.*` and `pillow.ImageDataset` outputs.
//! Unknown keys are an error with file, line and column.

use std::path::{Path, PathBuf};

use globset::{Glob, GlobSet, GlobSetBuilder};
use toml_edit::{Item, TableLike, Value};

use crate::error::{Error, Result};

/// Rules that pick out outputs by dataset name or type.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MatchRules {
    /// Dataset name globs.
    pub datasets: Vec<String>,
    /// Dataset type globs, matched against the short type (`pandas.CSVDataset`).
    pub types: Vec<String>,
    /// Whether the built-in rules apply as well.
    pub defaults: bool,
}

/// When the pipelines are read by asking the project's own Kedro (`[tool.kdvc] introspect`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Introspect {
    /// Never: the static reader's refusal is an error.
    Never,
    /// Read statically; on a refusal, ask Kedro (the default).
    #[default]
    Auto,
    /// Always ask Kedro.
    Always,
}

impl Introspect {
    /// The value as written in `pyproject.toml` (`never`, `auto`, `always`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Never => "never",
            Self::Auto => "auto",
            Self::Always => "always",
        }
    }
}

/// The parsed `[tool.kdvc]` table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KdvcConfig {
    /// Kedro run environment.
    pub env: Option<String>,
    /// Registered pipeline name.
    pub pipeline: Option<String>,
    /// Dataset name globs to leave out entirely.
    pub exclude: Vec<String>,
    /// Extra arguments appended to every `kedro run`.
    pub kedro_run_args: Vec<String>,
    /// Metrics rules.
    pub metrics: MatchRules,
    /// Plots rules.
    pub plots: MatchRules,
    /// Whether stages get per-node code-fingerprint deps: an `always_changed` stage running
    /// `kdvc fingerprint` and one fingerprint file per stage (on by default).
    pub code_fingerprints: bool,
    /// When Kedro itself is asked for the pipelines.
    pub introspect: Introspect,
}

impl Default for KdvcConfig {
    fn default() -> Self {
        Self {
            env: None,
            pipeline: None,
            exclude: Vec::new(),
            kedro_run_args: Vec::new(),
            metrics: MatchRules {
                defaults: true,
                ..MatchRules::default()
            },
            plots: MatchRules {
                defaults: true,
                ..MatchRules::default()
            },
            code_fingerprints: true,
            introspect: Introspect::Auto,
        }
    }
}

/// Where a config value came from, for error messages.
struct Src<'a> {
    file: &'a Path,
    text: &'a str,
}

impl Src<'_> {
    fn err(&self, span: Option<std::ops::Range<usize>>, message: String) -> Error {
        let offset = span.map_or(0, |s| s.start).min(self.text.len());
        let before = &self.text[..offset];
        let line = before.matches('\n').count() + 1;
        let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        Error::Config {
            file: self.file.to_path_buf(),
            line,
            col,
            message,
        }
    }
}

impl KdvcConfig {
    /// Reads `[tool.kdvc]` from `<project>/pyproject.toml`; a missing file or table gives the defaults.
    pub fn load(project: &Path) -> Result<Self> {
        let file = project.join("pyproject.toml");
        match std::fs::read_to_string(&file) {
            Ok(text) => Self::from_toml_str(&text, &file),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Self::default()),
            Err(e) => Err(Error::io(file, e)),
        }
    }

    /// Parses `[tool.kdvc]` from the text of a pyproject.toml (`file` is used in errors).
    pub fn from_toml_str(text: &str, file: &Path) -> Result<Self> {
        let src = Src { file, text };
        let doc = toml_edit::Document::parse(text)
            .map_err(|e| src.err(e.span(), e.message().to_string()))?;
        let mut cfg = Self::default();
        let Some(tool) = doc.as_item().get("tool") else {
            return Ok(cfg);
        };
        let Some(kdvc) = tool.get("kdvc") else {
            return Ok(cfg);
        };
        let table = kdvc
            .as_table_like()
            .ok_or_else(|| src.err(item_span(kdvc), "[tool.kdvc] must be a table".into()))?;
        for (key, item) in table.iter() {
            let kspan = table.key(key).and_then(toml_edit::Key::span);
            match key {
                "env" => cfg.env = Some(string(&src, item, "tool.kdvc.env")?),
                "pipeline" => cfg.pipeline = Some(string(&src, item, "tool.kdvc.pipeline")?),
                "exclude" => cfg.exclude = globs(&src, item, "tool.kdvc.exclude")?,
                "kedro_run_args" => {
                    cfg.kedro_run_args = match item.as_str() {
                        Some(s) => s.split_whitespace().map(str::to_string).collect(),
                        None => strings(&src, item, "tool.kdvc.kedro_run_args")?,
                    }
                }
                "code_fingerprints" => {
                    cfg.code_fingerprints = item.as_bool().ok_or_else(|| {
                        src.err(
                            item_span(item),
                            "tool.kdvc.code_fingerprints must be true or false".into(),
                        )
                    })?;
                }
                "introspect" => {
                    cfg.introspect = match item.as_str() {
                        Some("never") => Introspect::Never,
                        Some("auto") => Introspect::Auto,
                        Some("always") => Introspect::Always,
                        _ => {
                            return Err(src.err(
                                item_span(item),
                                "tool.kdvc.introspect must be \"never\", \"auto\" or \"always\""
                                    .into(),
                            ));
                        }
                    };
                }
                "metrics" => cfg.metrics = rules(&src, item, "tool.kdvc.metrics")?,
                "plots" => cfg.plots = rules(&src, item, "tool.kdvc.plots")?,
                // Read and checked by kdvc-k8s, for the `kdvc k8s` commands.
                "k8s" => {}
                other => {
                    return Err(src.err(
                        kspan.or_else(|| item_span(item)),
                        format!(
                            "unknown key '{other}' in [tool.kdvc]; known keys: env, pipeline, exclude, \
                             kedro_run_args, code_fingerprints, introspect, metrics, plots, k8s"
                        ),
                    ));
                }
            }
        }
        Ok(cfg)
    }

    /// The file the config was read from, for a project root.
    pub fn path(project: &Path) -> PathBuf {
        project.join("pyproject.toml")
    }
}

fn item_span(item: &Item) -> Option<std::ops::Range<usize>> {
    match item {
        Item::Value(v) => v.span(),
        Item::Table(t) => t.span(),
        other => other.span(),
    }
}

fn string(src: &Src<'_>, item: &Item, what: &str) -> Result<String> {
    item.as_str()
        .map(str::to_string)
        .ok_or_else(|| src.err(item_span(item), format!("{what} must be a string")))
}

fn strings(src: &Src<'_>, item: &Item, what: &str) -> Result<Vec<String>> {
    let arr = item
        .as_array()
        .ok_or_else(|| src.err(item_span(item), format!("{what} must be a list of strings")))?;
    arr.iter()
        .map(|v: &Value| {
            v.as_str()
                .map(str::to_string)
                .ok_or_else(|| src.err(v.span(), format!("{what} must be a list of strings")))
        })
        .collect()
}

fn globs(src: &Src<'_>, item: &Item, what: &str) -> Result<Vec<String>> {
    let list = strings(src, item, what)?;
    for g in &list {
        Glob::new(g)
            .map_err(|e| src.err(item_span(item), format!("{what}: bad glob '{g}': {e}")))?;
    }
    Ok(list)
}

fn rules(src: &Src<'_>, item: &Item, what: &str) -> Result<MatchRules> {
    let table: &dyn TableLike = item
        .as_table_like()
        .ok_or_else(|| src.err(item_span(item), format!("[{what}] must be a table")))?;
    let mut r = MatchRules {
        defaults: true,
        ..MatchRules::default()
    };
    for (key, v) in table.iter() {
        match key {
            "datasets" => r.datasets = globs(src, v, &format!("{what}.datasets"))?,
            "types" => r.types = globs(src, v, &format!("{what}.types"))?,
            "defaults" => {
                r.defaults = v.as_bool().ok_or_else(|| {
                    src.err(
                        item_span(v),
                        format!("{what}.defaults must be true or false"),
                    )
                })?;
            }
            other => {
                return Err(src.err(
                    table
                        .key(key)
                        .and_then(toml_edit::Key::span)
                        .or_else(|| item_span(v)),
                    format!(
                        "unknown key '{other}' in [{what}]; known keys: datasets, types, defaults"
                    ),
                ));
            }
        }
    }
    Ok(r)
}

/// Compiled name/type matchers.
#[derive(Debug, Clone)]
pub(crate) struct Matcher {
    names: GlobSet,
    types: GlobSet,
}

impl Matcher {
    pub(crate) fn new(names: &[String], types: &[String]) -> Self {
        Self {
            names: set(names),
            types: set(types),
        }
    }
    pub(crate) fn matches(&self, name: &str, type_name: Option<&str>) -> bool {
        self.names.is_match(name) || type_name.is_some_and(|t| self.types.is_match(short_type(t)))
    }
}

fn set(globs: &[String]) -> GlobSet {
    let mut b = GlobSetBuilder::new();
    for g in globs {
        // Validated when the config was read; an invalid one here can only come from code.
        if let Ok(g) = Glob::new(g) {
            b.add(g);
        }
    }
    b.build().unwrap_or_else(|_| GlobSet::empty())
}

/// `kedro_datasets.pandas.CSVDataset` -> `pandas.CSVDataset`.
pub(crate) fn short_type(t: &str) -> &str {
    t.strip_prefix("kedro_datasets.").unwrap_or(t)
}

/// Which DVC section an output goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum OutKind {
    /// `outs`.
    Out,
    /// `metrics`.
    Metric,
    /// `plots`.
    Plot,
}

/// Classifies outputs with the built-in and configured rules.
#[derive(Debug, Clone)]
pub(crate) struct Classifier {
    metrics: Matcher,
    plots: Matcher,
    metric_defaults: bool,
    plot_defaults: bool,
    exclude: GlobSet,
}

impl Classifier {
    pub(crate) fn new(cfg: &KdvcConfig) -> Self {
        Self {
            metrics: Matcher::new(&cfg.metrics.datasets, &cfg.metrics.types),
            plots: Matcher::new(&cfg.plots.datasets, &cfg.plots.types),
            metric_defaults: cfg.metrics.defaults,
            plot_defaults: cfg.plots.defaults,
            exclude: set(&cfg.exclude),
        }
    }

    pub(crate) fn excluded(&self, name: &str) -> bool {
        self.exclude.is_match(name)
    }

    pub(crate) fn classify(&self, name: &str, type_name: Option<&str>) -> OutKind {
        if self.metrics.matches(name, type_name) {
            return OutKind::Metric;
        }
        if self.plots.matches(name, type_name) {
            return OutKind::Plot;
        }
        let t = type_name.map(short_type).unwrap_or_default();
        let family = t.split('.').next().unwrap_or_default();
        if self.metric_defaults {
            let json_yaml = matches!(family, "json" | "yaml")
                || t.ends_with("JSONDataset")
                || t.ends_with("YAMLDataset");
            if family == "tracking" || (json_yaml && name.to_ascii_lowercase().contains("metrics"))
            {
                return OutKind::Metric;
            }
        }
        if self.plot_defaults
            && (matches!(family, "matplotlib" | "plotly" | "holoviews")
                || t == "pillow.ImageDataset")
        {
            return OutKind::Plot;
        }
        OutKind::Out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<KdvcConfig> {
        KdvcConfig::from_toml_str(text, Path::new("pyproject.toml"))
    }

    #[test]
    fn full_config() {
        let cfg = parse(
            r#"
[tool.kedro]
package_name = "x"

[tool.kdvc]
env = "prod"
pipeline = "dp"
exclude = ["scratch_*"]
kedro_run_args = ["--runner=SequentialRunner"]

[tool.kdvc.metrics]
datasets = ["*scores*"]
defaults = false
"#,
        )
        .unwrap();
        assert_eq!(cfg.env.as_deref(), Some("prod"));
        assert_eq!(cfg.pipeline.as_deref(), Some("dp"));
        assert_eq!(cfg.kedro_run_args, vec!["--runner=SequentialRunner"]);
        assert!(!cfg.metrics.defaults);
        assert!(cfg.plots.defaults);
        let c = Classifier::new(&cfg);
        assert_eq!(
            c.classify("model_scores", Some("pandas.CSVDataset")),
            OutKind::Metric
        );
        assert_eq!(
            c.classify("metrics", Some("json.JSONDataset")),
            OutKind::Out
        );
        assert_eq!(
            c.classify("fig", Some("matplotlib.MatplotlibDataset")),
            OutKind::Plot
        );
        assert!(c.excluded("scratch_1"));
    }

    #[test]
    fn defaults_classify() {
        let c = Classifier::new(&KdvcConfig::default());
        assert_eq!(
            c.classify("metrics", Some("json.JSONDataset")),
            OutKind::Metric
        );
        assert_eq!(
            c.classify("ds.model_metrics", Some("kedro_datasets.yaml.YAMLDataset")),
            OutKind::Metric
        );
        assert_eq!(
            c.classify("m", Some("tracking.MetricsDataset")),
            OutKind::Metric
        );
        assert_eq!(
            c.classify("img", Some("pillow.ImageDataset")),
            OutKind::Plot
        );
        assert_eq!(
            c.classify("metrics_table", Some("pandas.CSVDataset")),
            OutKind::Out
        );
    }

    #[test]
    fn the_kubernetes_table_is_left_to_kdvc_k8s() {
        let c =
            parse("[tool.kdvc]\nenv = \"x\"\n\n[tool.kdvc.k8s]\nimage = \"repo/img@sha256:00\"\n")
                .unwrap();
        assert_eq!(c.env.as_deref(), Some("x"));
    }

    #[test]
    fn unknown_keys_are_errors_with_position() {
        let e = parse("[tool.kdvc]\nenv = \"x\"\nenvs = 1\n").unwrap_err();
        insta::assert_snapshot!(e.to_string(), @"pyproject.toml:3:1: unknown key 'envs' in [tool.kdvc]; known keys: env, pipeline, exclude, kedro_run_args, code_fingerprints, introspect, metrics, plots, k8s");
        let e = parse("[tool.kdvc.plots]\ndatasets = [\"a\"]\ntype = []\n").unwrap_err();
        insta::assert_snapshot!(e.to_string(), @"pyproject.toml:3:1: unknown key 'type' in [tool.kdvc.plots]; known keys: datasets, types, defaults");
        let e = parse("[tool.kdvc]\nenv = 3\n").unwrap_err();
        insta::assert_snapshot!(e.to_string(), @"pyproject.toml:2:7: tool.kdvc.env must be a string");
        let e = parse("[tool.kdvc]\nexclude = [\"a[\"]\n").unwrap_err();
        assert!(
            e.to_string()
                .starts_with("pyproject.toml:2:11: tool.kdvc.exclude: bad glob"),
            "{e}"
        );
        let e = parse("[tool.kdvc\n").unwrap_err();
        assert!(matches!(e, Error::Config { line: 1, .. }), "{e}");
    }

    #[test]
    fn introspect_is_never_auto_or_always() {
        assert_eq!(KdvcConfig::default().introspect, Introspect::Auto);
        for (text, want) in [
            ("never", Introspect::Never),
            ("auto", Introspect::Auto),
            ("always", Introspect::Always),
        ] {
            let cfg = parse(&format!("[tool.kdvc]\nintrospect = \"{text}\"\n")).unwrap();
            assert_eq!(cfg.introspect, want);
            assert_eq!(want.as_str(), text);
        }
        let e = parse("[tool.kdvc]\nintrospect = true\n").unwrap_err();
        insta::assert_snapshot!(e.to_string(), @r#"pyproject.toml:2:14: tool.kdvc.introspect must be "never", "auto" or "always""#);
    }

    #[test]
    fn missing_table_is_default() {
        assert_eq!(
            parse("[tool.kedro]\nx = 1\n").unwrap(),
            KdvcConfig::default()
        );
    }
}
