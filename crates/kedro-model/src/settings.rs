//! The parts of `src/<package>/settings.py` that change how configuration is read, taken from literal
//! top-level assignments only (kdvc never runs Python; the file is parsed with `kdvc-python`).
//!
//! Defaults follow `kedro/framework/project/__init__.py::_ProjectSettings`: `CONF_SOURCE = "conf"`,
//! `CONFIG_LOADER_ARGS = {"base_env": "base", "default_run_env": "local"}`. When `CONFIG_LOADER_ARGS` is
//! assigned, its missing keys take the loader's own defaults: `base_env = default_run_env = ""` (the conf
//! root itself is then the only environment).

mod literal;
pub mod resolvers;

use std::path::{Path, PathBuf};

use indexmap::IndexMap;

pub use literal::{Assignment, PyValue};

use crate::error::{Error, Location, Result};

/// A setting read from `settings.py`: a value (literal or Kedro's default) or unknown.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Setting<T> {
    /// The value, and where it is assigned (`None` for Kedro's default).
    Known {
        /// The value.
        value: T,
        /// Where it is assigned; `None` when it is Kedro's default.
        location: Option<Location>,
    },
    /// Assigned, but not as a literal kdvc can read.
    Unknown {
        /// Where it is assigned.
        location: Location,
        /// The expression or the reason.
        detail: String,
    },
}

impl<T> Setting<T> {
    fn default_value(value: T) -> Self {
        Self::Known {
            value,
            location: None,
        }
    }

    /// The value, or [`Error::UnreadableSetting`] naming `setting` when it is not a literal.
    pub fn get(&self, setting: &str) -> Result<&T> {
        match self {
            Self::Known { value, .. } => Ok(value),
            Self::Unknown { location, detail } => Err(Error::UnreadableSetting {
                location: location.clone(),
                setting: setting.to_string(),
                detail: detail.clone(),
            }),
        }
    }

    /// The value when known.
    pub fn known(&self) -> Option<&T> {
        match self {
            Self::Known { value, .. } => Some(value),
            Self::Unknown { .. } => None,
        }
    }
}

/// Merge strategy of the base and run environments for one config key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MergeStrategy {
    /// The run env replaces whole top-level keys (Kedro's default).
    Destructive,
    /// Deep merge.
    Soft,
}

/// A note about `settings.py` that does not stop reading.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SettingsWarning {
    /// Where.
    pub location: Location,
    /// What.
    pub message: String,
}

/// What kdvc knows about a project's `settings.py`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Settings {
    /// The file, relative to the project root (`None` when the project has none).
    pub file: Option<PathBuf>,
    /// `CONF_SOURCE` (default `"conf"`), relative to the project root.
    pub conf_source: Setting<String>,
    /// Whether `CONFIG_LOADER_ARGS` is assigned at all (the base/local defaults apply only when it is not).
    pub config_loader_args_set: bool,
    /// `CONFIG_LOADER_ARGS["base_env"]`.
    pub base_env: Setting<String>,
    /// `CONFIG_LOADER_ARGS["default_run_env"]`.
    pub default_run_env: Setting<String>,
    /// `CONFIG_LOADER_ARGS["config_patterns"]`: per-key overrides of the default patterns.
    pub config_patterns: Setting<IndexMap<String, Vec<String>>>,
    /// `CONFIG_LOADER_ARGS["merge_strategy"]`: per-key strategy (keys not listed are destructive).
    pub merge_strategy: Setting<IndexMap<String, MergeStrategy>>,
    /// `CONFIG_LOADER_ARGS["ignore_hidden"]` (default true).
    pub ignore_hidden: Setting<bool>,
    /// Names of `CONFIG_LOADER_ARGS["custom_resolvers"]`.
    pub custom_resolvers: Vec<String>,
    /// The custom resolvers by name, compiled where kdvc can evaluate them (see [`resolvers`]).
    #[serde(skip)]
    pub custom_resolver_defs: IndexMap<String, resolvers::CustomResolver>,
    /// `CONFIG_LOADER_CLASS` as written, when assigned.
    pub config_loader_class: Option<String>,
    /// `HOOKS` is assigned and not an empty tuple/list: hooks may change the catalog at run time.
    pub has_hooks: bool,
    /// Notes: unreadable values, unexpected shapes.
    pub warnings: Vec<SettingsWarning>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            file: None,
            conf_source: Setting::default_value("conf".into()),
            config_loader_args_set: false,
            base_env: Setting::default_value("base".into()),
            default_run_env: Setting::default_value("local".into()),
            config_patterns: Setting::default_value(IndexMap::new()),
            merge_strategy: Setting::default_value(IndexMap::new()),
            ignore_hidden: Setting::default_value(true),
            custom_resolvers: Vec::new(),
            custom_resolver_defs: IndexMap::new(),
            config_loader_class: None,
            has_hooks: false,
            warnings: Vec::new(),
        }
    }
}

impl Settings {
    /// Reads `settings.py` at `path` (`display` is its path relative to the project root). A missing file
    /// gives Kedro's defaults; a file that nests deeper than CPython accepts
    /// ([`kdvc_python::nesting_error`]) is an [`Error::LimitExceeded`] at the place.
    pub fn read(path: &Path, display: &Path) -> Result<Self> {
        match kdvc_python::read_source(path) {
            Ok(src) => {
                if let Some((line, column, message)) = literal::too_deep(&src) {
                    return Err(Error::LimitExceeded {
                        location: Location::new(display, line, column),
                        message,
                        limit: format!(
                            "{} open brackets, {} levels of syntax",
                            kdvc_python::MAX_BRACKETS,
                            kdvc_python::MAX_SYNTAX_DEPTH
                        ),
                        hint: "Kedro cannot import settings.py either: split the expression into \
                               smaller named parts"
                            .into(),
                    });
                }
                Ok(Self::parse(&src, display))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Self::default()),
            Err(e) => Err(Error::io(display, e)),
        }
    }

    /// Reads the settings from the source text of a `settings.py` whose path (for messages) is `file`.
    pub fn parse(src: &str, file: &Path) -> Self {
        let module = literal::read(src);
        let vars = module.assignments;
        let mut s = Self {
            file: Some(file.to_path_buf()),
            ..Self::default()
        };
        if let Some(e) = module.syntax_error {
            s.warnings.push(SettingsWarning {
                location: Location::new(file, e.line, e.column),
                message: format!(
                    "{}: Kedro cannot import this file; kdvc reads the assignments outside the broken statement",
                    e.message
                ),
            });
        }
        let loc = |a: &Assignment| Location::new(file, a.line, a.column);

        if let Some(a) = vars.get("CONF_SOURCE") {
            s.conf_source = match (&a.value, &a.modified) {
                (_, Some(why)) => unknown(loc(a), why),
                (PyValue::Str(v), None) => Setting::Known {
                    value: v.clone(),
                    location: Some(loc(a)),
                },
                (other, None) => unknown(loc(a), &describe(other)),
            };
        }
        if let Some(a) = vars.get("CONFIG_LOADER_CLASS") {
            let text = match &a.value {
                PyValue::Unknown(t) => t.clone(),
                PyValue::Str(t) => t.clone(),
                other => describe(other),
            };
            if text != "OmegaConfigLoader" && !text.ends_with(".OmegaConfigLoader") {
                s.warnings.push(SettingsWarning {
                    location: loc(a),
                    message: format!(
                        "CONFIG_LOADER_CLASS is {text}; kdvc reads configuration with OmegaConfigLoader's rules"
                    ),
                });
            }
            s.config_loader_class = Some(text);
        }
        if let Some(a) = vars.get("HOOKS") {
            s.has_hooks = match &a.value {
                PyValue::Tuple(v) | PyValue::List(v) => !v.is_empty(),
                _ => true,
            };
        }
        if let Some(a) = vars.get("CONFIG_LOADER_ARGS") {
            s.config_loader_args_set = true;
            s.read_loader_args(a, loc(a));
            if !s.custom_resolvers.is_empty() {
                s.custom_resolver_defs = resolvers::read(src, file);
            }
        }
        s
    }

    fn all_unknown(&mut self, location: &Location, detail: &str) {
        self.base_env = unknown(location.clone(), detail);
        self.default_run_env = unknown(location.clone(), detail);
        self.config_patterns = unknown(location.clone(), detail);
        self.merge_strategy = unknown(location.clone(), detail);
        self.ignore_hidden = unknown(location.clone(), detail);
    }

    fn read_loader_args(&mut self, a: &Assignment, location: Location) {
        if let Some(why) = &a.modified {
            self.all_unknown(&location, why);
            return;
        }
        let PyValue::Dict(entries) = &a.value else {
            self.all_unknown(&location, &describe(&a.value));
            return;
        };
        // Kedro's loader defaults when the key is absent.
        self.base_env = Setting::default_value(String::new());
        self.default_run_env = Setting::default_value(String::new());
        for (k, v) in entries {
            let Some(key) = k.as_str() else {
                self.warnings.push(SettingsWarning {
                    location: location.clone(),
                    message: format!("CONFIG_LOADER_ARGS has a non-string key {}", describe(k)),
                });
                continue;
            };
            match key {
                "base_env" | "default_run_env" => {
                    let value = match v {
                        PyValue::Str(s) => known_at(s.clone(), &location),
                        PyValue::None => known_at(String::new(), &location),
                        other => unknown(location.clone(), &describe(other)),
                    };
                    if key == "base_env" {
                        self.base_env = value;
                    } else {
                        self.default_run_env = value;
                    }
                }
                "config_patterns" => {
                    self.config_patterns = match string_lists(v) {
                        Some(m) => known_at(m, &location),
                        None => unknown(location.clone(), &describe(v)),
                    };
                }
                "merge_strategy" => {
                    self.merge_strategy = match merge_strategies(v) {
                        Ok(m) => known_at(m, &location),
                        Err(detail) => unknown(location.clone(), &detail),
                    };
                }
                "ignore_hidden" => {
                    self.ignore_hidden = match v {
                        PyValue::Bool(b) => known_at(*b, &location),
                        other => unknown(location.clone(), &describe(other)),
                    };
                }
                "custom_resolvers" => match v {
                    PyValue::Dict(d) => {
                        self.custom_resolvers = d.iter().filter_map(|(k, _)| k.as_str().map(str::to_string)).collect();
                    }
                    PyValue::None => {}
                    other => self.warnings.push(SettingsWarning {
                        location: location.clone(),
                        message: format!(
                            "CONFIG_LOADER_ARGS[\"custom_resolvers\"] is not a literal dict ({}); custom resolvers \
                             are unknown",
                            describe(other)
                        ),
                    }),
                },
                _ => {}
            }
        }
    }

    /// The merge strategy for a config key (`destructive` unless `merge_strategy` says otherwise).
    pub fn merge_strategy_for(&self, key: &str) -> Result<MergeStrategy> {
        Ok(self
            .merge_strategy
            .get("CONFIG_LOADER_ARGS[\"merge_strategy\"]")?
            .get(key)
            .copied()
            .unwrap_or(MergeStrategy::Destructive))
    }
}

fn known_at<T>(value: T, location: &Location) -> Setting<T> {
    Setting::Known {
        value,
        location: Some(location.clone()),
    }
}

fn unknown<T>(location: Location, detail: &str) -> Setting<T> {
    Setting::Unknown {
        location,
        detail: detail.to_string(),
    }
}

fn describe(v: &PyValue) -> String {
    match v {
        PyValue::Unknown(t) => format!("`{t}`"),
        other => format!("{other:?}"),
    }
}

fn string_lists(v: &PyValue) -> Option<IndexMap<String, Vec<String>>> {
    let PyValue::Dict(d) = v else { return None };
    let mut out = IndexMap::new();
    for (k, v) in d {
        let key = k.as_str()?.to_string();
        let (PyValue::List(items) | PyValue::Tuple(items)) = v else {
            return None;
        };
        let items = items
            .iter()
            .map(|i| i.as_str().map(str::to_string))
            .collect::<Option<Vec<_>>>()?;
        out.insert(key, items);
    }
    Some(out)
}

fn merge_strategies(v: &PyValue) -> std::result::Result<IndexMap<String, MergeStrategy>, String> {
    let PyValue::Dict(d) = v else {
        return Err(describe(v));
    };
    let mut out = IndexMap::new();
    for (k, val) in d {
        let (Some(key), Some(s)) = (k.as_str(), val.as_str()) else {
            return Err(describe(v));
        };
        let strategy = match s.to_ascii_lowercase().as_str() {
            "soft" => MergeStrategy::Soft,
            "destructive" => MergeStrategy::Destructive,
            _ => {
                return Err(format!(
                    "merging strategy {s} not supported; the accepted merging strategies are ['soft', 'destructive']"
                ));
            }
        };
        out.insert(key.to_string(), strategy);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_apply_only_without_config_loader_args() {
        let s = Settings::parse("HOOKS = ()\n", Path::new("settings.py"));
        assert_eq!(s.base_env.known().map(String::as_str), Some("base"));
        assert_eq!(s.default_run_env.known().map(String::as_str), Some("local"));
        assert!(!s.has_hooks);
        let s = Settings::parse(
            "CONFIG_LOADER_ARGS = {'config_patterns': {'spark': ['spark*']}}\n",
            Path::new("s.py"),
        );
        assert_eq!(s.base_env.known().map(String::as_str), Some(""));
        assert_eq!(s.default_run_env.known().map(String::as_str), Some(""));
        assert_eq!(
            s.config_patterns.known().unwrap()["spark"],
            vec!["spark*".to_string()]
        );
    }

    #[test]
    fn non_literals_are_unknown_not_guessed() {
        let s = Settings::parse(
            "from pathlib import Path\nCONF_SOURCE = str(Path(__file__).parent / 'conf')\n\
             CONFIG_LOADER_ARGS = {'base_env': BASE, 'merge_strategy': {'parameters': 'soft'}}\n",
            Path::new("src/p/settings.py"),
        );
        assert!(s.conf_source.get("CONF_SOURCE").is_err());
        assert!(s.base_env.known().is_none());
        assert_eq!(
            s.merge_strategy_for("parameters").unwrap(),
            MergeStrategy::Soft
        );
        assert_eq!(
            s.merge_strategy_for("catalog").unwrap(),
            MergeStrategy::Destructive
        );
    }
}
