//! `[tool.kdvc.k8s]` in `pyproject.toml`.
//!
//! ```toml
//! [tool.kdvc.k8s]
//! image = "registry.example.com/spaceflights@sha256:0123..."  # required; pin by digest
//! namespace = "ml"                   # else the client's current namespace
//! service_account = "kdvc-runner"    # the pods' service account
//! git_remote = "origin"              # where pods fetch the commit from (default origin) ...
//! git_url = "https://git.example.com/ml/spaceflights.git"   # ... or this URL
//! kedro_env = "k8s"                  # KEDRO_ENV of every pod
//! parallelism = 8                    # at most this many pods at once
//! retries = 2                        # retries of a failed pod (default 2)
//! retry_policy = "OnError"           # Always | OnFailure | OnError (default) | OnTransientError
//! active_deadline = "24h"            # the whole run fails after this (seconds or 30s/15m/24h/7d)
//! ttl = "1d"                         # the finished Workflow object is deleted after this
//! dvc_config_secret = "dvc-remote"   # a Secret holding `config.local` for the DVC remote
//! env = { PYTHONUNBUFFERED = "1" }   # literal environment variables
//!
//! [tool.kdvc.k8s.resources]          # every stage's container
//! requests = { cpu = "1", memory = "2Gi" }
//! limits = { memory = "4Gi" }
//!
//! [[tool.kdvc.k8s.secret_env]]       # an environment variable from a Secret
//! name = "AWS_ACCESS_KEY_ID"
//! secret = "dvc-remote"
//! key = "access_key_id"
//!
//! [[tool.kdvc.k8s.stages]]           # overrides for the stages whose name matches the glob
//! match = "*train*"
//! resources = { requests = { cpu = "4", memory = "16Gi", "nvidia.com/gpu" = "1" } }
//! node_selector = { "cloud.google.com/gke-accelerator" = "nvidia-tesla-t4" }
//! tolerations = [{ key = "nvidia.com/gpu", operator = "Exists", effect = "NoSchedule" }]
//! env = { CUDA_VISIBLE_DEVICES = "0" }
//! ```
//!
//! Several overrides may match one stage; they apply in file order (a later resource value or env value
//! wins, node selectors merge, tolerations add up). Unknown keys and wrong types are errors with file,
//! line and column.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The parsed `[tool.kdvc.k8s]` table.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct K8sConfig {
    /// The pod image (kdvc, git, DVC and the project's environment); preferably `NAME@sha256:DIGEST`.
    pub image: String,
    /// The namespace of the Workflow.
    #[serde(default)]
    pub namespace: Option<String>,
    /// The service account the pods run as.
    #[serde(default)]
    pub service_account: Option<String>,
    /// The git remote whose URL pods clone (when `git_url` is not set).
    #[serde(default = "default_remote")]
    pub git_remote: String,
    /// The URL pods clone.
    #[serde(default)]
    pub git_url: Option<String>,
    /// `KEDRO_ENV` of every pod.
    #[serde(default)]
    pub kedro_env: Option<String>,
    /// Container resources of every stage.
    #[serde(default)]
    pub resources: ResourceConfig,
    /// Literal environment variables of every stage.
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    /// Environment variables taken from Secrets.
    #[serde(default)]
    pub secret_env: Vec<SecretEnv>,
    /// A Secret with the key `config.local`, mounted for DVC's remote credentials.
    #[serde(default)]
    pub dvc_config_secret: Option<String>,
    /// At most this many pods at once.
    #[serde(default)]
    pub parallelism: Option<u32>,
    /// Retries of a failed pod.
    #[serde(default = "default_retries")]
    pub retries: u32,
    /// Which failures are retried.
    #[serde(default)]
    pub retry_policy: RetryPolicy,
    /// The whole run fails after this.
    #[serde(default = "default_deadline")]
    pub active_deadline: Seconds,
    /// The finished Workflow object is deleted this long after it completed.
    #[serde(default = "default_ttl")]
    pub ttl: Seconds,
    /// Per-stage overrides, in file order.
    #[serde(default)]
    pub stages: Vec<StageOverride>,
}

fn default_remote() -> String {
    "origin".to_owned()
}
fn default_retries() -> u32 {
    2
}
fn default_deadline() -> Seconds {
    Seconds(86_400)
}
fn default_ttl() -> Seconds {
    Seconds(86_400)
}

/// Argo's retry policies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
pub enum RetryPolicy {
    /// Every failure.
    Always,
    /// A failing container (Argo's own default).
    OnFailure,
    /// Controller, init or wait-container errors only (kdvc's default: a failing stage is not retried).
    #[default]
    OnError,
    /// Transient errors only.
    OnTransientError,
}

impl RetryPolicy {
    /// The name Argo uses.
    pub fn as_str(self) -> &'static str {
        match self {
            RetryPolicy::Always => "Always",
            RetryPolicy::OnFailure => "OnFailure",
            RetryPolicy::OnError => "OnError",
            RetryPolicy::OnTransientError => "OnTransientError",
        }
    }
}

/// `requests` and `limits`, quantities as Kubernetes writes them (`"500m"`, `"2Gi"`; a TOML number is
/// accepted and written as a string).
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResourceConfig {
    /// Requests by resource name.
    #[serde(default)]
    pub requests: BTreeMap<String, Quantity>,
    /// Limits by resource name.
    #[serde(default)]
    pub limits: BTreeMap<String, Quantity>,
}

/// An environment variable from a key of a Secret.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecretEnv {
    /// The variable.
    pub name: String,
    /// The Secret.
    pub secret: String,
    /// The key in the Secret.
    pub key: String,
}

/// A pod toleration.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TolerationConfig {
    /// The taint key.
    #[serde(default)]
    pub key: Option<String>,
    /// `Exists` or `Equal`.
    #[serde(default)]
    pub operator: Option<String>,
    /// The taint value.
    #[serde(default)]
    pub value: Option<String>,
    /// `NoSchedule`, `PreferNoSchedule` or `NoExecute`.
    #[serde(default)]
    pub effect: Option<String>,
    /// For `NoExecute`: seconds the pod stays after the taint appears.
    #[serde(default)]
    pub toleration_seconds: Option<i64>,
}

/// Overrides for the stages whose name matches a glob.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StageOverride {
    /// The stage name glob (`*train*`, `data_science.*`).
    #[serde(rename = "match")]
    pub pattern: toml::Spanned<String>,
    /// Resources (merged over the defaults, key by key).
    #[serde(default)]
    pub resources: ResourceConfig,
    /// Node selector labels.
    #[serde(default)]
    pub node_selector: BTreeMap<String, String>,
    /// Tolerations.
    #[serde(default)]
    pub tolerations: Vec<TolerationConfig>,
    /// Extra literal environment variables.
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    /// Extra environment variables from Secrets.
    #[serde(default)]
    pub secret_env: Vec<SecretEnv>,
}

/// A Kubernetes quantity, kept as its string form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Quantity(pub String);

impl<'de> Deserialize<'de> for Quantity {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Quantity;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a quantity such as \"500m\", \"2Gi\" or 4")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> std::result::Result<Quantity, E> {
                if is_quantity(v) {
                    Ok(Quantity(v.to_owned()))
                } else {
                    Err(E::custom(format!(
                        "'{v}' is not a Kubernetes quantity (examples: \"500m\", \"2Gi\", \"1.5\")"
                    )))
                }
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> std::result::Result<Quantity, E> {
                if v < 0 {
                    return Err(E::custom("a quantity cannot be negative"));
                }
                Ok(Quantity(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> std::result::Result<Quantity, E> {
                Ok(Quantity(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> std::result::Result<Quantity, E> {
                if !v.is_finite() || v < 0.0 {
                    return Err(E::custom("a quantity must be a finite, positive number"));
                }
                Ok(Quantity(v.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}

/// Kubernetes' quantity syntax: a decimal number and an optional suffix (`m`, `k`, `Ki`..`Ei`,
/// `M`..`E`, or an exponent `e3`).
fn is_quantity(s: &str) -> bool {
    let digits_end = s
        .char_indices()
        .find(|(_, c)| !(c.is_ascii_digit() || *c == '.'))
        .map_or(s.len(), |(i, _)| i);
    let (number, suffix) = s.split_at(digits_end);
    let number_ok = !number.is_empty()
        && number.matches('.').count() <= 1
        && number.chars().any(|c| c.is_ascii_digit());
    let suffix_ok = matches!(
        suffix,
        "" | "m" | "k" | "M" | "G" | "T" | "P" | "E" | "Ki" | "Mi" | "Gi" | "Ti" | "Pi" | "Ei"
    ) || suffix.strip_prefix(['e', 'E']).is_some_and(|e| {
        let e = e.strip_prefix(['+', '-']).unwrap_or(e);
        !e.is_empty() && e.chars().all(|c| c.is_ascii_digit())
    });
    number_ok && suffix_ok
}

/// A duration in seconds: a TOML integer, or a string `90s`, `15m`, `24h`, `7d`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seconds(pub u64);

impl<'de> Deserialize<'de> for Seconds {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Seconds;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("seconds, or a duration such as \"90s\", \"15m\", \"24h\", \"7d\"")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> std::result::Result<Seconds, E> {
                u64::try_from(v)
                    .ok()
                    .filter(|v| *v > 0)
                    .map(Seconds)
                    .ok_or_else(|| E::custom("a duration must be positive"))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> std::result::Result<Seconds, E> {
                self.visit_i64(i64::try_from(v).unwrap_or(i64::MAX))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> std::result::Result<Seconds, E> {
                let bad = || {
                    E::custom(format!(
                        "'{v}' is not a duration (examples: \"90s\", \"15m\", \"24h\", \"7d\")"
                    ))
                };
                let unit = v.chars().last().ok_or_else(bad)?;
                let factor = match unit {
                    's' => 1,
                    'm' => 60,
                    'h' => 3_600,
                    'd' => 86_400,
                    _ => return Err(bad()),
                };
                let n: u64 = v[..v.len() - 1].parse().map_err(|_| bad())?;
                n.checked_mul(factor)
                    .filter(|s| *s > 0)
                    .map(Seconds)
                    .ok_or_else(bad)
            }
        }
        d.deserialize_any(V)
    }
}

#[derive(Deserialize)]
struct Pyproject {
    #[serde(default)]
    tool: Option<ToolTable>,
}

#[derive(Deserialize)]
struct ToolTable {
    #[serde(default)]
    kdvc: Option<KdvcTable>,
}

#[derive(Deserialize)]
struct KdvcTable {
    #[serde(default)]
    k8s: Option<K8sConfig>,
}

/// 1-based line and column (in characters) of byte `offset` of `text`.
pub(crate) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

impl K8sConfig {
    /// The file the table is read from, for a project root.
    pub fn path(project: &Path) -> PathBuf {
        project.join("pyproject.toml")
    }

    /// Reads `[tool.kdvc.k8s]` from `<project>/pyproject.toml`; [`Error::MissingConfig`] when the file or
    /// the table is missing.
    pub fn load(project: &Path) -> Result<K8sConfig> {
        let file = Self::path(project);
        let text = match std::fs::read_to_string(&file) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(Error::MissingConfig { file });
            }
            Err(source) => return Err(Error::Io { path: file, source }),
        };
        Self::from_toml_str(&text, &file)?.ok_or(Error::MissingConfig { file })
    }

    /// Parses `[tool.kdvc.k8s]` from the text of a pyproject.toml (`file` is used in errors); `None`
    /// when the table is absent. Only this table is checked strictly; the rest of the file is read as
    /// far as needed to find it.
    pub fn from_toml_str(text: &str, file: &Path) -> Result<Option<K8sConfig>> {
        let err = |offset: usize, message: String| {
            let (line, column) = line_col(text, offset);
            Error::Config {
                file: file.to_path_buf(),
                line,
                column,
                message,
            }
        };
        let doc: Pyproject = toml::from_str(text).map_err(|e| {
            let offset = e.span().map_or(0, |s| s.start);
            let message = e.message().trim_end().to_owned();
            err(offset, message)
        })?;
        let Some(cfg) = doc.tool.and_then(|t| t.kdvc).and_then(|k| k.k8s) else {
            return Ok(None);
        };
        for o in &cfg.stages {
            if let Err(e) = globset::Glob::new(o.pattern.get_ref()) {
                return Err(err(
                    o.pattern.span().start,
                    format!(
                        "tool.kdvc.k8s.stages: bad glob '{}': {e}",
                        o.pattern.get_ref()
                    ),
                ));
            }
        }
        if cfg.image.trim().is_empty() {
            return Err(err(0, "tool.kdvc.k8s.image must not be empty".into()));
        }
        Ok(Some(cfg))
    }

    /// Warnings about a valid but risky configuration (an image not pinned by digest).
    pub fn warnings(&self) -> Vec<String> {
        let mut out = Vec::new();
        if !self.image.contains("@sha256:") {
            out.push(format!(
                "the image '{}' is not pinned by digest (NAME@sha256:...): pods may run a different image \
                 than the one you tested",
                self.image
            ));
        }
        out
    }

    /// The overrides whose glob matches `stage`, with their 1-based positions.
    pub fn overrides_for(&self, stage: &str) -> Vec<(usize, &StageOverride)> {
        self.stages
            .iter()
            .enumerate()
            .filter(|(_, o)| {
                globset::Glob::new(o.pattern.get_ref())
                    .map(|g| g.compile_matcher().is_match(stage))
                    .unwrap_or(false)
            })
            .map(|(i, o)| (i + 1, o))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Option<K8sConfig>> {
        K8sConfig::from_toml_str(text, Path::new("pyproject.toml"))
    }

    #[test]
    fn minimal_and_defaults() {
        let cfg = parse(
            "[project]\nname='x'\n[tool.kdvc]\nenv='a'\n[tool.kdvc.k8s]\nimage='i@sha256:0'\n",
        )
        .unwrap()
        .unwrap();
        assert_eq!(cfg.git_remote, "origin");
        assert_eq!(cfg.retries, 2);
        assert_eq!(cfg.active_deadline, Seconds(86_400));
        assert!(cfg.warnings().is_empty());
        assert_eq!(parse("[tool.kdvc]\nenv='a'\n").unwrap(), None);
    }

    #[test]
    fn full_table() {
        let cfg = parse(
            r#"
[tool.kdvc.k8s]
image = "reg/x:latest"
ttl = "7d"
active_deadline = 3600
resources = { requests = { cpu = 1, memory = "2Gi" } }
[[tool.kdvc.k8s.stages]]
match = "*train*"
resources = { limits = { cpu = "500m" } }
tolerations = [{ key = "gpu", operator = "Exists", effect = "NoSchedule" }]
"#,
        )
        .unwrap()
        .unwrap();
        assert_eq!(cfg.ttl, Seconds(604_800));
        assert_eq!(cfg.active_deadline, Seconds(3600));
        assert_eq!(cfg.resources.requests["cpu"], Quantity("1".into()));
        assert_eq!(cfg.overrides_for("linear_train").len(), 1);
        assert!(cfg.overrides_for("split").is_empty());
        assert_eq!(cfg.warnings().len(), 1);
    }

    #[test]
    fn errors_have_line_and_column() {
        let cases = [
            "[tool.kdvc.k8s]\nimage = 'x'\nimgae = 'y'\n",
            "[tool.kdvc.k8s]\n",
            "[tool.kdvc.k8s]\nimage = 'x'\nretries = 'two'\n",
            "[tool.kdvc.k8s]\nimage = 'x'\nttl = '3 weeks'\n",
            "[tool.kdvc.k8s]\nimage = 'x'\nresources = { requests = { cpu = 'lots' } }\n",
            "[tool.kdvc.k8s]\nimage = 'x'\n[[tool.kdvc.k8s.stages]]\nmatch = 'a[b'\n",
            "[tool.kdvc.k8s]\nimage = 'x'\nretry_policy = 'Sometimes'\n",
        ];
        let messages: Vec<String> = cases
            .iter()
            .map(|c| parse(c).unwrap_err().to_string())
            .collect();
        insta::assert_snapshot!(messages.join("\n\n"));
    }
}
